"""StatusBar: own JID, own presence as the server echoed it, and the connection state with its reason."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from xmpptui.model.state import ClientState
from xmpptui.ui.shared import render


class StatusBar(Static):
    def show_state(self, state: ClientState) -> None:
        self.update(render.status_line(state.jid, state.own_presence, state.connection))
        self.set_class(not state.connection.secure, "-insecure")

    def show_notice(self, text: str) -> None:
        """What the app is doing before there is a session to show (e.g. waiting for password_command)."""
        self.update(Text(text))
