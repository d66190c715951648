"""OccupantList: a room's occupants grouped by role (moderators first), with affiliation marks and presence.
Focused, it has a cursor: Enter opens a private chat with the occupant, k kicks, b bans, v gives or takes
voice (the screen asks for confirmation and calls the session)."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip

from xmpptui.model.presence import Presence
from xmpptui.model.room import AFFILIATION_MARKS, Occupant, Role, Room, RoomState
from xmpptui.ui.shared import render
from xmpptui.ui.shared.line_view import LineView

ROLE_TITLES = {Role.MODERATOR: "Moderators", Role.PARTICIPANT: "Participants", Role.VISITOR: "Visitors",
               Role.NONE: "Others"}


Row = tuple[str | None, "Occupant | Text"]
"""(nick, occupant) for an occupant; (None, title) for a role's title or the room's state."""


def occupant_rows(room: Room) -> list[Row]:
    """A title per role (moderators first), then its occupants, sorted; or one line saying why we are not in."""
    if room.state is not RoomState.JOINED:
        return [(None, Text(room.state.value if not room.error else "not in the room", style="italic"))]
    rows: list[Row] = []
    for role, occupants in room.by_role():
        rows.append((None, Text(f"{ROLE_TITLES[role]} ({len(occupants)})", style="bold")))
        rows.extend((occupant.nick, occupant) for occupant in occupants)
    return rows


def occupant_line(occupant: Occupant, own_nick: str) -> Text:
    """`● ~nick`: presence, affiliation mark (~ owner, & admin, + member, ! outcast), the nick in its colour
    (underlined for ours)."""
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append_text(render.presence_glyph(Presence(occupant.show)))
    line.append(" ")
    line.append(AFFILIATION_MARKS[occupant.affiliation] or " ", style="bold")
    style = f"bold {render.nick_style(occupant.nick)}" + (" underline" if occupant.nick == own_nick else "")
    line.append_text(render.plain(occupant.nick, style, single_line=True))
    return line


class OccupantList(LineView, can_focus=True):
    """Shown beside a room's log (toggled with a key); the screen gives it the active room. Built on the Line
    API like the roster: only the rows on screen are rendered (a room may hold thousands of occupants)."""

    DEFAULT_CSS = """
    OccupantList {
        overflow-x: hidden;
    }
    """

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
        self._rows: list[Row] = []
        self._own_nick = ""
        self._cursor: str | None = None
        """The nick under the cursor (kept across updates while that occupant stays)."""
        self._cache: LRUCache[tuple[object, ...], Strip] = LRUCache(256)

    @property
    def cursor(self) -> str | None:
        return self._cursor

    def show_room(self, room: Room | None) -> None:
        self._rows = occupant_rows(room) if room is not None else []
        self._own_nick = room.nick if room is not None else ""
        nicks = [nick for nick, _ in self._rows if nick is not None]
        if self._cursor not in nicks:
            self._cursor = nicks[0] if nicks else None
        self._cache.clear()
        self.virtual_size = Size(self.scrollable_content_region.width, len(self._rows))
        self.refresh()

    def render_line(self, y: int) -> Strip:
        _, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        base: Style = self.line_style
        if index >= len(self._rows):
            return Strip.blank(width, base)
        nick, _ = self._rows[index]
        marked = nick is not None and nick == self._cursor and self.has_focus
        key = (index, nick, width, marked)
        strip = self._cache.get(key)
        if strip is None:
            text = self._text(index).copy()
            text.truncate(width, overflow="ellipsis")
            if marked:
                text.stylize("reverse")
            strip = Strip(list(text.render(self.app.console))).apply_style(base).extend_cell_length(width, base)
            self._cache[key] = strip
        return strip

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def action_move(self, step: int) -> None:
        nicks = [nick for nick, _ in self._rows if nick is not None]
        if not nicks:
            return
        index = nicks.index(self._cursor) if self._cursor in nicks else 0
        self._cursor = nicks[max(0, min(len(nicks) - 1, index + step))]
        row = next(number for number, (nick, _) in enumerate(self._rows) if nick == self._cursor)
        self.scroll_to_region(Region(0, row, 1, 1), animate=False, immediate=True)
        self.refresh()

    def action_act(self, action: str) -> None:
        if self._cursor is not None:
            self.post_message(self.Chosen(self._cursor, action))

    def plain(self) -> str:
        """The list as shown, without styles (for tests)."""
        return "\n".join(self._text(index).plain for index in range(len(self._rows)))

    def _text(self, index: int) -> Text:
        _, payload = self._rows[index]
        return payload if isinstance(payload, Text) else occupant_line(payload, self._own_nick)
