"""ConversationBar: the open conversations with unread counts; the active one highlighted."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import Static

from xmpptui.ui.shared import render


class ConversationBar(Static):
    class Clicked(Message):
        def __init__(self, jid: str) -> None:
            super().__init__()
            self.jid = jid

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._spans: list[tuple[int, int, str]] = []
        self._shown: tuple[list[tuple[str, str, int]], str | None] | None = None

    def show(self, entries: list[tuple[str, str, int]], active: str | None) -> None:
        """entries: (jid, label, unread) in order."""
        if self._shown == (entries, active):
            return  # called for every batch of events; most change nothing here
        self._shown = (entries, active)
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        self._spans = []
        if not entries:
            text.append("no conversations: Enter on a contact, or /chat JID", style="italic")
        for number, (jid, label, unread) in enumerate(entries, start=1):
            start = cell_len(text.plain)
            style = "reverse bold" if jid == active else ("bold" if unread else "")
            text.append(f" {number}:", style=style)
            text.append_text(render.plain(label, style, single_line=True))
            if unread:
                text.append(f" ({unread})", style=f"{style} magenta")
            text.append(" ", style=style)
            self._spans.append((start, cell_len(text.plain), jid))
            text.append(" ")
        self.update(text, layout=False)  # one line high, always: no need to lay the screen out again

    def on_click(self, event: events.Click) -> None:
        for start, end, jid in self._spans:
            if start <= event.x < end:
                self.post_message(self.Clicked(jid))
                return
