"""Under injected faults nothing is lost and nothing is doubled: a cut during a burst each way, and a
message typed while the server is unreachable that outlives the app."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from tests.e2e.helpers import SIZE, bodies, friends, logged_in, make_app, until
from tests.support.fault_proxy import FaultProxy
from tests.support.peer import Peer
from tests.support.server import XmppServer
from xmpptui.model.conversation import DeliveryState, Direction
from xmpptui.model.state import ConnectionState
from xmpptui.storage.history import History
from xmpptui.ui.main.status_bar import StatusBar

BURST = 500


def _via(app, proxy: FaultProxy):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    app._account = replace(app._account, port=proxy.port)
    return app


async def _received_bodies(peer: Peer, sender: str, count: int, timeout: float = 60) -> list[str]:
    got: list[str] = []
    deadline = time.monotonic() + timeout
    while len(got) < count:
        try:
            message = await peer.next_message(timeout=max(0.1, deadline - time.monotonic()))
        except TimeoutError:
            missing = sorted(set(f"a{n}" for n in range(count)) - set(got), key=lambda b: int(b[1:]))
            raise AssertionError(f"{len(got)} of {count} arrived; missing {missing[:10]}...") from None
        if message["from"].bare == sender and message["type"] == "chat":
            got.append(message["body"])
    return got


async def test_cut_during_a_burst_each_way_loses_and_doubles_nothing(server: XmppServer, peers: list[Peer]) -> None:
    alice, bob, bob_peer = await friends(server, peers)
    started = time.monotonic()
    async with FaultProxy(server.host, server.c2s_port) as proxy:
        app = _via(make_app(server, alice), proxy)
        async with app.run_test(size=SIZE) as pilot:
            await logged_in(pilot)
            session = app.session
            bob_receives = asyncio.create_task(_received_bodies(bob_peer, alice.jid, BURST))
            outage_seen: list[str] = []

            async def alice_sends() -> None:
                for n in range(BURST):
                    await session.send_chat(bob.jid, f"a{n}")
                    if n % 25 == 0:
                        await asyncio.sleep(0)

            def bob_sends() -> None:
                for n in range(BURST):
                    message = bob_peer.client.make_message(mto=alice.jid, mbody=f"b{n}", mtype="chat")
                    message["id"] = f"bob-{n}"
                    message.send()

            bob_sends()
            sending = asyncio.create_task(alice_sends())
            await until(pilot, lambda: len(bodies(app, bob.jid)) >= 150, timeout=30, what="the burst under way")
            proxy.cut()
            await until(pilot, lambda: session.state.connection.state is ConnectionState.RECONNECTING,
                        what="the outage noticed")
            status_bar = app.main_screen.query_one(StatusBar)
            # The session knows at once; the status bar shows it with the next batch of events (or the stream is
            # already back: then the test below fails on what was shown).
            await until(pilot, lambda: "reconnecting" in str(status_bar.render())
                        or session.state.connection.state is ConnectionState.ONLINE, what="the outage on screen")
            outage_seen.append(str(status_bar.render()))
            await sending
            await until(pilot, lambda: session.state.connection.state is ConnectionState.ONLINE, timeout=30,
                        what="back online")
            received_by_bob = await bob_receives
            await until(pilot, lambda: len([m for m in session.state.conversations.get(bob.jid).messages
                                            if m.direction is Direction.IN]) >= BURST, timeout=30,
                        what="all of bob's burst")
            held = session.state.conversations.get(bob.jid).messages
            await until(pilot, lambda: all(m.state is DeliveryState.SENT for m in held if m.direction is Direction.OUT),
                        timeout=30, what="every message of ours acknowledged")
    elapsed = time.monotonic() - started
    incoming = [m.body for m in held if m.direction is Direction.IN]
    outgoing = [m.body for m in held if m.direction is Direction.OUT]
    assert received_by_bob == [f"a{n}" for n in range(BURST)], "bob got every message once, in order"
    expected = [f"b{n}" for n in range(BURST)]
    assert sorted(incoming, key=lambda body: int(body[1:])) == expected, "alice got every message once"
    assert outgoing == [f"a{n}" for n in range(BURST)]
    # One cut; the stream is resumed. Prosody 0.12 then often ends the resumed stream itself (with
    # not-well-formed, see the issue 8 note) and a new session follows: nothing may be lost or doubled either way.
    assert proxy.connections >= 2
    assert "reconnecting" in outage_seen[0] and "connection lost" in outage_seen[0]
    print(f"\ncut during a {BURST}-message burst each way: {elapsed:.1f} s, {proxy.connections} connections; "
          f"status during the outage: {outage_seen[0]!r}")
    if incoming != expected and server.kind == "ejabberd":
        # Every message arrived once (asserted above); only their order is off. Not fixed yet (see the issue
        # #16 note): ejabberd resumes the stream and delivers what reached it meanwhile before it resends
        # what we had not acknowledged; the client puts resent messages back in place only in part.
        pytest.xfail("ejabberd resumption: a few of the peer's messages shown out of order (client defect open)")
    assert incoming == expected, "alice got every message in order"


async def test_message_typed_while_unreachable_is_kept_across_a_restart_and_delivered(
        server: XmppServer, peers: list[Peer], tmp_path: Path) -> None:
    alice, bob, bob_peer = await friends(server, peers)
    history = History(tmp_path / "history.sqlite3")
    try:
        async with FaultProxy(server.host, server.c2s_port) as proxy:
            app = _via(make_app(server, alice, history=history), proxy)
            async with app.run_test(size=SIZE) as pilot:
                await logged_in(pilot)
                await pilot.press(*f"/chat {bob.jid}", "enter")
                proxy.refuse()
                proxy.cut()
                await until(pilot, lambda: app.session.state.connection.state is ConnectionState.RECONNECTING)
                await pilot.press(*"written on the train", "enter")
                await until(pilot, lambda: bodies(app, bob.jid) == ["written on the train"], what="shown pending")
                assert app.main_screen.composer.text == "", "taken by the outbox"
                assert app.session.state.conversations.get(bob.jid).messages[-1].state is DeliveryState.PENDING
                await pilot.press("ctrl+q")
        assert [m.body for m in await history.pending_outgoing(alice.jid)] == ["written on the train"]

        again = make_app(server, alice, history=history)  # straight to the server this time
        async with again.run_test(size=SIZE) as pilot:
            await logged_in(pilot)
            delivered = await bob_peer.next_message()
            assert delivered["body"] == "written on the train"
            message = again.session.state.conversations.get(bob.jid).messages[-1]
            await until(pilot, lambda: message.state is DeliveryState.SENT, what="acknowledged")
        assert await history.pending_outgoing(alice.jid) == []
    finally:
        await asyncio.to_thread(history.shutdown)
