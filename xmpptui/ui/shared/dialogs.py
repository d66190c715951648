"""Small modal dialogs every feature uses: a one-line prompt (optionally masked and validated) and a yes/no
confirmation."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from xmpptui.ui.shared import render
from xmpptui.ui.shared.keys_now import KeyOrderInput


class PromptScreen(ModalScreen[str | None]):
    """Ask for one line. `validate` returns an error text or None. Escape cancels (result None)."""

    HINT = "Enter: OK    Escape: cancel"

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt_cancel")]

    def __init__(self, title: str, *, value: str = "", password: bool = False, placeholder: str = "",
                 validate: Callable[[str], str | None] | None = None) -> None:
        super().__init__()
        self._title = title
        self._value = value
        self._password = password
        self._placeholder = placeholder
        self._validate = validate

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(render.plain(self._title), classes="dialog-title")  # (titles name remote nicks, JIDs)
            yield KeyOrderInput(value=self._value, password=self._password, placeholder=self._placeholder,
                                id="prompt-input")
            yield Static("", id="prompt-error", classes="dialog-error")
            yield Label(self.HINT, classes="dialog-keys", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        error = self._validate(event.value) if self._validate else None
        if error:
            self.query_one("#prompt-error", Static).update(render.plain(error))
            return
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question: `y` or Enter accepts; Escape or `n` refuses."""

    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes", id="confirm_yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm_no"),
    ]

    HINT = "y / Enter: yes    n / Escape: no"

    def __init__(self, question: str) -> None:
        super().__init__()
        self._question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(render.plain(self._question), classes="dialog-title")
            yield Label(self.HINT, classes="dialog-keys", markup=False)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
