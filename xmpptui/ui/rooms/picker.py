"""RoomPickerScreen: the rooms a chat service lists; Enter joins the highlighted one, Escape cancels."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from xmpptui.model.room import RoomListing
from xmpptui.ui.shared import render


class RoomPickerScreen(ModalScreen[str | None]):
    """Dismissed with the chosen room's JID, or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="rooms_cancel")]

    def __init__(self, service: str, listings: list[RoomListing]) -> None:
        super().__init__()
        self._service = service
        self._listings = listings

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="room-picker"):
            yield Label(render.plain(f"Rooms: {self._service} (Enter joins, Escape cancels)",
                                     single_line=True), classes="dialog-title")
            options = []
            for listing in self._listings:
                label = Text(no_wrap=True, overflow="ellipsis")
                if listing.name:
                    label.append_text(render.plain(listing.name, "bold", single_line=True))
                    label.append("  ")
                label.append_text(render.plain(listing.jid, "italic", single_line=True))
                options.append(Option(label, id=listing.jid))
            yield OptionList(*options, id="room-options")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
