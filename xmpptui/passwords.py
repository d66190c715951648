"""Where a password comes from: environment, `password_command`, the system keyring, or (by the UI) a prompt."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import threading

from xmpptui.config import Account

log = logging.getLogger(__name__)

ENV_VAR = "XMPPTUI_PASSWORD"
KEYRING_SERVICE = "xmpptui"


class Secret:
    """A password that never shows itself: repr and str are masked, so it cannot leak into a log,
    a traceback with locals (Textual shows those on a crash) or an error message."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


class PasswordError(Exception):
    """A configured password source failed; the message says which and why (never the password)."""


_running: set[subprocess.Popen[str]] = set()
"""password_command processes still running (this process's children: one set for the whole process)."""
_running_lock = threading.Lock()


def from_command(command: str, timeout: float = 60.0) -> Secret:
    """Run `command` (blocking: call it off the event loop) and take the first line it prints.

    It runs in a process group of its own, so that on a timeout or `stop_commands` the whole group is
    killed: a shell's children (`sh -c "pass show ..."` starts gpg, pinentry) would otherwise outlive it."""
    process = subprocess.Popen(command, shell=True, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    with _running_lock:
        _running.add(process)
    try:
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            process.communicate()
            raise PasswordError(f"password_command did not finish within {timeout:g} s "
                                f"(password_command_timeout): {command}") from None
    finally:
        with _running_lock:
            _running.discard(process)
    if process.returncode < 0 and -process.returncode in (signal.SIGKILL, signal.SIGTERM):
        raise PasswordError(f"password_command was stopped: {command}")
    if process.returncode != 0:
        raise PasswordError(f"password_command exited with status {process.returncode}: {command}")
    line = output.split("\n", 1)[0].rstrip("\r")
    if not line:
        raise PasswordError(f"password_command printed no password: {command}")
    return Secret(line)


def commands_running() -> bool:
    with _running_lock:
        return bool(_running)


def stop_commands() -> None:
    """Kill every running password_command with its process group (quitting must not wait for them)."""
    with _running_lock:
        running = list(_running)
    for process in running:
        _kill_group(process)


def _kill_group(process: subprocess.Popen[str]) -> None:
    # Its own group (start_new_session), so the group id is its pid; the group may outlive the shell.
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the whole group is gone already
        os.killpg(process.pid, signal.SIGKILL)


def from_keyring(jid: str) -> Secret | None:
    try:
        import keyring
        import keyring.errors

        value = keyring.get_password(KEYRING_SERVICE, jid)
        return Secret(value) if value else None
    except Exception as exc:  # no backend, locked, D-Bus missing: all mean "not from here"
        log.info("keyring unavailable: %s", type(exc).__name__)
        return None


def keyring_available() -> bool:
    """Whether a system keyring could store a password: not the `fail` or `null` backend, and a chainer
    that has at least one backend to chain (what `keyring` picks when no Secret Service or KWallet runs)."""
    try:
        import keyring
        from keyring.backends import chainer, fail

        backend = keyring.get_keyring()
    except Exception as exc:
        log.info("keyring unavailable: %s", type(exc).__name__)
        return False
    if isinstance(backend, chainer.ChainerBackend):
        return bool(backend.backends)
    return not isinstance(backend, fail.Keyring) and getattr(backend, "priority", 1) > 0


def store_in_keyring(jid: str, password: Secret) -> bool:
    """Remember the password in the system keyring; False if there is no usable keyring."""
    try:
        import keyring

        keyring.set_password(KEYRING_SERVICE, jid, password.reveal())
        return True
    except Exception as exc:
        log.info("keyring store failed: %s", type(exc).__name__)
        return False


def resolve(account: Account) -> Secret | None:
    """The password without asking the user, or None when the UI must prompt for it."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Secret(env)
    if account.password_command:
        return from_command(account.password_command, account.password_command_timeout)
    if account.password:
        return Secret(account.password)
    return from_keyring(account.bare_jid)
