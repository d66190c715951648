"""The `Session` protocol: everything the UI may ask of the protocol layer, and nothing else."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from xmpptui.model.console import StanzaRecord
from xmpptui.model.contacts import ClientVersion, LastActivity, VCardBasics
from xmpptui.model.conversation import ChatMessage, SearchHit
from xmpptui.model.events import Event
from xmpptui.model.presence import Presence
from xmpptui.model.room import Affiliation, Role, RoomListing
from xmpptui.model.state import ClientState

if TYPE_CHECKING:
    from xmpptui.model.forms import DataForm

EventSink = Callable[[Event], None]


# Errors: what a session call raises when it cannot be done. The text is for the user, as is; the UI shows a
# `SessionError` in words and treats any other exception from a session call as a bug.


class SessionError(Exception):
    """A session call that cannot be done; its text says why, in words the user reads."""


class NotConnected(SessionError):
    """The session is not online; the caller keeps what the user typed."""

    def __init__(self, consequence: str = "try again when the session is back") -> None:
        super().__init__(f"not connected: {consequence}")


class ContactError(SessionError):
    """A contact operation failed (a bad JID, not in the roster, the server's refusal or silence)."""


class RoomError(SessionError):
    """A room command that cannot be done (not in the room, a bad address, the room's refusal or silence)."""


class ConversationError(SessionError):
    """A conversation command that cannot be done: nothing to correct or send again, a message too big for
    the server, no history to search."""


class UploadError(SessionError):
    """A file not sent (HTTP File Upload): no such file, no upload service, too large, refused, an HTTP error,
    the connection lost or the upload cancelled. No message is sent for it. `retry`: the same upload may work
    if tried again (cut off, the server silent, an HTTP 5xx), unlike a refusal."""

    def __init__(self, text: str, *, retry: bool = False) -> None:
        super().__init__(text)
        self.retry = retry


class DownloadError(SessionError):
    """A file not fetched: not an http(s) link, larger than the cap, an HTTP error, an untrusted certificate, the
    connection cut, the disk full, or cancelled. Nothing partial is left on disk."""


class ConsoleError(SessionError):
    """A stanza typed in the XML console that is not sent: not well-formed, or not one stanza."""


class Session(Protocol):
    @property
    def state(self) -> ClientState: ...

    async def start(self, sink: EventSink) -> None:
        """Connect and log in; outcome arrives as `ConnectionChanged` events. Returns once settled."""

    async def stop(self) -> None:
        """Send unavailable presence, close the stream and stop reconnecting."""

    async def set_presence(self, presence: Presence) -> None:
        """Broadcast our presence; `OFFLINE` sends `unavailable`. State follows the server's echo."""

    async def send_chat(self, to: str, body: str) -> None:
        """Send a `chat` message to a bare or full JID; it appears at once, marked failed on error."""

    def open_conversation(self, jid: str) -> None:
        """Open (or focus) the conversation with a bare JID; emits `ConversationOpened(by_user=True)`."""

    def close_conversation(self, jid: str) -> None: ...

    def mark_read(self, jid: str) -> None: ...

    async def load_older(self, jid: str) -> None:
        """Page older stored messages into the conversation; emits `HistoryLoaded` (nothing if none)."""

    def typing(self, jid: str, composing: bool) -> None:
        """The user typed in (True) or emptied (False) the composer of this conversation (XEP-0085)."""

    async def correct_last(self, jid: str, body: str) -> None:
        """Replace the text of our last message in this conversation (XEP-0308); `MessageUpdated` follows."""

    async def retry(self, jid: str) -> None:
        """Send this conversation's failed messages again."""

    async def reply(self, jid: str, message: ChatMessage, body: str) -> None:
        """Send `body` in the conversation `jid` as an answer to `message` (XEP-0461, quoted for other clients)."""

    async def react(self, jid: str, message: ChatMessage, emojis: set[str]) -> None:
        """Our whole set of reactions to `message` becomes `emojis` (empty: none); `MessageUpdated` follows."""

    async def retract(self, jid: str, message: ChatMessage) -> None:
        """Take back our own `message` everywhere (XEP-0424); it shows "message retracted" (`MessageUpdated`)."""

    async def moderate(self, room: str, message: ChatMessage, reason: str = "") -> None:
        """As a room moderator, remove someone's `message` for everyone (XEP-0425); RoomError says why not."""

    async def search(self, query: str, jid: str | None = None) -> list[SearchHit]:
        """Stored messages matching every word of `query` (in one conversation, or all), newest first."""

    async def search_context(self, hit: SearchHit) -> list[ChatMessage]:
        """The hit's message with the messages around it in its conversation, in order."""

    def reconnect_now(self) -> None:
        """While waiting to reconnect, try at once."""

    def trust_certificate(self, fingerprint: str) -> None:
        """Pin this certificate for the account (trust on first use); used from the next login attempt."""

    async def upload_file(self, jid: str, path: str) -> None:
        """Upload a file (HTTP File Upload) and send its link to the conversation with `jid`; progress arrives as
        `UploadProgressed`, the end as `UploadEnded`. `UploadError` says in words why nothing was sent."""

    def cancel_upload(self, jid: str) -> bool:
        """Stop the upload under way in this conversation (False: there is none)."""

    async def download_file(self, jid: str, message: ChatMessage, url: str) -> str:
        """Save the file at `url` (the message's attachment, or a link in its text) to the downloads directory,
        under a safe name that overwrites nothing; progress arrives as `DownloadProgressed`, the end as
        `DownloadEnded`; the message's attachment then says where it is (stored). Returns the path;
        `DownloadError` says in words why not."""

    def cancel_download(self, jid: str) -> bool:
        """Stop the download under way in this conversation (False: there is none)."""

    async def fetch_image(self, jid: str, message: ChatMessage, limit: int) -> bytes:
        """The bytes of the file `message` shares (a GET of its https URL, held in memory, with the account's
        trust settings), at most `limit` of them; DownloadError says why not."""

    # The XML console (xmpp/console.py): stanzas are recorded only while it watches.

    def watch_stanzas(self, on: bool) -> None:
        """Record the stanzas going in and out (the console is open), or stop (it closed)."""

    def stanzas_since(self, seq: int) -> list[StanzaRecord]:
        """The recorded stanzas after `seq` (0: all that are kept), oldest first, credentials redacted."""

    def send_raw(self, xml: str) -> None:
        """Send one stanza written as XML; `ConsoleError` says in words why one is refused."""

    # Contacts (subscriptions, roster management, blocking); failures raise with the reason in words.

    async def add_contact(self, jid: str, name: str = "", groups: tuple[str, ...] = (),
                          subscribe: bool = True) -> None:
        """Roster set (name, groups), then ask to see their presence (`subscribe`) unless told not to."""

    async def update_contact(self, jid: str, name: str | None = None, groups: tuple[str, ...] | None = None) -> None:
        """Rename and/or regroup a roster contact (None keeps the current value)."""

    async def remove_contact(self, jid: str) -> None:
        """Roster remove (the server cancels the subscriptions both ways)."""

    async def authorize(self, jid: str) -> None:
        """Send `subscribed`: accept a pending request, or let them see our presence again."""

    async def deny(self, jid: str) -> None:
        """Send `unsubscribed`: refuse a pending request, or stop them seeing our presence."""

    async def subscribe(self, jid: str) -> None:
        """Send `subscribe`: ask to see their presence."""

    async def unsubscribe(self, jid: str) -> None:
        """Send `unsubscribe`: stop seeing their presence."""

    async def block(self, jid: str) -> None:
        """Add to the server's block list (XEP-0191); emits `BlocklistChanged`."""

    async def unblock(self, jid: str) -> None: ...

    async def report(self, jid: str, kind: str, text: str = "", message: ChatMessage | None = None) -> None:
        """Report `jid` for "spam" or "abuse" (XEP-0377, optionally naming `message`) and block it, in one step."""

    async def send_directed_presence(self, jid: str, presence: Presence) -> None:
        """Send our presence to one entity only."""

    async def fetch_vcard(self, jid: str) -> VCardBasics: ...

    async def fetch_last_activity(self, jid: str) -> LastActivity: ...

    async def fetch_client_version(self, jid: str) -> ClientVersion:
        """The client software of one full JID (XEP-0092)."""

    # Rooms (XEP-0045): a failure raises with a message in words; outcomes arrive as events.

    async def join_room(self, address: str, password: str = "") -> None:
        """Join `room@service[/nick]` (our default nick if none); emits `RoomChanged`, or `RoomJoinFailed`."""

    async def leave_room(self, room: str, reason: str = "") -> None: ...

    async def send_groupchat(self, room: str, body: str) -> None:
        """Send to a joined room; shown at once as pending, marked sent when the room reflects it."""

    async def send_private(self, occupant: str, body: str) -> None:
        """A private message to an occupant's room JID (room@service/nick)."""

    async def open_private(self, room: str, nick: str) -> None:
        """Open (or focus) the private conversation with an occupant."""

    async def set_subject(self, room: str, subject: str) -> None: ...

    async def change_nick(self, room: str, nick: str) -> None: ...

    async def invite(self, room: str, jid: str, reason: str = "") -> None:
        """Invite `jid`: through the room (XEP-0045 mediated) when it is members-only or cannot tell,
        else a direct invitation (XEP-0249)."""

    async def room_configuration(self, room: str) -> DataForm:
        """The room's configuration form (owners only; a refusal raises in words)."""

    async def configure_room(self, room: str, form: DataForm | None) -> None:
        """Submit the filled-in configuration form, or cancel it (None)."""

    async def room_exists(self, address: str) -> bool | None:
        """Whether a room exists; None when that cannot be told (the join will say why)."""

    async def list_rooms(self, service: str) -> list[RoomListing]:
        """The rooms a chat service lists (XEP-0030 items)."""

    async def bookmark_room(self, room: str, autojoin: bool = True) -> None:
        """Save the room as a bookmark on the server (XEP-0402), joined on login when `autojoin`."""

    async def remove_bookmark(self, room: str) -> None: ...

    async def decline_invitation(self, room: str, inviter: str) -> None:
        """Decline an invitation that came through the room (a direct one needs no answer)."""

    async def request_voice(self, room: str) -> None:
        """As a visitor, ask the room's moderators for voice."""

    async def kick(self, room: str, nick: str, reason: str = "") -> None: ...

    async def ban(self, room: str, nick: str, reason: str = "") -> None: ...

    async def set_role(self, room: str, nick: str, role: Role, reason: str = "") -> None: ...

    async def set_affiliation(self, room: str, jid: str, affiliation: Affiliation, reason: str = "") -> None: ...
