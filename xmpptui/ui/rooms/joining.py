"""RoomJoining: getting into rooms. /join, the join dialog, /rooms and /bookmarks (pick one to join), a
bookmark picked in the roster; asking before a join creates a room, another nick or the password when the room
refuses, an invitation; and the configuration form of a room (a new one's as soon as we are in it)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Protocol

from xmpptui.model import events as ev
from xmpptui.model.room import Bookmark, RoomListing, RoomState
from xmpptui.model.state import ClientState
from xmpptui.ui.rooms.join import CreateRoomScreen
from xmpptui.ui.rooms.labels import room_of
from xmpptui.ui.shared import render
from xmpptui.ui.shared.controller import CommandLine, CommandTable, ScreenTools, run_then_clear
from xmpptui.ui.shared.dialogs import ConfirmScreen, PromptScreen

if TYPE_CHECKING:
    from xmpptui.model.forms import DataForm


class JoinSession(Protocol):
    """The part of the `Session` that joining uses."""

    @property
    def state(self) -> ClientState: ...

    async def join_room(self, address: str, password: str = "") -> None: ...

    async def room_exists(self, address: str) -> bool | None: ...

    async def list_rooms(self, service: str) -> list[RoomListing]: ...

    async def decline_invitation(self, room: str, inviter: str) -> None: ...

    async def room_configuration(self, room: str) -> DataForm: ...

    async def configure_room(self, room: str, form: DataForm | None) -> None: ...


class BookmarkShelf(Protocol):
    """Where the bookmarked rooms are listed (the roster view)."""

    def show_bookmarks(self, bookmarks: Iterable[Bookmark], rooms: Mapping[str, RoomState]) -> None: ...


class RoomJoining:
    def __init__(self, tools: ScreenTools, composer: CommandLine, *, active: Callable[[], str | None],
                 show_conversation: Callable[[str], None], bookmark_shelf: Callable[[], BookmarkShelf | None]) -> None:
        """`active`: the JID of the conversation on screen; `show_conversation`: bring one on screen;
        `bookmark_shelf`: where bookmarks are listed (None until the roster is shown)."""
        self._tools = tools
        self._composer = composer
        self._active = active
        self._show_conversation = show_conversation
        self._bookmark_shelf = bookmark_shelf
        self.session: JoinSession | None = None
        self._configure_once_joined: set[str] = set()
        """Rooms being created whose configuration form opens as soon as we are in."""

    def commands(self) -> CommandTable:
        """The slash commands that join rooms, by name (for MainScreen's command table)."""
        return {
            "join": self._command_join,
            "rooms": self._command_rooms,
            "bookmarks": self._command_bookmarks,
        }

    # Bookmarks --------------------------------------------------------------------------------

    def show_bookmarks(self) -> None:
        """The bookmarked rooms in the roster pane, with whether we are in each."""
        shelf = self._bookmark_shelf()
        if self.session is None or shelf is None:
            return
        rooms = self.session.state.rooms
        shelf.show_bookmarks(rooms.bookmarks.values(), {room.jid: room.state for room in rooms})

    def bookmark_selected(self, room_jid: str) -> None:
        """A bookmarked room picked in the roster: show it if we are in it (or joining), else join it."""
        if self.session is None:
            return
        room = self.session.state.rooms.get(room_jid)
        if room is not None and room.state is not RoomState.LEFT and room.jid in self.session.state.conversations:
            self._show_conversation(room.jid)
            self._composer.focus()
            return
        bookmark = self.session.state.rooms.bookmarks.get(room_jid)
        if bookmark is not None:
            self._join(f"{bookmark.room}/{bookmark.nick}" if bookmark.nick else bookmark.room, bookmark.password)
            self._composer.focus()

    # Events -----------------------------------------------------------------------------------

    def room_event(self, event: ev.RoomJoinFailed | ev.InvitationReceived) -> None:
        """A join the room refused (ask for another nick or the password), or an invitation (ask to join)."""
        if isinstance(event, ev.InvitationReceived):
            self._offer_invitation(event)
            return
        self._tools.notify(render.sanitize(event.reason), severity="warning", markup=False)
        room = self.session.state.rooms.get(event.jid) if self.session else None
        password = room.password if room is not None else ""
        if event.condition == "conflict":
            def chosen(nick: str | None) -> None:
                if nick and nick.strip():
                    self._join(f"{event.jid}/{nick.strip()}", password)

            self._tools.push_screen(PromptScreen(f"{event.reason}. Another nick (Escape cancels):",
                                                 value=f"{event.nick}_"), chosen)
        elif event.condition == "not-authorized":
            def entered(secret: str | None) -> None:
                if secret:
                    self._join(f"{event.jid}/{event.nick}", secret)

            self._tools.push_screen(PromptScreen(f"{event.reason}. Password (Escape cancels):",
                                                 password=True), entered)

    def _offer_invitation(self, event: ev.InvitationReceived) -> None:
        reason = f" ({event.reason})" if event.reason else ""
        question = f"{event.inviter or 'someone'} invites you to {event.room}{reason}. Join it?"

        def answered(yes: bool | None) -> None:
            if yes:
                self._join(event.room, event.password)
            else:
                if event.mediated and self.session is not None:
                    self._tools.run(self.session.decline_invitation(event.room, event.inviter), "decline invitation")
                self._tools.notify(render.sanitize(f"invitation to {event.room} declined"), markup=False)

        self._tools.push_screen(ConfirmScreen(question), answered)

    def room_changed(self, jid: str) -> None:
        """A room we create opens its configuration form once we are in."""
        if jid not in self._configure_once_joined or self.session is None:
            return
        room = self.session.state.rooms.get(jid)
        if room is None or room.state is RoomState.LEFT:
            self._configure_once_joined.discard(jid)  # the join failed: said in words already
        elif room.joined:
            self._configure_once_joined.discard(jid)
            self.configure(jid)

    # Joining ----------------------------------------------------------------------------------

    def _join(self, address: str, password: str = "", typed: str | None = None) -> None:
        """Join, after asking whether to create the room when it does not exist (a typo would create one)."""
        if self.session is None:
            return
        session = self.session

        def taken() -> None:
            if typed is not None and self._composer.text == typed:
                self._composer.clear()

        room = address.split("/", 1)[0].lower()

        def create(yes: bool | None, configure: bool) -> None:
            if yes:
                if configure:
                    self._configure_once_joined.add(room)
                self._tools.run(session.join_room(address, password), "join room", taken)

        async def join() -> None:
            if session.state.rooms.get(room) is None and await session.room_exists(address) is False:
                question = CreateRoomScreen(f"{room} does not exist. Create it (you will own it)?")
                self._tools.push_screen(question, lambda yes: create(yes, question.configure))
                return
            await session.join_room(address, password)
            taken()

        self._tools.run(join(), "join room")

    def join_dialog(self) -> None:
        """The join dialog (Alt+J, or /join alone)."""
        def chosen(result: tuple[str, str] | None) -> None:
            if result is not None:
                self._join(*result)

        from xmpptui.ui.rooms.join import JoinRoomScreen

        self._tools.push_screen(JoinRoomScreen(), chosen)

    def _command_join(self, args: str) -> None:
        if not args:
            self._composer.clear()
            self.join_dialog()
            return
        address, _, password = args.partition(" ")
        local, at, service = address.partition("@")
        if not (local and at and service.split("/", 1)[0]):
            self._tools.notify("usage: /join room@service[/nick] [password]", severity="warning")
            return
        self._join(address, password.strip(), typed=self._composer.text)

    def _command_rooms(self, args: str) -> None:
        if self.session is None:
            return
        session = self.session
        active = room_of(session.state, self._active())
        service = args.split()[0] if args.split() else (
            active.partition("@")[2] if active else f"conference.{session.state.jid.partition('@')[2]}")

        def chosen(room: str | None) -> None:
            if room:
                self._join(room)

        async def pick() -> None:
            listings = await session.list_rooms(service)
            if listings:
                from xmpptui.ui.rooms.picker import RoomPickerScreen

                self._tools.push_screen(RoomPickerScreen(service, listings), chosen)
            else:
                self._tools.notify(render.sanitize(f"{service} lists no rooms"), markup=False)

        run_then_clear(self._tools, self._composer, pick(), "list rooms")

    def _command_bookmarks(self, _args: str) -> None:
        if self.session is None:
            return
        saved = sorted(self.session.state.rooms.bookmarks.values(), key=lambda b: (b.name or b.room).casefold())
        if not saved:
            self._tools.notify("no bookmarks yet: /bookmark in a room saves it", severity="warning")
            return
        self._composer.clear()
        listings = [RoomListing(b.room, (b.name or "") + (" (autojoin)" if b.autojoin else "")) for b in saved]

        def chosen(room: str | None) -> None:
            bookmark = self.session.state.rooms.bookmarks.get(room or "") if self.session else None
            if bookmark is not None:
                nick = f"/{bookmark.nick}" if bookmark.nick else ""
                self._join(f"{bookmark.room}{nick}", bookmark.password)

        from xmpptui.ui.rooms.picker import RoomPickerScreen

        self._tools.push_screen(RoomPickerScreen("your bookmarks", listings), chosen)

    def configure(self, room: str) -> None:
        """Open the room's configuration form and send back what the user makes of it."""
        if self.session is None:
            return
        session = self.session

        def answered(form: DataForm | None) -> None:
            self._tools.run(session.configure_room(room, form), "configure room")

        async def fetch() -> None:
            form = await session.room_configuration(room)
            from xmpptui.ui.rooms.room_config import RoomConfigScreen

            self._tools.push_screen(RoomConfigScreen(room, form), answered)

        run_then_clear(self._tools, self._composer, fetch(), "configure room")
