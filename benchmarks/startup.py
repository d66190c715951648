"""Start-up, login and memory.

What is timed:

- `xmpptui --version` / `--help`: wall time of the installed console script in a subprocess, from spawn to
  exit, against `python -c pass` (same interpreter); 1 warm-up, then `startup_repetitions`, interleaved,
  median. Whether either imports textual or slixmpp is read from `PYTHONPROFILEIMPORTTIME` (the same as
  `-X importtime`) output of the console script.
- launch → first frame (report since #20: a first login with the password at hand starts connecting first, so
  its first frame waits for the session's imports): the real console script (`xmpptui --jid bench@localhost
  --host 127.0.0.1 --port P`,
  password from `XMPPTUI_PASSWORD`, user dirs in a temp dir; P is a socket of ours that listens and never
  answers, so the login just waits) against a bare Textual app that imports slixmpp and shows the same
  "Contacts" title and a footer. Each runs on a real pseudo-terminal (120x36, TERM=xterm-256color, so the
  real Linux driver writes real frames); the time is from just before spawning to the moment the parent
  reads the word "Contacts" from the terminal output (escape codes stripped). 1 warm-up each, then
  `startup_repetitions` interleaved, median.
  Both launch figures use byte-compiled code, as an installed package has (pip and pipx compile it on install):
  the xmpptui package that the console script imports is byte-compiled first (`compileall`). Without that, an
  editable checkout in an environment with `PYTHONDONTWRITEBYTECODE` set (this machine's) compiles all of
  xmpptui's modules from source on every launch (about 30 ms), while the baseline's textual and slixmpp load
  the bytecode pip wrote.
- login → roster visible: a fresh account whose roster (N contacts in 50 groups, `subscription = both`) was
  written with `Prosody.seed_roster()` before its first login; the real app from `tests.e2e.helpers.make_app`
  whose session factory is swapped for an `XmppSession` subclass that only stamps events. From slixmpp's
  `auth_success` to the first frame in which the RosterView re-rendered with all rows. Baseline: the same
  with 10 contacts. One untimed warm-up login, then `login_repetitions` fresh accounts each, median; the
  moment the roster reached the model (`RosterReplaced` through the sink) is noted.
- launch → roster visible (report, the ANCHORS.md measure): the real console script on a pty, logging in to the
  private Prosody (STARTTLS, the test CA given with `--ca-file`) as a fresh account whose roster holds N
  contacts and a marker contact in the group sorted first, fresh user dirs (no roster cache); from spawning
  to the marker's name on screen. Baseline: 10 contacts. One warm-up, then `login_repetitions` each, median.
- peak RSS: `benchmarks.rss_probe` in a subprocess, holding N contacts and M messages, against the same
  app holding nothing. The figure is the probe's VmHWM: `resource.getrusage().ru_maxrss` of a child keeps
  the high-water mark of its forking parent across exec on Linux (it is noted beside it).
"""

from __future__ import annotations

import asyncio
import compileall
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path
from typing import Any

from benchmarks import support
from benchmarks.support import Row, Sizes, median, ms

SECTION = "start-up"

_ANSI = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[PX^_].*?\x1b\\|\x1b[@-Z\\-_]")

BARE_APP = """\
import slixmpp  # noqa: F401
from textual.app import App
from textual.widgets import Footer, Static


class Bare(App):
    def compose(self):
        yield Static("Contacts")
        yield Footer()


Bare().run()
"""


def _xmpptui() -> list[str]:
    script = shutil.which("xmpptui")
    return [script] if script else [sys.executable, "-m", "xmpptui"]


def _wall(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def _imports_ui_or_protocol(argv: list[str]) -> list[str]:
    env = dict(os.environ, PYTHONPROFILEIMPORTTIME="1")
    result = subprocess.run(argv, capture_output=True, text=True, env=env, check=True)
    names = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    return sorted(name for name in names if name.split(".")[0] in ("textual", "slixmpp"))


def first_frame(argv: list[str], marker: bytes = b"Contacts", env: dict[str, str] | None = None,
                size: tuple[int, int] = support.APP_SIZE, timeout: float = 30.0) -> float:
    """Seconds from spawning `argv` on a new pseudo-terminal to `marker` appearing in its output."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
    child_env = dict(os.environ if env is None else env, TERM="xterm-256color")
    child_env.pop("TEXTUAL", None)
    start = time.monotonic()
    process = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=child_env, start_new_session=True,
                               cwd=str(support.REPO))
    os.close(slave)
    output = b""
    seen: float | None = None
    try:
        while time.monotonic() - start < timeout:
            ready, _, _ = select.select([master], [], [], 0.05)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 1 << 16)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
            if marker in _ANSI.sub(b"", output):
                seen = time.monotonic() - start
                break
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)  # the group we started with start_new_session
        process.wait()
        os.close(master)
    if seen is None:
        raise RuntimeError(f"{argv[0]}: {marker!r} not seen within {timeout} s; output tail: {output[-400:]!r}")
    return seen


def _byte_compile_xmpptui() -> None:
    """Byte-compile the installed xmpptui package: the one the console script imports (asked of a fresh
    interpreter outside this checkout, whose own directory would come first on this process's path)."""
    where = subprocess.run([sys.executable, "-c", "import os, xmpptui; print(os.path.dirname(xmpptui.__file__))"],
                           capture_output=True, text=True, check=True, cwd="/").stdout.strip()
    compileall.compile_dir(where, quiet=1)


def _launch_rows(sizes: Sizes) -> list[Row]:
    _byte_compile_xmpptui()
    python = [sys.executable, "-c", "pass"]
    version, helps, passes = [], [], []
    for index in range(1 + sizes.startup_repetitions):
        times = (_wall(python), _wall([*_xmpptui(), "--version"]), _wall([*_xmpptui(), "--help"]))
        if index:
            passes.append(times[0])
            version.append(times[1])
            helps.append(times[2])
    heavy = _imports_ui_or_protocol([*_xmpptui(), "--version"]) + _imports_ui_or_protocol([*_xmpptui(), "--help"])

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)
    port = silent.getsockname()[1]
    env = dict(os.environ, XMPPTUI_PASSWORD="bench")
    app_argv = [*_xmpptui(), "--jid", "bench@localhost", "--host", "127.0.0.1", "--port", str(port)]
    bare_argv = [sys.executable, "-c", BARE_APP]
    apps, bares = [], []
    try:
        for index in range(1 + sizes.startup_repetitions):
            bare = first_frame(bare_argv, env=env)
            app = first_frame(app_argv, env=env)
            if index:
                bares.append(bare)
                apps.append(app)
    finally:
        silent.close()
    app_first, bare_first = median(apps), median(bares)
    return [
        Row(SECTION, "xmpptui --version, wall (base python -c pass)", ms(median(version)), "ms", ms(median(passes))),
        Row(SECTION, "xmpptui --help, wall (base python -c pass)", ms(median(helps)), "ms", ms(median(passes))),
        Row(SECTION, "--version / --help import neither textual nor slixmpp", None, "",
            text="yes" if not heavy else f"NO: {', '.join(heavy[:4])}", target="yes", passed=not heavy),
        Row(SECTION, "launch → first frame on a pty, a first login (base bare Textual app + slixmpp)",
            ms(app_first), "ms", ms(bare_first),
            note=f"report: a first login (no roster cache) with the password at hand starts connecting before the "
                 f"first frame (#20: the roster is on screen ~200 ms sooner), so that frame waits for the session's "
                 f"imports; with a roster cache the first frame comes first and shows it (the terminal section); "
                 f"xmpptui byte-compiled first, as pip does on install; runs: app "
                 f"{', '.join(f'{ms(t):.0f}' for t in apps)} ms; bare "
                 f"{', '.join(f'{ms(t):.0f}' for t in bares)} ms"),
    ]


# -------------------------------------------------------------------------------------------- login


async def _login_once(server: Any, contacts: int) -> tuple[float, float]:
    """(auth → roster visible, auth → roster in the model) for a fresh account with `contacts` contacts."""
    from tests.e2e.helpers import SIZE, make_app
    from tests.support.prosody import RosterSeed
    from xmpptui.model.events import RosterReplaced
    from xmpptui.xmpp.session import XmppSession

    owner = server.register()
    seeds = [RosterSeed(contact.jid.replace("@example.org", "@localhost"), contact.name or None, contact.groups)
             for contact in support.make_contacts(contacts)]
    server.seed_roster(owner, seeds)
    stamps: dict[str, float] = {}
    watches: list[support.RenderWatch] = []

    class TimedSession(XmppSession):
        """The real session; it only stamps `auth_success` and the `RosterReplaced` it emits."""

        async def start(self, sink: Any) -> None:
            def watch_roster() -> None:
                # (A password known at once starts the login before the screen is composed and shows the
                # session, mounting the roster: wait for it on the screen's queue, ahead of the session's events.)
                if not app.main_screen.query("RosterView"):
                    app.main_screen.call_later(watch_roster)
                    return
                roster = app.main_screen.roster
                watches.append(support.RenderWatch(clock, roster, lambda: roster.row_count))

            watch_roster()

            def timed_sink(event: Any) -> None:
                if isinstance(event, RosterReplaced):
                    stamps["model"] = time.perf_counter()
                sink(event)

            build = self.connection.build_client

            def build_stamping() -> Any:
                client = build()
                client.add_event_handler("auth_success",
                                         lambda _stanza: stamps.setdefault("auth", time.perf_counter()))
                return client

            self.connection.build_client = build_stamping  # type: ignore[method-assign]
            await super().start(timed_sink)

    app = make_app(server, owner)
    app._session_factory = TimedSession  # make_app's app, with the stamping session
    clock = support.FrameClock(app)
    async with app.run_test(size=SIZE) as pilot:
        await support.until(lambda: watches, 30, "the session to start")
        shown = watches[0].expect(lambda rows: rows >= contacts)
        try:
            visible = await asyncio.wait_for(shown, 60)
        except TimeoutError:
            state = app.session.state if app.session is not None else None
            raise TimeoutError(f"roster of {contacts} not shown within 60 s; connection "
                               f"{state.connection if state else None}, {len(state.roster) if state else 0} "
                               f"contacts in the model") from None
        await support.settle(pilot, 0.2)
        await app.session.stop()
    return visible - stamps["auth"], stamps["model"] - stamps["auth"]


MARKER = "Marker Contact"
"""A contact in the group sorted first: on screen as soon as the roster is."""


def _launch_to_roster(server: Any, contacts: int) -> float:
    """Seconds from spawning the console script on a pty to `MARKER` on screen, for a fresh account with
    `contacts` contacts (and the marker), fresh user dirs (no roster cache)."""
    from tests.support.prosody import RosterSeed

    owner = server.register()
    seeds = [RosterSeed(contact.jid.replace("@example.org", "@localhost"), contact.name or None, contact.groups)
             for contact in support.make_contacts(contacts)]
    server.seed_roster(owner, [*seeds, RosterSeed("marker@localhost", MARKER, ("Aardvarks",))])
    argv = [*_xmpptui(), "--jid", owner.jid, "--host", server.host, "--port", str(server.c2s_port),
            "--ca-file", str(server.ca_file)]
    with tempfile.TemporaryDirectory(prefix="xmpptui-bench-launch-") as home:
        env = dict(os.environ, XMPPTUI_PASSWORD=owner.password,
                   **{name: str(Path(home) / name.lower())
                      for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME")})
        return first_frame(argv, marker=MARKER.encode(), env=env, timeout=90)


def _launch_to_roster_rows(sizes: Sizes) -> list[Row]:
    server = support.SERVER.get()
    _launch_to_roster(server, sizes.login_baseline)  # warm-up
    big, base = [], []
    for _ in range(sizes.login_repetitions):
        base.append(_launch_to_roster(server, sizes.login_baseline))
        big.append(_launch_to_roster(server, sizes.login_contacts))
    return [Row(SECTION, f"launch → roster visible on a pty, {sizes.login_contacts:,} contacts "
                         f"(base {sizes.login_baseline})", ms(median(big)), "ms", ms(median(base)), "report",
                note="the ANCHORS measure (console script to a contact on screen, STARTTLS with a verified CA): "
                     "Poezio 0.18 2.28 s, Profanity 0.13.1 not shown within 90 s; with 10 contacts 625 / 447 ms")]


async def _login_rows(sizes: Sizes) -> list[Row]:
    server = support.SERVER.get()
    big, base = [], []
    await _login_once(server, sizes.login_baseline)  # warm-up: first login of the run (imports, server caches)
    for _ in range(sizes.login_repetitions):
        base.append(await _login_once(server, sizes.login_baseline))
        big.append(await _login_once(server, sizes.login_contacts))
    value, baseline = median(v for v, _ in big), median(v for v, _ in base)
    model = median(m for _, m in big)
    return [Row(SECTION, f"login → roster visible, {sizes.login_contacts:,} contacts (base {sizes.login_baseline})",
                ms(value), "ms", ms(baseline), "≤ 1,500 ms", ms(value) <= 1500,
                note=f"from auth_success; the roster reached the model after {ms(model):.0f} ms "
                     f"({len(big)} run(s))")]


# ---------------------------------------------------------------------------------------------- RSS


def _peak_rss(contacts: int, messages: int) -> tuple[float, float]:
    """(VmHWM, ru_maxrss) of `benchmarks.rss_probe`, in MiB."""
    result = subprocess.run([sys.executable, "-m", "benchmarks.rss_probe", str(contacts), str(messages)],
                            capture_output=True, text=True, cwd=str(support.REPO), timeout=600, check=True)
    line = next(line for line in result.stdout.splitlines() if line.startswith("RSS "))
    hwm, maxrss = line.split()[1:3]
    return int(hwm) / 1024, int(maxrss) / 1024


def _rss_rows(sizes: Sizes) -> list[Row]:
    empty, _ = _peak_rss(0, 0)
    full, maxrss = _peak_rss(sizes.rss_contacts, sizes.rss_messages)
    return [Row(SECTION, f"peak RSS, {sizes.rss_contacts:,} contacts + {sizes.rss_messages:,} messages "
                         "(base empty app)", full, "MB", empty, "≤ 150 MB", full <= 150,
                note=f"VmHWM of the probe process; its ru_maxrss says {maxrss:.1f} MB, which on Linux includes "
                     "the high-water mark inherited from this (forking) process")]


async def run(sizes: Sizes) -> list[Row]:
    rows = _launch_rows(sizes)
    rows += await _login_rows(sizes)
    rows += _launch_to_roster_rows(sizes)
    rows += _rss_rows(sizes)
    return rows
