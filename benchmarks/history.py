"""History paging: `xmpptui.storage.history.History` (SQLite) holding `history_messages` messages of one
conversation (1,000,000; quick 20,000), against the same with `history_baseline` (10,000) as the baseline.
The stores are filled through `History.add` in batches of 10,000 (`support.make_messages`, each with a
unique stanza id) in a temp dir; filling is not a target, its time is noted.

What is timed:

- page from storage: `History.page(account, conversation, HISTORY_PAGE)` (200 messages, oldest first, and
  the cursor before them) awaited from the event loop, which includes the hop to the history thread. At
  three depths: the latest page, a page from the middle of the store and one next to the oldest message
  (cursors built from the stored timestamps). 3 warm-up, then 20 each, median.
- open → latest page on screen: the same app; from `open_conversation` (what Enter on a contact calls) to the
  first frame in which the conversation's log is displayed with lines in it (its first page came from the
  store), laid out and scrolled to its newest line. 1 warm-up, then 5 opens (closed in between), median.
- older page on screen: the real XmppTuiApp over a `FakeSession` backed by the store (its `load_older`
  does what XmppSession.load_older does: one page before the oldest held, prepended, `HistoryLoaded`).
  The conversation is opened by the user (the first page comes in as it opens); then, with the log
  focused and animations off, Home scrolls to the top, which makes the ChatLog ask for the page before;
  timed from handing Home to the app to the first frame in which the log re-rendered holding the 200 more
  messages. 2 warm-up pages, then `history_pages`, median.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from benchmarks import support
from benchmarks.support import APP_SIZE, FakeSession, FrameClock, RenderWatch, Row, Sizes, median, ms

SECTION = "history"
ACCOUNT = "me@localhost"
PEER = "bob@localhost"
PER_DAY = 300


async def _fill(history: Any, count: int) -> float:
    start = time.perf_counter()
    for first in range(0, count, 10_000):
        batch = support.make_messages(min(10_000, count - first), peer=PEER, own=ACCOUNT, seed=first + 1,
                                      start=support.EPOCH + first * 86_400 / PER_DAY, per_day=PER_DAY)
        await history.add(ACCOUNT, batch)
    return time.perf_counter() - start


async def _page_latencies(history: Any, count: int) -> dict[str, float]:
    from xmpptui.storage.history import Cursor

    page = 200
    step = 86_400 / PER_DAY
    depths = {"latest": None, "middle": Cursor(support.EPOCH + (count // 2) * step, 1 << 62),
              "oldest": Cursor(support.EPOCH + page * step + step / 2, 1 << 62)}
    figures = {}
    for name, cursor in depths.items():
        times = []
        for index in range(23):
            start = time.perf_counter()
            messages, _ = await history.page(ACCOUNT, PEER, page, cursor)
            elapsed = time.perf_counter() - start
            assert messages, f"no page at {name}"
            if index >= 3:
                times.append(elapsed)
        figures[name] = median(times)
    return figures


@contextlib.asynccontextmanager
async def _started_app(history: Any) -> AsyncIterator[tuple[Any, Any, FrameClock, Any]]:
    """The real app over a FakeSession backed by `history`, started, with a frame clock on it."""
    from xmpptui.model.roster import Contact, Subscription

    session = FakeSession(jid=ACCOUNT, contacts=[Contact(PEER, "Bob", ("Friends",), Subscription.BOTH)],
                          history=history)
    app = support.fake_app(session)
    clock = FrameClock(app)
    async with app.run_test(size=APP_SIZE) as pilot:
        await support.until(lambda: session.sink is not None, what="the session to start")
        yield session, app, clock, pilot


async def _ui_open(history: Any, repetitions: int) -> float:
    """Seconds from the user opening the conversation to the first frame showing its latest page."""
    async with _started_app(history) as (session, app, clock, pilot):
        screen = app.main_screen
        times = []
        for index in range(1 + repetitions):
            shown: asyncio.Future[float] = asyncio.get_running_loop().create_future()

            def on_frame(now: float, shown: asyncio.Future[float] = shown) -> None:
                log = screen.chat_log(PEER)
                if (not shown.done() and log is not None and log.display and log.line_count > 0
                        and log.size.height > 0 and log.scroll_offset.y >= log.max_scroll_y > 0):
                    shown.set_result(now)  # shown, laid out, and scrolled to its newest line

            clock.listeners.append(on_frame)
            start = time.perf_counter()
            session.open_conversation(PEER)
            elapsed = await asyncio.wait_for(shown, 30) - start
            clock.listeners.remove(on_frame)
            if index:
                times.append(elapsed)
            session.close_conversation(PEER)
            await support.settle(pilot, 0.2)
    return median(times)


async def _ui_pages(history: Any, pages: int) -> float:
    async with _started_app(history) as (session, app, clock, pilot):
        screen = app.main_screen
        session.open_conversation(PEER)
        await support.until(lambda: screen.chat_log(PEER) is not None and screen.chat_log(PEER).line_count > 0,
                            what="the first page on screen")
        log = screen.chat_log(PEER)
        watch = RenderWatch(clock, log, lambda: len(log._offsets))
        app.animation_level = "none"  # Home would otherwise animate for a second before reaching the top
        log.focus()
        await support.settle(pilot, 0.2)
        times = []
        for index in range(2 + pages):
            held = len(log._offsets)
            elapsed = await support.timed_key(app, watch, "home", lambda n, h=held: n > h, 30)
            if index >= 2:
                times.append(elapsed)
            await support.settle(pilot)
            # Home again must scroll: prepended() keeps the view still, so we are a page below the top.
            assert log.scroll_offset.y > 0
    return median(times)


async def _measure(count: int, pages: int) -> tuple[float, dict[str, float], float, float]:
    from xmpptui.storage.history import History

    with tempfile.TemporaryDirectory(prefix="xmpptui-bench-history-") as root:
        history = History(Path(root) / "history.sqlite3")
        try:
            filled = await _fill(history, count)
            storage = await _page_latencies(history, count)
            ui = await _ui_pages(history, pages)
            opened = await _ui_open(history, 5)
        finally:
            await asyncio.get_running_loop().run_in_executor(None, history.shutdown)
    return filled, storage, ui, opened


async def run(sizes: Sizes) -> list[Row]:
    try:
        import xmpptui.storage.history  # noqa: F401
    except ImportError:
        return [Row(SECTION, "page 1,000,000 stored messages", None, "", text="not built yet (issue 8)")]
    base_fill, base, base_ui, base_open = await _measure(sizes.history_baseline, sizes.history_pages)
    fill, big, ui, opened = await _measure(sizes.history_messages, sizes.history_pages)
    n, b = f"{sizes.history_messages:,}", f"base {sizes.history_baseline:,}"
    rows = [Row(SECTION, f"page of 200 from storage, {name}, {n} stored ({b})", ms(big[name]), "ms", ms(base[name]),
                "report", note=f"filling the store took {fill:.1f} s ({b}: {base_fill:.1f} s)" if name == "latest"
                else "") for name in ("latest", "middle", "oldest")]
    rows.append(Row(SECTION, f"open a conversation → latest page on screen, {n} stored ({b})", ms(opened), "ms",
                    ms(base_open), "≤ 50 ms", passed=opened <= 0.050))
    rows.append(Row(SECTION, f"Home at the top → older page on screen, {n} stored ({b})", ms(ui), "ms", ms(base_ui),
                    "report"))
    return rows
