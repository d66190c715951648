"""What peers send us in one-to-one chat: messages (in the order the server delivers them, each once), their
corrections (XEP-0308), receipts, markers and chat states about ours, carbons of our other clients' messages
(XEP-0280) and bounces of ours."""

from __future__ import annotations

import logging

from xmpptui.model import jid as jids
from xmpptui.model.conversation import ChatMessage, Conversation, DeliveryState, Direction, MessageKind
from xmpptui.model.events import (
    ChatStateChanged,
    MessageAdded,
    MessagesInserted,
    MessageUpdated,
    Severity,
    UnreadChanged,
)
from xmpptui.xmpp.chat.reports import ChatReports
from xmpptui.xmpp.chat.sending import ChatSending
from xmpptui.xmpp.context import SessionContext
from xmpptui.xmpp.conversations import Conversations
from xmpptui.xmpp.message_updates import MessageUpdates
from xmpptui.xmpp.stanzas import Message, translate
from xmpptui.xmpp.transport import IqError, IqTimeout

log = logging.getLogger(__name__)


class ChatReceiving:
    """Files incoming chat into `ClientState.conversations` (the router has checked who sent it)."""

    def __init__(self, ctx: SessionContext, conversations: Conversations, sending: ChatSending,
                 reports: ChatReports, updates: MessageUpdates) -> None:
        self._ctx = ctx
        self._updates = updates
        self._state = ctx.state
        self._clock = ctx.clock
        self._conversations = conversations
        self._sending = sending
        self._reports = reports
        self._resent_at: dict[str, int] = {}
        """Per conversation, since the stream was last resumed: where the next resent message goes."""

    async def enable_carbons(self) -> None:
        """Ask for copies of what our other clients send and receive (XEP-0280)."""
        assert self._ctx.client is not None
        try:
            await self._ctx.client.plugin["xep_0280"].enable(timeout=self._ctx.timeout)
        except (IqError, IqTimeout) as exc:
            log.info("carbons not enabled: %r", exc)

    def stream_resumed(self) -> None:
        """The server kept our session and resends what we had not acknowledged; it may first deliver what
        reached it meanwhile (ejabberd does). Each conversation's place at this moment is where those resent
        messages go, in the order they come, before anything live that overtook them."""
        self._resent_at = {conversation.jid: len(conversation.messages) for conversation in self._state.conversations}

    def new_session(self) -> None:
        self._resent_at = {}

    def _resent_place(self, conversation: Conversation, message: ChatMessage) -> int | None:
        """Where a resent (delayed) message goes when live ones of this resumed stream overtook it; None: at
        the end, as delivered."""
        mark = self._resent_at.get(conversation.jid)
        if not message.delayed or mark is None or mark > len(conversation.messages):
            return None
        if not any(m.direction is Direction.IN and not m.delayed for m in conversation.messages[mark:]):
            self._resent_at[conversation.jid] = len(conversation.messages) + 1
            return None
        self._resent_at[conversation.jid] = mark + 1
        return mark

    def on_chat(self, bare_jid: str, incoming: translate.IncomingMessage) -> None:
        """A message from `bare_jid` (not us, not blocked, not a room): reports about ours, a correction, or a
        message of its own."""
        existing = self._state.conversations.get(bare_jid)
        if existing is not None:
            self._on_reports(existing, incoming)
        if incoming.about is not None:  # (about the peer's messages or ours: `apply` checks whose it may change)
            self._updates.apply(bare_jid, incoming.about, author=Direction.IN.value, reactor=bare_jid)
            return
        if not incoming.body:
            return
        if incoming.replaces and existing is not None:
            self._on_correction(existing, incoming)
            return
        if incoming.replaces and incoming.delayed and self._conversations.keeps(bare_jid):
            # The server's offline copy of a correction the login's archive catch-up applied to the history
            # already (the conversation is not open, so the message it names is only there); never a new line.
            self._updates.correct(bare_jid, incoming.replaces, Direction.IN.value, incoming.body,
                                  incoming.timestamp, archived=True)
            return
        if not self._conversations.may_open(bare_jid):
            self._ctx.notice("stranger-flood", f"message from {bare_jid} dropped: too many conversations with "
                                               "people outside your roster are open", Severity.WARNING)
            return
        conversation = self._conversations.open(bare_jid, by_user=False)
        if conversation.seen_before(incoming.stanza_id or incoming.id, incoming.body):
            return  # delivered again (a resumed stream resends what it was not sure we had)
        if incoming.kind in (MessageKind.CHAT, MessageKind.NORMAL):
            conversation.reply_to = incoming.sender if jids.resource(incoming.sender) else ""
            if incoming.thread:
                conversation.thread = incoming.thread
        message = ChatMessage(conversation=conversation.jid, sender=self._ctx.display_name(bare_jid),
                              body=incoming.body, timestamp=incoming.timestamp, direction=Direction.IN,
                              kind=incoming.kind, id=incoming.id, delayed=incoming.delayed,
                              stanza_id=incoming.stanza_id, markable=incoming.markable,
                              attachment=incoming.attachment, reply_to=incoming.reply,
                              received=self._clock() if incoming.delayed else None)
        place = self._resent_place(conversation, message)
        if place is None:
            conversation.add(message)  # in the order the server delivers, delayed ones (resent, offline) too
        else:
            conversation.insert_at(place, message)
        self._conversations.persist(message)
        conversation.unread += 1
        self._ctx.emit(MessageAdded(message) if place is None else MessagesInserted(conversation.jid))
        self._ctx.emit(UnreadChanged(bare_jid, conversation.unread))
        if incoming.receipt_requested and incoming.id and self._ctx.may_report(bare_jid):
            self._reports.send_receipt(incoming.sender, incoming.id)

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
            self._ctx.emit(ChatStateChanged(conversation.jid))

    def _advance(self, message: ChatMessage, state: DeliveryState) -> None:
        if message.advance(state):
            self._sending.delivered(message)
            self._conversations.store_update(message)
            self._ctx.emit(MessageUpdated(message))

    def _on_correction(self, conversation: Conversation, incoming: translate.IncomingMessage) -> None:
        """XEP-0308: the peer replaced one of its recent messages; a correction of anything else is shown as a
        message of its own, so that nothing the peer wrote is hidden (one of a retracted message: nothing)."""
        if self._updates.correct(conversation.jid, incoming.replaces, Direction.IN.value, incoming.body,
                                 incoming.timestamp):
            return
        message = ChatMessage(conversation=conversation.jid, sender=self._ctx.display_name(conversation.jid),
                              body=incoming.body, timestamp=incoming.timestamp, id=incoming.id,
                              stanza_id=incoming.stanza_id, markable=incoming.markable, edited=True,
                              attachment=incoming.attachment)
        conversation.add(message)
        self._conversations.persist(message)
        conversation.unread += 1
        self._ctx.emit(MessageAdded(message))
        self._ctx.emit(UnreadChanged(conversation.jid, conversation.unread))

    def on_carbon(self, stanza: Message, sent: bool) -> None:
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
        if incoming is None or incoming.kind not in (MessageKind.CHAT, MessageKind.NORMAL):
            return
        peer = inner.xml.get("to", "") if sent else incoming.sender
        bare_jid = jids.bare(peer)
        if not bare_jid or bare_jid == self._state.jid or not self._conversations.may_open(bare_jid):
            return
        if incoming.about is not None and bare_jid not in self._state.rooms:
            self._updates.apply(bare_jid, incoming.about, author=(Direction.OUT if sent else Direction.IN).value,
                                reactor=self._state.jid if sent else bare_jid)
            return
        if not incoming.body:
            return
        if bare_jid in self._state.rooms:
            return  # another client's private message through a room: not ours to show in the room
        # A correction our other client sent may replace only our messages; one it received, only the peer's.
        if incoming.replaces and self._updates.correct(bare_jid, incoming.replaces, (Direction.OUT if sent else
                                                       Direction.IN).value, incoming.body, incoming.timestamp):
            return
        conversation = self._conversations.open(bare_jid, by_user=False)
        if conversation.seen_before(incoming.stanza_id or incoming.id, incoming.body):
            return  # the archive catch-up brought it already (the copy waited for it)
        if incoming.thread:
            conversation.thread = incoming.thread
        sender = self._state.jid if sent else self._ctx.display_name(bare_jid)
        message = ChatMessage(conversation=conversation.jid, sender=sender, body=incoming.body,
                              timestamp=incoming.timestamp,
                              direction=Direction.OUT if sent else Direction.IN, kind=incoming.kind, id=incoming.id,
                              state=DeliveryState.SENT if sent else DeliveryState.NONE, delayed=incoming.delayed,
                              carbon=True, stanza_id=incoming.stanza_id, attachment=incoming.attachment,
                              reply_to=incoming.reply)
        conversation.add(message)
        self._conversations.persist(message)
        self._ctx.emit(MessageAdded(message))
        if not sent:
            conversation.unread += 1
            self._ctx.emit(UnreadChanged(bare_jid, conversation.unread))

    def on_bounce(self, bare_jid: str, incoming: translate.IncomingMessage) -> None:
        conversation = self._state.conversations.get(bare_jid)
        sent = conversation.find_sent(incoming.id) if conversation is not None and incoming.id else None
        if sent is not None:
            self._sending.failed(sent, incoming.error)
            return
        if conversation is None:
            # An error about nothing we sent, from someone we are not talking to: nothing to attach it to,
            # and opening conversations for such bounces would let anyone flood the UI.
            log.info("error bounce from %r about no message of ours ignored", bare_jid)
            return
        message = ChatMessage(conversation=conversation.jid, sender=bare_jid, body=incoming.error,
                              timestamp=incoming.timestamp, kind=MessageKind.ERROR, id=incoming.id)
        conversation.add(message)
        self._conversations.persist(message)
        self._ctx.emit(MessageAdded(message))
