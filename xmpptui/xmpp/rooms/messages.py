"""What is said in rooms: groupchat (ours reflected back, the room's join history deduplicated against what we
hold), private messages through a room, subjects, the room's errors for what we sent, and sending."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from xmpptui.model import jid as jids
from xmpptui.model import room as rooms_model
from xmpptui.model.conversation import (
    Attachment,
    ChatMessage,
    Conversation,
    ConversationKind,
    DeliveryState,
    Direction,
    MessageKind,
    Reply,
)
from xmpptui.model.events import InvitationReceived
from xmpptui.model.references import author_key
from xmpptui.model.room import Room, RoomState
from xmpptui.session import RoomError
from xmpptui.xmpp.context import SessionContext
from xmpptui.xmpp.message_updates import MessageUpdates
from xmpptui.xmpp.rooms.outbox import RoomOutbox
from xmpptui.xmpp.rooms.writer import RoomWriter
from xmpptui.xmpp.stanzas import Message, files, messaging, muc, muc_requests, translate

_HISTORY_LOOKBACK = 500
"""How many of the latest held messages room history on joining is checked against."""


def _held(conversation: Conversation, nick: str, incoming: translate.IncomingMessage) -> bool:
    """Whether a message of the room's join history is one we hold already (from the local history, or
    from before a rejoin): the same id, or the same sender, text and time."""
    for message in reversed(conversation.messages[-_HISTORY_LOOKBACK:]):
        if message.kind is not MessageKind.GROUPCHAT:
            continue
        if incoming.id and message.id == incoming.id and (message.body == incoming.body or message.edited):
            return True  # (a line corrected since shows its new text: the history repeats the old one)
        if message.body == incoming.body and message.sender == nick and \
                abs(message.timestamp - incoming.timestamp) < 1:
            return True
    return False


class RoomMessages:
    def __init__(self, ctx: SessionContext, writer: RoomWriter, outbox: RoomOutbox, updates: MessageUpdates, *,
                 is_dormant: Callable[[str], bool]) -> None:
        self._ctx = ctx
        self._updates = updates
        self._writer = writer
        self._outbox = outbox
        self._is_dormant = is_dormant
        """We were in the room when the user went offline: what they type waits for the rejoin."""
        self._actions: dict[str, tuple[str, str]] = {}
        """Stanza id -> (room, what we asked, in words) for requests whose refusal comes back as a message."""

    def expect_refusal(self, message_id: str, room_jid: str, action: str) -> None:
        """A request we send as a message (an invitation, a subject): a refusal with its id is said as `action`."""
        self._actions[message_id] = (room_jid, action)

    def invitation_received(self, invitation: muc.Invitation) -> None:
        self._ctx.emit(InvitationReceived(invitation.room, invitation.inviter, invitation.reason,
                                          invitation.password, invitation.mediated))

    # Receiving ----------------------------------------------------------------------------------------------

    def on_room_message(self, room: Room, stanza: Message) -> None:
        """A message from a room we hold, or one of its occupants (the router only hands us those)."""
        envelope = muc.envelope(stanza)
        kind = envelope.type or "normal"
        if kind == "error":
            self._on_message_error(room, stanza, envelope)
        elif kind == "groupchat":
            if room.state is not RoomState.LEFT:
                self._on_groupchat(room, stanza)
        elif jids.resource(envelope.sender):
            self._on_private(room, stanza)
        elif (asker := muc.voice_request_nick(stanza)) is not None:
            self._writer.line(room, f"{asker} asks for voice: /role {asker} participant gives it")
        else:
            invitation = muc.invitation(stanza)
            if invitation is not None:
                self.invitation_received(invitation)

    def _on_groupchat(self, room: Room, stanza: Message) -> None:
        incoming = translate.incoming_message(stanza, self._ctx.clock(), archive=room.jid)
        if incoming is None:
            return
        nick = jids.resource(incoming.sender)
        new_subject = muc.subject(stanza)
        if new_subject is not None:
            room.subject = new_subject
            first = self._outbox.subject_arrived(room)  # the first completes the join: what waited goes
            if not first and room.joined:
                said = f"{nick or 'the room'} changed the subject to: {new_subject}" if new_subject else \
                    f"{nick or 'the room'} cleared the subject"
                self._writer.line(room, said)
            self._writer.changed(room.jid)
            return
        occupant = incoming.occupant_id if room.offers_occupant_ids else ""
        if incoming.about is not None:
            # (a moderation only from the room itself; reactions and retractions only from an occupant)
            if nick or isinstance(incoming.about, messaging.Retraction):
                author = room.author(nick, occupant) if nick else ""
                self._updates.apply(room.jid, incoming.about, author=author, reactor=author, may_moderate=not nick)
            return
        if not incoming.body:
            if not incoming.delayed and not nick:  # the room's own word, not an occupant's
                for change in muc.configuration_changes(stanza):
                    self._writer.line(room, change)
            return
        conversation = self._ctx.state.conversations.get(room.jid)
        if conversation is None:
            conversation = self._writer.open(room.jid, ConversationKind.GROUPCHAT, False)
        if incoming.replaces and nick and self._corrected(room, conversation, nick, occupant, incoming):
            return
        if nick and nick == room.nick:
            sent = conversation.find_sent(incoming.id) if incoming.id else None
            if sent is None and not incoming.delayed:  # a room that rewrites ids: match our oldest pending text
                sent = next((m for m in conversation.messages[-_HISTORY_LOOKBACK:] if m.direction is Direction.OUT
                             and m.state is DeliveryState.PENDING and m.body == incoming.body), None)
            if sent is not None:
                if incoming.stanza_id and not sent.stanza_id:  # what others name it by, from now on
                    sent.stanza_id, sent.occupant_id = incoming.stanza_id, occupant
                    self._updates.ids_learned(room.jid, sent.id, sent.stanza_id, occupant)
                    if conversation.references.index(sent):
                        self._writer.updated(sent)
                if sent.state is DeliveryState.PENDING:  # our message, reflected by the room: it got there
                    sent.state = DeliveryState.SENT
                    self._writer.updated(sent)
                return
        if conversation.seen_before(incoming.id, incoming.body) or (incoming.delayed and
                                                                     _held(conversation, nick, incoming)):
            return  # the room's history repeats what we hold
        if not nick:
            self._writer.line(room, incoming.body)
            return
        if not incoming.delayed:
            room.active(nick)
        own = nick == room.nick
        mention = not own and rooms_model.mentions(incoming.body, room.nick)
        message = ChatMessage(conversation=room.jid, sender=nick, body=incoming.body, timestamp=incoming.timestamp,
                              direction=Direction.OUT if own else Direction.IN, kind=MessageKind.GROUPCHAT,
                              id=incoming.id, state=DeliveryState.SENT if own else DeliveryState.NONE,
                              delayed=incoming.delayed, mention=mention, stanza_id=incoming.stanza_id,
                              attachment=incoming.attachment, reply_to=incoming.reply, occupant_id=occupant,
                              received=self._ctx.clock() if incoming.delayed else None)
        self._writer.add(conversation, message, unread=not own and not incoming.delayed)

    def _corrected(self, room: Room, conversation: Conversation, nick: str, occupant: str,
                   incoming: translate.IncomingMessage) -> bool:
        """A correction (XEP-0308) of a line held: applied if it comes from that line's occupant (§6: the same
        occupant id where the room offers them, else the same nick). Ours, reflected by the room, names a line
        this client sent (and corrected already): the room gives our nick to no one else while we are in."""
        if nick == room.nick and (sent := conversation.find_sent(incoming.replaces)) is not None:
            self._updates.correct(room.jid, incoming.replaces, author_key(sent), incoming.body, incoming.timestamp)
            return True
        # One in the history the room sends on joining may name a line the local history is still being read
        # for: corrected there, and by the room's archive read next; never a line of its own.
        return self._updates.correct(room.jid, incoming.replaces, room.author(nick, occupant), incoming.body,
                                     incoming.timestamp, archived=incoming.delayed) or incoming.delayed

    def _on_private(self, room: Room, stanza: Message) -> None:
        incoming = translate.incoming_message(stanza, self._ctx.clock())
        if incoming is None or not incoming.body:
            return
        nick = jids.resource(incoming.sender)
        # The sender is the occupant's room JID, whatever real JID may be behind it.
        key = room.occupant_jid(nick)
        conversation = self._writer.open(key, ConversationKind.PRIVATE, False)
        if conversation.seen_before(incoming.id, incoming.body):
            return
        message = ChatMessage(conversation=key, sender=nick, body=incoming.body, timestamp=incoming.timestamp,
                              kind=MessageKind.CHAT, id=incoming.id, delayed=incoming.delayed,
                              attachment=incoming.attachment, reply_to=incoming.reply,
                              received=self._ctx.clock() if incoming.delayed else None)
        self._writer.add(conversation, message, unread=True)

    def _on_message_error(self, room: Room, stanza: Message, envelope: muc.Envelope) -> None:
        condition, server_text = muc.error_condition(stanza)
        for key in (room.jid, envelope.sender):
            conversation = self._ctx.state.conversations.get(key)
            sent = conversation.find_sent(envelope.id) if conversation is not None and envelope.id else None
            if sent is not None:
                self._writer.fail(sent, translate.error_text(stanza))
                return
        action = self._actions.pop(envelope.id, None)
        if action is not None:
            self._writer.line(room, muc.action_error_text(condition, action[1], server_text), MessageKind.ERROR)
        else:
            self._writer.line(room, f"the room reported an error: {translate.error_text(stanza)}", MessageKind.ERROR)

    # Sending ------------------------------------------------------------------------------------------------

    def send_groupchat(self, room_jid: str, body: str, attachment: Attachment | None = None,
                       reply_to: Reply | None = None) -> ChatMessage:
        """Send to a room we are in; while the session or the room is being got back (an outage, a rejoin, after
        going offline) it waits, pending, and goes once we are in again. Not in the room: refused at once."""
        room = self._ctx.state.rooms.get(room_jid)
        if room is None or (room.state is RoomState.LEFT and not self._is_dormant(room.jid)):
            why = f" ({room.error})" if room is not None and room.error else ""
            raise RoomError(f"you are not in {room_jid}{why}: /join it first")
        if self._ctx.client is not None:
            self._ctx.client.check_outgoing(body)
        conversation = self._writer.open(room.jid, ConversationKind.GROUPCHAT, True)
        message = ChatMessage(conversation=room.jid, sender=room.nick, body=body, timestamp=self._ctx.clock(),
                              direction=Direction.OUT, kind=MessageKind.GROUPCHAT, id=uuid.uuid4().hex,
                              state=DeliveryState.PENDING, attachment=attachment, reply_to=reply_to)
        self._writer.add(conversation, message)
        self._outbox.queue(message)
        return message

    def send_private(self, occupant_jid: str, body: str, attachment: Attachment | None = None) -> ChatMessage:
        room_jid, nick = jids.bare(occupant_jid), jids.resource(occupant_jid)
        room, client = self._writer.room_for_command(room_jid)
        if not nick:
            raise RoomError("a private message needs an occupant's nick")
        client.check_outgoing(body)
        key = room.occupant_jid(nick)
        conversation = self._writer.open(key, ConversationKind.PRIVATE, True)
        message = ChatMessage(conversation=key, sender=room.nick, body=body, timestamp=self._ctx.clock(),
                              direction=Direction.OUT, kind=MessageKind.CHAT, id=uuid.uuid4().hex,
                              state=DeliveryState.SENT, attachment=attachment)
        stanza = client.make_message(mto=key, mbody=body, mtype="chat")
        stanza["id"] = message.id
        muc_requests.fill_private_marker(stanza.xml)
        if attachment is not None:
            files.fill(stanza.xml, attachment)
        stanza.send()
        self._writer.add(conversation, message)
        return message

    def open_private(self, room_jid: str, nick: str) -> Conversation:
        room, _ = self._writer.room_for_command(room_jid)
        if nick not in room.occupants:
            raise RoomError(f"nobody called {nick} is in {room.jid}")
        return self._writer.open(room.occupant_jid(nick), ConversationKind.PRIVATE, True)

    def set_subject(self, room_jid: str, subject: str) -> None:
        room, client = self._writer.room_for_command(room_jid)
        stanza = client.make_message(mto=room.jid, mtype="groupchat")
        muc_requests.fill_subject(stanza.xml, subject)
        stanza["id"] = message_id = uuid.uuid4().hex
        self.expect_refusal(message_id, room.jid, "change the subject")
        stanza.send()
