"""Where a notification goes: the desktop (desktop-notifier, if installed and there is a desktop session) or the
terminal, as an escape sequence that also crosses SSH (OSC 777, OSC 9, OSC 99), wrapped for tmux; and the
terminal's title. Every text written to the terminal has its controls removed first: remote text must never
end the sequence and start another."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

log = logging.getLogger(__name__)

_TERMINAL_METHODS = ("osc777", "osc9", "osc99")
# C0, DEL and C1: any of them could end an OSC sequence (BEL, ESC \, ST) or start a new one.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")
_MAX_TITLE = 80
_MAX_BODY = 200


def inert(text: str, limit: int) -> str:
    """One line of at most `limit` characters with no control or bidi character left."""
    flat = _CONTROLS.sub(" ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def terminal_method(env: Mapping[str, str]) -> str:
    """The escape sequence the terminal (as its environment names it) shows as a notification."""
    term, program = env.get("TERM", ""), env.get("TERM_PROGRAM", "")
    if "kitty" in term or env.get("KITTY_WINDOW_ID"):
        return "osc99"
    if program in ("iTerm.app", "ghostty") or env.get("WT_SESSION") or env.get("ConEmuPID"):
        return "osc9"
    return "osc777"  # rxvt-unicode, VTE terminals (GNOME Terminal, Tilix), foot, WezTerm, Ghostty, Konsole


def choose_method(configured: str, env: Mapping[str, str], desktop_available: bool) -> str:
    """`configured` (`[notify] method`) made concrete: "auto" prefers the desktop unless we run over SSH (the
    desktop there is the server's, not the user's)."""
    if configured == "desktop" and not desktop_available:
        log.warning("notify.method = desktop, but no desktop notifications here: using the terminal")
        return terminal_method(env)
    if configured != "auto":
        return configured
    over_ssh = bool(env.get("SSH_CONNECTION") or env.get("SSH_TTY"))
    return "desktop" if desktop_available and not over_ssh else terminal_method(env)


def escape_sequence(method: str, title: str, body: str, env: Mapping[str, str], ident: int = 1) -> str:
    """The bytes that make the terminal show `title` and `body`; inside tmux wrapped in its passthrough (which
    needs `set -g allow-passthrough on`)."""
    title, body = inert(title, _MAX_TITLE).replace(";", ","), inert(body, _MAX_BODY)
    if method == "osc777":
        sequence = f"\x1b]777;notify;{title};{body}\x07"
    elif method == "osc9":
        sequence = f"\x1b]9;{title}: {body}\x07"  # (a title starting with digits and ';' would be a progress bar)
        sequence = sequence if not title[:1].isdigit() else f"\x1b]9; {title}: {body}\x07"
    elif method == "osc99":
        sequence = f"\x1b]99;i={ident}:d=0;{title}\x1b\\\x1b]99;i={ident}:d=1:p=body;{body}\x1b\\"
    else:
        raise ValueError(f"no escape sequence for {method!r}")
    if env.get("TMUX"):
        return f"\x1bPtmux;{sequence.replace(chr(27), chr(27) * 2)}\x1b\\"
    return sequence


TITLE_PUSH = "\x1b[22;0t"
"""Save the terminal's title (xterm's title stack, also VTE, kitty, WezTerm, foot); ignored where unknown."""
TITLE_POP = "\x1b[23;0t"
"""Give the saved title back."""


def title_sequence(title: str) -> str:
    """Set the terminal window's (or tmux pane's) title: OSC 2, which tmux takes itself (no passthrough)."""
    return f"\x1b]2;{inert(title, _MAX_TITLE)}\x07"


class Notifier(Protocol):
    def __call__(self, title: str, body: str) -> None: ...


def desktop_notifier_available(env: Mapping[str, str]) -> bool:
    """desktop-notifier is installed (the optional `desktop` extra) and has a desktop to talk to."""
    if sys.platform.startswith("linux") and not env.get("DBUS_SESSION_BUS_ADDRESS"):
        return False  # (it would fail on every message, logging a traceback each time)
    try:
        import desktop_notifier  # noqa: F401
    except ImportError:
        return False
    return True


class DesktopNotifications:
    """desktop-notifier, made on first use; once it raises, the terminal (`fallback`) takes over. (Its D-Bus
    backend logs a send that fails and returns: that is why a Linux without a session bus never gets here.)"""

    def __init__(self, run: Callable[[Awaitable[object]], Any], fallback: Notifier) -> None:
        self._run = run
        self._fallback = fallback
        self._notifier: Any = None
        self._failed = False

    def __call__(self, title: str, body: str) -> None:
        if self._failed:
            self._fallback(title, body)
            return
        self._run(self._send(inert(title, _MAX_TITLE), inert(body, _MAX_BODY)))

    async def _send(self, title: str, body: str) -> None:
        try:
            if self._notifier is None:
                from desktop_notifier import DesktopNotifier

                self._notifier = DesktopNotifier(app_name="xmpptui")
            await self._notifier.send(title=title, message=body)
        except Exception as exc:  # no desktop after all: the terminal still can
            log.warning("desktop notification failed (%s): using the terminal", type(exc).__name__)
            self._failed = True
            self._fallback(title, body)


def terminal_notifier(method: str, write: Callable[[str], None], env: Mapping[str, str]) -> Notifier:
    counter = iter(range(1, sys.maxsize))

    def notify(title: str, body: str) -> None:
        write(escape_sequence(method, title, body, env, next(counter)))

    return notify


def make_notifier(configured: str, write: Callable[[str], None], run: Callable[[Awaitable[object]], Any],
                  env: Mapping[str, str]) -> Notifier | None:
    """The notifier `[notify] method` asks for, here; None when notifications are off."""
    method = choose_method(configured, env, configured in ("auto", "desktop") and desktop_notifier_available(env))
    if method == "off":
        return None
    terminal = terminal_notifier(method if method in _TERMINAL_METHODS else terminal_method(env), write, env)
    return DesktopNotifications(run, terminal) if method == "desktop" else terminal
