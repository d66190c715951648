"""The real app as a process of its own in a real terminal (tmux): signals, a closed terminal, and what
the terminal is left in when it ends."""

from __future__ import annotations

import contextlib
import re
import signal
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.fault_proxy import FaultProxy
from tests.support.peer import Peer
from tests.support.prosody import Prosody
from tests.support.terminal_app import TerminalApp
from xmpptui.model.roster import Contact, Subscription
from xmpptui.storage.contact_store import ContactStore

PENDING = "sent as the window closed"
RESTORED = ("alternate_on", "mouse_any_flag", "mouse_all_flag", "mouse_button_flag", "mouse_standard_flag",
            "mouse_sgr_flag")
"""Terminal modes the app turns on and must turn off again when it ends."""


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



@dataclass
class Ending:
    """How the app ended after being told to in `_pending_message_then`."""

    status: int
    seconds: float
    modes: dict[str, bool] | None
    """The terminal's modes after the app ended (None: the terminal itself is gone)."""
    logged_out: bool
    """Bob saw Alice's unavailable presence at once."""
    stored: list[tuple[str, str]]
    """Our messages in the history file: (body, state)."""
    log: str


async def _pending_message_then(prosody: Prosody, peers: list[Peer], tmp_path: Path,
                                end: Callable[[TerminalApp], None]) -> Ending:
    """Alice logged in through a proxy, a message to Bob that reached him but whose acknowledgement never
    came back (still pending), then `end(term)`."""
    alice, bob = prosody.register(), prosody.register()
    prosody.befriend(alice, bob, "Alice", "Bob")
    bob_peer = await Peer(prosody, bob).connect()
    peers.append(bob_peer)
    async with FaultProxy(prosody.host, prosody.c2s_port) as proxy:
        with TerminalApp.start(jid=alice.jid, password=alice.password, host=prosody.host, port=proxy.port,
                               ca_file=prosody.ca_file, home=tmp_path / "home") as term:
            await term.wait_for_async("● online", timeout=20)
            await bob_peer.presence_from(alice.jid, available=True)
            term.type(f"/chat {bob.jid}")
            term.send_keys("Enter")
            await term.wait_for_async("1:Bob")
            proxy.stall_replies()
            term.type(PENDING)
            term.send_keys("Enter")
            assert (await bob_peer.next_message())["body"] == PENDING
            await term.wait_for_async(lambda screen: PENDING in screen and "◷" in screen)
            started = time.monotonic()
            end(term)
            status = await term.wait_exit_async(timeout=15)
            seconds = time.monotonic() - started
            modes = None if term.terminal_gone() else term.terminal_modes()
            try:
                # Within less than Prosody's smacks_hibernation_time (10 s), after which it would say so itself.
                await bob_peer.presence_from(alice.jid, available=False, timeout=5)
                logged_out = True
            except TimeoutError:
                logged_out = False
            with contextlib.closing(sqlite3.connect(term.history_file)) as db:
                stored = db.execute("SELECT body, state FROM messages WHERE direction = 'out'").fetchall()
            return Ending(status, seconds, modes, logged_out, stored, term.log_text())


async def test_sigterm_logs_out_keeps_the_pending_message_and_restores_the_terminal(
        prosody: Prosody, peers: list[Peer], tmp_path: Path) -> None:
    ending = await _pending_message_then(prosody, peers, tmp_path, lambda term: term.signal(signal.SIGTERM))
    assert ending.status == 0, ending.log
    assert ending.seconds < 5, f"took {ending.seconds:.1f} s to quit"
    assert ending.logged_out, "Bob saw Alice go offline"
    assert ending.modes is not None and not any(ending.modes[flag] for flag in RESTORED), ending.modes
    assert ending.stored == [(PENDING, "pending")], "kept for the next start to send"
    assert "SIGTERM: logging out and quitting" in ending.log
    assert "Traceback" not in ending.log


async def test_a_closed_terminal_logs_out_and_keeps_the_pending_message(
        prosody: Prosody, peers: list[Peer], tmp_path: Path) -> None:
    ending = await _pending_message_then(prosody, peers, tmp_path, lambda term: term.close_terminal())
    assert ending.status == 0, ending.log
    assert ending.seconds < 5, f"took {ending.seconds:.1f} s to quit"
    assert ending.logged_out, "Bob saw Alice go offline"
    assert ending.stored == [(PENDING, "pending")], "kept for the next start to send"
    assert "SIGHUP: logging out and quitting (the terminal is gone)" in ending.log
    assert "Traceback" not in ending.log


def test_ctrl_q_quits_at_once_while_password_command_hangs_and_leaves_no_child(tmp_path: Path) -> None:
    marker = f"600.{uuid.uuid4().int % 10**9}"
    home = tmp_path / "home"
    config = home / "config" / "xmpptui" / "config.toml"
    config.parent.mkdir(parents=True)
    # No server is needed: the app never gets past the password.
    config.write_text(f'[account]\njid = "alice@localhost"\nhost = "127.0.0.1"\nport = 9\n'
                      f'password_command = "sleep {marker} & wait"\npassword_command_timeout = 300\n')
    with TerminalApp.start(jid=None, home=home) as term:
        term.wait_for("waiting for password_command (at most 300 s) … Ctrl+Q to give up")
        assert _processes_with(f"sleep {marker}"), "the command runs"
        started = time.monotonic()
        term.send_keys("C-q")
        assert term.wait_exit(timeout=10) == 0
        assert time.monotonic() - started < 3, "quit at once"
        assert not any(term.terminal_modes()[flag] for flag in RESTORED)
    assert _processes_with(f"sleep {marker}") == [], "the command's whole process group was killed"


def _processes_with(marker: str) -> list[str]:
    return subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True, check=False).stdout.split()


FLOOD = 3_000


@dataclass(frozen=True)
class _ComposerHolds:
    """The composer's line (under the log's border, after its `▎`) holds exactly `text`."""

    text: str

    def __call__(self, screen: str) -> bool:
        return bool(re.search(rf"▎ {re.escape(self.text)} *$", screen, re.MULTILINE))

    def __repr__(self) -> str:  # (named in a wait's timeout)
        return f"the composer holding exactly {self.text!r}"


async def test_keys_typed_during_a_message_flood_all_reach_the_composer(
        prosody: Prosody, peers: list[Peer], tmp_path: Path) -> None:
    """Issue #20: typed while a flood was drawn, a Backspace and the letter after it, read together, were
    applied in the wrong order (the Backspace deleted the new letter): keys seemed lost. Here each Backspace
    and the next letter go in one `send-keys`, as a busy app reads keys typed quickly."""
    alice, bob = prosody.register(), prosody.register()
    prosody.befriend(alice, bob, "Alice", "Bob")
    bob_peer = await Peer(prosody, bob).connect()
    peers.append(bob_peer)
    with TerminalApp.start(jid=alice.jid, password=alice.password, host=prosody.host, port=prosody.c2s_port,
                           ca_file=prosody.ca_file, home=tmp_path / "home") as term:
        await term.wait_for_async("● online", timeout=20)
        term.type(f"/chat {bob.jid}")
        term.send_keys("Enter")
        await term.wait_for_async("1:Bob")
        term.type("XQJa")
        await term.wait_for_async(_ComposerHolds("XQJa"))
        for index in range(FLOOD):
            bob_peer.client.make_message(mto=alice.jid, mbody=f"flood {index:05d}", mtype="chat").send()
        await term.wait_for_async("Bob flood ", timeout=20)  # being drawn
        for letter in "bcdefghijklmnopqrstuvwxyz":
            term.send_keys("BSpace", letter)
            await term.wait_for_async(_ComposerHolds(f"XQJ{letter}"), timeout=10)
        term.send_keys("C-u", "x", "y", "Left", "Z", "C-e", "!")
        await term.wait_for_async(_ComposerHolds("xZy!"), timeout=10)
        await term.wait_for_async(f"flood {FLOOD - 1:05d}", timeout=60)
        assert _ComposerHolds("xZy!")(term.screen()), "nothing typed was lost or reordered after the flood"


def test_the_cached_roster_is_in_the_first_frame_before_any_login(tmp_path: Path) -> None:
    """With the roster cache of a previous run, the frame that first shows the roster pane already lists the
    contacts: here no login ever starts (the password command hangs), so only the cache can show them."""
    marker = f"600.{uuid.uuid4().int % 10**9}"
    home = tmp_path / "home"
    config = home / "config" / "xmpptui" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'[account]\njid = "alice@localhost"\nhost = "127.0.0.1"\nport = 9\n'
                      f'password_command = "sleep {marker} & wait"\npassword_command_timeout = 300\n')
    ContactStore(home / "data" / "xmpptui" / "contacts", "alice@localhost").save_roster("7", [
        Contact("bob@localhost", "Bob Cached", ("Friends",), Subscription.BOTH),
        Contact("carol@localhost", "Carol Cached", (), Subscription.BOTH)])
    with TerminalApp.start(jid=None, home=home) as term:
        first = term.wait_for("Contacts")
        assert "Bob Cached" in first and "Carol Cached" in first, f"the first roster on screen:\n{first}"
        assert "not connected" not in first
        screen = term.wait_for("waiting for password_command")
        assert "Bob Cached" in screen, "shown while no session exists"
        term.send_keys("C-q")
        assert term.wait_exit(timeout=10) == 0
