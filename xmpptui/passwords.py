"""Where a password comes from: environment, `password_command`, the system keyring, or (by the UI) a prompt."""

from __future__ import annotations

import logging
import os
import subprocess

from xmpptui.config import Account

log = logging.getLogger(__name__)

ENV_VAR = "XMPPTUI_PASSWORD"
KEYRING_SERVICE = "xmpptui"


class PasswordError(Exception):
    """A configured password source failed; the message says which and why (never the password)."""


def from_command(command: str) -> str:
    try:
        result = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=60, check=False)
    except subprocess.TimeoutExpired:
        raise PasswordError(f"password_command did not finish within 60 s: {command}") from None
    if result.returncode != 0:
        raise PasswordError(f"password_command exited with status {result.returncode}: {command}")
    line = result.stdout.split("\n", 1)[0].rstrip("\r")
    if not line:
        raise PasswordError(f"password_command printed no password: {command}")
    return line


def from_keyring(jid: str) -> str | None:
    try:
        import keyring
        import keyring.errors

        return keyring.get_password(KEYRING_SERVICE, jid)
    except Exception as exc:  # no backend, locked, D-Bus missing: all mean "not from here"
        log.info("keyring unavailable: %s", type(exc).__name__)
        return None


def store_in_keyring(jid: str, password: str) -> bool:
    """Remember the password in the system keyring; False if there is no usable keyring."""
    try:
        import keyring

        keyring.set_password(KEYRING_SERVICE, jid, password)
        return True
    except Exception as exc:
        log.info("keyring store failed: %s", type(exc).__name__)
        return False


def resolve(account: Account) -> str | None:
    """The password without asking the user, or None when the UI must prompt for it."""
    env = os.environ.get(ENV_VAR)
    if env:
        return env
    if account.password_command:
        return from_command(account.password_command)
    if account.password:
        return account.password
    return from_keyring(account.bare_jid)
