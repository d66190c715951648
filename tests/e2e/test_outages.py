"""Outages longer than one reconnect attempt: the server down for a minute, a silently dead link, a restart of the
app with messages still pending. The client comes back by itself and delivers what was typed exactly once."""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from dataclasses import replace
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from slixmpp.exceptions import IqError
from textual import events

from tests.e2e.helpers import SIZE, bodies, friends, logged_in, make_app, roster_rows, until
from tests.e2e.test_rooms import configure, joined, new_room, peer_in_room, peer_join, typed
from tests.support.fault_proxy import FaultProxy
from tests.support.peer import Peer
from tests.support.server import Account as ServerAccount
from tests.support.server import XmppServer
from tests.support.terminal_app import TerminalApp
from xmpptui.model.conversation import DeliveryState
from xmpptui.model.presence import Presence, Show
from xmpptui.model.room import RoomState
from xmpptui.model.state import ConnectionState, LoginFailure
from xmpptui.storage.history import History
from xmpptui.ui.main.status_bar import StatusBar
from xmpptui.ui.shared import render
from xmpptui.xmpp import connection as xmpp_connection

OUTAGE = 60.0
BACK_WITHIN = xmpp_connection.RECONNECT_MAX * 1.2 + 15
"""The longest backoff step (with its jitter) and a login."""


async def _received_until(peer: Peer, *expected: tuple[str, str, str], timeout: float = 30) -> dict[str, list[str]]:
    """What `peer` receives, by (sender, type), until each of `expected` = (sender, type, last body) has come. A
    sender is a bare JID, or a room occupant's full JID."""
    got: dict[str, list[str]] = {}
    deadline = time.monotonic() + timeout
    while not all(got.get(f"{sender} {kind}", [""])[-1] == last for sender, kind, last in expected):
        message = await peer.next_message(timeout=max(0.1, deadline - time.monotonic()))
        source = str(message["from"]) if message["type"] == "groupchat" else message["from"].bare
        got.setdefault(f"{source} {message['type']}", []).append(message["body"])
    return got


async def _each_received_once(pilot, peer: Peer, alice: ServerAccount, bob: ServerAccount, room: str,  # type: ignore[no-untyped-def]
                              chat: str, in_room: str) -> None:
    """Alice sends one more message to Bob and one more to the room; what Bob has received of each by then is the
    earlier one (`chat`, `in_room`) once, then the new one: nothing lost, nothing doubled."""
    await typed(pilot, f"/chat {bob.jid}")
    await typed(pilot, f"{chat}, after")
    await typed(pilot, f"/join {room}")
    await typed(pilot, f"{in_room}, after")
    occupant = f"{room}/{alice.user}"
    got = await _received_until(peer, (alice.jid, "chat", f"{chat}, after"),
                                (occupant, "groupchat", f"{in_room}, after"))
    assert got[f"{alice.jid} chat"] == [chat, f"{chat}, after"]
    assert got[f"{occupant} groupchat"] == [in_room, f"{in_room}, after"]


async def _persistent_room(server: XmppServer, peers: list[Peer], owner_account: ServerAccount, nick: str) -> str:
    room = new_room()
    owner = await peer_in_room(server, peers, owner_account, room, nick)
    await configure(owner, room, {"muc#roomconfig_persistentroom": "1"})
    return room


@pytest.mark.timeout(300)
async def test_server_stopped_a_minute_comes_back_by_itself_and_delivers_what_was_typed_once(
        server: XmppServer, peers: list[Peer], tmp_path: Path) -> None:
    alice, bob = server.register(), server.register()
    server.befriend(alice, bob, "Alice", "Bob")
    room = await _persistent_room(server, peers, bob, "bob")
    history = History(tmp_path / "history.sqlite3")
    app = make_app(server, alice, history=history)
    halted = False
    try:
        async with app.run_test(size=SIZE) as pilot:
            await logged_in(pilot)
            session = app.session
            await typed(pilot, f"/join {room}")
            await joined(pilot, room)
            await typed(pilot, f"/chat {bob.jid}")

            await asyncio.to_thread(server.halt)
            halted = True
            stopped = time.monotonic()
            await until(pilot, lambda: session.state.connection.state is ConnectionState.RECONNECTING,
                        what="the outage noticed")
            await typed(pilot, "typed in the outage")
            await typed(pilot, f"/join {room}")  # (we are in it still, as far as we know: this shows it)
            await typed(pilot, "said in the room in the outage")
            await until(pilot, lambda: "said in the room in the outage" in bodies(app, room), what="shown pending")
            pending = [m for m in session.state.conversations.get(room).messages if m.body.endswith("in the outage")]
            assert [m.state for m in pending] == [DeliveryState.PENDING]

            # Attempt after attempt while the server is down: each new attempt restarts the countdown higher.
            status_bar = app.main_screen.query_one(StatusBar)
            countdowns: list[int] = []
            while time.monotonic() - stopped < OUTAGE:
                shown = str(status_bar.render())
                assert "● online" not in shown, f"our presence shown online during the outage: {shown!r}"
                if match := re.search(r"retrying in (\d+) s", shown):
                    countdowns.append(int(match.group(1)))
                await pilot.pause(0.2)
            attempts = 1 + sum(1 for before, after in itertools.pairwise(countdowns) if after > before)
            assert attempts >= 3, f"only {attempts} reconnect attempts in a minute: {countdowns}"
            assert session.state.connection.state is ConnectionState.RECONNECTING
            assert "refused" in session.state.connection.reason

            await asyncio.to_thread(server.resume)
            halted = False
            back = time.monotonic()
            bob_again = await Peer(server, bob, resource="again").connect()
            peers.append(bob_again)
            await peer_join(bob_again, room, "bob")
            # Back by itself, within the backoff step under way.
            await until(pilot, lambda: session.state.connection.state is ConnectionState.ONLINE,
                        timeout=BACK_WITHIN, what="back online by itself")
            print(f"\nserver down {back - stopped:.0f} s; {attempts} attempts; online {time.monotonic() - back:.1f} s "
                  "after it came back")
            await joined(pilot, room)
            await until(pilot, lambda: all(m.state is DeliveryState.SENT for m in pending), timeout=20,
                        what="the room message sent once we are in again")

            await _each_received_once(pilot, bob_again, alice, bob, room, "typed in the outage",
                                      "said in the room in the outage")
            assert bodies(app, bob.jid) == ["typed in the outage", "typed in the outage, after"]
            room_bodies = [b for b in bodies(app, room) if b.startswith("said in the room in the outage")]
            assert room_bodies == ["said in the room in the outage", "said in the room in the outage, after"], \
                "nothing shown twice"
            assert session.state.rooms.get(room).state is RoomState.JOINED
            await until(pilot, lambda: all(m.state is not DeliveryState.PENDING
                                           for m in session.state.conversations.get(bob.jid).messages),
                        what="acknowledged")
        assert await history.pending_outgoing(alice.jid) == []
    finally:
        if halted:
            await asyncio.to_thread(server.resume)
        await asyncio.to_thread(history.shutdown)


@pytest.mark.timeout(180)
async def test_a_silently_dead_link_is_noticed_within_half_a_minute_and_nothing_is_lost(
        server: XmppServer, peers: list[Peer]) -> None:
    alice, bob, bob_peer = await friends(server, peers)
    async with FaultProxy(server.host, server.c2s_port) as proxy:
        app = make_app(server, alice)
        app._account = replace(app._account, port=proxy.port)
        async with app.run_test(size=SIZE) as pilot:
            await logged_in(pilot)
            session = app.session
            proxy.stall()  # nothing moves either way, nothing is closed: a suspended laptop, a forgetful NAT
            stalled = time.monotonic()
            for n in range(5):
                bob_peer.client.make_message(mto=alice.jid, mbody=f"while stalled {n}", mtype="chat").send()
            await until(pilot, lambda: session.state.connection.state is not ConnectionState.ONLINE,
                        timeout=xmpp_connection.IDLE_BEFORE_PING + xmpp_connection.PING_TIMEOUT + 5,
                        what="the dead stream noticed")
            noticed = time.monotonic() - stalled
            assert noticed <= 30, f"noticed after {noticed:.0f} s"
            proxy.cut()
            proxy.resume()
            await until(pilot, lambda: session.state.connection.state is ConnectionState.ONLINE, timeout=30,
                        what="back online")
            await until(pilot, lambda: bodies(app, bob.jid) == [f"while stalled {n}" for n in range(5)], timeout=20,
                        what="what was sent meanwhile, once each")
            print(f"\ndead link noticed after {noticed:.1f} s")


@pytest.mark.timeout(120)
async def test_a_restart_with_a_pending_chat_and_room_message_delivers_each_once_as_the_right_type(
        server: XmppServer, peers: list[Peer], tmp_path: Path) -> None:
    alice, bob = server.register(), server.register()
    server.befriend(alice, bob, "Alice", "Bob")
    room = await _persistent_room(server, peers, bob, "bob")
    bob_peer = peers[-1]
    history = History(tmp_path / "history.sqlite3")
    try:
        async with FaultProxy(server.host, server.c2s_port) as proxy:
            app = make_app(server, alice, history=history)
            app._account = replace(app._account, port=proxy.port)
            async with app.run_test(size=SIZE) as pilot:
                await logged_in(pilot)
                await typed(pilot, f"/join {room}")
                await joined(pilot, room)
                proxy.stall()  # what we send now never gets there, and nothing tells us
                await typed(pilot, "to the room, pending")
                await typed(pilot, f"/chat {bob.jid}")
                await typed(pilot, "to bob, pending")
                await until(pilot, lambda: bodies(app, bob.jid) == ["to bob, pending"], what="shown")
                await pilot.press("ctrl+q")
        pending = await history.pending_outgoing(alice.jid)
        assert {(m.conversation, m.body) for m in pending} == {(bob.jid, "to bob, pending"),
                                                               (room, "to the room, pending")}

        again = make_app(server, alice, history=history)  # straight to the server this time
        async with again.run_test(size=SIZE) as pilot:
            await logged_in(pilot)
            await joined(pilot, room)  # the room is joined again to deliver what was written in it
            await until(pilot, lambda: all(m.state is DeliveryState.SENT for c in (room, bob.jid)
                                           for m in again.session.state.conversations.get(c).messages
                                           if m.body.endswith("pending")), what="both sent")
            await _each_received_once(pilot, bob_peer, alice, bob, room, "to bob, pending", "to the room, pending")
            assert bodies(again, bob.jid).count("to bob, pending") == 1
            assert bodies(again, room).count("to the room, pending") == 1
        assert await history.pending_outgoing(alice.jid) == []
    finally:
        await asyncio.to_thread(history.shutdown)


@pytest.mark.timeout(120)
async def test_a_message_too_big_is_refused_in_words_and_one_that_ends_the_stream_is_failed_not_resent(
        server: XmppServer, peers: list[Peer], tmp_path: Path) -> None:
    alice, bob, bob_peer = await friends(server, peers)
    history = History(tmp_path / "history.sqlite3")
    try:
        app = make_app(server, alice, history=history)
        async with app.run_test(size=SIZE) as pilot:
            await logged_in(pilot)
            session = app.session
            await typed(pilot, f"/chat {bob.jid}")
            pasted = "too long " * 40_000  # 360 KB: more than servers take in one stanza by default
            composer = app.main_screen.composer
            app.post_message(events.Paste(pasted))  # as the terminal hands over a bracketed paste
            await until(pilot, lambda: composer.text == pasted, what="pasted")
            await pilot.press("enter")
            await until(pilot, lambda: any("the server takes at most" in str(n.message) for n in app._notifications),
                        what="refused in words")
            assert composer.text == pasted, "the text is kept"
            assert bodies(app, bob.jid) == [], "nothing sent, nothing shown as sent"
            composer.clear()

            # A server that takes less than it said: the stream ends each time the message is in flight.
            session.context.client.max_outgoing = 64 * 1024 * 1024
            connections: list[str] = []
            await session.send_chat(bob.jid, "y" * 1_500_000)
            big = session.state.conversations.get(bob.jid).messages[-1]
            while big.state is not DeliveryState.FAILED:
                state = session.state.connection.state
                if not connections or connections[-1] != state.value:
                    connections.append(state.value)
                assert connections.count("reconnecting") <= 3, f"sent again and again: {connections}"
                await pilot.pause(0.05)
            assert "not sent again" in big.error and "policy-violation" in big.error, big.error
            await until(pilot, lambda: session.state.connection.state is ConnectionState.ONLINE, timeout=40,
                        what="back online")
            await typed(pilot, "a normal one")
            assert (await bob_peer.next_message())["body"] == "a normal one"
            await pilot.press("ctrl+q")
        stored = {m.body[:10]: m.state for m in (await history.page(alice.jid, bob.jid, 10))[0]}
        assert stored == {"y" * 10: DeliveryState.FAILED, "a normal o": DeliveryState.SENT}, "nothing left to resend"
    finally:
        await asyncio.to_thread(history.shutdown)


def _bob_row(app, name: str = "Bob") -> str:  # type: ignore[no-untyped-def]
    return next(row for row in roster_rows(app) if name in row)


def _shown_online(app) -> bool:  # type: ignore[no-untyped-def]
    row = _bob_row(app)
    return render.presence_glyph(Presence(Show.ONLINE)).plain in row[:row.index("Bob")]


async def _composing(peer: Peer, to: str) -> None:
    message = peer.client.make_message(mto=to, mtype="chat")
    ET.SubElement(message.xml, "{http://jabber.org/protocol/chatstates}composing")
    message.send()


@pytest.mark.timeout(120)
async def test_while_disconnected_or_offline_nobody_is_shown_online_or_typing(
        server: XmppServer, peers: list[Peer]) -> None:
    alice, bob = server.register(), server.register()
    server.befriend(alice, bob, "Alice", "Bob")
    async with FaultProxy(server.host, server.c2s_port) as proxy:
        app = make_app(server, alice)
        app._account = replace(app._account, port=proxy.port)
        async with app.run_test(size=SIZE) as pilot:
            await logged_in(pilot)
            screen = app.main_screen
            bob_peer = await Peer(server, bob).connect()
            await until(pilot, lambda: _shown_online(app), what="Bob online")
            await typed(pilot, f"/chat {bob.jid}")
            await _composing(bob_peer, alice.jid)
            await until(pilot, lambda: screen.chat_state_line == "Bob is typing…", what="Bob typing")
            await bob_peer.disconnect()  # his session ends while he was typing
            await until(pilot, lambda: screen.chat_state_line == "" and not _shown_online(app),
                        what="nobody typing once his session ended")

            bob_peer = await Peer(server, bob, resource="again").connect()
            peers.append(bob_peer)
            await until(pilot, lambda: _shown_online(app), what="Bob back")
            await _composing(bob_peer, alice.jid)
            await until(pilot, lambda: screen.chat_state_line == "Bob is typing…", what="Bob typing again")
            await pilot.press("f7")  # we go offline: no presence reaches us now
            await until(pilot, lambda: not _shown_online(app) and screen.chat_state_line == "",
                        what="Bob no longer shown online or typing after F7")
            await pilot.press("f2")
            await until(pilot, lambda: _shown_online(app), what="Bob online again once we are")

            proxy.refuse()
            proxy.cut()
            status_bar = screen.query_one(StatusBar)
            await until(pilot, lambda: "reconnecting" in str(status_bar.render()), what="the outage shown")
            assert not _shown_online(app), "nobody's presence is known without a session"
            assert "● online" not in str(status_bar.render())
            proxy.refuse(False)
            pilot.app.session.reconnect_now()
            await until(pilot, lambda: app.session.state.connection.state is ConnectionState.ONLINE, timeout=30,
                        what="back")
            await until(pilot, lambda: _shown_online(app), what="Bob shown online again (resumed or anew)")


@pytest.mark.timeout(120)
async def test_a_room_that_vanished_while_we_were_away_is_not_created_again(
        server: XmppServer, peers: list[Peer]) -> None:
    alice, bob = server.register(), server.register()
    room = await _persistent_room(server, peers, bob, "bob")
    bob_peer = peers[-1]
    async with FaultProxy(server.host, server.c2s_port) as proxy:
        app = make_app(server, alice)
        app._account = replace(app._account, port=proxy.port)
        async with app.run_test(size=SIZE) as pilot:
            await logged_in(pilot)
            session = app.session
            await typed(pilot, f"/join {room}")
            await joined(pilot, room)
            proxy.refuse()
            proxy.cut()
            await until(pilot, lambda: session.state.connection.state is ConnectionState.RECONNECTING)
            await typed(pilot, "written while away")
            # The server gives up on our session (its resumption window ends) and takes us out of the room...
            while (await bob_peer.presence_from(room, available=False, timeout=30))["from"].resource != alice.user:
                pass
            # ... and the room goes while we are away.
            destroy = bob_peer.client.make_iq_set(ito=room)
            ET.SubElement(ET.SubElement(destroy.xml, "{http://jabber.org/protocol/muc#owner}query"),
                          "{http://jabber.org/protocol/muc#owner}destroy")
            await destroy.send(timeout=10)
            proxy.refuse(False)
            session.reconnect_now()
            await until(pilot, lambda: session.state.connection.state is ConnectionState.ONLINE, timeout=30,
                        what="back")
            await until(pilot, lambda: session.state.rooms.get(room).state is RoomState.LEFT, timeout=20,
                        what="not joined again")
            assert "no longer exists" in session.state.rooms.get(room).error
            written = next(m for m in session.state.conversations.get(room).messages
                           if m.body == "written while away")
            assert written.state is DeliveryState.FAILED and "no longer exists" in written.error
            info = bob_peer.client.make_iq_get(ito=room)
            ET.SubElement(info.xml, "{http://jabber.org/protocol/disco#info}query")
            with pytest.raises(IqError) as refused:
                await info.send(timeout=10)
            assert refused.value.iq["error"]["condition"] in ("item-not-found", "gone"), "not created again"
            # Typing in it now is refused at once, in words, and the text stays.
            await pilot.press(*"still here?", "enter")
            await until(pilot, lambda: any("you are not in" in str(n.message) for n in app._notifications),
                        what="refused in words")
            assert app.main_screen.composer.text == "still here?"


@pytest.mark.timeout(60)
async def test_a_session_replaced_on_its_resource_does_not_fight_back_until_asked(
        server: XmppServer, peers: list[Peer]) -> None:
    alice = server.register()
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        session = app.session
        rival = await Peer(server, alice, resource=session.state.resource).connect()
        peers.append(rival)
        await until(pilot, lambda: session.state.connection.failure is LoginFailure.CONFLICT, what="replaced")
        assert session.state.connection.state is ConnectionState.OFFLINE
        assert "another client logged in" in session.state.connection.reason
        # Watched for longer than the first backoff steps: no attempt to take the resource back.
        watched = time.monotonic()
        while time.monotonic() - watched < 4 * xmpp_connection.RECONNECT_FIRST:
            assert session.state.connection.state is ConnectionState.OFFLINE
            assert rival.client.transport is not None, "the other client was not replaced in turn"
            await pilot.pause(0.1)
        lost = asyncio.get_running_loop().create_future()
        rival.client.add_event_handler("disconnected", lambda _: lost.done() or lost.set_result(None))
        await pilot.press("f10")  # the user's choice: log in here again
        await until(pilot, lambda: session.state.connection.state is ConnectionState.ONLINE, timeout=20,
                    what="online again")
        await asyncio.wait_for(lost, 10)


@pytest.mark.timeout(60)
async def test_two_installations_on_one_account_keep_both_sessions(
        server: XmppServer, peers: list[Peer], tmp_path: Path) -> None:
    alice = server.register()
    started = [TerminalApp.start(jid=alice.jid, password=alice.password, host=server.host, port=server.c2s_port,
                                 ca_file=server.ca_file, home=tmp_path / name) for name in ("laptop", "desktop")]
    with started[0] as laptop, started[1] as desktop:
        await laptop.wait_for_async("● online", timeout=30)
        await desktop.wait_for_async("● online", timeout=30)
        resources = {(term.home / "data" / "xmpptui" / "resource").read_text().strip() for term in started}
        assert len(resources) == 2 and all(r.startswith("xmpptui.") for r in resources), resources
        # A third client of the account is told of its other sessions: both are there at once.
        phone = await Peer(server, alice, resource="phone").connect()
        peers.append(phone)
        seen: set[str] = set()
        while not resources <= seen:
            presence = await phone.presence_from(alice.jid, timeout=10, available=True)
            seen.add(presence["from"].resource)
        assert "another client logged in" not in laptop.screen() + desktop.screen()
