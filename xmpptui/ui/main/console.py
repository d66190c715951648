"""ConsoleScreen: the XML console. Live stanzas in and out (direction, time, indented XML, credentials redacted
by the session), a filter, and an input that sends one raw stanza. Everything is shown as plain text: the XML
came from the network."""

from __future__ import annotations

import logging
import time
from collections import deque

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input, Log, Static

from xmpptui.model.console import StanzaRecord
from xmpptui.session import Session, SessionError
from xmpptui.text import sanitize
from xmpptui.ui.shared.keys_now import KeyOrderInput

log = logging.getLogger(__name__)

POLL_SECONDS = 0.2
"""How often the screen asks the session for new stanzas: a burst costs one redraw per poll, not per stanza."""
KEPT_RECORDS = 500
"""Stanzas the screen holds for the filter (the session's ring holds as many)."""
MAX_LOG_LINES = 20_000
"""The log widget renders only the lines in view; beyond this many the oldest go."""


class ConsoleScreen(Screen[None]):
    """Opened by Alt+X or /console; Escape (or Alt+X again) closes it."""

    BINDINGS = [Binding("escape", "close", "Close the console", id="console_close")]
    DEFAULT_CSS = """
    ConsoleScreen { layout: vertical; }
    #console-title { height: auto; padding: 0 1; }
    #console-log { height: 1fr; border: round $primary; }
    ConsoleScreen Input { height: 3; }
    """

    def __init__(self, session: Session) -> None:
        super().__init__()
        self._session = session
        self._records: deque[StanzaRecord] = deque(maxlen=KEPT_RECORDS)
        self._last_seq = 0
        self._filter = ""

    def compose(self) -> ComposeResult:
        yield Static(Text("XML console: stanzas in (←) and out (→) while it is open, passwords redacted. "
                          "Escape or Alt+X closes it; Tab moves between the filter, the log and the stanza to send."),
                     id="console-title")
        yield KeyOrderInput(placeholder="filter: any text, a tag (<message) or a namespace; empty shows all",
                            id="console-filter")
        yield Log(max_lines=MAX_LOG_LINES, id="console-log")
        yield KeyOrderInput(placeholder="one stanza to send, e.g. <presence/>; Enter sends it", id="console-send")

    def on_mount(self) -> None:
        self._session.watch_stanzas(True)
        self._pull()
        self.set_interval(POLL_SECONDS, self._pull)
        self.query_one("#console-send", Input).focus()

    def on_unmount(self) -> None:
        self._session.watch_stanzas(False)

    # What tests read ---------------------------------------------------------------------------

    @property
    def log_text(self) -> str:
        return "\n".join(self.query_one(Log).lines)

    # Stanzas -----------------------------------------------------------------------------------

    def _pull(self) -> None:
        new = self._session.stanzas_since(self._last_seq)
        if not new:
            return
        self._last_seq = new[-1].seq
        self._records.extend(new)
        self._write(new)

    def _write(self, records: list[StanzaRecord] | deque[StanzaRecord]) -> None:
        lines: list[str] = []
        for record in records:
            if self._filter and self._filter not in record.xml.casefold():
                continue
            stamp = time.strftime("%H:%M:%S", time.localtime(record.time)) + f".{int(record.time * 1000) % 1000:03d}"
            lines.append(f"{stamp} {'→ out' if record.outgoing else '← in'}")
            lines.extend(f"  {line}" for line in sanitize(record.xml).splitlines())
        if lines:
            self.query_one(Log).write_lines(lines)

    @on(Input.Changed, "#console-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._filter = event.value.strip().casefold()
        self.query_one(Log).clear()
        self._write(self._records)

    @on(Input.Submitted, "#console-send")
    def _send(self, event: Input.Submitted) -> None:
        try:
            self._session.send_raw(event.value)
        except SessionError as exc:  # (what was typed stays, to be mended)
            log.info("console: %s", exc)
            self.notify(str(exc), severity="error", markup=False, title="XML console")
            return
        except Exception as exc:  # a bug: the traceback to the log, never on screen
            log.error("console: sending failed", exc_info=exc)
            self.notify(f"internal error: {type(exc).__name__} (see the log)", severity="error", markup=False)
            return
        event.input.value = ""
        self._pull()

    def action_close(self) -> None:
        self.dismiss(None)
