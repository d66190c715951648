"""Textual's output thread, able to let a keystroke's paint skip the queue when nothing is waiting in it.

Textual (8.2) hands every write to a thread that writes it to the terminal, so the loop never blocks on a slow
terminal. A keystroke's paint (`keys_now.paint_now`) then waits for that thread to be scheduled: under the GIL,
until the loop thread next blocks or its switch interval (5 ms) runs out, which is most of the gap between
xmpptui's echo and Poezio's or Profanity's (they write from the thread that read the key; issue #20). When
nothing is queued or being written, `PromptWriter.at_once` writes the paint from the loop thread itself; any
other time it queues behind what came first, so the terminal still sees every write in order.

It takes the place of Textual's thread at the first keystroke painted (a private of Textual's Linux driver,
`_writer_thread`, checked against Textual 8.2; `tests/unit/test_terminal_writer.py` names what it relies on).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from typing import IO, Any

from textual.drivers._writer_thread import WriterThread

log = logging.getLogger(__name__)


class PromptWriter(WriterThread):
    """Textual's `WriterThread`, counting the texts queued or being written, so that a write made when none
    is can go to the terminal at once."""

    def __init__(self, file: IO[str]) -> None:
        super().__init__(file)
        self._count_lock = threading.Lock()
        self._in_flight = 0
        """Texts queued or being written by the thread; only the thread lowers it, after writing and
        (for the last one queued) flushing."""
        self._direct: list[str] | None = None
        """While `at_once` runs with nothing in flight: the writes made meanwhile, written when it ends."""

    def write(self, text: str) -> None:
        if self._direct is not None:
            self._direct.append(text)
            return
        with self._count_lock:
            self._in_flight += 1
        super().write(text)

    def run(self) -> None:
        write, flush, get, qsize = self._file.write, self._file.flush, self._queue.get, self._queue.qsize
        while True:
            text = get()
            if text is None:
                break
            write(text)
            if qsize() == 0:
                flush()
            with self._count_lock:
                self._in_flight -= 1
        flush()

    @contextlib.contextmanager
    def at_once(self) -> Iterator[bool]:
        """Inside, writes go to the terminal from this thread when the block ends, if nothing was queued or
        being written when it began (yields whether they will); otherwise they are queued as usual."""
        with self._count_lock:
            idle = self._in_flight == 0
        if not idle:
            yield False
            return
        self._direct = []
        try:
            yield True
        finally:
            text, self._direct = "".join(self._direct), None
            if text:
                try:
                    self._file.write(text)
                    self._file.flush()
                except OSError:  # (the terminal went away: the app is ending, as Textual's thread would find)
                    log.debug("writing a keystroke's paint failed", exc_info=True)


def install(app: Any) -> PromptWriter | None:
    """The running driver's output thread, made a `PromptWriter` if it is still Textual's own (Textual's Linux
    driver makes a new one each time the app starts or resumes from suspension); None where there is none
    (headless, another driver)."""
    driver = getattr(app, "_driver", None)
    current = getattr(driver, "_writer_thread", None)
    if isinstance(current, PromptWriter) or type(current) is not WriterThread:
        return current if isinstance(current, PromptWriter) else None
    current.stop()  # (writes what it holds first: nothing is written out of order)
    writer = PromptWriter(current._file)
    writer.start()
    driver._writer_thread = writer
    return writer


@contextlib.contextmanager
def at_once(app: Any) -> Iterator[bool]:
    """The app's writes inside go to the terminal at once when nothing is queued before them (yields whether
    they will)."""
    writer = install(app)
    if writer is None:
        yield False
        return
    with writer.at_once() as direct:
        yield direct
