"""SearchScreen: history search results (FTS5, newest first); Enter shows the chosen message in its context."""

from __future__ import annotations

import time
from typing import Protocol

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Label, OptionList
from textual.widgets.option_list import Option

from xmpptui.model.conversation import ChatMessage, SearchHit
from xmpptui.ui.chat.chat_log import ChatLog
from xmpptui.ui.shared import render


class ContextSession(Protocol):
    """The part of the `Session` the search screen uses."""

    async def search_context(self, hit: SearchHit) -> list[ChatMessage]: ...


OWN_LABEL = "me"
"""What our own chat messages are called here, as in the conversation's log (in rooms: our nick)."""
FOUND_STYLE = "reverse"


def found_words(query: str) -> list[str]:
    """The words a result is highlighted at: the query's words without search syntax (quotes, `*`)."""
    return [word for word in (w.strip('"*()') for w in query.split()) if word and word.upper() not in
            ("AND", "OR", "NOT", "NEAR")]


def hit_line(hit: SearchHit, timestamp_format: str, query: str = "") -> Text:
    """`2025-12-01 12:00  bob@example.org  me: the text`, with what was found highlighted."""
    message = hit.message
    line = Text(no_wrap=True, overflow="ellipsis", end="")
    line.append(time.strftime(f"%Y-%m-%d {timestamp_format}", time.localtime(message.timestamp)),
                style="bright_black")
    line.append("  ")
    line.append_text(render.plain(message.conversation, "bold", single_line=True))
    line.append("  ")
    line.append_text(render.sender_name(message, OWN_LABEL, render.nick_style(message.sender)))
    line.append(": ")
    body = render.plain(message.body, single_line=True)
    words = found_words(query)
    if words:  # (no words would match the empty string everywhere)
        body.highlight_words(words, FOUND_STYLE, case_sensitive=False)
    line.append_text(body)
    return line


class SearchScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "close", "Close", id="search_close"),
        Binding("tab", "app.focus_next", "Results / context", id="search_switch", show=False),
    ]
    DEFAULT_CSS = """
    SearchScreen #search-title { padding: 0 1; text-style: bold; }
    SearchScreen #search-results { height: 1fr; }
    SearchScreen #search-context { height: 2fr; border-top: tall $panel; }
    """

    def __init__(self, session: ContextSession, query: str, hits: list[SearchHit], timestamp_format: str, *,
                 styling: bool = True) -> None:
        super().__init__()
        self._styling = styling
        self._session = session
        self._query = query
        self._hits = hits
        self._timestamp_format = timestamp_format
        self._around: list[ChatMessage] = []

    def compose(self) -> ComposeResult:
        count = f"{len(self._hits)} message{'s' if len(self._hits) != 1 else ''}" if self._hits else "nothing"
        title = Text(f"Search for “{self._query}”: {count} found", end="")
        title.append("  (Enter shows a message in its conversation, Escape closes)", style="italic")
        with Vertical():
            yield Label(title, id="search-title")
            yield OptionList(*(Option(hit_line(hit, self._timestamp_format, self._query)) for hit in self._hits),
                             id="search-results")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @property
    def context_log(self) -> ChatLog | None:
        logs = self.query(ChatLog)
        return logs.first() if logs else None

    @on(OptionList.OptionSelected)
    async def _show_context(self, event: OptionList.OptionSelected) -> None:
        hit = self._hits[event.option_index]
        self._around = await self._session.search_context(hit)
        chosen = next((m for m in self._around if m.body == hit.message.body and m.timestamp ==
                       hit.message.timestamp), None)
        existing = self.context_log
        if existing is not None:
            await existing.remove()
        log = ChatLog(self._around, own_label=OWN_LABEL, timestamp_format=self._timestamp_format, highlighted=chosen,
                      styling=self._styling, id="search-context")
        await self.query_one(Vertical).mount(log)

    def action_close(self) -> None:
        self.dismiss(None)
