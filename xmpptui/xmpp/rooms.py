"""Group chat (XEP-0045): joining, room presence and messages, private messages, moderation, invitations.

The session hands every presence and message to `RoomService` first; it takes those that belong to a room
we are in (or joining) and leaves the rest alone. Groupchat from any other room is dropped there.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree as ET

from slixmpp import Iq, Message
from slixmpp import Presence as PresenceStanza
from slixmpp.exceptions import IqError, IqTimeout
from slixmpp.jid import JID, InvalidJID

from xmpptui.model import jid as jids
from xmpptui.model import room as rooms_model
from xmpptui.model.conversation import (
    ChatMessage,
    Conversation,
    ConversationKind,
    DeliveryState,
    Direction,
    MessageKind,
)
from xmpptui.model.events import (
    BookmarksChanged,
    ConversationOpened,
    Event,
    InvitationReceived,
    MessageAdded,
    MessageUpdated,
    RoomChanged,
    RoomJoinFailed,
    UnreadChanged,
)
from xmpptui.model.forms import DataForm
from xmpptui.model.presence import Presence
from xmpptui.model.room import (
    Affiliation,
    Bookmark,
    Occupant,
    OccupantFlood,
    Role,
    Room,
    RoomListing,
    RoomState,
)
from xmpptui.model.state import ClientState, ConnectionState
from xmpptui.session import NotConnected, RoomError
from xmpptui.xmpp.pep_publish import PepError, PrivatePep
from xmpptui.xmpp.stanzas import bookmarks, forms, muc, pep, translate

if TYPE_CHECKING:
    from xmpptui.xmpp.transport.client import Client

log = logging.getLogger(__name__)

OpenConversation = Callable[[str, ConversationKind, bool], Conversation]


MAX_OCCUPANTS = 5000
"""Occupants held per room unless the account says otherwise (`max_room_occupants`)."""

_JOIN_TRIES = 2
"""Join requests sent to a room that does not answer before we give up and say so."""
_UNASKED_REJOINS_A_MINUTE = 2
"""How often a room may drop us without a reason and be joined again before we leave it be."""

SELF_PING_INTERVAL = 300.0
"""Seconds between checks that we are still in each joined room (XEP-0410)."""


@dataclass(frozen=True, slots=True)
class RoomAddress:
    room: str
    nick: str


def parse_room_address(text: str) -> RoomAddress:
    """`room@service[/nick]` -> the room's bare JID (lower-cased) and the nick ("" if none)."""
    try:
        jid = JID(text.strip())
    except InvalidJID:
        raise RoomError(f"{text!r} is not a room address like room@conference.example.org") from None
    if not jid.user or not jid.domain:
        raise RoomError(f"{text!r} is not a room address like room@conference.example.org")
    return RoomAddress(jid.bare.lower(), jid.resource)


def _valid_jid(text: str) -> str:
    try:
        jid = JID(text.strip())
    except InvalidJID:
        raise RoomError(f"{text!r} is not a JID like alice@example.org") from None
    if not jid.domain:
        raise RoomError(f"{text!r} is not a JID like alice@example.org")
    return str(jid)


class RoomService:
    """Every room's state lives in `ClientState.rooms`; this keeps it, the way the session keeps the rest."""

    def __init__(self, state: ClientState, emit: Callable[[Event], None], open_conversation: OpenConversation,
                 persist: Callable[[ChatMessage], None], default_nick: str, timeout: float,
                 clock: Callable[[], float] = time.time, self_ping_interval: float = SELF_PING_INTERVAL,
                 max_occupants: int = MAX_OCCUPANTS,
                 store_update: Callable[[ChatMessage], None] = lambda message: None,
                 private_pep: PrivatePep | None = None) -> None:
        self._state = state
        self._emit = emit
        self._open = open_conversation
        self._persist = persist
        self._store_update = store_update
        self._default_nick = default_nick
        self._timeout = timeout
        self._clock = clock
        self.client: Client | None = None
        self._self_ping_interval = self_ping_interval
        self._self_ping: asyncio.TimerHandle | None = None
        self._dormant: set[str] = set()
        """Rooms we were in when the user went offline: joined again when they come back."""
        self._joining_subject: set[str] = set()
        """Rooms whose first subject (the one that completes a join, XEP-0045 7.2.15) has not come yet."""
        self._pep = private_pep or PrivatePep(timeout)
        """Our account's PEP service: whether bookmarks are XEP-0402 ones, and publishing them."""
        self._actions: dict[str, tuple[str, str]] = {}
        """Stanza id -> (room, what we asked, in words) for requests whose refusal comes back as a message."""
        self._max_occupants = max(max_occupants, 1)
        self._floods: dict[str, tuple[OccupantFlood, ChatMessage | None]] = {}
        """Per room: its joins and leaves, and the summary line of the flood going on (if any)."""
        self._outbox: dict[str, list[ChatMessage]] = {}
        """Per room: our messages typed while we were not (yet, or again) in it, sent once the join completes."""
        self._join_watch: dict[str, asyncio.TimerHandle] = {}
        """Per room being joined: the timer that gives up waiting for the room's answer."""
        self._join_tries: dict[str, int] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._rejoins: dict[str, list[float]] = {}
        """Per room: when it last dropped us without a reason and we joined again (monotonic clock)."""

    @property
    def _online(self) -> bool:
        return self.client is not None and self._state.connection.state is ConnectionState.ONLINE

    def _room(self, room_jid: str, joined: bool = True) -> Room:
        room = self._state.rooms.get(room_jid)
        if room is None or (joined and not room.joined):
            raise RoomError(f"you are not in {room_jid}: /join it first")
        if not self._online:
            raise NotConnected()
        return room

    def _add(self, conversation: Conversation, message: ChatMessage, unread: bool = False) -> None:
        conversation.add(message)
        if message.kind is not MessageKind.OCCUPANT:  # joins and leaves are not worth keeping
            self._persist(message)
        self._emit(MessageAdded(message))
        if unread:
            conversation.unread += 1
            if message.mention:
                conversation.mentions += 1
            self._emit(UnreadChanged(conversation.jid, conversation.unread))

    def _line(self, room: Room, text: str, kind: MessageKind = MessageKind.NOTICE) -> None:
        """A line the client writes into the room's conversation (joins, kicks, errors)."""
        conversation = self._state.conversations.get(room.jid)
        if conversation is not None:
            self._add(conversation, ChatMessage(conversation=room.jid, sender="", body=text, timestamp=self._clock(),
                                                kind=kind))

    def _occupant_line(self, room: Room, text: str, joined: bool) -> None:
        """A join or leave line; in a flood, one summary line counts the rest ("… and 240 more joined")."""
        conversation = self._state.conversations.get(room.jid)
        if conversation is None:
            return
        flood, summary = self._floods.get(room.jid, (None, None))
        if flood is None:
            flood = OccupantFlood()
        if flood.admit(self._clock(), joined):
            self._floods[room.jid] = (flood, None)
            self._line(room, text, MessageKind.OCCUPANT)
            return
        if flood.counted == 1 or summary is None:
            summary = ChatMessage(conversation=room.jid, sender="", body=flood.summary(), timestamp=self._clock(),
                                  kind=MessageKind.OCCUPANT)
            self._floods[room.jid] = (flood, summary)
            self._add(conversation, summary)
            return
        summary.body = flood.summary()
        self._emit(MessageUpdated(summary))

    def _hold(self, room: Room, occupant: Occupant) -> None:
        if room.hold(occupant, self._max_occupants) and room.forgotten <= 1:
            log.info("%s has more than %d occupants: the least recently active are let go", room.jid,
                     self._max_occupants)
            self._line(room, f"more than {self._max_occupants} occupants: only the {self._max_occupants} most "
                             "recently active are listed")

    # Joining and leaving ----------------------------------------------------------------------

    def join(self, address: str, password: str = "") -> Room:
        """Join (or rejoin) a room; the outcome arrives as presence. Offline, the join waits for the session."""
        parsed = parse_room_address(address)
        nick = parsed.nick or self._default_nick
        room = self._state.rooms.get(parsed.room)
        if room is not None and room.joined:
            self._open(room.jid, ConversationKind.GROUPCHAT, True)
            self._emit(ConversationOpened(room.jid, by_user=True))  # (again, to show it)
            if room.nick != nick and self._online:
                self._send_presence_as(room, nick)  # already in: a nick change, the occupant list stays
            return room
        if room is None:
            room = self._state.rooms.add(Room(parsed.room, nick, password))
        room.nick, room.password, room.state, room.error = nick, password or room.password, RoomState.JOINING, ""
        room.clear_occupants()
        self._open(room.jid, ConversationKind.GROUPCHAT, True)
        self._emit(RoomChanged(room.jid))
        if self._online:
            self._send_join(room)
        self._schedule_self_ping()
        return room

    def _send_join(self, room: Room, own: Presence | None = None) -> None:
        assert self.client is not None
        presence = self._with_own_show(self.client.make_presence(pto=room.occupant_jid(room.nick)), own)
        x = ET.SubElement(presence.xml, f"{{{muc.NS_MUC}}}x")
        if room.password:
            ET.SubElement(x, f"{{{muc.NS_MUC}}}password").text = room.password
        conversation = self._state.conversations.get(room.jid)
        latest = max((m.timestamp for m in conversation.messages if m.kind is MessageKind.GROUPCHAT
                      and m.state is not DeliveryState.PENDING), default=None) if conversation is not None else None
        if latest is not None:
            # Rejoining: only what was said since the last message we hold (our messages still pending are not
            # held by the room yet, or come back in this history and are so known to have arrived).
            since = datetime.fromtimestamp(latest + 0.001, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            ET.SubElement(x, f"{{{muc.NS_MUC}}}history", since=since)
        presence.send()
        if room.jid not in self._join_watch:
            self._watch_join(room)

    def _schedule_self_ping(self) -> None:
        if self._self_ping is None:
            self._self_ping = asyncio.get_running_loop().call_later(self._self_ping_interval, self.self_ping)

    def self_ping(self) -> None:
        """XEP-0410: ask each joined room whether we are still in it; a room that dropped us without a word
        (a restart, a lost server-to-server link) is joined again. Runs while any room is held."""
        self._self_ping = None
        if not len(self._state.rooms):
            return
        self._schedule_self_ping()
        if not self._online:
            return
        assert self.client is not None
        for room in self._state.rooms:
            if room.joined:
                iq = self.client.make_iq_get(ito=room.occupant_jid(room.nick))
                ET.SubElement(iq.xml, "{urn:xmpp:ping}ping")
                iq.send(timeout=self._timeout).add_done_callback(
                    lambda done, jid=room.jid, nick=room.nick: self._self_pinged(jid, nick, done))

    def _self_pinged(self, room_jid: str, nick: str, done: asyncio.Future[Any]) -> None:
        if done.cancelled() or not isinstance(done.exception(), IqError):
            return  # answered (we are in), or no answer (nothing can be concluded)
        error = done.exception()
        assert isinstance(error, IqError)
        condition, _ = muc.error_condition(error.iq)
        room = self._state.rooms.get(room_jid)
        if condition not in ("not-acceptable", "item-not-found") or room is None or not room.joined \
                or room.nick != nick:
            return  # service-unavailable, feature-not-implemented: in the room, the occupant just cannot pong
        log.info("self-ping: no longer in %s (%s); rejoining", room_jid, condition)
        self._rejoin(room, "the room had dropped you without notice: joining again")

    def rejoin_all(self) -> None:
        """A new session (not a resumed stream): the server forgot our rooms, so join them again."""
        for room in self._state.rooms:
            if room.state is not RoomState.LEFT:
                self._rejoin(room)

    def _rejoin(self, room: Room, why: str = "") -> None:
        """Join a room we were in again, but only if it still exists: joining a room that vanished while we were
        away would create it, and creating a room is the user's decision (asked when they /join)."""
        room.state = RoomState.JOINING
        room.clear_occupants()
        if why:
            self._line(room, why)
        self._emit(RoomChanged(room.jid))
        task = asyncio.get_running_loop().create_task(self._rejoin_if_exists(room))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _rejoin_if_exists(self, room: Room) -> None:
        try:
            await self._room_info(room.jid)
        except IqError as exc:
            if muc.error_condition(exc.iq)[0] in ("item-not-found", "gone"):
                self._join_failed(room, f"{room.jid} no longer exists (it was destroyed, or expired while you were "
                                        "away): not joined again; /join it to create it anew")
                return
            log.info("disco#info of %s before rejoining: %r; joining anyway", room.jid, exc)
        except IqTimeout:
            log.info("no disco#info answer from %s before rejoining; joining anyway", room.jid)
        if room.state is RoomState.JOINING and self.client is not None and self.client.transport is not None:
            self._send_join(room)

    def _join_failed(self, room: Room, reason: str) -> None:
        """We are not in the room and will not be without the user: say why, and fail what waited to be sent."""
        self._stop_join_watch(room.jid)
        room.state, room.error = RoomState.LEFT, reason
        room.clear_occupants()
        self._line(room, reason, MessageKind.ERROR)
        self._fail_queued(room, reason)
        self._emit(RoomChanged(room.jid))

    def _may_rejoin(self, room_jid: str) -> bool:
        """At most a few unasked rejoins of one room a minute: a room that keeps dropping us is left alone."""
        now = time.monotonic()
        recent = [t for t in self._rejoins.get(room_jid, []) if now - t < 60]
        self._rejoins[room_jid] = [*recent, now]
        return len(recent) < _UNASKED_REJOINS_A_MINUTE

    def _fail_queued(self, room: Room, reason: str) -> None:
        for message in self._outbox.pop(room.jid, []):
            if message.state is DeliveryState.PENDING:
                self._failed(message, f"not sent: {reason}")

    def _failed(self, message: ChatMessage, error: str) -> None:
        message.state, message.error = DeliveryState.FAILED, error
        self._store_update(message)
        self._emit(MessageUpdated(message))

    def _watch_join(self, room: Room) -> None:
        """A join the room never answers is tried again, then given up on in words (never left hanging)."""
        self._stop_join_watch(room.jid)
        self._join_watch[room.jid] = asyncio.get_running_loop().call_later(
            self._timeout * 2, self._join_unanswered, room.jid)

    def _stop_join_watch(self, room_jid: str) -> None:
        timer = self._join_watch.pop(room_jid, None)
        if timer is not None:
            timer.cancel()
        self._join_tries.pop(room_jid, None)

    def _join_unanswered(self, room_jid: str) -> None:
        self._join_watch.pop(room_jid, None)
        room = self._state.rooms.get(room_jid)
        if room is None or room.state is not RoomState.JOINING or not self._online:
            return  # answered, left, or the session is gone (a new one joins again)
        tries = self._join_tries.get(room_jid, 1)
        if tries >= _JOIN_TRIES:
            self._join_failed(room, f"{room.jid} did not answer our request to join ({tries} tries): not in the "
                                    "room; /join it to try again")
            return
        self._line(room, f"{room.jid} did not answer our request to join: trying again")
        self._send_join(room)
        self._join_tries[room_jid] = tries + 1

    def own_presence_sent(self, presence: Presence) -> None:
        """Rooms get our presence only when we address it to them: going offline takes us out of every
        room (the server tells them); coming back joins them again; a new show or status is sent to each."""
        for room in self._state.rooms:
            if not presence.available:
                if room.state is not RoomState.LEFT:
                    self._dormant.add(room.jid)
                    room.state = RoomState.LEFT
                    room.clear_occupants()
                    self._line(room, "you went offline: out of the room until you are back")
                    self._emit(RoomChanged(room.jid))
            elif room.jid in self._dormant:
                room.state = RoomState.JOINING
                self._emit(RoomChanged(room.jid))
                self._send_join(room, presence)
            elif room.joined:
                self._send_presence_as(room, room.nick, presence)
        if presence.available:
            self._dormant.clear()

    def leave(self, room_jid: str, reason: str = "") -> None:
        room = self._state.rooms.get(room_jid)
        if room is None or room.state is RoomState.LEFT:
            raise RoomError(f"you are not in {room_jid}")
        if self._online:
            assert self.client is not None
            self.client.send_presence(pto=room.occupant_jid(room.nick), ptype="unavailable", pstatus=reason or None)
        room.state, room.error = RoomState.LEFT, ""
        room.clear_occupants()
        self._line(room, f"you left {room.jid}" + (f" ({reason})" if reason else ""))
        self._emit(RoomChanged(room.jid))

    def conversation_closed(self, jid: str) -> None:
        """Closing a room's conversation leaves the room."""
        room = self._state.rooms.remove(jid)
        self._floods.pop(jid, None)
        if room is not None and room.state is not RoomState.LEFT and self._online:
            assert self.client is not None
            self.client.send_presence(pto=room.occupant_jid(room.nick), ptype="unavailable")

    def change_nick(self, room_jid: str, nick: str) -> None:
        room = self._room(room_jid)
        if not nick.strip():
            raise RoomError("usage: /nick NEWNICK")
        assert self.client is not None
        self._send_presence_as(room, nick.strip())

    def _send_presence_as(self, room: Room, nick: str, own: Presence | None = None) -> None:
        assert self.client is not None
        self._with_own_show(self.client.make_presence(pto=room.occupant_jid(nick)), own).send()

    def _with_own_show(self, presence: PresenceStanza, own: Presence | None = None) -> PresenceStanza:
        """Our show and status (as the server last echoed them, unless given) on a presence to a room."""
        own = own or self._state.own_presence
        if own.available and own.show.wire:
            presence["show"] = own.show.wire
        if own.available and own.status:
            presence["status"] = own.status
        return presence

    # Presence ---------------------------------------------------------------------------------

    def on_presence(self, stanza: PresenceStanza) -> bool:
        """True when the presence belongs to a room we are in or joining (and was handled here)."""
        room = self._state.rooms.get(jids.bare(stanza.xml.get("from", "")))
        if room is None:
            return False
        if stanza.xml.get("type") == "error":
            self._on_presence_error(room, stanza)
            return True
        update = muc.occupant_presence(stanza)
        if update is None or room.state is RoomState.LEFT:
            return True
        is_self = muc.SELF_PRESENCE in update.codes or (room.state is RoomState.JOINING and update.nick == room.nick)
        if is_self:
            self._on_own_presence(room, update)
        else:
            self._on_occupant_presence(room, update)
        self._emit(RoomChanged(room.jid))
        return True

    def _on_presence_error(self, room: Room, stanza: PresenceStanza) -> None:
        condition, server_text = muc.error_condition(stanza)
        _, _, nick = stanza.xml.get("from", "").partition("/")
        if room.state is RoomState.JOINING:
            reason = muc.join_error_text(condition, room.jid, room.nick, bool(room.password), server_text)
            self._join_failed(room, reason)
            self._emit(RoomJoinFailed(room.jid, condition, reason, room.nick))
        elif room.joined:
            action = f"change your nick to {nick}" if nick and nick != room.nick else "change your presence"
            self._line(room, muc.action_error_text(condition, action, server_text), MessageKind.ERROR)

    def _on_own_presence(self, room: Room, update: muc.OccupantPresence) -> None:
        if update.available:
            if room.state is RoomState.JOINING:
                room.state = RoomState.JOINED
                self._stop_join_watch(room.jid)
                self._joining_subject.add(room.jid)
                created = muc.ROOM_CREATED in update.codes
                self._line(room, f"you joined {room.jid} as {update.nick}"
                           + (" (a new room: you own it)" if created else ""))
                if created:
                    self._accept_default_configuration(room)
                    self._line(room, "room created with the default configuration; /configure to change it")
            room.nick = update.nick
            self._hold(room, Occupant(update.nick, update.role, update.affiliation, update.show, update.real_jid))
            return
        if muc.NICK_CHANGED in update.codes and update.new_nick:
            room.occupants.pop(update.nick, None)
            room.nick = update.new_nick
            self._line(room, f"you are now known as {update.new_nick}")
            return
        removal = self._removal(update)
        if room.state is RoomState.JOINING:
            # Not an answer to our join (that is our available presence, or an error): the room ending an earlier
            # session of ours under the same full JID (a restart, a replaced session). The join goes on.
            log.info("%s: an unavailable presence for an earlier session of ours, ignored", room.jid)
            return
        if not (removal or update.destroyed or muc.SHUTDOWN in update.codes) and self._online \
                and self._may_rejoin(room.jid):
            # We did not leave (leave() marks the room left first) and the room gives no reason: it dropped us
            # (an older session of ours with the same full JID ended, say). We join again.
            self._rejoin(room, "the room took you out without saying why: joining again")
            return
        room.state = RoomState.LEFT
        room.clear_occupants()
        if removal:
            room.error = f"you were {removal}"
            self._line(room, room.error, MessageKind.ERROR)
        elif update.destroyed:
            room.error = f"{room.jid} was destroyed" + (f" ({update.reason})" if update.reason else "")
            self._line(room, room.error, MessageKind.ERROR)
        elif muc.SHUTDOWN in update.codes:
            room.error = "the chat service shut down: you are no longer in the room"
            self._line(room, room.error, MessageKind.ERROR)
        self._fail_queued(room, room.error or "you are no longer in the room")

    def _accept_default_configuration(self, room: Room) -> None:
        """A room we created may be locked until its owner configures it (XEP-0045 10.1.2): take the
        defaults at once (an "instant room")."""
        assert self.client is not None
        iq = self.client.make_iq_set(ito=room.jid)
        query = ET.SubElement(iq.xml, f"{{{muc.NS_OWNER}}}query")
        ET.SubElement(query, "{jabber:x:data}x", type="submit")
        pending = iq.send(timeout=self._timeout)
        pending.add_done_callback(lambda done: done.cancelled() or done.exception() is None or log.info(
            "the new room %s kept its lock: %r", room.jid, done.exception()))

    @staticmethod
    def _removal(update: muc.OccupantPresence) -> str:
        """'kicked by bob (spam)' for a kick or ban, "" for an ordinary leave."""
        if muc.KICKED in update.codes:
            verb = "kicked"
        elif muc.BANNED in update.codes:
            verb = "banned"
        elif muc.REMOVED_AFFILIATION in update.codes or muc.REMOVED_MEMBERS_ONLY in update.codes:
            verb = "removed (not a member)"
        else:
            return ""
        by = f" by {update.actor}" if update.actor else ""
        why = f" ({update.reason})" if update.reason else ""
        return f"{verb}{by}{why}"

    def _on_occupant_presence(self, room: Room, update: muc.OccupantPresence) -> None:
        occupant = room.occupants.get(update.nick)
        if not update.available:
            room.occupants.pop(update.nick, None)
            if muc.NICK_CHANGED in update.codes and update.new_nick:
                if occupant is not None:
                    occupant.nick = update.new_nick
                    room.occupants[update.new_nick] = occupant
                self._line(room, f"{update.nick} is now known as {update.new_nick}")
                return
            removal = self._removal(update)
            if removal:
                self._line(room, f"{update.nick} was {removal}")
            elif room.joined:
                why = f" ({update.reason})" if update.reason else ""
                self._occupant_line(room, f"{update.nick} left{why}", joined=False)
            return
        self._hold(room, Occupant(update.nick, update.role, update.affiliation, update.show, update.real_jid))
        if not room.joined:
            return  # the occupant list sent before our own presence: who is there, not who arrived
        if occupant is None:
            self._occupant_line(room, f"{update.nick} joined", joined=True)
        elif occupant.role is not update.role:
            self._line(room, f"{update.nick} is now a {update.role.value}")
        elif occupant.affiliation is not update.affiliation:
            self._line(room, f"{update.nick} is now {_affiliation_words(update.affiliation)}")

    # Messages ---------------------------------------------------------------------------------

    def on_message(self, stanza: Message) -> bool:
        """True when the message was a room's (or an invitation) and was handled here."""
        sender = stanza.xml.get("from", "")
        room = self._state.rooms.get(jids.bare(sender))
        if room is None:
            invitation = muc.invitation(stanza)
            if invitation is None:
                return False  # (the session drops groupchat from rooms we are not in)
            self._emit(InvitationReceived(invitation.room, invitation.inviter, invitation.reason, invitation.password,
                                          invitation.mediated))
            return True
        kind = stanza.xml.get("type", "normal")
        if kind == "error":
            self._on_message_error(room, stanza)
        elif kind == "groupchat":
            if room.state is not RoomState.LEFT:
                self._on_groupchat(room, stanza)
        elif jids.resource(sender):
            self._on_private(room, stanza)
        elif (asker := muc.voice_request_nick(stanza)) is not None:
            self._line(room, f"{asker} asks for voice: /role {asker} participant gives it")
        else:
            invitation = muc.invitation(stanza)
            if invitation is not None:
                self._emit(InvitationReceived(invitation.room, invitation.inviter, invitation.reason,
                                              invitation.password, invitation.mediated))
        return True

    def _on_groupchat(self, room: Room, stanza: Message) -> None:
        incoming = translate.incoming_message(stanza, self._clock(), archive=room.jid)
        if incoming is None:
            return
        nick = jids.resource(incoming.sender)
        new_subject = muc.subject(stanza)
        if new_subject is not None:
            room.subject = new_subject
            first = room.jid in self._joining_subject
            self._joining_subject.discard(room.jid)
            if first:
                self._send_queued(room)  # the join is complete, and its history showed what had arrived
            if not first and room.joined:
                said = f"{nick or 'the room'} changed the subject to: {new_subject}" if new_subject else \
                    f"{nick or 'the room'} cleared the subject"
                self._line(room, said)
            self._emit(RoomChanged(room.jid))
            return
        if not incoming.body:
            if not incoming.delayed and not nick:  # the room's own word, not an occupant's
                for change in muc.configuration_changes(stanza):
                    self._line(room, change)
            return
        conversation = self._state.conversations.get(room.jid)
        if conversation is None:
            conversation = self._open(room.jid, ConversationKind.GROUPCHAT, False)
        if nick and nick == room.nick:
            sent = conversation.find_sent(incoming.id) if incoming.id else None
            if sent is None and not incoming.delayed:  # a room that rewrites ids: match our oldest pending text
                sent = next((m for m in conversation.messages[-_HISTORY_LOOKBACK:] if m.direction is Direction.OUT
                             and m.state is DeliveryState.PENDING and m.body == incoming.body), None)
            if sent is not None:
                if sent.state is DeliveryState.PENDING:  # our message, reflected by the room: it got there
                    sent.state = DeliveryState.SENT
                    self._store_update(sent)
                    self._emit(MessageUpdated(sent))
                return
        if conversation.seen_before(incoming.id, incoming.body) or (incoming.delayed and
                                                                     _held(conversation, nick, incoming)):
            return  # the room's history repeats what we hold
        if not nick:
            self._line(room, incoming.body)
            return
        if not incoming.delayed:
            room.active(nick)
        own = nick == room.nick
        mention = not own and rooms_model.mentions(incoming.body, room.nick)
        message = ChatMessage(conversation=room.jid, sender=nick, body=incoming.body, timestamp=incoming.timestamp,
                              direction=Direction.OUT if own else Direction.IN, kind=MessageKind.GROUPCHAT,
                              id=incoming.id, state=DeliveryState.SENT if own else DeliveryState.NONE,
                              delayed=incoming.delayed, mention=mention, stanza_id=incoming.stanza_id)
        self._add(conversation, message, unread=not own and not incoming.delayed)

    def _on_private(self, room: Room, stanza: Message) -> None:
        incoming = translate.incoming_message(stanza, self._clock())
        if incoming is None or not incoming.body:
            return
        nick = jids.resource(incoming.sender)
        # The sender is the occupant's room JID, whatever real JID may be behind it.
        key = room.occupant_jid(nick)
        conversation = self._open(key, ConversationKind.PRIVATE, False)
        if conversation.seen_before(incoming.id, incoming.body):
            return
        message = ChatMessage(conversation=key, sender=nick, body=incoming.body, timestamp=incoming.timestamp,
                              kind=MessageKind.CHAT, id=incoming.id, delayed=incoming.delayed)
        self._add(conversation, message, unread=True)

    def _on_message_error(self, room: Room, stanza: Message) -> None:
        message_id = stanza.xml.get("id", "")
        condition, server_text = muc.error_condition(stanza)
        for key in (room.jid, stanza.xml.get("from", "")):
            conversation = self._state.conversations.get(key)
            sent = conversation.find_sent(message_id) if conversation is not None and message_id else None
            if sent is not None:
                self._failed(sent, translate.error_text(stanza))
                return
        action = self._actions.pop(message_id, None)
        if action is not None:
            self._line(room, muc.action_error_text(condition, action[1], server_text), MessageKind.ERROR)
        else:
            self._line(room, f"the room reported an error: {translate.error_text(stanza)}", MessageKind.ERROR)

    # Sending ----------------------------------------------------------------------------------

    def send_groupchat(self, room_jid: str, body: str) -> ChatMessage:
        """Send to a room we are in; while the session or the room is being got back (an outage, a rejoin, after
        going offline) it waits, pending, and goes once we are in again. Not in the room: refused at once."""
        room = self._state.rooms.get(room_jid)
        if room is None or (room.state is RoomState.LEFT and room.jid not in self._dormant):
            why = f" ({room.error})" if room is not None and room.error else ""
            raise RoomError(f"you are not in {room_jid}{why}: /join it first")
        if self.client is not None:
            self.client.check_outgoing(body)
        conversation = self._open(room.jid, ConversationKind.GROUPCHAT, True)
        message = ChatMessage(conversation=room.jid, sender=room.nick, body=body, timestamp=self._clock(),
                              direction=Direction.OUT, kind=MessageKind.GROUPCHAT, id=uuid.uuid4().hex,
                              state=DeliveryState.PENDING)
        self._add(conversation, message)
        self.queue(message)
        return message

    def queue(self, message: ChatMessage) -> None:
        """Send one of our room messages now if we are in its room, else once the join completes."""
        room = self._state.rooms.get(message.conversation)
        if room is None:
            self._failed(message, f"not sent: you are not in {message.conversation}")
        elif self._online and room.joined and room.jid not in self._joining_subject:
            self._transmit(room, message)
        else:
            self._outbox.setdefault(room.jid, []).append(message)

    def restore_pending(self, message: ChatMessage) -> None:
        """A room message still pending when the app last stopped: we join its room again (as the nick it was
        written under) and send it once in, unless the room's history shows it had arrived."""
        room = self._state.rooms.get(message.conversation)
        if room is None or room.state is RoomState.LEFT:
            room = self.join(f"{message.conversation}/{message.sender}")
        conversation = self._open(room.jid, ConversationKind.GROUPCHAT, False)
        conversation.add(message)
        self._emit(MessageAdded(message))
        self._outbox.setdefault(room.jid, []).append(message)

    def _send_queued(self, room: Room) -> None:
        for message in self._outbox.pop(room.jid, []):
            if message.state is DeliveryState.PENDING:  # (the room's history may have shown that it arrived)
                self._transmit(room, message)

    def stream_resumed(self) -> None:
        """The server kept our session, and with it our rooms: what waited for them goes now."""
        for room in self._state.rooms:
            if room.joined and room.jid not in self._joining_subject:
                self._send_queued(room)

    def _transmit(self, room: Room, message: ChatMessage) -> None:
        assert self.client is not None
        stanza = self.client.make_message(mto=room.jid, mbody=message.body, mtype="groupchat")
        stanza["id"] = message.id
        stanza.send()

    def send_private(self, occupant_jid: str, body: str) -> ChatMessage:
        room_jid, nick = jids.bare(occupant_jid), jids.resource(occupant_jid)
        room = self._room(room_jid)
        if not nick:
            raise RoomError("a private message needs an occupant's nick")
        assert self.client is not None
        self.client.check_outgoing(body)
        key = room.occupant_jid(nick)
        conversation = self._open(key, ConversationKind.PRIVATE, True)
        message = ChatMessage(conversation=key, sender=room.nick, body=body, timestamp=self._clock(),
                              direction=Direction.OUT, kind=MessageKind.CHAT, id=uuid.uuid4().hex,
                              state=DeliveryState.SENT)
        stanza = self.client.make_message(mto=key, mbody=body, mtype="chat")
        stanza["id"] = message.id
        ET.SubElement(stanza.xml, f"{{{muc.NS_USER}}}x")
        stanza.send()
        self._add(conversation, message)
        return message

    def open_private(self, room_jid: str, nick: str) -> Conversation:
        room = self._room(room_jid)
        if nick not in room.occupants:
            raise RoomError(f"nobody called {nick} is in {room.jid}")
        return self._open(room.occupant_jid(nick), ConversationKind.PRIVATE, True)

    def set_subject(self, room_jid: str, subject: str) -> None:
        room = self._room(room_jid)
        assert self.client is not None
        stanza = self.client.make_message(mto=room.jid, mtype="groupchat")
        stanza["subject"] = subject
        if not subject:
            ET.SubElement(stanza.xml, "{jabber:client}subject")
        stanza["id"] = message_id = uuid.uuid4().hex
        self._actions[message_id] = (room.jid, "change the subject")
        stanza.send()

    def request_voice(self, room_jid: str) -> None:
        """Ask the room's moderators to make us a participant (XEP-0045 7.13)."""
        room = self._room(room_jid)
        assert self.client is not None
        stanza = self.client.make_message(mto=room.jid, mtype="normal")
        form = ET.SubElement(stanza.xml, f"{{{muc.NS_DATA}}}x", type="submit")
        for var, value in (("FORM_TYPE", muc.NS_REQUEST), ("muc#role", "participant")):
            field = ET.SubElement(form, f"{{{muc.NS_DATA}}}field", var=var)
            ET.SubElement(field, f"{{{muc.NS_DATA}}}value").text = value
        stanza.send()
        self._line(room, "you asked the moderators for voice")

    def decline(self, room_jid: str, inviter: str) -> None:
        """Decline an invitation the room passed on (XEP-0045 7.8.2): the room tells the inviter."""
        if not self._online or not inviter:
            return
        assert self.client is not None
        stanza = self.client.make_message(mto=parse_room_address(room_jid).room, mtype="normal")
        ET.SubElement(ET.SubElement(stanza.xml, f"{{{muc.NS_USER}}}x"), f"{{{muc.NS_USER}}}decline",
                      to=_valid_jid(inviter))
        stanza.send()

    async def invite(self, room_jid: str, invitee: str, reason: str = "") -> None:
        """Invite someone, through the room (XEP-0045 7.8.2, "mediated") when they might not get in with a
        direct invitation: the room is members-only (it makes whom its admins invite that way a member), it
        has a password we do not hold (it adds it), or it does not say which; else directly (XEP-0249),
        which their client understands whatever their server's rooms."""
        room = self._room(room_jid)
        to = _valid_jid(invitee)
        features = await self._room_features(room.jid)
        mediated = features is None or muc.FEATURE_MEMBERS_ONLY in features or (
            muc.FEATURE_PASSWORD in features and not room.password)
        if not room.joined or not self._online:
            raise RoomError(f"you are not in {room.jid} any more: /join it first")
        assert self.client is not None
        if mediated:
            stanza = self.client.make_message(mto=room.jid, mtype="normal")
            stanza["id"] = message_id = uuid.uuid4().hex
            invite = ET.SubElement(ET.SubElement(stanza.xml, f"{{{muc.NS_USER}}}x"), f"{{{muc.NS_USER}}}invite",
                                   to=to)
            if reason:
                ET.SubElement(invite, f"{{{muc.NS_USER}}}reason").text = reason
            self._actions[message_id] = (room.jid, f"invite {to}")  # a refusal (forbidden) comes back as a message
        else:
            stanza = self.client.make_message(mto=to, mtype="normal")
            attributes = {"jid": room.jid}
            if reason:
                attributes["reason"] = reason
            if room.password:
                attributes["password"] = room.password
            ET.SubElement(stanza.xml, f"{{{muc.NS_CONFERENCE}}}x", attributes)
        stanza.send()
        how = "directly" if not mediated else "through the room: it is members-only" \
            if features is not None and muc.FEATURE_MEMBERS_ONLY in features else "through the room"
        self._line(room, f"you invited {to} ({how})")

    async def _room_info(self, room_jid: str) -> Iq:
        """The room's disco#info (XEP-0045 6.4); raises IqError or IqTimeout."""
        assert self.client is not None
        iq = self.client.make_iq_get(ito=room_jid)
        ET.SubElement(iq.xml, f"{{{muc.NS_DISCO_INFO}}}query")
        return await iq.send(timeout=self._timeout)

    async def _room_features(self, room_jid: str) -> frozenset[str] | None:
        """The room's disco#info features, None when it does not say."""
        try:
            return muc.features(await self._room_info(room_jid))
        except (IqError, IqTimeout) as exc:
            log.info("no features of %s: %r", room_jid, exc)
            return None

    # Discovery --------------------------------------------------------------------------------

    async def room_exists(self, address: str) -> bool | None:
        """Whether the room exists (XEP-0045 6.4 disco#info), None when that cannot be told (the service
        is unreachable, or we are offline): the join itself will say."""
        room = parse_room_address(address).room
        if not self._online:
            return None
        try:
            await self._room_info(room)
        except IqError as exc:
            return False if muc.error_condition(exc.iq)[0] == "item-not-found" else None
        except IqTimeout:
            return None
        return True

    async def list_rooms(self, service: str) -> list[RoomListing]:
        """The rooms a chat service lists (XEP-0030 disco#items)."""
        if not self._online:
            raise NotConnected()
        assert self.client is not None
        target = _valid_jid(service)
        iq = self.client.make_iq_get(ito=target)
        ET.SubElement(iq.xml, f"{{{muc.NS_DISCO_ITEMS}}}query")
        try:
            result = await iq.send(timeout=self._timeout)
        except IqError as exc:
            raise RoomError(f"could not list the rooms of {target}: {translate.error_text(exc.iq)}") from None
        except IqTimeout:
            raise RoomError(f"could not list the rooms of {target}: it did not answer") from None
        return muc.room_listings(result)

    # Bookmarks (XEP-0402) ---------------------------------------------------------------------

    async def load_bookmarks(self) -> None:
        """A new session: read our bookmarks and join the autojoin rooms we are not already in. XEP-0402 ones
        only where the server keeps them in step with XEP-0048 ones (XEP-0402 5, XEP-0479), else XEP-0048
        private storage: other clients of ours may use either."""
        assert self.client is not None
        if await self._pep.bookmarks_in_pep():
            iq = self.client.make_iq_get(ito=self._state.jid)
            bookmarks.fill_items_query(iq)
            read = bookmarks.bookmarks_from_items
        else:
            iq = self.client.make_iq_get()
            bookmarks.fill_private_query(iq)
            read = bookmarks.bookmarks_from_private
        try:
            saved = read(await iq.send(timeout=self._timeout))
        except IqError as exc:
            log.info("no bookmarks read: %s", translate.error_text(exc.iq))  # item-not-found: none saved yet
            return
        except IqTimeout:
            log.info("no bookmarks read: the server did not answer")
            return
        self._state.rooms.bookmarks = {b.room: b for b in saved}
        self._emit(BookmarksChanged())
        for bookmark in saved:
            if bookmark.autojoin:
                self._autojoin(bookmark)

    def on_private_bookmarks_changed(self, change: pep.NodeChange) -> None:
        """Our XEP-0048 bookmarks document changed (the server publishes it to a PEP node, XEP-0411): the whole
        set, as on_bookmarks_changed takes it. Only where XEP-0048 is where our bookmarks live: elsewhere the
        XEP-0402 notifications tell the same change."""
        if not change.published or self._pep.known_bookmarks_in_pep() is not False:
            return
        saved = bookmarks.bookmarks_from_storage(change.published[-1][1])
        gone = [room for room in self._state.rooms.bookmarks if room not in {b.room for b in saved}]
        self.on_bookmarks_changed(pep.NodeChange(change.node, retracted=gone), saved)

    def on_bookmarks_changed(self, change: pep.NodeChange, published: list[Bookmark] | None = None) -> None:
        """Another client of ours added, changed or removed bookmarks (XEP-0402 notifications, which come
        for our own changes too). A bookmark that newly asks for autojoin is joined; a room we are in stays
        joined whatever happens to its bookmark (the user may be talking there)."""
        newly_autojoin = []
        for bookmark in bookmarks.bookmarks_from_published(change.published) if published is None else published:
            before = self._state.rooms.bookmarks.get(bookmark.room)
            self._state.rooms.bookmarks[bookmark.room] = bookmark
            if bookmark.autojoin and (before is None or not before.autojoin):
                newly_autojoin.append(bookmark)
        for room_jid in change.retracted:
            self._state.rooms.bookmarks.pop(room_jid.lower(), None)
        self._emit(BookmarksChanged())
        for bookmark in newly_autojoin:
            self._autojoin(bookmark)

    def _autojoin(self, bookmark: Bookmark) -> None:
        if bookmark.room in self._state.rooms:
            return
        room = self._state.rooms.add(Room(bookmark.room, bookmark.nick or self._default_nick, bookmark.password))
        self._open(room.jid, ConversationKind.GROUPCHAT, False)
        self._emit(RoomChanged(room.jid))
        self._send_join(room)
        self._schedule_self_ping()

    async def _publish(self, fill: Callable[[Any], None], action: str) -> None:
        assert self.client is not None
        iq = self.client.make_iq_set()
        fill(iq)
        try:
            await iq.send(timeout=self._timeout)
        except IqError as exc:
            raise RoomError(f"could not {action}: {translate.error_text(exc.iq)}") from None
        except IqTimeout:
            raise RoomError(f"could not {action}: the server did not answer") from None

    async def bookmark(self, room_jid: str, autojoin: bool = True) -> None:
        """Save the room (with our nick and its password) as a bookmark on the server."""
        room = self._room(room_jid, joined=False)
        saved = Bookmark(room.jid, nick=room.nick, password=room.password, autojoin=autojoin)
        if not await self._pep.bookmarks_in_pep():
            every = [*(b for b in self._state.rooms.bookmarks.values() if b.room != room.jid), saved]
            await self._publish(lambda iq: bookmarks.fill_private_store(iq, every), f"bookmark {room.jid}")
        else:
            try:
                await self._pep.publish(bookmarks.NODE, saved.room, lambda item: bookmarks.fill_conference(item, saved))
            except PepError as exc:
                raise RoomError(f"could not bookmark {room.jid}: {exc}") from None
        self._state.rooms.bookmarks[room.jid] = saved
        self._emit(BookmarksChanged())
        self._line(room, f"bookmarked {room.jid}" + (" (joined on login)" if autojoin else ""))

    async def remove_bookmark(self, room_jid: str) -> None:
        if room_jid not in self._state.rooms.bookmarks:
            raise RoomError(f"{room_jid} is not bookmarked")
        action = f"remove the bookmark of {room_jid}"
        if not await self._pep.bookmarks_in_pep():
            rest = [b for b in self._state.rooms.bookmarks.values() if b.room != room_jid]
            await self._publish(lambda iq: bookmarks.fill_private_store(iq, rest), action)
        else:
            await self._publish(lambda iq: bookmarks.fill_retract(iq, room_jid), action)
        del self._state.rooms.bookmarks[room_jid]
        self._emit(BookmarksChanged())
        room = self._state.rooms.get(room_jid)
        if room is not None:
            self._line(room, f"bookmark of {room_jid} removed")

    # Moderation -------------------------------------------------------------------------------

    async def _admin(self, room: Room, item: dict[str, str], reason: str, action: str) -> None:
        assert self.client is not None
        iq = self.client.make_iq_set(ito=room.jid)
        query = ET.SubElement(iq.xml, f"{{{muc.NS_ADMIN}}}query")
        element = ET.SubElement(query, f"{{{muc.NS_ADMIN}}}item", item)
        if reason:
            ET.SubElement(element, f"{{{muc.NS_ADMIN}}}reason").text = reason
        try:
            await iq.send(timeout=self._timeout)
        except IqError as exc:
            condition, server_text = muc.error_condition(exc.iq)
            raise RoomError(muc.action_error_text(condition, action, server_text)) from None
        except IqTimeout:
            raise RoomError(f"could not {action}: the room did not answer") from None

    def _occupant(self, room: Room, nick: str) -> Occupant:
        occupant = room.occupants.get(nick)
        if occupant is None:
            raise RoomError(f"nobody called {nick} is in {room.jid}")
        return occupant

    async def kick(self, room_jid: str, nick: str, reason: str = "") -> None:
        room = self._room(room_jid)
        self._occupant(room, nick)
        await self._admin(room, {"nick": nick, "role": "none"}, reason, f"kick {nick}")

    async def ban(self, room_jid: str, nick: str, reason: str = "") -> None:
        room = self._room(room_jid)
        occupant = self._occupant(room, nick)
        if not occupant.real_jid:
            raise RoomError(f"cannot ban {nick}: the room does not show you their address "
                            "(use /affiliation JID outcast)")
        await self._admin(room, {"jid": jids.bare(occupant.real_jid), "affiliation": "outcast"}, reason,
                          f"ban {nick}")

    async def set_role(self, room_jid: str, nick: str, role: Role, reason: str = "") -> None:
        room = self._room(room_jid)
        self._occupant(room, nick)
        await self._admin(room, {"nick": nick, "role": role.value}, reason, f"make {nick} a {role.value}")

    async def set_affiliation(self, room_jid: str, jid: str, affiliation: Affiliation, reason: str = "") -> None:
        room = self._room(room_jid)
        target = jids.bare(_valid_jid(jid))
        await self._admin(room, {"jid": target, "affiliation": affiliation.value}, reason,
                          f"make {target} {_affiliation_words(affiliation)}")

    # Configuration (XEP-0045 10.2) ------------------------------------------------------------

    async def configuration(self, room_jid: str) -> DataForm:
        """The room's configuration form, as its owner may fill it in."""
        room = self._room(room_jid)
        assert self.client is not None
        iq = self.client.make_iq_get(ito=room.jid)
        ET.SubElement(iq.xml, f"{{{muc.NS_OWNER}}}query")
        action = f"configure {room.jid}"
        try:
            result = await iq.send(timeout=self._timeout)
        except IqError as exc:
            condition, server_text = muc.error_condition(exc.iq)
            raise RoomError(muc.action_error_text(condition, action, server_text)
                            + (" (only its owners may)" if condition == "forbidden" else "")) from None
        except IqTimeout:
            raise RoomError(f"could not {action}: the room did not answer") from None
        query = result.xml.find(f"{{{muc.NS_OWNER}}}query")
        form = forms.find_form(query) if query is not None else None
        if form is None:
            raise RoomError(f"could not {action}: the room sent no configuration form")
        return form

    async def configure(self, room_jid: str, form: DataForm | None) -> None:
        """Submit the filled-in configuration form; None cancels it (XEP-0045 10.1.3 and 10.2.1)."""
        room = self._room(room_jid)
        assert self.client is not None
        iq = self.client.make_iq_set(ito=room.jid)
        query = ET.SubElement(iq.xml, f"{{{muc.NS_OWNER}}}query")
        query.append(forms.cancel_element() if form is None else forms.submit_element(form))
        action = f"configure {room.jid}"
        try:
            await iq.send(timeout=self._timeout)
        except IqError as exc:
            condition, server_text = muc.error_condition(exc.iq)
            raise RoomError(muc.action_error_text(condition, action, server_text)) from None
        except IqTimeout:
            raise RoomError(f"could not {action}: the room did not answer") from None
        if form is not None:
            self._line(room, "you saved the room's configuration")


_HISTORY_LOOKBACK = 500
"""How many of the latest held messages room history on joining is checked against."""


def _held(conversation: Conversation, nick: str, incoming: translate.IncomingMessage) -> bool:
    """Whether a message of the room's join history is one we hold already (from the local history, or
    from before a rejoin): the same id, or the same sender, text and time."""
    for message in reversed(conversation.messages[-_HISTORY_LOOKBACK:]):
        if message.kind is MessageKind.GROUPCHAT and message.body == incoming.body and (
                (incoming.id and message.id == incoming.id)
                or (message.sender == nick and abs(message.timestamp - incoming.timestamp) < 1)):
            return True
    return False


def _affiliation_words(affiliation: Affiliation) -> str:
    return {Affiliation.OWNER: "an owner", Affiliation.ADMIN: "an admin", Affiliation.MEMBER: "a member",
            Affiliation.OUTCAST: "banned", Affiliation.NONE: "unaffiliated"}[affiliation]


class RoomCommands:
    """The Session methods for rooms (mixed into XmppSession, which sets `_rooms`)."""

    _rooms: RoomService

    async def join_room(self, address: str, password: str = "") -> None:
        self._rooms.join(address, password)

    async def leave_room(self, room: str, reason: str = "") -> None:
        self._rooms.leave(room, reason)

    async def send_groupchat(self, room: str, body: str) -> None:
        self._rooms.send_groupchat(room, body)

    async def send_private(self, occupant: str, body: str) -> None:
        self._rooms.send_private(occupant, body)

    async def open_private(self, room: str, nick: str) -> None:
        self._rooms.open_private(room, nick)

    async def set_subject(self, room: str, subject: str) -> None:
        self._rooms.set_subject(room, subject)

    async def change_nick(self, room: str, nick: str) -> None:
        self._rooms.change_nick(room, nick)

    async def invite(self, room: str, jid: str, reason: str = "") -> None:
        await self._rooms.invite(room, jid, reason)

    async def room_configuration(self, room: str) -> DataForm:
        return await self._rooms.configuration(room)

    async def configure_room(self, room: str, form: DataForm | None) -> None:
        await self._rooms.configure(room, form)

    async def request_voice(self, room: str) -> None:
        self._rooms.request_voice(room)

    async def decline_invitation(self, room: str, inviter: str) -> None:
        self._rooms.decline(room, inviter)

    async def list_rooms(self, service: str) -> list[RoomListing]:
        return await self._rooms.list_rooms(service)

    async def room_exists(self, address: str) -> bool | None:
        return await self._rooms.room_exists(address)

    async def bookmark_room(self, room: str, autojoin: bool = True) -> None:
        await self._rooms.bookmark(room, autojoin)

    async def remove_bookmark(self, room: str) -> None:
        await self._rooms.remove_bookmark(room)

    async def kick(self, room: str, nick: str, reason: str = "") -> None:
        await self._rooms.kick(room, nick, reason)

    async def ban(self, room: str, nick: str, reason: str = "") -> None:
        await self._rooms.ban(room, nick, reason)

    async def set_role(self, room: str, nick: str, role: Role, reason: str = "") -> None:
        await self._rooms.set_role(room, nick, role, reason)

    async def set_affiliation(self, room: str, jid: str, affiliation: Affiliation, reason: str = "") -> None:
        await self._rooms.set_affiliation(room, jid, affiliation, reason)
