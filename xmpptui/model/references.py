"""What replies, reactions and retractions name messages by, and a conversation's index of its messages by it:
an update that names a message not held waits for it (archive order, carbons, a page not read yet)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xmpptui.model.conversation import ChatMessage

class _NoReactions(Mapping[str, frozenset[str]]):
    """The reactions of a message nobody reacted to: one shared empty mapping (most messages have none; a dict
    each would cost 64 bytes a message). A change replaces a message's mapping, never mutates it."""

    def __getitem__(self, reactor: str) -> frozenset[str]:
        raise KeyError(reactor)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0

    def __hash__(self) -> int:
        return 0


NO_REACTIONS: Mapping[str, frozenset[str]] = _NoReactions()


MODERATOR = "*"
"""The author key of a room's moderation (XEP-0425): it removes anyone's message."""
MAX_PENDING = 1000
"""Reactions and retractions held per conversation for messages not held; past it the oldest go (the storage
keeps them all, for a message stored later)."""


def reference_id(message: ChatMessage) -> str:
    """The id replies, reactions and retractions name a message by (XEP-0461, 0444, 0424 agree): in a room the
    room's stanza-id (XEP-0359), in a chat the message's own id attribute."""
    return message.stanza_id if message.kind.value == "groupchat" else message.id


def author_key(message: ChatMessage) -> str:
    """Who may retract `message`: in a chat its direction (the peer, or our account), in a room its occupant id
    (XEP-0421) where the room offers it, else its nick. The storage's pending retractions compare the same key."""
    if message.kind.value == "groupchat":
        return room_author(message.sender, message.occupant_id)
    return message.direction.value


def room_author(nick: str, occupant_id: str) -> str:
    """A room message's author key (`author_key`): its occupant id if it has one (only kept where the room offers
    them), else its nick."""
    return f"o:{occupant_id}" if occupant_id else f"n:{nick}"


def corrects(message: ChatMessage, message_id: str, author: str) -> bool:
    """Whether a correction (XEP-0308) naming `message_id`, from `author` (an `author_key`), is one of `message`:
    it names the id its sender gave it (in a room too: not the room's stanza-id) and comes from its author (§6:
    in a chat the same side of it; in a room the same occupant id where the room offers them, else the same nick)."""
    return bool(message_id) and message.id == message_id and author_key(message) == author


@dataclass(slots=True)
class _Pending:
    reactions: dict[str, frozenset[str]] = field(default_factory=dict)
    retraction: tuple[str, str] | None = None
    """(the author key of who retracted, the words shown)."""


class References:
    """One conversation's messages by `reference_id`, and the updates waiting for messages not held. The index is
    built the first time a message is looked up (most conversations never see a reaction or a retraction, and a
    dict entry per message would cost more than the message's other fields together), then kept up."""

    def __init__(self, messages: list[ChatMessage]) -> None:
        """`messages`: the conversation's list, in order (changed in place, never replaced)."""
        self._messages = messages
        self._by_reference: dict[str, ChatMessage] | None = None
        self._pending: dict[str, _Pending] = {}

    def index(self, message: ChatMessage, replace: bool = True) -> bool:
        """Make `message` findable (again, once a room's stanza-id for it is known) and apply what waited for it;
        whether anything did. `replace=False`: an older message does not hide a held one with the same id."""
        reference = reference_id(message)
        if not reference:
            return False
        if self._by_reference is not None:
            if not replace and reference in self._by_reference:
                return False
            self._by_reference[reference] = message
        pending = self._pending.pop(reference, None)
        if pending is None:
            return False
        for reactor, emojis in pending.reactions.items():
            set_reaction(message, reactor, emojis)
        if pending.retraction is not None:
            retract(message, *pending.retraction)
        return True

    def find(self, reference: str) -> ChatMessage | None:
        if not reference:
            return None
        if self._by_reference is None:  # (in order: of two with one id, the later is found, as `index` keeps it)
            self._by_reference = {key: message for message in self._messages if (key := reference_id(message))}
        return self._by_reference.get(reference)

    def react(self, reference: str, reactor: str, emojis: frozenset[str]) -> ChatMessage | None:
        """`reactor`'s reactions to the message `reference` are now `emojis` (XEP-0444: the new set replaces the
        old; empty removes them). The message if it changed; None if not (or not held: kept for when it is)."""
        message = self.find(reference)
        if message is None:
            if reference:
                self._pending_for(reference).reactions[reactor] = emojis
            return None
        return message if set_reaction(message, reactor, emojis) else None

    def retract(self, reference: str, author: str, words: str) -> ChatMessage | None:
        """The message `reference` is retracted by `author` (an `author_key`, or MODERATOR) and shows `words`.
        The message if it changed; None if not (not its author's; or not held: kept for when it is)."""
        message = self.find(reference)
        if message is None:
            if reference:
                self._pending_for(reference).retraction = (author, words)
            return None
        return message if retract(message, author, words) else None

    def _pending_for(self, reference: str) -> _Pending:
        pending = self._pending.get(reference)
        if pending is None:
            pending = self._pending[reference] = _Pending()
            if len(self._pending) > MAX_PENDING:
                del self._pending[next(iter(self._pending))]
        return pending


def set_reaction(message: ChatMessage, reactor: str, emojis: frozenset[str]) -> bool:
    if message.retracted or message.reactions.get(reactor, frozenset()) == emojis:
        return False
    reactions = {**message.reactions, reactor: emojis}
    if not emojis:
        del reactions[reactor]
    message.reactions = reactions  # (replaced, never changed in place: see NO_REACTIONS)
    return True


def retract(message: ChatMessage, author: str, words: str) -> bool:
    """XEP-0424's rule: a retraction counts only from the original's sender (a moderation from the room)."""
    if message.retracted or (author != MODERATOR and author != author_key(message)):
        return False
    message.body, message.retracted, message.attachment, message.reactions = "", words, None, NO_REACTIONS
    message.edits = ()  # (the texts it had before a correction go with it)
    return True
