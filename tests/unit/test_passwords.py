"""Password sources, and the Secret wrapper that keeps a password out of reprs and tracebacks."""

from __future__ import annotations

import pytest

from xmpptui import passwords
from xmpptui.config import Account
from xmpptui.passwords import PasswordError, Secret


def test_secret_never_shows_itself() -> None:
    secret = Secret("hunter2")
    assert "hunter2" not in repr(secret) and "hunter2" not in str(secret) and "hunter2" not in f"{secret}"
    assert secret.reveal() == "hunter2"
    assert "hunter2" not in repr(Account(jid="a@example.org", password="hunter2"))


def test_environment_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(passwords.ENV_VAR, "from-env")
    assert passwords.resolve(Account(jid="a@example.org", password_command="echo nope")) == Secret("from-env")


def test_password_command_first_line() -> None:
    assert passwords.resolve(Account(jid="a@example.org", password_command="printf 'pw1\\nrest'")) == Secret("pw1")


@pytest.mark.parametrize("command", ["exit 3", "true"])
def test_failing_or_silent_command_is_an_error_without_the_output(command: str) -> None:
    with pytest.raises(PasswordError, match="password_command"):
        passwords.resolve(Account(jid="a@example.org", password_command=command))
