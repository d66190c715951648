"""RosterView: pending subscription requests, bookmarked rooms, then contacts grouped by roster group on
the Line API, online first, type-to-filter.

Each group's members are kept sorted (RosterGroups), so a presence change re-sorts only that contact's groups
and re-flattens the row list; only the rows on screen are rendered, each cached until its contact changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.cache import LRUCache
from textual.events import Key
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip

from xmpptui.model.contacts import PendingRequest
from xmpptui.model.presence import PresenceBook
from xmpptui.model.room import Bookmark, RoomState
from xmpptui.model.roster import Roster
from xmpptui.ui.contacts.roster_groups import RosterGroups
from xmpptui.ui.shared import render
from xmpptui.ui.shared.line_view import LineView

REQUESTS_TITLE = "Pending requests"
BOOKMARKS_TITLE = "Bookmarks"

GROUP, CONTACT, REQUESTS, REQUEST, BOOKMARKS, BOOKMARK = (
    "group", "contact", "requests", "request", "bookmarks", "bookmark")
"""Row kinds: a group header, a contact, the pending-requests header, one pending request, the bookmarks
header, one bookmarked room."""
_MODIFIED = ("alt+", "ctrl+", "meta+", "super+", "hyper+")
Row = tuple[str, str]
"""(kind, group name or JID)."""


class RosterView(LineView, can_focus=True):
    """The contact list. Posts `ContactSelected` on Enter or click on a contact, `RequestSelected` on a
    pending request, `BookmarkSelected` on a bookmarked room, and `ContactAction` for the contact-management
    keys."""

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
        Binding("alt+i", "contact('info')", "Details", id="roster_info"),
        Binding("insert", "contact('add')", "Add contact", id="roster_add"),
        Binding("alt+e", "contact('rename')", "Rename", show=False, id="roster_rename"),
        Binding("alt+g", "contact('group')", "Groups", show=False, id="roster_group"),
        Binding("delete", "contact('remove')", "Remove", show=False, id="roster_remove"),
        Binding("alt+u", "contact('unsubscribe')", "Unsubscribe", show=False, id="roster_unsubscribe"),
        Binding("alt+z", "contact('authorize')", "Authorize", show=False, id="roster_authorize"),
        Binding("alt+s", "contact('subscribe')", "Request presence", show=False, id="roster_subscribe"),
        Binding("alt+d", "contact('deny')", "Deny / revoke", show=False, id="roster_deny"),
        Binding("alt+k", "contact('block')", "Block", show=False, id="roster_block"),
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

    class RequestSelected(Message):
        """Enter (or a click) on a pending subscription request: answer it."""

        def __init__(self, jid: str) -> None:
            super().__init__()
            self.jid = jid

    class BookmarkSelected(Message):
        """Enter (or a click) on a bookmarked room: join it, or show it if we are in it."""

        def __init__(self, room: str) -> None:
            super().__init__()
            self.room = room

    class ContactAction(Message):
        """A contact-management key: `action` on the selected contact or request (`jid` may be None
        for `add`, or when the cursor is on a group header)."""

        def __init__(self, action: str, jid: str | None) -> None:
            super().__init__()
            self.action = action
            self.jid = jid

    class FilterChanged(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, roster: Roster, presence: PresenceBook, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._roster = roster
        self._presence = presence
        self._groups = RosterGroups(roster, presence)
        self._collapsed: set[str] = set()
        self._unread: dict[str, int] = {}
        self._requests: dict[str, PendingRequest] = {}
        self._blocked: frozenset[str] = frozenset()
        self._bookmarks: list[Bookmark] = []
        """Sorted by name (or room JID when unnamed)."""
        self._room_states: dict[str, RoomState] = {}
        """The bookmarked rooms we hold (joined, joining or left)."""
        self._bookmarks_collapsed = False
        self._rows: list[Row] = []
        self._versions: dict[str, int] = {}
        self._cache: LRUCache[tuple[object, ...], Strip] = LRUCache(512)
        self.cursor = 0
        self.filter_text = ""

    # Model -> rows ----------------------------------------------------------------------------

    def show_roster(self, roster: Roster, presence: PresenceBook) -> None:
        """Show another session's roster (after a new login)."""
        self._roster = roster
        self._presence = presence
        self._groups = RosterGroups(roster, presence)
        self._unread.clear()
        self.load()

    def load(self) -> None:
        """Rebuild everything from the roster (after the roster was replaced)."""
        self._groups.load()
        self._cache.clear()
        self._flatten()

    def contacts_changed(self, jids: Iterable[str]) -> None:
        """Presence, name or groups of these contacts changed (or they were added or removed)."""
        for jid in jids:
            self._versions[jid] = self._versions.get(jid, 0) + 1
            self._groups.changed(jid)
        self._flatten()

    def set_unread(self, jid: str, count: int) -> None:
        if self._unread.get(jid, 0) == count:
            return
        self._unread[jid] = count
        self._versions[jid] = self._versions.get(jid, 0) + 1
        top = self.scroll_offset.y
        for index in range(top, min(top + self.size.height, len(self._rows))):
            if self._rows[index] == (CONTACT, jid):
                self.refresh(Region(0, index - top, self.size.width, 1))  # only that row, if on screen

    def show_requests(self, requests: Iterable[PendingRequest]) -> None:
        """The pending subscription requests, shown in their own section above the groups."""
        self._requests = {r.jid: r for r in requests}
        self._versions[REQUESTS] = self._versions.get(REQUESTS, 0) + 1
        self._flatten()

    def show_blocked(self, blocked: Iterable[str]) -> None:
        """JIDs on the block list, marked in their rows."""
        blocked = frozenset(blocked)
        for jid in blocked ^ self._blocked:
            self._versions[jid] = self._versions.get(jid, 0) + 1
        self._blocked = blocked
        self.refresh()

    def show_bookmarks(self, bookmarks: Iterable[Bookmark], rooms: Mapping[str, RoomState]) -> None:
        """The bookmarked rooms, with the state of those we hold; nothing is redrawn if neither changed
        (a big room's join brings many room events, and each one asks)."""
        ordered = sorted(bookmarks, key=lambda b: ((b.name or b.room).casefold(), b.room))
        states = {b.room: rooms[b.room] for b in ordered if b.room in rooms}
        if ordered == self._bookmarks and states == self._room_states:
            return
        self._bookmarks, self._room_states = ordered, states
        self._versions[BOOKMARKS] = self._versions.get(BOOKMARKS, 0) + 1
        self._flatten()

    def _flatten(self, filter_changed: bool = False) -> None:
        selected = self._rows[self.cursor] if 0 <= self.cursor < len(self._rows) else None
        needle = self.filter_text.casefold()
        rows: list[Row] = []
        requests = [jid for jid, r in self._requests.items()
                    if not needle or needle in jid or needle in r.nick.casefold()]
        if requests:
            rows.append((REQUESTS, REQUESTS_TITLE))
            rows.extend((REQUEST, jid) for jid in requests)
        bookmarks = [b.room for b in self._bookmarks
                     if not needle or needle in b.room or needle in b.name.casefold()]
        if bookmarks:
            rows.append((BOOKMARKS, BOOKMARKS_TITLE))
            if needle or not self._bookmarks_collapsed:
                rows.extend((BOOKMARK, room) for room in bookmarks)
        for group in self._groups.ordered():
            members = self._groups.members[group]
            if needle:
                matching = [jid for _, name, jid in members if needle in name or needle in jid]
                if matching:
                    rows.append((GROUP, group))
                    rows.extend((CONTACT, jid) for jid in matching)
                continue
            rows.append((GROUP, group))
            if group not in self._collapsed:
                rows.extend((CONTACT, jid) for _, _, jid in members)
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
        """The contact (or requester) under the cursor; None on a header."""
        if 0 <= self.cursor < len(self._rows) and self._rows[self.cursor][0] in (CONTACT, REQUEST):
            return self._rows[self.cursor][1]
        return None

    @property
    def selected_room(self) -> str | None:
        """The bookmarked room under the cursor, if any."""
        if 0 <= self.cursor < len(self._rows) and self._rows[self.cursor][0] == BOOKMARK:
            return self._rows[self.cursor][1]
        return None

    @property
    def row_count(self) -> int:
        return len(self._rows)

    def row_text(self, index: int) -> str:
        """The plain text of one row, as shown (for tests and screen readers)."""
        return self._row_text(self._rows[index]).plain

    # Rendering --------------------------------------------------------------------------------

    def _row_text(self, row: Row) -> Text:
        kind, key = row
        if kind == REQUESTS:
            text = Text(f"▾ {REQUESTS_TITLE} ({len(self._requests)}) · Enter answers", end="", no_wrap=True,
                        overflow="ellipsis")
            return text
        if kind == REQUEST:
            request = self._requests.get(key)
            return render.request_line(request) if request is not None else Text("")
        if kind == BOOKMARKS:
            joined = sum(1 for state in self._room_states.values() if state is RoomState.JOINED)
            arrow = "▸" if self._bookmarks_collapsed and not self.filter_text else "▾"
            return Text(f"{arrow} {BOOKMARKS_TITLE} ({joined}/{len(self._bookmarks)})", end="", no_wrap=True,
                        overflow="ellipsis")
        if kind == BOOKMARK:
            bookmark = next((b for b in self._bookmarks if b.room == key), None)
            if bookmark is None:
                return Text("")
            return render.bookmark_line(bookmark, self._room_states.get(key))
        if kind == GROUP:
            online, total = self._groups.counts(key)
            arrow = "▸" if key in self._collapsed and not self.filter_text else "▾"
            text = Text(f"{arrow} ", end="", no_wrap=True, overflow="ellipsis")
            text.append_text(render.plain(key, single_line=True))
            text.append(f" ({online}/{total})")
            return text
        contact = self._roster.get(key)
        if contact is None:
            return Text("")
        line = Text("  ", end="", no_wrap=True, overflow="ellipsis")
        line.append_text(render.contact_line(contact, self._presence.best(key), self._unread.get(key, 0),
                                             blocked=key in self._blocked))
        return line

    def render_line(self, y: int) -> Strip:
        _, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        base: Style = self.line_style
        if index >= len(self._rows):
            return Strip.blank(width, base)
        row = self._rows[index]
        is_cursor = index == self.cursor
        version = self._versions.get(REQUESTS if row[0] in (REQUESTS, REQUEST)
                                     else BOOKMARKS if row[0] in (BOOKMARKS, BOOKMARK) else row[1], 0)
        # A group header shows its online/total counts and a fold arrow that depends on the filter.
        header = ((self._groups.counts(row[1]), row[1] in self._collapsed, bool(self.filter_text))
                  if row[0] == GROUP else (self._bookmarks_collapsed, bool(self.filter_text))
                  if row[0] == BOOKMARKS else None)
        key = (row, width, is_cursor, version, header, self.has_focus)
        strip = self._cache.get(key)
        if strip is None:
            text = self._row_text(row)
            text.truncate(width, overflow="ellipsis")
            style = base
            if row[0] in (GROUP, REQUESTS, BOOKMARKS):
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
        kind, key = self._rows[self.cursor]
        if kind in (GROUP, BOOKMARKS):
            self.action_toggle_group()
        elif kind == BOOKMARK:
            self.post_message(self.BookmarkSelected(key))
        elif kind == REQUEST:
            self.post_message(self.RequestSelected(key))
        elif kind == CONTACT:
            self.post_message(self.ContactSelected(key))

    def action_contact(self, action: str) -> None:
        self.post_message(self.ContactAction(action, self.selected_jid))

    def action_toggle_group(self) -> None:
        if not self._rows or self.filter_text:
            return
        kind, key = self._rows[self.cursor]
        if kind in (REQUESTS, REQUEST):
            return
        if kind in (BOOKMARKS, BOOKMARK):
            self._bookmarks_collapsed = not self._bookmarks_collapsed
            self._flatten()
            self._move_to(self._rows.index((BOOKMARKS, BOOKMARKS_TITLE)))
            return
        group = key if kind == GROUP else next(
            (g for g in reversed([r[1] for r in self._rows[: self.cursor] if r[0] == GROUP])), None)
        if group is None:
            return
        self._collapsed.symmetric_difference_update({group})
        self._flatten()
        self._move_to(self._rows.index((GROUP, group)))

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
        elif (event.is_printable and event.character and event.character not in " ?"
              and not event.key.startswith(_MODIFIED)):  # a terminal sends Alt+I as "alt+i" with "i"
            event.stop()
            self.set_filter(self.filter_text + event.character)

    def on_click(self, event) -> None:  # textual.events.Click
        index = event.y + self.scroll_offset.y
        if 0 <= index < len(self._rows):
            self._move_to(index)
            if event.chain >= 2 or self._rows[index][0] in (CONTACT, REQUEST, BOOKMARK):
                self.action_select()
