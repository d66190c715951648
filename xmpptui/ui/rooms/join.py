"""Joining a room: JoinRoomScreen, the join dialog (room address, nick, password; the same as `/join`), and
CreateRoomScreen, the question asked before a join would create a room."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from xmpptui.ui.shared import render
from xmpptui.ui.shared.dialogs import ConfirmScreen
from xmpptui.ui.shared.keys_now import KeyOrderInput


class JoinRoomScreen(ModalScreen[tuple[str, str] | None]):
    """Dismissed with (`room@service[/nick]`, password), or None on Escape."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="join_cancel")]

    def __init__(self, room: str = "") -> None:
        super().__init__()
        self._room = room

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="join-dialog"):
            yield Label(Text("Join a room (Enter joins, Escape cancels)"), classes="dialog-title")
            yield KeyOrderInput(value=self._room, placeholder="room@conference.example.org", id="join-room")
            yield KeyOrderInput(placeholder="nick (default: the account's nick, else your JID's name)", id="join-nick")
            yield KeyOrderInput(placeholder="password (only if the room has one)", password=True, id="join-password")
            yield Static("", id="join-error", classes="dialog-error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        room = self.query_one("#join-room", Input).value.strip()
        nick = self.query_one("#join-nick", Input).value.strip()
        local, at, service = room.partition("@")
        if not (local and at and service) or "/" in room or " " in room:
            self.query_one("#join-error", Static).update(render.plain("the room is an address like "
                                                                      "room@conference.example.org"))
            self.query_one("#join-room", Input).focus()
            return
        self.dismiss((f"{room}/{nick}" if nick else room, self.query_one("#join-password", Input).value))

    def action_cancel(self) -> None:
        self.dismiss(None)


class CreateRoomScreen(ConfirmScreen):
    """Whether to create a room that does not exist: `y`/Enter creates it with the default configuration,
    `c` creates it and opens its configuration form (`configure` says which), `n`/Escape does not."""

    BINDINGS = [Binding("c", "create_and_configure", "Create and configure", id="confirm_create_configure")]
    HINT = "y / Enter: create it    c: create it and open its configuration    n / Escape: no"

    def __init__(self, question: str) -> None:
        super().__init__(question)
        self.configure = False

    def action_create_and_configure(self) -> None:
        self.configure = True
        self.dismiss(True)
