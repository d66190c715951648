"""Local history: messages of one run are there in the next, and older pages come in on scrolling up."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.e2e.helpers import SIZE, bodies, log_lines, logged_in, make_app, until
from tests.support.peer import Peer
from tests.support.prosody import Prosody
from xmpptui.storage.history import History
from xmpptui.xmpp.conversations import HISTORY_PAGE


async def test_history_survives_a_restart_and_pages_in_when_scrolling_up(
        prosody: Prosody, peers: list[Peer], tmp_path: Path) -> None:
    alice, bob = prosody.register(), prosody.register()
    prosody.befriend(alice, bob, "Alice", "Bob")
    peer = await Peer(prosody, bob).connect()
    peers.append(peer)
    total = HISTORY_PAGE + 30
    history = History(tmp_path / "history.sqlite3")
    try:
        app = make_app(prosody, alice, history=history)
        async with app.run_test(size=SIZE) as pilot:
            await logged_in(pilot)
            for n in range(total):
                peer.client.make_message(mto=alice.jid, mbody=f"line {n}", mtype="chat").send()
            await until(pilot, lambda: len(bodies(app, bob.jid)) == total, what="the first run's messages")
            await pilot.press("alt+a", *"my reply", "enter")
            await peer.next_message()
            reply = app.session.state.conversations.get(bob.jid).messages[-1]
            await until(pilot, lambda: reply.state.value == "sent", what="the server's ack")
            await pilot.press("ctrl+q")
        assert await history.count(alice.jid, bob.jid) == total + 1

        again = make_app(prosody, alice, history=history)
        async with again.run_test(size=SIZE) as pilot:
            await logged_in(pilot)
            await pilot.press(*f"/chat {bob.jid}", "enter")
            await until(pilot, lambda: len(bodies(again, bob.jid)) == HISTORY_PAGE, what="the latest page")
            assert bodies(again, bob.jid)[-1] == "my reply"
            await until(pilot, lambda: log_lines(again, bob.jid), what="log laid out")
            assert log_lines(again, bob.jid)[-1].endswith("me✓ my reply")
            log = again.main_screen.chat_log(bob.jid)
            await until(pilot, lambda: log.max_scroll_y > 0 and log.scroll_offset.y == log.max_scroll_y)
            log.scroll_home(animate=False, immediate=True)
            await until(pilot, lambda: len(bodies(again, bob.jid)) == total + 1, what="the older page")
            assert bodies(again, bob.jid)[:2] == ["line 0", "line 1"]
            assert log.scroll_offset.y > 0, "the view stays where it was, the older lines above it"
    finally:
        await asyncio.to_thread(history.shutdown)
