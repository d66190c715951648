"""Sending a file (HTTP File Upload, XEP-0363) end to end: a file of `upload_bytes` (50 MB; quick 5 MB) PUT on
loopback to a private Prosody's `mod_http_file_share` (HTTPS, verified with the run's CA), started for this
section with an upload limit above the file (the tests' servers keep theirs at 10 MiB), by

- the baseline: a plain `aiohttp` PUT of the same file (a file object as the body) to a fresh slot of the same
  service, asked for by a plain slixmpp client (`xep_0363`), and
- the real app logged in (`tests.e2e.helpers.make_app`: real XmppSession, real XmppTuiApp, headless, 120x36)
  with `/upload PATH` typed in the conversation on screen, as a user does.

Rounds alternate which goes first (full: 3 rounds; quick: 1).

What is timed:

- upload rate: bytes / PUT time. For the app, from the session's first `UploadProgressed` (0 bytes: the slot is
  granted, the PUT starts) to its `UploadEnded` (the server answered the PUT); for the baseline, from the call
  to `put` to its response: both include the TLS handshake and the server's answer, neither the slot request.
  Median over rounds.
- keystroke echo during the upload: a thread hands "x" to the app's driver every `upload_probe_interval`
  (0.02 s: a loopback upload is over in well under a second), as the terminal driver's input thread does,
  from the moment the composer is freed for typing (the upload under way) until the upload ends; each probe's
  latency ends at the first frame in which the composer re-rendered with that many characters
  (`benchmarks.burst.Prober`). Percentiles over the probes of all rounds. The baseline is the same probing on
  the idle, logged-in app (20 probes per round) before its upload.
- correctness: the file the app uploaded, read back by GET, has the same SHA-256 as the one on disk.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import ssl
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks import support
from benchmarks.burst import Prober
from benchmarks.support import FrameClock, RenderWatch, Row, Sizes, median, ms, percentile

SECTION = "upload"
LIMIT = 64 * 1024 * 1024
"""The upload limit of this section's server: above the 50 MB file (the tests' servers take 10 MiB)."""


@dataclass
class Round:
    rate: float
    """Bytes per second."""
    read_back: bool = True
    echo: list[float] = field(default_factory=list)
    idle_echo: list[float] = field(default_factory=list)


def _trust(server: Any) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(server.ca_file))


async def _plain_put(server: Any, peer: Any, file: Path, size: int) -> Round:
    upload = peer.client.plugin["xep_0363"]
    info = await upload.find_upload_service(timeout=10)
    slot = (await upload.request_slot(info["from"], file.name, size, "application/octet-stream",
                                      timeout=10))["http_upload_slot"]
    headers = {header["name"]: header["value"] for header in slot["put"]["headers"]}
    headers |= {"Content-Type": "application/octet-stream", "Content-Length": str(size)}
    async with aiohttp.ClientSession() as http:
        with file.open("rb") as body:
            started = time.perf_counter()
            async with http.put(slot["put"]["url"], data=body, headers=headers, ssl=_trust(server)) as response:
                ended = time.perf_counter()
                if response.status not in (200, 201):
                    raise RuntimeError(f"plain PUT refused: HTTP {response.status}")
    return Round(size / (ended - started))


async def _app_round(server: Any, account: Any, peer_jid: str, file: Path, size: int, digest: str,
                     sizes: Sizes) -> Round:
    from tests.e2e.helpers import SIZE, logged_in, make_app
    from tests.e2e.helpers import until as pilot_until
    from xmpptui.model.events import UploadEnded, UploadProgressed

    app = make_app(server, account)
    clock = FrameClock(app)
    loop = asyncio.get_running_loop()
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        screen = app.main_screen
        await pilot.press(*"/chat", "space", *peer_jid, "enter")
        await pilot_until(pilot, lambda: screen.active == peer_jid, what="the conversation on screen")
        composer = screen.composer
        watch = RenderWatch(clock, composer, lambda: len(composer.text))
        await support.settle(pilot, 0.5)

        idle = Prober(app, clock, watch, composer, sizes.upload_probe_interval).start()
        await asyncio.sleep(20 * sizes.upload_probe_interval + 0.01)
        idle_echo = await idle.stop()
        composer.clear()
        await support.settle(pilot, 0.3)

        session = app.session
        original_sink = session.context.sink
        began: asyncio.Future[float] = loop.create_future()
        ended: asyncio.Future[tuple[float, Any]] = loop.create_future()

        def sink(event: Any) -> None:
            if isinstance(event, UploadProgressed) and event.sent == 0 and not began.done():
                began.set_result(time.perf_counter())
            elif isinstance(event, UploadEnded) and not ended.done():
                ended.set_result((time.perf_counter(), event))
            original_sink(event)

        session.context.sink = sink
        await pilot.press(*"/upload", "space", *str(file), "enter")
        started = await asyncio.wait_for(began, 30)
        prober: Prober | None = None
        while not ended.done():  # (the composer is freed for typing once the batch with the first progress lands)
            if composer.text == "":
                prober = Prober(app, clock, watch, composer, sizes.upload_probe_interval).start()
                break
            await asyncio.sleep(0.005)
        finished, event = await asyncio.wait_for(ended, 300)
        echo = await prober.stop() if prober is not None else []
        session.context.sink = original_sink
        if not event.url:
            raise RuntimeError(f"the app's upload failed: {event.error}")
        async with aiohttp.ClientSession() as http, http.get(event.url, ssl=_trust(server)) as response:
            read_back = hashlib.sha256(await response.read()).hexdigest() == digest
        await session.stop()
    return Round(size / (finished - started), read_back, echo, idle_echo)


async def run(sizes: Sizes) -> list[Row]:
    from tests.support.peer import Peer
    from tests.support.prosody import Prosody

    server = Prosody.start(upload_limit=LIMIT)
    size = sizes.upload_bytes
    plain: list[Round] = []
    apps: list[Round] = []
    try:
        with tempfile.TemporaryDirectory(prefix="xmpptui-bench-upload-") as root:
            file = Path(root) / "big.bin"
            payload = os.urandom(size)
            file.write_bytes(payload)
            digest = hashlib.sha256(payload).hexdigest()
            del payload
            alice, bob = server.register(), server.register()
            server.befriend(alice, bob, "Alice", "Bob")
            peer = Peer(server, bob)
            peer.client.register_plugin("xep_0363")
            await peer.connect()
            try:
                for number in range(sizes.upload_rounds):
                    for who in ("plain", "app") if number % 2 == 0 else ("app", "plain"):
                        if who == "plain":
                            plain.append(await _plain_put(server, peer, file, size))
                        else:
                            apps.append(await _app_round(server, alice, bob.jid, file, size, digest, sizes))
            finally:
                await peer.disconnect()
    finally:
        server.stop()

    mb = 1_000_000
    app_rate, plain_rate = median(r.rate for r in apps) / mb, median(r.rate for r in plain) / mb
    echo = [latency for r in apps for latency in r.echo]
    idle = [latency for r in apps for latency in r.idle_echo]
    read_back = all(r.read_back for r in apps)
    rounds = ", ".join(f"app {a.rate / mb:.1f} / plain {p.rate / mb:.1f} MB/s" for a, p in zip(apps, plain,
                                                                                               strict=True))
    p50, p95 = (percentile(echo, 50), percentile(echo, 95)) if echo else (float("nan"), float("nan"))
    n = f"{size / mb:.0f} MB"
    return [
        Row(SECTION, f"the app's upload read back equal ({n}, SHA-256)", None, "", text="yes" if read_back else "NO",
            target="yes", passed=read_back),
        Row(SECTION, f"upload rate, PUT of {n} on loopback (base plain aiohttp PUT)", app_rate, "MB/s", plain_rate,
            "ratio ≥ 0.8", app_rate / plain_rate >= 0.8, note=rounds),
        Row(SECTION, f"keystroke echo during the upload p50 ({len(echo)} probes; base idle)", ms(p50), "ms",
            ms(percentile(idle, 50)), "report"),
        Row(SECTION, "keystroke echo during the upload p95 (base idle)", ms(p95), "ms", ms(percentile(idle, 95)),
            "≤ 50 ms", ms(p95) <= 50),
    ]
