"""What the user does to a message: reply to it (XEP-0461), react to it (XEP-0444), retract their own (XEP-0424),
remove someone's as a room moderator (XEP-0425). Reactions and retractions go out at once (they need the session:
a queued retraction would leave the text on other screens longer than the user believes) and apply here in the
same step, stored; the room's echo of them then changes nothing. Replies are messages, queued as any other."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from xmpptui.model.conversation import ChatMessage, Conversation, ConversationKind, Direction, Reply
from xmpptui.model.references import author_key, reference_id
from xmpptui.model.room import Room
from xmpptui.session import ConversationError, RoomError
from xmpptui.xmpp.context import SessionContext
from xmpptui.xmpp.message_updates import MessageUpdates
from xmpptui.xmpp.stanzas import Iq, messaging, translate

SendReply = Callable[[str, str, None, Reply], Awaitable[None]]
"""(conversation, body, no attachment, what it answers): the chat's or the room's way of sending a message."""


class Messaging:
    """`send_chat` and `send_groupchat` are the chat's and the rooms' (given by the façade)."""

    def __init__(self, ctx: SessionContext, updates: MessageUpdates, send_chat: SendReply,
                 send_groupchat: SendReply) -> None:
        self._ctx = ctx
        self._state = ctx.state
        self._updates = updates
        self._send_chat = send_chat
        self._send_groupchat = send_groupchat

    def _conversation(self, jid: str, message: ChatMessage) -> tuple[Conversation, str]:
        """The conversation `message` is in, and the id others name it by."""
        conversation = self._state.conversations.get(jid)
        if conversation is None or message.conversation != conversation.jid:
            raise ConversationError(f"that message is not in the conversation with {jid}")
        reference = reference_id(message)
        if not reference or message.retracted:
            why = "it was retracted" if message.retracted else "the server has not said yet under which id it keeps it"
            raise ConversationError(f"nothing can be done with that message: {why}")
        return conversation, reference

    def _room(self, conversation: Conversation) -> Room | None:
        if conversation.kind is not ConversationKind.GROUPCHAT:
            return None
        room = self._state.rooms.get(conversation.jid)
        if room is None or not room.joined:
            raise RoomError(f"you are not in {conversation.jid}: /join it first")
        return room

    async def reply(self, jid: str, message: ChatMessage, body: str) -> None:
        conversation, reference = self._conversation(jid, message)
        if conversation.kind is ConversationKind.PRIVATE:
            raise ConversationError("replies in a private chat through a room are not supported yet")
        in_room = conversation.kind is ConversationKind.GROUPCHAT
        author = (f"{conversation.jid}/{message.sender}" if in_room else
                  self._state.jid if message.direction is Direction.OUT else conversation.jid)
        answered = Reply(reference, author, " ".join(message.body.split())[:messaging.QUOTE_LENGTH])
        await (self._send_groupchat if in_room else self._send_chat)(conversation.jid, body, None, answered)

    async def react(self, jid: str, message: ChatMessage, emojis: set[str]) -> None:
        """Our whole set of reactions to `message` becomes `emojis` (empty: none)."""
        conversation, reference = self._conversation(jid, message)
        chosen = frozenset(emoji.strip() for emoji in emojis if emoji.strip())
        if len(chosen) > messaging.MAX_REACTIONS or any(len(emoji) > messaging.MAX_EMOJI for emoji in chosen):
            raise ConversationError("a reaction is an emoji or two, not text")
        client = self._ctx.require_online("the reaction was not sent")
        room = self._room(conversation)
        stanza = client.make_message(mto=room.jid if room else conversation.address,
                                     mtype="groupchat" if room else "chat")
        messaging.fill_reactions(stanza.xml, reference, chosen)
        stanza.send()
        self._updates.apply(conversation.jid, messaging.Reactions(reference, chosen), author="",
                            reactor=room.own_reactor if room else self._state.jid)

    async def retract(self, jid: str, message: ChatMessage) -> None:
        """Take back our own `message`, here and on every client that supports it."""
        conversation, reference = self._conversation(jid, message)
        if message.direction is not Direction.OUT:
            raise ConversationError("only your own messages can be retracted")
        client = self._ctx.require_online("the message was not retracted")
        room = self._room(conversation)
        stanza = client.make_message(mto=room.jid if room else conversation.address,
                                     mtype="groupchat" if room else "chat")
        messaging.fill_retraction(stanza.xml, reference)
        stanza.send()
        self._updates.apply(conversation.jid, messaging.Retraction(reference), author=author_key(message), reactor="")

    async def moderate(self, room_jid: str, message: ChatMessage, reason: str = "") -> None:
        """Remove someone's `message` from the room for everyone (we must be a moderator there)."""
        conversation, reference = self._conversation(room_jid, message)
        room = self._room(conversation)
        if room is None:
            raise RoomError("only messages in a room can be removed by a moderator")
        namespace = messaging.moderation_namespace(room.features)
        if namespace is None:
            raise RoomError(f"{room.jid} does not offer message moderation (XEP-0425)")
        iq = self._ctx.require_online("the message was not removed").make_iq_set(ito=room.jid)
        messaging.fill_moderation(iq.xml, reference, reason, namespace)
        await self._ctx.request(iq, "removing the message", RoomError, refusal=_moderation_refusal)
        self._updates.apply(room.jid, messaging.Retraction(reference, moderated=True, reason=reason), author="",
                            reactor="", may_moderate=True)


def _moderation_refusal(iq: Iq) -> str:
    condition = iq.xml.find("{jabber:client}error")
    if condition is not None and condition.find("{urn:ietf:params:xml:ns:xmpp-stanzas}forbidden") is not None:
        return "you are not a moderator of this room"
    return translate.error_text(iq)

