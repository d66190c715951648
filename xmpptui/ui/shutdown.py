"""Ending the app from outside: SIGTERM and SIGHUP handlers on the running loop, and stepping off a terminal
that hung up (its window was closed) so that the normal quit path can run without it."""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import signal
import termios
from collections.abc import Callable

log = logging.getLogger(__name__)

QUIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
"""Without handlers Python dies of these at once: no logout, pending writes lost, and the terminal left in
the alternate screen with mouse reporting on."""


def install(on_signal: Callable[[signal.Signals], None]) -> Callable[[], None]:
    """Call `on_signal(sig)` on the running loop for each of QUIT_SIGNALS; returns what removes them again."""
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for sig in QUIT_SIGNALS:
        try:
            loop.add_signal_handler(sig, on_signal, sig)
        except (ValueError, RuntimeError, NotImplementedError):  # not the main thread, or no signals here
            log.info("cannot handle %s in this thread: it ends the app without logging out", sig.name)
            continue
        installed.append(sig)

    def remove() -> None:
        for sig in installed:
            loop.remove_signal_handler(sig)
        installed.clear()

    return remove


def terminal_hung_up(fd: int = 0) -> bool:
    """Whether the controlling terminal is gone: after a hangup every call on it fails with EIO (a pipe or a
    headless run is not a terminal at all, which is ENOTTY: nothing hung up there)."""
    try:
        termios.tcgetattr(fd)
    except termios.error as exc:
        return exc.args[0] == errno.EIO
    except OSError:
        return False
    return False


def leave_hung_up_terminal(driver: object) -> None:
    """Point the app's terminal descriptors at harmless stand-ins, so that shutting down never waits on it.

    A hung-up terminal fails every write with EIO, and Textual's writer thread ends at the first failure,
    after which writes queue until the queue is full and then block for good: the logout would never
    finish. Reads return end-of-file at once, which keeps Textual's input thread spinning. So output goes to
    /dev/null and input to a pipe nobody writes to, held open until `release_input` (the input thread may
    already be inside a read that the hangup woke, and then waits on the pipe: closing it lets the thread
    see end-of-file and stop when Textual shuts input down).
    """
    null = os.open(os.devnull, os.O_WRONLY)
    silent_read, silent_write = os.pipe()
    try:
        os.dup2(silent_read, 0)
        os.dup2(null, 1)
        os.dup2(null, 2)
    finally:
        os.close(null)
        os.close(silent_read)
    _keep_open.append(silent_write)
    # The writer thread may already have died on EIO between the hangup and this handler (Textual repaints
    # the blinking cursor twice a second); a fresh one on the same file, now /dev/null, drains its queue.
    writer = getattr(driver, "_writer_thread", None)
    if writer is not None and not writer.is_alive():
        from textual.drivers._writer_thread import WriterThread

        fresh = WriterThread(writer._file)
        fresh._queue = writer._queue
        fresh.start()
        driver._writer_thread = fresh  # type: ignore[attr-defined]


_keep_open: list[int] = []
"""Write ends of the stand-in input pipes, open until `release_input`."""


def release_input() -> None:
    """Close the stand-in input (if any) just before the app exits: a read waiting on it returns at once."""
    while _keep_open:
        os.close(_keep_open.pop())
