"""`xmpptui --demo`: a private Prosody with seeded contacts and a talking bot, then xmpptui logged in to it.

Everything lives in one temp dir: Prosody's config, data and CA, and xmpptui's config, data and logs (XDG
variables point there), so the user's own files are never touched. When xmpptui exits (Ctrl+Q), or on Ctrl+C,
SIGTERM or SIGHUP, the contacts log out, Prosody stops and the temp dir is removed.

xmpptui runs as a child process of this very interpreter (`sys.executable -m xmpptui`), so the slixmpp and
Textual it uses are those of the environment the demo was installed in (a pipx venv), not the system's.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import threading
from typing import TYPE_CHECKING

from xmpptui.demo.prosody import INSTALL_HINT, missing_programs

if TYPE_CHECKING:
    from xmpptui.demo.world import DemoWorld

MISSING_EXIT = 2
"""The exit status when Prosody or OpenSSL is not installed (as for a bad command line: nothing was started)."""


def _say(line: str) -> None:
    """Print to stderr, even when the terminal is gone (SIGHUP): cleanup must not fail on it."""
    with contextlib.suppress(OSError, ValueError):
        print(f"xmpptui demo: {line}", file=sys.stderr, flush=True)


def missing_message(missing: list[str]) -> str:
    return (f"the demo runs a private Prosody server, and {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not installed.\n"
            f"Install them with:\n    {INSTALL_HINT}\n(Debian and Ubuntu; other systems: the packages "
            "prosody and openssl), then run xmpptui --demo again.")


def _raise_exit(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def _stop_app(app: subprocess.Popen[bytes]) -> bool:
    """Stop xmpptui if it still runs; True if it had to be stopped."""
    if app.poll() is not None:
        return False
    app.terminate()
    try:
        app.wait(5)
    except subprocess.TimeoutExpired:
        app.kill()
        app.wait()
    return True


def _save_terminal() -> object:
    with contextlib.suppress(Exception):
        import termios

        return termios.tcgetattr(sys.stdin.fileno())
    return None


def _restore_terminal(saved: object) -> None:
    """Undo what a killed xmpptui left behind: raw mode, the alternate screen, mouse reporting."""
    if saved is None:
        return
    with contextlib.suppress(Exception):
        import termios

        termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, saved)  # type: ignore[arg-type]
        sys.stdout.write("\x1b[?1000l\x1b[?1003l\x1b[?1006l\x1b[?1015l\x1b[?2004l\x1b[?25h\x1b[?1049l")
        sys.stdout.flush()


def _serve_only(world: DemoWorld) -> None:
    assert world.demo is not None
    command = ["xmpptui", *world.app_command()[4:]]  # (the console script, not `python -P -m xmpptui`)
    print(f"xmpptui demo: ready. Log in as {world.demo.jid} with password {world.demo.password}:\n"
          f"  XMPPTUI_PASSWORD={world.demo.password} {' '.join(command)}\n"
          "xmpptui demo: Ctrl+C stops the server.", flush=True)
    threading.Event().wait()


def run(debug: bool = False, server_only: bool = False, keep: bool = False) -> int:
    """Run the demo to its end; the exit status (xmpptui's, or 2 when Prosody or OpenSSL is missing)."""
    if missing := missing_programs():
        _say(missing_message(missing))
        return MISSING_EXIT
    from xmpptui.demo.world import DemoWorld  # (slixmpp is imported only once it is needed)

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _raise_exit)
    world: DemoWorld | None = None
    app: subprocess.Popen[bytes] | None = None
    status = 0
    terminal: object = None
    try:
        world = DemoWorld.start(log=_say)
        if server_only:
            _serve_only(world)
        _say("starting xmpptui (Ctrl+Q quits)")
        terminal = _save_terminal()
        app = subprocess.Popen(world.app_command(*(["--debug"] if debug else [])), env=world.env())
        status = app.wait()
        if status != 0:
            _say(f"xmpptui exited with status {status}" + ("" if keep else " (scripts/demo --keep keeps its log)"))
    except KeyboardInterrupt:
        _say("interrupted")
        status = 130
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else 1
    except Exception as exc:  # say what failed, then clean up
        _say(f"{type(exc).__name__}: {exc}")
        status = 1
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)  # a second Ctrl+C must not cut the cleanup short
        if app is not None and _stop_app(app):
            _restore_terminal(terminal)
        if world is not None:
            _say("stopping the contacts and Prosody")
            world.stop(keep_files=keep)
            if keep:
                _say(f"files kept in {world.root}")
    return status
