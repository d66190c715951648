"""`RoomService`: group chat (XEP-0045) for the session, composed of its parts. It offers the `Session`
protocol's room methods under their names (the façade forwards each in one line), takes the stanzas the
session's router hands it, and has the hooks the session calls on login, resumption, presence and closing.

Every room's state lives in `ClientState.rooms`; the parts keep it, the way the session keeps the rest:
`RoomJoining` (being in rooms), `RoomOccupants` (who is there), `RoomMessages` (what is said), `RoomOutbox` (ours
waiting for a room), `RoomBookmarks`, `RoomAdministration`; all write through one `RoomWriter`."""

from __future__ import annotations

from collections.abc import Callable

from xmpptui.model.conversation import Attachment, ChatMessage, Reply
from xmpptui.model.forms import DataForm
from xmpptui.model.presence import Presence
from xmpptui.model.room import Affiliation, Role, Room, RoomListing, RoomState
from xmpptui.xmpp.context import SessionContext
from xmpptui.xmpp.message_updates import MessageUpdates
from xmpptui.xmpp.pep_publish import PrivatePep
from xmpptui.xmpp.rooms.admin import RoomAdministration
from xmpptui.xmpp.rooms.bookmarks import RoomBookmarks
from xmpptui.xmpp.rooms.joining import SELF_PING_INTERVAL, RoomJoining
from xmpptui.xmpp.rooms.messages import RoomMessages
from xmpptui.xmpp.rooms.occupants import MAX_OCCUPANTS, RoomOccupants
from xmpptui.xmpp.rooms.outbox import RoomOutbox
from xmpptui.xmpp.rooms.writer import OpenConversation, RoomWriter
from xmpptui.xmpp.stanzas import Message, PresenceStanza, muc, pep


class RoomService:
    """Group chat for one session: the parts composed, and the one object the session talks to about rooms."""

    def __init__(self, ctx: SessionContext, *, open_conversation: OpenConversation,
                 persist: Callable[[ChatMessage], None], store_update: Callable[[ChatMessage], None],
                 private_pep: PrivatePep, updates: MessageUpdates, default_nick: str, on_joined: Callable[[str], None],
                 on_left: Callable[[str], None], self_ping_interval: float = SELF_PING_INTERVAL,
                 max_occupants: int = MAX_OCCUPANTS) -> None:
        """`on_joined(room)`: a room became joined (said once per join); `on_left(room)`: a room is not joined
        (left, being joined again, gone or closed), said on every such change."""
        self._ctx = ctx
        def joined(room_jid: str) -> None:
            if self._admin.fresh_features(room_jid) is None:  # (not asked just before joining)
                ctx.spawn(self._learn_features(room_jid), f"asking {room_jid} what it offers")
            on_joined(room_jid)

        writer = RoomWriter(ctx, open_conversation=open_conversation, persist=persist, store_update=store_update,
                            on_joined=joined, on_left=on_left)
        self._writer = writer
        self._outbox = RoomOutbox(ctx, writer)
        self._messages = RoomMessages(ctx, writer, self._outbox, updates,
                                      is_dormant=lambda room: self._joining.is_dormant(room))
        self._admin = RoomAdministration(ctx, writer, expect_refusal=self._messages.expect_refusal)
        self._joining = RoomJoining(ctx, writer, self._outbox, default_nick=default_nick,
                                    room_info=self._admin.room_info, self_ping_interval=self_ping_interval)
        self._occupants = RoomOccupants(ctx, writer, self._outbox, self._joining, max_occupants=max_occupants,
                                        accept_default_configuration=self._admin.accept_default_configuration)
        self._bookmarks = RoomBookmarks(ctx, writer, private_pep=private_pep, autojoin=self._joining.autojoin)

    async def _learn_features(self, room_jid: str) -> None:
        """What the room offers (XEP-0421 occupant ids, XEP-0425 moderation), asked once joined."""
        if not self._ctx.online:
            return
        features = await self._admin.room_features(room_jid)
        room = self._ctx.state.rooms.get(room_jid)
        if room is not None and features is not None:
            room.features = features

    # What the session's router hands us ---------------------------------------------------------------------

    def on_room_message(self, room: Room, stanza: Message) -> None:
        """A message from a room in `state.rooms` (by its sender's bare JID) or one of its occupants."""
        self._messages.on_room_message(room, stanza)

    def on_room_presence(self, room: Room, stanza: PresenceStanza) -> None:
        """A presence from a room in `state.rooms` (by its sender's bare JID) or one of its occupants."""
        self._occupants.on_room_presence(room, stanza)

    def on_invitation(self, invitation: muc.Invitation) -> None:
        """An invitation (direct or passed on by a room) from anyone but a room we hold: only asks the user."""
        self._messages.invitation_received(invitation)

    # The session's hooks ------------------------------------------------------------------------------------

    def rejoin_all(self) -> None:
        """A new session (not a resumed stream): the server forgot our rooms, so join them again."""
        self._joining.rejoin_all()

    async def load_bookmarks(self) -> None:
        """A new session: read our bookmarks and join the autojoin rooms we are not already in."""
        await self._bookmarks.load()

    def on_bookmarks_changed(self, change: pep.NodeChange) -> None:
        """A change to our XEP-0402 bookmarks node (from our own account: the router checked)."""
        self._bookmarks.on_bookmarks_changed(change)

    def on_private_bookmarks_changed(self, change: pep.NodeChange) -> None:
        """A change to our XEP-0048 bookmarks document, as its PEP node tells it (XEP-0411)."""
        self._bookmarks.on_private_bookmarks_changed(change)

    def own_presence_sent(self, presence: Presence) -> None:
        """Our presence changed: offline takes us out of every room, back joins them again, else each room
        is told the new show and status."""
        self._joining.own_presence_sent(presence)

    def stream_resumed(self) -> None:
        """The server kept our session, and with it our rooms: what waited for them goes now."""
        self._outbox.stream_resumed()

    def conversation_closed(self, jid: str) -> None:
        """Closing a room's conversation leaves the room and lets it go."""
        if self._joining.conversation_closed(jid) is not None:
            self._writer.removed(jid)
        self._occupants.forget(jid)

    def queue(self, message: ChatMessage) -> None:
        """One of our room messages to send again (a lost session's): now if we are in its room, else once in."""
        self._outbox.queue(message)

    def restore_pending(self, message: ChatMessage) -> None:
        """A room message still pending when the app last stopped: we join its room again (as the nick it was
        written under) and send it once in, unless the room's history shows it had arrived."""
        room = self._ctx.state.rooms.get(message.conversation)
        if room is None or room.state is RoomState.LEFT:
            room = self._joining.join(f"{message.conversation}/{message.sender}")
        self._outbox.restore(room, message)

    def self_ping(self) -> None:
        """XEP-0410: check that we are still in each joined room (runs by itself every few minutes)."""
        self._joining.self_ping()

    # The Session protocol's room methods --------------------------------------------------------------------

    async def join_room(self, address: str, password: str = "") -> None:
        room = self._joining.join(address, password)
        features = self._admin.fresh_features(room.jid)
        if features is not None and room.state is RoomState.JOINING:
            # What the room said when asked whether it exists: known before any of its history is filed, so
            # the first join's history is filed by occupant id where the room offers them, not by nick.
            room.features = features

    def join_later(self, address: str) -> None:
        """Join a room we were in at the last quit: the join waits for the session, then checks the room exists."""
        self._joining.join(address)

    async def leave_room(self, room: str, reason: str = "") -> None:
        self._joining.leave(room, reason)

    async def send_groupchat(self, room: str, body: str, attachment: Attachment | None = None,
                             reply_to: Reply | None = None) -> None:
        self._messages.send_groupchat(room, body, attachment, reply_to)

    async def send_private(self, occupant: str, body: str, attachment: Attachment | None = None) -> None:
        self._messages.send_private(occupant, body, attachment)

    async def open_private(self, room: str, nick: str) -> None:
        self._messages.open_private(room, nick)

    async def set_subject(self, room: str, subject: str) -> None:
        self._messages.set_subject(room, subject)

    async def change_nick(self, room: str, nick: str) -> None:
        self._joining.change_nick(room, nick)

    async def invite(self, room: str, jid: str, reason: str = "") -> None:
        await self._admin.invite(room, jid, reason)

    async def room_configuration(self, room: str) -> DataForm:
        return await self._admin.room_configuration(room)

    async def configure_room(self, room: str, form: DataForm | None) -> None:
        await self._admin.configure_room(room, form)

    async def request_voice(self, room: str) -> None:
        self._admin.request_voice(room)

    async def decline_invitation(self, room: str, inviter: str) -> None:
        self._admin.decline_invitation(room, inviter)

    async def list_rooms(self, service: str) -> list[RoomListing]:
        return await self._admin.list_rooms(service)

    async def room_exists(self, address: str) -> bool | None:
        return await self._admin.room_exists(address)

    async def bookmark_room(self, room: str, autojoin: bool = True) -> None:
        await self._bookmarks.bookmark_room(room, autojoin)

    async def remove_bookmark(self, room: str) -> None:
        await self._bookmarks.remove_bookmark(room)

    async def kick(self, room: str, nick: str, reason: str = "") -> None:
        await self._admin.kick(room, nick, reason)

    async def ban(self, room: str, nick: str, reason: str = "") -> None:
        await self._admin.ban(room, nick, reason)

    async def set_role(self, room: str, nick: str, role: Role, reason: str = "") -> None:
        await self._admin.set_role(room, nick, role, reason)

    async def set_affiliation(self, room: str, jid: str, affiliation: Affiliation, reason: str = "") -> None:
        await self._admin.set_affiliation(room, jid, affiliation, reason)
