"""Contacts end to end, continued: blocking (and the block list), contact details with resources,
vCard and last activity, directed presence, and spoofed or hostile contact stanzas."""

from __future__ import annotations

import asyncio

from tests.e2e.contact_helpers import presence_of_type, record_iqs, server_blocklist
from tests.e2e.helpers import SIZE, bodies, logged_in, make_app, roster_rows, until
from tests.support.peer import Peer
from tests.support.server import XmppServer
from xmpptui.model.presence import Show
from xmpptui.ui.contacts.blocked import BlockedScreen
from xmpptui.ui.contacts.details import ContactDetailsScreen


async def _type(pilot, text: str) -> None:
    await pilot.press(*text)
    await pilot.press("enter")


async def test_blocking_stops_a_contacts_messages_and_the_block_list_unblocks(
        server: XmppServer, peers: list[Peer]) -> None:
    alice, bob, carol = server.register(), server.register(), server.register()
    server.befriend(alice, bob, "Alice", "Bob")
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        bob_peer = await Peer(server, bob).connect()
        carol_peer = await Peer(server, carol).connect()
        alice_elsewhere = await Peer(server, alice, resource="elsewhere").connect(presence=False)
        peers.extend([bob_peer, carol_peer, alice_elsewhere])
        await _type(pilot, f"/block {bob.jid}")
        await until(pilot, lambda: bob.jid in app.session.state.blocked, what="blocked")
        assert await server_blocklist(alice_elsewhere) == {bob.jid}
        await until(pilot, lambda: any("Bob" in row and "⊗ blocked" in row for row in roster_rows(app)),
                    what="marked in the roster")

        bob_peer.client.make_message(mto=alice.jid, mbody="can you hear me?", mtype="chat").send()
        carol_peer.client.make_message(mto=alice.jid, mbody="marker", mtype="chat").send()
        await until(pilot, lambda: bodies(app, carol.jid) == ["marker"], what="the marker")
        assert app.session.state.conversations.get(bob.jid) is None

        await _type(pilot, "/blocked")
        await until(pilot, lambda: isinstance(app.screen, BlockedScreen), what="block list")
        assert app.screen.jids == [bob.jid]
        await pilot.press("u")
        await until(pilot, lambda: not app.session.state.blocked, what="unblocked")
        assert await server_blocklist(alice_elsewhere) == set()
        await pilot.press("escape")
        bob_peer.client.make_message(mto=alice.jid, mbody="now?", mtype="chat").send()
        await until(pilot, lambda: bodies(app, bob.jid) == ["now?"], what="bob's message after unblocking")

        # Blocked from another client of ours: the server's push reaches the app.
        iq = alice_elsewhere.client.make_iq_set()
        block = iq.xml.makeelement("{urn:xmpp:blocking}block", {})
        block.append(block.makeelement("{urn:xmpp:blocking}item", {"jid": carol.jid}))
        iq.xml.append(block)
        await iq.send(timeout=10)
        await until(pilot, lambda: app.session.state.blocked == {carol.jid}, what="the pushed block")


async def test_a_block_list_push_from_another_account_is_refused(server: XmppServer, peers: list[Peer]) -> None:
    alice, mallory, bob = server.register(), server.register(), server.register()
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        peer = await Peer(server, mallory).connect()
        peers.append(peer)
        replies = record_iqs(peer)
        peer.client.send_raw(
            f"<iq xmlns='jabber:client' type='set' id='spoof-block' to='{alice.jid}/{app.session.state.resource}'>"
            f"<block xmlns='urn:xmpp:blocking'><item jid='{bob.jid}'/></block></iq>")
        reply = await asyncio.wait_for(replies.get(), 10)
        assert (reply["id"], reply["type"]) == ("spoof-block", "error")
        assert app.session.state.blocked == set()


async def test_details_show_two_resources_and_a_conversation_locks_to_one(
        server: XmppServer, peers: list[Peer]) -> None:
    alice, bob = server.register(), server.register()
    server.befriend(alice, bob, "Alice", "Bob")
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        desk = Peer(server, bob, resource="desk")
        desk.client.register_plugin("xep_0092", {"software_name": "DeskClient", "version": "2.0", "os": "Plan 9"})
        await desk.connect(pshow="away", pstatus="at my desk", ppriority=5)
        phone = await Peer(server, bob, resource="phone").connect(pstatus="on the go", ppriority=1)
        peers.extend([desk, phone])
        await until(pilot, lambda: len(app.session.state.presence.resources(bob.jid)) == 2, what="two resources")
        assert app.session.state.presence.best(bob.jid).show is Show.AWAY, "the higher priority wins"
        assert any("Bob" in row and "at my desk" in row for row in roster_rows(app))

        await _type(pilot, f"/info {bob.jid}")
        await until(pilot, lambda: isinstance(app.screen, ContactDetailsScreen), what="details")
        shown = app.screen.plain_text()
        assert "subscription: both: you see each other's presence" in shown
        lines = shown.splitlines()
        desk_line = next(line for line in lines if "desk" in line and "priority" in line)
        phone_line = next(line for line in lines if "phone" in line and "priority" in line)
        assert "away · priority 5 · preferred · at my desk" in desk_line
        assert "online · priority 1 · on the go" in phone_line
        assert lines.index(desk_line) < lines.index(phone_line)

        await pilot.press("i")  # the client of the highlighted (first) resource
        await until(pilot, lambda: "client DeskClient 2.0 (Plan 9)" in app.screen.plain_text(), what="version")
        await pilot.press("down", "enter")  # the second resource: the phone
        await until(pilot, lambda: not isinstance(app.screen, ContactDetailsScreen), what="details closed")
        await until(pilot, lambda: app.main_screen.active == bob.jid, what="conversation open")
        await _type(pilot, "to your phone")
        message = await phone.next_message()
        assert (message["body"], str(message["to"])) == ("to your phone", f"{bob.jid}/phone")
        assert desk.messages.empty()


async def test_vcard_and_last_activity_on_demand(server: XmppServer, peers: list[Peer]) -> None:
    alice, bob = server.register(), server.register()
    server.befriend(alice, bob, "Alice", "Bob")
    peer = await Peer(server, bob).connect()
    iq = peer.client.make_iq_set()
    iq.xml.append(peer.client.make_iq().xml.makeelement("{vcard-temp}vCard", {}))
    card = iq.xml.find("{vcard-temp}vCard")
    for name, text in (("FN", "Bob [b]Builder[/b]"), ("NICKNAME", "bobby"), ("DESC", "can fix it")):
        card.append(card.makeelement(f"{{vcard-temp}}{name}", {}))
        card[-1].text = text
    await iq.send(timeout=10)
    await peer.disconnect()
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        await _type(pilot, f"/info {bob.jid}")
        await until(pilot, lambda: isinstance(app.screen, ContactDetailsScreen), what="details")
        assert "none online" in app.screen.plain_text()
        await pilot.press("v")
        await until(pilot, lambda: "full name: Bob [b]Builder[/b]" in app.screen.plain_text(), what="vCard")
        assert "nickname: bobby" in app.screen.plain_text()
        assert "note: can fix it" in app.screen.plain_text()
        await pilot.press("l")
        await until(pilot, lambda: "last seen: " in app.screen.plain_text(), what="last activity")
        assert " s ago" in app.screen.plain_text() or " min ago" in app.screen.plain_text()


async def test_directed_presence_reaches_only_that_entity(server: XmppServer, peers: list[Peer]) -> None:
    alice, carol = server.register(), server.register()
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        peer = await Peer(server, carol).connect()
        peers.append(peer)
        await _type(pilot, f"/presence {carol.jid} away in a meeting")
        presence = await presence_of_type(peer, alice.jid, "available")
        assert (presence["show"], presence["status"]) == ("away", "in a meeting")
        assert app.session.state.own_presence.show is Show.ONLINE, "our broadcast presence is unchanged"
        await _type(pilot, f"/presence {carol.jid} sleepy")
        await until(pilot, lambda: any("unknown status 'sleepy'" in str(n.message) for n in app._notifications))


async def test_hostile_subscription_request_text_is_inert(server: XmppServer, peers: list[Peer]) -> None:
    alice, mallory = server.register(), server.register()
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        peer = await Peer(server, mallory).connect()
        peers.append(peer)
        peer.client.send_raw(
            f"<presence xmlns='jabber:client' to='{alice.jid}' type='subscribe'>"
            "<nick xmlns='http://jabber.org/protocol/nick'>[@click=app.quit]Admin[/]\u202e</nick>"
            "<status>[bold red]urgent[/] \u009b2J</status></presence>")
        await until(pilot, lambda: mallory.jid in app.session.state.requests, what="the request")
        row = next(row for row in roster_rows(app) if mallory.jid in row)
        assert "([@click=app.quit]Admin[/]<U+202E>) asks to see your presence: [bold red]urgent[/] <U+009B>2J" in row
        await pilot.click("#roster", offset=(6, 1))
        await pilot.pause()
        assert app.is_running


async def test_an_unblocked_contact_shows_online_again_at_once_and_sees_us_again(
        server: XmppServer, peers: list[Peer]) -> None:
    """Neither server tells the contact's presence again on unblock (ejabberd tells nothing at all): the app
    asks for it, and tells the contact ours, without waiting for the contact to send presence again."""
    alice, bob = server.register(), server.register()
    server.befriend(alice, bob, "Alice", "Bob")
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        bob_peer = await Peer(server, bob).connect(pstatus="here")
        peers.append(bob_peer)
        await bob_peer.presence_from(alice.jid, available=True)
        presence = app.session.state.presence
        await until(pilot, lambda: presence.best(bob.jid).available, what="bob online")

        await _type(pilot, f"/block {bob.jid}")
        await until(pilot, lambda: bob.jid in app.session.state.blocked, what="blocked")
        assert not presence.best(bob.jid).available, "a blocked contact shows offline"
        while bob_peer.presences.qsize():  # what bob saw of the block (Prosody: alice unavailable; ejabberd: nothing)
            bob_peer.presences.get_nowait()

        await _type(pilot, f"/unblock {bob.jid}")
        await until(pilot, lambda: not app.session.state.blocked, what="unblocked")
        await until(pilot, lambda: presence.best(bob.jid).available, what="bob online again without a word from him")
        assert presence.best(bob.jid).status == "here"
        await until(pilot, lambda: any("Bob" in row and "here" in row for row in roster_rows(app)),
                    what="bob online on screen")
        await bob_peer.presence_from(alice.jid, available=True)  # and bob sees alice again
