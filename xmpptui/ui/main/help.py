"""HelpScreen: every key binding (as currently mapped) and every slash command."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from xmpptui.commands import COMMANDS


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q,question_mark", "dismiss", "Close help", id="help_close")]

    def __init__(self, keys: list[tuple[str, str, str]]) -> None:
        """keys: (binding id, keys as shown, description)."""
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
            yield Static(keys, id="help-keys")
            yield Static(commands, id="help-commands")
            yield Static(Text("Escape closes this help. `//text` sends a message that starts with /.",
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
