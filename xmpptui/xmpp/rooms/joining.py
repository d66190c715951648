"""Being in rooms: joining (and the watch on a join the room never answers), joining again after a new session,
a silent drop or coming back online (never re-creating a room that vanished), self-pings (XEP-0410), leaving,
nick changes, and our own presence as each room gets it."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from xmpptui.model.conversation import ConversationKind, DeliveryState, MessageKind
from xmpptui.model.events import ConversationOpened
from xmpptui.model.presence import Presence
from xmpptui.model.room import Bookmark, Room, RoomState
from xmpptui.session import RoomError
from xmpptui.xmpp.context import SessionContext
from xmpptui.xmpp.rooms.address import parse_room_address
from xmpptui.xmpp.rooms.outbox import RoomOutbox
from xmpptui.xmpp.rooms.writer import RoomWriter
from xmpptui.xmpp.stanzas import Iq, PresenceStanza, muc, muc_requests
from xmpptui.xmpp.transport import IqError, IqTimeout

log = logging.getLogger(__name__)

SELF_PING_INTERVAL = 300.0
"""Seconds between checks that we are still in each joined room (XEP-0410)."""

_JOIN_TRIES = 2
"""Join requests sent to a room that does not answer before we give up and say so."""
_UNASKED_REJOINS_A_MINUTE = 2
"""How often a room may drop us without a reason and be joined again before we leave it be."""


class RoomJoining:
    def __init__(self, ctx: SessionContext, writer: RoomWriter, outbox: RoomOutbox, *, default_nick: str,
                 room_info: Callable[[str], Awaitable[Iq]], self_ping_interval: float = SELF_PING_INTERVAL) -> None:
        self._ctx = ctx
        self._writer = writer
        self._outbox = outbox
        self._default_nick = default_nick
        self._room_info = room_info
        """The room's disco#info; raises IqError or IqTimeout."""
        self._self_ping_interval = self_ping_interval
        self._self_ping: asyncio.TimerHandle | None = None
        self._dormant: set[str] = set()
        """Rooms we were in when the user went offline: joined again when they come back."""
        self._join_watch: dict[str, asyncio.TimerHandle] = {}
        """Per room being joined: the timer that gives up waiting for the room's answer."""
        self._join_tries: dict[str, int] = {}
        self._rejoins: dict[str, list[float]] = {}
        """Per room: when it last dropped us without a reason and we joined again (monotonic clock)."""

    def is_dormant(self, room_jid: str) -> bool:
        """We were in the room when the user went offline (and join it again when they are back)."""
        return room_jid in self._dormant

    # Joining ------------------------------------------------------------------------------------------------

    def join(self, address: str, password: str = "") -> Room:
        """Join (or rejoin) a room; the outcome arrives as presence. Offline, the join waits for the session."""
        parsed = parse_room_address(address)
        nick = parsed.nick or self._default_nick
        room = self._ctx.state.rooms.get(parsed.room)
        if room is not None and room.joined:
            self._writer.open(room.jid, ConversationKind.GROUPCHAT, True)
            self._ctx.emit(ConversationOpened(room.jid, by_user=True))  # (again, to show it)
            if room.nick != nick and self._ctx.online:
                self._send_presence_as(room, nick)  # already in: a nick change, the occupant list stays
            return room
        if room is None:
            room = self._ctx.state.rooms.add(Room(parsed.room, nick, password))
        room.nick, room.password, room.state, room.error = nick, password or room.password, RoomState.JOINING, ""
        room.clear_occupants()
        self._writer.open(room.jid, ConversationKind.GROUPCHAT, True)
        self._writer.changed(room.jid)
        if self._ctx.online:
            self._send_join(room)
        self._schedule_self_ping()
        return room

    def autojoin(self, bookmark: Bookmark) -> None:
        """Join a bookmarked room on login (or when another client of ours asks for it), unless it is held."""
        if bookmark.room in self._ctx.state.rooms:
            return
        room = self._ctx.state.rooms.add(Room(bookmark.room, bookmark.nick or self._default_nick,
                                              bookmark.password))
        self._writer.open(room.jid, ConversationKind.GROUPCHAT, False)
        self._writer.changed(room.jid)
        self._send_join(room)
        self._schedule_self_ping()

    def _send_join(self, room: Room, own: Presence | None = None) -> None:
        client = self._ctx.client
        assert client is not None
        presence = self._with_own_show(client.make_presence(pto=room.occupant_jid(room.nick)), own)
        conversation = self._ctx.state.conversations.get(room.jid)
        latest = max((m.timestamp for m in conversation.messages if m.kind is MessageKind.GROUPCHAT
                      and m.state is not DeliveryState.PENDING), default=None) if conversation is not None else None
        # Rejoining: only what was said since the last message we hold (our messages still pending are not held
        # by the room yet, or come back in this history and are so known to have arrived).
        muc_requests.fill_join(presence.xml, room.password, None if latest is None else latest + 0.001)
        presence.send()
        if room.jid not in self._join_watch:
            self._watch_join(room)

    def _watch_join(self, room: Room) -> None:
        """A join the room never answers is tried again, then given up on in words (never left hanging)."""
        self.answered(room.jid)
        self._join_watch[room.jid] = asyncio.get_running_loop().call_later(
            self._ctx.timeout * 2, self._join_unanswered, room.jid)

    def answered(self, room_jid: str) -> None:
        """The room answered our join (took us in, or refused): no more waiting for it."""
        timer = self._join_watch.pop(room_jid, None)
        if timer is not None:
            timer.cancel()
        self._join_tries.pop(room_jid, None)

    def _join_unanswered(self, room_jid: str) -> None:
        self._join_watch.pop(room_jid, None)
        room = self._ctx.state.rooms.get(room_jid)
        if room is None or room.state is not RoomState.JOINING or not self._ctx.online:
            return  # answered, left, or the session is gone (a new one joins again)
        tries = self._join_tries.get(room_jid, 1)
        if tries >= _JOIN_TRIES:
            self.join_failed(room, f"{room.jid} did not answer our request to join ({tries} tries): not in the "
                                   "room; /join it to try again")
            return
        self._writer.line(room, f"{room.jid} did not answer our request to join: trying again")
        self._send_join(room)
        self._join_tries[room_jid] = tries + 1

    def join_failed(self, room: Room, reason: str) -> None:
        """We are not in the room and will not be without the user: say why, and fail what waited to be sent."""
        self.answered(room.jid)
        room.state, room.error = RoomState.LEFT, reason
        room.clear_occupants()
        self._writer.line(room, reason, MessageKind.ERROR)
        self._outbox.fail_waiting(room, reason)
        self._writer.changed(room.jid)

    # Joining again ------------------------------------------------------------------------------------------

    def rejoin_all(self) -> None:
        """A new session (not a resumed stream): the server forgot our rooms, so join them again."""
        for room in self._ctx.state.rooms:
            if room.state is not RoomState.LEFT:
                self.rejoin(room)

    def may_rejoin(self, room_jid: str) -> bool:
        """At most a few unasked rejoins of one room a minute: a room that keeps dropping us is left alone."""
        now = time.monotonic()
        recent = [t for t in self._rejoins.get(room_jid, []) if now - t < 60]
        self._rejoins[room_jid] = [*recent, now]
        return len(recent) < _UNASKED_REJOINS_A_MINUTE

    def rejoin(self, room: Room, why: str = "") -> None:
        """Join a room we were in again, but only if it still exists: joining a room that vanished while we were
        away would create it, and creating a room is the user's decision (asked when they /join)."""
        room.state = RoomState.JOINING
        room.clear_occupants()
        if why:
            self._writer.line(room, why)
        self._writer.changed(room.jid)
        self._ctx.spawn(self._rejoin_if_exists(room), f"joining {room.jid} again")

    async def _rejoin_if_exists(self, room: Room) -> None:
        try:
            # What it says of itself stands for this join (known before its history is filed, not asked again).
            room.features = muc.features(await self._room_info(room.jid))
        except IqError as exc:
            if muc.error_condition(exc.iq)[0] in ("item-not-found", "gone"):
                self.join_failed(room, f"{room.jid} no longer exists (it was destroyed, or expired while you were "
                                       "away): not joined again; /join it to create it anew")
                return
            log.info("disco#info of %s before rejoining: %r; joining anyway", room.jid, exc)
        except IqTimeout:
            log.info("no disco#info answer from %s before rejoining; joining anyway", room.jid)
        client = self._ctx.client
        if room.state is RoomState.JOINING and client is not None and client.transport is not None:
            self._send_join(room)

    def _schedule_self_ping(self) -> None:
        if self._self_ping is None:
            self._self_ping = asyncio.get_running_loop().call_later(self._self_ping_interval, self.self_ping)

    def self_ping(self) -> None:
        """XEP-0410: ask each joined room whether we are still in it; a room that dropped us without a word
        (a restart, a lost server-to-server link) is joined again. Runs while any room is held."""
        self._self_ping = None
        if not len(self._ctx.state.rooms):
            return
        self._schedule_self_ping()
        if not self._ctx.online:
            return
        client = self._ctx.client
        assert client is not None
        for room in self._ctx.state.rooms:
            if room.joined:
                iq = client.make_iq_get(ito=room.occupant_jid(room.nick))
                muc_requests.fill_ping(iq.xml)
                iq.send(timeout=self._ctx.timeout).add_done_callback(
                    lambda done, jid=room.jid, nick=room.nick: self._self_pinged(jid, nick, done))

    def _self_pinged(self, room_jid: str, nick: str, done: asyncio.Future[Any]) -> None:
        if done.cancelled() or not isinstance(done.exception(), IqError):
            return  # answered (we are in), or no answer (nothing can be concluded)
        error = done.exception()
        assert isinstance(error, IqError)
        condition, _ = muc.error_condition(error.iq)
        room = self._ctx.state.rooms.get(room_jid)
        if condition not in ("not-acceptable", "item-not-found") or room is None or not room.joined \
                or room.nick != nick:
            return  # service-unavailable, feature-not-implemented: in the room, the occupant just cannot pong
        log.info("self-ping: no longer in %s (%s); rejoining", room_jid, condition)
        self.rejoin(room, "the room had dropped you without notice: joining again")

    # Our presence, leaving ----------------------------------------------------------------------------------

    def own_presence_sent(self, presence: Presence) -> None:
        """Rooms get our presence only when we address it to them: going offline takes us out of every
        room (the server tells them); coming back joins them again; a new show or status is sent to each."""
        for room in self._ctx.state.rooms:
            if not presence.available:
                if room.state is not RoomState.LEFT:
                    self._dormant.add(room.jid)
                    room.state = RoomState.LEFT
                    room.clear_occupants()
                    self._writer.line(room, "you went offline: out of the room until you are back")
                    self._writer.changed(room.jid)
            elif room.jid in self._dormant:
                room.state = RoomState.JOINING
                self._writer.changed(room.jid)
                self._send_join(room, presence)
            elif room.joined:
                self._send_presence_as(room, room.nick, presence)
        if presence.available:
            self._dormant.clear()

    def leave(self, room_jid: str, reason: str = "") -> None:
        room = self._ctx.state.rooms.get(room_jid)
        if room is None or room.state is RoomState.LEFT:
            raise RoomError(f"you are not in {room_jid}")
        if self._ctx.online:
            assert self._ctx.client is not None
            self._ctx.client.send_presence(pto=room.occupant_jid(room.nick), ptype="unavailable",
                                           pstatus=reason or None)
        room.state, room.error = RoomState.LEFT, ""
        room.clear_occupants()
        self._writer.line(room, f"you left {room.jid}" + (f" ({reason})" if reason else ""))
        self._writer.changed(room.jid)

    def conversation_closed(self, room_jid: str) -> Room | None:
        """Closing a room's conversation leaves the room, and lets it go: the room, if it was one."""
        room = self._ctx.state.rooms.remove(room_jid)
        if room is not None and room.state is not RoomState.LEFT and self._ctx.online:
            assert self._ctx.client is not None
            self._ctx.client.send_presence(pto=room.occupant_jid(room.nick), ptype="unavailable")
        return room

    def change_nick(self, room_jid: str, nick: str) -> None:
        room, _ = self._writer.room_for_command(room_jid)
        if not nick.strip():
            raise RoomError("usage: /nick NEWNICK")
        self._send_presence_as(room, nick.strip())

    def _send_presence_as(self, room: Room, nick: str, own: Presence | None = None) -> None:
        client = self._ctx.client
        assert client is not None
        self._with_own_show(client.make_presence(pto=room.occupant_jid(nick)), own).send()

    def _with_own_show(self, presence: PresenceStanza, own: Presence | None = None) -> PresenceStanza:
        """Our show and status (as the server last echoed them, unless given) on a presence to a room."""
        own = own or self._ctx.state.own_presence
        if own.available and own.show.wire:
            presence["show"] = own.show.wire
        if own.available and own.status:
            presence["status"] = own.status
        return presence
