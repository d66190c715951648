"""The `--only wire` apparatus that runs the session in a child process (`benchmarks.process_session`): the real
app, driven by keys, gets every message of a short flood from a plain peer in order through the pipe, on screen
and in its copy of the state, and what it sends goes out through the child."""

from __future__ import annotations

from pathlib import Path

from benchmarks.process_session import ProcessSession
from tests.e2e.helpers import SIZE, bodies, friends, log_lines, logged_in, make_app, until
from tests.support.peer import Peer
from tests.support.prosody import Prosody

FLOOD = 300


async def test_a_flood_arrives_whole_and_in_order_through_the_child_process(
        prosody: Prosody, peers: list[Peer], tmp_path: Path) -> None:
    alice, bob, peer = await friends(prosody, peers)
    app = make_app(prosody, alice)
    children: list[ProcessSession] = []

    def in_a_process(account: object, password: object) -> ProcessSession:
        children.append(ProcessSession(account, password, tmp_path / "child-history.sqlite3"))
        return children[-1]

    app._session_factory = in_a_process
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        assert isinstance(app.session, ProcessSession)
        await pilot.press(*"/chat", "space", *bob.jid, "enter")
        await until(pilot, lambda: app.main_screen.active == bob.jid, what="/chat opens the conversation")

        expected = [f"flood {index:04d}" for index in range(FLOOD)]
        for body in expected:
            peer.client.make_message(mto=alice.jid, mbody=body, mtype="chat").send()
        await until(pilot, lambda: len(bodies(app, bob.jid)) >= FLOOD, timeout=30, what="the flood in the mirror")
        assert bodies(app, bob.jid) == expected
        await until(pilot, lambda: sum("flood " in line for line in log_lines(app, bob.jid)) >= FLOOD, timeout=30,
                    what="the flood on screen")
        shown = [line.rpartition("Bob ")[2].strip() for line in log_lines(app, bob.jid) if "flood " in line]
        assert shown == expected
        assert app.session.frames > 1, "events come in more than one batch"

        await pilot.press(*"got them all", "enter")
        reply = await peer.next_message()
        assert reply["body"] == "got them all"
        await until(pilot, lambda: bodies(app, bob.jid)[-1:] == ["got them all"], what="our message held")
        await app.session.stop()
    assert children[0]._child.returncode == 0, "the child process ended cleanly"
    assert children[0].child_cpu > 0, "the child's CPU time was read before it ended"
    assert children[0].child_peak_rss > 10 * 2**20, "and its peak memory (an interpreter with slixmpp loaded)"
