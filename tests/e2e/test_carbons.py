"""Carbons (XEP-0280): our other clients' messages appear, marked; spoofed carbons do not."""

from __future__ import annotations

from tests.e2e.helpers import SIZE, bodies, logged_in, make_app, until
from tests.support.peer import Peer
from tests.support.server import XmppServer
from xmpptui.model.conversation import Direction


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
