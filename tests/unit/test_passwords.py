"""Password sources, and the Secret wrapper that keeps a password out of reprs and tracebacks."""

from __future__ import annotations

import os
import subprocess
import threading
import time
import uuid

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


def _processes_with(marker: str) -> list[str]:
    found = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True, check=False).stdout.split()
    return [pid for pid in found if int(pid) != os.getpid()]


def test_a_hanging_command_is_killed_with_its_children_at_the_timeout() -> None:
    marker = f"600.{uuid.uuid4().int % 10**9}"
    # The shell waits on a child of its own: killing only the shell would leave the child running.
    command = f"sleep {marker} & wait"
    started = time.monotonic()
    with pytest.raises(PasswordError, match=r"did not finish within 0.5 s \(password_command_timeout\)"):
        passwords.resolve(Account(jid="a@example.org", password_command=command, password_command_timeout=0.5))
    assert time.monotonic() - started < 5
    assert _processes_with(f"sleep {marker}") == []


def test_stopping_commands_ends_one_that_runs_in_another_thread_at_once() -> None:
    marker = f"600.{uuid.uuid4().int % 10**9}"
    outcome: list[BaseException] = []

    def resolve() -> None:
        try:
            passwords.from_command(f"sleep {marker} & wait", timeout=300)
        except PasswordError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=resolve)
    thread.start()
    deadline = time.monotonic() + 10
    while not _processes_with(f"sleep {marker}") or not passwords.commands_running():
        assert time.monotonic() < deadline, "the command never started"
        time.sleep(0.01)
    passwords.stop_commands()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert "password_command was stopped" in str(outcome[0])
    assert _processes_with(f"sleep {marker}") == []
    assert not passwords.commands_running()
