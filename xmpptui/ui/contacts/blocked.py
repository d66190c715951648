"""BlockedScreen: the JIDs on our block list (XEP-0191); Delete or `u` unblocks the selected one."""

from __future__ import annotations

from typing import Protocol

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from xmpptui.model.state import ClientState
from xmpptui.ui.shared import render


class BlocklistSession(Protocol):
    """The part of the `Session` the block list uses."""

    @property
    def state(self) -> ClientState: ...

    async def unblock(self, jid: str) -> None: ...


class BlockedScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q", "close", "Close", id="blocked_close"),
        Binding("u,delete", "unblock", "Unblock", id="blocked_unblock"),
    ]

    def __init__(self, session: BlocklistSession) -> None:
        super().__init__()
        self._session = session

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="blocked-dialog"):
            yield Static(Text("Blocked JIDs", style="bold"), classes="dialog-title")
            yield OptionList(id="blocked-list")
            yield Static(Text("u / Delete: unblock the selected one    Escape: close", style="italic"))

    def on_mount(self) -> None:
        self.refresh_list()
        self.query_one(OptionList).focus()

    def refresh_list(self) -> None:
        """Show the block list as the state now holds it."""
        options = self.query_one(OptionList)
        highlighted = options.highlighted
        options.clear_options()
        for jid in sorted(self._session.state.blocked):
            options.add_option(Option(render.plain(jid, single_line=True), id=jid))
        if not self._session.state.blocked:
            options.add_option(Option(Text("nobody is blocked", style="italic"), disabled=True))
        else:
            options.highlighted = min(highlighted or 0, options.option_count - 1)

    @property
    def jids(self) -> list[str]:
        return sorted(self._session.state.blocked)

    def action_unblock(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is None:
            return
        jid = options.get_option_at_index(options.highlighted).id
        if jid is not None:
            self.app.run_worker(self._session.unblock(jid), name="unblock", group="session-calls",
                                exit_on_error=False)

    def action_close(self) -> None:
        self.dismiss(None)
