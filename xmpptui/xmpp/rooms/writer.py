"""What every part of the rooms package writes through: lines into a room's conversation, our messages that
failed, and each change of a room (`RoomChanged`), which also tells the session when a room becomes joined and
when it stops being joined (the session starts and forgets the room's archive catch-up there)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from xmpptui.model.conversation import ChatMessage, Conversation, ConversationKind, DeliveryState, MessageKind
from xmpptui.model.events import MessageAdded, MessageUpdated, RoomChanged, UnreadChanged
from xmpptui.model.room import Room
from xmpptui.session import RoomError
from xmpptui.xmpp.context import SessionContext

if TYPE_CHECKING:
    from xmpptui.xmpp.transport.client import Client

OpenConversation = Callable[[str, ConversationKind, bool], Conversation]
"""(jid, kind, by the user) -> the conversation, opened (and said to be) if it was not."""


class RoomWriter:
    """Writes rooms' lines and changes for every part; the parts share one."""

    def __init__(self, ctx: SessionContext, *, open_conversation: OpenConversation,
                 persist: Callable[[ChatMessage], None], store_update: Callable[[ChatMessage], None],
                 on_joined: Callable[[str], None], on_left: Callable[[str], None]) -> None:
        self._ctx = ctx
        self.open = open_conversation
        self._persist = persist
        self._store_update = store_update
        self._on_joined = on_joined
        self._on_left = on_left
        self._joined: set[str] = set()
        """Rooms said to be joined (on_joined) since they were last found not joined."""

    def add(self, conversation: Conversation, message: ChatMessage, unread: bool = False) -> None:
        conversation.add(message)
        if message.kind is not MessageKind.OCCUPANT:  # joins and leaves are not worth keeping
            self._persist(message)
        self._ctx.emit(MessageAdded(message))
        if unread:
            conversation.unread += 1
            if message.mention:
                conversation.mentions += 1
            self._ctx.emit(UnreadChanged(conversation.jid, conversation.unread))

    def line(self, room: Room, text: str, kind: MessageKind = MessageKind.NOTICE) -> None:
        """A line the client writes into the room's conversation (joins, kicks, errors)."""
        conversation = self._ctx.state.conversations.get(room.jid)
        if conversation is not None:
            self.add(conversation, ChatMessage(conversation=room.jid, sender="", body=text,
                                               timestamp=self._ctx.clock(), kind=kind))

    def updated(self, message: ChatMessage) -> None:
        """One of our messages changed state (sent, reflected, failed): stored, then said."""
        self._store_update(message)
        self._ctx.emit(MessageUpdated(message))

    def fail(self, message: ChatMessage, error: str) -> None:
        message.state, message.error = DeliveryState.FAILED, error
        self.updated(message)

    def changed(self, room_jid: str) -> None:
        """The room changed: said to the UI; then a room now joined is said joined (once per join), and a room
        not joined (left, being joined again, or gone) is said left, on every such change as before: whatever
        was learned about it meanwhile is forgotten."""
        self._ctx.emit(RoomChanged(room_jid))
        room = self._ctx.state.rooms.get(room_jid)
        if room is not None and room.joined:
            if room_jid not in self._joined:
                self._joined.add(room_jid)
                self._on_joined(room_jid)
        else:
            self.removed(room_jid)

    def removed(self, room_jid: str) -> None:
        """The room is no longer joined (or no longer held at all)."""
        self._joined.discard(room_jid)
        self._on_left(room_jid)

    def room_for_command(self, room_jid: str, joined: bool = True) -> tuple[Room, Client]:
        """The room a command of the user's is about, and the client to send with; in words when we are not in
        it (or do not hold it at all, with `joined=False`), NotConnected when offline."""
        room = self._ctx.state.rooms.get(room_jid)
        if room is None or (joined and not room.joined):
            raise RoomError(f"you are not in {room_jid}: /join it first")
        return room, self._ctx.require_online()
