"""Our messages on their way: shown at once, sent when online (held in the outbox while not, and across
restarts), followed until the server acknowledges them (XEP-0198), sent again after a lost session unless the
archive shows they arrived, failed with the reason when they cannot go; corrections (XEP-0308) and retries."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

from xmpptui.model import jid as jids
from xmpptui.model.conversation import (
    Attachment,
    ChatMessage,
    ConversationKind,
    DeliveryState,
    Direction,
    MessageKind,
    Reply,
)
from xmpptui.model.events import MessageAdded, MessageUpdated
from xmpptui.session import ConversationError
from xmpptui.xmpp.chat.reports import ChatReports
from xmpptui.xmpp.context import SessionContext
from xmpptui.xmpp.conversations import Conversations
from xmpptui.xmpp.stanzas import files, messaging, outgoing

_ACK_POLL, _ACK_POLL_MAX = 0.05, 5.0
_MAX_STRIKES = 2


class ChatSending:
    """The outbox and the messages awaiting the server's ack. Group chat messages to resend or restore go to the
    room service (`queue_in_room`, `restore_in_room`, given by the façade): a room takes them once joined."""

    def __init__(self, ctx: SessionContext, conversations: Conversations, reports: ChatReports,
                 queue_in_room: Callable[[ChatMessage], None], restore_in_room: Callable[[ChatMessage], None]) -> None:
        self._ctx = ctx
        self._state = ctx.state
        self._clock = ctx.clock
        self._conversations = conversations
        self._reports = reports
        self._queue_in_room = queue_in_room
        self._restore_in_room = restore_in_room
        self._outbox: list[ChatMessage] = []
        """Our messages not yet sent, in order: typed while offline, or left unacknowledged by a lost session."""
        self._unacked: dict[str, ChatMessage] = {}
        """Sent on the current stream, by stanza id, until the server acknowledges them."""
        self._ack_poll: asyncio.TimerHandle | None = None
        self._strikes: dict[str, int] = {}
        """Message id -> how many streams the server ended with an error while it was unacknowledged."""
        self._stream_ended_by = ""
        """The last stream error the server ended our stream with (said when a message is failed for it)."""

    def waiting(self) -> list[ChatMessage]:
        """Our messages waiting to be sent (again)."""
        return list(self._outbox)

    def requeue_unacked(self) -> None:
        """A new session (not a resumed one): what the old one never had acknowledged is sent again (unless the
        catch-up finds it in the archive, or the server ended a stream each time it was in flight)."""
        unacked = list(self._unacked.values())
        self._unacked.clear()
        self._outbox[:0] = [message for message in unacked if not self._struck_out(message)]

    def requeue_lost(self, tracked: set[str]) -> None:
        """A resumed stream: the server's stream management resends what it tracked (`tracked`, by stanza id);
        ours it never tracked (still in the send queue when the connection died) go out again."""
        lost = [message for message_id, message in self._unacked.items() if message_id not in tracked]
        for message in lost:
            del self._unacked[message.id]
        self._outbox[:0] = lost

    def send_outbox(self) -> None:
        """Online: what waited goes out, in order."""
        outbox, self._outbox = self._outbox, []
        for message in outbox:
            if message.state is DeliveryState.PENDING:  # (the archive catch-up may have shown it arrived)
                self._transmit(message)

    def delivered(self, message: ChatMessage) -> None:
        """The peer has it: the server certainly does."""
        self._unacked.pop(message.id, None)

    async def restore_outbox(self) -> None:
        """Messages still pending when the app last stopped are shown and sent again."""
        if self._conversations.history is None or self._outbox:
            return
        for message in await self._conversations.history.pending_outgoing(self._state.jid):
            if message.kind is MessageKind.GROUPCHAT:
                self._restore_in_room(message)  # sent to its room, once we are in it again
                continue
            conversation = self._conversations.open(message.conversation, by_user=False)
            conversation.add(message)
            self._outbox.append(message)
            self._ctx.emit(MessageAdded(message))

    async def send_chat(self, to: str, body: str, attachment: Attachment | None = None,
                        reply_to: Reply | None = None) -> None:
        if self._ctx.client is not None:
            self._ctx.client.check_outgoing(body)
        bare_jid = jids.bare(to)
        conversation = self._conversations.open(bare_jid, by_user=True)
        if jids.resource(to):
            conversation.reply_to = to
        message_id = uuid.uuid4().hex
        message = ChatMessage(conversation=conversation.jid, sender=self._state.jid, body=body, timestamp=self._clock(),
                              direction=Direction.OUT, kind=MessageKind.CHAT, id=message_id,
                              state=DeliveryState.PENDING, attachment=attachment, reply_to=reply_to)
        conversation.add(message)
        self._conversations.persist(message)
        self._ctx.emit(MessageAdded(message))
        if self._ctx.online:
            self._transmit(message)
        else:
            self._outbox.append(message)  # sent when the session is back; shown as pending meanwhile

    def _transmit(self, message: ChatMessage) -> None:
        """Put one of our messages on the wire, to the conversation's current address, in its thread."""
        assert self._ctx.client is not None
        conversation = self._state.conversations.get(message.conversation)
        address = conversation.address if conversation is not None else message.conversation
        stanza = self._ctx.client.make_message(mto=address, mbody=message.body, mtype="chat")
        stanza["id"] = message.id
        if conversation is not None:
            stanza["thread"] = conversation.thread
        self._decorate(stanza.xml, message.id, message.conversation)
        if message.attachment is not None:
            files.fill(stanza.xml, message.attachment)
        if message.reply_to is not None:
            messaging.fill_reply(stanza.xml, message.reply_to, message.reply_to.to.partition("@")[0])
        self._unacked[message.id] = message
        stanza.send()
        if not self._ctx.client.plugin["xep_0198"].enabled_out:
            self.acked(message)  # no stream management: written is as far as we can know
        elif self._ack_poll is None:
            self._ack_poll = asyncio.get_running_loop().call_later(_ACK_POLL, self._poll_acks, _ACK_POLL)

    def _decorate(self, xml: Any, message_id: str, bare_jid: str, replaces: str = "") -> None:
        outgoing.fill_message(xml, message_id, replaces, active=self._reports.end_composing(bare_jid))

    async def correct_last(self, jid: str, body: str) -> None:
        """Replace the text of our last message in the conversation with `jid` (XEP-0308), here and there."""
        conversation = self._state.conversations.get(jid)
        original = conversation.last_sent() if conversation is not None else None
        if original is None or not original.id:
            raise ConversationError("there is no message of yours to correct in this conversation")
        client = self._ctx.require_online("the correction was not sent (your text is kept)")
        assert conversation is not None
        client.check_outgoing(body)
        in_room = conversation.kind is ConversationKind.GROUPCHAT
        stanza = client.make_message(mto=conversation.jid if in_room else conversation.address, mbody=body,
                                     mtype="groupchat" if in_room else "chat")
        stanza["id"] = uuid.uuid4().hex
        if not in_room:
            stanza["thread"] = conversation.thread
        self._decorate(stanza.xml, stanza["id"], jid, replaces=original.id)
        stanza.send()
        edit = original.correct(body, self._clock())
        self._conversations.store_correction(original, edit)
        self._ctx.emit(MessageUpdated(original))

    async def retry(self, jid: str) -> None:
        """Send the conversation's failed messages of ours again (each shown as pending until acked)."""
        conversation = self._state.conversations.get(jid)
        failed = [m for m in conversation.messages if m.direction is Direction.OUT and m.state is DeliveryState.FAILED
                  and not m.carbon] if conversation is not None else []
        if not failed:
            raise ConversationError("no failed message to send again in this conversation")
        for message in failed:
            message.state, message.error = DeliveryState.PENDING, ""
            self._conversations.store_update(message)
            self._ctx.emit(MessageUpdated(message))
            if message.kind is MessageKind.GROUPCHAT:
                self._queue_in_room(message)
            elif self._ctx.online:
                self._transmit(message)
            else:
                self._outbox.append(message)

    def _poll_acks(self, interval: float) -> None:
        """Ask the server again while messages wait for its ack: it answers an <r/> with what it has finished
        handling, and a message still being stored or routed is counted only in a later answer."""
        self._ack_poll = None
        plugin = self._ctx.client.plugin["xep_0198"] if self._ctx.client is not None else None
        if not self._unacked or plugin is None or not plugin.enabled_out or self._ctx.client.transport is None:
            return
        plugin.request_ack()
        interval = min(interval * 2, _ACK_POLL_MAX)
        self._ack_poll = asyncio.get_running_loop().call_later(interval, self._poll_acks, interval)

    def on_acked(self, stanza: Any) -> None:
        message = self._unacked.get(stanza.xml.get("id", "")) if stanza.xml.tag.endswith("message") else None
        if message is not None:
            self.acked(message)

    def count_strikes(self, reason: str) -> None:
        """The server ended the stream while these messages of ours were unacknowledged. A message that was in
        flight each of two times is the likely cause (a stanza the server will not take): it is failed instead
        of being sent once more, which would end the next stream too, and the next."""
        self._stream_ended_by = reason
        for message in self._unacked.values():
            self._strikes[message.id] = self._strikes.get(message.id, 0) + 1

    def _struck_out(self, message: ChatMessage) -> bool:
        if self._strikes.get(message.id, 0) < _MAX_STRIKES:
            return False
        del self._strikes[message.id]
        self.failed(message, "not sent again: the server closed the connection each time it was sent "
                              f"({self._stream_ended_by})")
        return True

    def failed(self, message: ChatMessage, error: str) -> None:
        message.state, message.error = DeliveryState.FAILED, error
        self._unacked.pop(message.id, None)
        self._conversations.store_update(message)
        self._ctx.emit(MessageUpdated(message))

    def acked(self, message: ChatMessage) -> None:
        self._unacked.pop(message.id, None)
        self._strikes.pop(message.id, None)
        if message.advance(DeliveryState.SENT):
            self._conversations.store_update(message)
            self._ctx.emit(MessageUpdated(message))
