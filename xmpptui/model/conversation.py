"""Conversations and the messages they hold."""

from __future__ import annotations

import bisect
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum

from xmpptui.model.message import (
    DELIVERY_ORDER,
    RETRACTED,
    WRITTEN_KINDS,
    Attachment,
    ChatMessage,
    DeliveryState,
    Direction,
    MessageKind,
    Reply,
    moderated_words,
)
from xmpptui.model.references import References, corrects

__all__ = ["DELIVERY_ORDER", "RETRACTED", "WRITTEN_KINDS", "Attachment", "ChatMessage", "Conversation",
           "ConversationKind", "Conversations", "DeliveryState", "Direction", "MessageKind", "Reply", "SearchHit",
           "moderated_words"]



@dataclass(frozen=True, slots=True)
class SearchHit:
    """A stored message that matched a history search, with its place in the store (to show it in context)."""

    row_id: int
    message: ChatMessage


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
    chat_state: str = ""
    """What the peer says it is doing (XEP-0085: composing, paused, ...); empty when unknown or active."""
    marked: str = ""
    """The id of the peer's message we last sent a displayed marker for (XEP-0333)."""
    archive_exhausted: bool = False
    """The server's archive has nothing older than what is held and stored (XEP-0313)."""
    read_position: str = ""
    """The stanza id our account last said it has displayed this conversation up to (XEP-0490), from this
    client or another one."""

    _sent_by_id: dict[str, ChatMessage] = field(default_factory=dict, repr=False)
    _recent_in: dict[tuple[str, int], None] = field(default_factory=dict, repr=False)
    references: References = field(init=False, repr=False)
    """Messages by the id replies, reactions and retractions name them by; what waits for ones not held."""

    def __post_init__(self) -> None:
        self.references = References(self.messages)

    @property
    def address(self) -> str:
        return self.reply_to or self.jid

    def add(self, message: ChatMessage) -> None:
        self.messages.append(message)
        if message.direction is Direction.OUT and message.id:
            self._sent_by_id[message.id] = message
        self.references.index(message)

    def insert_at(self, index: int, message: ChatMessage) -> None:
        """A message put back in its place (one a resumed stream resent after newer ones)."""
        self.messages.insert(index, message)
        if message.direction is Direction.OUT and message.id:
            self._sent_by_id[message.id] = message
        self.references.index(message)

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

    def insert(self, messages: list[ChatMessage]) -> bool:
        """Messages from an archive, each put in time order among those held; whether any went anywhere but
        the end (the log must then be laid out again)."""
        inserted_before_end = False
        for message in sorted(messages, key=lambda m: m.timestamp):
            if self.messages and message.timestamp < self.messages[-1].timestamp:
                index = bisect.bisect_right(self.messages, message.timestamp, key=lambda m: m.timestamp)
                self.messages.insert(index, message)
                inserted_before_end = True
            else:
                self.messages.append(message)
            if message.direction is Direction.OUT and message.id:
                self._sent_by_id.setdefault(message.id, message)
            self.references.index(message)
        return inserted_before_end

    def merge_archive(self, sequence: list[ChatMessage]) -> None:
        """Put a run of the archive in place: `sequence` is in archive order and may include messages already
        held (the same objects), which move with it, so that messages of one second keep the archive's order."""
        members = {id(message) for message in sequence}
        first = next((i for i, message in enumerate(self.messages) if id(message) in members), None)
        if first is None:
            self.insert(sequence)
            return
        # In place: the chat log holds this very list.
        self.messages[:] = [message for message in self.messages if id(message) not in members]
        self.messages[first:first] = sequence
        for message in sequence:
            if message.direction is Direction.OUT and message.id:
                self._sent_by_id.setdefault(message.id, message)
            self.references.index(message)

    def prepend(self, older: list[ChatMessage]) -> None:
        """Messages from storage that come before everything held."""
        self.messages[:0] = older
        for message in older:
            if message.direction is Direction.OUT and message.id:
                self._sent_by_id.setdefault(message.id, message)
            self.references.index(message, replace=False)  # (a newer one with the same id stays found)

    def find_sent(self, message_id: str) -> ChatMessage | None:
        """One of our own messages by its stanza id (to attach an error bounce or a receipt to it)."""
        return self._sent_by_id.get(message_id)

    def sent_up_to(self, message: ChatMessage) -> list[ChatMessage]:
        """Our messages from the start of the held window to `message` (which a displayed marker covers)."""
        covered = []
        for held in self.messages:
            if held.direction is Direction.OUT:
                covered.append(held)
            if held is message:
                break
        return covered

    def last_sent(self) -> ChatMessage | None:
        """Our latest message sent from this client (the one a correction may replace)."""
        for held in reversed(self.messages):
            if held.direction is Direction.OUT and not held.carbon and held.kind is not MessageKind.ERROR:
                return held
        return None

    def find_corrected(self, message_id: str, author: str, within: int = 200) -> ChatMessage | None:
        """The message a correction from `author` (an `author_key`) names by `message_id`, among the last `within`
        held: only its own author's corrections find it (XEP-0308's security rule, `references.corrects`)."""
        for held in reversed(self.messages[-within:]):
            if corrects(held, message_id, author):
                return held
        return None

    def last_archived(self) -> ChatMessage | None:
        """The newest held message that has an archive id (the kind of id a read position names)."""
        return next((held for held in reversed(self.messages) if held.stanza_id), None)

    def read_up_to(self, stanza_id: str) -> bool:
        """Another client of ours displayed this conversation up to the message `stanza_id`: only messages
        after it can still be unread. Whether the unread counts changed (False if it is not held)."""
        for index in range(len(self.messages) - 1, -1, -1):
            if self.messages[index].stanza_id == stanza_id:
                after = [held for held in self.messages[index + 1:] if held.direction is Direction.IN]
                unread, mentions = min(self.unread, len(after)), min(self.mentions, sum(m.mention for m in after))
                changed = (unread, mentions) != (self.unread, self.mentions)
                self.unread, self.mentions = unread, mentions
                return changed
        return False

    def last_markable(self) -> ChatMessage | None:
        for held in reversed(self.messages):
            if held.direction is Direction.IN:
                return held if held.markable and held.id else None
        return None


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
