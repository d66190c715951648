"""Contact dialogs: add a contact (JID, name, groups, ask for presence) and answer a subscription request."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, Static

from xmpptui.model.contacts import PendingRequest, parse_groups
from xmpptui.ui.shared import render
from xmpptui.ui.shared.keys_now import KeyOrderInput


def jid_problem(text: str) -> str | None:
    """Why `text` is not a usable bare JID, in words; None if it looks like one (the server decides)."""
    jid = text.strip()
    local, at, domain = jid.partition("@")
    if not jid or " " in jid or "/" in jid or (at and (not local or not domain)) or (
            not at and "." not in jid and jid != "localhost"):
        return f"not a JID: {jid!r} (e.g. bob@example.org)" if jid else "a JID is needed, e.g. bob@example.org"
    return None


@dataclass(frozen=True)
class NewContact:
    jid: str
    name: str
    groups: tuple[str, ...]
    subscribe: bool


class AddContactScreen(ModalScreen[NewContact | None]):
    """JID, name, groups (comma separated) and "ask to see their presence". Enter adds, Escape cancels.
    With `fixed_jid` (after accepting a request) the JID is not editable; `name` and `groups` pre-fill what the
    roster already holds, so that Enter keeps them (the add rewrites the whole roster item)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="add_contact_cancel")]

    def __init__(self, title: str = "Add a contact", *, jid: str = "", name: str = "",
                 groups: tuple[str, ...] = (), fixed_jid: bool = False, subscribe: bool = True) -> None:
        super().__init__()
        self._title = title
        self._jid = jid
        self._name = name
        self._groups = groups
        self._fixed = fixed_jid
        self._subscribe = subscribe

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="add-contact"):
            yield Label(render.plain(self._title), classes="dialog-title")
            yield KeyOrderInput(value=self._jid, placeholder="JID, e.g. bob@example.org", id="contact-jid",
                                disabled=self._fixed)
            yield KeyOrderInput(value=self._name, placeholder="name (optional)", id="contact-name")
            yield KeyOrderInput(value=", ".join(self._groups), placeholder="groups, comma separated (optional)",
                                id="contact-groups")
            yield Checkbox("ask to see their presence (subscribe)", value=self._subscribe, id="contact-subscribe")
            yield Static("", id="contact-error", classes="dialog-error")
            yield Label(Text("Enter: add    Tab: next field    Escape: cancel", style="italic"))

    def on_mount(self) -> None:
        self.query_one("#contact-name" if self._fixed else "#contact-jid", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        jid = self.query_one("#contact-jid", Input).value.strip()
        problem = jid_problem(jid)
        if problem:
            self.query_one("#contact-error", Static).update(render.plain(problem))
            return
        self.dismiss(NewContact(jid, self.query_one("#contact-name", Input).value.strip(),
                                parse_groups(self.query_one("#contact-groups", Input).value),
                                self.query_one("#contact-subscribe", Checkbox).value))

    def action_cancel(self) -> None:
        self.dismiss(None)


class AnswerRequestScreen(ModalScreen[str | None]):
    """Someone asks to see our presence: `a` accepts, `d` denies, `b` blocks, `r` reports (spam or abuse,
    XEP-0377) and blocks, Escape answers later."""

    BINDINGS = [
        Binding("a", "answer('accept')", "Accept", id="request_accept"),
        Binding("d", "answer('deny')", "Deny", id="request_deny"),
        Binding("b", "answer('block')", "Block", id="request_block"),
        Binding("r", "answer('report')", "Report", id="request_report"),
        Binding("escape", "answer(None)", "Later", id="request_later"),
    ]

    def __init__(self, request: PendingRequest) -> None:
        super().__init__()
        self._request = request

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="answer-request"):
            yield Label(Text("Subscription request", style="bold"), classes="dialog-title")
            yield Static(render.request_line(self._request), id="request-text")
            yield Label(Text("a: accept (then add them to your roster)    d: deny    b: block    "
                             "r: report as spam or abuse, and block    Escape: later", style="italic"))

    def action_answer(self, answer: str | None) -> None:
        self.dismiss(answer)
