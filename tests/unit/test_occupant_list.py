"""OccupantList (Line API) in a tiny App: rows by role, the cursor, and only the rows on screen rendered."""

from __future__ import annotations

from textual.app import App, ComposeResult

from xmpptui.model.room import Affiliation, Occupant, Role, Room, RoomState
from xmpptui.ui.rooms import occupant_list
from xmpptui.ui.rooms.occupant_list import OccupantList

ROOM = "lounge@conference.example.org"


class ListApp(App[None]):
    CSS = "OccupantList { height: 1fr; }"

    def compose(self) -> ComposeResult:
        yield OccupantList(id="occupants")


def crowded(count: int) -> Room:
    room = Room(ROOM, "alice", state=RoomState.JOINED)
    room.occupants["alice"] = Occupant("alice", Role.MODERATOR, Affiliation.OWNER)
    for n in range(count):
        room.occupants[f"guest{n:04d}"] = Occupant(f"guest{n:04d}", Role.PARTICIPANT)
    return room


async def test_a_big_room_renders_only_the_rows_on_screen_and_the_cursor_scrolls_into_view(monkeypatch) -> None:
    drawn: list[str] = []
    line = occupant_list.occupant_line
    monkeypatch.setattr(occupant_list, "occupant_line",
                        lambda occupant, own: drawn.append(occupant.nick) or line(occupant, own))
    app = ListApp()
    async with app.run_test(size=(30, 12)) as pilot:
        occupants = app.query_one(OccupantList)
        occupants.show_room(crowded(3000))
        await pilot.pause()
        assert len(drawn) <= 12, "3,001 occupants, but only what fits on screen is drawn"
        rows = occupants.plain().splitlines()
        assert rows[:3] == ["Moderators (1)", "● ~alice", "Participants (3000)"]
        assert len(rows) == 3003 and rows[-1] == "●  guest2999"
        occupants.focus()
        await pilot.pause()
        assert occupants.cursor == "alice"
        for _ in range(20):
            await pilot.press("down")
        assert occupants.cursor == "guest0019"
        assert occupants.scroll_offset.y > 0, "the cursor's row is scrolled into view"
        shown = [occupants.render_line(y).text.rstrip() for y in range(occupants.size.height)]
        assert "●  guest0019" in shown
