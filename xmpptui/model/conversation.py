"""Conversations and the messages they hold."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum


class Direction(Enum):
    IN = "in"
    OUT = "out"


class MessageKind(Enum):
    CHAT = "chat"
    NORMAL = "normal"
    GROUPCHAT = "groupchat"
    HEADLINE = "headline"
    ERROR = "error"
    """An error bounce the server or recipient returned, shown as a failure in the conversation."""
    NOTICE = "notice"
    """A line the client itself adds (e.g. "bob is now offline")."""
    OCCUPANT = "occupant"
    """A room occupant joined or left (a notice the user may choose to hide)."""


class DeliveryState(Enum):
    NONE = "none"
    """Incoming messages, notices."""
    PENDING = "pending"
    """Ours, not yet acknowledged by the server (queued while offline, or sent and awaiting the ack)."""
    SENT = "sent"
    """The server has it (acknowledged through stream management, or written where there is none)."""
    FAILED = "failed"


@dataclass(slots=True, eq=False)
class ChatMessage:
    """One line of a conversation. Mutable only in `state`/`error`, and only by the session."""

    conversation: str
    sender: str
    body: str
    timestamp: float
    """Seconds since the epoch, UTC; the original time for delayed messages (XEP-0203)."""
    direction: Direction = Direction.IN
    kind: MessageKind = MessageKind.CHAT
    id: str = ""
    state: DeliveryState = DeliveryState.NONE
    error: str = ""
    delayed: bool = False
    carbon: bool = False
    """Copied to us by the server (XEP-0280): sent or received by another client of our account."""
    mention: bool = False
    """A room message that names our nick (highlighted)."""


_RECENT = 2000


class ConversationKind(Enum):
    CHAT = "chat"
    GROUPCHAT = "groupchat"
    """A room, keyed by the room's bare JID."""
    PRIVATE = "private"
    """A private chat with a room occupant, keyed by the occupant's room JID (room@service/nick)."""


@dataclass(eq=False)
class Conversation:
    jid: str
    """The bare JID of the peer or room; for a private chat with an occupant, the occupant's room JID."""
    kind: ConversationKind = ConversationKind.CHAT
    messages: list[ChatMessage] = field(default_factory=list)
    unread: int = 0
    mentions: int = 0
    """Unread room messages that name our nick."""
    thread: str = field(default_factory=lambda: uuid.uuid4().hex)
    """The `<thread/>` we continue (XEP-0201); taken over from the peer's messages."""
    reply_to: str = ""
    """The full JID that last wrote to us (RFC 6121 5.1); empty means the bare JID."""
    older: object | None = None
    """Where the stored history before `messages[0]` continues (a storage cursor); None if nothing older."""
    history_loaded: bool = False

    _sent_by_id: dict[str, ChatMessage] = field(default_factory=dict, repr=False)
    _recent_in: dict[tuple[str, int], None] = field(default_factory=dict, repr=False)

    @property
    def address(self) -> str:
        return self.reply_to or self.jid

    def add(self, message: ChatMessage) -> None:
        self.messages.append(message)
        if message.direction is Direction.OUT and message.id:
            self._sent_by_id[message.id] = message

    def seen_before(self, message_id: str, body: str) -> bool:
        """Whether this incoming message (same id and text) is already held: a resumed stream or an archive
        may deliver it twice. Remembers the last `_RECENT` of them."""
        if not message_id:
            return False
        key = (message_id, hash(body))
        if key in self._recent_in:
            return True
        self._recent_in[key] = None
        if len(self._recent_in) > _RECENT:
            del self._recent_in[next(iter(self._recent_in))]
        return False

    def prepend(self, older: list[ChatMessage]) -> None:
        """Messages from storage that come before everything held."""
        self.messages[:0] = older
        for message in older:
            if message.direction is Direction.OUT and message.id:
                self._sent_by_id.setdefault(message.id, message)

    def find_sent(self, message_id: str) -> ChatMessage | None:
        """One of our own messages by its stanza id (to attach an error bounce to it)."""
        return self._sent_by_id.get(message_id)


class Conversations:
    """Open conversations in the order they were opened."""

    def __init__(self) -> None:
        self._by_jid: dict[str, Conversation] = {}

    def get(self, jid: str) -> Conversation | None:
        return self._by_jid.get(jid)

    def open(self, jid: str, kind: ConversationKind = ConversationKind.CHAT) -> tuple[Conversation, bool]:
        """The conversation for `jid`, and whether it was just created."""
        existing = self._by_jid.get(jid)
        if existing is not None:
            return existing, False
        conversation = Conversation(jid, kind)
        self._by_jid[jid] = conversation
        return conversation, True

    def close(self, jid: str) -> Conversation | None:
        return self._by_jid.pop(jid, None)

    def __iter__(self) -> Iterator[Conversation]:
        return iter(self._by_jid.values())

    def __len__(self) -> int:
        return len(self._by_jid)

    def __contains__(self, jid: object) -> bool:
        return jid in self._by_jid
