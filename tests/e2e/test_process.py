"""The real app as a process of its own in a real terminal (tmux): signals, a closed terminal, and what
the terminal is left in when it ends."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.support.prosody import Prosody
from tests.support.terminal_app import TerminalApp


def _start(prosody: Prosody, home: Path, **kwargs: object) -> TerminalApp:
    account = prosody.register()
    return TerminalApp.start(jid=account.jid, password=account.password, host=prosody.host, port=prosody.c2s_port,
                             ca_file=prosody.ca_file, home=home, **kwargs)  # type: ignore[arg-type]


def test_the_harness_sees_the_terminal_a_killed_app_leaves_behind(prosody: Prosody, tmp_path: Path) -> None:
    with _start(prosody, tmp_path / "home") as term:
        assert "● online" in term.wait_for("● online", timeout=20)
        running = term.terminal_modes()
        assert running["alternate_on"] and running["mouse_any_flag"], running
        assert term.exit_status() is None
        term.signal(signal.SIGKILL)
        assert term.wait_exit() == -signal.SIGKILL
        # Nobody restored it: this is what a user's terminal looks like after kill -9.
        assert term.terminal_modes()["alternate_on"]


def test_the_harness_ends_a_stopped_app_however_the_test_ends(prosody: Prosody, tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="the test failed"), _start(prosody, tmp_path / "home") as term:
        term.wait_for("● online", timeout=20)
        term.signal(signal.SIGSTOP)
        raise RuntimeError("the test failed")
    assert not term.alive()
