"""Composer: the multi-line message editor. Enter sends (asking first over `confirm_lines` lines); Ctrl+J or
Alt+Enter inserts a new line; Up in an empty composer edits the last message sent (Escape cancels); Tab /
Shift+Tab complete commands, their arguments and nicks (a list over the composer when there are several);
Ctrl+Up / Ctrl+Down (Alt+P / Alt+N) bring back what was sent in this conversation; Alt+E (and /edit) opens the
text in $EDITOR; readline keys edit. Keys arriving faster than anyone types (a paste the terminal did not
bracket) are inserted as one edit."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea

from xmpptui.ui.chat import editor
from xmpptui.ui.chat.completion import Completion, CompletionSources, complete
from xmpptui.ui.chat.completion_list import CompletionList
from xmpptui.ui.chat.input_history import InputHistory
from xmpptui.ui.shared.dialogs import ConfirmScreen
from xmpptui.ui.shared.keys_now import paint_now, run_binding_now
from xmpptui.ui.shared.render import plain

log = logging.getLogger(__name__)


class Composer(TextArea):
    """Posts `Submitted` with the text; the screen clears it once the text has been taken."""

    BINDINGS = [
        Binding("ctrl+j,alt+enter,shift+enter", "newline", "New line", id="newline", show=False),
        Binding("pageup", "scroll_log(-1)", "Scroll up", show=False, id="log_page_up"),
        Binding("pagedown", "scroll_log(1)", "Scroll down", show=False, id="log_page_down"),
        # Alt+letter keys need priority: a terminal sends ESC and the letter, which the TextArea would type.
        Binding("ctrl+up,alt+p", "history(True)", "Older input", show=False, id="history_older", priority=True),
        Binding("ctrl+down,alt+n", "history(False)", "Newer input", show=False, id="history_newer", priority=True),
        Binding("alt+e", "edit_externally", "Edit in $EDITOR", show=False, id="edit_in_editor", priority=True),
        # Readline keys TextArea lacks (it has Ctrl+A/E/W/U/K).
        Binding("alt+b", "cursor_word_left", "Word back", show=False, id="word_back", priority=True),
        Binding("alt+f", "cursor_word_right", "Word forward", show=False, id="word_forward", priority=True),
    ]

    MAX_CHARS = 1_048_576
    """The most the composer holds; more of a paste is left out, in words (a stanza has a size limit too)."""

    class Submitted(Message):
        def __init__(self, text: str, correction: bool = False, reply: bool = False) -> None:
            super().__init__()
            self.text = text
            self.correction = correction
            """The text replaces the last message sent (XEP-0308) instead of being a new one."""
            self.reply = reply
            """The text answers the message chosen with `r` on a selection (XEP-0461)."""

    class EditLastRequested(Message):
        """Up in an empty composer: the screen fills in the last message sent, to correct it."""

    class ScrollRequested(Message):
        """Page the chat log while typing."""

        def __init__(self, direction: int) -> None:
            super().__init__()
            self.direction = direction

    def __init__(self, *, id: str | None = None) -> None:
        self.nicks: Callable[[], list[str]] | None = None
        """The nicks Tab completes (set by the screen while a room is active); None: a plain word is not
        completed."""
        self.sources = CompletionSources()
        """JIDs and rooms Tab completes in a command's arguments (set by the chat controller)."""
        self.conversation: Callable[[], str | None] = lambda: None
        """The conversation on screen: input history is kept per conversation."""
        self.confirm_lines = 10
        """Enter asks before sending more lines than this (`[ui] confirm_lines`)."""
        self.completions = CompletionList(id="completions")
        self._completing: tuple[int, Completion, int] | None = None
        """(row, what Tab found, the candidate in the composer) while Tab cycles through candidates."""
        self._history = InputHistory()
        self._from_history: str | None = None
        """The text the last history key put in the composer (another text there means it was edited)."""
        self._pending: list[str] = []
        """Keys typed but not yet inserted: one insert per batch (re-wrapping per key made pastes quadratic)."""
        self.key_shown: Callable[[], None] = lambda: None
        """Called once a key typed here is on screen: during a flood, the chat log's repaint goes just after it,
        while the typist's next key is still on its way (`ui/main/batches.py`)."""
        super().__init__(id=id, soft_wrap=True, show_line_numbers=False, compact=True, tab_behavior="focus")
        self.correcting = False
        self.replying = False

    def on_mount(self) -> None:
        if self.parent is not None and not self.completions.is_attached:
            self.parent.mount(self.completions, before=self)

    def start_correction(self, text: str) -> None:
        self.load_text(text)
        self.move_cursor(self.document.end)
        self.correcting = True
        self.border_title = "correcting your last message · Enter sends · Esc cancels"

    def start_reply(self, quote: str) -> None:
        """What is typed next answers a message (`quote`: "NAME: its first words"); Escape cancels."""
        self.end_correction()
        self.replying = True
        # (a Text: a str here would be read as markup, and the quote is remote text)
        self.border_title = Text.assemble("replying to ", plain(quote, single_line=True),
                                             " · Enter sends · Esc cancels")

    def offer(self, text: str) -> None:
        """Put `text` in the composer to be sent with Enter (a failed upload's command, offered again)."""
        self.load_text(text)
        self.move_cursor(self.document.end)

    def clear(self):  # type: ignore[no-untyped-def]
        self.end_correction()
        self._stop_completing()
        self._pending.clear()
        return super().clear()

    def end_correction(self) -> None:
        """Back to writing a new message: no correction, no reply."""
        self.correcting = self.replying = False
        self.border_title = ""

    # Completion -------------------------------------------------------------------------------

    def _complete(self, step: int) -> bool:
        """Tab (step 1) or Shift+Tab (-1): the next candidate for the word before the cursor; False when
        nothing completes (the key then moves the focus, as Tab does elsewhere)."""
        row, column = self.cursor_location
        if self._completing is not None and self._completing[0] == row:
            _, found, index = self._completing
            index = (index + step) % len(found.candidates)
        else:
            sources = dataclasses.replace(self.sources, nicks=self.nicks)
            completion = complete(self.document.get_line(row)[:column], row, sources)
            if completion is None:
                return False
            found, index = completion, (0 if step > 0 else len(completion.candidates) - 1)
        self.replace(found.candidates[index], (row, found.start), (row, column))
        self._completing = (row, found, index)
        self.completions.show(found.candidates, index)
        return True

    def _stop_completing(self) -> None:
        self._completing = None
        if self.completions.display:
            self.completions.close()

    # Keys -------------------------------------------------------------------------------------

    async def _on_key(self, event: events.Key) -> None:
        if event.is_printable and event.character is not None and not self.read_only:
            event.stop()
            event.prevent_default()
            self._restart_blink()  # (as TextArea does per key: the cursor stays shown while typing)
            self._stop_completing()
            self._queue(event.character)
            return
        self._flush()
        await self._edit_key(event)
        paint_now(self)  # the edit shows now, not at the next frame
        self.key_shown()

    async def _edit_key(self, event: events.Key) -> None:
        """A key that is not a letter typed: completion, sending, correcting, the editing bindings."""
        if event.key in ("tab", "shift+tab") and self._complete(1 if event.key == "tab" else -1):
            event.stop()
            event.prevent_default()
            return
        if event.key == "escape" and self.completions.display:
            event.stop()
            event.prevent_default()
            self._stop_completing()
            return
        self._stop_completing()
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self._submit()
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
        if event.key == "escape" and self.replying:  # (what was typed stays: only the reply is cancelled)
            event.stop()
            event.prevent_default()
            self.end_correction()
            return
        if not event.is_printable and await run_binding_now(self, event.key):
            event.stop()
            event.prevent_default()
            return
        await super()._on_key(event)

    def _submit(self) -> None:
        if not self.text.strip():
            return
        lines = self.document.line_count
        if lines <= self.confirm_lines:
            self._send()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._send()
            self.focus()

        self.app.push_screen(ConfirmScreen(f"Send these {lines} lines as one message?"), answered)

    def _send(self) -> None:
        self._history.record(self.conversation(), self.text)
        self._from_history = None
        self.post_message(self.Submitted(self.text, self.correcting, self.replying))

    # Pastes -------------------------------------------------------------------------------------

    def _queue(self, text: str) -> None:
        if not self._pending:
            # After the keys already queued behind this one: they all go in with one insert.
            self.call_later(self._flush)
        self._pending.append(text)

    def _flush(self) -> None:
        if not self._pending:
            return
        text = "".join(self._pending)
        self._pending.clear()
        self._insert_typed(text)
        paint_now(self)  # what was typed shows now, not at the next frame (issue #20)
        self.key_shown()

    def _insert_typed(self, text: str) -> None:
        """Insert at the cursor what was typed or pasted, as much as fits under MAX_CHARS."""
        start, end = self.selection
        room = self.MAX_CHARS - len(self.text) + len(self.get_text_range(start, end))
        if len(text) > room:
            left_out = len(text) - max(room, 0)
            text = text[:max(room, 0)]
            log.warning("composer full: %d characters of a paste left out", left_out)
            self.notify(f"the composer holds at most {self.MAX_CHARS:,} characters: the last {left_out:,} "
                        "characters of what was pasted were left out", severity="warning", markup=False)
        if text:
            result = self._replace_via_keyboard(text, start, end)
            if result is not None:
                self.move_cursor(result.end_location)

    async def _on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()
        self._stop_completing()
        self._flush()
        if not self.read_only:
            self._insert_typed(event.text)

    # Actions ----------------------------------------------------------------------------------

    def action_newline(self) -> None:
        self._flush()
        self.insert("\n")

    def action_scroll_log(self, direction: int) -> None:
        self.post_message(self.ScrollRequested(direction))

    def action_history(self, older: bool) -> None:
        """Bring back an older (or newer) text sent in this conversation; past the newest, what was typed."""
        self._flush()
        if self._from_history is not None and self.text != self._from_history:
            self._history.stop_browsing()  # an edited entry is a new draft
        text = self._history.step(self.conversation(), self.text, older)
        if text is None:
            self.app.bell()
            return
        self.load_text(text)
        self.move_cursor(self.document.end)
        self._from_history = text

    def action_edit_externally(self) -> None:
        self.edit_externally(self.text)

    def edit_externally(self, text: str) -> None:
        """Open `text` in the user's editor; what they save replaces the composer's text (nothing is sent)."""
        self._flush()
        try:
            edited = editor.edit(self.app, text)
        except editor.EditorError as exc:
            log.warning("%s", exc)
            self.notify(str(exc), severity="warning", markup=False)
            return
        self.load_text(edited)
        self.move_cursor(self.document.end)
        self.focus()
