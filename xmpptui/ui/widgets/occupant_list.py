"""OccupantList: a room's occupants grouped by role (moderators first), with affiliation marks and presence.
Focused, it has a cursor: Enter opens a private chat with the occupant, k kicks, b bans, v gives or takes
voice (the screen asks for confirmation and calls the session)."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Static

from xmpptui.model.presence import Presence
from xmpptui.model.room import AFFILIATION_MARKS, Role, Room, RoomState
from xmpptui.ui import render

ROLE_TITLES = {Role.MODERATOR: "Moderators", Role.PARTICIPANT: "Participants", Role.VISITOR: "Visitors",
               Role.NONE: "Others"}


def occupant_lines(room: Room) -> list[tuple[str | None, Text]]:
    """One (nick, line) per row: a title per role (nick None), then `● ~nick` per occupant
    (marks: ~ owner, & admin, + member, ! outcast)."""
    if room.state is not RoomState.JOINED:
        return [(None, Text(room.state.value if not room.error else "not in the room", style="italic"))]
    rows: list[tuple[str | None, Text]] = []
    for role, occupants in room.by_role():
        rows.append((None, Text(f"{ROLE_TITLES[role]} ({len(occupants)})", style="bold")))
        for occupant in occupants:
            line = Text(no_wrap=True, overflow="ellipsis")
            line.append_text(render.presence_glyph(Presence(occupant.show)))
            line.append(" ")
            line.append(AFFILIATION_MARKS[occupant.affiliation] or " ", style="bold")
            style = f"bold {render.nick_style(occupant.nick)}" + (" underline" if occupant.nick == room.nick else "")
            line.append_text(render.plain(occupant.nick, style, single_line=True))
            rows.append((occupant.nick, line))
    return rows


class OccupantList(Static, can_focus=True):
    """Shown beside a room's log (toggled with a key); the screen gives it the active room."""

    BINDINGS = [
        Binding("up", "move(-1)", "Previous", id="occupant_up", show=False),
        Binding("down", "move(1)", "Next", id="occupant_down", show=False),
        Binding("enter", "act('private')", "Private chat", id="occupant_private"),
        Binding("k", "act('kick')", "Kick", id="occupant_kick"),
        Binding("b", "act('ban')", "Ban", id="occupant_ban"),
        Binding("v", "act('voice')", "Voice", id="occupant_voice"),
    ]

    class Chosen(Message):
        """The user asked for `action` (private, kick, ban, voice) on the occupant `nick`."""

        def __init__(self, nick: str, action: str) -> None:
            super().__init__()
            self.nick = nick
            self.action = action

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: list[tuple[str | None, Text]] = []
        self._cursor: str | None = None
        """The nick under the cursor (kept across updates while that occupant stays)."""

    @property
    def cursor(self) -> str | None:
        return self._cursor

    def show_room(self, room: Room | None) -> None:
        self._rows = occupant_lines(room) if room is not None else []
        nicks = [nick for nick, _ in self._rows if nick is not None]
        if self._cursor not in nicks:
            self._cursor = nicks[0] if nicks else None
        self._paint()

    def _paint(self) -> None:
        text = Text(end="")
        for number, (nick, line) in enumerate(self._rows):
            if number:
                text.append("\n")
            shown = line.copy()
            if nick is not None and nick == self._cursor and self.has_focus:
                shown.stylize("reverse")
            text.append_text(shown)
        self.update(text)

    def on_focus(self) -> None:
        self._paint()

    def on_blur(self) -> None:
        self._paint()

    def action_move(self, step: int) -> None:
        nicks = [nick for nick, _ in self._rows if nick is not None]
        if not nicks:
            return
        index = nicks.index(self._cursor) if self._cursor in nicks else 0
        self._cursor = nicks[max(0, min(len(nicks) - 1, index + step))]
        self._paint()

    def action_act(self, action: str) -> None:
        if self._cursor is not None:
            self.post_message(self.Chosen(self._cursor, action))

    def plain(self) -> str:
        """The list as shown, without styles (for tests)."""
        return "\n".join(line.plain for _, line in self._rows)
