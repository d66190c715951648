"""RosterView: contacts grouped by roster group on the Line API, online first, type-to-filter.

It keeps each group's members sorted, so a presence change re-sorts only that contact's groups and
re-flattens the row list; only the rows on screen are rendered, each cached until its contact changes.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Iterable

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.cache import LRUCache
from textual.events import Key
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from xmpptui.model.presence import PresenceBook
from xmpptui.model.roster import Roster
from xmpptui.ui import render

UNGROUPED = "Ungrouped"


class RosterView(ScrollView, can_focus=True):
    """The contact list. Posts `ContactSelected` on Enter or click."""

    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False, id="roster_up"),
        Binding("down", "cursor(1)", "Down", show=False, id="roster_down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="roster_page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="roster_page_down"),
        Binding("home", "jump(0)", "First", show=False, id="roster_first"),
        Binding("end", "jump(-1)", "Last", show=False, id="roster_last"),
        Binding("enter", "select", "Open chat", id="roster_open"),
        Binding("space,left,right", "toggle_group", "Fold group", show=False, id="roster_fold"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="roster_clear_filter"),
    ]

    DEFAULT_CSS = """
    RosterView {
        scrollbar-gutter: stable;
        overflow-x: hidden;
    }
    RosterView > .roster--cursor { background: $accent 40%; }
    RosterView > .roster--group { color: $text-muted; text-style: bold; }
    """
    COMPONENT_CLASSES = {"roster--cursor", "roster--group"}

    class ContactSelected(Message):
        def __init__(self, jid: str) -> None:
            super().__init__()
            self.jid = jid

    class FilterChanged(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, roster: Roster, presence: PresenceBook, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._roster = roster
        self._presence = presence
        self._members: dict[str, list[tuple[int, str, str]]] = {}
        """Group -> sorted (offline?, folded name, jid): online contacts first, then by name."""
        self._keys: dict[str, tuple[int, str, str]] = {}
        self._groups_of: dict[str, tuple[str, ...]] = {}
        self._group_order: list[str] = []
        self._collapsed: set[str] = set()
        self._unread: dict[str, int] = {}
        self._rows: list[tuple[bool, str]] = []
        """(is_group, group name or jid) per line."""
        self._versions: dict[str, int] = {}
        self._cache: LRUCache[tuple[object, ...], Strip] = LRUCache(512)
        self.cursor = 0
        self.filter_text = ""

    # Model -> rows ----------------------------------------------------------------------------

    def _sort_key(self, jid: str) -> tuple[int, str, str]:
        contact = self._roster.get(jid)
        name = contact.display_name if contact is not None else jid
        return (0 if self._presence.best(jid).available else 1, name.casefold(), jid)

    def show_roster(self, roster: Roster, presence: PresenceBook) -> None:
        """Show another session's roster (after a new login)."""
        self._roster = roster
        self._presence = presence
        self._unread.clear()
        self.load()

    def load(self) -> None:
        """Rebuild everything from the roster (after the roster was replaced)."""
        self._members = {}
        self._keys = {}
        self._groups_of = {}
        for contact in self._roster:
            key = self._sort_key(contact.jid)
            groups = contact.groups or (UNGROUPED,)
            self._keys[contact.jid] = key
            self._groups_of[contact.jid] = groups
            for group in groups:
                self._members.setdefault(group, []).append(key)
        for members in self._members.values():
            members.sort()
        self._cache.clear()
        self._flatten()

    def contacts_changed(self, jids: Iterable[str]) -> None:
        """Presence, name or groups of these contacts changed (or they were added or removed)."""
        for jid in jids:
            self._versions[jid] = self._versions.get(jid, 0) + 1
            old_key = self._keys.pop(jid, None)
            for group in self._groups_of.pop(jid, ()):
                members = self._members.get(group)
                if members is not None and old_key is not None:
                    members.remove(old_key)
                    if not members:
                        del self._members[group]
            contact = self._roster.get(jid)
            if contact is None:
                continue
            key = self._sort_key(jid)
            groups = contact.groups or (UNGROUPED,)
            self._keys[jid] = key
            self._groups_of[jid] = groups
            for group in groups:
                insort(self._members.setdefault(group, []), key)
        self._flatten()

    def set_unread(self, jid: str, count: int) -> None:
        if self._unread.get(jid, 0) == count:
            return
        self._unread[jid] = count
        self._versions[jid] = self._versions.get(jid, 0) + 1
        top = self.scroll_offset.y
        for index in range(top, min(top + self.size.height, len(self._rows))):
            if self._rows[index] == (False, jid):
                self.refresh(Region(0, index - top, self.size.width, 1))  # only that row, if on screen

    def _flatten(self, filter_changed: bool = False) -> None:
        selected = self._rows[self.cursor] if 0 <= self.cursor < len(self._rows) else None
        self._group_order = sorted(self._members, key=lambda g: (g == UNGROUPED, g.casefold()))
        needle = self.filter_text.casefold()
        rows: list[tuple[bool, str]] = []
        for group in self._group_order:
            members = self._members[group]
            if needle:
                matching = [jid for _, name, jid in members if needle in name or needle in jid]
                if matching:
                    rows.append((True, group))
                    rows.extend((False, jid) for jid in matching)
                continue
            rows.append((True, group))
            if group not in self._collapsed:
                rows.extend((False, jid) for _, _, jid in members)
        self._rows = rows
        if filter_changed:
            self.cursor = 1 if len(rows) > 1 else 0  # the first match
        elif selected in rows:
            self.cursor = rows.index(selected)  # type: ignore[arg-type]
        self.cursor = max(0, min(self.cursor, len(rows) - 1))
        self.virtual_size = Size(self.size.width, len(rows))
        self.refresh()

    @property
    def selected_jid(self) -> str | None:
        if 0 <= self.cursor < len(self._rows) and not self._rows[self.cursor][0]:
            return self._rows[self.cursor][1]
        return None

    @property
    def row_count(self) -> int:
        return len(self._rows)

    def row_text(self, index: int) -> str:
        """The plain text of one row, as shown (for tests and screen readers)."""
        return self._row_text(self._rows[index]).plain

    def _group_counts(self, group: str) -> tuple[int, int]:
        """(online, total) members; online contacts sort first, so count up to the first offline one."""
        members = self._members.get(group, [])
        online = next((i for i, key in enumerate(members) if key[0] == 1), len(members))
        return online, len(members)

    # Rendering --------------------------------------------------------------------------------

    def _row_text(self, row: tuple[bool, str]) -> Text:
        is_group, key = row
        if is_group:
            online, total = self._group_counts(key)
            arrow = "▸" if key in self._collapsed and not self.filter_text else "▾"
            text = Text(f"{arrow} ", end="", no_wrap=True, overflow="ellipsis")
            text.append_text(render.plain(key, single_line=True))
            text.append(f" ({online}/{total})")
            return text
        contact = self._roster.get(key)
        if contact is None:
            return Text("")
        line = Text("  ", end="", no_wrap=True, overflow="ellipsis")
        line.append_text(render.contact_line(contact, self._presence.best(key), self._unread.get(key, 0)))
        return line

    def render_line(self, y: int) -> Strip:
        _, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        base: Style = self.rich_style
        if index >= len(self._rows):
            return Strip.blank(width, base)
        row = self._rows[index]
        is_cursor = index == self.cursor
        version = self._versions.get(row[1], 0)
        # A group header shows its online/total counts and a fold arrow that depends on the filter.
        header = (self._group_counts(row[1]), row[1] in self._collapsed, bool(self.filter_text)) if row[0] else None
        key = (row, width, is_cursor, version, header, self.has_focus)
        strip = self._cache.get(key)
        if strip is None:
            text = self._row_text(row)
            text.truncate(width, overflow="ellipsis")
            style = base
            if row[0]:
                style = base + self.get_component_rich_style("roster--group")
            if is_cursor and self.has_focus:
                style = style + self.get_component_rich_style("roster--cursor")
            elif is_cursor:
                style = style + Style(reverse=False, underline=True)
            strip = Strip(list(text.render(self.app.console))).apply_style(style).extend_cell_length(width, style)
            self._cache[key] = strip
        return strip

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # Keys -------------------------------------------------------------------------------------

    def _move_to(self, index: int) -> None:
        if not self._rows:
            return
        old = self.cursor
        self.cursor = max(0, min(index, len(self._rows) - 1))
        self.refresh(Region(0, old - self.scroll_offset.y, self.size.width, 1))
        self.refresh(Region(0, self.cursor - self.scroll_offset.y, self.size.width, 1))
        self.scroll_to_region(Region(0, self.cursor, 1, 1), animate=False, immediate=True)

    def action_cursor(self, delta: int) -> None:
        self._move_to(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self._move_to(self.cursor + direction * max(1, self.size.height - 1))

    def action_jump(self, where: int) -> None:
        self._move_to(0 if where == 0 else len(self._rows) - 1)

    def action_select(self) -> None:
        if not self._rows:
            return
        is_group, key = self._rows[self.cursor]
        if is_group:
            self.action_toggle_group()
        else:
            self.post_message(self.ContactSelected(key))

    def action_toggle_group(self) -> None:
        if not self._rows or self.filter_text:
            return
        is_group, key = self._rows[self.cursor]
        group = key if is_group else next(
            (g for g in reversed([r[1] for r in self._rows[: self.cursor] if r[0]])), None)
        if group is None:
            return
        self._collapsed.symmetric_difference_update({group})
        self._flatten()
        self._move_to(self._rows.index((True, group)))

    def action_clear_filter(self) -> None:
        self.set_filter("")

    def set_filter(self, text: str) -> None:
        if text != self.filter_text:
            self.filter_text = text
            self._flatten(filter_changed=True)
            self.scroll_to_region(Region(0, self.cursor, 1, 1), animate=False, immediate=True)
            self.post_message(self.FilterChanged(text))

    def on_key(self, event: Key) -> None:
        if event.key == "backspace" and self.filter_text:
            event.stop()
            self.set_filter(self.filter_text[:-1])
        elif event.is_printable and event.character and event.character not in " ?":
            event.stop()
            self.set_filter(self.filter_text + event.character)

    def on_click(self, event) -> None:  # textual.events.Click
        index = event.y + self.scroll_offset.y
        if 0 <= index < len(self._rows):
            self._move_to(index)
            if event.chain >= 2 or not self._rows[index][0]:
                self.action_select()
