"""Composer: the multi-line message editor. Enter sends; Ctrl+J or Alt+Enter inserts a new line; Up in an empty
composer edits the last message sent (Escape cancels); in a room, Tab completes the nick before the cursor (again for
the next match)."""

from __future__ import annotations

from collections.abc import Callable

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea


class Composer(TextArea):
    """Posts `Submitted` with the text; the screen clears it once the text has been taken."""

    BINDINGS = [
        Binding("ctrl+j,alt+enter,shift+enter", "newline", "New line", id="newline", show=False),
        Binding("pageup", "scroll_log(-1)", "Scroll up", show=False, id="log_page_up"),
        Binding("pagedown", "scroll_log(1)", "Scroll down", show=False, id="log_page_down"),
    ]

    class Submitted(Message):
        def __init__(self, text: str, correction: bool = False) -> None:
            super().__init__()
            self.text = text
            self.correction = correction
            """The text replaces the last message sent (XEP-0308) instead of being a new one."""

    class EditLastRequested(Message):
        """Up in an empty composer: the screen fills in the last message sent, to correct it."""

    class ScrollRequested(Message):
        """Page the chat log while typing."""

        def __init__(self, direction: int) -> None:
            super().__init__()
            self.direction = direction

    def __init__(self, *, id: str | None = None) -> None:
        self.nicks: Callable[[], list[str]] | None = None
        """The nicks Tab completes (set by the screen while a room is active); None: Tab moves the focus."""
        self._completing: tuple[int, int, str, list[str], int] | None = None
        """(row, start column, what was typed, candidates, index) while Tab cycles through matches."""
        super().__init__(id=id, soft_wrap=True, show_line_numbers=False, compact=True, tab_behavior="focus")
        self.correcting = False

    def start_correction(self, text: str) -> None:
        self.load_text(text)
        self.move_cursor(self.document.end)
        self.correcting = True
        self.border_subtitle = "correcting your last message · Enter sends · Esc cancels"

    def clear(self):  # type: ignore[no-untyped-def]
        self.end_correction()
        self._completing = None
        return super().clear()

    def end_correction(self) -> None:
        self.correcting = False
        self.border_subtitle = ""

    def _complete_nick(self) -> bool:
        """Complete the word before the cursor to a nick (`nick: ` at the start of the message)."""
        if self.nicks is None:
            return False
        row, column = self.cursor_location
        if self._completing is not None and self._completing[0] == row:
            _, start, typed, candidates, index = self._completing
            index = (index + 1) % len(candidates)
        else:
            line = self.document.get_line(row)[:column]
            start = max(line.rfind(" "), line.rfind("\t")) + 1
            typed = line[start:]
            candidates = sorted((n for n in self.nicks() if typed and n.casefold().startswith(typed.casefold())),
                                key=str.casefold)
            if not candidates:
                return False
            index = 0
        suffix = ": " if row == 0 and start == 0 else " "
        self.replace(candidates[index] + suffix, (row, start), (row, column))
        self._completing = (row, start, typed, candidates, index)
        return True

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "tab" and self._complete_nick():
            event.stop()
            event.prevent_default()
            return
        self._completing = None
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            if self.text.strip():
                self.post_message(self.Submitted(self.text, self.correcting))
            return
        if event.key == "up" and not self.text:
            event.stop()
            event.prevent_default()
            self.post_message(self.EditLastRequested())
            return
        if event.key == "escape" and self.correcting:
            event.stop()
            event.prevent_default()
            self.clear()
            self.end_correction()
            return
        await super()._on_key(event)

    def action_newline(self) -> None:
        self.insert("\n")

    def action_scroll_log(self, direction: int) -> None:
        self.post_message(self.ScrollRequested(direction))
