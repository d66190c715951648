"""Corrections (XEP-0308) outside a live one-to-one chat, at the session level, against the private servers, with
plain slixmpp peers using slixmpp's own XEP-0308 plugin: in a room from the line's occupant (keeping its
reactions) and not from another one, ours reflected by the room not shown twice; from our other client by carbon
(ours only) and received by it (the peer's only); one sent while we were not running applied from the archive at
the next login, to the line held, with the text it replaced kept, and in a room on rejoining; and a line a
moderator removed, read from the room's archive by a client that never held it, shown as removed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.e2e.helpers import SIZE, bodies, log_lines, logged_in, make_app, until
from tests.e2e.test_messaging import (
    held,
    next_in_room,
    offers_moderation,
    room_stanza_id,
    send,
    send_reactions,
    session_for,
    wait_for,
)
from tests.e2e.test_messaging import peer as messaging_peer
from tests.e2e.test_rooms import joined, new_room, peer_join, typed
from tests.support.peer import Peer
from tests.support.server import Account as ServerAccount
from tests.support.server import XmppServer
from xmpptui.model.conversation import ChatMessage
from xmpptui.model.message import Edit
from xmpptui.storage.history import History
from xmpptui.xmpp.session import XmppSession


async def peer(server: XmppServer, peers: list[Peer], account: ServerAccount, resource: str = "peer") -> Peer:
    return await messaging_peer(server, peers, account, resource, more_plugins=("xep_0308",))


def correct(plain: Peer, to: str, target: str, body: str, mtype: str = "chat") -> None:
    plain.client.plugin["xep_0308"].build_correction(target, to, mtype=mtype, mbody=body).send()


def lines(session: XmppSession, jid: str) -> list[ChatMessage]:
    conversation = session.state.conversations.get(jid)
    return list(conversation.messages) if conversation is not None else []


async def said(session: XmppSession, jid: str, body: str) -> ChatMessage:
    """The line with this text, once held (the marker that what was sent before it was handled)."""
    await wait_for(lambda: any(m.body == body for m in lines(session, jid)), f"the line {body!r}")
    return held(session, jid, body)


@pytest.mark.timeout(90)
async def test_a_room_correction_from_the_lines_occupant_replaces_it_and_from_another_changes_nothing(
        server: XmppServer, peers: list[Peer]) -> None:
    alice, bob, carol = server.register(), server.register(), server.register()
    room = new_room()
    plain_bob = await peer(server, peers, bob)
    plain_carol = await peer(server, peers, carol)
    await peer_join(plain_bob, room, "bob")
    await peer_join(plain_carol, room, "carol")
    session, _ = await session_for(server, alice)
    try:
        await session.join_room(room)
        await wait_for(lambda: (r := session.state.rooms.get(room)) is not None and r.joined and r.features,
                       "joined, and the room's features known")
        original = send(plain_bob, room, "helo room", "groupchat")
        reference = room_stanza_id(await next_in_room(plain_carol, "helo room"), room)
        line = await said(session, room, "helo room")
        send_reactions(plain_carol, room, reference, ["👋"], "groupchat")
        await wait_for(lambda: line.reactions, "carol's reaction")

        correct(plain_carol, room, original, "bob is wrong", "groupchat")  # carol may not correct bob's line
        await said(session, room, "bob is wrong")
        assert (line.body, line.edited) == ("helo room", False)

        correct(plain_bob, room, original, "hello room", "groupchat")
        await wait_for(lambda: line.body == "hello room", "bob's correction")
        assert (line.edited, line.edits[0].text, len(line.reactions)) == (True, "helo room", 1)
        assert [m.body for m in lines(session, room) if m.sender in ("bob", "carol")] == [
            "hello room", "bob is wrong"], "the correction replaced the line, it did not add one"

        await session.send_groupchat(room, "alice's typo")
        ours = held(session, room, "alice's typo")
        await next_in_room(plain_bob, "alice's typo")
        await session.correct_last(room, "alice's text")
        corrected = await next_in_room(plain_bob, "alice's text")
        assert corrected["replace"]["id"] == ours.id, "sent as a correction of our line, by its own id"
        send(plain_bob, room, "after alice's correction", "groupchat")
        await said(session, room, "after alice's correction")  # (the room reflected ours to us before it)
        assert [m.body for m in lines(session, room) if m.body.startswith("alice's")] == ["alice's text"]
        assert ours.edits[0].text == "alice's typo"
    finally:
        await session.stop()


@pytest.mark.timeout(60)
async def test_carbons_of_our_other_clients_corrections_replace_ours_and_of_the_peers_replace_theirs(
        server: XmppServer, peers: list[Peer]) -> None:
    alice, bob = server.register(), server.register()
    server.befriend(alice, bob, "Alice", "Bob")
    plain_bob = await peer(server, peers, bob)
    session, _ = await session_for(server, alice)
    phone = await peer(server, peers, alice, "phone")
    try:
        ours_id = send(phone, bob.jid, "see you at 5")
        await plain_bob.next_message()
        ours = await said(session, bob.jid, "see you at 5")
        correct(phone, bob.jid, ours_id, "see you at 6")
        await wait_for(lambda: ours.body == "see you at 6", "our other client's correction, by carbon")

        theirs_id = send(plain_bob, f"{alice.jid}/phone", "ok at 5")
        theirs = await said(session, bob.jid, "ok at 5")
        correct(plain_bob, f"{alice.jid}/phone", ours_id, "bob rewrites alice")  # bob may not correct ours
        await said(session, bob.jid, "bob rewrites alice")
        correct(plain_bob, f"{alice.jid}/phone", theirs_id, "ok at 6")
        await wait_for(lambda: theirs.body == "ok at 6", "bob's correction, received by our other client")
        assert [m.body for m in lines(session, bob.jid)] == ["see you at 6", "ok at 6", "bob rewrites alice"]
        assert ([e.text for e in ours.edits], [e.text for e in theirs.edits]) == (["see you at 5"], ["ok at 5"])
    finally:
        await session.stop()


@pytest.mark.timeout(90)
async def test_a_correction_sent_while_we_were_away_applies_at_the_next_login_from_the_archive(
        server: XmppServer, peers: list[Peer], tmp_path: Path) -> None:
    alice, bob = server.register(), server.register()
    server.befriend(alice, bob, "Alice", "Bob")
    plain = await peer(server, peers, bob)
    history = History(tmp_path / "history.sqlite3")
    try:
        session, _ = await session_for(server, alice, history)
        await plain.presence_from(alice.jid, available=True)
        try:
            original = send(plain, alice.jid, "the meeting is on tuesday")
            await said(session, bob.jid, "the meeting is on tuesday")
            await session.react(bob.jid, held(session, bob.jid, "the meeting is on tuesday"), {"👍"})
        finally:
            await session.stop()
        correct(plain, alice.jid, original, "the meeting is on wednesday")
        await plain.client.plugin["xep_0030"].get_info(jid=bob.jid, timeout=10)  # (a round trip: it was sent)

        session, _ = await session_for(server, alice, history)
        try:
            session.open_conversation(bob.jid)
            line = await said(session, bob.jid, "the meeting is on wednesday")
            assert [m.body for m in lines(session, bob.jid)] == ["the meeting is on wednesday"], "one line"
            assert (line.id, line.edited, [e.text for e in line.edits]) == (
                original, True, ["the meeting is on tuesday"])
            assert line.reactions == {alice.jid: frozenset({"👍"})}, "the correction kept the reaction"
        finally:
            await session.stop()
        page, _ = await history.page(alice.jid, bob.jid, 10)
        assert [(m.body, m.edited) for m in page] == [("the meeting is on wednesday", True)]
        assert [edit.text for edit in page[0].edits] == ["the meeting is on tuesday"]
        assert all(isinstance(edit, Edit) for edit in page[0].edits)
        assert [hit.message.body for hit in await history.search(alice.jid, "wednesday")] == [
            "the meeting is on wednesday"]
    finally:
        await asyncio.to_thread(history.shutdown)


@pytest.mark.timeout(90)
async def test_a_room_correction_made_while_we_were_away_applies_on_rejoining(
        server: XmppServer, peers: list[Peer], tmp_path: Path) -> None:
    """Bob's line is held; while xmpptui is not running Bob corrects it and Carol (another nick) tries to; on the
    next join (the room's history and its archive both hold them) the line held shows Bob's text, once, and
    Carol's attempt nothing (what the room's history or archive brings is never a line of its own)."""
    alice, bob, carol = server.register(), server.register(), server.register()
    room = new_room()
    plain_bob = await peer(server, peers, bob)
    plain_carol = await peer(server, peers, carol)
    history = History(tmp_path / "history.sqlite3")
    try:
        session, _ = await session_for(server, alice, history)
        try:
            await session.join_room(room)  # (alice creates it; bob and carol stay while she is away)
            await wait_for(lambda: (r := session.state.rooms.get(room)) is not None and r.joined, "joined")
            await peer_join(plain_bob, room, "bob")
            await peer_join(plain_carol, room, "carol")
            original = send(plain_bob, room, "the deploy is at noon", "groupchat")
            target = (await said(session, room, "the deploy is at noon")).stanza_id
        finally:
            await session.stop()
        correct(plain_carol, room, original, "carol says never", "groupchat")
        await next_in_room(plain_bob, "carol says never")
        correct(plain_bob, room, original, "the deploy is at one", "groupchat")
        await next_in_room(plain_carol, "the deploy is at one")

        session, _ = await session_for(server, alice, history)
        try:
            await session.join_room(room)
            await wait_for(lambda: (r := session.state.rooms.get(room)) is not None and r.joined, "joined again")
            line = await said(session, room, "the deploy is at one")
            send(plain_bob, room, "marker", "groupchat")
            await said(session, room, "marker")
            assert (line.stanza_id, [e.text for e in line.edits]) == (target, ["the deploy is at noon"])
            assert [m.body for m in lines(session, room) if m.sender in ("bob", "carol")] == [
                "the deploy is at one", "marker"], "carol's correction of bob's line changed nothing"
        finally:
            await session.stop()
    finally:
        await asyncio.to_thread(history.shutdown)


@pytest.mark.timeout(90)
async def test_a_fresh_client_shows_a_line_the_moderator_removed_as_removed_from_the_rooms_archive(
        server: XmppServer, peers: list[Peer]) -> None:
    """The room's archive keeps a tombstone in the removed line's place (Prosody's mod_muc_moderation): Dave,
    joining later with nothing held, reads it as Bob's line "removed by a moderator (spam)", not as nothing."""
    alice, bob, dave = server.register(), server.register(), server.register()
    room = new_room()
    plain_bob = await peer(server, peers, bob)
    session, _ = await session_for(server, alice)
    try:
        await session.join_room(room)  # (alice creates it: its owner, so a moderator)
        await wait_for(lambda: (r := session.state.rooms.get(room)) is not None and r.joined and r.features,
                       "joined, and the room's features known")
        if not offers_moderation(session, room):
            pytest.skip("this server's rooms offer no moderation (disco#info)")
        await peer_join(plain_bob, room, "bob")
        send(plain_bob, room, "before", "groupchat")
        send(plain_bob, room, "buy cheap pills", "groupchat")
        send(plain_bob, room, "after", "groupchat")
        await said(session, room, "after")
        await session.moderate(room, held(session, room, "buy cheap pills"), "spam")
    finally:
        await session.stop()

    fresh, _ = await session_for(server, dave)
    try:
        await fresh.join_room(room)
        await wait_for(lambda: (r := fresh.state.rooms.get(room)) is not None and r.joined, "dave joined")
        await wait_for(lambda: any(m.retracted for m in lines(fresh, room)), "the removed line, from the archive")
        assert [(m.sender, m.body, m.retracted) for m in lines(fresh, room) if m.sender == "bob"] == [
            ("bob", "before", ""), ("bob", "", "removed by a moderator (spam)"), ("bob", "after", "")]
    finally:
        await fresh.stop()


@pytest.mark.timeout(90)
async def test_in_a_room_up_corrects_our_last_line_and_others_corrections_show_edited_in_the_log(
        server: XmppServer, peers: list[Peer]) -> None:
    """Driven as a user: Up in the empty composer of a room puts our last line back, Enter sends the correction
    (by our line's own id); the log shows each corrected line once, marked (edited)."""
    alice, bob = server.register(), server.register()
    room = new_room()
    plain_bob = await peer(server, peers, bob)
    await peer_join(plain_bob, room, "bob")
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        await typed(pilot, f"/join {room}")
        await joined(pilot, room)
        await typed(pilot, "helo all")
        original = await next_in_room(plain_bob, "helo all")
        await until(pilot, lambda: app.main_screen.composer.text == "", what="the composer emptied")
        await pilot.press("up")
        assert app.main_screen.composer.text == "helo all" and app.main_screen.composer.correcting
        await pilot.press("ctrl+a", "ctrl+k", *"hello all", "enter")
        correction = await next_in_room(plain_bob, "hello all")
        assert correction["replace"]["id"] == original["id"]

        bobs = send(plain_bob, room, "me too", "groupchat")
        correct(plain_bob, room, bobs, "me three", "groupchat")
        await until(pilot, lambda: "me three" in bodies(app, room), what="bob's correction")
        send(plain_bob, room, "marker", "groupchat")
        await until(pilot, lambda: "marker" in bodies(app, room), what="bob's next line")
        assert [b for b in bodies(app, room) if b in ("helo all", "hello all", "me too", "me three", "marker")] == [
            "hello all", "me three", "marker"]
        await until(pilot, lambda: all(any(line.endswith(f"{text} (edited)") for line in log_lines(app, room))
                                       for text in ("hello all", "me three")), what="both lines marked edited")
