"""One-to-one chat end to end: receiving, replying in the thread, routing, failures, hostile text."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from slixmpp.xmlstream import ET

from tests.e2e.helpers import SIZE, bodies, friends, log_lines, logged_in, make_app, until
from tests.support.peer import Peer
from tests.support.server import XmppServer
from xmpptui.model.conversation import DeliveryState
from xmpptui.ui.chat.conversation_bar import ConversationBar


async def test_incoming_message_opens_conversation_without_stealing_focus_and_reply_keeps_thread(
        server: XmppServer, peers: list[Peer]) -> None:
    alice, bob, peer = await friends(server, peers)
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        await pilot.press(*"/chat", "space", *"someone@localhost", "enter")
        await until(pilot, lambda: app.main_screen.active == "someone@localhost", what="/chat opens a conversation")

        message = peer.client.make_message(mto=alice.jid, mbody="hello alice", mtype="chat")
        message["thread"] = "thread-42"
        message.send()
        await until(pilot, lambda: bodies(app, bob.jid) == ["hello alice"], what="message")
        await pilot.pause()
        assert app.main_screen.active == "someone@localhost", "an incoming message must not steal focus"
        assert app.session.state.conversations.get(bob.jid).unread == 1
        assert "Bob (1)" in str(app.main_screen.query_one(ConversationBar).render())

        await pilot.press("alt+a")  # next unread
        await until(pilot, lambda: app.main_screen.active == bob.jid, what="switch to the unread conversation")
        await until(pilot, lambda: log_lines(app, bob.jid), what="log laid out")
        assert log_lines(app, bob.jid)[1].strip("─ ") == "new messages", "over the first unread message"
        assert log_lines(app, bob.jid)[2].endswith("Bob hello alice")
        assert app.session.state.conversations.get(bob.jid).unread == 0
        await pilot.press(*"hi bob", "ctrl+j", *"second line", "enter")
        reply = await peer.next_message()
        assert reply["type"] == "chat"
        assert reply["body"] == "hi bob\nsecond line"
        assert reply["thread"] == "thread-42"
        assert str(reply["to"]) == peer.jid
        assert app.main_screen.composer.text == "", "the composer is cleared once the message is sent"
        # "me◷" while the server has not acknowledged it (stream management), then "me✓".
        await until(pilot, lambda: any(line.endswith("me✓ hi bob") for line in log_lines(app, bob.jid)),
                    what="the server's ack")
        assert any(line.strip() == "second line" for line in log_lines(app, bob.jid))


async def test_reply_falls_back_to_bare_jid_when_the_resource_goes_offline(
        server: XmppServer, peers: list[Peer]) -> None:
    alice, bob, phone = await friends(server, peers, resource="phone")
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        phone.client.make_message(mto=alice.jid, mbody="from my phone", mtype="chat").send()
        await until(pilot, lambda: bodies(app, bob.jid), what="first message")
        await pilot.press("alt+a", *"to the phone", "enter")
        first = await phone.next_message()
        assert str(first["to"]) == f"{bob.jid}/phone"

        laptop = await Peer(server, bob, resource="laptop").connect()
        peers.append(laptop)
        await phone.disconnect()
        await until(pilot, lambda: app.session.state.conversations.get(bob.jid).reply_to == "",
                    what="reply target reset when the phone went offline")
        await pilot.press(*"to whoever is there", "enter")
        second = await laptop.next_message()
        assert second["body"] == "to whoever is there"
        assert str(second["to"]) == bob.jid


async def test_message_to_unknown_user_is_marked_failed_with_the_error_in_words(server: XmppServer) -> None:
    alice = server.register()
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        await pilot.press(*"/chat nobody@localhost", "enter", *"are you there?", "enter")
        conversation = app.session.state.conversations.get("nobody@localhost")
        await until(pilot, lambda: conversation.messages and conversation.messages[-1].state is DeliveryState.FAILED,
                    what="error bounce")
        assert "service-unavailable" in conversation.messages[-1].error
        await until(pilot, lambda: any("not delivered: service-unavailable" in line
                                       for line in log_lines(app, "nobody@localhost")), what="failure shown")


async def test_hostile_text_is_shown_literally_and_does_nothing(server: XmppServer, peers: list[Peer]) -> None:
    alice, bob, peer = await friends(server, peers)
    # ESC itself cannot travel in XML 1.0 (Prosody closes a stream that carries it); its 8-bit twin, the
    # C1 control CSI (U+009B), can, and so can bidi overrides. Both must arrive inert and visible.
    body = "[bold red]x[/] [@click=app.quit]click me[/] [/foo] \u009b31mred \u202eevil"
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        peer.client.make_message(mto=alice.jid, mbody=body, mtype="chat").send()
        await until(pilot, lambda: bodies(app, bob.jid), what="hostile message")
        await pilot.press("alt+a")
        await until(pilot, lambda: log_lines(app, bob.jid), what="log laid out")
        shown = " ".join(line.strip() for line in log_lines(app, bob.jid))
        assert "[bold red]x[/] [@click=app.quit]click me[/] [/foo] <U+009B>31mred <U+202E>evil" in shown
        log = app.main_screen.chat_log(bob.jid)
        await pilot.click(log, offset=(20, 1))
        await pilot.click(log, offset=(30, 1))
        await pilot.pause()
        assert app.is_running
        assert app.main_screen.active == bob.jid


async def test_delayed_message_shows_its_original_time_and_headline_is_a_notice(
        server: XmppServer, peers: list[Peer]) -> None:
    alice, bob, peer = await friends(server, peers)
    stamp = datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        delayed = peer.client.make_message(mto=alice.jid, mbody="sent long ago", mtype="chat")
        delayed.append(ET.fromstring(f'<delay xmlns="urn:xmpp:delay" stamp="{stamp.isoformat()}"/>'))
        delayed.send()
        peer.client.make_message(mto=alice.jid, mbody="server maintenance at noon", mtype="headline").send()
        await until(pilot, lambda: len(bodies(app, bob.jid)) == 2, what="delayed message and headline")
        await pilot.press("alt+a")
        await until(pilot, lambda: len(log_lines(app, bob.jid)) >= 4, what="log laid out")
        expected_time = time.strftime("%H:%M", time.localtime(stamp.timestamp()))
        lines = [line for line in log_lines(app, bob.jid) if "new messages" not in line]  # (the unread line)
        assert time.strftime("%A %d %B %Y", time.localtime(stamp.timestamp())) in lines[0]
        assert lines[1] == f"{expected_time} Bob sent long ago"
        assert any(line.endswith("» server maintenance at noon") for line in lines)
        assert app.session.state.conversations.get(bob.jid).messages[0].delayed


async def test_unknown_iq_gets_feature_not_implemented(server: XmppServer, peers: list[Peer]) -> None:
    alice, _bob, peer = await friends(server, peers)
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        iq = peer.client.make_iq_get(queryxmlns="urn:example:unknown", ito=f"{alice.jid}/{app.session.state.resource}")
        future = asyncio.get_running_loop().create_future()
        iq.send(callback=future.set_result)
        response = await asyncio.wait_for(future, 10)
        assert response["type"] == "error"
        assert response["error"]["condition"] == "feature-not-implemented"
        assert response["error"]["type"] == "cancel"
        assert app.is_running
