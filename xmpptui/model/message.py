"""A message: one line of a conversation, with its kind, direction, delivery state, and what few messages have
(a shared file, a reply, reactions, a retraction, a room occupant id, when a delayed one reached us, the texts a
correction replaced)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from xmpptui.model.references import NO_REACTIONS


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


WRITTEN_KINDS = frozenset({MessageKind.CHAT, MessageKind.NORMAL, MessageKind.GROUPCHAT, MessageKind.HEADLINE})
"""What people write (which may carry styling, and may be selected), as against the client's own lines (notices,
joins and leaves, error bounces)."""


class DeliveryState(Enum):
    NONE = "none"
    """Incoming messages, notices."""
    PENDING = "pending"
    """Ours, not yet acknowledged by the server (queued while offline, or sent and awaiting the ack)."""
    SENT = "sent"
    """The server has it (acknowledged through stream management, or written where there is none)."""
    DELIVERED = "delivered"
    """The recipient's client confirmed it arrived (XEP-0184 receipt)."""
    DISPLAYED = "displayed"
    """The recipient's client showed it (XEP-0333 displayed marker, which covers every earlier message)."""
    FAILED = "failed"


DELIVERY_ORDER = (DeliveryState.PENDING, DeliveryState.SENT, DeliveryState.DELIVERED, DeliveryState.DISPLAYED)
"""A sent message's states in the order they are reached; a report never moves a message backwards."""


@dataclass(slots=True)
class Attachment:
    """A file a message shares: an out-of-band link (XEP-0066), a shared file (XEP-0447, or SIMS, XEP-0385) or one
    we uploaded (XEP-0363). What the sender says of it is a claim, checked before use (name, size, type)."""

    url: str
    """An http(s) URL (others are not taken)."""
    name: str = ""
    """The file's name as sent (remote text: sanitised before it names anything on disk)."""
    size: int | None = None
    media_type: str = ""
    local_path: str = ""
    """Where we keep a copy: the file we sent, or the one `/download` saved; empty when there is none."""


@dataclass(frozen=True, slots=True)
class Reply:
    """What a message answers (XEP-0461): the referenced message's id (see `reference_id`), who wrote it (a full
    or bare JID, or a room JID with the nick), and a short quote from the sender's fallback (XEP-0428)."""

    id: str
    to: str = ""
    quote: str = ""


RETRACTED = "message retracted"
"""What a message retracted by its sender shows instead of its text (XEP-0424)."""


@dataclass(frozen=True, slots=True)
class Edit:
    """A text a correction (XEP-0308) replaced, and when it was replaced (seconds since the epoch, UTC)."""

    text: str
    replaced_at: float


def moderated_words(reason: str) -> str:
    """What a message a room moderator removed shows instead of its text (XEP-0425)."""
    return f"removed by a moderator ({reason})" if reason else "removed by a moderator"


@dataclass(slots=True)
class _Rare:
    """What few messages have, held apart so that the others do not pay a slot for each (see ChatMessage)."""

    attachment: Attachment | None = None
    reply_to: Reply | None = None
    reactions: Mapping[str, frozenset[str]] = NO_REACTIONS
    retracted: str = ""
    occupant_id: str = ""
    received: float | None = None
    edits: tuple[Edit, ...] = ()


@dataclass(slots=True, eq=False, init=False)
class ChatMessage:
    """One line of a conversation. Mutable only in `state`/`error` and (by a correction) `body`/`edited`,
    and only by the session.

    Also (read and set as attributes, held in one `_Rare` that only messages having one of them pay for):
    `attachment`, the file it shares (its URL is the body too, for clients that show only bodies); `reply_to`,
    the message this one answers (XEP-0461; its fallback quote is not in `body`); `reactions`, reactor -> the
    emojis it reacted with (XEP-0444: a bare JID in a chat, in a room its occupant id where the room offers
    XEP-0421, else its nick; a reactor's new set replaces its old one, an empty set removes it; replaced, never
    changed in place); `retracted`, empty unless retracted (XEP-0424) or removed by a moderator (XEP-0425), then
    the words shown instead (`RETRACTED`, `moderated_words`) with `body` empty; `occupant_id`, a room message's
    XEP-0421 occupant id where the room offers it; `received`, when a delayed message (XEP-0203, so `timestamp` is
    the sender's time) reached us, else None; `edits`, the texts corrections replaced, oldest first (a
    retraction drops them with the text)."""

    conversation: str
    sender: str
    body: str
    timestamp: float
    """Seconds since the epoch, UTC; the original time for delayed messages (XEP-0203)."""
    direction: Direction
    kind: MessageKind
    id: str
    state: DeliveryState
    error: str
    delayed: bool
    carbon: bool
    """Copied to us by the server (XEP-0280): sent or received by another client of our account."""
    stanza_id: str
    """The archive's id for it (XEP-0359 stanza-id by our server or the room): the key MAM pages by."""
    edited: bool
    """Corrected since it was first sent (XEP-0308); `body` is the latest text."""
    markable: bool
    """The sender asked for chat markers (XEP-0333)."""
    mention: bool
    """A room message that names our nick (highlighted)."""
    _rare: _Rare | None

    def __init__(self, conversation: str, sender: str, body: str, timestamp: float,
                 direction: Direction = Direction.IN, kind: MessageKind = MessageKind.CHAT, id: str = "",
                 state: DeliveryState = DeliveryState.NONE, error: str = "", delayed: bool = False,
                 carbon: bool = False, stanza_id: str = "", edited: bool = False, markable: bool = False,
                 mention: bool = False, attachment: Attachment | None = None, reply_to: Reply | None = None,
                 reactions: Mapping[str, frozenset[str]] = NO_REACTIONS, retracted: str = "",
                 occupant_id: str = "", received: float | None = None, edits: tuple[Edit, ...] = ()) -> None:
        self.conversation, self.sender, self.body, self.timestamp = conversation, sender, body, timestamp
        self.direction, self.kind, self.id, self.state, self.error = direction, kind, id, state, error
        self.delayed, self.carbon, self.stanza_id, self.edited = delayed, carbon, stanza_id, edited
        self.markable, self.mention = markable, mention
        has_rare = (attachment is not None or reply_to is not None or reactions or retracted or occupant_id
                    or received is not None or edits)
        self._rare = _Rare(attachment, reply_to, reactions, retracted, occupant_id, received, edits) if has_rare \
            else None  # (most messages: no allocation, no comparison, on the path that loads whole histories)

    def _rare_part(self) -> _Rare:
        if self._rare is None:
            self._rare = _Rare()
        return self._rare

    @property
    def attachment(self) -> Attachment | None:
        return self._rare.attachment if self._rare is not None else None

    @attachment.setter
    def attachment(self, value: Attachment | None) -> None:
        self._rare_part().attachment = value

    @property
    def reply_to(self) -> Reply | None:
        return self._rare.reply_to if self._rare is not None else None

    @reply_to.setter
    def reply_to(self, value: Reply | None) -> None:
        self._rare_part().reply_to = value

    @property
    def reactions(self) -> Mapping[str, frozenset[str]]:
        return self._rare.reactions if self._rare is not None else NO_REACTIONS

    @reactions.setter
    def reactions(self, value: Mapping[str, frozenset[str]]) -> None:
        self._rare_part().reactions = value

    @property
    def retracted(self) -> str:
        return self._rare.retracted if self._rare is not None else ""

    @retracted.setter
    def retracted(self, value: str) -> None:
        self._rare_part().retracted = value

    @property
    def occupant_id(self) -> str:
        return self._rare.occupant_id if self._rare is not None else ""

    @occupant_id.setter
    def occupant_id(self, value: str) -> None:
        self._rare_part().occupant_id = value

    @property
    def received(self) -> float | None:
        return self._rare.received if self._rare is not None else None

    @received.setter
    def received(self, value: float | None) -> None:
        self._rare_part().received = value

    @property
    def edits(self) -> tuple[Edit, ...]:
        return self._rare.edits if self._rare is not None else ()

    @edits.setter
    def edits(self, value: tuple[Edit, ...]) -> None:
        self._rare_part().edits = value

    def correct(self, body: str, at: float) -> Edit:
        """A correction (XEP-0308) replaced the text at `at`: the old text is kept in `edits`, and returned."""
        edit = Edit(self.body, at)
        self.edits, self.body, self.edited = (*self.edits, edit), body, True
        return edit

    def advance(self, state: DeliveryState) -> bool:
        """Move a sent message forward to `state` (never back, never out of FAILED); whether it changed."""
        if self.state not in DELIVERY_ORDER or DELIVERY_ORDER.index(state) <= DELIVERY_ORDER.index(self.state):
            return False
        self.state = state
        return True
