"""Inline image previews: a 4000×3000 JPEG previewed in the real XmppTuiApp over a `FakeSession` (a roster
contact's chat, so it is fetched at once; the fetch returns the bytes from memory: what is measured is the
decode and the drawing).

- keystroke echo while images decode: a thread hands "x" to the app's driver every 25 ms (as the terminal
  driver's input thread does) while `rounds` image messages arrive one after the other, each with a URL of its
  own (so each is decoded); each probe's latency ends at the first frame in which the composer re-rendered
  with that many characters. p95 over the probes, against the same probing of the idle app.
- image message → thumbnail on screen: from the `MessageAdded` emitted to the first frame in which the log
  re-rendered holding the thumbnail's lines. Median over the rounds.
- decode: `thumbnail.decode` of the JPEG in this process (Pillow's draft: decoded at 1/8 size), median of 5,
  against Pillow decoding the whole image and then making the same thumbnail.

The JPEG is random noise at quality 85 (about 10 MB): the worst case for a JPEG decoder; a photo of the same
size decodes faster.
"""

from __future__ import annotations

import asyncio
import io
import os
import time
from typing import Any

from benchmarks import support
from benchmarks.burst import Prober
from benchmarks.support import APP_SIZE, FrameClock, RenderWatch, Row, Sizes, median, ms, percentile

SECTION = "preview"
PEER = "bob@localhost"
PROBE_INTERVAL = 0.025


class ImageSession(support.FakeSession):
    """The benchmarks' fake session, with images to fetch (from memory)."""

    images: dict[str, bytes]

    async def fetch_image(self, jid: str, message: Any, limit: int) -> bytes:
        return self.images[message.attachment.url]


def _jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.frombytes("RGB", (4000, 3000), os.urandom(4000 * 3000 * 3)).save(out, "JPEG", quality=85)
    return out.getvalue()


def _decode_times(data: bytes, repetitions: int) -> tuple[float, float]:
    """(thumbnail.decode, a full decode then the same thumbnail): median seconds."""
    from PIL import Image

    from xmpptui.ui.chat import thumbnail

    drafted, full = [], []
    for _ in range(repetitions):
        start = time.perf_counter()
        thumbnail.decode(data)
        drafted.append(time.perf_counter() - start)
        start = time.perf_counter()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image.convert("RGB").resize((43, 32), Image.Resampling.BILINEAR)
        full.append(time.perf_counter() - start)
    return median(drafted), median(full)


async def _in_app(data: bytes, rounds: int) -> tuple[list[float], list[float], list[float]]:
    """(idle echo latencies, echo latencies while previews decode, message → thumbnail shown per round)."""
    from xmpptui.model.conversation import Attachment, ChatMessage
    from xmpptui.model.events import MessageAdded
    from xmpptui.model.roster import Contact, Subscription

    session = ImageSession(contacts=[Contact(PEER, "Bob", ("Friends",), Subscription.BOTH)],
                           conversations={PEER: support.make_messages(50, peer=PEER)}, active=PEER)
    session.images = {}
    app = support.fake_app(session)
    clock = FrameClock(app)
    async with app.run_test(size=APP_SIZE) as pilot:
        screen = app.main_screen
        await support.until(lambda: screen.chat_log(PEER) is not None and screen.chat_log(PEER).line_count > 0,
                            what="the conversation on screen")
        log = screen.chat_log(PEER)
        composer = screen.composer
        composer_watch = RenderWatch(clock, composer, lambda: len(composer.text))
        log_watch = RenderWatch(clock, log, lambda: log.line_count)
        await support.settle(pilot, 0.3)

        idle = Prober(app, clock, composer_watch, composer, PROBE_INTERVAL).start()
        await asyncio.sleep(40 * PROBE_INTERVAL + 0.01)
        idle_echo = await idle.stop()
        composer.clear()
        await support.settle(pilot, 0.3)

        conversation = session.state.conversations.get(PEER)
        shown: list[float] = []
        prober = Prober(app, clock, composer_watch, composer, PROBE_INTERVAL).start()
        try:
            for round_ in range(rounds):
                url = f"https://upload.localhost/{round_}/photo.jpg"
                session.images[url] = data
                message = ChatMessage(PEER, PEER, url, time.time(),
                                      attachment=Attachment(url, "photo.jpg", len(data), "image/jpeg"))
                before = log.line_count
                conversation.messages.append(message)
                # The body's line, then the thumbnail: 43 × 32 pixels, 16 lines.
                on_screen = log_watch.expect(lambda count, before=before: count >= before + 17)
                added = time.perf_counter()
                session.emit(MessageAdded(message))
                shown.append(await asyncio.wait_for(on_screen, 30) - added)
        finally:
            echo = await prober.stop()
        rows = [line for line in log.plain_lines() if line.strip() and set(line.strip()) == {"▀"}]
        if len(rows) != 16 * rounds:
            raise AssertionError(f"{len(rows)} thumbnail lines shown, {16 * rounds} expected")
    return idle_echo, echo, shown


async def run(sizes: Sizes) -> list[Row]:
    from xmpptui.ui.chat import thumbnail

    if not thumbnail.pillow_available():
        return [Row(SECTION, "image previews", None, "", text="Pillow is not installed (the images extra)")]
    data = await asyncio.to_thread(_jpeg)
    rounds = 3 if sizes.quick else 10
    drafted, full = _decode_times(data, 3 if sizes.quick else 5)
    idle_echo, echo, shown = await _in_app(data, rounds)
    p95, idle_p95 = ms(percentile(echo, 95)), ms(percentile(idle_echo, 95))
    return [
        Row(SECTION, f"keystroke echo p95 while {rounds} 4000×3000 JPEGs decode", p95, "ms", idle_p95,
            "≤ 50 ms", p95 <= 50, note=f"{len(echo)} probes every {PROBE_INTERVAL * 1000:.0f} ms, max "
                                       f"{ms(max(echo)):.1f} ms; baseline: the idle app, {len(idle_echo)} probes"),
        Row(SECTION, "image message → its thumbnail on screen (4000×3000 JPEG)", ms(median(shown)), "ms",
            None, "report", note=f"median of {rounds}; max {ms(max(shown)):.0f} ms"),
        Row(SECTION, f"decode a 4000×3000 JPEG ({len(data) / 1e6:.1f} MB) to its thumbnail", ms(drafted), "ms",
            ms(full), "report", note="baseline: Pillow decoding every pixel, then the same thumbnail"),
    ]
