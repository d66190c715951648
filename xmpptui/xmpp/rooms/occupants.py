"""Who is in each room: occupants' presence (joins, leaves, nick changes, new roles), floods of them kept
bounded, and our own presence in the room (joined, renamed, kicked, banned, dropped), said in words."""

from __future__ import annotations

import logging
from collections.abc import Callable

from xmpptui.model.conversation import ChatMessage, MessageKind
from xmpptui.model.events import MessageUpdated, RoomJoinFailed
from xmpptui.model.room import Affiliation, Occupant, OccupantFlood, Room, RoomState
from xmpptui.xmpp.context import SessionContext
from xmpptui.xmpp.rooms.joining import RoomJoining
from xmpptui.xmpp.rooms.outbox import RoomOutbox
from xmpptui.xmpp.rooms.writer import RoomWriter
from xmpptui.xmpp.stanzas import PresenceStanza, messaging, muc

log = logging.getLogger(__name__)

MAX_OCCUPANTS = 5000
"""Occupants held per room unless the account says otherwise (`max_room_occupants`)."""


def affiliation_words(affiliation: Affiliation) -> str:
    return {Affiliation.OWNER: "an owner", Affiliation.ADMIN: "an admin", Affiliation.MEMBER: "a member",
            Affiliation.OUTCAST: "banned", Affiliation.NONE: "unaffiliated"}[affiliation]


def removal_words(update: muc.OccupantPresence) -> str:
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


class RoomOccupants:
    def __init__(self, ctx: SessionContext, writer: RoomWriter, outbox: RoomOutbox, joining: RoomJoining, *,
                 accept_default_configuration: Callable[[Room], None], max_occupants: int = MAX_OCCUPANTS) -> None:
        self._ctx = ctx
        self._writer = writer
        self._outbox = outbox
        self._joining = joining
        self._accept_default_configuration = accept_default_configuration
        """A room we created may be locked until its owner configures it: the defaults are taken at once."""
        self._max_occupants = max(max_occupants, 1)
        self._floods: dict[str, tuple[OccupantFlood, ChatMessage | None]] = {}
        """Per room: its joins and leaves, and the summary line of the flood going on (if any)."""

    def forget(self, room_jid: str) -> None:
        """The room is let go (its conversation closed)."""
        self._floods.pop(room_jid, None)

    def on_room_presence(self, room: Room, stanza: PresenceStanza) -> None:
        """A presence from a room we hold (the router only hands us those)."""
        envelope = muc.envelope(stanza)
        if envelope.type == "error":
            self._on_presence_error(room, stanza, envelope.sender)
            return
        update = muc.occupant_presence(stanza)
        if update is None or room.state is RoomState.LEFT:
            return
        is_self = muc.SELF_PRESENCE in update.codes or (room.state is RoomState.JOINING and update.nick == room.nick)
        if is_self:
            room.occupant_id = messaging.occupant_id(stanza.xml) or room.occupant_id
            self._on_own_presence(room, update)
        else:
            self._on_occupant_presence(room, update)
        self._writer.changed(room.jid)

    def _on_presence_error(self, room: Room, stanza: PresenceStanza, sender: str) -> None:
        condition, server_text = muc.error_condition(stanza)
        _, _, nick = sender.partition("/")
        if room.state is RoomState.JOINING:
            reason = muc.join_error_text(condition, room.jid, room.nick, bool(room.password), server_text)
            self._joining.join_failed(room, reason)
            self._ctx.emit(RoomJoinFailed(room.jid, condition, reason, room.nick))
        elif room.joined:
            action = f"change your nick to {nick}" if nick and nick != room.nick else "change your presence"
            self._writer.line(room, muc.action_error_text(condition, action, server_text), MessageKind.ERROR)

    def _on_own_presence(self, room: Room, update: muc.OccupantPresence) -> None:
        if update.available:
            if room.state is RoomState.JOINING:
                room.state = RoomState.JOINED
                self._joining.answered(room.jid)
                self._outbox.joined(room.jid)
                created = muc.ROOM_CREATED in update.codes
                self._writer.line(room, f"you joined {room.jid} as {update.nick}"
                                  + (" (a new room: you own it)" if created else ""))
                if created:
                    self._accept_default_configuration(room)
                    self._writer.line(room, "room created with the default configuration; /configure to change it")
            room.nick = update.nick
            self._hold(room, Occupant(update.nick, update.role, update.affiliation, update.show, update.real_jid))
            return
        if muc.NICK_CHANGED in update.codes and update.new_nick:
            room.occupants.pop(update.nick, None)
            room.nick = update.new_nick
            self._writer.line(room, f"you are now known as {update.new_nick}")
            return
        removal = removal_words(update)
        if room.state is RoomState.JOINING:
            # Not an answer to our join (that is our available presence, or an error): the room ending an earlier
            # session of ours under the same full JID (a restart, a replaced session). The join goes on.
            log.info("%s: an unavailable presence for an earlier session of ours, ignored", room.jid)
            return
        if not (removal or update.destroyed or muc.SHUTDOWN in update.codes) and self._ctx.online \
                and self._joining.may_rejoin(room.jid):
            # We did not leave (leave() marks the room left first) and the room gives no reason: it dropped us
            # (an older session of ours with the same full JID ended, say). We join again.
            self._joining.rejoin(room, "the room took you out without saying why: joining again")
            return
        room.state = RoomState.LEFT
        room.clear_occupants()
        if removal:
            room.error = f"you were {removal}"
            self._writer.line(room, room.error, MessageKind.ERROR)
        elif update.destroyed:
            room.error = f"{room.jid} was destroyed" + (f" ({update.reason})" if update.reason else "")
            self._writer.line(room, room.error, MessageKind.ERROR)
        elif muc.SHUTDOWN in update.codes:
            room.error = "the chat service shut down: you are no longer in the room"
            self._writer.line(room, room.error, MessageKind.ERROR)
        self._outbox.fail_waiting(room, room.error or "you are no longer in the room")

    def _on_occupant_presence(self, room: Room, update: muc.OccupantPresence) -> None:
        occupant = room.occupants.get(update.nick)
        if not update.available:
            room.occupants.pop(update.nick, None)
            if muc.NICK_CHANGED in update.codes and update.new_nick:
                if occupant is not None:
                    occupant.nick = update.new_nick
                    room.occupants[update.new_nick] = occupant
                self._writer.line(room, f"{update.nick} is now known as {update.new_nick}")
                return
            removal = removal_words(update)
            if removal:
                self._writer.line(room, f"{update.nick} was {removal}")
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
            self._writer.line(room, f"{update.nick} is now a {update.role.value}")
        elif occupant.affiliation is not update.affiliation:
            self._writer.line(room, f"{update.nick} is now {affiliation_words(update.affiliation)}")

    def _hold(self, room: Room, occupant: Occupant) -> None:
        if room.hold(occupant, self._max_occupants) and room.forgotten <= 1:
            log.info("%s has more than %d occupants: the least recently active are let go", room.jid,
                     self._max_occupants)
            self._writer.line(room, f"more than {self._max_occupants} occupants: only the {self._max_occupants} "
                                    "most recently active are listed")

    def _occupant_line(self, room: Room, text: str, joined: bool) -> None:
        """A join or leave line; in a flood, one summary line counts the rest ("… and 240 more joined")."""
        conversation = self._ctx.state.conversations.get(room.jid)
        if conversation is None:
            return
        flood, summary = self._floods.get(room.jid, (None, None))
        if flood is None:
            flood = OccupantFlood()
        if flood.admit(self._ctx.clock(), joined):
            self._floods[room.jid] = (flood, None)
            self._writer.line(room, text, MessageKind.OCCUPANT)
            return
        if flood.counted == 1 or summary is None:
            summary = ChatMessage(conversation=room.jid, sender="", body=flood.summary(),
                                  timestamp=self._ctx.clock(), kind=MessageKind.OCCUPANT)
            self._floods[room.jid] = (flood, summary)
            self._writer.add(conversation, summary)
            return
        summary.body = flood.summary()
        self._ctx.emit(MessageUpdated(summary))
