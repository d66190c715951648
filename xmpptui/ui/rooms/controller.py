"""The main screen's group-chat part: room slash commands, the subject line and occupant pane, and the
dialogs a room can ask for (another nick, a password, an invitation)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Static

from xmpptui.model import events as ev
from xmpptui.model import jid as jids
from xmpptui.model.conversation import ChatMessage, Conversation, ConversationKind
from xmpptui.model.room import Affiliation, Role, Room, RoomListing, RoomState
from xmpptui.ui.contacts.roster_view import RosterView
from xmpptui.ui.rooms.occupant_list import OccupantList
from xmpptui.ui.shared import render
from xmpptui.ui.shared.dialogs import ConfirmScreen, PromptScreen

if TYPE_CHECKING:
    from xmpptui.model.forms import DataForm
    from xmpptui.session import Session


def conversation_label(conversation: Conversation, room: Room | None) -> str:
    """What the conversation bar calls a conversation that is not a contact's."""
    if conversation.kind is ConversationKind.GROUPCHAT:
        label = conversation.jid.partition("@")[0]
        if room is None or room.state is RoomState.LEFT:
            label += " (not joined)"
        elif room.state is RoomState.JOINING:
            label += " (joining)"
        return label + (f" @{conversation.mentions}" if conversation.mentions else "")
    if conversation.kind is ConversationKind.PRIVATE:
        room_jid, nick = jids.bare(conversation.jid), jids.resource(conversation.jid)
        return f"{nick} ({room_jid.partition('@')[0]})"
    return conversation.jid


def split_nick(args: str, nicks: list[str]) -> tuple[str, str]:
    """`nick rest` -> (nick, rest); the longest occupant nick the text starts with wins (nicks may hold spaces)."""
    for nick in sorted(nicks, key=len, reverse=True):
        if args == nick or args.startswith(f"{nick} "):
            return nick, args[len(nick):].strip()
    nick, _, rest = args.partition(" ")
    return nick, rest.strip()


class CreateRoomScreen(ConfirmScreen):
    """Whether to create a room that does not exist: `y`/Enter creates it with the default configuration,
    `c` creates it and opens its configuration form (`configure` says which), `n`/Escape does not."""

    BINDINGS = [Binding("c", "create_and_configure", "Create and configure", id="confirm_create_configure")]
    HINT = "y / Enter: create it    c: create it and open its configuration    n / Escape: no"

    def __init__(self, question: str) -> None:
        super().__init__(question)
        self.configure = False

    def action_create_and_configure(self) -> None:
        self.configure = True
        self.dismiss(True)


class RoomCommandsMixin:
    """Mixed into MainScreen, which provides `session`, `active`, `composer`, `_run` and `_send`."""

    session: Session | None
    active: str | None
    occupants_shown = True
    """The occupant pane is shown beside a room's log (toggled with a key)."""
    _configure_once_joined: set[str]
    """Rooms being created whose configuration form opens as soon as we are in (set up by MainScreen)."""

    if TYPE_CHECKING:
        app: Any
        composer: Any

        def _run(self, work: Awaitable[object], name: str, on_success: Any = None) -> None: ...
        def _send(self, body: str) -> None: ...
        def switch_to(self, jid: str) -> None: ...
        def query(self, selector: Any) -> Any: ...
        def _command_chat(self, args: str) -> None: ...
        def query_one(self, selector: Any, expect_type: Any = None) -> Any: ...

    def room_commands(self) -> dict[str, Callable[[str], None]]:
        """The slash commands of rooms, by name (for MainScreen's command table)."""
        return {
            "msg": self._command_msg,
            "me": self._command_me,
            "join": self._command_join,
            "rooms": self._command_rooms,
            "part": self._command_part,
            "nick": self._command_nick,
            "subject": self._command_subject,
            "bookmark": self._command_bookmark,
            "bookmarks": self._command_bookmarks,
            "unbookmark": self._command_unbookmark,
            "invite": self._command_invite,
            "configure": self._command_configure,
            "voice": self._command_voice,
            "kick": self._command_kick,
            "ban": self._command_ban,
            "role": self._command_role,
            "affiliation": self._command_affiliation,
        }

    # Panes ------------------------------------------------------------------------------------

    def _active_room_jid(self) -> str | None:
        """The room of the active conversation (a room's, or a private chat through it)."""
        if self.session is None or self.active is None:
            return None
        conversation = self.session.state.conversations.get(self.active)
        if conversation is None:
            return None
        if conversation.kind is ConversationKind.GROUPCHAT:
            return conversation.jid
        if conversation.kind is ConversationKind.PRIVATE:
            return jids.bare(conversation.jid)
        return None

    def show_room_panes(self) -> None:
        """The subject line and occupant list for the active conversation's room (hidden for others)."""
        conversation = self.session.state.conversations.get(self.active) if self.session and self.active else None
        room = None
        if conversation is not None and conversation.kind is ConversationKind.GROUPCHAT and self.session:
            room = self.session.state.rooms.get(conversation.jid)
        subject = self.query_one("#room-subject", Static)
        subject.display = conversation is not None and conversation.kind is ConversationKind.GROUPCHAT
        if subject.display:
            line = Text(no_wrap=True, overflow="ellipsis", end="")
            if room is None or room.state is RoomState.LEFT:
                line.append("not in this room", style="italic")
                if room is not None and room.error:
                    line.append(": ")
                    line.append_text(render.plain(room.error, single_line=True))
                line.append(" (/join to rejoin)", style="italic")
            elif room.subject:
                line.append_text(render.plain(room.subject, "bold", single_line=True))
            else:
                line.append("no subject (/subject TEXT sets one)", style="italic")
            subject.update(line)
        pane = self.query_one("#occupant-pane")
        pane.display = room is not None and self.occupants_shown
        room_jid = room.jid if room is not None else None
        self.composer.nicks = (lambda: self._nicks(room_jid)) if room_jid else None
        self.query_one(OccupantList).show_room(room)

    def action_toggle_occupants(self) -> None:
        self.occupants_shown = not self.occupants_shown
        self.show_room_panes()

    def action_focus_occupants(self) -> None:
        if not self.query_one("#occupant-pane").display:
            self.occupants_shown = True
            self.show_room_panes()
        if self.query_one("#occupant-pane").display:
            self.query_one(OccupantList).focus()

    def on_occupant_list_chosen(self, message: OccupantList.Chosen) -> None:
        room_jid = self._active_room_jid()
        room = self.session.state.rooms.get(room_jid) if self.session and room_jid else None
        occupant = room.occupants.get(message.nick) if room is not None else None
        if room is None or occupant is None or self.session is None:
            return
        session, nick = self.session, message.nick
        if message.action == "private":
            self._run(session.open_private(room.jid, nick), "private chat")
            self.composer.focus()
            return
        if message.action == "voice":
            role = Role.VISITOR if occupant.role is not Role.VISITOR else Role.PARTICIPANT
            self._run(session.set_role(room.jid, nick, role), "change role")
            return
        call = session.kick if message.action == "kick" else session.ban

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._run(call(room.jid, nick, ""), message.action)

        self.app.push_screen(ConfirmScreen(f"{message.action.capitalize()} {nick} from {room.jid}?"), confirmed)

    def show_bookmarks(self) -> None:
        """The bookmarked rooms in the roster pane, with whether we are in each."""
        if self.session is None or not self.query(RosterView):
            return
        rooms = self.session.state.rooms
        self.query_one(RosterView).show_bookmarks(rooms.bookmarks.values(), {room.jid: room.state for room in rooms})

    def on_roster_view_bookmark_selected(self, message: RosterView.BookmarkSelected) -> None:
        """A bookmarked room picked in the roster: show it if we are in it (or joining), else join it."""
        if self.session is None:
            return
        room = self.session.state.rooms.get(message.room)
        if room is not None and room.state is not RoomState.LEFT and room.jid in self.session.state.conversations:
            self.switch_to(room.jid)
            self.composer.focus()
            return
        bookmark = self.session.state.rooms.bookmarks.get(message.room)
        if bookmark is not None:
            self._join(f"{bookmark.room}/{bookmark.nick}" if bookmark.nick else bookmark.room, bookmark.password)
            self.composer.focus()

    def occupant_list_text(self) -> str:
        return self.query_one(OccupantList).plain()

    # Events -----------------------------------------------------------------------------------

    def mentioned(self, message: ChatMessage) -> None:
        """A room message that names us, while another conversation is on screen: say so."""
        if message.conversation != self.active:
            room = message.conversation.partition("@")[0]
            self.app.notify(render.sanitize(f"{message.sender} in {room}: {message.body}"[:200], single_line=True),
                            title="you were mentioned", markup=False)

    def room_event(self, event: ev.RoomJoinFailed | ev.InvitationReceived) -> None:
        if isinstance(event, ev.InvitationReceived):
            self._offer_invitation(event)
            return
        self.app.notify(render.sanitize(event.reason), severity="warning", markup=False)
        room = self.session.state.rooms.get(event.jid) if self.session else None
        password = room.password if room is not None else ""
        if event.condition == "conflict":
            def chosen(nick: str | None) -> None:
                if nick and nick.strip():
                    self._join(f"{event.jid}/{nick.strip()}", password)

            self.app.push_screen(PromptScreen(render.sanitize(f"{event.reason}. Another nick (Escape cancels):"),
                                              value=f"{event.nick}_"), chosen)
        elif event.condition == "not-authorized":
            def entered(secret: str | None) -> None:
                if secret:
                    self._join(f"{event.jid}/{event.nick}", secret)

            self.app.push_screen(PromptScreen(render.sanitize(f"{event.reason}. Password (Escape cancels):"),
                                              password=True), entered)

    def _offer_invitation(self, event: ev.InvitationReceived) -> None:
        reason = f" ({event.reason})" if event.reason else ""
        question = f"{event.inviter or 'someone'} invites you to {event.room}{reason}. Join it?"

        def answered(yes: bool | None) -> None:
            if yes:
                self._join(event.room, event.password)
            else:
                if event.mediated and self.session is not None:
                    self._run(self.session.decline_invitation(event.room, event.inviter), "decline invitation")
                self.app.notify(render.sanitize(f"invitation to {event.room} declined"), markup=False)

        self.app.push_screen(ConfirmScreen(question), answered)

    # Commands ---------------------------------------------------------------------------------

    def _join(self, address: str, password: str = "", typed: str | None = None) -> None:
        """Join, after asking whether to create the room when it does not exist (a typo would create one)."""
        if self.session is None:
            return
        session = self.session

        def taken() -> None:
            if typed is not None and self.composer.text == typed:
                self.composer.clear()

        room = address.split("/", 1)[0].lower()

        def create(yes: bool | None, configure: bool) -> None:
            if yes:
                if configure:
                    self._configure_once_joined.add(room)
                self._run(session.join_room(address, password), "join room", taken)

        async def join() -> None:
            if session.state.rooms.get(room) is None and await session.room_exists(address) is False:
                question = CreateRoomScreen(f"{room} does not exist. Create it (you will own it)?")
                self.app.push_screen(question, lambda yes: create(yes, question.configure))
                return
            await session.join_room(address, password)
            taken()

        self._run(join(), "join room")

    def _command_join(self, args: str) -> None:
        if not args:
            self.composer.clear()
            self.action_join_room()
            return
        address, _, password = args.partition(" ")
        local, at, service = address.partition("@")
        if not (local and at and service.split("/", 1)[0]):
            self.app.notify("usage: /join room@service[/nick] [password]", severity="warning")
            return
        self._join(address, password.strip(), typed=self.composer.text)

    def action_join_room(self) -> None:
        def chosen(result: tuple[str, str] | None) -> None:
            if result is not None:
                self._join(*result)

        from xmpptui.ui.rooms.join import JoinRoomScreen

        self.app.push_screen(JoinRoomScreen(), chosen)

    def _command_rooms(self, args: str) -> None:
        if self.session is None:
            return
        session = self.session
        active = self._active_room_jid()
        service = args.split()[0] if args.split() else (
            active.partition("@")[2] if active else f"conference.{session.state.jid.partition('@')[2]}")

        def chosen(room: str | None) -> None:
            if room:
                self._join(room)

        async def pick() -> None:
            listings = await session.list_rooms(service)
            if listings:
                from xmpptui.ui.rooms.picker import RoomPickerScreen

                self.app.push_screen(RoomPickerScreen(service, listings), chosen)
            else:
                self.app.notify(render.sanitize(f"{service} lists no rooms"), markup=False)

        self._room_call(pick(), "list rooms")

    def _command_bookmarks(self, _args: str) -> None:
        if self.session is None:
            return
        saved = sorted(self.session.state.rooms.bookmarks.values(), key=lambda b: (b.name or b.room).casefold())
        if not saved:
            self.app.notify("no bookmarks yet: /bookmark in a room saves it", severity="warning")
            return
        self.composer.clear()
        listings = [RoomListing(b.room, (b.name or "") + (" (autojoin)" if b.autojoin else "")) for b in saved]

        def chosen(room: str | None) -> None:
            bookmark = self.session.state.rooms.bookmarks.get(room or "") if self.session else None
            if bookmark is not None:
                nick = f"/{bookmark.nick}" if bookmark.nick else ""
                self._join(f"{bookmark.room}{nick}", bookmark.password)

        from xmpptui.ui.rooms.picker import RoomPickerScreen

        self.app.push_screen(RoomPickerScreen("your bookmarks", listings), chosen)

    def _room_or_warn(self) -> str | None:
        room = self._active_room_jid()
        if room is None:
            self.app.notify("this is not a room: switch to a room's conversation (or /join one)",
                            severity="warning")
        return room

    def _room_call(self, work: Awaitable[object], name: str) -> None:
        typed = self.composer.text

        def done() -> None:
            if self.composer.text == typed:
                self.composer.clear()

        self._run(work, name, done)

    def _nicks(self, room: str) -> list[str]:
        state = self.session.state.rooms.get(room) if self.session else None
        return list(state.occupants) if state is not None else []

    def _command_msg(self, args: str) -> None:
        room = self._active_room_jid()
        if room is None:
            self._command_chat(args)
            return
        if not args or self.session is None:
            self.app.notify("usage: /msg NICK TEXT", severity="warning")
            return
        nick, text = split_nick(args, self._nicks(room))
        if text:
            self._room_call(self.session.send_private(f"{room}/{nick}", text), "private message")
        else:
            self._room_call(self.session.open_private(room, nick), "private message")

    def _command_me(self, args: str) -> None:
        if not args:
            self.app.notify("usage: /me TEXT", severity="warning")
            return
        self._send(f"/me {args}")

    def _command_part(self, args: str) -> None:
        room = self._room_or_warn()
        if room is not None and self.session is not None:
            self._room_call(self.session.leave_room(room, args), "leave room")

    def _command_nick(self, args: str) -> None:
        room = self._room_or_warn()
        if room is None or self.session is None:
            return
        if not args:
            self.app.notify("usage: /nick NEWNICK", severity="warning")
            return
        self._room_call(self.session.change_nick(room, args), "change nick")

    def _command_subject(self, args: str) -> None:
        room = self._room_or_warn()
        if room is not None and self.session is not None:
            self._room_call(self.session.set_subject(room, args), "change subject")

    def _command_bookmark(self, args: str) -> None:
        room = self._room_or_warn()
        if room is None or self.session is None:
            return
        if args not in ("", "autojoin", "noautojoin"):
            self.app.notify("usage: /bookmark [noautojoin]", severity="warning")
            return
        self._room_call(self.session.bookmark_room(room, autojoin=args != "noautojoin"), "bookmark")

    def _command_unbookmark(self, _args: str) -> None:
        room = self._room_or_warn()
        if room is not None and self.session is not None:
            self._room_call(self.session.remove_bookmark(room), "remove bookmark")

    def _command_invite(self, args: str) -> None:
        room = self._room_or_warn()
        if room is None or self.session is None:
            return
        jid, _, reason = args.partition(" ")
        if "@" not in jid:
            self.app.notify("usage: /invite JID [reason]", severity="warning")
            return
        self._room_call(self.session.invite(room, jid, reason.strip()), "invite")

    def room_changed(self, jid: str) -> None:
        if jid not in self._configure_once_joined or self.session is None:
            return
        room = self.session.state.rooms.get(jid)
        if room is None or room.state is RoomState.LEFT:
            self._configure_once_joined.discard(jid)  # the join failed: said in words already
        elif room.joined:
            self._configure_once_joined.discard(jid)
            self._configure(jid)

    def _command_configure(self, _args: str) -> None:
        room = self._room_or_warn()
        if room is not None:
            self._configure(room)

    def _configure(self, room: str) -> None:
        """Open the room's configuration form and send back what the user makes of it."""
        if self.session is None:
            return
        session = self.session

        def answered(form: DataForm | None) -> None:
            self._run(session.configure_room(room, form), "configure room")

        async def fetch() -> None:
            form = await session.room_configuration(room)
            from xmpptui.ui.rooms.room_config import RoomConfigScreen

            self.app.push_screen(RoomConfigScreen(room, form), answered)

        self._room_call(fetch(), "configure room")

    def _command_voice(self, _args: str) -> None:
        room = self._room_or_warn()
        if room is not None and self.session is not None:
            self._room_call(self.session.request_voice(room), "request voice")

    def _command_kick(self, args: str) -> None:
        self._moderate(args, "kick")

    def _command_ban(self, args: str) -> None:
        self._moderate(args, "ban")

    def _moderate(self, args: str, what: str) -> None:
        room = self._room_or_warn()
        if room is None or self.session is None:
            return
        if not args:
            self.app.notify(f"usage: /{what} NICK [reason]", severity="warning")
            return
        nick, reason = split_nick(args, self._nicks(room))
        call = self.session.kick if what == "kick" else self.session.ban
        self._room_call(call(room, nick, reason), what)

    def _command_role(self, args: str) -> None:
        room = self._room_or_warn()
        if room is None or self.session is None:
            return
        nick, _, word = args.rpartition(" ")
        try:
            role = Role.parse(word)
        except ValueError as exc:
            self.app.notify(f"{exc}; usage: /role NICK ROLE", severity="warning", markup=False)
            return
        if not nick:
            self.app.notify("usage: /role NICK moderator|participant|visitor|none", severity="warning")
            return
        self._room_call(self.session.set_role(room, nick, role), "change role")

    def _command_affiliation(self, args: str) -> None:
        room = self._room_or_warn()
        if room is None or self.session is None:
            return
        jid, _, rest = args.partition(" ")
        word, _, reason = rest.strip().partition(" ")
        try:
            affiliation = Affiliation.parse(word)
        except ValueError as exc:
            self.app.notify(f"{exc}; usage: /affiliation JID AFFILIATION", severity="warning", markup=False)
            return
        if "@" not in jid:
            self.app.notify("usage: /affiliation JID owner|admin|member|outcast|none", severity="warning")
            return
        self._room_call(self.session.set_affiliation(room, jid, affiliation, reason.strip()), "change affiliation")
