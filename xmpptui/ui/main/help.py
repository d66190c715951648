"""HelpScreen: every key (as currently mapped, named in words: `Alt+A`, `?`, `Shift+Enter`) and every slash
command; Escape, F1, q or ? closes it."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping

from rich.console import Console
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from xmpptui.commands import COMMANDS
from xmpptui.ui.chat import message_keys
from xmpptui.ui.chat.composer import Composer
from xmpptui.ui.contacts.roster_view import RosterView
from xmpptui.ui.main import keys as main_keys
from xmpptui.ui.shared.keymap import key_words

UNBOUND_KEYS = (
    ("Enter", "send (in the composer)"),
    ("Up", "in an empty composer: correct your last message (Escape cancels)"),
    ("Tab", "complete what is typed (in a room: the nick before the cursor)"),
    ("Ctrl+P", "command palette: every action, and \"Chat with …\" for every contact"),
    ("a, d, b, r", "answering a subscription request (Enter on it): accept, deny, block, or report it as spam or "
                   "abuse and block"),
)
"""Keys with no binding id (the composer's own, Textual's palette): listed, not remappable."""


def key_rows(app_bindings: Iterable[BindingType], keymap: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """(binding id, keys in words as mapped now, description) for the app's, the main screen's, the composer's,
    a selected message's and the roster's keys, then the keys without an id."""
    rows = []
    for bindings in (app_bindings, main_keys.BINDINGS, Composer.BINDINGS, message_keys.BINDINGS, RosterView.BINDINGS):
        for binding in bindings:
            if isinstance(binding, Binding) and binding.id:
                rows.append((binding.id, key_words(keymap.get(binding.id, binding.key)), binding.description))
    rows.extend(("–", shown, description) for shown, description in UNBOUND_KEYS)
    return rows


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q,question_mark", "dismiss", "Close help", id="help_close")]

    def __init__(self, keys: list[tuple[str, str, str]]) -> None:
        """keys: (binding id, keys as shown, description), e.g. from `key_rows`."""
        super().__init__()
        self._keys = keys

    def compose(self) -> ComposeResult:
        yield from self._compose_tables()

    def plain_text(self) -> str:
        """The help as plain text (what a screen reader or a test sees)."""
        console = Console(width=120, record=True, file=io.StringIO())
        for table in self._tables():
            console.print(table)
        return console.export_text()

    def _compose_tables(self) -> ComposeResult:
        keys, commands = self._tables()
        with VerticalScroll(classes="dialog", id="help-dialog"):
            yield Static(Text("Escape, F1, q or ? closes this help.", style="bold"), id="help-close")
            yield Static(keys, id="help-keys")
            yield Static(commands, id="help-commands")
            yield Static(Text("Escape, F1, q or ? closes this help. `//text` sends a message that starts with /.",
                              style="italic"))

    def _tables(self) -> tuple[Table, Table]:
        keys = Table(title="Keys", expand=True, show_edge=False)
        keys.add_column("key", style="bold", no_wrap=True)
        keys.add_column("action")
        keys.add_column(Text("id (remap in [keys])"), style="bright_black")
        for binding_id, shown, description in self._keys:
            keys.add_row(Text(shown), Text(description), Text(binding_id))
        commands = Table(title="Commands (type in the composer)", expand=True, show_edge=False)
        commands.add_column("command", style="bold", no_wrap=True)
        commands.add_column("what it does")
        for spec in COMMANDS:
            commands.add_row(Text(spec.usage), Text(spec.help))
        return keys, commands

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)
