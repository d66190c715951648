"""The real xmpptui as a separate process in a real terminal (tmux on a private socket), for fault tests.

Pilot drives the app inside the test's own event loop; signals, `kill -9`, SIGSTOP, a closed terminal and
what the terminal is left in after exit can only be tested on a process of its own. This runs
`sys.executable -m xmpptui` (this checkout, not the installed console script) in a detached tmux session
of its own, with the password in the environment and XDG directories under a `home` the test chooses:
two runs given the same `home` share config, history and logs; different homes share nothing.

    with TerminalApp.start(jid=..., password=..., host=..., port=..., ca_file=..., home=tmp_path / "home") as term:
        term.wait_for("● online")
        term.type("hello")            # literal text
        term.send_keys("Enter")       # tmux key names: Enter, Escape, C-q, F7, M-r, ...
        term.signal(signal.SIGTERM)
        assert term.wait_exit(10) == 0
        assert not term.terminal_modes()["alternate_on"]

Every wait polls (no fixed sleeps) and fails with the screen's text in the message. Leaving the `with`
block (or calling `close()`) kills the app (after SIGCONT, in case it is stopped) and the tmux server,
however the test ended. The `*_async` waits poll with `asyncio.sleep`, so peers in the test's loop keep
running meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal as signals
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""The checkout whose xmpptui runs (put first on PYTHONPATH)."""

MODE_FLAGS = ("alternate_on", "mouse_any_flag", "mouse_all_flag", "mouse_button_flag", "mouse_standard_flag",
              "mouse_sgr_flag", "mouse_utf8_flag", "cursor_flag", "keypad_flag", "keypad_cursor_flag",
              "origin_flag", "wrap_flag", "insert_flag")
"""tmux pane format variables (each 0 or 1) that tell what mode an application left the terminal in."""

ScreenTest = str | Callable[[str], object]

_REAPER = """
import os, signal, subprocess, sys
run_dir = sys.argv[1]
app = subprocess.Popen(sys.argv[2:])
with open(os.path.join(run_dir, "pid"), "w") as f:
    f.write(f"{app.pid}\\n")
signal.signal(signal.SIGHUP, lambda *_: app.send_signal(signal.SIGHUP))
for sig in (signal.SIGTERM, signal.SIGINT):
    signal.signal(sig, signal.SIG_IGN)
status = app.wait()
with open(os.path.join(run_dir, "status.tmp"), "w") as f:
    f.write(str(status))
os.replace(os.path.join(run_dir, "status.tmp"), os.path.join(run_dir, "status"))
"""
"""Runs in the pane as a login shell would: it starts xmpptui as its child (in the terminal's foreground
process group) and records its exit status, because tmux 3.3 can mark a pane dead before it has the status
and then never reports it (tmux/tmux#4841). When the terminal closes, only this session leader gets the
kernel's SIGHUP (measured), so it passes it on to the app, as a shell passes it to its jobs. It ignores
the other signals a test sends, so it outlives the app; it starts the app first, since an ignored signal
would be inherited."""


def xdg_environment(home: Path) -> dict[str, str]:
    """The XDG variables for a profile rooted at `home` (the layout of tests/conftest.py's `isolated_dirs`)."""
    return {name: str(home / sub) for name, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"),
                                                    ("XDG_STATE_HOME", "state"), ("XDG_CACHE_HOME", "cache"))}


class TerminalApp:
    """One xmpptui process in a tmux pane of its own; see the module docstring."""

    def __init__(self, argv: list[str], env: Mapping[str, str], home: Path, size: tuple[int, int] = (120, 36)) -> None:
        if shutil.which("tmux") is None:
            raise RuntimeError("tmux is not installed (.ci/run installs it)")
        self.home = home
        self.socket = f"xmpptui-test-{uuid.uuid4().hex[:12]}"
        self._run_dir = Path(tempfile.mkdtemp(prefix="xmpptui-term-"))
        self._closed = False
        width, height = size
        # remain-on-exit keeps the dead pane, so the terminal modes the app left can still be read.
        self._tmux("start-server", ";", "set-option", "-g", "remain-on-exit", "on", ";",
                   "new-session", "-d", "-s", "app", "-x", str(width), "-y", str(height), "--",
                   sys.executable, "-c", _REAPER, str(self._run_dir), *argv, env=dict(env))
        self.pid = 0
        """The xmpptui process itself (not tmux's, not the reaper's)."""
        pid_file = self._run_dir / "pid"
        deadline = time.monotonic() + 10
        while not pid_file.exists() or not pid_file.read_text().endswith("\n"):
            if time.monotonic() > deadline:
                screen = self.screen()
                self.close()
                raise RuntimeError(f"xmpptui did not start in tmux; screen:\n{screen}")
            time.sleep(0.01)
        self.pid = int(pid_file.read_text())

    @classmethod
    def start(cls, *, jid: str | None, home: Path, password: str | None = None, host: str | None = None,
              port: int | None = None, ca_file: str | Path | None = None, args: Iterable[str] = (),
              env: Mapping[str, str] | None = None, size: tuple[int, int] = (120, 36)) -> TerminalApp:
        """Run `python -m xmpptui --jid J --host H --port P --ca-file F ARGS` with `XMPPTUI_PASSWORD`."""
        argv = [sys.executable, "-m", "xmpptui"]
        for option, value in (("--jid", jid), ("--host", host), ("--port", port), ("--ca-file", ca_file)):
            if value is not None:
                argv += [option, str(value)]
        argv += list(args)
        # COLUMNS / LINES go too: Textual takes them over the pane's size (pytest-xdist's workers have 80x24).
        environment = {key: value for key, value in os.environ.items()
                       if not key.startswith(("XDG_", "TMUX", "PYTEST_"))
                       and key not in ("XMPPTUI_PASSWORD", "COLUMNS", "LINES")}
        environment.update(xdg_environment(home))
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        if password is not None:
            environment["XMPPTUI_PASSWORD"] = password
        environment.update(env or {})
        return cls(argv, environment, home, size)

    def __enter__(self) -> TerminalApp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Paths of the profile ---------------------------------------------------------------------

    @property
    def log_file(self) -> Path:
        return self.home / "state" / "xmpptui" / "log" / "xmpptui.log"

    @property
    def history_file(self) -> Path:
        return self.home / "data" / "xmpptui" / "history.sqlite3"

    def log_text(self) -> str:
        try:
            return self.log_file.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    # Reading the terminal ---------------------------------------------------------------------

    def screen(self) -> str:
        """The pane's visible text, one line per row (trailing blanks trimmed by tmux); "" once the terminal
        is closed."""
        return self._tmux("capture-pane", "-p", "-t", "app", check=False).stdout

    def terminal_modes(self) -> dict[str, bool]:
        """What mode the pane's terminal is in: alternate screen, mouse reporting, cursor, keypad, ..."""
        values = self._format(" ".join(f"#{{{flag}}}" for flag in MODE_FLAGS)).split(" ")
        return {flag: value == "1" for flag, value in zip(MODE_FLAGS, values, strict=True)}

    def terminal_gone(self) -> bool:
        """Whether the terminal was closed (`close_terminal`, or tmux ended)."""
        return self._tmux("has-session", "-t", "app", check=False).returncode != 0

    def exit_status(self) -> int | None:
        """None while the app runs; its exit code once it ended, or minus the signal that ended it."""
        try:
            return int((self._run_dir / "status").read_text())
        except FileNotFoundError:
            return None

    # Driving it -------------------------------------------------------------------------------

    def send_keys(self, *keys: str) -> None:
        """tmux key names, each one key: "Enter", "Escape", "C-q", "F7", "M-r", "Up", "y"."""
        self._tmux("send-keys", "-t", "app", *keys)

    def type(self, text: str) -> None:
        """Type `text` literally (no key names)."""
        self._tmux("send-keys", "-t", "app", "-l", "--", text)

    def alive(self) -> bool:
        """Whether the xmpptui process still exists (a zombie waiting to be reaped counts as ended)."""
        try:
            stat = Path(f"/proc/{self.pid}/stat").read_text()
        except (FileNotFoundError, ProcessLookupError):
            return False
        return stat.rpartition(")")[2].split()[0] != "Z"

    def signal(self, sig: int) -> None:
        """Send `sig` (SIGTERM, SIGHUP, SIGKILL, SIGSTOP, SIGCONT, ...) to the xmpptui process."""
        os.kill(self.pid, sig)

    def close_terminal(self) -> None:
        """Close the terminal under the app, as closing its window does: the kernel sends SIGHUP to the
        terminal's foreground process group and the terminal is gone (screen and modes with it)."""
        self._tmux("kill-server")

    # Waiting ----------------------------------------------------------------------------------

    def wait_for(self, what: ScreenTest, timeout: float = 10.0) -> str:
        """Poll the screen until it contains `what` (or `what(screen)` is true); returns that screen."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if self._matches(what, screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(self._timed_out(what, timeout, screen))
            time.sleep(0.05)

    async def wait_for_async(self, what: ScreenTest, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if self._matches(what, screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(self._timed_out(what, timeout, screen))
            await asyncio.sleep(0.05)

    def wait_exit(self, timeout: float = 10.0) -> int:
        """Wait for the app to end; its exit code, or minus the signal that killed it."""
        deadline = time.monotonic() + timeout
        while (status := self.exit_status()) is None:
            if time.monotonic() > deadline:
                raise AssertionError(self._still_running(timeout))
            time.sleep(0.05)
        return status

    async def wait_exit_async(self, timeout: float = 10.0) -> int:
        deadline = time.monotonic() + timeout
        while (status := self.exit_status()) is None:
            if time.monotonic() > deadline:
                raise AssertionError(self._still_running(timeout))
            await asyncio.sleep(0.05)
        return status

    # Ending -----------------------------------------------------------------------------------

    def close(self) -> None:
        """Kill the app (even a stopped one) and the tmux server; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        for sig in (signals.SIGCONT, signals.SIGKILL):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                if self.pid:
                    os.kill(self.pid, sig)
        deadline = time.monotonic() + 5
        while self.alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self._tmux("kill-server", check=False)
        shutil.rmtree(self._run_dir, ignore_errors=True)

    # Internals --------------------------------------------------------------------------------

    def _tmux(self, *args: str, env: dict[str, str] | None = None, check: bool = True) -> subprocess.CompletedProcess:
        # -f /dev/null: no user or system tmux.conf; -L: a socket of our own, so nothing is shared.
        return subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", *args], capture_output=True,
                              text=True, check=check, timeout=10, env=env)

    def _format(self, spec: str) -> str:
        return self._tmux("display-message", "-p", "-t", "app", spec).stdout.rstrip("\n")

    def _still_running(self, timeout: float) -> str:
        state = "alive" if self.alive() else "ended, status not yet recorded"
        log_tail = "\n".join(self.log_text().splitlines()[-15:])
        return (f"xmpptui (pid {self.pid}, {state}) still running after {timeout} s; screen:\n{self.screen()}\n"
                f"log (last lines):\n{log_tail}")

    @staticmethod
    def _matches(what: ScreenTest, screen: str) -> bool:
        return what in screen if isinstance(what, str) else bool(what(screen))

    def _timed_out(self, what: ScreenTest, timeout: float, screen: str) -> str:
        status = self.exit_status()
        ended = "" if status is None else f" (the app ended with {status})"
        return f"timed out after {timeout} s waiting for {what!r}{ended}; screen:\n{screen}"
