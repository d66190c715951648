"""A message burst end to end: `burst` chat messages (10,000; quick 1,000) from one peer through the run's
private Prosody (STARTTLS, verified CA) to

- the baseline: a plain `slixmpp.ClientXMPP` with xmpptui's `PLUGINS`, whose `message` handler only keeps
  the body (no UI), and
- the real app logged in (`tests.e2e.helpers.make_app`: real XmppSession with a History in a temp dir, as
  `xmpptui` runs it, real XmppTuiApp, headless, 120x36) with the peer's conversation open and on screen.

The sender is `benchmarks.peer_sender` in its own process (its own loop and interpreter). Every burst gets
a fresh sender account and a fresh receiver account (mutual `both` subscriptions): Prosody's internal
archive store (the test server archives everything) slows down ~40x once an account holds ~10,000
archived messages, which would otherwise punish whichever receiver goes second. Each burst has the same
seeded bodies (the `support.message_body` mix, each prefixed with a tag and its index). Rounds alternate
which receiver goes first (full: 2 rounds; quick: 1).

What is timed:

- ingest rate: `burst` / (time the last message was shown − time the sender wrote the first one). "Shown" for the
  app is the first frame in which the ChatLog re-rendered holding all `burst` messages; for the baseline it
  is the handler receiving the last one. Times cross processes on CLOCK_MONOTONIC. Median over rounds.
  The time the last message reached the app's model (the session's sink) is noted, to split parsing from
  showing.
- keystroke echo during the burst: a thread hands "x" to the app's driver every `echo_probe_interval`
  (0.2 s), as the terminal driver's input thread does, from the moment the burst is requested until the
  last message is shown; each probe's latency ends at the first frame in which the composer re-rendered
  with that many characters. Percentiles over the probes of all rounds. The baseline is the same probing
  on the idle, logged-in app (10 probes per round) before its burst.
- correctness: every message shown in order (bodies in the conversation and lines in the ChatLog, by
  index) and the log still following the end after the burst.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import support
from benchmarks.peer_sender import burst_body
from benchmarks.support import FrameClock, RenderWatch, Row, Sizes, median, ms, percentile

SECTION = "burst"


class Sender:
    """The sender subprocess (see `benchmarks.peer_sender`)."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls, server: Any, account: Any) -> Sender:
        config = {"host": server.host, "port": server.c2s_port, "ca": str(server.ca_file), "jid": account.jid,
                  "password": account.password}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "benchmarks.peer_sender", json.dumps(config), cwd=str(support.REPO),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        sender = cls(process)
        await sender._expect("READY", 60)
        return sender

    async def _expect(self, word: str, timeout: float) -> list[str]:
        assert self.process.stdout is not None
        line = (await asyncio.wait_for(self.process.stdout.readline(), timeout)).decode().split()
        if not line or line[0] != word:
            raise RuntimeError(f"sender: expected {word}, got {line!r}")
        return line

    async def burst(self, to: str, count: int, tag: str, seed: int) -> float:
        """Start a burst; returns the sender's monotonic time when its first message hit the socket."""
        assert self.process.stdin is not None
        self.process.stdin.write(f"BURST {to} {count} {tag} {seed}\n".encode())
        await self.process.stdin.drain()
        return float((await self._expect("FIRST", 60))[1])

    async def sent(self, timeout: float) -> float:
        return float((await self._expect("SENT", timeout))[1])

    async def quit(self) -> None:
        if self.process.returncode is None:
            assert self.process.stdin is not None
            self.process.stdin.write(b"QUIT\n")
            await self.process.stdin.drain()
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


def _mono_from_perf() -> float:
    """Offset to add to a perf_counter() value to get the same instant on time.monotonic()."""
    return time.monotonic() - time.perf_counter()


def _expected_bodies(count: int, tag: str, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [burst_body(tag, index, rng) for index in range(count)]


@dataclass
class Round:
    rate: float
    seconds: float
    in_order: bool
    note: str = ""
    echo: list[float] = field(default_factory=list)
    idle_echo: list[float] = field(default_factory=list)
    follows_end: bool = True


async def _bare_round(server: Any, account: Any, sender: Sender, count: int, tag: str, seed: int) -> Round:
    import slixmpp

    from xmpptui.xmpp.transport.client import PLUGINS

    loop = asyncio.get_running_loop()
    client = slixmpp.ClientXMPP(f"{account.jid}/bare", account.password)
    client.ca_certs = server.ca_file
    for plugin in PLUGINS:
        client.register_plugin(plugin)
    bodies: list[str] = []
    done: asyncio.Future[float] = loop.create_future()
    started: asyncio.Future[None] = loop.create_future()

    def on_message(message: Any) -> None:
        if message["type"] in ("chat", "normal") and message["body"]:
            bodies.append(message["body"])
            if len(bodies) == count and not done.done():
                done.set_result(time.monotonic())

    client.add_event_handler("message", on_message)
    client.add_event_handler("session_start", lambda _: started.done() or started.set_result(None))
    client.connect(server.host, server.c2s_port)
    await asyncio.wait_for(started, 30)
    await client.get_roster()
    client.send_presence()
    await asyncio.sleep(0.5)
    first = await sender.burst(account.jid, count, tag, seed)
    try:
        last = await support.wait_with_progress(done, lambda: len(bodies), 20, "bare slixmpp receiving the burst")
        await sender.sent(60)
    finally:
        await client.disconnect(wait=1.0)
    return Round(count / (last - first), last - first, bodies == _expected_bodies(count, tag, seed))


class Prober:
    """Hands "x" to the app every `interval` from a thread; latencies end at the frame showing the echo."""

    def __init__(self, app: Any, clock: FrameClock, watch: RenderWatch, composer: Any, interval: float) -> None:
        self._app = app
        self._watch = watch
        self._interval = interval
        self._base = len(composer.text)
        self.sent: list[float] = []
        self.latencies: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="echo-probe", daemon=True)
        clock.listeners.append(self._on_frame)  # after the watch's own listener: last_shown is this frame's

    def start(self) -> Prober:
        self._thread.start()
        return self

    def _run(self) -> None:
        due = time.perf_counter()
        while True:
            due += self._interval
            if self._stop.wait(max(0.0, due - time.perf_counter())):
                return
            self.sent.append(time.perf_counter())
            support.send_key(self._app, "x")

    def _on_frame(self, now: float) -> None:
        shown = self._watch.last_shown
        if not isinstance(shown, int):
            return
        echoed = min(shown - self._base, len(self.sent))
        while len(self.latencies) < echoed:
            self.latencies.append(now - self.sent[len(self.latencies)])

    async def stop(self) -> list[float]:
        self._stop.set()
        self._thread.join()
        try:
            await support.until(lambda: len(self.latencies) >= len(self.sent), 10, "the last probes echoed")
        except TimeoutError:
            missing = len(self.sent) - len(self.latencies)
            raise TimeoutError(f"{missing} of {len(self.sent)} probe keys never showed in the composer") from None
        return self.latencies


async def _app_round(server: Any, account: Any, peer: Any, sender: Sender, count: int, tag: str, seed: int,
                     sizes: Sizes) -> Round:
    from tests.e2e.helpers import make_app
    from xmpptui.storage.history import History

    with tempfile.TemporaryDirectory(prefix="xmpptui-bench-burst-") as root:
        history = History(Path(root) / "history.sqlite3")  # the app as users run it stores every message
        try:
            return await _app_round_with(make_app(server, account, history=history), peer, sender, count, tag,
                                         seed, sizes, account)
        finally:
            await asyncio.get_running_loop().run_in_executor(None, history.shutdown)


async def _app_round_with(app: Any, peer: Any, sender: Sender, count: int, tag: str, seed: int, sizes: Sizes,
                          account: Any) -> Round:
    from tests.e2e.helpers import SIZE, logged_in
    from tests.e2e.helpers import until as pilot_until
    from xmpptui.model.events import MessageAdded

    clock = FrameClock(app)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        screen = app.main_screen
        await pilot.press(*"/chat", "space", *peer.jid, "enter")
        await pilot_until(pilot, lambda: screen.active == peer.jid and screen.chat_log(peer.jid) is not None
                          and screen.chat_log(peer.jid).size.width > 0, what="the conversation on screen")
        log = screen.chat_log(peer.jid)
        composer = screen.composer
        composer_watch = RenderWatch(clock, composer, lambda: len(composer.text))
        log_watch = RenderWatch(clock, log, lambda: len(log._offsets))
        await support.settle(pilot, 0.5)

        idle = Prober(app, clock, composer_watch, composer, sizes.echo_probe_interval).start()
        await asyncio.sleep(10 * sizes.echo_probe_interval + 0.05)
        idle_echo = await idle.stop()
        composer.clear()
        await support.settle(pilot, 0.3)

        session = app.session
        ingested: list[float] = []
        original_sink = session.context.sink

        def sink(event: Any) -> None:
            original_sink(event)
            if isinstance(event, MessageAdded):
                ingested.append(time.perf_counter())

        session.context.sink = sink
        shown_all = log_watch.expect(lambda n: n >= count)
        prober = Prober(app, clock, composer_watch, composer, sizes.echo_probe_interval).start()
        try:
            first = await sender.burst(account.jid, count, tag, seed)
            shown = await support.wait_with_progress(shown_all, lambda: len(ingested) + len(log._offsets), 20,
                                                     "the app receiving and showing the burst")
        finally:
            echo = await prober.stop()
        await sender.sent(60)
        session.context.sink = original_sink
        offset = _mono_from_perf()
        last = shown + offset

        conversation = session.state.conversations.get(peer.jid)
        bodies = [message.body for message in conversation.messages]
        follows_end = log.scroll_offset.y == log.max_scroll_y
        pattern = re.compile(rf"\b{re.escape(tag)} (\d{{5}}) ")
        indices = [int(match.group(1)) for line in log.plain_lines() if (match := pattern.search(line))]
        in_order = bodies == _expected_bodies(count, tag, seed) and indices == list(range(count))
        model_seconds = ingested[-1] + offset - first if len(ingested) >= count else float("nan")
        await session.stop()
    note = f"last message in the model after {model_seconds:.2f} s, on screen after {last - first:.2f} s"
    return Round(count / (last - first), last - first, in_order, note, echo, idle_echo, follows_end)


async def _pair(server: Any) -> tuple[Any, Any]:
    """A fresh receiver and a fresh peer in each other's rosters (`both`), before either logs in."""
    from tests.support.prosody import RosterSeed

    receiver, peer = server.register(), server.register()
    server.seed_roster(receiver, [RosterSeed(peer.jid, "Bob", ("Friends",))])
    server.seed_roster(peer, [RosterSeed(receiver.jid, "Alice")])
    return receiver, peer


async def run(sizes: Sizes) -> list[Row]:
    server = support.SERVER.get()
    bare: list[Round] = []
    apps: list[Round] = []
    for number in range(sizes.burst_rounds):
        seed = 1000 + number
        for who in ("bare", "app") if number % 2 == 0 else ("app", "bare"):
            # Fresh accounts for every burst: Prosody's internal MAM store slows down ~40x once an
            # account's archive holds ~10,000 messages, which would penalise whichever receiver goes second.
            receiver, peer = await _pair(server)
            sender = await Sender.start(server, peer)
            tag = f"burst-{who}{number}"
            try:
                if who == "bare":
                    bare.append(await _bare_round(server, receiver, sender, sizes.burst, tag, seed))
                else:
                    apps.append(await _app_round(server, receiver, peer, sender, sizes.burst, tag, seed, sizes))
            finally:
                await sender.quit()

    n = f"{sizes.burst:,} msgs"
    app_rate, bare_rate = median(r.rate for r in apps), median(r.rate for r in bare)
    echo = [latency for r in apps for latency in r.echo]
    idle = [latency for r in apps for latency in r.idle_echo]
    in_order = all(r.in_order for r in apps) and all(r.in_order for r in bare)
    follows = all(r.follows_end for r in apps)
    p50, p95, top = percentile(echo, 50), percentile(echo, 95), max(echo)
    idle50, idle95, idle_top = percentile(idle, 50), percentile(idle, 95), max(idle)
    rounds = "; ".join(f"app {a.seconds:.2f} s ({a.note}), bare {b.seconds:.2f} s" for a, b in zip(apps, bare,
                                                                                                       strict=True))
    return [
        Row(SECTION, f"every message shown in order ({n}, app and bare)", None, "", text="yes" if in_order else "NO",
            target="yes", passed=in_order),
        Row(SECTION, "chat log still follows the end after the burst", None, "", text="yes" if follows else "NO",
            target="yes", passed=follows),
        Row(SECTION, f"ingest rate, first sent → last shown ({n}; base bare slixmpp)", app_rate, "msg/s", bare_rate,
            "ratio ≥ 0.6", app_rate / bare_rate >= 0.6, note=rounds),
        Row(SECTION, f"keystroke echo during the burst p50 ({len(echo)} probes; base idle)", ms(p50), "ms", ms(idle50),
            "≤ 50 ms", ms(p50) <= 50),
        Row(SECTION, "keystroke echo during the burst p95 (base idle)", ms(p95), "ms", ms(idle95), "≤ 100 ms",
            ms(p95) <= 100),
        Row(SECTION, "keystroke echo during the burst max (base idle)", ms(top), "ms", ms(idle_top), "≤ 150 ms",
            ms(top) <= 150),
    ]
