"""RoomPanes: beside the active conversation's log, its room's subject line and occupant list (both hidden for
other conversations), the room's nicks for Tab completion in the composer, and what Enter, v, k and b do on an
occupant in the list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Static

from xmpptui.model.conversation import ConversationKind
from xmpptui.model.room import Role, RoomState
from xmpptui.model.state import ClientState
from xmpptui.ui.rooms.labels import nicks_in, room_of
from xmpptui.ui.rooms.occupant_list import OccupantList
from xmpptui.ui.shared import render
from xmpptui.ui.shared.controller import CommandLine, ScreenTools
from xmpptui.ui.shared.dialogs import ConfirmScreen


class OccupantSession(Protocol):
    """The part of the `Session` the panes use."""

    @property
    def state(self) -> ClientState: ...

    async def open_private(self, room: str, nick: str) -> None: ...

    async def set_role(self, room: str, nick: str, role: Role, reason: str = "") -> None: ...

    async def kick(self, room: str, nick: str, reason: str = "") -> None: ...

    async def ban(self, room: str, nick: str, reason: str = "") -> None: ...


class NickCompletion(CommandLine, Protocol):
    nicks: Callable[[], list[str]] | None
    """The nicks Tab completes; None: Tab moves the focus."""


class RoomPanes:
    def __init__(self, tools: ScreenTools, composer: NickCompletion, subject: Static, pane: Widget,
                 occupants: OccupantList, active: Callable[[], str | None]) -> None:
        """`subject`: the line over the log; `pane`: what holds `occupants` (shown or hidden); `active`: the
        JID of the conversation on screen."""
        self._tools = tools
        self._composer = composer
        self._subject = subject
        self._pane = pane
        self._occupants = occupants
        self._active = active
        self.session: OccupantSession | None = None
        self.occupants_shown = True
        """The occupant pane is shown beside a room's log (toggled with a key)."""
        self._subject_shown: Text | None = None

    def show(self) -> None:
        """The subject line and occupant list for the active conversation's room (hidden for others)."""
        active = self._active()
        conversation = self.session.state.conversations.get(active) if self.session and active else None
        room = None
        if conversation is not None and conversation.kind is ConversationKind.GROUPCHAT and self.session:
            room = self.session.state.rooms.get(conversation.jid)
        subject = self._subject
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
            if line != self._subject_shown:
                # Only when it changed, and without a layout: the line is one row high whatever it says. (A
                # layout redraws the whole screen: it came with every batch of occupants' presences, #20.)
                self._subject_shown = line
                subject.update(line, layout=False)
        self._pane.display = room is not None and self.occupants_shown
        room_jid = room.jid if room is not None else None
        self._composer.nicks = (lambda: self._nicks(room_jid)) if room_jid else None
        self._occupants.show_room(room)

    def _nicks(self, room: str) -> list[str]:
        return nicks_in(self.session.state, room) if self.session else []

    def toggle(self) -> None:
        self.occupants_shown = not self.occupants_shown
        self.show()

    def focus_occupants(self) -> None:
        if not self._pane.display:
            self.occupants_shown = True
            self.show()
        if self._pane.display:
            self._occupants.focus()

    def text(self) -> str:
        """The occupant list as plain text (what a screen reader or a test sees)."""
        return self._occupants.plain()

    def occupant_chosen(self, message: OccupantList.Chosen) -> None:
        """Enter (a private chat), v (voice) or k / b (kick, ban: after a confirmation) on an occupant."""
        room_jid = room_of(self.session.state, self._active()) if self.session else None
        room = self.session.state.rooms.get(room_jid) if self.session and room_jid else None
        occupant = room.occupants.get(message.nick) if room is not None else None
        if room is None or occupant is None or self.session is None:
            return
        session, nick = self.session, message.nick
        if message.action == "private":
            self._tools.run(session.open_private(room.jid, nick), "private chat")
            self._composer.focus()
            return
        if message.action == "voice":
            role = Role.VISITOR if occupant.role is not Role.VISITOR else Role.PARTICIPANT
            self._tools.run(session.set_role(room.jid, nick, role), "change role")
            return
        call = session.kick if message.action == "kick" else session.ban

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._tools.run(call(room.jid, nick, ""), message.action)

        self._tools.push_screen(ConfirmScreen(f"{message.action.capitalize()} {nick} from {room.jid}?"), confirmed)
