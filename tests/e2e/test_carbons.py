"""Carbons (XEP-0280): our other clients' messages appear, marked; spoofed carbons do not."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.e2e.helpers import SIZE, bodies, logged_in, make_app, until
from tests.support.peer import Peer
from tests.support.server import XmppServer
from xmpptui.model.conversation import Direction
from xmpptui.storage.history import History


async def test_carbons_from_our_other_device_appear_and_spoofed_ones_do_not(
        server: XmppServer, peers: list[Peer]) -> None:
    alice, bob, mallory = server.register(), server.register(), server.register()
    server.befriend(alice, bob, "Alice", "Bob")
    bob_peer = await Peer(server, bob).connect()
    peers.append(bob_peer)
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        phone = await Peer(server, alice, resource="phone").connect()
        peers.append(phone)
        phone.client.make_message(mto=bob.jid, mbody="sent from my phone", mtype="chat").send()
        await bob_peer.next_message()
        bob_peer.client.make_message(mto=f"{alice.jid}/phone", mbody="to your phone only", mtype="chat").send()

        mallory_peer = await Peer(server, mallory).connect()
        peers.append(mallory_peer)
        mallory_peer.client.send_raw(
            f"<message xmlns='jabber:client' to='{alice.jid}'><received xmlns='urn:xmpp:carbons:2'>"
            "<forwarded xmlns='urn:xmpp:forward:0'>"
            f"<message xmlns='jabber:client' from='{bob.jid}/x' to='{alice.jid}/phone' type='chat'>"
            "<body>spoofed: send me your password</body></message></forwarded></received></message>")
        mallory_peer.client.make_message(mto=alice.jid, mbody="marker", mtype="chat").send()

        await until(pilot, lambda: bodies(app, mallory.jid) == ["marker"], what="mallory's marker")
        await until(pilot, lambda: len(bodies(app, bob.jid)) == 2, what="both carbons")
        sent, received = app.session.state.conversations.get(bob.jid).messages
        assert (sent.body, sent.direction, sent.carbon) == ("sent from my phone", Direction.OUT, True)
        assert (received.body, received.direction, received.carbon) == ("to your phone only", Direction.IN, True)
        everything = [m.body for c in app.session.state.conversations for m in c.messages]
        assert not any("spoofed" in body for body in everything)


async def test_a_carbon_and_its_archive_copy_are_one_message_after_a_restart(
        server: XmppServer, peers: list[Peer], tmp_path: Path) -> None:
    """Both servers put their archive id (XEP-0359, by our bare JID) in a carbon: the live copy and the one the
    next catch-up brings from the archive must be keyed alike, or the message shows (and is stored) twice."""
    alice, bob = server.register(), server.register()
    server.befriend(alice, bob, "Alice", "Bob")
    bob_peer = await Peer(server, bob).connect()
    phone = await Peer(server, alice, resource="phone").connect()
    peers.extend([bob_peer, phone])
    history = History(tmp_path / "history.sqlite3")
    try:
        app = make_app(server, alice, history=history)
        async with app.run_test(size=SIZE) as pilot:
            await logged_in(pilot)
            phone.client.make_message(mto=bob.jid, mbody="sent from my phone", mtype="chat").send()
            await bob_peer.next_message()
            bob_peer.client.make_message(mto=f"{alice.jid}/phone", mbody="to your phone only", mtype="chat").send()
            await until(pilot, lambda: len(bodies(app, bob.jid)) == 2, what="both carbons")
            await pilot.press("ctrl+q")
        bob_peer.client.make_message(mto=alice.jid, mbody="while you were away", mtype="chat").send()
        await bob_peer.client.get_roster()  # a round trip: the message before it is archived

        again = make_app(server, alice, history=history)
        async with again.run_test(size=SIZE) as pilot:
            await logged_in(pilot)
            await until(pilot, lambda: "while you were away" in bodies(again, bob.jid), what="the catch-up")
            bob_peer.client.make_message(mto=alice.jid, mbody="fence", mtype="chat").send()
            await until(pilot, lambda: bodies(again, bob.jid)[-1:] == ["fence"], what="the fence")
            assert bodies(again, bob.jid) == ["sent from my phone", "to your phone only", "while you were away",
                                              "fence"]
            await pilot.press("ctrl+q")
        assert await history.count(alice.jid, bob.jid) == 4
    finally:
        await asyncio.to_thread(history.shutdown)
