"""The whole client state the UI reads: one object, written only by the session."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from xmpptui.model.contacts import SubscriptionRequests
from xmpptui.model.conversation import Conversations
from xmpptui.model.presence import Presence, PresenceBook, Show
from xmpptui.model.room import Rooms
from xmpptui.model.roster import Roster


class ConnectionState(Enum):
    OFFLINE = "offline"
    CONNECTING = "connecting"
    ONLINE = "online"
    RECONNECTING = "reconnecting"


class LoginFailure(Enum):
    """Why a login attempt failed; the UI offers retry or editing the account for each."""

    AUTH = "auth"
    HOST_NOT_FOUND = "host-not-found"
    REFUSED = "connection-refused"
    TLS = "tls"
    TIMEOUT = "timeout"
    STREAM_ERROR = "stream-error"
    CONFLICT = "conflict"
    """Another client logged in with our resource and the server ended this session for it."""


@dataclass(frozen=True, slots=True)
class ConnectionStatus:
    state: ConnectionState = ConnectionState.OFFLINE
    reason: str = ""
    failure: LoginFailure | None = None
    secure: bool = True
    """False only when the account opted in to plaintext and the stream is not encrypted."""
    certificate: str = ""
    """SHA-256 fingerprint of a certificate that failed verification, which the user may choose to trust."""


@dataclass
class ClientState:
    jid: str
    """Our bare JID."""
    resource: str = ""
    roster: Roster = field(default_factory=Roster)
    presence: PresenceBook = field(default_factory=PresenceBook)
    conversations: Conversations = field(default_factory=Conversations)
    own_presence: Presence = field(default_factory=lambda: Presence(Show.OFFLINE))
    connection: ConnectionStatus = field(default_factory=ConnectionStatus)
    requests: SubscriptionRequests = field(default_factory=SubscriptionRequests)
    """Subscription requests the user has not answered (kept across restarts)."""
    blocked: set[str] = field(default_factory=set)
    """JIDs on our server-side block list (XEP-0191)."""
    rooms: Rooms = field(default_factory=Rooms)
