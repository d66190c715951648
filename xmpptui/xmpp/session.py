"""XmppSession: the façade the UI talks to (`xmpptui.session.Session`). It builds the services on one shared
`SessionContext`, writes out the hooks between features once (below, as callbacks), registers the slixmpp
handlers, owns the order of start, resume and stop, and forwards every other call to the service it belongs to."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from slixmpp import Message
from slixmpp import Presence as PresenceStanza
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from xmpptui.config import Account, FilesConfig
from xmpptui.model.console import StanzaRecord
from xmpptui.model.contacts import ClientVersion, LastActivity, VCardBasics
from xmpptui.model.conversation import ChatMessage, ConversationKind, SearchHit
from xmpptui.model.events import Notice, Severity
from xmpptui.model.forms import DataForm
from xmpptui.model.presence import Presence
from xmpptui.model.room import Affiliation, Role, RoomListing
from xmpptui.model.roster import Contact
from xmpptui.model.state import ClientState
from xmpptui.passwords import Secret
from xmpptui.pins import PinStore
from xmpptui.session import EventSink
from xmpptui.storage.contact_store import ContactStore
from xmpptui.storage.history import History, HistoryWriteError
from xmpptui.storage.open_conversations import OpenConversationsStore
from xmpptui.xmpp.archive import ArchiveQueries
from xmpptui.xmpp.archive_sync import ArchiveSync
from xmpptui.xmpp.chat.receiving import ChatReceiving
from xmpptui.xmpp.chat.reports import ChatReports
from xmpptui.xmpp.chat.sending import ChatSending
from xmpptui.xmpp.connection import Connection
from xmpptui.xmpp.console import StanzaConsole
from xmpptui.xmpp.contacts import ContactService
from xmpptui.xmpp.context import SessionContext
from xmpptui.xmpp.conversations import Conversations
from xmpptui.xmpp.files import FileSharing
from xmpptui.xmpp.message_updates import MessageUpdates
from xmpptui.xmpp.messaging import Messaging
from xmpptui.xmpp.pep_publish import PrivatePep
from xmpptui.xmpp.presence import PresenceService
from xmpptui.xmpp.read_sync import ReadSync
from xmpptui.xmpp.reopening import Reopening
from xmpptui.xmpp.rooms import RoomService
from xmpptui.xmpp.roster import RosterService
from xmpptui.xmpp.router import Recipients, Router

log = logging.getLogger(__name__)


class XmppSession:
    """Implements `xmpptui.session.Session` over one slixmpp client. The services are public attributes, for
    tests that drive one feature; `inbound(stanza)` hands the session a stanza as if the server had sent it."""

    def __init__(self, account: Account, password: Secret, clock: Callable[[], float] = time.time,
                 pins: PinStore | None = None, history: History | None = None, files: FilesConfig | None = None,
                 contacts_store: ContactStore | None = None, open_store: OpenConversationsStore | None = None,
                 cached_roster: tuple[str, list[Contact]] | None = None) -> None:  # (read for the first frame)
        state = ClientState(jid=account.bare_jid.lower(), resource=account.resource)
        ctx = self.context = SessionContext(account, state, clock, time.monotonic)
        ctx.on_task_error = self._history_failed
        self.pep = PrivatePep(ctx)
        self.conversations = Conversations(
            ctx, history if account.history else None, {jid.lower() for jid in account.no_history},
            position_of=lambda message: self.archive_sync.live_position(message),
            older_from_archive=lambda conversation: self.archive_sync.older(conversation))
        self.reports = ChatReports(ctx)
        self.updates = MessageUpdates(ctx, self.conversations)
        self.sending = ChatSending(ctx, self.conversations, self.reports,
                                   queue_in_room=lambda message: self.rooms.queue(message),
                                   restore_in_room=lambda message: self.rooms.restore_pending(message))
        self.receiving = ChatReceiving(ctx, self.conversations, self.sending, self.reports, self.updates)
        self.archive = ArchiveQueries()
        self.archive_sync = ArchiveSync(ctx, self.conversations, self.archive, waiting=self.sending.waiting,
                                        acked=self.sending.acked, updates=self.updates)
        self.read_sync = ReadSync(ctx, self.pep)
        self.presence = PresenceService(ctx)
        store = contacts_store or ContactStore.default(state.jid)
        self.roster = RosterService(ctx, store, cached_roster)
        self.contacts = ContactService(ctx, store)
        self.rooms = RoomService(
            ctx, open_conversation=lambda jid, kind, by_user: self.conversations.open(jid, by_user, kind),
            persist=self.conversations.persist, store_update=self.conversations.store_update, private_pep=self.pep,
            default_nick=account.nick or account.bare_jid.partition("@")[0], max_occupants=account.max_room_occupants,
            on_joined=self.archive_sync.room_joined, on_left=self.archive_sync.room_left, updates=self.updates)
        self.connection = Connection(ctx, password, pins, on_lost=self.presence.clear_view,
                                     on_stream_ended=self.sending.count_strikes, on_online=self.sending.send_outbox)
        self.console = StanzaConsole(ctx, clock)
        self.reopening = Reopening(  # (the conversations open at the last quit)
            ctx, open_store or OpenConversationsStore.default(state.jid), join_room=self.rooms.join_later,
            open_conversation=lambda jid, kind: self.conversations.open(jid, False, kind))
        self.files = FileSharing(ctx, files or FilesConfig(), store_update=self.conversations.store_update, send_link={
            ConversationKind.CHAT: self.sending.send_chat, ConversationKind.GROUPCHAT: self.rooms.send_groupchat,
            ConversationKind.PRIVATE: self.rooms.send_private})
        self.messaging = Messaging(ctx, self.updates, self.sending.send_chat, self.rooms.send_groupchat)
        self.router = Router(state, clock, self.archive, Recipients(self.presence, self.contacts, self.receiving,
                                                                     self.rooms, self.read_sync))

    @property
    def state(self) -> ClientState:
        return self.context.state

    @property
    def roster_fetch(self) -> str:
        """How the roster came at the last login: "full", "unchanged" (XEP-0237) or "" (none yet)."""
        return self.roster.fetched

    def inbound(self, stanza: Message | PresenceStanza) -> None:
        """An incoming message or presence, handed to the service it is for."""
        self.router.stanza(stanza)

    def _history_failed(self, exc: BaseException) -> bool:
        if isinstance(exc, HistoryWriteError):
            self.conversations.write_failed(exc)  # (a state change: said once)
        return isinstance(exc, HistoryWriteError)

    # Start, resume, stop ----------------------------------------------------------------------------------

    async def start(self, sink: EventSink) -> None:
        ctx = self.context
        ctx.sink, ctx.stopping = sink, False
        client = self.connection.build_client()
        self.console.attach(client)
        handlers: dict[str, Callable[..., Any]] = {
            **self.connection.handlers(),
            "session_start": self.session_started,
            "session_resumed": self.stream_resumed,
            "stanza_acked": self.sending.on_acked,
            "stanza_dropped": lambda dropped: ctx.emit(Notice(dropped.describe(), Severity.WARNING)),
            "presence": self.inbound,
            "roster_update": self.roster.on_push,
            "blocked": lambda iq: self.contacts.on_block_push(iq, blocked=True),
            "unblocked": lambda iq: self.contacts.on_block_push(iq, blocked=False),
        }
        for event_name, handler in handlers.items():
            client.add_event_handler(event_name, handler)
        client.register_handler(Callback("xmpptui message", MatchXPath("{jabber:client}message"), self.inbound))
        client.add_event_handler("disconnected", lambda _event: self.console.attach(client))  # (the next login's)
        self.contacts.load_requests()
        await self.roster.show_cached()
        self.reopening.restore()
        await self.sending.restore_outbox()
        await self.connection.connect(first=True)

    async def session_started(self, _event: Any) -> None:
        """slixmpp's `session_start`: a new session (not a resumed one), set up in this order."""
        client = self.context.client
        assert client is not None
        self.state.resource = client.boundjid.resource
        self.presence.new_session()  # the server sends every presence anew
        self.receiving.new_session()
        self.pep.new_session()  # what our account's service supports is asked again
        self.files.new_session()  # and which upload service it offers
        if await self.roster.fetch():
            self.presence.new_session()
        await self.contacts.fetch_blocklist()
        await self.receiving.enable_carbons()  # before "online", so that no copy of another client's message is missed
        self.sending.requeue_unacked()
        # What arrived while we were away, before our presence brings the server's offline copies (then known as
        # held); what the server hands us meanwhile (a replaced session's queue) comes after, in the archive's order.
        self.router.hold()
        try:
            await self.archive_sync.catch_up()
        finally:
            self.router.release()
        await client.announce_caps()  # before our first presence, which carries them
        self.presence.send(self.presence.wanted)
        self.rooms.rejoin_all()
        self.context.spawn(self.rooms.load_bookmarks(), "reading the bookmarks")
        self.context.spawn(self.read_sync.load(), "reading the read positions")
        if self.connection.attempt_alive:
            self.connection.now_online()
        self.console.logged_in()

    def stream_resumed(self, _event: Any) -> None:
        """slixmpp's `session_resumed` (XEP-0198). Runs inline, before the stanzas the server replays are handled:
        they apply on top of what we knew."""
        self.presence.stream_resumed()
        self.receiving.stream_resumed()
        self.context.spawn(self._on_session_resumed(), "resuming the session")

    async def _on_session_resumed(self) -> None:
        """Stream resumed (XEP-0198): slixmpp resent what the server had not acked. Ours still in its send queue when
        the connection died never reached the wire: once that queue has drained, those go again."""
        client = self.context.client
        assert client is not None
        await client.waiting_queue.join()
        if not self.connection.attempt_alive:
            return
        self.sending.requeue_lost({stanza.xml.get("id", "") for _, stanza in client.plugin["xep_0198"].unacked_queue})
        if self.state.own_presence != self.presence.wanted:
            self.presence.send(self.presence.wanted)  # changed while we were away
        self.connection.now_online()
        self.rooms.stream_resumed()

    async def stop(self) -> None:
        self.context.stopping = True
        self.files.cancel_all()
        self.reopening.save()
        self.conversations.save_unsaved()
        self.read_sync.flush()
        self.roster.flush_cache()
        await self.context.settle()
        await self.connection.stop()

    def reconnect_now(self) -> None:
        self.connection.reconnect_now()

    def trust_certificate(self, fingerprint: str) -> None:
        self.connection.trust_certificate(fingerprint)

    # Presence, conversations, chat ------------------------------------------------------------------------

    async def set_presence(self, presence: Presence) -> None:
        await self.presence.set_presence(presence)
        self.rooms.own_presence_sent(presence)

    def open_conversation(self, jid: str) -> None:
        self.conversations.open_conversation(jid)

    def close_conversation(self, jid: str) -> None:
        self.rooms.conversation_closed(jid)
        self.conversations.close(jid)

    def mark_read(self, jid: str) -> None:
        self.reopening.shown(jid)
        conversation = self.conversations.clear_unread(jid)
        if conversation is not None:
            self.reports.mark_displayed(conversation)
            self.read_sync.share(conversation)

    async def load_older(self, jid: str) -> None:
        await self.conversations.load_older(jid)

    async def search(self, query: str, jid: str | None = None) -> list[SearchHit]:
        return await self.conversations.search(query, jid)

    async def search_context(self, hit: SearchHit) -> list[ChatMessage]:
        return await self.conversations.search_context(hit)

    def typing(self, jid: str, composing: bool) -> None:
        self.reports.typing(jid, composing)

    async def send_chat(self, to: str, body: str) -> None:
        await self.sending.send_chat(to, body)

    async def correct_last(self, jid: str, body: str) -> None:
        await self.sending.correct_last(jid, body)

    async def retry(self, jid: str) -> None:
        await self.sending.retry(jid)

    async def reply(self, jid: str, message: ChatMessage, body: str) -> None:
        await self.messaging.reply(jid, message, body)

    async def react(self, jid: str, message: ChatMessage, emojis: set[str]) -> None:
        await self.messaging.react(jid, message, emojis)

    async def retract(self, jid: str, message: ChatMessage) -> None:
        await self.messaging.retract(jid, message)

    async def moderate(self, room: str, message: ChatMessage, reason: str = "") -> None:
        await self.messaging.moderate(room, message, reason)

    def watch_stanzas(self, on: bool) -> None:
        self.console.watch(on)

    def stanzas_since(self, seq: int) -> list[StanzaRecord]:
        return self.console.since(seq)

    def send_raw(self, xml: str) -> None:
        self.console.send_raw(xml)

    # Contacts ---------------------------------------------------------------------------------------------

    async def add_contact(self, jid: str, name: str = "", groups: tuple[str, ...] = (),
                          subscribe: bool = True) -> None:
        await self.roster.add_contact(jid, name, groups, subscribe)

    async def update_contact(self, jid: str, name: str | None = None, groups: tuple[str, ...] | None = None) -> None:
        await self.roster.update_contact(jid, name, groups)

    async def remove_contact(self, jid: str) -> None:
        await self.roster.remove_contact(jid)

    async def authorize(self, jid: str) -> None:
        await self.contacts.authorize(jid)

    async def deny(self, jid: str) -> None:
        await self.contacts.deny(jid)

    async def subscribe(self, jid: str) -> None:
        await self.contacts.subscribe(jid)

    async def unsubscribe(self, jid: str) -> None:
        await self.contacts.unsubscribe(jid)

    async def block(self, jid: str) -> None:
        await self.contacts.block(jid)

    async def unblock(self, jid: str) -> None:
        await self.contacts.unblock(jid)

    async def report(self, jid: str, kind: str, text: str = "", message: ChatMessage | None = None) -> None:
        await self.contacts.report(jid, kind, text, message)

    async def send_directed_presence(self, jid: str, presence: Presence) -> None:
        await self.contacts.send_directed_presence(jid, presence)

    async def fetch_vcard(self, jid: str) -> VCardBasics:
        return await self.contacts.fetch_vcard(jid)

    async def fetch_last_activity(self, jid: str) -> LastActivity:
        return await self.contacts.fetch_last_activity(jid)

    async def fetch_client_version(self, jid: str) -> ClientVersion:
        return await self.contacts.fetch_client_version(jid)

    # Files, rooms -----------------------------------------------------------------------------------------

    async def upload_file(self, jid: str, path: str) -> None:
        await self.files.upload(jid, path)

    def cancel_upload(self, jid: str) -> bool:
        return self.files.uploads.cancel(jid)

    async def download_file(self, jid: str, message: ChatMessage, url: str) -> str:
        return await self.files.downloads.download(jid, message, url)

    def cancel_download(self, jid: str) -> bool:
        return self.files.downloads.cancel(jid)

    async def fetch_image(self, jid: str, message: ChatMessage, limit: int) -> bytes:
        return await self.files.fetch_image(message, limit)

    async def join_room(self, address: str, password: str = "") -> None:
        await self.rooms.join_room(address, password)

    async def leave_room(self, room: str, reason: str = "") -> None:
        await self.rooms.leave_room(room, reason)

    async def send_groupchat(self, room: str, body: str) -> None:
        await self.rooms.send_groupchat(room, body)

    async def send_private(self, occupant: str, body: str) -> None:
        await self.rooms.send_private(occupant, body)

    async def open_private(self, room: str, nick: str) -> None:
        await self.rooms.open_private(room, nick)

    async def set_subject(self, room: str, subject: str) -> None:
        await self.rooms.set_subject(room, subject)

    async def change_nick(self, room: str, nick: str) -> None:
        await self.rooms.change_nick(room, nick)

    async def invite(self, room: str, jid: str, reason: str = "") -> None:
        await self.rooms.invite(room, jid, reason)

    async def room_configuration(self, room: str) -> DataForm:
        return await self.rooms.room_configuration(room)

    async def configure_room(self, room: str, form: DataForm | None) -> None:
        await self.rooms.configure_room(room, form)

    async def room_exists(self, address: str) -> bool | None:
        return await self.rooms.room_exists(address)

    async def list_rooms(self, service: str) -> list[RoomListing]:
        return await self.rooms.list_rooms(service)

    async def bookmark_room(self, room: str, autojoin: bool = True) -> None:
        await self.rooms.bookmark_room(room, autojoin)

    async def remove_bookmark(self, room: str) -> None:
        await self.rooms.remove_bookmark(room)

    async def decline_invitation(self, room: str, inviter: str) -> None:
        await self.rooms.decline_invitation(room, inviter)

    async def request_voice(self, room: str) -> None:
        await self.rooms.request_voice(room)

    async def kick(self, room: str, nick: str, reason: str = "") -> None:
        await self.rooms.kick(room, nick, reason)

    async def ban(self, room: str, nick: str, reason: str = "") -> None:
        await self.rooms.ban(room, nick, reason)

    async def set_role(self, room: str, nick: str, role: Role, reason: str = "") -> None:
        await self.rooms.set_role(room, nick, role, reason)

    async def set_affiliation(self, room: str, jid: str, affiliation: Affiliation, reason: str = "") -> None:
        await self.rooms.set_affiliation(room, jid, affiliation, reason)
