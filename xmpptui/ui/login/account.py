"""AccountScreen: JID, password, optional host/port and a CA file to trust; saved to config.toml (0600)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from xmpptui.config import Account, ConfigError, validate_account
from xmpptui.passwords import Secret
from xmpptui.ui.shared import render
from xmpptui.ui.shared.keys_now import KeyOrderInput


@dataclass(frozen=True)
class AccountEntry:
    account: Account
    password: Secret
    remember: bool
    """Store the password in the system keyring."""


class TickBox(Checkbox):
    """A checkbox whose mark says its state in the glyph, not only in a colour some themes make alike:
    `✓` ticked, blank unticked."""

    BUTTON_INNER = " "

    def watch_value(self, value: bool) -> None:
        self.BUTTON_INNER = "✓" if value else " "


NO_KEYRING = "No system keyring here: the password is asked for at each start."
"""Why "remember" is unticked (one line: the dialog must still fit a 24-line terminal)."""


class AccountScreen(ModalScreen[AccountEntry | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="account_cancel")]

    def __init__(self, account: Account | None = None, error: str = "", *, password: Secret | None = None,
                 keyring: bool = True) -> None:
        """`password`: the one typed for the last try, shown again (masked) so that editing the account
        does not mean typing it again; `keyring`: whether a system keyring can remember it."""
        super().__init__()
        self._account = account or Account(jid="")
        self._error = error
        self._password = password
        self._keyring = keyring

    def compose(self) -> ComposeResult:
        account = self._account
        with Vertical(classes="dialog", id="account-dialog"):
            yield Label(Text("XMPP account", style="bold"), classes="dialog-title")
            yield Label("JID")
            yield KeyOrderInput(value=account.jid, placeholder="alice@example.org", id="account-jid")
            yield Label("Password")
            yield KeyOrderInput(value=self._password.reveal() if self._password else "", password=True,
                                id="account-password")
            yield TickBox("Remember the password in the system keyring", value=self._keyring,
                          disabled=not self._keyring, compact=True, id="account-remember")
            if not self._keyring:
                yield Static(Text(NO_KEYRING, style="italic"), id="account-no-keyring")
            yield Label("Server host and port (optional: found from the JID's domain)")
            with Horizontal(classes="row"):
                yield KeyOrderInput(value=account.host, placeholder="host", id="account-host")
                yield KeyOrderInput(value=str(account.port or ""), placeholder="port", id="account-port",
                                    type="integer")
            yield Label("TLS")
            yield Select([("STARTTLS (required)", "starttls"), ("Direct TLS (XEP-0368)", "direct")],
                         value=account.tls, allow_blank=False, id="account-tls")
            yield Label("Trust this CA certificate file (optional, for a private server)")
            yield KeyOrderInput(value=account.ca_file, placeholder="/path/to/ca.pem", id="account-ca")
            yield Static(render.plain(self._error), id="account-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save and log in", id="account-save", variant="primary")
                yield Button("Cancel", id="account-cancel")

    def on_mount(self) -> None:
        self.query_one("#account-jid" if not self._account.jid else "#account-password", Input).focus()

    def _value(self, widget_id: str) -> str:
        return self.query_one(widget_id, Input).value.strip()

    def _submit(self) -> None:
        port_text = self._value("#account-port")
        try:
            account = validate_account(replace(
                self._account,
                jid=self._value("#account-jid"),
                host=self._value("#account-host"),
                port=int(port_text) if port_text else 0,
                tls=str(self.query_one("#account-tls", Select).value),
                ca_file=self._value("#account-ca"),
            ), "account")
        except (ConfigError, ValueError) as exc:
            self.query_one("#account-error", Static).update(render.plain(str(exc)))
            return
        password = self.query_one("#account-password", Input).value
        if not password:
            self.query_one("#account-error", Static).update(Text("enter the password"))
            return
        remember = self._keyring and self.query_one("#account-remember", Checkbox).value
        self.dismiss(AccountEntry(account, Secret(password), remember))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "account-save":
            self._submit()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
