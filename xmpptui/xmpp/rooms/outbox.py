"""Our room messages that wait for their room: typed while the session or the room was being got back (an
outage, a rejoin, after going offline), or still pending when the app last stopped. They go once the join is
complete, which the room's first subject marks (XEP-0045 7.2.15): by then its history showed what had arrived."""

from __future__ import annotations

from xmpptui.model.conversation import ChatMessage, ConversationKind, DeliveryState
from xmpptui.model.events import MessageAdded
from xmpptui.model.room import Room
from xmpptui.xmpp.context import SessionContext
from xmpptui.xmpp.rooms.writer import RoomWriter
from xmpptui.xmpp.stanzas import files, messaging


class RoomOutbox:
    def __init__(self, ctx: SessionContext, writer: RoomWriter) -> None:
        self._ctx = ctx
        self._writer = writer
        self._waiting: dict[str, list[ChatMessage]] = {}
        """Per room: our messages typed while we were not (yet, or again) in it, sent once the join completes."""
        self._awaiting_subject: set[str] = set()
        """Rooms whose first subject (the one that completes a join) has not come yet."""

    def joined(self, room_jid: str) -> None:
        """The room took us in: what waits for it goes with its first subject."""
        self._awaiting_subject.add(room_jid)

    def subject_arrived(self, room: Room) -> bool:
        """A subject came from the room: True when it was the first since joining (the join is complete, and
        what waited is sent now)."""
        first = room.jid in self._awaiting_subject
        self._awaiting_subject.discard(room.jid)
        if first:
            self._send_waiting(room)
        return first

    def queue(self, message: ChatMessage) -> None:
        """Send one of our room messages now if we are in its room, else once the join completes."""
        room = self._ctx.state.rooms.get(message.conversation)
        if room is None:
            self._writer.fail(message, f"not sent: you are not in {message.conversation}")
        elif self._ctx.online and room.joined and room.jid not in self._awaiting_subject:
            self._transmit(room, message)
        else:
            self._waiting.setdefault(room.jid, []).append(message)

    def restore(self, room: Room, message: ChatMessage) -> None:
        """A message still pending when the app last stopped, shown again and sent once we are in `room` (its
        room, joined again as the nick it was written under), unless the room's history shows it had arrived."""
        conversation = self._writer.open(room.jid, ConversationKind.GROUPCHAT, False)
        conversation.add(message)
        self._ctx.emit(MessageAdded(message))
        self._waiting.setdefault(room.jid, []).append(message)

    def stream_resumed(self) -> None:
        """The server kept our session, and with it our rooms: what waited for them goes now."""
        for room in self._ctx.state.rooms:
            if room.joined and room.jid not in self._awaiting_subject:
                self._send_waiting(room)

    def fail_waiting(self, room: Room, reason: str) -> None:
        """We are not in the room and will not be without the user: what waited for it is failed, saying why."""
        for message in self._waiting.pop(room.jid, []):
            if message.state is DeliveryState.PENDING:
                self._writer.fail(message, f"not sent: {reason}")

    def _send_waiting(self, room: Room) -> None:
        for message in self._waiting.pop(room.jid, []):
            if message.state is DeliveryState.PENDING:  # (the room's history may have shown that it arrived)
                self._transmit(room, message)

    def _transmit(self, room: Room, message: ChatMessage) -> None:
        client = self._ctx.client
        assert client is not None
        stanza = client.make_message(mto=room.jid, mbody=message.body, mtype="groupchat")
        stanza["id"] = message.id
        if message.attachment is not None:
            files.fill(stanza.xml, message.attachment)
        if message.reply_to is not None:
            messaging.fill_reply(stanza.xml, message.reply_to, message.reply_to.to.partition("/")[2])
        stanza.send()
