"""What a person sees: xmpptui (and the anchors, Poezio and Profanity, when installed) in a real terminal.

Each client runs in a pane of a private tmux server (`tmux -L <own socket> -f /dev/null`, 120x40), against
the run's private Prosody (STARTTLS, the test CA trusted); keys are typed with `send-keys` and the screen is
read with `capture-pane` every few milliseconds, as /work/shared/ANCHORS.md measured the anchors. Clients are
interleaved run by run, so background load hits all alike. A measure ends at the first capture that shows
its effect, so every figure includes tmux's own latency (a `send-keys` / `capture-pane` round trip, ~2-4 ms
here), the same for every client.

What is measured, for each client:

- keystroke echo while idle: in an open conversation, the composer holding a sentinel (`XQJ`), a letter is
  typed (send-keys) until the capture shows `XQJ<letter>`; then Backspace (untimed), and the next probe
  `echo_interval` later (so the composer never wraps). `echo_probes` probes (30; quick 10).
- the flood: a plain slixmpp peer (`benchmarks.peer_sender`, its own process) sends `flood` chat messages
  (10,000; quick 1,000) to the client, whose conversation with the peer is open. "Flood shown" is from the
  sender writing the first message to the socket (its CLOCK_MONOTONIC) to the first capture showing the
  last message's tag and index. Meanwhile a probe every 0.2 s (at most one waiting at a time) measures the
  echo (p50 / p95 / max). The baseline is a bare slixmpp client with xmpptui's plugins receiving the same
  flood in the same run (`benchmarks.burst`), whose receive rate the client's shown rate is divided by.
- launch → roster visible: a fresh account whose roster holds N contacts (10 / 1,000 / 5,000; quick
  10 / 100 / 500) and a marker contact "Aardvark Marker" in the group "Aardvarks", which every client shows
  first (sorted by group or by name), fresh user dirs; from `tmux new-window` (the tmux server already
  running) to the marker on screen. For xmpptui, again with the roster cache of that run (the app quit with
  Ctrl+Q, same dirs): launch → first frame (the "Contacts" title) and whether that capture already held the
  marker. Poezio hides offline contacts by default: it runs with `roster_show_offline = true`.
- peak RSS with 5,000 contacts (quick 500): VmHWM of the client's process 5 s after the roster was shown
  (the measure's definition, not a wait for a condition).
- room join: `benchmarks.room_crowd` fills a fresh room with N occupants (200; quick 20) and a subject; a
  fresh account logged in, `/join` typed (untimed), then Enter timed until the subject is on screen and
  until the occupant list is: xmpptui's role titles count all N + 1 ("Participants (200)"), Poezio's room
  line does ("{201}"; its nick column is too narrow at 120 columns to read), and for Profanity at least
  min(N, 15) of the crowd's nicks are on screen (its list shows the first ~35 and no count). One join per
  client per run, after an untimed warm-up room fill.

Then the floors under those figures (`benchmarks/terminal_floors.py`): the terminal alone, a bare Textual app
and a bare slixmpp client, measured the same way.

Report only: a missed #20 target is a FAIL row, never a broken run (the exit status stays 0). Without
tmux the section says so and measures nothing; `--quick` measures xmpptui alone (anchors skipped, said
so), at the quick sizes.
"""

from __future__ import annotations

import asyncio
import compileall
import contextlib
import functools
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import support
from benchmarks.support import Row, Sizes, median, ms, percentile

SECTION = "terminal"
SIZE = (120, 40)
POLL = 0.002
"""Seconds between two captures (each capture is itself a tmux round trip of a few ms)."""
SENTINEL = "XQJ"
LOST_AFTER = 5.0
"""Seconds after which a probe that has not shown is counted as lost."""
LETTERS = "abcdefghijklmnopqrstuvwxyz"
MARKER = "Aardvark Marker"
MARKER_GROUP = "Aardvarks"
MARKER_JID = "aardvark@localhost"
"""Poezio shows the seeded contacts by JID, the others by name: either counts as the marker on screen."""
NICK = "benchnick"
POEZIO_VENV = Path(os.environ.get("XMPPTUI_BENCH_POEZIO",
                                  str(Path.home() / ".cache" / "xmpptui-bench" / "poezio-venv")))
"""Where `docs/PERFORMANCE.md` says to install Poezio (`python3 -m venv` + `pip install poezio`)."""
ANCHORS_MD = ("ANCHORS.md (2026-12-04): echo idle p95 Poezio 4 ms, Profanity 3-6 ms; during the flood p95 "
              "Poezio 12 ms, Profanity 45-54 ms; launch 10 contacts 376 / 304 ms, 1,000 581 / 3,150 ms; join 200 "
              "subject 261 / 164 ms, occupants 192 / 164 ms; RSS 5,000 Poezio 60 MiB")


# --------------------------------------------------------------------------------------------- the pane


class Pane:
    """A private tmux server whose window "app" runs one client; captures and keys through `tmux -L`."""

    def __init__(self, env: dict[str, str]) -> None:
        self.socket = f"xmpptui-bench-{uuid.uuid4().hex[:12]}"
        self._socket_path = ""
        self.pid = 0
        # The server starts here, untimed, holding a placeholder window; its global environment is `env`
        # (the password travels there, never on a command line). The client's window is made by `launch`.
        try:
            self._tmux("start-server", ";", "set-option", "-g", "remain-on-exit", "on", ";",
                       "new-session", "-d", "-s", "bench", "-x", str(SIZE[0]), "-y", str(SIZE[1]), "--",
                       "sleep", "86400", env=env)
            self._socket_path = self._tmux("display-message", "-p", "-t", "bench", "#{socket_path}").strip()
        except BaseException:
            self.close()
            raise

    def launch(self, argv: list[str]) -> float:
        """Start `argv` in a new window; returns the monotonic time just before asking tmux."""
        started = time.monotonic()
        out = self._tmux("new-window", "-t", "bench", "-n", "app", "-P", "-F", "#{pane_pid}", "--", *argv)
        self.pid = int(out.strip())
        return started

    def capture(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "bench:app", check=False)

    def keys(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", "bench:app", *keys)

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-t", "bench:app", "-l", "--", text)

    def alive(self) -> bool:
        try:
            stat = Path(f"/proc/{self.pid}/stat").read_text()
        except OSError:
            return False
        return stat.rpartition(")")[2].split()[0] != "Z"

    def peak_rss_mib(self) -> float:
        status = Path(f"/proc/{self.pid}/status").read_text()
        return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))) / 1024

    def close(self) -> None:
        if self.pid and self.alive():
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self._tmux("kill-server", check=False)
        if self._socket_path:  # tmux 3.3 leaves the socket file of a killed server behind
            Path(self._socket_path).unlink(missing_ok=True)

    def _tmux(self, *args: str, env: dict[str, str] | None = None, check: bool = True) -> str:
        result = subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", *args], capture_output=True,
                                text=True, timeout=10, env=env, check=False)
        if check and result.returncode != 0:
            raise RuntimeError(f"tmux {args[0]}: {result.stderr.strip()}")
        return result.stdout


async def wait_screen(pane: Pane, test: Callable[[str], object], timeout: float, what: str) -> tuple[float, str]:
    """Poll until `test(screen)`; (monotonic time of that capture, the screen)."""
    deadline = time.monotonic() + timeout
    while True:
        screen = pane.capture()
        now = time.monotonic()
        if test(screen):
            return now, screen
        if now > deadline:
            raise TimeoutError(f"{what} not on screen within {timeout:g} s; screen:\n{screen}")
        await asyncio.sleep(POLL)


# ------------------------------------------------------------------------------------------- the clients

_XMPPTUI_ROLE = re.compile(r"\b(?:Moderators|Participants|Visitors|Others) \((\d+)\)")


@dataclass(frozen=True)
class Login:
    jid: str
    password: str
    host: str
    port: int
    ca: str


class Client:
    """How to start and drive one client; the subclasses know its commands and config files."""

    name = ""
    has_roster_cache = False

    def missing(self) -> str:
        """Why it cannot run here ("" if it can)."""
        return ""

    def prepare(self, home: Path, login: Login) -> tuple[list[str], dict[str, str]]:
        """(argv, environment) for a profile under `home`."""
        raise NotImplementedError

    def online(self, screen: str) -> bool:
        raise NotImplementedError

    async def command(self, pane: Pane, text: str) -> None:
        """Type a `/command` into the input line (not Enter)."""
        pane.type(text)

    async def open_chat(self, pane: Pane, jid: str) -> None:
        await self.command(pane, f"/msg {jid}")
        pane.keys("Enter")

    def chat_open(self, screen: str, jid: str) -> bool:
        return jid in screen  # the roster shows names; the conversation's header its JID

    def join_command(self, room: str) -> str:
        return f"/join {room}/{NICK}"

    def occupants_shown(self, screen: str, occupants: int) -> bool:
        """Whether the room's occupant list is on screen: by default, at least min(N, 15) of the crowd's nicks
        (the list shows the first ~35; nothing else on the screen names them)."""
        return sum(1 for pattern in _crowd_nicks(occupants) if pattern.search(screen)) >= min(occupants, 15)

    def quit(self, pane: Pane) -> None:
        pane.type("/quit")
        pane.keys("Enter")

    @staticmethod
    def base_env(home: Path) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("XDG_", "TMUX", "PYTEST_")) and key not in ("XMPPTUI_PASSWORD", "TEXTUAL")}
        env.update({"HOME": str(home), "XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data"),
                    "XDG_STATE_HOME": str(home / "state"), "XDG_CACHE_HOME": str(home / "cache"),
                    "TERM": "xterm-256color"})
        return env


class Xmpptui(Client):
    """The installed console script, importing this checkout (PYTHONPATH), byte-compiled first as pip does."""

    name = "xmpptui"
    has_roster_cache = True

    def __init__(self) -> None:
        beside = Path(sys.executable).parent / "xmpptui"  # not a pyenv shim: its bash would add ~50 ms
        self.script = str(beside) if beside.exists() else shutil.which("xmpptui") or ""
        compileall.compile_dir(str(support.REPO / "xmpptui"), quiet=1)

    def missing(self) -> str:
        return "" if self.script else "the xmpptui console script is not installed (pip install -e .)"

    def prepare(self, home: Path, login: Login) -> tuple[list[str], dict[str, str]]:
        env = self.base_env(home)
        env["XMPPTUI_PASSWORD"] = login.password
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(support.REPO), os.environ.get("PYTHONPATH")]))
        return [self.script, "--jid", login.jid, "--host", login.host, "--port", str(login.port),
                "--ca-file", login.ca], env

    def online(self, screen: str) -> bool:
        return "● online" in screen

    async def open_chat(self, pane: Pane, jid: str) -> None:
        await self.command(pane, f"/chat {jid}")
        pane.keys("Enter")

    def occupants_shown(self, screen: str, occupants: int) -> bool:
        # The occupant pane's role titles count their occupants: "Moderators (1)", "Participants (200)".
        held = sum(int(count) for count in _XMPPTUI_ROLE.findall(screen))
        return held >= occupants + 1

    def quit(self, pane: Pane) -> None:
        pane.keys("C-q")


class Profanity(Client):
    """Debian's `profanity` (C, libstrophe): an account file, the password from `eval_password`, the test CA
    trusted through OpenSSL's `SSL_CERT_FILE`."""

    name = "Profanity"

    def missing(self) -> str:
        return "" if shutil.which("profanity") else "not installed (apt-get install profanity)"

    def prepare(self, home: Path, login: Login) -> tuple[list[str], dict[str, str]]:
        env = self.base_env(home)
        env["BENCH_PASSWORD"] = login.password
        env["SSL_CERT_FILE"] = login.ca
        accounts = home / "data" / "profanity" / "accounts"
        accounts.parent.mkdir(parents=True, exist_ok=True)
        accounts.write_text(f"[{login.jid}]\nenabled=true\njid={login.jid}\nserver={login.host}\nport={login.port}\n"
                            "resource=bench\neval_password=printenv BENCH_PASSWORD\ntls.policy=force\n")
        accounts.chmod(0o600)
        return ["profanity", "-a", login.jid], env

    def online(self, screen: str) -> bool:
        return "[online]" in screen

    def chat_open(self, screen: str, jid: str) -> bool:
        # The chat window's title names the contact ("Bob [online] [unencrypted]"); the JID only when it has
        # no name. Nothing else on screen says "[unencrypted]".
        return "[unencrypted]" in screen or super().chat_open(screen, jid)

    def join_command(self, room: str) -> str:
        return f"/join {room} nick {NICK}"


class Poezio(Client):
    """Poezio from PyPI in its own venv (it brings its slixmpp); started through a launcher because it
    refuses to run as root, which this machine's benchmarks are."""

    name = "Poezio"
    LAUNCHER = "import os, sys; os.geteuid = lambda: 65534; from poezio.poezio import main; sys.exit(main())"

    def missing(self) -> str:
        python = POEZIO_VENV / "bin" / "python"
        ok = python.exists() and subprocess.run([str(python), "-c", "import poezio"], capture_output=True,
                                                check=False).returncode == 0
        return "" if ok else f"not installed (python3 -m venv {POEZIO_VENV} && {POEZIO_VENV}/bin/pip install poezio)"

    def prepare(self, home: Path, login: Login) -> tuple[list[str], dict[str, str]]:
        env = self.base_env(home)
        env["BENCH_PASSWORD"] = login.password
        config = home / "config" / "poezio" / "poezio.cfg"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(f"[Poezio]\njid = {login.jid}\neval_password = printenv BENCH_PASSWORD\n"
                          f"custom_host = {login.host}\ncustom_port = {login.port}\nca_cert_path = {login.ca}\n"
                          "roster_show_offline = true\n")
        config.chmod(0o600)
        return [str(POEZIO_VENV / "bin" / "python"), "-c", self.LAUNCHER], env

    def online(self, screen: str) -> bool:
        return "Your JID is" in screen

    async def command(self, pane: Pane, text: str) -> None:
        # In the roster tab "/" opens the input line; what arrives in the same read as it is dropped.
        pane.keys("/")
        await wait_screen(pane, lambda screen: re.search(r"│/ *$", screen, re.MULTILINE), 10, "Poezio's input")
        pane.type(text.removeprefix("/"))

    async def open_chat(self, pane: Pane, jid: str) -> None:
        await self.command(pane, f"/message {jid}")
        pane.keys("Enter")

    def chat_open(self, screen: str, jid: str) -> bool:
        return f"[{jid}]" in screen  # the tab's header; the roster shows "Name (jid)"

    def occupants_shown(self, screen: str, occupants: int) -> bool:
        # The room's info line counts its occupants ("[room@conference.localhost]{201}"); the nick column is
        # too narrow at 120 columns to read names from.
        return f"]{{{occupants + 1}}}" in screen

    def join_command(self, room: str) -> str:
        return f"/join {room}/{NICK}"


@contextlib.contextmanager
def running(client: Client, login: Login, home: Path | None = None) -> Any:
    """(pane, launch time) with `client` started for `login`; everything killed and removed after."""
    with contextlib.ExitStack() as stack:
        if home is None:
            home = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="xmpptui-bench-term-")))
        argv, env = client.prepare(home, login)
        pane = Pane(env)
        stack.callback(pane.close)
        started = pane.launch(argv)
        yield pane, started


def _login(server: Any, account: Any) -> Login:
    return Login(account.jid, account.password, server.host, server.c2s_port, str(server.ca_file))


# ------------------------------------------------------------------------------------------------ echo


def _echoed(letter: str) -> Callable[[str], bool]:
    pattern = re.compile(rf"{SENTINEL}{letter}(?![a-z])")
    return lambda screen: bool(pattern.search(screen))


async def probe_echo(pane: Pane, count: int | None, interval: float, done: Callable[[str], bool] | None = None,
                     timeout: float = 180.0) -> tuple[list[float], float | None, int]:
    """Echo latencies (s) of probes typed every `interval` (one waiting at a time), the time of the first
    capture where `done(screen)` (None without `done`), and how many probes never showed within
    `LOST_AFTER`. Stops after `count` probes, or once `done` and no probe waits. The composer holds
    `SENTINEL`; each probe's letter is erased once seen."""
    latencies: list[float] = []
    lost = 0
    shown_at: float | None = None
    waiting: tuple[float, Callable[[str], bool]] | None = None
    sent = 0
    next_due = time.monotonic()
    deadline = next_due + timeout
    last_screen, last_change = "", next_due
    while True:
        now = time.monotonic()
        if waiting is None and now >= next_due and (count is None or sent < count) and (done is None
                                                                                        or shown_at is None):
            letter = LETTERS[sent % len(LETTERS)]
            waiting = (time.monotonic(), _echoed(letter))
            pane.type(letter)
            next_due = waiting[0] + interval
            sent += 1
        screen = pane.capture()
        at = time.monotonic()
        if waiting is not None and waiting[1](screen):
            latencies.append(at - waiting[0])
            waiting = None
            pane.keys("BSpace")
        elif waiting is not None and at - waiting[0] > LOST_AFTER:
            # Seen under a flood before the composer ran its editing bindings at once (#20): the Backspace,
            # read with the next letter, deleted that letter. Counted and reported; the composer is reset
            # so the next probes still measure.
            lost += 1
            waiting = None
            print(f"  [terminal] a probe key not shown after {LOST_AFTER:g} s; screen:\n{screen}", file=sys.stderr)
            pane.keys("C-u")
            pane.type(SENTINEL)
        if done is not None and shown_at is None and done(screen):
            shown_at = at
        if waiting is None and ((count is not None and sent >= count and done is None)
                                or (done is not None and shown_at is not None)):
            return latencies, shown_at, lost
        if screen != last_screen:
            last_screen, last_change = screen, at
        if at > deadline or at - last_change > 30:
            raise TimeoutError(f"echo probes: {len(latencies)} of {sent} echoed, flood "
                               f"{'shown' if shown_at else 'not shown'}; screen:\n{screen}")
        await asyncio.sleep(POLL)


@dataclass
class Flood:
    idle: list[float]
    echo: list[float]
    seconds: float
    """First sent → last on screen."""
    lost: int
    """Probe keys that never showed (idle and flood)."""


async def _flood_once(client: Client, server: Any, count: int, sizes: Sizes, idle_probes: int, number: int) -> Flood:
    from benchmarks.burst import Sender, _pair

    receiver, peer = await _pair(server)
    sender = await Sender.start(server, peer)
    try:
        with running(client, _login(server, receiver)) as (pane, _):
            await wait_screen(pane, client.online, 60, f"{client.name} online")
            await client.open_chat(pane, peer.jid)
            await wait_screen(pane, lambda screen: client.chat_open(screen, peer.jid), 30, "the conversation")
            pane.type(SENTINEL)
            await wait_screen(pane, lambda screen: SENTINEL in screen, 30, "the sentinel")
            idle, _, lost_idle = await probe_echo(pane, idle_probes, sizes.echo_probe_interval)
            tag = f"fl{number}{client.name[:2].lower()}"
            last = f"{tag} {count - 1:05d} "
            first_task = asyncio.create_task(sender.burst(receiver.jid, count, tag, 2000 + number))
            echo, shown, lost = await probe_echo(pane, None, sizes.echo_probe_interval,
                                                 lambda screen: last in screen, timeout=300)
            first = await first_task
            await sender.sent(60)
            client.quit(pane)
    finally:
        await sender.quit()
    assert shown is not None
    return Flood(idle, echo, shown - first, lost_idle + lost)


async def _bare_flood(server: Any, count: int, number: int) -> float:
    from benchmarks.burst import Sender, _bare_round, _pair

    receiver, peer = await _pair(server)
    sender = await Sender.start(server, peer)
    try:
        result = await _bare_round(server, receiver, sender, count, f"flbare{number}", 2000 + number)
    finally:
        await sender.quit()
    return result.seconds


# ---------------------------------------------------------------------------------------------- launch


@dataclass
class Launch:
    roster: float | None
    """Launch → marker on screen; None if not within the timeout."""
    rss: float | None = None
    cached_first_frame: float | None = None
    cached_roster: float | None = None
    cached_in_first_frame: bool | None = None


def _account_with_roster(server: Any, contacts: int) -> Any:
    from tests.support.prosody import RosterSeed

    owner = server.register()
    seeds = [RosterSeed(contact.jid.replace("@example.org", "@localhost"), contact.name or None, contact.groups)
             for contact in support.make_contacts(contacts)]
    server.seed_roster(owner, [*seeds, RosterSeed(MARKER_JID, MARKER, (MARKER_GROUP,))])
    return owner


def _marker_shown(screen: str) -> bool:
    return MARKER in screen or MARKER_JID in screen


async def _launch_once(client: Client, server: Any, contacts: int, timeout: float, rss: bool) -> Launch:
    owner = _account_with_roster(server, contacts)
    login = _login(server, owner)
    with tempfile.TemporaryDirectory(prefix="xmpptui-bench-term-") as root:
        home = Path(root)
        with running(client, login, home) as (pane, started):
            try:
                shown, _ = await wait_screen(pane, _marker_shown, timeout, "the roster")
            except TimeoutError:
                return Launch(None)
            result = Launch(shown - started)
            if rss:
                await asyncio.sleep(5)  # the measure: peak RSS 5 s after the roster
                result.rss = pane.peak_rss_mib()
            if not client.has_roster_cache:
                return result
            client.quit(pane)
            await support.until(lambda: not pane.alive(), 30, f"{client.name} quitting")
        with running(client, login, home) as (pane, started):
            frame, screen = await wait_screen(pane, lambda screen: "Contacts" in screen, timeout, "the first frame")
            shown, _ = await wait_screen(pane, _marker_shown, timeout, "the cached roster")
            result.cached_first_frame, result.cached_roster = frame - started, shown - started
            result.cached_in_first_frame = _marker_shown(screen)
            client.quit(pane)
    return result


# ------------------------------------------------------------------------------------------------ rooms


@functools.cache
def _crowd_nicks(count: int) -> list[re.Pattern[str]]:
    from benchmarks.room_crowd import nick

    return [re.compile(rf"(?<![\w-]){re.escape(nick(index))}(?![\w-])") for index in range(count)]


async def _join_once(client: Client, server: Any, crowd: Any, occupants: int, number: int) -> tuple[float, float]:
    from tests.support.prosody import MUC_DOMAIN

    room = f"term-{number}-{uuid.uuid4().hex[:8]}@{MUC_DOMAIN}"
    subject = f"Planning the quarterly release {number}"
    await crowd.room(room, occupants, subject)
    with running(client, _login(server, server.register())) as (pane, _):
        await wait_screen(pane, client.online, 60, f"{client.name} online")
        command = client.join_command(room)
        await client.command(pane, command)
        await wait_screen(pane, lambda screen: room.split("@")[0] in screen, 30, "the /join command typed")
        started = time.monotonic()
        pane.keys("Enter")
        subject_at: float | None = None
        list_at: float | None = None
        deadline = started + 60
        while subject_at is None or list_at is None:
            screen = pane.capture()
            at = time.monotonic()
            if subject_at is None and subject in screen:
                subject_at = at
            if list_at is None and client.occupants_shown(screen, occupants):
                list_at = at
            if at > deadline:
                raise TimeoutError(f"{client.name} joining {room}: subject {'shown' if subject_at else 'not shown'}, "
                                   f"occupants {'shown' if list_at else 'not shown'}; screen:\n{screen}")
            await asyncio.sleep(POLL)
        client.quit(pane)
    return subject_at - started, list_at - started


# ------------------------------------------------------------------------------------------------- rows


@dataclass
class Results:
    idle: dict[str, list[float]] = field(default_factory=dict)
    echo: dict[str, list[float]] = field(default_factory=dict)
    flood: dict[str, list[float]] = field(default_factory=dict)
    bare: list[float] = field(default_factory=list)
    lost: dict[str, int] = field(default_factory=dict)
    errors: list[tuple[str, str, str]] = field(default_factory=list)
    """(client, measure, what went wrong) for a measure that could not be taken."""
    load: list[str] = field(default_factory=list)
    """/proc/loadavg at the start and the end of the section (the machine is shared)."""
    launch: dict[tuple[str, int], list[Launch]] = field(default_factory=dict)
    subject: dict[str, list[float]] = field(default_factory=dict)
    occupants: dict[str, list[float]] = field(default_factory=dict)


def _pcts(values: list[float], *points: float) -> list[float]:
    return [ms(percentile(values, p)) for p in points]


def _best(results: dict[str, float], anchors: list[str]) -> tuple[str, float] | None:
    held = [(name, results[name]) for name in anchors if name in results and results[name] is not None]
    return min(held, key=lambda item: item[1]) if held else None


def _target_row(measure: str, ours: float | None, anchors: dict[str, float], names: list[str], unit: str = "ms",
                note: str = "") -> Row:
    """Ours against the better anchor: PASS at a ratio ≤ 1.0 (#20); report only without an anchor."""
    best = _best(anchors, names)
    others = "; ".join(f"{name} {support.fmt(anchors[name], unit)}" for name in names if anchors.get(name) is not None)
    if ours is None:
        return Row(SECTION, measure, None, unit, text="not shown", target="≤ 1.0x better anchor", passed=False,
                   note=note)
    if best is None:
        return Row(SECTION, measure, ours, unit, target="report (no anchor run)", note=note)
    return Row(SECTION, f"{measure} (base {best[0]})", ours, unit, best[1], "ratio ≤ 1.0 (#20)", ours <= best[1],
               note="; ".join(filter(None, [others, note])))


def _rows(results: Results, sizes: Sizes, clients: list[Client], skipped: list[str]) -> list[Row]:
    anchors = [client.name for client in clients if client.name != "xmpptui"]
    rows: list[Row] = []

    def per_client(values: dict[str, list[float]], point: float) -> dict[str, float]:
        return {name: ms(percentile(v, point)) for name, v in values.items() if v}

    idle95 = per_client(results.idle, 95)
    ours_idle = results.idle.get("xmpptui", [])
    p50, p95 = _pcts(ours_idle, 50, 95)
    if ours_idle:
        idle_note = "; ".join(f"{name} p50/p95 {'/'.join(f'{v:.1f}' for v in _pcts(values, 50, 95))} ms"
                              for name, values in results.idle.items())
        rows.append(_target_row(f"keystroke echo while idle p95 ({len(ours_idle)} probes; p50 {p50:.1f} ms)",
                                p95, idle95, anchors, note=idle_note))
    echo95 = per_client(results.echo, 95)
    ours_echo = results.echo.get("xmpptui", [])
    e50, e95, emax = _pcts(ours_echo, 50, 95, 100)
    if ours_echo:
        echo_note = "; ".join(f"{name} p50/p95/max {'/'.join(f'{v:.0f}' for v in _pcts(values, 50, 95, 100))} ms "
                              f"({len(values)} probes)" for name, values in results.echo.items())
        rows.append(_target_row(f"keystroke echo during a {sizes.burst:,}-message flood p95 ({len(ours_echo)} "
                                f"probes; p50 {e50:.1f}, max {emax:.0f} ms)", e95, echo95, anchors, note=echo_note))
    bare = median(results.bare) if results.bare else None
    shown = {name: median(v) for name, v in results.flood.items() if v}
    if "xmpptui" in shown and bare:
        ours = bare / shown["xmpptui"]
        rows.append(Row(SECTION, f"flood shown rate, first sent → last on screen ({sizes.burst:,} msgs; base bare "
                                 "slixmpp = 100 %)", ours * 100, "%", 100.0, "≥ 60 % (#20)", ours >= 0.6,
                        note="; ".join(f"{name} {seconds:.2f} s ({bare / seconds * 100:.0f} %)"
                                       for name, seconds in shown.items()) + f"; bare slixmpp {bare:.2f} s"))
    sizes_launched = sorted({size for _, size in results.launch})
    for size in sizes_launched:
        values: dict[str, float | None] = {}
        for (name, n), launches in results.launch.items():
            if n == size:
                shown = [launch.roster for launch in launches if launch.roster is not None]
                values[name] = ms(median(shown)) if len(shown) == len(launches) else None
        missing = ", ".join(name for name, value in values.items() if value is None)
        note = f"not shown within the timeout: {missing}" if missing else ""
        measure = f"launch → roster visible, {size:,} contacts, first login (no cache)"
        if size in sizes_launched[:2]:  # the targets: 10 and 1,000 contacts
            held = {name: value for name, value in values.items() if value is not None}
            rows.append(_target_row(measure, values.get("xmpptui"), held, anchors, note=note))
        else:
            others = "; ".join(f"{name} {support.fmt(value, 'ms') if value is not None else 'not shown'}"
                               for name, value in values.items() if name != "xmpptui")
            rows.append(Row(SECTION, measure, values.get("xmpptui"), "ms", target="report",
                            note="; ".join(filter(None, [others, note]))))
        cached = [launch for launch in results.launch.get(("xmpptui", size), [])
                  if launch.cached_first_frame is not None]
        if cached:
            in_first = all(launch.cached_in_first_frame for launch in cached)
            frame = ms(median(launch.cached_first_frame or 0.0 for launch in cached))
            roster = ms(median(launch.cached_roster or 0.0 for launch in cached))
            rows.append(Row(SECTION, f"launch with the roster cache, {size:,} contacts: roster in the first frame",
                            frame, "ms", target="yes (#20)", passed=in_first,
                            text=f"{'yes' if in_first else 'NO'}, first frame {frame:.0f} ms",
                            note=f"cached roster on screen after {roster:.0f} ms ({len(cached)} run(s))"))
    rss = {name: median(launch.rss for launch in launches if launch.rss is not None)
           for (name, _), launches in results.launch.items() if any(launch.rss is not None for launch in launches)}
    if rss:
        rows.append(_target_row(f"peak RSS, {sizes.rss_contacts:,} contacts, 5 s after the roster", rss.get("xmpptui"),
                                rss, [name for name in anchors if name == "Poezio"], unit="MB"))
    for label, values in (("subject", results.subject), ("occupant list", results.occupants)):
        if values:
            medians = {name: ms(median(v)) for name, v in values.items() if v}
            rows.append(_target_row(f"join a room of {sizes.room_occupants} → {label} shown",
                                    medians.get("xmpptui"), medians, anchors))
    for reason in skipped:
        rows.append(Row(SECTION, "anchor not measured", None, "", text="skipped", note=reason))
    if skipped:
        rows[-1].note += f"; for reference, {ANCHORS_MD}"
    for name, what, error in results.errors:
        rows.append(Row(SECTION, f"{name}: {what} could not be measured", None, "", text="error",
                        error=name == "xmpptui", note=error))
    lost = ", ".join(f"{name} {count}" for name, count in results.lost.items() if count)
    rows.append(Row(SECTION, "probe keys lost (never shown within 5 s)", None, "", text=lost or "none",
                    target="none", passed=not lost,
                    note=f"load average at the start / end: {' / '.join(results.load)} (2 cores, shared)"))
    return rows


# -------------------------------------------------------------------------------------------------- run


def _rotate(items: list[Client], by: int) -> list[Client]:
    by %= len(items)
    return items[by:] + items[:by]


async def run(sizes: Sizes) -> list[Row]:
    if shutil.which("tmux") is None:
        return [Row(SECTION, "terminal-level benchmarks", None, "", text="skipped",
                    note="tmux is not installed (apt-get install tmux)")]
    clients: list[Client] = [Xmpptui()]
    skipped: list[str] = []
    if clients[0].missing():
        raise RuntimeError(clients[0].missing())
    for anchor in (Poezio(), Profanity()):
        if sizes.quick:
            skipped.append(f"{anchor.name}: --quick measures xmpptui alone")
        elif reason := anchor.missing():
            skipped.append(f"{anchor.name}: {reason}; ANCHORS.md figures quoted instead")
        else:
            clients.append(anchor)

    server = support.SERVER.get()
    results = Results(load=[_load()])
    runs = 1 if sizes.quick else 2
    idle_probes = 10 if sizes.quick else 15  # per run: 30 over the full run's two
    contacts = (sizes.login_baseline, 100 if sizes.quick else 1_000, sizes.rss_contacts)
    say = support_progress

    async def attempt(client: Client, what: str, measure: Any) -> Any:
        """One measure of one client; a failure is noted (an ERROR row for xmpptui) and the run goes on."""
        say(f"{what} {client.name}")
        try:
            return await measure
        except Exception as exc:
            first_line = str(exc).splitlines()[0] if str(exc) else ""
            print(f"  [terminal] {what} {client.name} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            results.errors.append((client.name, what, f"{type(exc).__name__}: {first_line}"[:160]))
            return None

    # The flood: a bare slixmpp round and one per client, interleaved, each with fresh accounts.
    for number in range(runs):
        results.bare.append(await _bare_flood(server, sizes.burst, number))
        for client in _rotate(clients, number):
            flood = await attempt(client, f"flood {number}",
                                  _flood_once(client, server, sizes.burst, sizes, idle_probes, number))
            if flood is not None:
                results.idle.setdefault(client.name, []).extend(flood.idle)
                results.echo.setdefault(client.name, []).extend(flood.echo)
                results.flood.setdefault(client.name, []).append(flood.seconds)
                results.lost[client.name] = results.lost.get(client.name, 0) + flood.lost

    # Launch → roster: an untimed warm-up launch of each client (its files in the page cache), then every
    # size for every client, run by run; a client that did not show a size within the timeout is not asked
    # again at that size.
    for client in clients:
        await attempt(client, "launch warm-up", _launch_once(client, server, sizes.login_baseline, 60, rss=False))
    gave_up: set[tuple[str, int]] = set()
    for number in range(sizes.login_repetitions if not sizes.quick else 1):
        for size in contacts:
            for client in _rotate(clients, number):
                if (client.name, size) in gave_up:
                    continue
                launch = await attempt(client, f"launch {number} {size:,} contacts",
                                       _launch_once(client, server, size, 30 if size > 1_000 else 60,
                                                    rss=size == sizes.rss_contacts))
                if launch is None:
                    gave_up.add((client.name, size))
                    continue
                results.launch.setdefault((client.name, size), []).append(launch)
                if launch.roster is None:
                    gave_up.add((client.name, size))

    # Room join.
    from benchmarks.rooms import Crowd

    crowd, _ = await Crowd.start(server, sizes.room_occupants, sizes.room_resources)
    try:
        await crowd.room(f"term-warm-{uuid.uuid4().hex[:8]}@conference.localhost", sizes.room_occupants, "warm")
        for number in range(runs):
            for client in _rotate(clients, number):
                joined = await attempt(client, f"join {number}",
                                       _join_once(client, server, crowd, sizes.room_occupants, number))
                if joined is not None:
                    results.subject.setdefault(client.name, []).append(joined[0])
                    results.occupants.setdefault(client.name, []).append(joined[1])
    finally:
        await crowd.quit()

    # The floors under the targets (benchmarks/terminal_floors.py), in the same panes and run.
    from benchmarks import terminal_floors

    say("floors")
    try:
        floors = await terminal_floors.measure(server, sizes, contacts[:2])
    except Exception as exc:
        print(f"  [terminal] floors failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        floors = [Row(SECTION, "floors could not be measured", None, "", text="error",
                      note=f"{type(exc).__name__}: {str(exc)[:160]}")]
    results.load.append(_load())
    return [*_rows(results, sizes, clients, skipped), *floors]


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def support_progress(text: str) -> None:
    print(f"  [terminal] {text}", file=sys.stderr, flush=True)
