"""StatusBar: own JID, own presence as the server echoed it, and the connection state with its reason."""

from __future__ import annotations

from textual.widgets import Static

from xmpptui.model.state import ClientState
from xmpptui.ui import render


class StatusBar(Static):
    def show_state(self, state: ClientState) -> None:
        self.update(render.status_line(state.jid, state.own_presence, state.connection))
        self.set_class(not state.connection.secure, "-insecure")
