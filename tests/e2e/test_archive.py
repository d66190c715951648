"""Archive sync (XEP-0313) against each private server (Prosody, ejabberd): catch-up on login, older pages
past the local history, and results that do not come from the archive we asked are ignored."""

from __future__ import annotations

import asyncio
from pathlib import Path
from xml.etree import ElementTree as ET

from tests.e2e.helpers import SIZE, bodies, logged_in, make_app, until
from tests.e2e.test_rooms import MUC_USER, new_room, peer_join
from tests.support.peer import Peer
from tests.support.server import XmppServer
from xmpptui.model.conversation import ConversationKind, Direction
from xmpptui.storage.history import History


async def test_messages_sent_while_we_were_away_come_from_the_archive_in_order_once(
        server: XmppServer, peers: list[Peer], tmp_path: Path) -> None:
    alice, bob = server.register(), server.register()
    server.befriend(alice, bob, "Alice", "Bob")
    history = History(tmp_path / "history.sqlite3")
    try:
        first = make_app(server, alice, history=history)
        async with first.run_test(size=SIZE) as pilot:
            await logged_in(pilot)  # the first run: the archive is empty, and that is remembered
            await pilot.press("ctrl+q")
        assert await history.archive_position(alice.jid, alice.jid) == ""

        peer = await Peer(server, bob).connect()
        peers.append(peer)
        away = [f"while you were away {n}" for n in range(120)]  # more than two pages of 50
        for body in away:
            peer.client.make_message(mto=alice.jid, mbody=body, mtype="chat").send()
        # A round trip to the server after the burst: everything before it has been archived.
        await peer.client.get_roster()

        again = make_app(server, alice, history=history)
        async with again.run_test(size=SIZE) as pilot:
            await logged_in(pilot)
            await until(pilot, lambda: len(bodies(again, bob.jid)) >= len(away), what="the archived messages")
            # The server may also hand over its offline copies on our presence: they must not show twice.
            peer.client.make_message(mto=alice.jid, mbody="fence", mtype="chat").send()
            await until(pilot, lambda: bodies(again, bob.jid)[-1:] == ["fence"], what="the fence")
            assert bodies(again, bob.jid) == [*away, "fence"]
            conversation = again.session.state.conversations.get(bob.jid)
            assert conversation.unread == len(away) + 1
            assert all(m.delayed for m in conversation.messages[:-1])
            stamps = [m.timestamp for m in conversation.messages]
            assert stamps == sorted(stamps)
            await pilot.press("ctrl+q")
        assert await history.count(alice.jid, bob.jid) == len(away) + 1
    finally:
        await asyncio.to_thread(history.shutdown)


async def test_scrolling_past_what_is_held_pages_older_messages_in_from_the_archive(
        server: XmppServer, peers: list[Peer]) -> None:
    alice, bob = server.register(), server.register()
    server.befriend(alice, bob, "Alice", "Bob")
    peer = await Peer(server, bob).connect()
    peers.append(peer)
    # Received by alice's phone (so archived, and not kept as offline messages), then the phone leaves.
    phone = await Peer(server, alice, resource="phone").connect()
    sent = [f"archived {n}" for n in range(80)]
    for body in sent:
        peer.client.make_message(mto=alice.jid, mbody=body, mtype="chat").send()
    for _ in sent:
        await phone.next_message()
    await phone.disconnect()

    app = make_app(server, alice)  # no local history at all: only the server's archive
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        # A first run fetches only the latest page.
        await until(pilot, lambda: len(bodies(app, bob.jid)) == 50, what="the latest page")
        peer.client.make_message(mto=alice.jid, mbody="fence", mtype="chat").send()
        await until(pilot, lambda: bodies(app, bob.jid)[-1:] == ["fence"], what="the fence")
        assert bodies(app, bob.jid) == [*sent[-50:], "fence"]

        await pilot.press("alt+a")
        log = app.main_screen.chat_log(bob.jid)
        await until(pilot, lambda: log is not None and log.line_count > 0, what="the log")
        while len(bodies(app, bob.jid)) < len(sent) + 1:
            before = len(bodies(app, bob.jid))
            log.scroll_end(animate=False, immediate=True)
            await pilot.pause()
            log.scroll_home(animate=False, immediate=True)
            await until(pilot, lambda before=before: len(bodies(app, bob.jid)) > before, what="an older page")
        assert bodies(app, bob.jid) == [*sent, "fence"]


async def test_archive_results_we_did_not_ask_for_are_ignored(server: XmppServer, peers: list[Peer]) -> None:
    alice, bob, mallory = server.register(), server.register(), server.register()
    server.befriend(alice, bob, "Alice", "Bob")
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        mallory_peer = await Peer(server, mallory).connect()
        peers.append(mallory_peer)
        mallory_peer.client.send_raw(
            f"<message xmlns='jabber:client' to='{alice.jid}'><result xmlns='urn:xmpp:mam:2' queryid='q1' id='a1'>"
            "<forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' stamp='2020-01-01T00:00:00Z'/>"
            f"<message xmlns='jabber:client' from='{bob.jid}/x' to='{alice.jid}' type='chat'>"
            "<body>forged archive entry</body></message></forwarded></result></message>")
        mallory_peer.client.make_message(mto=alice.jid, mbody="marker", mtype="chat").send()
        await until(pilot, lambda: bodies(app, mallory.jid) == ["marker"], what="mallory's marker")
        everything = [m.body for c in app.session.state.conversations for m in c.messages]
        assert "forged archive entry" not in everything
        assert bob.jid not in app.session.state.conversations


async def test_private_messages_through_a_room_come_back_from_our_archive_and_scrolling_pages_older_ones(
        server: XmppServer, peers: list[Peer]) -> None:
    alice, bob, carol = server.register(), server.register(), server.register()
    room = new_room()
    bob_peer, carol_peer = await Peer(server, bob).connect(), await Peer(server, carol).connect()
    phone = await Peer(server, alice, resource="phone").connect()  # alice's other client is in the room
    peers.extend([bob_peer, carol_peer, phone])
    for peer, nick in ((bob_peer, "bob"), (carol_peer, "carol"), (phone, alice.user)):
        await peer_join(peer, room, nick)

    async def private(sender: Peer, to: str, body: str) -> None:
        stanza = sender.client.make_message(mto=to, mbody=body, mtype="chat")
        ET.SubElement(stanza.xml, f"{{{MUC_USER}}}x")
        stanza.send()
        receiver = bob_peer if sender is phone else phone
        while (await receiver.next_message())["body"] != body:
            pass  # in the archive by the time it is delivered

    with_bob: list[str] = []
    for n in range(20):
        await private(bob_peer, f"{room}/{alice.user}", f"bob {n}")
        with_bob.append(f"bob {n}")
    for n in range(60):  # more than a page of someone else's private messages in the same room
        await private(carol_peer, f"{room}/{alice.user}", f"carol {n}")
    for n in range(20, 70):  # a latest page of only these: enough to scroll the log
        await private(bob_peer, f"{room}/{alice.user}", f"bob {n}")
        with_bob.append(f"bob {n}")
        if n % 5 == 0:
            await private(phone, f"{room}/bob", f"reply {n}")
            with_bob.append(f"reply {n}")
    await phone.disconnect()

    occupant = f"{room}/bob"
    app = make_app(server, alice)  # no local history: only the server's archive
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        # The login catch-up reads the latest page: bob's latest, in their own private conversation.
        await until(pilot, lambda: bodies(app, occupant)[-1:] == [with_bob[-1]], what="the latest PMs")
        state = app.session.state
        conversation = state.conversations.get(occupant)
        assert conversation.kind is ConversationKind.PRIVATE
        assert room not in state.conversations, "not a chat with the room's bare JID"
        latest = bodies(app, occupant)
        assert latest == with_bob[-len(latest):] and len(latest) < len(with_bob)
        replies = [m for m in conversation.messages if m.body.startswith("reply")]
        assert replies and all(m.direction is Direction.OUT for m in replies)

        app.main_screen.switch_to(occupant)
        log = app.main_screen.chat_log(occupant)
        await until(pilot, lambda: log is not None and log.line_count > 0, what="the PM conversation's log")
        while not conversation.archive_exhausted:
            before = len(conversation.messages)
            log.scroll_end(animate=False, immediate=True)
            await pilot.pause()
            log.scroll_home(animate=False, immediate=True)
            await until(pilot, lambda before=before: len(conversation.messages) > before
                        or conversation.archive_exhausted, what="an older page")
        assert bodies(app, occupant) == with_bob, "every PM with bob, in order, once, and only bob's"
        assert [m.sender for m in conversation.messages[:3]] == ["bob"] * 3
        stamps = [m.timestamp for m in conversation.messages]
        assert stamps == sorted(stamps)
        assert room not in state.conversations
