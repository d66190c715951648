"""Joining a room: the real app logged in to the run's private Prosody joins an existing room of N other
occupants (200; quick 20), against the same join of a room with one other occupant.

Setup (untimed, its duration noted): `benchmarks.room_crowd` in its own process logs in N plain slixmpp clients
(`room_resources` resources of each of ceil(N / `room_resources`) fresh accounts, one connection each). For
every join a fresh room `bench-…@conference.localhost` is made: the first crowd client creates it (its owner)
and sets a subject, then the others join, each with its own nick, until every one has its self-presence.

What is timed: a fresh account logged in with the real app (`tests.e2e.helpers.make_app`: real XmppSession
with a History in a temp dir, real XmppTuiApp, headless, 120x36, occupant pane shown as by default), the
composer holding `/join <room>/benchnick` (typed untimed); from the Enter key handed to the app (the
driver's path, `support.send_key`) to

- the first frame in which the subject line (`#room-subject`) re-rendered showing the room's subject, and
- the first frame in which the OccupantList re-rendered holding all N + 1 occupants (the pane shows its
  first ~30 rows; the count is of the rows it holds).

The path includes what a user's join costs: the app's disco#info query whether the room exists (it does, so
no creation prompt), the join presence, the N occupants' presences and the subject from the server. The
moments the session's sink emitted the room joined and the subject (the model) are noted. 1 warm-up join
of a full-size room, then `room_repetitions` rounds of (baseline join, full join), each with a fresh room,
fresh account and fresh app; median. Figures are report-only; the notes give the anchors (ANCHORS.md:
Poezio 0.18 and Profanity 0.13.1 on this kind of machine, tmux-driven, 200 occupants).
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import support
from benchmarks.support import FrameClock, RenderWatch, Row, Sizes, median, ms

SECTION = "rooms"
NICK = "benchnick"
ANCHORS = {"subject": "Poezio 286 ms, Profanity 158 ms", "occupants": "Poezio 243 ms, Profanity 149 ms"}


class Crowd:
    """The crowd subprocess (see `benchmarks.room_crowd`)."""

    def __init__(self, process: asyncio.subprocess.Process, size: int) -> None:
        self.process = process
        self.size = size

    @classmethod
    async def start(cls, server: Any, size: int, resources: int) -> tuple[Crowd, float]:
        """The crowd logged in, and the seconds it took (accounts registered, connections made)."""
        started = time.monotonic()
        accounts = [server.register() for _ in range(-(-size // resources))]
        config = {"host": server.host, "port": server.c2s_port, "ca": str(server.ca_file),
                  "accounts": [[account.jid, account.password] for account in accounts], "resources": resources}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "benchmarks.room_crowd", json.dumps(config), cwd=str(support.REPO),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        crowd = cls(process, len(accounts) * resources)
        await crowd._expect("READY", 120)
        return crowd, time.monotonic() - started

    async def _expect(self, word: str, timeout: float) -> list[str]:
        assert self.process.stdout is not None
        line = (await asyncio.wait_for(self.process.stdout.readline(), timeout)).decode().split()
        if not line or line[0] != word:
            raise RuntimeError(f"room crowd: expected {word}, got {line!r} (exit status {self.process.returncode})")
        return line

    async def room(self, room: str, occupants: int, subject: str) -> float:
        """Make `room` hold `occupants` crowd clients, the first of them having set `subject`; seconds taken."""
        assert self.process.stdin is not None
        started = time.monotonic()
        self.process.stdin.write(f"ROOM {room} {occupants} {subject}\n".encode())
        await self.process.stdin.drain()
        await self._expect("JOINED", 300)
        return time.monotonic() - started

    async def quit(self) -> None:
        if self.process.returncode is None:
            assert self.process.stdin is not None
            try:
                self.process.stdin.write(b"QUIT\n")
                await self.process.stdin.drain()
                await asyncio.wait_for(self.process.wait(), 10)
            except (TimeoutError, ConnectionError):
                self.process.kill()
                await self.process.wait()


@dataclass
class Join:
    subject: float
    """Seconds from Enter to the first frame showing the subject."""
    occupants: float
    """Seconds from Enter to the first frame with every occupant in the list."""
    model_joined: float
    """Seconds from Enter to the sink emitting the room joined with every occupant."""
    model_subject: float
    setup: float
    """Seconds the crowd took to fill the room."""
    frames: int
    """Frames drawn from Enter to the occupant list shown (that one included)."""


async def _join_once(server: Any, crowd: Crowd, occupants: int, tag: str) -> Join:
    from tests.e2e.helpers import SIZE, logged_in, make_app
    from tests.e2e.helpers import until as pilot_until
    from tests.support.prosody import MUC_DOMAIN
    from xmpptui.model.events import RoomChanged
    from xmpptui.storage.history import History

    room = f"bench-{tag}-{uuid.uuid4().hex[:8]}@{MUC_DOMAIN}"
    subject = f"Release planning: {tag}"
    setup = await crowd.room(room, occupants, subject)
    account = server.register()
    stamps: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="xmpptui-bench-rooms-") as root:
        history = History(Path(root) / "history.sqlite3")
        try:
            app = make_app(server, account, history=history)
            clock = FrameClock(app)
            async with app.run_test(size=SIZE) as pilot:
                await logged_in(pilot)
                screen = app.main_screen
                line = screen.query_one("#room-subject")
                occupant_list = screen.query_one("#occupants")
                subject_watch = RenderWatch(clock, line, lambda: str(line.visual))
                list_watch = RenderWatch(clock, occupant_list,
                                         lambda: sum(nick is not None for nick, _ in occupant_list._rows))
                typed = f"/join {room}/{NICK}"
                for key in typed:  # typed as the driver hands keys over (Pilot.press idles after each)
                    support.send_key(app, "space" if key == " " else key)
                await pilot_until(pilot, lambda: screen.composer.text == typed, what="the command typed")
                await support.settle(pilot, 0.2)

                session = app.session
                original_sink = session.context.sink

                def sink(event: Any) -> None:
                    original_sink(event)
                    if isinstance(event, RoomChanged) and event.jid == room:
                        held = session.state.rooms.get(room)
                        now = time.perf_counter()
                        if held is not None and held.joined and len(held.occupants) >= occupants + 1:
                            stamps.setdefault("joined", now)
                        if held is not None and held.subject == subject:
                            stamps.setdefault("subject", now)

                session.context.sink = sink
                subject_shown = subject_watch.expect(lambda text: subject in text)
                list_shown = list_watch.expect(lambda count: count >= occupants + 1)
                start = time.perf_counter()
                support.send_key(app, "enter")
                try:
                    subject_at = await asyncio.wait_for(subject_shown, 60)
                    list_at = await asyncio.wait_for(list_shown, 60)
                except TimeoutError:
                    held = session.state.rooms.get(room)
                    raise TimeoutError(
                        f"joining {room}: not shown within 60 s; in the model: "
                        f"{held.state if held else 'no room'}, {len(held.occupants) if held else 0} occupants, "
                        f"subject {held.subject if held else ''!r}") from None
                session.context.sink = original_sink
                await support.settle(pilot, 0.2)
                await session.stop()
        finally:
            await asyncio.get_running_loop().run_in_executor(None, history.shutdown)
    return Join(subject_at - start, list_at - start, stamps["joined"] - start, stamps["subject"] - start, setup,
                clock.frames_between(start, list_at))


def _runs(joins: list[Join], field: str) -> str:
    return ", ".join(f"{ms(getattr(join, field)):.0f}" for join in joins)


async def run(sizes: Sizes) -> list[Row]:
    server = support.SERVER.get()
    full, base = sizes.room_occupants, sizes.room_baseline
    started = time.monotonic()
    crowd, login = await Crowd.start(server, max(full, base), sizes.room_resources)
    try:
        warm = await _join_once(server, crowd, full, "warm")
        bigs: list[Join] = []
        bases: list[Join] = []
        for number in range(sizes.room_repetitions):
            bases.append(await _join_once(server, crowd, base, f"base{number}"))
            bigs.append(await _join_once(server, crowd, full, f"full{number}"))
    finally:
        await crowd.quit()
    took = time.monotonic() - started
    fills = [join.setup for join in (warm, *bigs)]
    setup_note = (f"setup: {crowd.size} crowd clients ({-(-crowd.size // sizes.room_resources)} accounts x "
                  f"{sizes.room_resources} resources) logged in in {login:.1f} s; filling a room of {full}: "
                  f"{', '.join(f'{fill:.1f}' for fill in fills)} s; the section took {took:.0f} s")
    label = f"{full} occupants (base {base})"
    return [
        Row(SECTION, f"/join → subject shown, {label}", ms(median(j.subject for j in bigs)), "ms",
            ms(median(j.subject for j in bases)),
            note=f"anchors at 200: {ANCHORS['subject']}; subject in the model after "
                 f"{ms(median(j.model_subject for j in bigs)):.0f} ms; runs {_runs(bigs, 'subject')} ms "
                 f"(warm-up {ms(warm.subject):.0f}); base {_runs(bases, 'subject')} ms"),
        Row(SECTION, f"/join → occupant list shown, {label}", ms(median(j.occupants for j in bigs)), "ms",
            ms(median(j.occupants for j in bases)),
            note=f"anchors at 200: {ANCHORS['occupants']}; all occupants in the model after "
                 f"{ms(median(j.model_joined for j in bigs)):.0f} ms, shown in frame "
                 f"{median(j.frames for j in bigs):.0f} after Enter; runs {_runs(bigs, 'occupants')} ms "
                 f"(warm-up {ms(warm.occupants):.0f}); base {_runs(bases, 'occupants')} ms; {setup_note}"),
    ]
