"""Receipts (XEP-0184), markers (XEP-0333), correction (XEP-0308), chat states (XEP-0085) and history search,
end to end through the private Prosody, with a plain slixmpp peer on the other side."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import slixmpp

from tests.e2e.helpers import SIZE, bodies, friends, log_lines, logged_in, make_app, until
from tests.support.peer import Peer
from tests.support.prosody import Prosody
from xmpptui.model.conversation import DeliveryState
from xmpptui.storage.history import History
from xmpptui.ui.chat.search import SearchScreen

RECEIPTS = "urn:xmpp:receipts"
MARKERS = "urn:xmpp:chat-markers:0"
CORRECT = "urn:xmpp:message-correct:0"
STATES = "http://jabber.org/protocol/chatstates"


async def message_where(peer: Peer, predicate: Callable[[ET.Element], bool], timeout: float = 10.0) -> slixmpp.Message:
    """The next message the peer receives that satisfies `predicate` (bodiless ones included)."""
    while True:
        message = await asyncio.wait_for(peer.all_messages.get(), timeout)
        if predicate(message.xml):
            return message


def report(peer: Peer, to: str, tag: str, message_id: str) -> None:
    stanza = peer.client.make_message(mto=to, mtype="chat")
    ET.SubElement(stanza.xml, tag, id=message_id)
    stanza.send()


async def test_receipts_and_markers_move_our_message_to_delivered_then_displayed(
        prosody: Prosody, peers: list[Peer]) -> None:
    alice, bob, peer = await friends(prosody, peers)
    app = make_app(prosody, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        await pilot.press(*f"/chat {bob.jid}", "enter", *"did you get this?", "enter")
        received = await peer.next_message()
        assert received.xml.find(f"{{{RECEIPTS}}}request") is not None
        assert received.xml.find(f"{{{MARKERS}}}markable") is not None
        sent = app.session.state.conversations.get(bob.jid).messages[-1]
        await until(pilot, lambda: sent.state is DeliveryState.SENT, what="the server's ack")
        assert log_lines(app, bob.jid)[-1].endswith("me✓ did you get this?")

        report(peer, alice.jid, f"{{{RECEIPTS}}}received", received["id"])
        await until(pilot, lambda: sent.state is DeliveryState.DELIVERED, what="the receipt")
        await until(pilot, lambda: log_lines(app, bob.jid)[-1].endswith("me✓✓ did you get this?"))

        report(peer, alice.jid, f"{{{MARKERS}}}displayed", received["id"])
        await until(pilot, lambda: sent.state is DeliveryState.DISPLAYED, what="the displayed marker")
        await until(pilot, lambda: log_lines(app, bob.jid)[-1].endswith("me◉ did you get this?"))

        # A receipt never moves a message back.
        report(peer, alice.jid, f"{{{RECEIPTS}}}received", received["id"])
        peer.client.make_message(mto=alice.jid, mbody="fence", mtype="chat").send()
        await until(pilot, lambda: bodies(app, bob.jid)[-1] == "fence")
        assert sent.state is DeliveryState.DISPLAYED


async def test_we_send_receipts_and_a_displayed_marker_for_what_the_user_sees(
        prosody: Prosody, peers: list[Peer]) -> None:
    alice, bob, peer = await friends(prosody, peers)
    app = make_app(prosody, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        await pilot.press(*f"/chat {bob.jid}", "enter")
        stanza = peer.client.make_message(mto=alice.jid, mbody="ping with receipts", mtype="chat")
        stanza["id"] = "bob-1"
        ET.SubElement(stanza.xml, f"{{{RECEIPTS}}}request")
        ET.SubElement(stanza.xml, f"{{{MARKERS}}}markable")
        stanza.send()
        receipt = await message_where(peer, lambda x: x.find(f"{{{RECEIPTS}}}received") is not None)
        assert receipt.xml.find(f"{{{RECEIPTS}}}received").get("id") == "bob-1"
        marker = await message_where(peer, lambda x: x.find(f"{{{MARKERS}}}displayed") is not None)
        assert marker.xml.find(f"{{{MARKERS}}}displayed").get("id") == "bob-1"
        assert not marker["body"]


async def test_correcting_the_last_message_shows_on_both_ends(prosody: Prosody, peers: list[Peer]) -> None:
    alice, bob, peer = await friends(prosody, peers)
    app = make_app(prosody, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        await pilot.press(*f"/chat {bob.jid}", "enter", *"helo wrld", "enter")
        original = await peer.next_message()
        await until(pilot, lambda: app.main_screen.composer.text == "", what="the composer emptied")

        await pilot.press("up")  # in the empty composer: edit the last message
        assert app.main_screen.composer.text == "helo wrld"
        assert app.main_screen.composer.correcting
        await pilot.press("ctrl+a", "ctrl+k", *"hello world", "enter")
        correction = await peer.next_message()
        assert correction["body"] == "hello world"
        assert correction.xml.find(f"{{{CORRECT}}}replace").get("id") == original["id"]
        await until(pilot, lambda: bodies(app, bob.jid) == ["hello world"], what="our text replaced")
        await until(pilot, lambda: log_lines(app, bob.jid)[-1].endswith("hello world (edited)"))

        first = peer.client.make_message(mto=alice.jid, mbody="see you at 5", mtype="chat")
        first["id"] = "bob-original"
        first.send()
        await until(pilot, lambda: bodies(app, bob.jid)[-1] == "see you at 5")
        fixed = peer.client.make_message(mto=alice.jid, mbody="see you at 6", mtype="chat")
        ET.SubElement(fixed.xml, f"{{{CORRECT}}}replace", id="bob-original")
        fixed.send()
        await until(pilot, lambda: bodies(app, bob.jid) == ["hello world", "see you at 6"], what="bob's correction")
        await until(pilot, lambda: log_lines(app, bob.jid)[-1].endswith("see you at 6 (edited)"))
        held = app.session.state.conversations.get(bob.jid).messages  # type: ignore[union-attr]
        assert [[edit.text for edit in message.edits] for message in held] == [["helo wrld"], ["see you at 5"]], \
            "each correction keeps the text it replaced (the details list them)"


async def test_chat_states_both_ways(prosody: Prosody, peers: list[Peer]) -> None:
    alice, bob, peer = await friends(prosody, peers)
    app = make_app(prosody, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        await pilot.press(*f"/chat {bob.jid}", "enter")

        composing = peer.client.make_message(mto=alice.jid, mtype="chat")
        ET.SubElement(composing.xml, f"{{{STATES}}}composing")
        composing.send()
        screen = app.main_screen
        await until(pilot, lambda: screen.chat_state_line == "Bob is typing…", what="bob typing shown")
        peer.client.make_message(mto=alice.jid, mbody="done typing", mtype="chat").send()
        await until(pilot, lambda: screen.chat_state_line == "", what="the typing line cleared by the message")

        await pilot.press(*"hel")
        state = await message_where(peer, lambda x: any(child.tag.startswith(f"{{{STATES}}}") for child in x))
        assert state.xml.find(f"{{{STATES}}}composing") is not None
        await pilot.press("enter")
        sent = await peer.next_message()
        assert sent["body"] == "hel" and sent.xml.find(f"{{{STATES}}}active") is not None


async def test_search_finds_a_message_from_a_previous_run(
        prosody: Prosody, peers: list[Peer], tmp_path: Path) -> None:
    alice, bob, peer = await friends(prosody, peers)
    history = History(tmp_path / "history.sqlite3")
    try:
        app = make_app(prosody, alice, history=history)
        async with app.run_test(size=SIZE) as pilot:
            await logged_in(pilot)
            for body in ("before it", "the quick brown fox jumps", "after it"):
                peer.client.make_message(mto=alice.jid, mbody=body, mtype="chat").send()
            await until(pilot, lambda: len(bodies(app, bob.jid)) == 3, what="the first run's messages")
            await pilot.press("ctrl+q")

        again = make_app(prosody, alice, history=history)
        async with again.run_test(size=SIZE) as pilot:
            await logged_in(pilot)
            await pilot.press(*"/search QUICK fo", "enter")
            await until(pilot, lambda: isinstance(again.screen, SearchScreen), what="the results")
            screen = again.screen
            assert isinstance(screen, SearchScreen)
            results = screen.query_one("#search-results")
            assert results.option_count == 1
            assert "the quick brown fox jumps" in str(results.get_option_at_index(0).prompt)
            await pilot.press("enter")
            await until(pilot, lambda: screen.context_log is not None and screen.context_log.line_count > 0,
                        what="the hit in its context")
            lines = screen.context_log.plain_lines()
            index = next(i for i, line in enumerate(lines) if line.endswith("the quick brown fox jumps"))
            assert lines[index - 1].endswith("before it") and lines[index + 1].endswith("after it")
            await pilot.press("escape")
            await until(pilot, lambda: again.screen is again.main_screen, what="back to the main screen")
    finally:
        await asyncio.to_thread(history.shutdown)
