"""A scripted Session for UI tests (tests only): in-memory state, every call recorded, events on demand."""

from __future__ import annotations

import asyncio
import mimetypes
from dataclasses import dataclass, field
from pathlib import Path

from xmpptui.model.console import StanzaRecord
from xmpptui.model.contacts import ClientVersion, LastActivity, PendingRequest, VCardBasics
from xmpptui.model.conversation import (
    RETRACTED,
    Attachment,
    ChatMessage,
    DeliveryState,
    Direction,
    SearchHit,
    moderated_words,
)
from xmpptui.model.events import (
    BlocklistChanged,
    ConnectionChanged,
    ContactChanged,
    ConversationClosed,
    ConversationOpened,
    DownloadEnded,
    DownloadProgressed,
    Event,
    HistoryLoaded,
    MessageAdded,
    MessageUpdated,
    OwnPresenceChanged,
    PresenceChanged,
    RequestsChanged,
    RosterReplaced,
    UnreadChanged,
    UploadEnded,
    UploadProgressed,
)
from xmpptui.model.forms import DataForm
from xmpptui.model.presence import Presence, Show
from xmpptui.model.room import Affiliation, Role, RoomListing
from xmpptui.model.roster import Contact, Subscription
from xmpptui.model.state import ClientState, ConnectionState, ConnectionStatus
from xmpptui.session import ConversationError, DownloadError, EventSink, RoomError, UploadError
from xmpptui.xmpp.console import parse_stanza

FIXED_TIME = 1_764_590_400.0  # 2025-12-01 12:00 UTC: snapshots do not depend on the clock


@dataclass
class FakeSession:
    jid: str = "alice@example.org"
    contacts: list[Contact] = field(default_factory=list)
    presences: dict[str, Presence] = field(default_factory=dict)
    calls: list[tuple[str, object]] = field(default_factory=list)
    online: bool = True
    listed_rooms: list[RoomListing] = field(default_factory=list)
    missing_rooms: set[str] = field(default_factory=set)
    room_form: DataForm | None = None
    """What room_configuration() returns; None: refused, as to someone who is not the room's owner."""
    older_pages: dict[str, list[list[ChatMessage]]] = field(default_factory=dict)
    """Older history `load_older` pages in, by conversation, the oldest page first."""
    older_steps: asyncio.Semaphore | None = None
    images: dict[str, bytes] = field(default_factory=dict)
    """What fetch_image() returns, by URL; any other URL is refused (DownloadError)."""

    def __post_init__(self) -> None:
        self._state = ClientState(jid=self.jid, resource="xmpptui")
        self._sink: EventSink = lambda event: None
        self._uploads: dict[str, asyncio.Future[str]] = {}
        self._downloads: dict[str, asyncio.Future[str]] = {}

    @property
    def state(self) -> ClientState:
        return self._state

    def emit(self, event: Event) -> None:
        self._sink(event)

    async def start(self, sink: EventSink) -> None:
        self._sink = sink
        self.calls.append(("start", None))
        if not self.online:
            return
        self._state.roster.replace(self.contacts)
        for jid, presence in self.presences.items():
            self._state.presence.update(jid, "laptop", presence)
        self._state.connection = ConnectionStatus(ConnectionState.ONLINE)
        self._state.own_presence = Presence(Show.ONLINE)
        self.emit(RosterReplaced(len(self.contacts)))
        self.emit(ConnectionChanged(self._state.connection))
        self.emit(OwnPresenceChanged(self._state.own_presence))

    async def stop(self) -> None:
        self.calls.append(("stop", None))

    async def set_presence(self, presence: Presence) -> None:
        self.calls.append(("set_presence", presence))
        self._state.own_presence = presence
        self.emit(OwnPresenceChanged(presence))

    async def send_chat(self, to: str, body: str, attachment: Attachment | None = None) -> None:
        self.calls.append(("send_chat", (to, body)))
        bare = to.split("/", 1)[0]
        conversation, _ = self._state.conversations.open(bare)
        message = ChatMessage(bare, self.jid, body, FIXED_TIME, Direction.OUT, state=DeliveryState.SENT,
                              attachment=attachment, id=f"sent-{len(conversation.messages)}")
        conversation.messages.append(message)
        self.emit(MessageAdded(message))

    async def upload_file(self, jid: str, path: str) -> None:
        """Under way until the test calls `upload_progress` / `finish_upload`, or the user cancels it."""
        self.calls.append(("upload_file", (jid, path)))
        name = Path(path).name
        if not Path(path).is_file():
            raise UploadError(f"no such file: {path}")
        if jid in self._uploads:
            raise UploadError("a file is already being uploaded in this conversation: wait, or /cancel it")
        done = self._uploads[jid] = asyncio.get_running_loop().create_future()
        self.emit(UploadProgressed(jid, name, 0, Path(path).stat().st_size))
        try:
            url = await done
        except UploadError as exc:
            self.emit(UploadEnded(jid, name, error=str(exc), retry=exc.retry))
            raise
        finally:
            del self._uploads[jid]
        self.emit(UploadEnded(jid, name, url=url))
        media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        await self.send_chat(jid, url, Attachment(url, name, Path(path).stat().st_size, media_type, path))

    def upload_progress(self, jid: str, name: str, sent: int, total: int) -> None:
        self.emit(UploadProgressed(jid, name, sent, total))

    def finish_upload(self, jid: str, url: str) -> None:
        self._uploads[jid].set_result(url)

    def fail_upload(self, jid: str, error: UploadError) -> None:
        self._uploads[jid].set_exception(error)

    def cancel_upload(self, jid: str) -> bool:
        self.calls.append(("cancel_upload", jid))
        done = self._uploads.get(jid)
        if done is None or done.done():
            return False
        done.set_exception(UploadError("upload cancelled, nothing was sent"))
        return True

    async def download_file(self, jid: str, message: ChatMessage, url: str) -> str:
        """Under way until the test calls `download_progress` / `finish_download`, or the user cancels it."""
        self.calls.append(("download_file", (jid, url)))
        name = url.rsplit("/", 1)[-1]
        if jid in self._downloads:
            raise DownloadError("a file is already being downloaded in this conversation: wait, or /cancel it")
        done = self._downloads[jid] = asyncio.get_running_loop().create_future()
        self.emit(DownloadProgressed(jid, name, 0, 0))
        try:
            path = await done
        except DownloadError as exc:
            self.emit(DownloadEnded(jid, name, error=str(exc)))
            raise
        finally:
            del self._downloads[jid]
        self.emit(DownloadEnded(jid, name, path=path))
        return path

    def download_progress(self, jid: str, name: str, received: int, total: int) -> None:
        self.emit(DownloadProgressed(jid, name, received, total))

    def finish_download(self, jid: str, path: str) -> None:
        self._downloads[jid].set_result(path)

    def cancel_download(self, jid: str) -> bool:
        self.calls.append(("cancel_download", jid))
        done = self._downloads.get(jid)
        if done is None or done.done():
            return False
        done.set_exception(DownloadError("download cancelled, nothing was saved"))
        return True

    async def fetch_image(self, jid: str, message: ChatMessage, limit: int) -> bytes:
        url = message.attachment.url if message.attachment is not None else ""
        self.calls.append(("fetch_image", (jid, url, limit)))
        if url not in self.images:
            raise DownloadError(f"HTTP 404 Not Found for {url}")
        if len(self.images[url]) > limit:
            raise DownloadError(f"the file is larger than {limit} bytes")
        return self.images[url]

    def open_conversation(self, jid: str) -> None:
        self.calls.append(("open_conversation", jid))
        self._state.conversations.open(jid)
        self.emit(ConversationOpened(jid, by_user=True))

    def close_conversation(self, jid: str) -> None:
        self.calls.append(("close_conversation", jid))
        if self._state.conversations.close(jid):
            self.emit(ConversationClosed(jid))

    async def load_older(self, jid: str) -> None:
        """The next of `older_pages[jid]` (the last in the list first) before what is held, and once none is left,
        nothing older exists; with `older_steps`, each page waits for one release of it (a test steps through)."""
        self.calls.append(("load_older", jid))
        if self.older_steps is not None:
            await self.older_steps.acquire()
        pages, conversation = self.older_pages.get(jid), self._state.conversations.get(jid)
        if conversation is None:
            return
        conversation.history_loaded = True
        if pages:
            page = pages.pop()
            if page:  # (an empty one: an archive page of reactions and corrections only)
                conversation.prepend(page)
                self.emit(HistoryLoaded(jid, len(page)))
        else:  # (the history read to its start, and the archive has nothing older either)
            conversation.archive_exhausted = True

    def typing(self, jid: str, composing: bool) -> None:
        self.calls.append(("typing", (jid, composing)))

    async def correct_last(self, jid: str, body: str) -> None:
        self.calls.append(("correct_last", (jid, body)))
        conversation = self._state.conversations.get(jid)
        last = conversation.last_sent() if conversation is not None else None
        if last is None:
            raise ConversationError("there is no message of yours to correct in this conversation")
        last.correct(body, FIXED_TIME + 600)  # (ten minutes after the first message of a test)
        self.emit(MessageUpdated(last))

    async def retry(self, jid: str) -> None:
        self.calls.append(("retry", jid))

    async def reply(self, jid: str, message: ChatMessage, body: str) -> None:
        self.calls.append(("reply", jid, message.id, body))

    async def react(self, jid: str, message: ChatMessage, emojis: set[str]) -> None:
        self.calls.append(("react", jid, message.id, frozenset(emojis)))
        if emojis:
            message.reactions = {**message.reactions, self._state.jid: frozenset(emojis)}
        else:
            message.reactions = {k: v for k, v in message.reactions.items() if k != self._state.jid}
        self.emit(MessageUpdated(message))

    async def retract(self, jid: str, message: ChatMessage) -> None:
        self.calls.append(("retract", jid, message.id))
        message.body, message.retracted = "", RETRACTED
        self.emit(MessageUpdated(message))

    async def moderate(self, room: str, message: ChatMessage, reason: str = "") -> None:
        self.calls.append(("moderate", room, message.id, reason))
        message.body, message.retracted = "", moderated_words(reason)
        self.emit(MessageUpdated(message))

    async def search(self, query: str, jid: str | None = None) -> list[SearchHit]:
        self.calls.append(("search", (query, jid)))
        words = query.lower().split()
        hits = [SearchHit(index, message) for conversation in self._state.conversations
                for index, message in enumerate(conversation.messages)
                if (jid is None or conversation.jid == jid) and all(w in message.body.lower() for w in words)]
        return sorted(hits, key=lambda hit: -hit.message.timestamp)

    async def search_context(self, hit: SearchHit) -> list[ChatMessage]:
        conversation = self._state.conversations.get(hit.message.conversation)
        return list(conversation.messages) if conversation is not None else [hit.message]

    def reconnect_now(self) -> None:
        self.calls.append(("reconnect_now", None))

    def trust_certificate(self, fingerprint: str) -> None:
        self.calls.append(("trust_certificate", fingerprint))

    # Contacts: recorded, and the roster changed as the server would.

    async def add_contact(self, jid: str, name: str = "", groups: tuple[str, ...] = (),
                          subscribe: bool = True) -> None:
        self.calls.append(("add_contact", (jid, name, groups, subscribe)))
        held = self._state.roster.get(jid)
        self._state.roster.apply_push(Contact(jid, name, groups, held.subscription if held else Subscription.NONE,
                                              pending_out=subscribe))
        self.emit(ContactChanged(jid))

    async def update_contact(self, jid: str, name: str | None = None, groups: tuple[str, ...] | None = None) -> None:
        self.calls.append(("update_contact", (jid, name, groups)))
        held = self._state.roster.get(jid)
        if held is not None:
            self._state.roster.apply_push(Contact(jid, held.name if name is None else name,
                                                  held.groups if groups is None else groups, held.subscription,
                                                  held.pending_out))
            self.emit(ContactChanged(jid))

    async def remove_contact(self, jid: str) -> None:
        self.calls.append(("remove_contact", jid))
        self._state.roster.apply_push(Contact(jid, subscription=Subscription.REMOVE))
        self.emit(ContactChanged(jid, removed=True))

    async def authorize(self, jid: str) -> None:
        self.calls.append(("authorize", jid))
        if self._state.requests.answer(jid):
            self.emit(RequestsChanged(jid))

    async def deny(self, jid: str) -> None:
        self.calls.append(("deny", jid))
        if self._state.requests.answer(jid):
            self.emit(RequestsChanged(jid))

    async def subscribe(self, jid: str) -> None:
        self.calls.append(("subscribe", jid))

    async def unsubscribe(self, jid: str) -> None:
        self.calls.append(("unsubscribe", jid))

    async def block(self, jid: str) -> None:
        self.calls.append(("block", jid))
        self._state.blocked.add(jid)
        self._state.requests.answer(jid)
        self.emit(RequestsChanged(jid))
        self.emit(BlocklistChanged())

    async def unblock(self, jid: str) -> None:
        self.calls.append(("unblock", jid))
        self._state.blocked.discard(jid)
        self.emit(BlocklistChanged())

    async def report(self, jid: str, kind: str, text: str = "", message: ChatMessage | None = None) -> None:
        self.calls.append(("report", jid, kind, text))
        self._state.blocked.add(jid)
        self._state.requests.answer(jid)  # (as blocking does: a request from them is answered by it)
        self.emit(RequestsChanged(jid))
        self.emit(BlocklistChanged())

    async def send_directed_presence(self, jid: str, presence: Presence) -> None:
        self.calls.append(("send_directed_presence", (jid, presence)))

    async def fetch_vcard(self, jid: str) -> VCardBasics:
        self.calls.append(("fetch_vcard", jid))
        return VCardBasics(full_name="Bob Example", email="bob@example.org")

    async def fetch_last_activity(self, jid: str) -> LastActivity:
        self.calls.append(("fetch_last_activity", jid))
        return LastActivity(300)

    async def fetch_client_version(self, jid: str) -> ClientVersion:
        self.calls.append(("fetch_client_version", jid))
        return ClientVersion("Gajim", "1.9", "Linux")

    def request(self, jid: str, nick: str = "", status: str = "") -> None:
        """Someone asks to see our presence."""
        self._state.requests.add(PendingRequest(jid, nick, status, FIXED_TIME))
        self.emit(RequestsChanged(jid))

    def mark_read(self, jid: str) -> None:
        conversation = self._state.conversations.get(jid)
        if conversation is not None and conversation.unread:
            conversation.unread = conversation.mentions = 0
            self.emit(UnreadChanged(jid, 0))

    # Rooms: recorded only; tests script the room's side with emit()

    async def join_room(self, address: str, password: str = "") -> None:
        self.calls.append(("join_room", (address, password)))

    async def leave_room(self, room: str, reason: str = "") -> None:
        self.calls.append(("leave_room", (room, reason)))

    async def send_groupchat(self, room: str, body: str) -> None:
        self.calls.append(("send_groupchat", (room, body)))

    async def send_private(self, occupant: str, body: str) -> None:
        self.calls.append(("send_private", (occupant, body)))

    async def open_private(self, room: str, nick: str) -> None:
        self.calls.append(("open_private", (room, nick)))

    async def set_subject(self, room: str, subject: str) -> None:
        self.calls.append(("set_subject", (room, subject)))

    async def change_nick(self, room: str, nick: str) -> None:
        self.calls.append(("change_nick", (room, nick)))

    async def invite(self, room: str, jid: str, reason: str = "") -> None:
        self.calls.append(("invite", (room, jid, reason)))

    async def room_configuration(self, room: str) -> DataForm:
        self.calls.append(("room_configuration", room))
        if self.room_form is None:
            raise RoomError(f"you are not allowed to configure {room} (only its owners may)")
        return self.room_form

    async def configure_room(self, room: str, form: DataForm | None) -> None:
        self.calls.append(("configure_room", (room, form)))

    async def room_exists(self, address: str) -> bool | None:
        self.calls.append(("room_exists", address))
        return address.split("/", 1)[0] not in self.missing_rooms

    async def list_rooms(self, service: str) -> list[RoomListing]:
        self.calls.append(("list_rooms", service))
        return list(self.listed_rooms)

    async def bookmark_room(self, room: str, autojoin: bool = True) -> None:
        self.calls.append(("bookmark_room", (room, autojoin)))

    async def remove_bookmark(self, room: str) -> None:
        self.calls.append(("remove_bookmark", room))

    async def decline_invitation(self, room: str, inviter: str) -> None:
        self.calls.append(("decline_invitation", (room, inviter)))

    async def request_voice(self, room: str) -> None:
        self.calls.append(("request_voice", room))

    async def kick(self, room: str, nick: str, reason: str = "") -> None:
        self.calls.append(("kick", (room, nick, reason)))

    async def ban(self, room: str, nick: str, reason: str = "") -> None:
        self.calls.append(("ban", (room, nick, reason)))

    async def set_role(self, room: str, nick: str, role: Role, reason: str = "") -> None:
        self.calls.append(("set_role", (room, nick, role)))

    async def set_affiliation(self, room: str, jid: str, affiliation: Affiliation, reason: str = "") -> None:
        self.calls.append(("set_affiliation", (room, jid, affiliation)))

    # Scripted remote activity ------------------------------------------------------------------

    def receive(self, sender: str, body: str, timestamp: float = FIXED_TIME, name: str = "",
                attachment: Attachment | None = None) -> ChatMessage:
        conversation, created = self._state.conversations.open(sender)
        if created:
            self.emit(ConversationOpened(sender, by_user=False))
        message = ChatMessage(sender, name or sender, body, timestamp, attachment=attachment)
        conversation.messages.append(message)
        conversation.unread += 1
        self.emit(MessageAdded(message))
        self.emit(UnreadChanged(sender, conversation.unread))
        return message

    def presence(self, jid: str, presence: Presence) -> None:
        self._state.presence.update(jid, "laptop", presence)
        self.emit(PresenceChanged(jid))

    # The XML console ---------------------------------------------------------------------------

    watching_stanzas: bool = False
    stanzas: list[StanzaRecord] = field(default_factory=list)

    def stanza(self, outgoing: bool, xml: str) -> None:
        """A stanza on the stream, recorded (as the real session does) only while the console watches."""
        if self.watching_stanzas:
            self.stanzas.append(StanzaRecord(len(self.stanzas) + 1, FIXED_TIME, outgoing, xml))

    def watch_stanzas(self, on: bool) -> None:
        self.watching_stanzas = on
        self.calls.append(("watch_stanzas", on))

    def stanzas_since(self, seq: int) -> list[StanzaRecord]:
        return [record for record in self.stanzas if record.seq > seq]

    def send_raw(self, xml: str) -> None:
        parse_stanza(xml)  # (the real session's refusals, in its words)
        self.calls.append(("send_raw", xml))
        self.stanza(True, xml)
