"""The history file against what really goes wrong with it: a disk that fills during a burst, a damaged or
unwritable file, clocks that disagree about order; against the private Prosody, driven as a user would."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import subprocess
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot
from textual.widgets import Label

from tests.e2e.helpers import SIZE, bodies, friends, log_lines, logged_in, make_app, until
from tests.support.peer import Peer
from tests.support.prosody import Prosody
from xmpptui.model.conversation import ChatMessage
from xmpptui.storage.history import History
from xmpptui.ui.shared.dialogs import ConfirmScreen

FULL = "history cannot be written to"


async def until_true(pilot: Pilot, predicate: Callable[[], Awaitable[bool]], timeout: float = 20.0,
                     what: str = "") -> None:
    """`until` for a condition that must be awaited (a query to the history)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        await pilot.pause(0.02)


@contextlib.contextmanager
def small_filesystem(where: Path, size: str) -> Iterator[Path]:
    """A real filesystem that can fill up: a tmpfs mounted on `where` (the suite runs as root, as CI does)."""
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)],
                             capture_output=True, text=True)
    assert mounted.returncode == 0, f"mounting a small tmpfs failed (run as root): {mounted.stderr.strip()}"
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=True)


def fill(disk: Path, leave: int) -> Path:
    """Fill `disk` with a file until it is full, then give back about `leave` bytes."""
    filler = disk / "filler"
    chunk = b"\0" * 4096
    with open(filler, "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(chunk)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
        handle.truncate(max(0, handle.tell() - leave))
    return filler


def notices(hooked: list[Message], words: str) -> list[str]:
    return [str(m.notification.message) for m in hooked if isinstance(m, Notify) and words in
            str(m.notification.message)]


async def test_a_disk_that_fills_during_a_burst_loses_no_message_once_space_is_freed(
        prosody: Prosody, peers: list[Peer], tmp_path: Path) -> None:
    alice, bob, peer = await friends(prosody, peers)
    burst = [f"burst {n:03d}" + " lorem ipsum dolor sit amet" * 8 for n in range(300)]
    with small_filesystem(tmp_path / "disk", "1m") as disk:
        history = History(disk / "history.sqlite3")
        hooked: list[Message] = []
        app = make_app(prosody, alice, history=history)
        try:
            async with app.run_test(size=SIZE, message_hook=hooked.append) as pilot:
                await logged_in(pilot)
                peer.client.make_message(mto=alice.jid, mbody="before", mtype="chat").send()
                await until_true(pilot, lambda: _counted(history, alice.jid, bob.jid, 1), what="'before' stored")
                filler = fill(disk, leave=48 * 1024)  # the burst fills the rest part of the way through
                for body in burst:
                    peer.client.make_message(mto=alice.jid, mbody=body, mtype="chat").send()
                await until_true(pilot, lambda: _shown(app, bob.jid, 301), what="the burst on screen")
                assert bodies(app, bob.jid) == ["before", *burst], "shown, though not kept"
                await until_true(pilot, lambda: _noticed(hooked), what="the notice that history cannot be written")
                stored = await history.count(alice.jid, bob.jid)
                assert 1 < stored < 301, f"the disk was to fill part of the way through the burst ({stored})"
                await pilot.press("ctrl+q")  # (the last try to write, on logout, fails too)
        finally:
            await asyncio.to_thread(history.shutdown)
        (notice,) = notices(hooked, FULL)  # once, not per batch
        assert f"{disk / 'history.sqlite3'}: database or disk is full" in notice and "not kept" in notice
        log = (Path(os.environ["XDG_STATE_HOME"]) / "xmpptui" / "log" / "xmpptui.log")
        assert not log.exists() or "Traceback" not in log.read_text()

        filler.unlink()  # space freed; the app started again catches up from what it really stored
        history = History(disk / "history.sqlite3")
        again = make_app(prosody, alice, history=history)
        try:
            async with again.run_test(size=SIZE) as pilot:
                await logged_in(pilot)
                await until_true(pilot, lambda: _counted(history, alice.jid, bob.jid, 301), timeout=30,
                                 what="every message stored")
                page, _ = await history.page(alice.jid, bob.jid, 400)
                assert [m.body for m in page] == ["before", *burst], "none missing, none twice, the server's order"
                await pilot.press("ctrl+q")
        finally:
            await asyncio.to_thread(history.shutdown)


async def _counted(history: History, account: str, conversation: str, n: int) -> bool:
    return await history.count(account, conversation) >= n


async def _shown(app: object, jid: str, n: int) -> bool:
    return len(bodies(app, jid)) >= n  # type: ignore[arg-type]


async def _noticed(hooked: list[Message]) -> bool:
    return bool(notices(hooked, FULL))


async def test_order_after_a_restart_is_the_servers_even_when_the_clocks_disagree(
        prosody: Prosody, peers: list[Peer], tmp_path: Path) -> None:
    alice, bob, peer = await friends(prosody, peers)

    def ahead() -> float:
        # Our clock an hour ahead (fractional seconds): the archive's whole-second stamps of what came later
        # are all earlier than those of what we received live.
        return time.time() + 3600.25

    history = History(tmp_path / "history.sqlite3")
    live, away, after = [f"live {n}" for n in range(5)], [f"away {n}" for n in range(5)], ["after the restart"]
    try:
        app = make_app(prosody, alice, history=history, clock=ahead)
        async with app.run_test(size=SIZE) as pilot:
            await logged_in(pilot)
            for body in live:
                peer.client.make_message(mto=alice.jid, mbody=body, mtype="chat").send()
            await until_true(pilot, lambda: _counted(history, alice.jid, bob.jid, len(live)), what="live stored")
            await pilot.press("ctrl+q")
        for body in away:
            peer.client.make_message(mto=alice.jid, mbody=body, mtype="chat").send()
        await peer.client.get_roster()  # (a round trip: everything before it is archived)

        again = make_app(prosody, alice, history=history, clock=ahead)
        async with again.run_test(size=SIZE) as pilot:
            await logged_in(pilot)
            await until_true(pilot, lambda: _counted(history, alice.jid, bob.jid, len(live) + len(away)),
                             what="the catch-up stored")
            await pilot.press(*"/chat", "space", *bob.jid, "enter")
            await until(pilot, lambda: again.main_screen.active == bob.jid, what="the conversation open")
            peer.client.make_message(mto=alice.jid, mbody=after[0], mtype="chat").send()
            await until(pilot, lambda: bodies(again, bob.jid)[-1:] == after, what="a live line after the catch-up")
            expected = [*live, *away, *after]
            assert bodies(again, bob.jid) == expected
            await until(pilot, lambda: any(after[0] in line for line in log_lines(again, bob.jid)), what="shown")
            shown = [body for line in log_lines(again, bob.jid) for body in expected if line.endswith(body)]
            assert shown == expected, "the log in the server's order"
            conversation = again.session.state.conversations.get(bob.jid)
            stamps = {m.body: m.timestamp for m in conversation.messages}
            assert stamps["away 0"] < stamps["live 4"], "the stamps do disagree with the order"
            await pilot.press("ctrl+q")
        page, _ = await history.page(alice.jid, bob.jid, 50)
        assert [m.body for m in page] == expected, "the history pages in the same order"
    finally:
        await asyncio.to_thread(history.shutdown)


async def _damaged_history(path: Path, how: str) -> bytes:
    """A history file with 200 real rows, then cut in the middle of a page; or a file of garbage."""
    if how == "garbage":
        path.write_bytes(os.urandom(64 * 1024))
    else:
        made = History(path)
        await made.add("alice@localhost", [ChatMessage("bob@localhost", "Bob", f"old {n} " + "z" * 400,
                                                       1_700_000_000.0 + n, id=f"old{n}") for n in range(200)])
        await asyncio.to_thread(made.shutdown)
        with open(path, "r+b") as handle:
            handle.truncate(path.stat().st_size // 2 + 100)
    return path.read_bytes()


@pytest.mark.parametrize(("how", "key"), [("truncated", "y"), ("garbage", "enter")])
async def test_a_damaged_history_file_is_kept_aside_when_the_user_agrees_and_login_does_not_wait(
        prosody: Prosody, peers: list[Peer], tmp_path: Path, how: str, key: str) -> None:
    alice, bob, peer = await friends(prosody, peers)
    path = tmp_path / "history.sqlite3"
    damaged = await _damaged_history(path, how)
    history = History(path)
    hooked: list[Message] = []
    app = make_app(prosody, alice, history=history)
    try:
        async with app.run_test(size=SIZE, message_hook=hooked.append) as pilot:
            def question() -> str:
                shown = app.screen.query(Label) if isinstance(app.screen, ConfirmScreen) else []
                return " ".join(str(label.render()) for label in shown)

            # (The dialog is pushed first and laid out on a later frame: wait until its words are there.)
            await until(pilot, lambda: "Keep it aside" in question(), what="the question")
            assert f"the history file {path} is damaged:" in question()
            await logged_in(pilot)  # while the question waits
            peer.client.make_message(mto=alice.jid, mbody="while asked", mtype="chat").send()
            await until(pilot, lambda: bodies(app, bob.jid) == ["while asked"], what="a message while asked")
            await pilot.press(key)
            await until_true(pilot, lambda: _noticed_words(hooked, "the damaged history file was kept as"),
                             what="the answer taken")
            (aside,) = tmp_path.glob("history.sqlite3.damaged-*[0-9]")
            assert aside.read_bytes() == damaged, "kept aside byte for byte"
            assert str(aside) in notices(hooked, "kept as")[0]
            await until_true(pilot, lambda: _counted(history, alice.jid, bob.jid, 1),
                             what="what came while asked, in the fresh file")
            peer.client.make_message(mto=alice.jid, mbody="after", mtype="chat").send()
            await until_true(pilot, lambda: _counted(history, alice.jid, bob.jid, 2), what="the fresh file in use")
            await pilot.press("ctrl+q")
        page, _ = await history.page(alice.jid, bob.jid, 10)
        assert [m.body for m in page] == ["while asked", "after"]
    finally:
        await asyncio.to_thread(history.shutdown)


@pytest.mark.parametrize(("how", "key"), [("garbage", "escape"), ("truncated", "n")])
async def test_refusing_goes_on_without_history_and_leaves_the_damaged_file_untouched(
        prosody: Prosody, peers: list[Peer], tmp_path: Path, how: str, key: str) -> None:
    alice, bob, peer = await friends(prosody, peers)
    path = tmp_path / "history.sqlite3"
    damaged = await _damaged_history(path, how)
    history = History(path)
    hooked: list[Message] = []
    app = make_app(prosody, alice, history=history)
    try:
        async with app.run_test(size=SIZE, message_hook=hooked.append) as pilot:
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
            await pilot.press(key)
            await until_true(pilot, lambda: _noticed_words(hooked, f"running without history: {path} is left"),
                             what="the refusal taken")
            await logged_in(pilot)
            peer.client.make_message(mto=alice.jid, mbody="not kept", mtype="chat").send()
            await until(pilot, lambda: bodies(app, bob.jid) == ["not kept"], what="messages still shown")
            await pilot.press("ctrl+q")
    finally:
        await asyncio.to_thread(history.shutdown)
    assert path.read_bytes() == damaged, "untouched"
    assert not list(tmp_path.glob("*damaged*"))


async def _noticed_words(hooked: list[Message], words: str) -> bool:
    return bool(notices(hooked, words))
