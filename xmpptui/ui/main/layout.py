"""The main screen's layout: its widget tree, and which side panes a terminal of a given width shows.

The roster (34 columns with its border) folds away under `ROSTER_MIN_WIDTH` columns and a room's occupant
list (27) under `OCCUPANTS_MIN_WIDTH`, so the conversation keeps at least ~60 columns: a time, a nick and
about 45 characters of text on a line. At 100 columns the roster leaves 66 for a chat; at 120 columns roster
and occupants leave 59 for a room, and at 80x24 a room gets the whole width (78 columns) instead of 18.
A key shows or hides either pane whatever the width; the user's choice holds until the terminal is resized
across that pane's threshold, where the width decides again."""

from __future__ import annotations

from typing import Protocol

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Static

ROSTER_MIN_WIDTH = 100
OCCUPANTS_MIN_WIDTH = 120


def compose_main(roster_pane: Widget, chat: tuple[Widget, ...], logs: Widget, under_log: tuple[Widget, ...],
                 occupant_pane: Widget, occupants: Widget, roster: Widget | None = None) -> ComposeResult:
    """roster | `chat` lines over the `logs` switcher over `under_log` (typing line, composer) | occupants.
    `roster`: the roster view already (the cached roster, in the first frame); without it "not connected"
    until a session is attached."""
    with Horizontal(id="body"):
        with roster_pane:
            yield Static(Text("Contacts", style="bold"), id="roster-title")
            yield Static("", id="roster-filter")
            if roster is not None:
                yield roster
            placeholder = Static(Text("not connected", style="italic"), id="roster-placeholder")
            placeholder.display = roster is None
            yield placeholder
        with Vertical(id="chat-pane"):
            yield from chat
            with logs:
                yield Static(Text("Select a contact and press Enter, or type /chat JID.\n"
                                  "F1 lists every key and command.", style="italic"), id="welcome")
            yield from under_log
        with occupant_pane:
            yield occupants


class OccupantPanes(Protocol):
    occupants_shown: bool

    def show(self) -> None: ...


class PaneLayout:
    """Folds the roster and the occupant list by width and by key."""

    def __init__(self, roster_pane: Widget, occupants: OccupantPanes, composer: Widget) -> None:
        """`composer`: where the focus goes when the pane that has it folds away."""
        self.roster_pane = roster_pane
        self._composer = composer
        self._occupants = occupants
        self._roster_fits: bool | None = None
        self._occupants_fit: bool | None = None

    @property
    def roster_shown(self) -> bool:
        return bool(self.roster_pane.display)

    def resized(self, width: int) -> None:
        """The terminal is `width` columns: a pane whose threshold was crossed is shown or folded."""
        roster_fits = width >= ROSTER_MIN_WIDTH
        if roster_fits != self._roster_fits:
            self._roster_fits = roster_fits
            self._show_roster(roster_fits)
        occupants_fit = width >= OCCUPANTS_MIN_WIDTH
        if occupants_fit != self._occupants_fit:
            self._occupants_fit = occupants_fit
            self._occupants.occupants_shown = occupants_fit
            self._occupants.show()

    def toggle_roster(self) -> None:
        self._show_roster(not self.roster_pane.display)

    def show_roster(self) -> None:
        self._show_roster(True)

    def _show_roster(self, shown: bool) -> None:
        if not shown and self.roster_pane.has_focus_within:
            self._composer.focus()  # the focus does not stay in a pane that is not shown
        self.roster_pane.display = shown
