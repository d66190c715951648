"""OriginalFinder: `g` on a reply whose original is not held pages older history in (the history, then the
archive, as scrolling to the top does) until the original is held or nothing older exists, saying in a small
dialog how far it got; Escape stops it (what was paged in stays), and the original found is selected."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from xmpptui.model.conversation import Conversation
from xmpptui.model.message import Reply
from xmpptui.ui.chat.conversation_log import ConversationLog
from xmpptui.ui.shared import render
from xmpptui.ui.shared.controller import ScreenTools

EMPTY_PAGES_TO_STOP = 3
"""Pages in a row that bring no message before giving up even though the session has not said that nothing older
exists: an archive page may hold only reactions and corrections, and offline the archive is not asked at all."""


class FindingOriginal(ModalScreen[None]):
    """How far the search for a reply's original got; Escape stops it."""

    BINDINGS = [Binding("escape", "stop", "Stop looking", id="finding_stop")]

    def __init__(self, quote: str) -> None:
        super().__init__()
        self._quote = quote
        self._words = "paging in older history…"
        self.stopped = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="finding-original"):
            yield Label("Looking for the message it answers", classes="dialog-title")
            yield Static(render.plain(self._quote, single_line=True), id="finding-quote")  # (remote text)
            yield Static(Text(self._words), id="finding-progress")
            yield Label("Escape: stop looking (what was paged in stays)", classes="dialog-keys", markup=False)

    def progress(self, words: str) -> None:
        """Say how far it got (a page may come before the dialog is composed: then composed with these words)."""
        self._words = words
        for shown in self.query("#finding-progress").results(Static):
            shown.update(Text(words))

    def progress_text(self) -> str:
        """What the dialog shows of the progress ("" before it is composed)."""
        return "".join(str(shown.render()) for shown in self.query("#finding-progress").results(Static))

    def close(self) -> None:
        if self.is_current:
            self.dismiss(None)

    def action_stop(self) -> None:
        self.stopped = True
        self.close()


class OriginalFinder:
    def __init__(self, tools: ScreenTools, say: Callable[[str], None]) -> None:
        """`say`: words for the user (a warning)."""
        self._tools = tools
        self._say = say

    def find(self, load_older: Callable[[str], Awaitable[None]], conversation: Conversation, reply: Reply,
             quote: str, log: ConversationLog) -> None:
        """Page `conversation`'s older history in with `load_older` until the message `reply` names is held;
        then select it in `log`. `quote`: the reply's quote of it, shown while looking."""
        screen = FindingOriginal(quote)
        self._tools.push_screen(screen)
        self._tools.run(self._page(load_older, conversation, reply, screen, log), "find the original")

    async def _page(self, load_older: Callable[[str], Awaitable[None]], conversation: Conversation, reply: Reply,
                    screen: FindingOriginal, log: ConversationLog) -> None:
        pages = empty = 0
        try:
            while not screen.stopped:
                original = conversation.references.find(reply.id)
                if original is not None:
                    screen.close()
                    log.select_when_counted(original)
                    return
                held = len(conversation.messages)
                await load_older(conversation.jid)
                if screen.stopped:  # (Escape while the page was read: the dialog is gone)
                    break
                pages += 1
                empty = 0 if len(conversation.messages) > held else empty + 1
                if empty and _nothing_older(conversation):
                    screen.close()
                    self._say("the message it answers is not in the history nor in the archive: nothing older "
                              "exists")
                    return
                if empty >= EMPTY_PAGES_TO_STOP:
                    screen.close()
                    self._say(f"the message it answers was not found: the last {empty} pages asked for brought "
                              "no older message (offline, the archive cannot be asked)")
                    return
                screen.progress(f"{pages} page{'s' if pages != 1 else ''} of older history read, "
                                f"{len(conversation.messages)} messages held")
            self._say("stopped looking for the message it answers (what was paged in stays)")
        finally:
            screen.close()  # (a failed page is said in words by the worker's handler; the dialog goes)


def _nothing_older(conversation: Conversation) -> bool:
    """The session has read the stored history to its start and the archive says it holds nothing older."""
    return conversation.history_loaded and conversation.older is None and conversation.archive_exhausted
