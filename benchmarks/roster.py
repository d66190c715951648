"""Roster at scale: the real XmppTuiApp over a `FakeSession` with N contacts (`support.make_contacts`: 50
groups, 10 % of contacts in two groups, 5 % ungrouped, 30 % online with assorted shows and status texts).
The same run at `roster_baseline` contacts (200) is the baseline. 120x36 terminal, roster pane 34 columns.

What is timed (each "→ frame" ends at the first frame in which the RosterView re-rendered after the change,
see `support.RenderWatch`; a generation counter bumped just before a synchronous change tells old renders
from new ones):

- build: `RosterView.load()` (what a `RosterReplaced` event runs) to the first frame showing the rows.
  1 warm-up (its figure is noted as "cold"), then 5 repetitions, median.
- presence change: `PresenceBook.update()` + `RosterView.contacts_changed([jid])` for a random contact with
  a random new presence (online/offline flips move it within its group), to the frame. 5 warm-up, then
  `presence_repetitions`, median. The same change delivered as a `PresenceChanged` event through the app's
  sink (the session's path: batched per frame into one `SessionEvents`) is reported beside it.
- type-to-filter: with the roster focused, each character of three name fragments typed as a key (the
  driver's path), to the first frame showing the rows for the new filter text; Escape (untimed) between
  words. Median over all keystrokes (max noted).
- flood: `flood` presence changes for random contacts, each as `PresenceBook.update()` + a
  `PresenceChanged` through the app's sink, in one go (no yield between them). Counted: calls of
  `RosterView.contacts_changed` and frames; "refreshes per frame" is the largest number of those calls that
  fall before one frame. A second flood spreads the same number over 50 slices 2 ms apart (as the parser's
  8 KiB slices would deliver them) and is reported the same way.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from typing import Any

from benchmarks import support
from benchmarks.support import APP_SIZE, FakeSession, FrameClock, RenderWatch, Row, Sizes, median, ms

SECTION = "roster"


@dataclass
class RosterFigures:
    contacts: int
    build: float
    build_cold: float
    presence: float
    presence_via_sink: float
    filter_key: float
    filter_max: float
    flood: dict[str, float] = field(default_factory=dict)
    spread: dict[str, float] = field(default_factory=dict)


def _refreshes_per_frame(calls: list[float], frames: list[float]) -> int:
    """The most refresh calls that happened between two consecutive frames."""
    most = 0
    for index, call in enumerate(calls):
        following = next((t for t in frames if t >= call), None)
        together = sum(1 for other in calls[index:] if following is None or other <= following)
        most = max(most, together)
    return most


async def _flood(app: Any, session: FakeSession, clock: FrameClock, calls: list[float], count: int,
                 slices: int, rng: random.Random) -> dict[str, float]:
    from xmpptui.model.events import PresenceChanged

    jids = [contact.jid for contact in session.state.roster]
    calls.clear()
    start = time.perf_counter()
    per_slice = count // slices
    for _slice in range(slices):
        for _event in range(per_slice):
            jid = rng.choice(jids)
            session.state.presence.update(jid, "laptop", support.random_presence(rng))
            session.emit(PresenceChanged(jid))
        if slices > 1:
            await asyncio.sleep(0.002)
    delivered = time.perf_counter()
    await support.until(lambda: calls and clock.times and clock.times[-1] > calls[-1], 30, "the flood on screen")
    shown = next(t for t in clock.times if t > calls[-1])
    await asyncio.sleep(0.3)  # anything straggling would show up as another refresh
    frames = [t for t in clock.times if t >= start]
    return {"refreshes": len(calls), "frames": len(frames), "per_frame": _refreshes_per_frame(calls, frames),
            "deliver": delivered - start, "to_frame": shown - start}


async def _measure(count: int, sizes: Sizes, floods: bool) -> RosterFigures:
    contacts = support.make_contacts(count, sizes.roster_groups)
    session = FakeSession(contacts=contacts)
    support.seed_presence(session.state)
    app = support.fake_app(session)
    clock = FrameClock(app)
    rng = random.Random(11)
    async with app.run_test(size=APP_SIZE) as pilot:
        screen = app.main_screen
        await support.until(lambda: screen.query("RosterView") and screen.roster.row_count > 0, what="roster")
        roster = screen.roster
        generation = [0]
        watch = RenderWatch(clock, roster, lambda: (generation[0], roster.filter_text))
        await support.settle(pilot, 0.2)

        async def after(change: Any, timeout: float = 30) -> float:
            generation[0] += 1
            shown = watch.expect(lambda s, g=generation[0]: s[0] >= g)
            start = time.perf_counter()
            change()
            return await asyncio.wait_for(shown, timeout) - start

        builds = []
        for _ in range(6):
            builds.append(await after(roster.load))
            await support.settle(pilot)

        jids = [contact.jid for contact in contacts]

        def presence_change() -> None:
            jid = rng.choice(jids)
            session.state.presence.update(jid, "laptop", support.random_presence(rng))
            roster.contacts_changed([jid])

        presences = []
        for index in range(5 + sizes.presence_repetitions):
            elapsed = await after(presence_change)
            if index >= 5:
                presences.append(elapsed)
            await support.settle(pilot, 0.02)

        from xmpptui.model.events import PresenceChanged

        def presence_via_sink() -> None:
            jid = rng.choice(jids)
            session.state.presence.update(jid, "laptop", support.random_presence(rng))
            session.emit(PresenceChanged(jid))

        via_sink = []
        for _ in range(sizes.presence_repetitions):
            via_sink.append(await after(presence_via_sink))
            await support.settle(pilot, 0.02)

        # Type-to-filter on the focused roster.
        roster.focus()
        await support.settle(pilot)
        keys = []
        for word in ("mar", "sof", "nak"):
            for position in range(1, len(word) + 1):
                typed = word[:position]
                keys.append(await support.timed_key(app, watch, word[position - 1],
                                                    lambda s, f=typed: s[1] == f, 30))
                await support.settle(pilot)
            support.send_key(app, "escape")
            await support.until(lambda: roster.filter_text == "", what="filter cleared")
            await support.settle(pilot)
        screen.composer.focus()
        await support.settle(pilot)

        flood: dict[str, float] = {}
        spread: dict[str, float] = {}
        if floods:
            calls: list[float] = []
            original = roster.contacts_changed

            def counted(jids_changed: Any) -> None:
                original(jids_changed)
                calls.append(time.perf_counter())

            roster.contacts_changed = counted
            flood = await _flood(app, session, clock, calls, sizes.flood, 1, rng)
            spread = await _flood(app, session, clock, calls, sizes.flood, 50, rng)
            roster.contacts_changed = original
    return RosterFigures(count, median(builds[1:]), builds[0], median(presences), median(via_sink), median(keys),
                         max(keys), flood, spread)


async def run(sizes: Sizes) -> list[Row]:
    base = await _measure(sizes.roster_baseline, sizes, floods=False)
    big = await _measure(sizes.roster_contacts, sizes, floods=True)
    n = f"{big.contacts:,} contacts"
    b = f"base {base.contacts:,}"
    flood, spread = big.flood, big.spread
    return [
        Row(SECTION, f"build (load + first frame), {n} ({b})", ms(big.build), "ms", ms(base.build), "≤ 500 ms",
            ms(big.build) <= 500, note=f"cold first build {ms(big.build_cold):.0f} ms"),
        Row(SECTION, f"presence change → frame, {n} ({b})", ms(big.presence), "ms", ms(base.presence), "≤ 22 ms",
            ms(big.presence) <= 22),
        Row(SECTION, f"presence change via the sink → frame, {n} ({b})", ms(big.presence_via_sink), "ms",
            ms(base.presence_via_sink), "report", note="includes the app's wait for the next frame (≤ 16.7 ms)"),
        Row(SECTION, f"type-to-filter keystroke → frame, {n} ({b})", ms(big.filter_key), "ms", ms(base.filter_key),
            "≤ 200 ms", ms(big.filter_key) <= 200,
            note=f"slowest keystroke {ms(big.filter_max):.0f} ms (base {ms(base.filter_max):.0f} ms)"),
        Row(SECTION, f"flood of {sizes.flood:,} presences in one go: refreshes per frame", flood["per_frame"],
            "/frame", None, "≤ 1", flood["per_frame"] <= 1,
            note=f"{flood['refreshes']:.0f} refresh(es), {flood['frames']:.0f} frames; delivered in "
                 f"{ms(flood['deliver']):.0f} ms, on screen {ms(flood['to_frame']):.0f} ms after the first"),
        Row(SECTION, f"flood of {sizes.flood:,} presences over 50 slices: refreshes per frame", spread["per_frame"],
            "/frame", None, "report",
            note=f"{spread['refreshes']:.0f} refreshes, {spread['frames']:.0f} frames; last on screen "
                 f"{ms(spread['to_frame']):.0f} ms after the first"),
    ]
