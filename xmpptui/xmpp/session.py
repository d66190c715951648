"""XmppSession: the one place slixmpp handlers live. Stanzas in, state updated, then typed events out."""

from __future__ import annotations

import asyncio
import logging
import random
import socket
import ssl
import time
import uuid
from collections.abc import Callable, Coroutine
from typing import Any
from xml.etree import ElementTree as ET

from slixmpp import Iq, Message
from slixmpp import Presence as PresenceStanza
from slixmpp.exceptions import IqError, IqTimeout
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from xmpptui.config import Account
from xmpptui.model import jid as jids
from xmpptui.model.conversation import (
    ChatMessage,
    Conversation,
    ConversationKind,
    DeliveryState,
    Direction,
    MessageKind,
    SearchHit,
)
from xmpptui.model.events import (
    ChatStateChanged,
    ConnectionChanged,
    ContactChanged,
    ConversationClosed,
    ConversationOpened,
    Event,
    HistoryLoaded,
    MessageAdded,
    MessageUpdated,
    Notice,
    OwnPresenceChanged,
    PresenceChanged,
    RosterReplaced,
    Severity,
    UnreadChanged,
)
from xmpptui.model.forms import DataForm
from xmpptui.model.presence import Presence, PresenceBook, Show
from xmpptui.model.room import Affiliation, Role, RoomListing
from xmpptui.model.roster import Subscription
from xmpptui.model.state import ClientState, ConnectionState, ConnectionStatus, LoginFailure
from xmpptui.passwords import Secret
from xmpptui.pins import PinStore
from xmpptui.session import ConversationError, EventSink, NotConnected
from xmpptui.storage.contact_store import ContactStore
from xmpptui.storage.history import History, HistoryWriteError, dedup_key
from xmpptui.xmpp.archive import ArchiveQueries
from xmpptui.xmpp.archive_sync import ArchiveSyncMixin
from xmpptui.xmpp.contacts import ContactsMixin
from xmpptui.xmpp.context import SessionContext
from xmpptui.xmpp.pep_publish import PrivatePep
from xmpptui.xmpp.read_sync import ReadSyncMixin
from xmpptui.xmpp.rooms import RoomService
from xmpptui.xmpp.stanzas import muc, pep, translate
from xmpptui.xmpp.transport import certificate
from xmpptui.xmpp.transport import client as client_factory

log = logging.getLogger(__name__)

RECONNECT_FIRST, RECONNECT_MAX = 1.0, 30.0
_STABLE_AFTER = 30.0
"""Seconds a session must last before the next outage starts the backoff from the beginning again (a server
that drops us right after each login must not be hammered once a second)."""
_LIVENESS_CHECK = 2.0
IDLE_BEFORE_PING = 15.0
"""Seconds of silence from the server after which we ping it (XEP-0199)."""
PING_TIMEOUT = 8.0
"""Seconds to wait for any answer after that ping before we take the stream for dead and reconnect: a dead link
(a suspended laptop, a NAT that forgot us, a stalled peer) is noticed within half a minute."""
_MAX_STRIKES = 2
_FINAL_FAILURES = (LoginFailure.AUTH, LoginFailure.TLS, LoginFailure.CONFLICT)
"""Failures that trying again would only repeat: the user decides."""
_ACK_POLL, _ACK_POLL_MAX = 0.05, 5.0
HISTORY_PAGE = 200
"""Messages paged in from the history at a time (when a conversation opens, and on each scroll to the top)."""
PAUSED_AFTER = 5.0
"""Seconds without a keystroke after which `composing` becomes `paused` (XEP-0085 suggests about 5 s)."""
MAX_STRANGER_CONVERSATIONS = 100
"""Conversations that senders outside the roster may open by writing to us; past it their messages are
dropped (and counted in a notice), so a spam flood cannot grow memory or the conversation bar without end."""


class NoticeThrottle:
    """At most `burst` notices of one kind per `window` seconds; the rest are counted into the next one."""

    def __init__(self, clock: Callable[[], float], burst: int = 3, window: float = 10.0) -> None:
        self._clock = clock
        self._burst = burst
        self._window = window
        self._sent: dict[str, list[float]] = {}
        self._held: dict[str, int] = {}

    def admit(self, kind: str, text: str) -> str | None:
        """The text to show now (with a count of what was held back), or None to hold it back."""
        now = self._clock()
        recent = [t for t in self._sent.get(kind, []) if now - t < self._window]
        if len(recent) >= self._burst:
            self._sent[kind] = recent
            self._held[kind] = self._held.get(kind, 0) + 1
            return None
        recent.append(now)
        self._sent[kind] = recent
        held = self._held.pop(kind, 0)
        return f"{text} (and {held} more like it)" if held else text


class XmppSession(ArchiveSyncMixin, ReadSyncMixin, ContactsMixin):
    """Implements `xmpptui.session.Session` over one slixmpp client."""

    def __init__(self, account: Account, password: Secret, clock: Callable[[], float] = time.time,
                 pins: PinStore | None = None, history: History | None = None,
                 contacts_store: ContactStore | None = None) -> None:
        self._account = account
        self._password = password
        self._clock = clock
        self._state = ClientState(jid=account.bare_jid.lower(), resource=account.resource)
        self._sink: EventSink = lambda event: None
        self._client: client_factory.Client | None = None
        self._login: asyncio.Future[None] | None = None
        self._auth_condition = ""
        self._stopping = False
        self._was_online = False
        self._reconnect_delay = RECONNECT_FIRST
        self._reconnect_task: asyncio.Task[None] | None = None
        self._retry_reason = ""
        """Why the connection was lost, or why the last reconnect attempt failed (shown with the countdown)."""
        self._online_since: float | None = None
        self._presence_kept: PresenceBook | None = None
        self._liveness: asyncio.TimerHandle | None = None
        self._pinged_at: float | None = None
        """When we pinged a silent server (the event loop's clock), until anything arrives."""
        """Contacts' presence as it was when the connection was lost: shown again if the stream is resumed."""
        self._strikes: dict[str, int] = {}
        self._held_during_catch_up: list[Message] | None = None
        self._stream_ended_by = ""
        """The last stream error the server ended our stream with (said when a message is failed for it)."""
        """Message id -> how many streams the server ended with an error while it was unacknowledged."""
        self._replaced = ""
        """Set when the server ended our stream because another client took our resource (`conflict`)."""
        self._wanted = Presence(Show.ONLINE)
        self._throttle = NoticeThrottle(time.monotonic)
        self._pins = pins
        self._history = history if account.history else None
        self._unsaved: list[ChatMessage] = []
        self._unsaved_older: list[ChatMessage] = []
        self._unsaved_positions: dict[str, str] = {}
        """Archive positions ({our JID or a room: the newest id of it we hold}), written with the next batch."""
        self._save_scheduled = False
        self._history_failing = False
        """The last write to the history failed (and the user was told)."""
        self._outbox: list[ChatMessage] = []
        """Our messages not yet sent, in order: typed while offline, or left unacknowledged by a lost session."""
        self._ack_poll: asyncio.TimerHandle | None = None
        self._unacked: dict[str, ChatMessage] = {}
        """Sent on the current stream, by stanza id, until the server acknowledges them."""
        self._tasks: set[asyncio.Task[object]] = set()
        self._probing = False
        self._redirecting = False
        self._typing: dict[str, asyncio.TimerHandle | None] = {}
        """Conversations we told `composing`, each with the timer that will say `paused`."""
        self._no_history = {jid.lower() for jid in account.no_history}
        self._archive = ArchiveQueries()
        self._archive_position: str | None = None
        """The newest id of our server's archive that we hold (a catch-up continues after it)."""
        self._read_shares: dict[str, asyncio.TimerHandle] = {}
        self._contacts_store = contacts_store or ContactStore.default(self._state.jid)
        self._cache_write: asyncio.TimerHandle | None = None
        self._roster_lock = asyncio.Lock()
        self.roster_fetch = ""
        self._rooms_synced: set[str] = set()
        self._rooms_caught_up: set[str] = set()
        """Rooms whose archive we caught up with since they were last joined."""
        self.context = SessionContext(account, self._state, clock, time.monotonic)
        self.context.sink = lambda event: self._sink(event)  # (one sink, until the façade owns it)
        self._pep = PrivatePep(account.timeout, self.context)
        self.rooms = RoomService(
            self.context, open_conversation=lambda jid, kind, by_user: self._open(jid, by_user, kind),
            persist=self._persist, store_update=self._store_update, private_pep=self._pep,
            default_nick=account.nick or account.bare_jid.partition("@")[0],
            max_occupants=account.max_room_occupants,
            on_joined=lambda room: self._spawn(self._room_catch_up(room)),  # its archive, once per join
            on_left=self._rooms_caught_up.discard)

    @property
    def state(self) -> ClientState:
        return self._state

    def _emit(self, event: Event) -> None:
        self._sink(event)

    def _notice(self, kind: str, text: str, severity: Severity = Severity.INFO) -> None:
        """A notice that a remote party can trigger at will, throttled per kind."""
        log.info("%s", text)
        admitted = self._throttle.admit(kind, text)
        if admitted is not None:
            self._emit(Notice(admitted, severity))

    # Connection -------------------------------------------------------------------------------

    def _set_connection(self, state: ConnectionState, reason: str = "",
                        failure: LoginFailure | None = None, certificate: str = "") -> None:
        secure = self._client is None or self._client.encrypted or state is not ConnectionState.ONLINE
        self._state.connection = ConnectionStatus(state, reason, failure, secure, certificate)
        self._emit(ConnectionChanged(self._state.connection))

    @property
    def _domain(self) -> str:
        return self._state.jid.split("@", 1)[1]

    @property
    def _address(self) -> tuple[str, int]:
        """Where we connect: the configured host, else the JID's domain; the TLS mode's default port."""
        return self._account.host or self._domain, client_factory.default_port(self._account)

    async def start(self, sink: EventSink) -> None:
        self._sink = sink
        self._stopping = False
        pinned = self._pins.get(self._state.jid) if self._pins is not None else None
        client = self._client = self.context.client = client_factory.build(self._account, self._password, pinned)
        for event_name, handler in {
            "session_start": self._on_session_start,
            "session_resumed": self._on_stream_resumed,
            "stanza_acked": self._on_acked,
            "failed_auth": self._on_failed_auth,
            "failed_all_auth": self._on_failed_all_auth,
            "sasl_refused": lambda reason: self._fail(LoginFailure.AUTH, reason),
            "ssl_invalid_chain": self._on_tls_rejected,
            "tls_missing": self._on_tls_missing,
            "connection_failed": self._on_connection_failed,
            "stream_error": self._on_stream_error,
            "stream_violation": self._on_stream_violation,
            "stanza_dropped": lambda dropped: self._emit(Notice(dropped.describe(), Severity.WARNING)),
            "pin_mismatch": self._on_pin_mismatch,
            "redirect_refused": self._on_redirect_refused,
            "redirected": self._on_redirected,
            "disconnected": self._on_disconnected,
            "presence": self._on_presence,
            "roster_update": self._on_roster_push,
            "carbon_received": lambda stanza: self._on_carbon(stanza, sent=False),
            "carbon_sent": lambda stanza: self._on_carbon(stanza, sent=True),
            "blocked": lambda iq: self._on_block_push(iq, blocked=True),
            "unblocked": lambda iq: self._on_block_push(iq, blocked=False),
        }.items():
            client.add_event_handler(event_name, handler)
        client.register_handler(Callback("xmpptui message", MatchXPath("{jabber:client}message"),
                                         self._on_message))
        self._load_requests()
        await self._show_cached_roster()
        await self._restore_outbox()
        await self._connect(first=True)

    async def _restore_outbox(self) -> None:
        """Messages still pending when the app last stopped are shown and sent again."""
        if self._history is None or self._outbox:
            return
        for message in await self._history.pending_outgoing(self._state.jid):
            if message.kind is MessageKind.GROUPCHAT:
                self.rooms.restore_pending(message)  # sent to its room, once we are in it again
                continue
            conversation = self._open(message.conversation, by_user=False)
            conversation.add(message)
            self._outbox.append(message)
            self._emit(MessageAdded(message))

    async def _connect(self, first: bool) -> None:
        assert self._client is not None
        host, port = self._address
        self._login = asyncio.get_running_loop().create_future()
        self._auth_condition = ""
        self._replaced = ""
        self._set_connection(ConnectionState.CONNECTING if first else ConnectionState.RECONNECTING,
                             f"connecting to {host}:{port}")
        if self._account.host or self._account.port:
            self._client.connect(host, port)
        else:
            self._client.connect()
        try:
            await asyncio.wait_for(asyncio.shield(self._login), self._account.timeout)
        except TimeoutError:
            self._fail(LoginFailure.TIMEOUT, f"no answer from {host}:{port} within {self._account.timeout:g} s")

    def _fail(self, failure: LoginFailure, reason: str, certificate: str = "") -> None:
        """A login attempt ended without a session. After an outage the reconnect loop tries again (unless the
        failure is one that retrying cannot mend); otherwise stop and say why."""
        if self._login is None or self._login.done():
            return
        log.warning("login failed (%s): %s", failure.value, reason)
        self._login.set_result(None)
        if self._client is not None:
            self._client.cancel_connection_attempt()
            self._client.abort()
        if self._was_online and failure not in _FINAL_FAILURES:
            self._schedule_reconnect(reason)
        else:
            self._was_online = False  # nothing to resume: the user decides (retry, F10, edit the account)
            self._cancel_reconnect()
            self._set_connection(ConnectionState.OFFLINE, reason, failure, certificate)

    def _on_failed_auth(self, stanza: Any) -> None:
        if not self._auth_condition:
            self._auth_condition = stanza["condition"] or ""

    def _on_failed_all_auth(self, _event: Any) -> None:
        if not self._auth_condition:
            # No attempt was refused: none of the server's mechanisms is one we accept on this stream.
            self._fail(LoginFailure.AUTH, "the server offers no login method xmpptui accepts on this connection")
            return
        self._fail(LoginFailure.AUTH, f"login refused ({self._auth_condition}): wrong password or unknown user "
                                      f"{self._account.bare_jid}")

    def _on_tls_rejected(self, error: Exception) -> None:
        why = getattr(error, "verify_message", "") or getattr(error, "reason", "") or str(error)
        reason = f"TLS certificate of {self._domain} rejected: {why}"
        if self._pins is None:
            self._fail(LoginFailure.TLS, reason)
        elif not self._probing:
            # Fetch the certificate (unverified, nothing sent over it) so the user can decide to trust it.
            self._probing = True
            self._spawn(self._fail_with_fingerprint(reason))

    async def _fail_with_fingerprint(self, reason: str) -> None:
        host, port = self._address
        try:
            der = await certificate.fetch_certificate(host, port, self._domain, self._account.tls == "direct",
                                                      timeout=self._account.timeout)
        except (OSError, TimeoutError, ConnectionError) as exc:
            log.info("could not fetch the certificate to show its fingerprint: %s", exc)
            self._fail(LoginFailure.TLS, reason)
        else:
            self._fail(LoginFailure.TLS, reason, certificate.fingerprint(der))
        finally:
            self._probing = False

    def _on_pin_mismatch(self, presented: str) -> None:
        self._fail(LoginFailure.TLS, f"THE CERTIFICATE OF {self._domain} HAS CHANGED since you trusted it: this may be "
                                     f"an attack. Trusted SHA-256 {self._client.pinned if self._client else '?'}; "
                                     f"presented {presented}. If you know the server changed its certificate, "
                                     f"remove {self._state.jid} from {self._pins.path if self._pins else 'the pins'}.")

    def trust_certificate(self, fingerprint: str) -> None:
        """Trust this certificate for the account from now on (used on the next login attempt)."""
        if self._pins is not None:
            self._pins.trust(self._state.jid, fingerprint)

    def _on_tls_missing(self, _event: Any) -> None:
        self._fail(LoginFailure.TLS, "server did not offer TLS; refusing to log in unencrypted "
                                     "(set allow_plaintext = true for this account to permit it)")

    def _on_connection_failed(self, error: Any) -> None:
        host, port = self._address
        if isinstance(error, ssl.SSLCertVerificationError):
            self._on_tls_rejected(error)
        elif isinstance(error, ConnectionRefusedError):
            self._fail(LoginFailure.REFUSED, f"connection to {host}:{port} refused")
        elif isinstance(error, socket.gaierror) or (isinstance(error, str) and "DNS" in error):
            self._fail(LoginFailure.HOST_NOT_FOUND, f"host {host} not found")
        elif isinstance(error, ssl.SSLError):
            self._fail(LoginFailure.TLS, f"TLS with {host}:{port} failed: {error.reason or error}")
        else:
            self._fail(LoginFailure.REFUSED, f"cannot connect to {host}:{port}: {error}")

    def _on_redirected(self, target: str) -> None:
        """See-other-host on a verified TLS stream: slixmpp closes this connection and connects to `target`."""
        self._redirecting = True
        self._set_connection(ConnectionState.CONNECTING, f"redirected to {target}")
        self._emit(Notice(f"the server redirected us to {target}; its certificate will be verified for that name"))

    def _on_redirect_refused(self, target: str) -> None:
        self._fail(LoginFailure.STREAM_ERROR, f"the server tried to redirect us to {target} before TLS was "
                                              "established; refused (it could be anyone's)")

    def _on_stream_error(self, error: Any) -> None:
        condition = error["condition"]
        if condition == "see-other-host":
            return  # decided by the client: redirected (after TLS) or redirect_refused (before)
        text = error["text"] or ""
        reason = f"server closed the stream ({condition}{': ' + text if text else ''})"
        self._count_strikes(reason)
        if condition == "conflict":
            # Another client took our resource. Logging in again would take it back, and that client would do the
            # same: a fight without end. The user decides (F10 logs in again here).
            self._replaced = (f"another client logged in as {self._state.jid}/{self._state.resource} and replaced "
                              "this session; F10 logs in again here (and replaces that one)")
            self._fail(LoginFailure.CONFLICT, self._replaced)
            return
        self._fail(LoginFailure.STREAM_ERROR, reason)
        if self._state.connection.state is ConnectionState.ONLINE:
            self._emit(Notice(reason, Severity.ERROR))

    def _count_strikes(self, reason: str) -> None:
        """The server ended the stream while these messages of ours were unacknowledged. A message that was in
        flight each of two times is the likely cause (a stanza the server will not take): it is failed instead
        of being sent once more, which would end the next stream too, and the next."""
        self._stream_ended_by = reason
        for message in self._unacked.values():
            self._strikes[message.id] = self._strikes.get(message.id, 0) + 1

    def _on_stream_violation(self, reason: str) -> None:
        """We closed the stream because the server broke the XML rules (see StreamGuard)."""
        if self._login is not None and not self._login.done():
            self._fail(LoginFailure.STREAM_ERROR, reason)
        else:
            self._emit(Notice(f"connection closed: {reason}", Severity.ERROR))

    async def _on_session_start(self, _event: Any) -> None:
        assert self._client is not None
        self._state.resource = self._client.boundjid.resource
        self._presence_kept = None  # a new session: the server sends every presence anew
        self._pep.new_session()  # what our account's service supports is asked again
        await self._fetch_roster()
        await self._fetch_blocklist()
        await self._enable_carbons()  # before "online", so that no copy of another client's message is missed
        # A new session (not a resumed one): what the old one never had acknowledged is sent again (unless the
        # catch-up finds it in the archive, or the server ended a stream each time it was in flight).
        unacked = list(self._unacked.values())
        self._unacked.clear()
        self._outbox[:0] = [message for message in unacked if not self._struck_out(message)]
        # What arrived while we were away, before our presence makes the server deliver its offline copies
        # (which are then recognised as already held).
        # Messages the server hands us meanwhile (a replaced session's queue, say) come after the archive's, in
        # the archive's order: they are held until the catch-up is filed, then handled (and so deduplicated).
        self._held_during_catch_up = []
        try:
            await self._catch_up()
        finally:
            held, self._held_during_catch_up = self._held_during_catch_up, None
            for stanza in held:
                self._on_message(stanza)
        await self._client.announce_caps()  # before our first presence, which carries them
        self._send_presence(self._wanted)
        self.rooms.rejoin_all()
        self._spawn(self.rooms.load_bookmarks())
        self._spawn(self._load_read_positions())
        if self._attempt_alive:
            self._now_online()

    def _on_stream_resumed(self, _event: Any) -> None:
        """Runs inline, before the stanzas the server replays are handled: they apply on top of what we knew."""
        if self._presence_kept is not None:
            self._state.presence.restore(self._presence_kept)
            self._presence_kept = None
            self._emit(RosterReplaced(len(self._state.roster)))
        self._spawn(self._on_session_resumed())

    def _clear_presence_view(self) -> None:
        """While there is no session nobody's presence is known: contacts are shown offline, and nobody is typing.
        Kept aside for a resumed stream; a new session gets every presence anew."""
        if self._presence_kept is None:
            self._presence_kept = self._state.presence.take()
            self._emit(RosterReplaced(len(self._state.roster)))
        self._forget_chat_states()

    def _forget_chat_states(self) -> None:
        for conversation in self._state.conversations:
            if conversation.chat_state:
                conversation.chat_state = ""
                self._emit(ChatStateChanged(conversation.jid))

    async def _on_session_resumed(self) -> None:
        """Stream resumed (XEP-0198): the server kept our session and slixmpp resent what it had not acked.
        A message still in slixmpp's send queue when the connection died never reached the wire and is not in
        its unacked queue: once that queue has drained, send ours that slixmpp does not know of again."""
        assert self._client is not None
        await self._client.waiting_queue.join()
        if not self._attempt_alive:
            return
        tracked = {stanza.xml.get("id", "") for _, stanza in self._client.plugin["xep_0198"].unacked_queue}
        lost = [message for message_id, message in self._unacked.items() if message_id not in tracked]
        for message in lost:
            del self._unacked[message.id]
        self._outbox[:0] = lost
        if self._state.own_presence != self._wanted:
            self._send_presence(self._wanted)  # changed while we were away
        self._now_online()
        self.rooms.stream_resumed()

    @property
    def _attempt_alive(self) -> bool:
        """The login attempt under way still has its connection. A session set up on a connection lost meanwhile
        (the reconnect loop has moved on) must not go online: we would be "online" on a dead stream."""
        alive = self._login is not None and not self._login.done() and self._client is not None \
            and self._client.transport is not None
        if not alive:
            log.info("session set up on a connection that is gone: not online")
        return alive

    def _now_online(self) -> None:
        assert self._client is not None
        log.info("online as %s (%s)", self._client.boundjid, "TLS" if self._client.encrypted else "NO TLS")
        self._was_online = True
        self._online_since = time.monotonic()
        self._watch_liveness()
        self._set_connection(ConnectionState.ONLINE,
                             "" if self._client.encrypted else "unencrypted: plaintext allowed for this account")
        if self._login is not None and not self._login.done():
            self._login.set_result(None)
        outbox, self._outbox = self._outbox, []
        for message in outbox:
            if message.state is DeliveryState.PENDING:  # (the archive catch-up may have shown it arrived)
                self._transmit(message)

    def _watch_liveness(self) -> None:
        if self._liveness is None:
            self._liveness = asyncio.get_running_loop().call_later(_LIVENESS_CHECK, self._check_liveness)

    def _check_liveness(self) -> None:
        """Ping a server that has been silent for a while; drop a stream that stays silent after the ping."""
        self._liveness = None
        client = self._client
        if self._stopping or client is None or client.transport is None \
                or self._state.connection.state is not ConnectionState.ONLINE:
            return
        now = client.loop.time()
        if self._pinged_at is not None and client.last_received < self._pinged_at:
            if now - self._pinged_at >= PING_TIMEOUT:
                log.warning("no answer from the server %.0f s after a ping: the stream is dead", now - self._pinged_at)
                self._pinged_at = None
                client.violation = f"no answer from the server for {now - client.last_received:.0f} s"
                client.abort()  # -> disconnected -> reconnect (resuming the stream if the server kept it)
                return
        elif now - client.last_received >= IDLE_BEFORE_PING:
            self._pinged_at = now
            client.ping_server(PING_TIMEOUT)
        else:
            self._pinged_at = None
        self._watch_liveness()

    async def _fetch_roster(self) -> None:
        fetched = await self._fetch_versioned_roster()
        if fetched is None:
            return
        contacts, version = fetched
        self._state.roster.replace(contacts, version)
        self._state.presence.clear()
        self._presence_kept = None
        self._emit(RosterReplaced(len(self._state.roster)))

    def _on_disconnected(self, reason: Any) -> None:
        if self._stopping:
            return
        if self._redirecting:
            self._redirecting = False  # slixmpp is connecting to the new host; the login goes on there
            return
        if self._login is not None and not self._login.done():
            if isinstance(reason, OSError):
                self._on_connection_failed(reason)
            else:
                self._fail(LoginFailure.REFUSED,
                           f"the server closed the connection during login ({reason or 'no reason given'})")
            return
        if self._replaced:
            self._was_online = False
            self._cancel_reconnect()
            self._clear_presence_view()
            self._set_connection(ConnectionState.OFFLINE, self._replaced, LoginFailure.CONFLICT)
            self._emit(Notice(self._replaced, Severity.ERROR))
            return
        if self._was_online and self._state.connection.state is ConnectionState.ONLINE:
            # Presence is kept while we reconnect: a resumed stream keeps it, a new session replaces it.
            why = (self._client.violation if self._client else "") or reason or "closed by the server"
            self._schedule_reconnect(f"connection lost ({why})")

    def _schedule_reconnect(self, reason: str) -> None:
        """Reconnect with exponential backoff and jitter, attempt after attempt, for as long as it takes; the
        status shows the reason and a countdown each second. One loop runs at a time: a failure during an
        attempt only tells the loop why (the loop itself decides to wait and try again)."""
        log.info("%s; reconnecting", reason)
        self._retry_reason = reason
        if self._online_since is not None and time.monotonic() - self._online_since >= _STABLE_AFTER:
            self._reconnect_delay = RECONNECT_FIRST  # a session that lasted: this is a new outage
        self._online_since = None
        self._clear_presence_view()
        if self._reconnect_task is None or self._reconnect_task.done():
            # At once, not when the task first runs: until then a message sent would go to a dead stream, where
            # slixmpp holds it outside stream management and we could not know to send it again.
            self._set_connection(ConnectionState.RECONNECTING, f"{reason}; retrying soon")
            self._reconnect_task = asyncio.get_running_loop().create_task(self._reconnect_loop())

    def _next_delay(self) -> float:
        delay = self._reconnect_delay * random.uniform(0.8, 1.2)
        self._reconnect_delay = min(RECONNECT_MAX, self._reconnect_delay * 2)
        return delay

    async def _reconnect_loop(self, wait: bool = True) -> None:
        while not self._stopping:
            if wait:
                delay = self._next_delay()
                deadline = time.monotonic() + delay
                while (left := deadline - time.monotonic()) > 0:
                    self._set_connection(ConnectionState.RECONNECTING,
                                         f"{self._retry_reason}; retrying in {left:.0f} s")
                    await asyncio.sleep(min(1.0, left))
                if self._stopping:
                    return
            wait = True
            await self._connect(first=False)
            if self._state.connection.state is not ConnectionState.RECONNECTING:
                return  # online, or a failure that retrying cannot mend (said in the status)

    def _cancel_reconnect(self) -> None:
        task, self._reconnect_task = self._reconnect_task, None
        if task is not None and not task.done() and task is not asyncio.current_task():
            task.cancel()

    def reconnect_now(self) -> None:
        """Skip the rest of the backoff wait; after a session was replaced (`conflict`), log in again."""
        if self._stopping or self._client is None:
            return
        connection = self._state.connection
        replaced = connection.state is ConnectionState.OFFLINE and connection.failure is LoginFailure.CONFLICT
        if connection.state is not ConnectionState.RECONNECTING and not replaced:
            return
        self._cancel_reconnect()
        self._reconnect_delay = RECONNECT_FIRST
        self._was_online = True
        self._retry_reason = connection.reason or "reconnecting"
        self._set_connection(ConnectionState.RECONNECTING, "reconnecting now")
        self._reconnect_task = asyncio.get_running_loop().create_task(self._reconnect_loop(wait=False))

    async def stop(self) -> None:
        self._stopping = True
        self._save_unsaved()
        self._flush_read_positions()
        if self._cache_write is not None:
            self._cache_write.cancel()
            self._write_roster_cache()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._reconnect_task is not None:
            self._reconnect_task.cancel()
        client = self._client
        if client is None:
            return
        client.cancel_connection_attempt()
        if client.transport is not None:
            client.send_presence(ptype="unavailable")
            await client.disconnect(wait=1.0)
        if self._state.connection.state is not ConnectionState.OFFLINE:
            self._set_connection(ConnectionState.OFFLINE, "logged out")

    # Roster and presence ----------------------------------------------------------------------

    def _on_roster_push(self, iq: Iq) -> None:
        if iq["type"] != "set":
            return  # results are handled where they are awaited
        # Only pushes from our own bare JID (or with no from) get here: Client._roster_push_filter
        # answered the rest with an error (RFC 6121 2.1.6).
        contacts, version = translate.roster_items(iq)
        for contact in contacts:
            self._state.roster.apply_push(contact, version)
            self._emit(ContactChanged(contact.jid, removed=contact.jid not in self._state.roster))
        self._roster_changed()

    def inbound(self, stanza: Message | PresenceStanza) -> None:
        """An incoming message or presence, as the stream hands it over."""
        if isinstance(stanza, Message):
            self._on_message(stanza)
        else:
            self._on_presence(stanza)

    def _on_presence(self, stanza: PresenceStanza) -> None:
        room = self._state.rooms.get(jids.bare(stanza.xml.get("from", "")))
        if room is not None:
            self.rooms.on_room_presence(room, stanza)
            return
        kind = stanza.xml.get("type", "available")
        if kind == "error":
            self._notice("presence-error", f"presence error from {stanza.xml.get('from', 'server')}: "
                                           f"{translate.error_text(stanza)}", Severity.WARNING)
            return
        if kind in ("subscribe", "unsubscribe", "subscribed", "unsubscribed"):
            self._on_subscription(stanza, kind)
            return
        update = translate.presence_update(stanza)
        if update is None:
            return
        if update.bare == self._state.jid:
            if update.resource == self._state.resource and update.presence.available:
                self._state.own_presence = update.presence
                self._emit(OwnPresenceChanged(update.presence))
            return
        if update.bare not in self._state.roster:
            log.debug("presence from an entity not in the roster ignored")
            return
        self._state.presence.update(update.bare, update.resource, update.presence)
        conversation = self._state.conversations.get(update.bare)
        if conversation is not None and not update.presence.available:
            if not update.resource or conversation.reply_to == jids.with_resource(update.bare, update.resource):
                conversation.reply_to = ""
            if conversation.chat_state and not self._state.presence.resources(update.bare):
                conversation.chat_state = ""  # their last session ended: nobody is typing any more
                self._emit(ChatStateChanged(conversation.jid))
        self._emit(PresenceChanged(update.bare))

    async def set_presence(self, presence: Presence) -> None:
        self._wanted = presence
        if self._state.connection.state is not ConnectionState.ONLINE:
            raise NotConnected("your presence will be sent when the session is back")
        self._send_presence(presence)
        self.rooms.own_presence_sent(presence)

    def _send_presence(self, presence: Presence) -> None:
        assert self._client is not None
        if presence.show is Show.OFFLINE:
            self._client.send_presence(ptype="unavailable", pstatus=presence.status or None)
            # No echo comes for our own unavailable presence: the send itself is the change.
            self._state.own_presence = presence
            self._emit(OwnPresenceChanged(presence))
            # Nor does anyone's presence reach us now: what we hold would go stale, so it goes (coming back
            # online brings every presence anew, so nothing is kept for later).
            self._clear_presence_view()
            self._presence_kept = None
            return
        self._client.send_presence(pshow=presence.show.wire, pstatus=presence.status or None,
                                   ppriority=presence.priority)

    # Conversations ----------------------------------------------------------------------------

    def _open(self, bare_jid: str, by_user: bool, kind: ConversationKind = ConversationKind.CHAT) -> Conversation:
        """The conversation with `bare_jid`; a new one is announced and its stored history paged in."""
        conversation, created = self._state.conversations.open(bare_jid, kind)
        if created:
            self._emit(ConversationOpened(bare_jid, by_user=by_user))
            if self._history is not None:
                self._spawn(self.load_older(bare_jid))
        return conversation

    def open_conversation(self, jid: str) -> None:
        bare_jid = jids.bare(jid)
        if bare_jid in self._state.conversations or self._history is None:
            conversation = self._open(bare_jid, by_user=True)
            if jids.resource(jid):
                conversation.reply_to = jid
            self._emit(ConversationOpened(bare_jid, by_user=True))  # (again, to focus it)
            return
        # Read the latest page first, then announce the conversation with it: one frame shows both.
        self._spawn(self._open_with_history(bare_jid, jid))

    async def _open_with_history(self, bare_jid: str, jid: str) -> None:
        assert self._history is not None
        page, older = await self._history.page(self._state.jid, bare_jid, HISTORY_PAGE)
        conversation, created = self._state.conversations.open(bare_jid)
        if created:
            conversation.prepend(page)
            conversation.older, conversation.history_loaded = older, True
        if jids.resource(jid):
            conversation.reply_to = jid
        self._emit(ConversationOpened(bare_jid, by_user=True))

    async def load_older(self, jid: str) -> None:
        conversation = self._state.conversations.get(jid)
        if conversation is None:
            return
        if self._history is None or (conversation.history_loaded and conversation.older is None):
            if self._is_online and not conversation.archive_exhausted:
                await self._archive_older(conversation)
            return
        before = conversation.older if conversation.history_loaded else None
        page, conversation.older = await self._history.page(self._state.jid, jid, HISTORY_PAGE, before)
        conversation.history_loaded = True
        # On the first page, messages that arrived while it was read may be in it too.
        held = {dedup_key(m) for m in conversation.messages} if before is None else set()
        older = [m for m in page if dedup_key(m) not in held]
        if older:
            conversation.prepend(older)
            self._emit(HistoryLoaded(jid, len(older)))

    async def search(self, query: str, jid: str | None = None) -> list[SearchHit]:
        if self._history is None:
            raise ConversationError("history is off for this account: there is nothing to search")
        self._save_unsaved()  # what arrived this very moment is found too
        return await self._history.search(self._state.jid, query, jid)

    async def search_context(self, hit: SearchHit) -> list[ChatMessage]:
        if self._history is None:
            return [hit.message]
        return await self._history.around(self._state.jid, hit)

    def _persist(self, message: ChatMessage, older: bool = False) -> None:
        """Queue a message for the history; one insert per event-loop turn however many arrive. `older`: from an
        archive page before everything held (stored before it, not after)."""
        if self._history is None or message.conversation in self._no_history:
            return
        if older:
            self._unsaved_older.append(message)
        else:
            self._unsaved.append(message)
            if message.stanza_id and not message.delayed:
                # A live message's archive id moves the position on, stored with the message itself.
                if message.kind in (MessageKind.CHAT, MessageKind.NORMAL):
                    if self._archive_position is not None:  # (a room's ids are its own)
                        self._archived_up_to(message.stanza_id)
                elif message.kind is MessageKind.GROUPCHAT and message.conversation in self._rooms_caught_up:
                    self._unsaved_positions[message.conversation] = message.stanza_id
        self._schedule_save()

    def _schedule_save(self) -> None:
        if not self._save_scheduled:
            self._save_scheduled = True
            asyncio.get_running_loop().call_soon(self._save_unsaved)

    def _save_unsaved(self) -> None:
        self._save_scheduled = False
        batch, self._unsaved = self._unsaved, []
        older, self._unsaved_older = self._unsaved_older, []
        positions, self._unsaved_positions = self._unsaved_positions, {}
        if self._history is not None and (batch or older or positions):
            self._spawn(self._store(self._history, batch, older, positions))

    async def _store(self, history: History, batch: list[ChatMessage], older: list[ChatMessage],
                     positions: dict[str, str]) -> None:
        """One write; positions go with the messages they cover, so neither gets ahead of the other. A failed
        write is kept by the history and retried with the next one; the user is told once, not per batch."""
        try:
            await history.add(self._state.jid, batch, positions, older)
        except HistoryWriteError as exc:
            self._history_write_failed(exc)
            return
        if self._history_failing:
            self._history_failing = False
            log.info("history is written again to %s", history.path)

    def _history_write_failed(self, exc: HistoryWriteError) -> None:
        if not self._history_failing:
            self._history_failing = True
            log.error("%s", exc)
            self._emit(Notice(f"{exc}; new messages are shown but not kept", Severity.ERROR))

    def _spawn(self, work: Coroutine[Any, Any, object]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[object]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and isinstance(task.exception(), HistoryWriteError):
            self._history_write_failed(task.exception())  # type: ignore[arg-type]  # (a state change: said once)
        elif not task.cancelled() and task.exception() is not None:
            # The session's background work is history I/O and the certificate probe (which handles its own
            # errors): say what failed rather than let it vanish.
            log.error("background task failed: %r", task.exception())
            self._notice("task", f"history could not be read or written: {task.exception()}", Severity.ERROR)

    def close_conversation(self, jid: str) -> None:
        self.rooms.conversation_closed(jid)
        if self._state.conversations.close(jid) is not None:
            self._emit(ConversationClosed(jid))

    def mark_read(self, jid: str) -> None:
        conversation = self._state.conversations.get(jid)
        if conversation is None:
            return
        if conversation.unread:
            conversation.unread = conversation.mentions = 0
            self._emit(UnreadChanged(jid, 0))
        latest = conversation.last_markable()
        if latest is not None and latest.id != conversation.marked and self._may_report(jid) and self._is_online:
            conversation.marked = latest.id
            self._send_report(conversation.address, f"{{{translate.MARKERS_NS}}}displayed", latest.id)
        self._share_read_position(conversation)

    @property
    def _is_online(self) -> bool:
        return self._client is not None and self._state.connection.state is ConnectionState.ONLINE

    def _may_report(self, bare_jid: str) -> bool:
        """Receipts, markers and chat states go only to contacts allowed to see our presence (who could learn
        as much from it anyway), and only if the user has not turned them off."""
        contact = self._state.roster.get(bare_jid)
        return (self._account.receipts and contact is not None
                and contact.subscription in (Subscription.FROM, Subscription.BOTH))

    def _send_report(self, to: str, tag: str, message_id: str) -> None:
        """A receipt or a marker about the peer's message `message_id`: a message with no body."""
        assert self._client is not None
        stanza = self._client.make_message(mto=to, mtype="chat")
        ET.SubElement(stanza.xml, tag, id=message_id)
        stanza.send()

    def typing(self, jid: str, composing: bool) -> None:
        """The user typed in (or emptied) the composer of the conversation with `jid` (XEP-0085)."""
        if not self._account.chat_states or not self._is_online or not self._may_report(jid):
            return
        timer = self._typing.get(jid)
        if timer is not None:
            timer.cancel()
        if composing:
            if jid not in self._typing:
                self._send_chat_state(jid, "composing")
            self._typing[jid] = asyncio.get_running_loop().call_later(PAUSED_AFTER, self._paused, jid)
        elif self._typing.pop(jid, False) is not False:
            self._send_chat_state(jid, "active")

    def _paused(self, jid: str) -> None:
        self._typing.pop(jid, None)
        if self._is_online:
            self._send_chat_state(jid, "paused")

    def _send_chat_state(self, jid: str, state: str) -> None:
        assert self._client is not None
        conversation = self._state.conversations.get(jid)
        stanza = self._client.make_message(mto=conversation.address if conversation else jid, mtype="chat")
        ET.SubElement(stanza.xml, f"{{{translate.CHAT_STATES_NS}}}{state}")
        ET.SubElement(stanza.xml, "{urn:xmpp:hints}no-store")
        stanza.send()

    def _display_name(self, bare_jid: str) -> str:
        contact = self._state.roster.get(bare_jid)
        return contact.display_name if contact is not None else bare_jid

    async def send_chat(self, to: str, body: str) -> None:
        if self._client is not None:
            self._client.check_outgoing(body)
        bare_jid = jids.bare(to)
        conversation = self._open(bare_jid, by_user=True)
        if jids.resource(to):
            conversation.reply_to = to
        message_id = uuid.uuid4().hex
        message = ChatMessage(conversation=conversation.jid, sender=self._state.jid, body=body, timestamp=self._clock(),
                              direction=Direction.OUT, kind=MessageKind.CHAT, id=message_id,
                              state=DeliveryState.PENDING)
        conversation.add(message)
        self._persist(message)
        self._emit(MessageAdded(message))
        if self._client is not None and self._state.connection.state is ConnectionState.ONLINE:
            self._transmit(message)
        else:
            self._outbox.append(message)  # sent when the session is back; shown as pending meanwhile

    def _transmit(self, message: ChatMessage) -> None:
        """Put one of our messages on the wire, to the conversation's current address, in its thread."""
        assert self._client is not None
        conversation = self._state.conversations.get(message.conversation)
        address = conversation.address if conversation is not None else message.conversation
        stanza = self._client.make_message(mto=address, mbody=message.body, mtype="chat")
        stanza["id"] = message.id
        if conversation is not None:
            stanza["thread"] = conversation.thread
        self._decorate(stanza.xml, message.id, message.conversation)
        self._unacked[message.id] = message
        stanza.send()
        if not self._client.plugin["xep_0198"].enabled_out:
            self._acked(message)  # no stream management: written is as far as we can know
        elif self._ack_poll is None:
            self._ack_poll = asyncio.get_running_loop().call_later(_ACK_POLL, self._poll_acks, _ACK_POLL)

    def _decorate(self, xml: ET.Element, message_id: str, bare_jid: str, replaces: str = "") -> None:
        """What goes with each of our messages: its origin-id (XEP-0359, for archives to keep), a request for a
        receipt and for markers, `active` (the message ends any `composing`), and a correction's reference."""
        ET.SubElement(xml, f"{{{translate.STANZA_ID_NS}}}origin-id", id=message_id)
        ET.SubElement(xml, f"{{{translate.RECEIPTS_NS}}}request")
        ET.SubElement(xml, f"{{{translate.MARKERS_NS}}}markable")
        if replaces:
            ET.SubElement(xml, f"{{{translate.CORRECTION_NS}}}replace", id=replaces)
        if self._account.chat_states and self._may_report(bare_jid):
            timer = self._typing.pop(bare_jid, None)
            if timer is not None:
                timer.cancel()
            ET.SubElement(xml, f"{{{translate.CHAT_STATES_NS}}}active")

    async def correct_last(self, jid: str, body: str) -> None:
        """Replace the text of our last message in the conversation with `jid` (XEP-0308), here and there."""
        conversation = self._state.conversations.get(jid)
        original = conversation.last_sent() if conversation is not None else None
        if original is None or not original.id:
            raise ConversationError("there is no message of yours to correct in this conversation")
        if not self._is_online:
            raise NotConnected("the correction was not sent (your text is kept)")
        assert self._client is not None and conversation is not None
        self._client.check_outgoing(body)
        in_room = conversation.kind is ConversationKind.GROUPCHAT
        stanza = self._client.make_message(mto=conversation.jid if in_room else conversation.address, mbody=body,
                                           mtype="groupchat" if in_room else "chat")
        stanza["id"] = uuid.uuid4().hex
        if not in_room:
            stanza["thread"] = conversation.thread
        self._decorate(stanza.xml, stanza["id"], jid, replaces=original.id)
        stanza.send()
        original.body, original.edited = body, True
        self._store_update(original)
        self._emit(MessageUpdated(original))

    async def retry(self, jid: str) -> None:
        """Send the conversation's failed messages of ours again (each shown as pending until acked)."""
        conversation = self._state.conversations.get(jid)
        failed = [m for m in conversation.messages if m.direction is Direction.OUT and m.state is DeliveryState.FAILED
                  and not m.carbon] if conversation is not None else []
        if not failed:
            raise ConversationError("no failed message to send again in this conversation")
        for message in failed:
            message.state, message.error = DeliveryState.PENDING, ""
            self._store_update(message)
            self._emit(MessageUpdated(message))
            if message.kind is MessageKind.GROUPCHAT:
                self.rooms.queue(message)
            elif self._is_online:
                self._transmit(message)
            else:
                self._outbox.append(message)

    def _poll_acks(self, interval: float) -> None:
        """Ask the server again while messages wait for its ack: it answers an <r/> with what it has finished
        handling, and a message still being stored or routed is counted only in a later answer."""
        self._ack_poll = None
        plugin = self._client.plugin["xep_0198"] if self._client is not None else None
        if not self._unacked or plugin is None or not plugin.enabled_out or self._client.transport is None:
            return
        plugin.request_ack()
        interval = min(interval * 2, _ACK_POLL_MAX)
        self._ack_poll = asyncio.get_running_loop().call_later(interval, self._poll_acks, interval)

    def _on_acked(self, stanza: Any) -> None:
        message = self._unacked.get(stanza.xml.get("id", "")) if stanza.xml.tag.endswith("message") else None
        if message is not None:
            self._acked(message)

    def _struck_out(self, message: ChatMessage) -> bool:
        if self._strikes.get(message.id, 0) < _MAX_STRIKES:
            return False
        del self._strikes[message.id]
        self._failed(message, "not sent again: the server closed the connection each time it was sent "
                              f"({self._stream_ended_by})")
        return True

    def _failed(self, message: ChatMessage, error: str) -> None:
        message.state, message.error = DeliveryState.FAILED, error
        self._unacked.pop(message.id, None)
        self._store_update(message)
        self._emit(MessageUpdated(message))

    def _acked(self, message: ChatMessage) -> None:
        self._unacked.pop(message.id, None)
        self._strikes.pop(message.id, None)
        if message.advance(DeliveryState.SENT):
            self._store_update(message)
            self._emit(MessageUpdated(message))

    def _store_update(self, message: ChatMessage) -> None:
        if self._history is not None and message.conversation not in self._no_history:
            self._spawn(self._history.update(self._state.jid, message))

    def _on_message(self, stanza: Message) -> None:
        if self._archive.take(stanza, self._clock()):
            return  # a MAM result: collected for the query that asked for it (or dropped as spoofed)
        if self._held_during_catch_up is not None:
            self._held_during_catch_up.append(stanza)  # handled after what the archive holds from before it
            return
        change = pep.node_change(stanza.xml)
        if change is not None:
            self._on_pep_change(stanza.xml.get("from", ""), change)
            return
        room = self._state.rooms.get(jids.bare(stanza.xml.get("from", "")))
        if room is not None:
            self.rooms.on_room_message(room, stanza)
            return
        invitation = muc.invitation(stanza)
        if invitation is not None:
            self.rooms.on_invitation(invitation)
            return
        incoming = translate.incoming_message(stanza, self._clock(), archive=self._state.jid)
        if incoming is None:
            return
        bare_jid = jids.bare(incoming.sender)
        if not bare_jid or bare_jid == self._state.jid:
            return  # our own account: carbons and self-messages are handled elsewhere
        if bare_jid in self._state.blocked:
            return  # blocked (XEP-0191): the server drops these too; nothing of theirs reaches the UI
        if incoming.kind is MessageKind.GROUPCHAT:
            log.debug("groupchat message outside a joined room ignored")
            return
        if incoming.kind is MessageKind.ERROR:
            self._on_message_error(bare_jid, incoming)
            return
        existing = self._state.conversations.get(bare_jid)
        if existing is not None:
            self._on_reports(existing, incoming)
        if not incoming.body:
            return
        if incoming.replaces and existing is not None:
            self._on_correction(existing, incoming)
            return
        if not self._may_open(bare_jid):
            self._notice("stranger-flood", f"message from {bare_jid} dropped: too many conversations with "
                                           "people outside your roster are open", Severity.WARNING)
            return
        conversation = self._open(bare_jid, by_user=False)
        if conversation.seen_before(incoming.stanza_id or incoming.id, incoming.body):
            return  # delivered again (a resumed stream resends what it was not sure we had)
        if incoming.kind in (MessageKind.CHAT, MessageKind.NORMAL):
            conversation.reply_to = incoming.sender if jids.resource(incoming.sender) else ""
            if incoming.thread:
                conversation.thread = incoming.thread
        message = ChatMessage(conversation=conversation.jid, sender=self._display_name(bare_jid), body=incoming.body,
                              timestamp=incoming.timestamp, direction=Direction.IN, kind=incoming.kind,
                              id=incoming.id, delayed=incoming.delayed, stanza_id=incoming.stanza_id,
                              markable=incoming.markable)
        conversation.add(message)  # in the order the server delivers, delayed ones (resent, offline) too
        self._persist(message)
        conversation.unread += 1
        self._emit(MessageAdded(message))
        self._emit(UnreadChanged(bare_jid, conversation.unread))
        if incoming.receipt_requested and incoming.id and self._may_report(bare_jid):
            self._send_report(incoming.sender, f"{{{translate.RECEIPTS_NS}}}received", incoming.id)

    def _on_pep_change(self, sender: str, change: pep.NodeChange) -> None:
        """A change to one of our own PEP nodes; only our own account (its bare JID) speaks for those."""
        if sender.lower() != self._state.jid:
            log.warning("PEP notification for %r from %r ignored: not from our own account", change.node, sender)
            return
        if change.node == pep.BOOKMARKS_NODE:
            self.rooms.on_bookmarks_changed(change)
        elif change.node == pep.DISPLAYED_NODE:
            self._on_read_elsewhere(change)
        elif change.node == pep.PRIVATE_BOOKMARKS_NODE:
            self.rooms.on_private_bookmarks_changed(change)

    def _on_reports(self, conversation: Conversation, incoming: translate.IncomingMessage) -> None:
        """Receipts, markers and chat states from the peer of `conversation` (so from no one else)."""
        if incoming.received:
            sent = conversation.find_sent(incoming.received)
            if sent is not None:
                self._advance(sent, DeliveryState.DELIVERED)
        if incoming.displayed:
            shown = conversation.find_sent(incoming.displayed)
            if shown is not None:
                for sent in conversation.sent_up_to(shown):
                    self._advance(sent, DeliveryState.DISPLAYED)
        state = "" if incoming.chat_state in ("active", "gone") or incoming.body else incoming.chat_state
        if (incoming.chat_state or incoming.body) and state != conversation.chat_state:
            conversation.chat_state = state
            self._emit(ChatStateChanged(conversation.jid))

    def _advance(self, message: ChatMessage, state: DeliveryState) -> None:
        if message.advance(state):
            self._unacked.pop(message.id, None)  # the peer has it: the server certainly does
            self._store_update(message)
            self._emit(MessageUpdated(message))

    def _on_correction(self, conversation: Conversation, incoming: translate.IncomingMessage) -> None:
        """XEP-0308: the peer replaced one of its recent messages; a correction of anything else is shown as a
        message of its own, so that nothing the peer wrote is hidden."""
        original = conversation.find_received(incoming.replaces)
        if original is None:
            message = ChatMessage(conversation=conversation.jid, sender=self._display_name(conversation.jid),
                                  body=incoming.body, timestamp=incoming.timestamp, id=incoming.id,
                                  stanza_id=incoming.stanza_id, markable=incoming.markable, edited=True)
            conversation.add(message)
            self._persist(message)
            conversation.unread += 1
            self._emit(MessageAdded(message))
            self._emit(UnreadChanged(conversation.jid, conversation.unread))
            return
        original.body, original.edited = incoming.body, True
        self._store_update(original)
        self._emit(MessageUpdated(original))

    async def _enable_carbons(self) -> None:
        assert self._client is not None
        try:
            await self._client.plugin["xep_0280"].enable(timeout=self._account.timeout)
        except (IqError, IqTimeout) as exc:
            log.info("carbons not enabled: %r", exc)

    def _on_carbon(self, stanza: Message, sent: bool) -> None:
        """A copy of a message another client of ours sent or received (XEP-0280)."""
        outer = stanza.xml.get("from", "")
        if jids.bare(outer) != self._state.jid or "/" in outer:
            # CVE-2017-5589: only our own server, speaking for our bare JID, may hand us carbons.
            log.warning("carbon from %r dropped", outer)
            return
        inner = translate.forwarded_message(stanza, "carbon_sent" if sent else "carbon_received")
        if inner is None:
            return
        # Our server archives what it carbon-copies and says under which id (XEP-0359, by our bare JID): keyed
        # by it, the copy the next archive catch-up brings is the same message, not a second one.
        incoming = translate.incoming_message(inner, self._clock(), archive=self._state.jid)
        if incoming is None or incoming.kind not in (MessageKind.CHAT, MessageKind.NORMAL) or not incoming.body:
            return
        peer = inner.xml.get("to", "") if sent else incoming.sender
        bare_jid = jids.bare(peer)
        if not bare_jid or bare_jid == self._state.jid or not self._may_open(bare_jid):
            return
        if bare_jid in self._state.rooms:
            return  # another client's private message through a room: not ours to show in the room
        conversation = self._open(bare_jid, by_user=False)
        if incoming.thread:
            conversation.thread = incoming.thread
        sender = self._state.jid if sent else self._display_name(bare_jid)
        message = ChatMessage(conversation=conversation.jid, sender=sender, body=incoming.body,
                              timestamp=incoming.timestamp,
                              direction=Direction.OUT if sent else Direction.IN, kind=incoming.kind, id=incoming.id,
                              state=DeliveryState.SENT if sent else DeliveryState.NONE, delayed=incoming.delayed,
                              carbon=True, stanza_id=incoming.stanza_id)
        conversation.add(message)
        self._persist(message)
        self._emit(MessageAdded(message))
        if not sent:
            conversation.unread += 1
            self._emit(UnreadChanged(bare_jid, conversation.unread))

    def _may_open(self, bare_jid: str) -> bool:
        if bare_jid in self._state.conversations or bare_jid in self._state.roster:
            return True
        strangers = sum(1 for c in self._state.conversations if c.jid not in self._state.roster)
        return strangers < MAX_STRANGER_CONVERSATIONS

    def _on_message_error(self, bare_jid: str, incoming: translate.IncomingMessage) -> None:
        conversation = self._state.conversations.get(bare_jid)
        sent = conversation.find_sent(incoming.id) if conversation is not None and incoming.id else None
        if sent is not None:
            self._failed(sent, incoming.error)
            return
        if conversation is None:
            # An error about nothing we sent, from someone we are not talking to: nothing to attach it to,
            # and opening conversations for such bounces would let anyone flood the UI.
            log.info("error bounce from %r about no message of ours ignored", bare_jid)
            return
        message = ChatMessage(conversation=conversation.jid, sender=bare_jid, body=incoming.error,
                              timestamp=incoming.timestamp, kind=MessageKind.ERROR, id=incoming.id)
        conversation.add(message)
        self._persist(message)
        self._emit(MessageAdded(message))

    # The Session protocol's room methods, forwarded to the room service ------------------------------

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

    async def request_voice(self, room: str) -> None:
        await self.rooms.request_voice(room)

    async def decline_invitation(self, room: str, inviter: str) -> None:
        await self.rooms.decline_invitation(room, inviter)

    async def list_rooms(self, service: str) -> list[RoomListing]:
        return await self.rooms.list_rooms(service)

    async def room_exists(self, address: str) -> bool | None:
        return await self.rooms.room_exists(address)

    async def bookmark_room(self, room: str, autojoin: bool = True) -> None:
        await self.rooms.bookmark_room(room, autojoin)

    async def remove_bookmark(self, room: str) -> None:
        await self.rooms.remove_bookmark(room)

    async def kick(self, room: str, nick: str, reason: str = "") -> None:
        await self.rooms.kick(room, nick, reason)

    async def ban(self, room: str, nick: str, reason: str = "") -> None:
        await self.rooms.ban(room, nick, reason)

    async def set_role(self, room: str, nick: str, role: Role, reason: str = "") -> None:
        await self.rooms.set_role(room, nick, role, reason)

    async def set_affiliation(self, room: str, jid: str, affiliation: Affiliation, reason: str = "") -> None:
        await self.rooms.set_affiliation(room, jid, affiliation, reason)
