"""Chat log at scale: the real XmppTuiApp over a `FakeSession` whose one conversation holds N messages
(`support.make_messages`: mostly one-liners, some wrapping, a few long or multi-line), opened by the user so
its ChatLog is on screen. The same run at `chat_baseline` messages (100) is the baseline. 120x36 terminal.

What is timed:

- keystroke: from handing "x" to the app (as the driver's input thread does) to the first frame in which
  the composer re-rendered showing the longer text (`support.RenderWatch`). 5 warm-up keys, then
  `key_repetitions`, each from an idle app (50 ms of quiet before each); the composer is cleared every 20
  keys. Median.
- page up / page down: pressed with the composer focused (the app's own binding, no animation), from the
  end of the log: up then down, repeated. The ChatLog's line cache is cleared before each key, so every
  page is rendered from the messages (the case of paging through history not seen yet). Time to the first
  frame in which the log re-rendered at the new scroll offset. Median.
- end: with the log focused and animations off (`animation_level = "none"`, so the figure is the work, not
  the animation's duration); a page up (not timed) first, then End, cold cache. Median.
- append 1,000: `messages.extend(batch)` + `ChatLog.sync()` on the log that is following the end,
  synchronous wall time (the frame that follows is not included; it is noted). 5 repetitions, median.
- terminal resize (report only): a width change makes the log count its newest messages' lines at once and
  the older ones' in the background (a log of over 2,000 messages); from the Resize event to the first frame
  showing the new width, and (noted) to the end of the background recount. Median of `resize_repetitions`
  (before the appends, so at the stated size).
- open (report only): from the fake session's `start()` (which emits `ConversationOpened`) to the first
  frame after the ChatLog has counted its (newest) lines (polled every 10 ms).
- memory per message: tracemalloc around building the messages (`ChatMessage` objects, their list, every
  string and float they own), minus `sys.getsizeof` of each body, divided by N; plus the bytes of the real
  ChatLog's offset array per message. The LRU line cache (bounded to 1,024 messages) is not per message and
  is not counted.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import time
import tracemalloc
from dataclasses import dataclass

from benchmarks import support
from benchmarks.support import APP_SIZE, FakeSession, FrameClock, RenderWatch, Row, Sizes, median, ms

PEER = "bob@localhost"
SECTION = "chat log"


@dataclass
class LogFigures:
    messages: int
    keystroke: float
    page_up: float
    page_down: float
    end: float
    append: float
    append_frame: float
    resize: float
    recount: float
    offset_bytes: float
    opened_at_end: bool
    open: float


async def _measure(count: int, sizes: Sizes) -> LogFigures:
    from xmpptui.model.roster import Contact, Subscription

    messages = support.make_messages(count, peer=PEER)
    session = FakeSession(contacts=[Contact(PEER, "Bob", ("Friends",), Subscription.BOTH)],
                          conversations={PEER: messages}, active=PEER)
    app = support.fake_app(session)
    clock = FrameClock(app)
    async with app.run_test(size=APP_SIZE) as pilot:
        screen = app.main_screen
        await support.until(lambda: session.started is not None, what="the session to start")
        await support.until(lambda: screen.chat_log(PEER) is not None and screen.chat_log(PEER).line_count > 0
                            and screen.active == PEER, timeout=300, what="the conversation on screen")
        counted = time.perf_counter()
        await support.until(lambda: clock.times[-1] > counted, what="a frame")
        opened = next(t for t in clock.times if t > counted) - session.started
        log = screen.chat_log(PEER)
        composer = screen.composer
        composer_watch = RenderWatch(clock, composer, lambda: len(composer.text))
        log_watch = RenderWatch(clock, log, lambda: (log.scroll_offset.y, log._width))
        await support.settle(pilot, 0.2)
        opened_at_end = log.scroll_offset.y == log.max_scroll_y
        if not opened_at_end:  # see the report: the measures below start from the newest message
            log.scroll_end(animate=False)
            await support.settle(pilot, 0.1)
            assert log.scroll_offset.y == log.max_scroll_y

        # Keystrokes in the composer.
        keys = []
        for index in range(5 + sizes.key_repetitions):
            if len(composer.text) >= 20:
                composer.clear()
                await support.settle(pilot)
            expected = len(composer.text) + 1
            elapsed = await support.timed_key(app, composer_watch, "x", lambda n, e=expected: n >= e)
            if index >= 5:
                keys.append(elapsed)
            await support.settle(pilot)
        composer.clear()
        await support.settle(pilot)

        # Page up / page down from the composer, cold line cache.
        ups, downs = [], []
        for _ in range(sizes.scroll_repetitions):
            for key, out in (("pageup", ups), ("pagedown", downs)):
                before = log.scroll_offset.y
                log._layout.forget()  # a cold line cache
                out.append(await support.timed_key(app, log_watch, key, lambda s, b=before: s[0] != b))
                await support.settle(pilot)

        # End on the focused log.
        app.animation_level = "none"
        log.focus()
        await support.settle(pilot)
        ends = []
        for _ in range(sizes.scroll_repetitions):
            before = log.scroll_offset.y
            await support.timed_key(app, log_watch, "pageup", lambda s, b=before: s[0] != b)
            await support.settle(pilot)
            log._layout.forget()
            end_y = log.max_scroll_y
            ends.append(await support.timed_key(app, log_watch, "end", lambda s, e=end_y: s[0] == e))
            await support.settle(pilot)
        composer.focus()
        await support.settle(pilot)

        # Terminal resize: the newest lines at the new width on screen; every message recounted after.
        resizes, recounts = [], []
        from textual import events
        from textual.geometry import Size

        for width in (110, 120, 110)[:sizes.resize_repetitions]:
            old_width = log._width
            shown = log_watch.expect(lambda s, w=old_width: s[1] != w)
            start = time.perf_counter()
            size = Size(width, APP_SIZE[1])
            app._driver._size = size
            app.post_message(events.Resize(size, size))
            resizes.append(await asyncio.wait_for(shown, 60) - start)
            while log._counts is not None:  # a long log recounts its older messages in the background
                await asyncio.sleep(0.005)
            recounts.append(time.perf_counter() - start)
            await support.settle(pilot)

        # Appending a batch to the log that follows the end.
        appends, append_frames = [], []
        for rep in range(6):
            last = messages[-1].timestamp
            batch = support.make_messages(sizes.append_batch, peer=PEER, seed=100 + rep, start=last + 1)
            lines_before = log.line_count
            shown = log_watch.expect(lambda s: True)
            start = time.perf_counter()
            messages.extend(batch)
            log.sync()
            synced = time.perf_counter()
            frame = await asyncio.wait_for(shown, 10)
            assert log.line_count > lines_before and log.scroll_offset.y == log.max_scroll_y
            if rep:
                appends.append(synced - start)
                append_frames.append(frame - start)
            await support.settle(pilot)

        offset_bytes = sys.getsizeof(log._offsets) / max(1, len(log._offsets))
    return LogFigures(count, median(keys), median(ups), median(downs), median(ends), median(appends),
                      median(append_frames), median(resizes), median(recounts), offset_bytes, opened_at_end,
                      opened)


def _memory_per_message(count: int) -> float:
    """Bytes held per message beyond its body text (see the module docstring)."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    messages = support.make_messages(count, peer=PEER, seed=7)
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    bodies = sum(sys.getsizeof(message.body) for message in messages)
    return (held - bodies) / count


async def run(sizes: Sizes) -> list[Row]:
    base = await _measure(sizes.chat_baseline, sizes)
    big = await _measure(sizes.chat_messages, sizes)
    n, b = f"{big.messages:,}", f"{base.messages:,}"
    memory_base = _memory_per_message(sizes.chat_baseline) + base.offset_bytes
    memory_big = _memory_per_message(sizes.chat_messages) + big.offset_bytes

    def constant(measure: str, value: float, baseline: float) -> Row:
        return Row(SECTION, f"{measure}, {n} msgs (base {b})", ms(value), "ms", ms(baseline), "ratio ≤ 2",
                   value / baseline <= 2)

    return [
        Row(SECTION, f"opened conversation shows the newest message ({n} / {b})", None, "",
            text="yes" if big.opened_at_end and base.opened_at_end else "no (starts at the top)",
            target="yes", passed=big.opened_at_end and base.opened_at_end),
        Row(SECTION, f"keystroke → frame, {n} msgs (base {b})", ms(big.keystroke), "ms", ms(base.keystroke),
            "≤ 10 ms and ratio ≤ 2", ms(big.keystroke) <= 10 and big.keystroke / base.keystroke <= 2),
        constant("page up → frame", big.page_up, base.page_up),
        constant("page down → frame", big.page_down, base.page_down),
        constant("end → frame", big.end, base.end),
        Row(SECTION, f"append {sizes.append_batch:,} to {n} (extend + sync; base {b})", ms(big.append), "ms",
            ms(base.append), "≤ 35 ms", ms(big.append) <= 35,
            note=f"to the next frame: {ms(big.append_frame):.1f} ms (base {ms(base.append_frame):.1f} ms)"),
        Row(SECTION, f"terminal resize → frame, {n} msgs (base {b})", ms(big.resize), "ms", ms(base.resize),
            "report", note=f"every message recounted (in the background, 10 ms slices) after {ms(big.recount):,.0f} ms "
                           f"(base {ms(base.recount):,.0f} ms)"),
        Row(SECTION, f"open a conversation holding {n} msgs → on screen (base {b})", ms(big.open), "ms",
            ms(base.open), "report", note="from the session's start(): ConversationOpened, mount, first layout"),
        Row(SECTION, f"memory per message beyond its text, {n} (base {b})", memory_big, "B", memory_base,
            "≤ 300 B", memory_big <= 300,
            note=f"incl. the ChatLog offsets: {big.offset_bytes:.1f} B/message"),
    ]
