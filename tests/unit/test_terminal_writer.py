"""`PromptWriter`: a keystroke's paint goes to the terminal from the loop's thread when nothing is queued or being
written, and behind what is otherwise, so the terminal sees every write in the order it was made (issue #20)."""

from __future__ import annotations

import threading
from types import SimpleNamespace

from textual.app import App
from textual.drivers._writer_thread import WriterThread
from textual.drivers.linux_driver import LinuxDriver

from xmpptui.ui.shared import terminal_writer
from xmpptui.ui.shared.terminal_writer import PromptWriter


class Terminal:
    """A file-like terminal recording what was written and on which thread; `hold` keeps a write from ending."""

    def __init__(self) -> None:
        self.writes: list[tuple[str, str]] = []
        self.flushed = 0
        self.hold = threading.Event()
        self.hold.set()
        self.writing = threading.Event()

    def write(self, text: str) -> int:
        self.writing.set()
        self.hold.wait(10)
        self.writes.append((threading.current_thread().name, text))
        return len(text)

    def flush(self) -> None:
        self.flushed += 1

    def text(self) -> str:
        return "".join(text for _, text in self.writes)


def _started(terminal: Terminal) -> PromptWriter:
    writer = PromptWriter(terminal)  # type: ignore[arg-type]
    writer.start()
    return writer


def test_with_nothing_queued_the_paint_is_written_at_once_from_the_callers_thread() -> None:
    terminal = Terminal()
    writer = _started(terminal)
    try:
        with writer.at_once() as direct:
            writer.write("\x1b[?2026h")
            writer.write("key")
            assert terminal.writes == [], "written when the paint is complete, in one write"
        assert direct
        assert terminal.writes == [(threading.current_thread().name, "\x1b[?2026hkey")]
        assert terminal.flushed == 1
    finally:
        writer.stop()


def test_behind_a_write_in_hand_the_paint_waits_its_turn() -> None:
    terminal = Terminal()
    writer = _started(terminal)
    try:
        terminal.hold.clear()
        writer.write("frame")  # the output thread is writing it (a slow terminal)
        assert terminal.writing.wait(10)
        with writer.at_once() as direct:
            writer.write("key")
        assert not direct
        terminal.hold.set()
        writer.stop()
        assert terminal.text() == "framekey", "in the order written"
        assert {name for name, _ in terminal.writes} == {"textual-output"}
    finally:
        terminal.hold.set()


def test_once_the_queue_has_drained_the_next_paint_is_direct_again() -> None:
    terminal = Terminal()
    writer = _started(terminal)
    try:
        for index in range(50):  # more than the queue holds: the writes wait for room, as Textual's do
            writer.write(f"frame{index} ")
        deadline = threading.Event()
        while writer._in_flight and not deadline.wait(0.001):
            pass
        with writer.at_once() as direct:
            writer.write("key")
        assert direct
        assert terminal.text() == "".join(f"frame{index} " for index in range(50)) + "key"
    finally:
        writer.stop()


def test_install_replaces_textuals_output_thread_after_it_wrote_what_it_held() -> None:
    terminal = Terminal()
    textuals = WriterThread(terminal)  # type: ignore[arg-type]
    textuals.start()
    textuals.write("application mode on")
    app = SimpleNamespace(_driver=SimpleNamespace(_writer_thread=textuals))
    writer = terminal_writer.install(app)  # (the first keystroke painted does it)
    try:
        assert isinstance(writer, PromptWriter)
        assert app._driver._writer_thread is writer
        assert not textuals.is_alive()
        assert terminal.text() == "application mode on"
        assert terminal_writer.install(app) is writer, "installed once"
        with terminal_writer.at_once(app) as direct:
            writer.write("key")
        assert direct and terminal.text().endswith("key")
    finally:
        if writer is not None:
            writer.stop()


def test_headless_there_is_nothing_to_replace_and_writes_go_their_usual_way() -> None:
    app = SimpleNamespace(_driver=None)
    assert terminal_writer.install(app) is None
    with terminal_writer.at_once(app) as direct:
        pass
    assert not direct


async def test_the_textual_privates_it_replaces_are_there() -> None:
    """Checked against Textual 8.2: the Linux driver keeps its output thread in `_writer_thread`, and that thread
    its file and queue in `_file` and `_queue`. If one goes, keystrokes are painted through the queue again."""
    driver = LinuxDriver(App(), debug=False, mouse=False, size=(80, 24))
    assert hasattr(driver, "_writer_thread"), "LinuxDriver._writer_thread is gone: PromptWriter is never installed"
    textuals = WriterThread(Terminal())  # type: ignore[arg-type]
    assert hasattr(textuals, "_file") and hasattr(textuals, "_queue")
