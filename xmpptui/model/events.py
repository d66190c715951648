"""Typed facts the session emits after it has updated `ClientState`. Plain values only."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from xmpptui.model.conversation import ChatMessage
from xmpptui.model.presence import Presence
from xmpptui.model.state import ConnectionStatus


@dataclass(frozen=True, slots=True)
class ConnectionChanged:
    status: ConnectionStatus


@dataclass(frozen=True, slots=True)
class RosterReplaced:
    """The roster was replaced whole (the iq result after login)."""

    count: int


@dataclass(frozen=True, slots=True)
class ContactChanged:
    """A roster push added, changed or removed this contact."""

    jid: str
    removed: bool = False


@dataclass(frozen=True, slots=True)
class PresenceChanged:
    jid: str
    """Bare JID whose combined presence may have changed."""


@dataclass(frozen=True, slots=True)
class OwnPresenceChanged:
    presence: Presence


@dataclass(frozen=True, slots=True)
class ConversationOpened:
    jid: str
    by_user: bool
    """True when the user asked for it (focus it); False when an incoming message opened it."""


@dataclass(frozen=True, slots=True)
class ConversationClosed:
    jid: str


@dataclass(frozen=True, slots=True)
class MessageAdded:
    message: ChatMessage


@dataclass(frozen=True, slots=True)
class HistoryLoaded:
    """`count` older messages were put before the ones held for this conversation."""

    jid: str
    count: int


@dataclass(frozen=True, slots=True)
class MessageUpdated:
    """A held message's delivery state or error changed."""

    message: ChatMessage


@dataclass(frozen=True, slots=True)
class UnreadChanged:
    jid: str
    unread: int


@dataclass(frozen=True, slots=True)
class MessagesInserted:
    """Messages (from an archive) were put among those held, not only at the end: lay the log out again."""

    jid: str


@dataclass(frozen=True, slots=True)
class RoomChanged:
    """A room's state, subject or occupants changed (read them from `ClientState.rooms`)."""

    jid: str


@dataclass(frozen=True, slots=True)
class ChatStateChanged:
    """The peer of a conversation started or stopped typing (XEP-0085); the state is on the conversation."""

    jid: str


@dataclass(frozen=True, slots=True)
class RequestsChanged:
    """The pending subscription requests changed (one arrived, or one was answered or withdrawn)."""

    jid: str


@dataclass(frozen=True, slots=True)
class BlocklistChanged:
    """Our block list (XEP-0191) was fetched or changed."""


@dataclass(frozen=True, slots=True)
class RoomJoinFailed:
    """The room refused us (or removed us): `reason` in words; `condition` the XMPP error condition."""

    jid: str
    condition: str
    reason: str
    nick: str
    """The nick we asked for."""


@dataclass(frozen=True, slots=True)
class BookmarksChanged:
    """`ClientState.rooms.bookmarks` was replaced or changed."""


@dataclass(frozen=True, slots=True)
class InvitationReceived:
    """Someone invited us to a room (XEP-0249 direct or XEP-0045 mediated)."""

    room: str
    inviter: str
    reason: str = ""
    password: str = ""
    mediated: bool = False
    """Sent through the room (XEP-0045): a decline goes back the same way."""


class Severity(Enum):
    INFO = "information"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the user should read that belongs to no conversation (e.g. an iq error in words)."""

    text: str
    severity: Severity = Severity.INFO


Event = (
    ConnectionChanged | RosterReplaced | ContactChanged | PresenceChanged | OwnPresenceChanged
    | ConversationOpened | ConversationClosed | MessageAdded | MessageUpdated | HistoryLoaded | UnreadChanged
    | MessagesInserted | ChatStateChanged | Notice | RequestsChanged | BlocklistChanged | RoomChanged
    | RoomJoinFailed | InvitationReceived | BookmarksChanged
)
