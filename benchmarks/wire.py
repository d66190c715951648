"""Where the wire should run: the flood of `burst` (10,000; quick 1,000) messages of `--only burst`, received by the
real app with its session on the UI loop (as shipped) and with the same session on a worker thread with its own
loop (`benchmarks.threaded_session`), rounds alternating which goes first.

For each: the rate the flood is shown at, keystroke echo during it (the burst section's probe: a key handed to the
driver every 0.2 s, until the frame in which the composer shows it), and what ran on the UI loop, by kind, timed
around each call: the wire (slixmpp's parsing and every handler of ours for a slice of the socket, our `_parse_slice`
is where it enters), the session's events applied to the screen, and repaints (`Screen._refresh_layout`). A key
waits for whichever of these is running, so the longest of them bound echo. And with the same session in a child
process (`benchmarks.process_session`): the UI loop then pays for the pipe instead (reading and unpickling the
child's frames and applying them to its copy of the state, timed as "pipe") and the wire runs on the other core.
Rounds rotate the order of the three."""

from __future__ import annotations

import asyncio
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks import burst, support
from benchmarks.support import Row, Sizes, median, ms, percentile

SECTION = "wire"
KINDS = ("wire", "pipe", "events", "repaints")
MODES = ("loop", "thread", "process")
LABELS = {"loop": "wire on the UI loop (shipped)", "thread": "wire on a thread", "process": "wire in a process"}


@contextmanager
def timed_on_the_ui_loop() -> Iterator[dict[str, list[float]]]:
    """Durations of the kinds of work, counted only when they run on the main thread (the UI loop's)."""
    from textual.screen import Screen

    from benchmarks.process_session import ProcessSession
    from xmpptui.ui.main.screen import MainScreen
    from xmpptui.xmpp.transport.client import Client

    spans: dict[str, list[float]] = {kind: [] for kind in KINDS}
    patched = [(Client, "_parse_slice", "wire"), (ProcessSession, "_read_pipe", "pipe"),
               (MainScreen, "on_session_events", "events"), (Screen, "_refresh_layout", "repaints")]
    originals = [(cls, name, getattr(cls, name)) for cls, name, _ in patched]
    main = threading.main_thread()

    def wrap(original: Callable[..., Any], kind: str) -> Callable[..., Any]:
        def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
            if threading.current_thread() is not main:
                return original(self, *args, **kwargs)
            start = time.perf_counter()
            try:
                return original(self, *args, **kwargs)
            finally:
                spans[kind].append(time.perf_counter() - start)
        return timed

    for (cls, name, kind), (_, _, original) in zip(patched, originals, strict=True):
        setattr(cls, name, wrap(original, kind))
    try:
        yield spans
    finally:
        for cls, name, original in originals:
            setattr(cls, name, original)


async def _round(server: Any, mode: str, count: int, number: int, sizes: Sizes) -> tuple[
        burst.Round, dict, float, int]:
    """The flood's round, what ran on the UI loop, the CPU seconds the app used (with its child's) and the
    child's peak RSS (0 without one)."""
    from benchmarks.process_session import ProcessSession
    from benchmarks.threaded_session import ThreadedSession
    from tests.e2e.helpers import make_app
    from xmpptui.storage.history import History

    receiver, peer = await burst._pair(server)
    sender = await burst.Sender.start(server, peer)
    children: list[ProcessSession] = []
    try:
        with tempfile.TemporaryDirectory(prefix="xmpptui-bench-wire-") as root:
            history = History(Path(root) / "history.sqlite3")
            try:
                app = make_app(server, receiver, history=history)
                if mode == "thread":
                    factory = app._session_factory
                    app._session_factory = lambda *args, **kwargs: ThreadedSession(factory, *args, **kwargs)
                elif mode == "process":  # (its own History, on its own file: SQLite is not shared across processes)
                    def in_a_process(account: Any, password: Any) -> ProcessSession:
                        children.append(ProcessSession(account, password, Path(root) / "child-history.sqlite3"))
                        return children[-1]
                    app._session_factory = in_a_process
                cpu = time.process_time()
                with timed_on_the_ui_loop() as spans:
                    result = await burst._app_round_with(app, peer, sender, count, f"wire-{number}",
                                                         2000 + number, sizes, receiver)
                cpu = time.process_time() - cpu + sum(child.child_cpu for child in children)
            finally:
                await asyncio.get_running_loop().run_in_executor(None, history.shutdown)
    finally:
        await sender.quit()
    return result, spans, cpu, max((child.child_peak_rss for child in children), default=0)


async def run(sizes: Sizes) -> list[Row]:
    server = support.SERVER.get()
    results: dict[str, list[tuple[burst.Round, dict, float, int]]] = {mode: [] for mode in MODES}
    for number in range(sizes.burst_rounds):
        for mode in MODES[number % len(MODES):] + MODES[:number % len(MODES)]:  # (each goes first in turn)
            results[mode].append(await _round(server, mode, sizes.burst, number, sizes))
    rows: list[Row] = []
    n = f"{sizes.burst:,} msgs"
    for mode, label in LABELS.items():
        rounds = results[mode]
        echo = [latency for result, *_ in rounds for latency in result.echo]
        in_order = all(result.in_order for result, *_ in rounds)
        rows.append(Row(SECTION, f"{label}: flood shown ({n}, every message in order)", median(
            result.rate for result, *_ in rounds), "msg/s", text=None if in_order else "NOT IN ORDER",
            note="; ".join(f"{result.rate:,.0f} msg/s" for result, *_ in rounds)))
        rows.append(Row(SECTION, f"{label}: CPU of the app{' and its child' if mode == 'process' else ''}, "
                        "whole round", median(cpu for _, _, cpu, _ in rounds), "s",
                        note="; ".join(f"{cpu:.2f} s" for _, _, cpu, _ in rounds) + "".join(
                            f"; child peak RSS {rss / 2**20:.0f} MiB" for *_, rss in rounds if rss)))
        rows.append(Row(SECTION, f"{label}: echo during the flood p95 ({len(echo)} probes)",
                        ms(percentile(echo, 95)), "ms",
                        note=f"p50 {ms(percentile(echo, 50)):.1f} ms, max {ms(max(echo)):.1f} ms"))
        for kind in KINDS if mode == "process" else (kind for kind in KINDS if kind != "pipe"):
            spans = [span for _, round_spans, *_ in rounds for span in round_spans[kind]]
            seconds = sum(spans) / len(rounds)
            rows.append(Row(SECTION, f"{label}: UI loop busy with {kind}, whole flood",
                            seconds * 1000, "ms", note=(f"{len(spans) // len(rounds)} calls, p95 "
                                                        f"{ms(percentile(spans, 95)):.1f} ms, max "
                                                        f"{ms(max(spans)):.1f} ms") if spans else "none"))
    return rows
