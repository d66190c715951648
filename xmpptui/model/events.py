"""Typed facts the session emits after it has updated `ClientState`. Plain values only.

They are NamedTuples, not frozen dataclasses: as immutable, but a class costs a tenth as much to create, and
this module is imported before the first frame (20 dataclasses took about 6 ms). Match them by type
(`isinstance`, `case Event()`), never compare events of different types with `==`."""

from __future__ import annotations

from enum import Enum
from typing import NamedTuple

from xmpptui.model.conversation import ChatMessage
from xmpptui.model.presence import Presence
from xmpptui.model.state import ConnectionStatus


class ConnectionChanged(NamedTuple):
    status: ConnectionStatus


class RosterReplaced(NamedTuple):
    """The roster was replaced whole (the iq result after login)."""

    count: int


class ContactChanged(NamedTuple):
    """A roster push added, changed or removed this contact."""

    jid: str
    removed: bool = False


class PresenceChanged(NamedTuple):
    jid: str
    """Bare JID whose combined presence may have changed."""


class OwnPresenceChanged(NamedTuple):
    presence: Presence


class ConversationOpened(NamedTuple):
    jid: str
    by_user: bool
    """True when the user asked for it (focus it); False when an incoming message opened it."""


class ConversationClosed(NamedTuple):
    jid: str


class MessageAdded(NamedTuple):
    message: ChatMessage


class HistoryLoaded(NamedTuple):
    """`count` older messages were put before the ones held for this conversation."""

    jid: str
    count: int


class MessageUpdated(NamedTuple):
    """A held message changed: its delivery state or error, its text (a correction), its reactions, or it was
    retracted."""

    message: ChatMessage


class UnreadChanged(NamedTuple):
    jid: str
    unread: int


class MessagesInserted(NamedTuple):
    """Messages (from an archive) were put among those held, not only at the end: lay the log out again."""

    jid: str


class RoomChanged(NamedTuple):
    """A room's state, subject or occupants changed (read them from `ClientState.rooms`)."""

    jid: str


class ChatStateChanged(NamedTuple):
    """The peer of a conversation started or stopped typing (XEP-0085); the state is on the conversation."""

    jid: str


class RequestsChanged(NamedTuple):
    """The pending subscription requests changed (one arrived, or one was answered or withdrawn)."""

    jid: str


class BlocklistChanged(NamedTuple):
    """Our block list (XEP-0191) was fetched or changed."""


class RoomJoinFailed(NamedTuple):
    """The room refused us (or removed us): `reason` in words; `condition` the XMPP error condition."""

    jid: str
    condition: str
    reason: str
    nick: str
    """The nick we asked for."""


class BookmarksChanged(NamedTuple):
    """`ClientState.rooms.bookmarks` was replaced or changed."""


class InvitationReceived(NamedTuple):
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


class Notice(NamedTuple):
    """Something the user should read that belongs to no conversation (e.g. an iq error in words)."""

    text: str
    severity: Severity = Severity.INFO


class UploadProgressed(NamedTuple):
    """A file being uploaded to a conversation (HTTP File Upload) has `sent` of its `total` bytes on their way."""

    conversation: str
    name: str
    sent: int
    total: int


class UploadEnded(NamedTuple):
    """An upload to a conversation is over: `url` when the file is up (its message follows), else `error` in
    words (nothing was sent); `retry` when trying the same upload again may work (cut off, not connected, the
    server silent or failing), not when it was refused or cancelled."""

    conversation: str
    name: str
    url: str = ""
    error: str = ""
    retry: bool = False


class DownloadProgressed(NamedTuple):
    """A file being saved from a conversation has `received` of its `total` bytes (0: the size is not known)."""

    conversation: str
    name: str
    received: int
    total: int


class DownloadEnded(NamedTuple):
    """A download is over: `path` where the file is saved, else `error` in words (nothing is left on disk)."""

    conversation: str
    name: str
    path: str = ""
    error: str = ""


Event = (
    ConnectionChanged | RosterReplaced | ContactChanged | PresenceChanged | OwnPresenceChanged
    | ConversationOpened | ConversationClosed | MessageAdded | MessageUpdated | HistoryLoaded | UnreadChanged
    | MessagesInserted | ChatStateChanged | Notice | RequestsChanged | BlocklistChanged | RoomChanged
    | RoomJoinFailed | InvitationReceived | BookmarksChanged | UploadProgressed | UploadEnded
    | DownloadProgressed | DownloadEnded
)
