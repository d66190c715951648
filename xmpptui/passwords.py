"""Where a password comes from: environment, `password_command`, the system keyring, or (by the UI) a prompt."""

from __future__ import annotations

import logging
import os
import subprocess

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


def from_command(command: str) -> Secret:
    try:
        result = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=60, check=False)
    except subprocess.TimeoutExpired:
        raise PasswordError(f"password_command did not finish within 60 s: {command}") from None
    if result.returncode != 0:
        raise PasswordError(f"password_command exited with status {result.returncode}: {command}")
    line = result.stdout.split("\n", 1)[0].rstrip("\r")
    if not line:
        raise PasswordError(f"password_command printed no password: {command}")
    return Secret(line)


def from_keyring(jid: str) -> Secret | None:
    try:
        import keyring
        import keyring.errors

        value = keyring.get_password(KEYRING_SERVICE, jid)
        return Secret(value) if value else None
    except Exception as exc:  # no backend, locked, D-Bus missing: all mean "not from here"
        log.info("keyring unavailable: %s", type(exc).__name__)
        return None


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
        return from_command(account.password_command)
    if account.password:
        return Secret(account.password)
    return from_keyring(account.bare_jid)
