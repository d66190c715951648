"""RoomController: the slash commands used in a room (/msg, /part, /nick, /subject, /bookmark, /invite,
/configure, /voice, /kick, /ban, /role, /affiliation) and the notification of a mention."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from xmpptui.model.conversation import ChatMessage, Conversation
from xmpptui.model.room import Affiliation, Role
from xmpptui.model.state import ClientState
from xmpptui.ui.rooms.labels import conversation_label, nicks_in, room_of, split_nick
from xmpptui.ui.shared import render
from xmpptui.ui.shared.controller import CommandHandler, CommandLine, CommandTable, ScreenTools, run_then_clear


class RoomSession(Protocol):
    """The part of the `Session` the commands in a room use."""

    @property
    def state(self) -> ClientState: ...

    async def leave_room(self, room: str, reason: str = "") -> None: ...

    async def send_private(self, occupant: str, body: str) -> None: ...

    async def open_private(self, room: str, nick: str) -> None: ...

    async def change_nick(self, room: str, nick: str) -> None: ...

    async def set_subject(self, room: str, subject: str) -> None: ...

    async def bookmark_room(self, room: str, autojoin: bool = True) -> None: ...

    async def remove_bookmark(self, room: str) -> None: ...

    async def invite(self, room: str, jid: str, reason: str = "") -> None: ...

    async def request_voice(self, room: str) -> None: ...

    async def kick(self, room: str, nick: str, reason: str = "") -> None: ...

    async def ban(self, room: str, nick: str, reason: str = "") -> None: ...

    async def set_role(self, room: str, nick: str, role: Role, reason: str = "") -> None: ...

    async def set_affiliation(self, room: str, jid: str, affiliation: Affiliation, reason: str = "") -> None: ...


class RoomController:
    def __init__(self, tools: ScreenTools, composer: CommandLine, *, active: Callable[[], str | None],
                 chat_command: CommandHandler, configure: Callable[[str], None]) -> None:
        """`active`: the JID of the conversation on screen; `chat_command`: /chat, which /msg is outside a room;
        `configure`: open a room's configuration form."""
        self._tools = tools
        self._composer = composer
        self._active = active
        self._chat_command = chat_command
        self._configure = configure
        self.session: RoomSession | None = None

    def commands(self) -> CommandTable:
        """The slash commands used in a room, by name (for MainScreen's command table)."""
        return {
            "msg": self._command_msg,
            "part": self._command_part,
            "nick": self._command_nick,
            "subject": self._command_subject,
            "bookmark": self._command_bookmark,
            "unbookmark": self._command_unbookmark,
            "invite": self._command_invite,
            "configure": self._command_configure,
            "voice": self._command_voice,
            "kick": self._command_kick,
            "ban": self._command_ban,
            "role": self._command_role,
            "affiliation": self._command_affiliation,
        }

    def conversation_label(self, conversation: Conversation) -> str:
        """What the conversation bar calls a room's conversation (or a private chat through a room)."""
        rooms = self.session.state.rooms if self.session else None
        return conversation_label(conversation, rooms.get(conversation.jid) if rooms is not None else None)

    def mentioned(self, message: ChatMessage) -> None:
        """A room message that names us, while another conversation is on screen: say so."""
        if message.conversation != self._active():
            room = message.conversation.partition("@")[0]
            self._tools.notify(render.sanitize(f"{message.sender} in {room}: {message.body}"[:200], single_line=True),
                               title="you were mentioned", markup=False)

    # Commands in a room -----------------------------------------------------------------------

    def _room_or_warn(self) -> str | None:
        room = room_of(self.session.state, self._active()) if self.session else None
        if room is None:
            self._tools.notify("this is not a room: switch to a room's conversation (or /join one)",
                               severity="warning")
        return room

    def _call(self, work: Awaitable[object], name: str) -> None:
        run_then_clear(self._tools, self._composer, work, name)

    def _nicks(self, room: str) -> list[str]:
        return nicks_in(self.session.state, room) if self.session else []

    def _command_msg(self, args: str) -> None:
        room = room_of(self.session.state, self._active()) if self.session else None
        if room is None:
            self._chat_command(args)
            return
        if not args or self.session is None:
            self._tools.notify("usage: /msg NICK TEXT", severity="warning")
            return
        nick, text = split_nick(args, self._nicks(room))
        if text:
            self._call(self.session.send_private(f"{room}/{nick}", text), "private message")
        else:
            self._call(self.session.open_private(room, nick), "private message")

    def _command_part(self, args: str) -> None:
        room = self._room_or_warn()
        if room is not None and self.session is not None:
            self._call(self.session.leave_room(room, args), "leave room")

    def _command_nick(self, args: str) -> None:
        room = self._room_or_warn()
        if room is None or self.session is None:
            return
        if not args:
            self._tools.notify("usage: /nick NEWNICK", severity="warning")
            return
        self._call(self.session.change_nick(room, args), "change nick")

    def _command_subject(self, args: str) -> None:
        room = self._room_or_warn()
        if room is not None and self.session is not None:
            self._call(self.session.set_subject(room, args), "change subject")

    def _command_bookmark(self, args: str) -> None:
        room = self._room_or_warn()
        if room is None or self.session is None:
            return
        if args not in ("", "autojoin", "noautojoin"):
            self._tools.notify("usage: /bookmark [noautojoin]", severity="warning")
            return
        self._call(self.session.bookmark_room(room, autojoin=args != "noautojoin"), "bookmark")

    def _command_unbookmark(self, _args: str) -> None:
        room = self._room_or_warn()
        if room is not None and self.session is not None:
            self._call(self.session.remove_bookmark(room), "remove bookmark")

    def _command_invite(self, args: str) -> None:
        room = self._room_or_warn()
        if room is None or self.session is None:
            return
        jid, _, reason = args.partition(" ")
        if "@" not in jid:
            self._tools.notify("usage: /invite JID [reason]", severity="warning")
            return
        self._call(self.session.invite(room, jid, reason.strip()), "invite")

    def _command_configure(self, _args: str) -> None:
        room = self._room_or_warn()
        if room is not None:
            self._configure(room)

    def _command_voice(self, _args: str) -> None:
        room = self._room_or_warn()
        if room is not None and self.session is not None:
            self._call(self.session.request_voice(room), "request voice")

    def _command_kick(self, args: str) -> None:
        self._moderate(args, "kick")

    def _command_ban(self, args: str) -> None:
        self._moderate(args, "ban")

    def _moderate(self, args: str, what: str) -> None:
        room = self._room_or_warn()
        if room is None or self.session is None:
            return
        if not args:
            self._tools.notify(f"usage: /{what} NICK [reason]", severity="warning")
            return
        nick, reason = split_nick(args, self._nicks(room))
        call = self.session.kick if what == "kick" else self.session.ban
        self._call(call(room, nick, reason), what)

    def _command_role(self, args: str) -> None:
        room = self._room_or_warn()
        if room is None or self.session is None:
            return
        nick, _, word = args.rpartition(" ")
        try:
            role = Role.parse(word)
        except ValueError as exc:
            self._tools.notify(f"{exc}; usage: /role NICK ROLE", severity="warning", markup=False)
            return
        if not nick:
            self._tools.notify("usage: /role NICK moderator|participant|visitor|none", severity="warning")
            return
        self._call(self.session.set_role(room, nick, role), "change role")

    def _command_affiliation(self, args: str) -> None:
        room = self._room_or_warn()
        if room is None or self.session is None:
            return
        jid, _, rest = args.partition(" ")
        word, _, reason = rest.strip().partition(" ")
        try:
            affiliation = Affiliation.parse(word)
        except ValueError as exc:
            self._tools.notify(f"{exc}; usage: /affiliation JID AFFILIATION", severity="warning", markup=False)
            return
        if "@" not in jid:
            self._tools.notify("usage: /affiliation JID owner|admin|member|outcast|none", severity="warning")
            return
        self._call(self.session.set_affiliation(room, jid, affiliation, reason.strip()), "change affiliation")
