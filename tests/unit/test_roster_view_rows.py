"""RosterView (Line API) in a tiny App: grouping, online-first order, type-to-filter, folding, selection."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.events import Key

from xmpptui.model.contacts import PendingRequest
from xmpptui.model.presence import Presence, PresenceBook, Show
from xmpptui.model.room import Bookmark, RoomState
from xmpptui.model.roster import Contact, Roster, Subscription
from xmpptui.ui.contacts.roster_view import RosterView
from xmpptui.ui.shared.render import PRESENCE_GLYPHS

ON, AWAY, OFF = PRESENCE_GLYPHS[Show.ONLINE], PRESENCE_GLYPHS[Show.AWAY], PRESENCE_GLYPHS[Show.OFFLINE]


def contact(local: str, name: str, *groups: str) -> Contact:
    return Contact(f"{local}@example.org", name, groups, Subscription.BOTH)


CONTACTS = [
    contact("alice", "Alice", "Friends"),
    contact("bob", "Bob", "Friends"),
    contact("dave", "Dave", "Work", "Friends"),
    contact("carol", "Carol"),
    contact("erin", "erin", "Work"),
]


class RosterApp(App[None]):
    CSS = "RosterView { height: 1fr; }"

    def __init__(self, roster: Roster, presence: PresenceBook) -> None:
        super().__init__()
        self.roster, self.presence = roster, presence
        self.selected: list[str] = []
        self.filters: list[str] = []

    def compose(self) -> ComposeResult:
        yield RosterView(self.roster, self.presence, id="roster")

    def on_mount(self) -> None:
        view = self.query_one(RosterView)
        view.load()
        view.focus()

    def on_roster_view_contact_selected(self, message: RosterView.ContactSelected) -> None:
        self.selected.append(message.jid)

    def on_roster_view_filter_changed(self, message: RosterView.FilterChanged) -> None:
        self.filters.append(message.text)

    def on_roster_view_bookmark_selected(self, message: RosterView.BookmarkSelected) -> None:
        self.selected.append(f"room:{message.room}")


def make_app(online: dict[str, Show] | None = None) -> RosterApp:
    roster = Roster()
    roster.replace(CONTACTS)
    book = PresenceBook()
    for local, show in (online or {}).items():
        book.update(f"{local}@example.org", "res", Presence(show))
    return RosterApp(roster, book)


def rows(view: RosterView) -> list[str]:
    return [view.row_text(index) for index in range(view.row_count)]


def painted(view: RosterView) -> list[str]:
    """What render_line paints (what the compositor puts on screen), trailing blank rows dropped."""
    lines = [view.render_line(y).text.rstrip() for y in range(view.size.height)]
    while lines and not lines[-1]:
        lines.pop()
    return lines


async def test_contacts_are_grouped_with_ungrouped_last() -> None:
    app = make_app({"bob": Show.AWAY})
    async with app.run_test(size=(40, 20)) as pilot:
        await pilot.pause()
        view = app.query_one(RosterView)
        assert rows(view) == [
            "▾ Friends (1/3)", f"  {AWAY} Bob", f"  {OFF} Alice", f"  {OFF} Dave",
            "▾ Work (0/2)", f"  {OFF} Dave", f"  {OFF} erin",
            "▾ Ungrouped (0/1)", f"  {OFF} Carol",
        ]
        assert painted(view) == rows(view)


async def test_online_contacts_come_first_then_names_case_insensitively() -> None:
    app = make_app({"erin": Show.DND, "dave": Show.XA})
    async with app.run_test(size=(40, 20)) as pilot:
        await pilot.pause()
        view = app.query_one(RosterView)
        work = rows(view)[rows(view).index("▾ Work (2/2)") + 1:][:2]
        assert [row[4:] for row in work] == ["Dave", "erin"], "both online: by name, ignoring case"
        friends = rows(view)[1:4]
        assert [row[4:] for row in friends] == ["Dave", "Alice", "Bob"], "online Dave before offline Alice, Bob"


async def test_typing_filters_by_name_or_jid_and_escape_clears() -> None:
    app = make_app()
    async with app.run_test(size=(40, 20)) as pilot:
        await pilot.pause()
        view = app.query_one(RosterView)
        everything = rows(view)
        await pilot.press("a", "l")
        await pilot.pause()
        assert view.filter_text == "al"
        assert rows(view) == ["▾ Friends (0/3)", f"  {OFF} Alice"]
        assert app.filters == ["a", "al"]
        await pilot.press("backspace", "backspace")
        await pilot.press(*"carol@")
        await pilot.pause()
        assert rows(view) == ["▾ Ungrouped (0/1)", f"  {OFF} Carol"], "the JID matches too"
        await pilot.press("z")
        await pilot.pause()
        assert view.filter_text == "carol@z"
        assert rows(view) == [], "no match: no rows, not even group headers"
        await pilot.press("escape")
        await pilot.pause()
        assert view.filter_text == "" and app.filters[-1] == ""
        assert rows(view) == everything


async def test_filter_matches_case_insensitively_and_cursor_lands_on_a_match() -> None:
    app = make_app()
    async with app.run_test(size=(40, 20)) as pilot:
        await pilot.pause()
        view = app.query_one(RosterView)
        await pilot.press("end")  # Carol, the last row: filtered out below
        await pilot.press("E", "R")
        await pilot.pause()
        assert rows(view) == ["▾ Work (0/2)", f"  {OFF} erin"]
        assert view.selected_jid == "erin@example.org"
        await pilot.press("enter")
        await pilot.pause()
        assert app.selected == ["erin@example.org"]


async def test_typing_a_filter_then_enter_opens_the_first_match() -> None:
    app = make_app()
    async with app.run_test(size=(40, 20)) as pilot:
        await pilot.pause()
        await pilot.press("a", "l", "enter")
        await pilot.pause()
        assert app.selected == ["alice@example.org"]


async def test_space_folds_and_unfolds_a_group() -> None:
    app = make_app()
    async with app.run_test(size=(40, 20)) as pilot:
        await pilot.pause()
        view = app.query_one(RosterView)
        assert view.cursor == 0
        await pilot.press("space")
        await pilot.pause()
        assert rows(view) == ["▸ Friends (0/3)", "▾ Work (0/2)", f"  {OFF} Dave", f"  {OFF} erin",
                              "▾ Ungrouped (0/1)", f"  {OFF} Carol"]
        assert painted(view) == rows(view)
        await pilot.press("down", "down", "space")  # on a member: folds that member's group
        await pilot.pause()
        assert rows(view)[:3] == ["▸ Friends (0/3)", "▸ Work (0/2)", "▾ Ungrouped (0/1)"]
        assert view.cursor == 1, "the cursor moves to the folded group's header"
        await pilot.press("home", "space")
        await pilot.pause()
        assert rows(view)[:4] == ["▾ Friends (0/3)", f"  {OFF} Alice", f"  {OFF} Bob", f"  {OFF} Dave"]


async def test_enter_posts_contact_selected_and_folds_on_a_header() -> None:
    app = make_app({"bob": Show.ONLINE})
    async with app.run_test(size=(40, 20)) as pilot:
        await pilot.pause()
        view = app.query_one(RosterView)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.selected == ["bob@example.org"]
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.selected == ["bob@example.org", "alice@example.org"]
        await pilot.press("home", "enter")
        await pilot.pause()
        assert rows(view)[0] == "▸ Friends (1/3)" and len(app.selected) == 2


async def test_contacts_changed_moves_a_contact_that_came_online_to_the_top() -> None:
    app = make_app()
    async with app.run_test(size=(40, 20)) as pilot:
        await pilot.pause()
        view = app.query_one(RosterView)
        assert rows(view)[1:4] == [f"  {OFF} Alice", f"  {OFF} Bob", f"  {OFF} Dave"]
        app.presence.update("dave@example.org", "phone", Presence(Show.ONLINE))
        view.contacts_changed(["dave@example.org"])
        await pilot.pause()
        assert rows(view)[:4] == ["▾ Friends (1/3)", f"  {ON} Dave", f"  {OFF} Alice", f"  {OFF} Bob"]
        assert rows(view)[4:7] == ["▾ Work (1/2)", f"  {ON} Dave", f"  {OFF} erin"], "in every group"
        assert painted(view)[1:4] == rows(view)[1:4]
        app.presence.update("dave@example.org", "phone", Presence(Show.OFFLINE))
        view.contacts_changed(["dave@example.org"])
        await pilot.pause()
        assert rows(view)[1:4] == [f"  {OFF} Alice", f"  {OFF} Bob", f"  {OFF} Dave"]


async def test_painted_group_header_counts_a_contact_that_came_online() -> None:
    app = make_app()
    async with app.run_test(size=(40, 20)) as pilot:
        await pilot.pause()
        view = app.query_one(RosterView)
        assert painted(view)[0] == "▾ Friends (0/3)"
        app.presence.update("alice@example.org", "desk", Presence(Show.ONLINE))
        view.contacts_changed(["alice@example.org"])
        await pilot.pause()
        assert rows(view)[0] == "▾ Friends (1/3)"
        assert painted(view)[0] == "▾ Friends (1/3)"


async def test_painted_arrow_of_a_folded_group_while_filtering() -> None:
    app = make_app()
    async with app.run_test(size=(40, 20)) as pilot:
        await pilot.pause()
        view = app.query_one(RosterView)
        await pilot.press("space", "a", "l")
        await pilot.pause()
        assert rows(view) == ["▾ Friends (0/3)", f"  {OFF} Alice"]
        assert painted(view) == rows(view)


async def test_contacts_changed_adds_and_removes_contacts_and_groups() -> None:
    app = make_app()
    async with app.run_test(size=(40, 20)) as pilot:
        await pilot.pause()
        view = app.query_one(RosterView)
        app.roster.apply_push(Contact("frank@example.org", "Frank", ("Band",), Subscription.BOTH))
        app.roster.apply_push(Contact("carol@example.org", subscription=Subscription.REMOVE))
        view.contacts_changed(["frank@example.org", "carol@example.org"])
        await pilot.pause()
        assert rows(view)[:2] == ["▾ Band (0/1)", f"  {OFF} Frank"]
        assert not any("Carol" in row or "Ungrouped" in row for row in rows(view))
        app.roster.apply_push(contact("frank", "Frank", "Work"))  # moved to another group
        view.contacts_changed(["frank@example.org"])
        await pilot.pause()
        assert "▾ Band (0/1)" not in rows(view)
        assert rows(view)[-3:] == [f"  {OFF} Dave", f"  {OFF} erin", f"  {OFF} Frank"]


async def test_unread_count_is_painted() -> None:
    app = make_app()
    async with app.run_test(size=(40, 20)) as pilot:
        await pilot.pause()
        view = app.query_one(RosterView)
        painted(view)  # fill the row cache first
        view.set_unread("bob@example.org", 3)
        await pilot.pause()
        assert painted(view)[2] == f"  {OFF} Bob (3)"
        view.set_unread("bob@example.org", 0)
        await pilot.pause()
        assert painted(view)[2] == f"  {OFF} Bob"


async def test_pending_requests_come_first_and_alt_keys_act_instead_of_filtering() -> None:
    app = make_app()
    async with app.run_test(size=(60, 20)) as pilot:
        view = app.query_one(RosterView)
        view.show_requests([PendingRequest("zed@example.org", "Zed [b]", "let me in")])
        await pilot.pause()
        assert rows(view)[:3] == ["▾ Pending requests (1) · Enter answers",
                                  "  ✉ zed@example.org (Zed [b]) asks to see your presence: let me in",
                                  "▾ Friends (0/3)"]
        # A terminal sends Alt+E as key "alt+e" with the character "e": an action, not filter text.
        view.post_message(Key("alt+e", "e"))
        await pilot.pause()
        assert view.filter_text == ""
        await pilot.press(*"zed")
        assert view.selected_jid == "zed@example.org", "the filter matches requests too"
        view.show_requests([])
        await pilot.pause()
        assert not any("Pending" in row for row in rows(view))


LOUNGE, DEN = "lounge@conference.example.org", "den@conference.example.org"


async def test_bookmarked_rooms_are_a_group_above_the_contacts_and_enter_picks_one() -> None:
    app = make_app()
    async with app.run_test(size=(80, 20)) as pilot:
        await pilot.pause()
        view = app.query_one(RosterView)
        assert not [row for row in rows(view) if "Bookmarks" in row], "no bookmarks: no group"
        view.show_bookmarks([Bookmark(LOUNGE, "The [b]Lounge[/b]", autojoin=True), Bookmark(DEN)], {})
        await pilot.pause()
        assert rows(view)[:3] == ["▾ Bookmarks (0/2)", f"  # {DEN}", f"  # The [b]Lounge[/b] · autojoin {LOUNGE}"], \
            "by name (else JID), the name as plain text, the autojoin mark"
        assert rows(view)[3] == "▾ Friends (0/3)"
        assert painted(view)[:3] == rows(view)[:3]
        view.show_bookmarks([Bookmark(LOUNGE, "The [b]Lounge[/b]", autojoin=True), Bookmark(DEN)],
                            {LOUNGE: RoomState.JOINED, DEN: RoomState.JOINING, "other@x": RoomState.JOINED})
        await pilot.pause()
        assert rows(view)[:3] == ["▾ Bookmarks (1/2)", f"  # {DEN} · joining",
                                  f"  # The [b]Lounge[/b] · joined · autojoin {LOUNGE}"]
        assert painted(view)[:3] == rows(view)[:3], "the cached rows were redrawn"
        view.cursor = 2
        assert view.selected_room == LOUNGE and view.selected_jid is None, "a room is no contact"
        await pilot.press("enter")
        await pilot.pause()
        assert app.selected == [f"room:{LOUNGE}"]
        await pilot.press("space")
        await pilot.pause()
        assert rows(view)[:2] == ["▸ Bookmarks (1/2)", "▾ Friends (0/3)"], "folded like a group"
        await pilot.press("space")
        await pilot.pause()
        await pilot.press(*"den")
        await pilot.pause()
        assert rows(view) == ["▾ Bookmarks (1/2)", f"  # {DEN} · joining"], "the filter matches rooms too"
        await pilot.press("escape")
        view.show_bookmarks([], {})
        await pilot.pause()
        assert rows(view)[0] == "▾ Friends (0/3)"
