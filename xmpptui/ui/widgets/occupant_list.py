"""OccupantList: a room's occupants grouped by role (moderators first), with affiliation marks and presence."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from xmpptui.model.presence import Presence
from xmpptui.model.room import AFFILIATION_MARKS, Role, Room, RoomState
from xmpptui.ui import render

ROLE_TITLES = {Role.MODERATOR: "Moderators", Role.PARTICIPANT: "Participants", Role.VISITOR: "Visitors",
               Role.NONE: "Others"}


def occupant_lines(room: Room) -> Text:
    """The list as text: a title per role, then `● ~nick` per occupant (mark: ~ owner, & admin, + member)."""
    text = Text(end="")
    if room.state is not RoomState.JOINED:
        text.append(room.state.value if not room.error else "not in the room", style="italic")
        return text
    for number, (role, occupants) in enumerate(room.by_role()):
        if number:
            text.append("\n")
        text.append(f"{ROLE_TITLES[role]} ({len(occupants)})", style="bold")
        for occupant in occupants:
            text.append("\n")
            text.append_text(render.presence_glyph(Presence(occupant.show)))
            text.append(" ")
            text.append(AFFILIATION_MARKS[occupant.affiliation] or " ", style="bold")
            style = f"bold {render.nick_style(occupant.nick)}" + (" underline" if occupant.nick == room.nick else "")
            text.append_text(render.plain(occupant.nick, style, single_line=True))
    return text


class OccupantList(Static):
    """Shown beside a room's log (toggled with a key); the screen gives it the active room."""

    def show_room(self, room: Room | None) -> None:
        self.update(occupant_lines(room) if room is not None else Text(""))

    def plain(self) -> str:
        """The list as shown, without styles (for tests)."""
        rendered = self.render()
        return rendered.plain if isinstance(rendered, Text) else str(rendered)
