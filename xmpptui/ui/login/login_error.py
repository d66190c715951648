"""LoginErrorScreen: a failed login in words, with what to do next (retry, edit the account, trust a
certificate, quit)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from xmpptui.ui.shared import render


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
