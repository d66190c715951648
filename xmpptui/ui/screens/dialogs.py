"""Small modal dialogs: a one-line prompt (optionally masked and validated), a confirmation, a message."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from xmpptui.ui import render


class PromptScreen(ModalScreen[str | None]):
    """Ask for one line. `validate` returns an error text or None. Escape cancels (result None)."""

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
            yield Label(Text(self._title), classes="dialog-title")
            yield Input(value=self._value, password=self._password, placeholder=self._placeholder, id="prompt-input")
            yield Static("", id="prompt-error", classes="dialog-error")

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
            yield Label(Text(self.HINT, style="italic"))

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class LoginErrorScreen(ModalScreen[str]):
    """A failed login in words, with what to do next: `retry`, `edit` (the account) or `quit`."""

    BINDINGS = [
        Binding("r,enter", "choose('retry')", "Retry", id="login_retry"),
        Binding("e", "choose('edit')", "Edit account", id="login_edit"),
        Binding("q,escape", "choose('quit')", "Quit", id="login_quit"),
        Binding("t", "trust", "Trust certificate", id="login_trust"),
    ]

    def __init__(self, reason: str, certificate: str = "") -> None:
        """`certificate`: the fingerprint of an untrusted certificate the user may choose to trust."""
        super().__init__()
        self._reason = reason
        self._certificate = certificate

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="login-error"):
            yield Label(Text("Login failed", style="bold red"), classes="dialog-title")
            yield Static(render.plain(self._reason), id="login-error-reason")
            if self._certificate:
                yield Static(Text.assemble(
                    "The server presented a certificate with SHA-256 fingerprint\n",
                    (self._certificate, "bold"),
                    "\nCompare it with the one your server's administrator gave you. If it matches, press t to "
                    "trust this certificate for this account (a changed certificate will then be refused)."),
                    id="login-error-certificate")
            with Horizontal(classes="dialog-buttons"):
                if self._certificate:
                    yield Button("Trust it (t)", id="trust", variant="warning")
                yield Button("Retry (r)", id="retry", variant="primary")
                yield Button("Edit account (e)", id="edit")
                yield Button("Quit (q)", id="quit", variant="error")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or "quit")

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)

    def action_trust(self) -> None:
        if self._certificate:
            self.dismiss("trust")
