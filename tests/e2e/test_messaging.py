"""Replies, reactions, retraction, moderation and reporting at the session level, against the private servers, with
plain slixmpp peers using slixmpp's own XEP-0444, 0461, 0424, 0425 and 0377 plugins: each both ways in a chat and
in a room, what arrived while we were not running applied from the archive, and what a peer may not do (retract
someone else's message, react to a message that does not exist, moderate without being the room) changing
nothing."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from slixmpp import Message
from slixmpp.exceptions import IqError
from slixmpp.xmlstream import ET

from tests.e2e.test_rooms import new_room, peer_join
from tests.support.peer import Peer
from tests.support.server import Account as ServerAccount
from tests.support.server import XmppServer
from xmpptui.config import Account
from xmpptui.model.conversation import RETRACTED, ChatMessage, Reply
from xmpptui.model.events import Event, MessageUpdated
from xmpptui.model.state import ConnectionState
from xmpptui.passwords import Secret
from xmpptui.session import RoomError
from xmpptui.storage.history import History
from xmpptui.xmpp.session import XmppSession
from xmpptui.xmpp.stanzas import messaging

PLUGINS = ("xep_0444", "xep_0461", "xep_0424", "xep_0425", "xep_0428", "xep_0359", "xep_0421")


async def wait_for(predicate: Callable[[], object], what: str, timeout: float = 10.0) -> None:
    """Poll the condition (no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


class Events(list[Event]):
    def updated(self) -> list[ChatMessage]:
        return [event.message for event in self if isinstance(event, MessageUpdated)]


async def session_for(server: XmppServer, account: ServerAccount, history: History | None = None) -> tuple[
        XmppSession, Events]:
    session = XmppSession(Account(jid=account.jid, host=server.host, port=server.c2s_port,
                                  ca_file=str(server.ca_file), timeout=10, history=history is not None),
                          Secret(account.password), history=history)
    events = Events()
    await session.start(events.append)
    assert session.state.connection.state is ConnectionState.ONLINE
    return session, events


async def peer(server: XmppServer, peers: list[Peer], account: ServerAccount, resource: str = "peer",
               more_plugins: tuple[str, ...] = ()) -> Peer:
    plain = Peer(server, account, resource)
    for plugin in (*PLUGINS, *more_plugins):
        plain.client.register_plugin(plugin)
    peers.append(await plain.connect())
    return plain


async def next_with(plain: Peer, element: str, about: str = "", timeout: float = 10.0) -> Message:
    """The peer's next message carrying `element` ("{ns}name") about the message `about` (if given): what came
    before it (a room's echo of others' reactions, say) is passed over."""
    deadline = time.monotonic() + timeout
    while True:
        message = await asyncio.wait_for(plain.all_messages.get(), max(deadline - time.monotonic(), 0.01))
        found = message.xml.find(element)
        if found is not None and (not about or found.get("id") == about):
            return message


def held(session: XmppSession, jid: str, body: str) -> ChatMessage:
    conversation = session.state.conversations.get(jid)
    assert conversation is not None
    return next(m for m in conversation.messages if m.body == body)


def send(plain: Peer, to: str, body: str, mtype: str = "chat") -> str:
    message = plain.client.make_message(mto=to, mbody=body, mtype=mtype)
    message["id"] = uuid.uuid4().hex
    message.send()
    return message["id"]


def send_reactions(plain: Peer, to: str, target: str, emojis: list[str], mtype: str = "chat") -> None:
    message = plain.client.make_message(mto=to, mtype=mtype)
    plain.client.plugin["xep_0444"].set_reactions(message, target, emojis)
    message.enable("store")
    message.send()


# One-to-one chat ---------------------------------------------------------------------------------------------------


@pytest.mark.timeout(60)
async def test_reactions_both_ways_in_a_chat_and_one_to_no_message_changes_nothing(
        server: XmppServer, peers: list[Peer]) -> None:
    alice, bob = server.register(), server.register()
    server.befriend(alice, bob, "Alice", "Bob")
    plain = await peer(server, peers, bob)
    session, events = await session_for(server, alice)
    await plain.presence_from(alice.jid, available=True)  # (the server has it: bob's words reach alice, not offline)
    try:
        message_id = send(plain, alice.jid, "lunch?")
        await wait_for(lambda: session.state.conversations.get(bob.jid) is not None
                       and session.state.conversations.get(bob.jid).messages, "bob's message")  # type: ignore[union-attr]
        theirs = held(session, bob.jid, "lunch?")
        send_reactions(plain, alice.jid, "no-such-id", ["👎"])
        send_reactions(plain, alice.jid, message_id, ["👍", "🎉"])
        await wait_for(lambda: theirs.reactions, "bob's reactions")
        assert theirs.reactions == {bob.jid: frozenset({"👍", "🎉"})}, "the one to no message changed nothing"
        assert theirs in events.updated()
        send_reactions(plain, alice.jid, message_id, ["🎉"])  # a new set replaces the old
        await wait_for(lambda: theirs.reactions == {bob.jid: frozenset({"🎉"})}, "bob's new set")

        await session.react(bob.jid, theirs, {"❤️"})
        sent = await next_with(plain, f"{{{messaging.REACTIONS_NS}}}reactions")
        assert sent["reactions"]["id"] == message_id and sent["reactions"]["values"] == {"❤️"}
        assert theirs.reactions == {bob.jid: frozenset({"🎉"}), alice.jid: frozenset({"❤️"})}
        await session.react(bob.jid, theirs, set())
        sent = await next_with(plain, f"{{{messaging.REACTIONS_NS}}}reactions")
        assert sent["reactions"]["values"] == set()
        assert theirs.reactions == {bob.jid: frozenset({"🎉"})}
    finally:
        await session.stop()


@pytest.mark.timeout(60)
async def test_retraction_both_ways_in_a_chat_and_a_spoofed_one_changes_nothing(
        server: XmppServer, peers: list[Peer]) -> None:
    alice, bob = server.register(), server.register()
    server.befriend(alice, bob, "Alice", "Bob")
    plain = await peer(server, peers, bob)
    session, events = await session_for(server, alice)
    await plain.presence_from(alice.jid, available=True)  # (the server has it: bob's words reach alice, not offline)
    try:
        oops = send(plain, alice.jid, "wrong window, sorry")
        send(plain, alice.jid, "kept")
        await wait_for(lambda: (c := session.state.conversations.get(bob.jid)) is not None and len(c.messages) == 2,
                       "bob's messages")
        plain.client.plugin["xep_0424"].send_retraction(alice.jid, oops)
        retracted = next(m for m in session.state.conversations.get(bob.jid).messages  # type: ignore[union-attr]
                         if m.id == oops)
        await wait_for(lambda: retracted.retracted, "bob's retraction")
        assert (retracted.body, retracted.retracted) == ("", RETRACTED)
        assert held(session, bob.jid, "kept").retracted == ""

        await session.send_chat(bob.jid, "my own words")
        ours = held(session, bob.jid, "my own words")
        received = await plain.next_message()
        assert received["id"] == ours.id
        plain.client.plugin["xep_0424"].send_retraction(alice.jid, ours.id)  # bob may not take back alice's words
        marker = send(plain, alice.jid, "after the spoof")
        await wait_for(lambda: any(m.id == marker for m in session.state.conversations.get(bob.jid).messages),  # type: ignore[union-attr]
                       "the message after the spoofed retraction")
        assert (ours.body, ours.retracted) == ("my own words", "")

        await session.retract(bob.jid, ours)
        retraction = await next_with(plain, f"{{{messaging.RETRACT_NS}}}retract")
        assert retraction["retract"]["id"] == ours.id
        assert (ours.body, ours.retracted) == ("", RETRACTED) and ours in events.updated()
    finally:
        await session.stop()


@pytest.mark.timeout(60)
async def test_replies_both_ways_in_a_chat(server: XmppServer, peers: list[Peer]) -> None:
    alice, bob = server.register(), server.register()
    server.befriend(alice, bob, "Alice", "Bob")
    plain = await peer(server, peers, bob)
    session, _ = await session_for(server, alice)
    await plain.presence_from(alice.jid, available=True)
    try:
        await session.send_chat(bob.jid, "are we\nstill on?")
        ours = held(session, bob.jid, "are we\nstill on?")
        await plain.next_message()
        plain.client.plugin["xep_0461"].send_reply(alice.jid, ours.id, "are we\nstill on?", "Alice",
                                                   mto=alice.jid, mbody="yes, at noon", mtype="chat")
        await wait_for(lambda: any(m.body == "yes, at noon" for m in session.state.conversations.get(bob.jid)
                                   .messages), "bob's reply")  # type: ignore[union-attr]
        answer = held(session, bob.jid, "yes, at noon")
        assert answer.reply_to == Reply(ours.id, alice.jid, "are we still on?")

        await session.reply(bob.jid, answer, "great")
        received = await plain.next_message()
        assert received["reply"]["id"] == answer.id
        assert received["reply"].strip_fallback_content() == "great"
        assert received["reply"].get_fallback_body().endswith("> yes, at noon\n")
        assert held(session, bob.jid, "great").reply_to == Reply(answer.id, bob.jid, "yes, at noon")
    finally:
        await session.stop()


@pytest.mark.timeout(90)
async def test_a_reaction_and_a_retraction_sent_while_we_were_away_apply_from_the_archive(
        server: XmppServer, peers: list[Peer], tmp_path: Path) -> None:
    alice, bob = server.register(), server.register()
    server.befriend(alice, bob, "Alice", "Bob")
    plain = await peer(server, peers, bob)
    history = History(tmp_path / "history.sqlite3")
    try:
        session, _ = await session_for(server, alice, history)
        await plain.presence_from(alice.jid, available=True)
        try:
            liked = send(plain, alice.jid, "a photo of the cat")
            regretted = send(plain, alice.jid, "my bank password is hunter2")
            await wait_for(lambda: (c := session.state.conversations.get(bob.jid)) is not None
                           and len(c.messages) == 2, "bob's messages")
        finally:
            await session.stop()
        assert [hit.message.body for hit in await history.search(alice.jid, "hunter2")]
        send_reactions(plain, alice.jid, liked, ["😻"])
        plain.client.plugin["xep_0424"].send_retraction(alice.jid, regretted)
        await plain.client.plugin["xep_0030"].get_info(jid=bob.jid, timeout=10)  # (a round trip: both were sent)

        session, _ = await session_for(server, alice, history)
        try:
            session.open_conversation(bob.jid)
            await wait_for(lambda: (c := session.state.conversations.get(bob.jid)) is not None
                           and any(m.id == regretted and m.retracted for m in c.messages)
                           and any(m.id == liked and m.reactions for m in c.messages), "the archive's updates")
            conversation = session.state.conversations.get(bob.jid)
            assert conversation is not None
            photo = next(m for m in conversation.messages if m.id == liked)
            assert photo.reactions == {bob.jid: frozenset({"😻"})}
            secret = next(m for m in conversation.messages if m.id == regretted)
            assert (secret.body, secret.retracted) == ("", RETRACTED)
        finally:
            await session.stop()
        assert await history.search(alice.jid, "hunter2") == [], "the retracted text left the search index"
        page, _ = await history.page(alice.jid, bob.jid, 10)
        assert [(m.body, m.retracted, m.reactions) for m in page] == [
            ("a photo of the cat", "", {bob.jid: frozenset({"😻"})}), ("", RETRACTED, {})]
    finally:
        await asyncio.to_thread(history.shutdown)


# A room ------------------------------------------------------------------------------------------------------------


def room_stanza_id(message: Message, room: str) -> str:
    for element in message.xml.findall("{urn:xmpp:sid:0}stanza-id"):
        if element.get("by") == room:
            return element.get("id", "")
    return ""


async def next_in_room(plain: Peer, body: str) -> Message:
    while (message := await plain.next_message())["body"] != body:
        pass
    return message


@pytest.mark.timeout(90)
async def test_reactions_retraction_and_replies_both_ways_in_a_room(server: XmppServer, peers: list[Peer]) -> None:
    alice, bob, carol = server.register(), server.register(), server.register()
    room = new_room()
    plain_bob = await peer(server, peers, bob)
    plain_carol = await peer(server, peers, carol)
    await peer_join(plain_bob, room, "bob")
    await peer_join(plain_carol, room, "carol")
    session, events = await session_for(server, alice)
    try:
        await session.join_room(room)
        await wait_for(lambda: (r := session.state.rooms.get(room)) is not None and r.joined and r.features,
                       "joined, and the room's features known")
        offers_ids = session.state.rooms.get(room).offers_occupant_ids  # type: ignore[union-attr]
        send(plain_bob, room, "hello room", "groupchat")
        seen_by_carol = await next_in_room(plain_carol, "hello room")
        reference = room_stanza_id(seen_by_carol, room)
        assert reference, "the room names its messages (XEP-0359)"
        await wait_for(lambda: (c := session.state.conversations.get(room)) is not None
                       and any(m.body == "hello room" for m in c.messages), "bob's line")
        line = held(session, room, "hello room")
        assert line.stanza_id == reference

        send_reactions(plain_carol, room, reference, ["👋"], "groupchat")
        send_reactions(plain_carol, room, "no-such-id", ["👎"], "groupchat")
        await wait_for(lambda: line.reactions, "carol's reaction")

        # Carol may not take back Bob's words; Bob may.
        spoof = plain_carol.client.make_message(mto=room, mtype="groupchat")
        ET.SubElement(spoof.xml, f"{{{messaging.RETRACT_NS}}}retract", id=reference)
        spoof.send()
        send(plain_carol, room, "after the spoof", "groupchat")
        await wait_for(lambda: any(m.body == "after the spoof" for m in session.state.conversations.get(room)
                                   .messages), "carol's next line")  # type: ignore[union-attr]
        assert (line.body, line.retracted) == ("hello room", "")
        carol_line = held(session, room, "after the spoof")
        assert bool(carol_line.occupant_id) == offers_ids, "occupant ids believed where the room offers them"
        carol_key = f"o:{carol_line.occupant_id}" if offers_ids else "n:carol"
        assert line.reactions == {carol_key: frozenset({"👋"})}, "keyed by occupant id where offered"
        plain_bob.client.plugin["xep_0424"].send_retraction(room, reference, mtype="groupchat")
        await wait_for(lambda: line.retracted, "bob's retraction")
        assert (line.body, line.retracted, line.reactions) == ("", RETRACTED, {})

        # Ours: a line, reacted to by Bob (by the room's id for it), replied to, retracted.
        await session.send_groupchat(room, "alice here")
        ours = held(session, room, "alice here")
        seen_by_bob = await next_in_room(plain_bob, "alice here")
        ours_reference = room_stanza_id(seen_by_bob, room)
        await wait_for(lambda: ours.stanza_id, "the room's id for our line")
        assert ours.stanza_id == ours_reference
        send_reactions(plain_bob, room, ours_reference, ["🙌"], "groupchat")
        await wait_for(lambda: ours.reactions, "bob's reaction to our line")

        await session.react(room, ours, {"✅"})
        while (reaction := await next_with(plain_bob, f"{{{messaging.REACTIONS_NS}}}reactions", ours_reference)
               )["reactions"]["values"] == {"🙌"}:
            pass  # (bob's own, echoed by the room)
        assert reaction["reactions"]["values"] == {"✅"}
        room_state = session.state.rooms.get(room)
        assert room_state is not None
        await wait_for(lambda: len(ours.reactions) == 2, "both reactions")
        assert ours.reactions[room_state.own_reactor] == frozenset({"✅"}), "our own echo is not counted twice"

        await session.reply(room, ours, "answering myself")
        while (reply := await plain_bob.next_message()).xml.find(f"{{{messaging.REPLY_NS}}}reply") is None:
            pass
        assert reply["reply"]["id"] == ours_reference
        assert reply["reply"].strip_fallback_content() == "answering myself"
        assert reply["reply"].get_fallback_body() == f"> {room_state.nick}:\n> alice here\n"

        await session.retract(room, ours)
        await next_with(plain_bob, f"{{{messaging.RETRACT_NS}}}retract", ours_reference)
        assert (ours.body, ours.retracted) == ("", RETRACTED) and ours in events.updated()
    finally:
        await session.stop()


def removal_notice(message: Message, room: str, target: str) -> str | None:
    """The reason in `message` if it is `room`'s notice that a moderator removed its message `target`, in either
    XEP-0425 version a server speaks (0.3: a retraction holding <moderated/>; 0.2: a fastening holding one); None
    if it is not one. Read from the raw stanza, as any client would, not through xmpptui's parser."""
    if message["from"].bare != room or message["from"].resource:
        return None
    current = message.xml.find(f"{{{messaging.RETRACT_NS}}}retract")
    if current is not None and current.get("id") == target and \
            current.find(f"{{{messaging.MODERATE_NS}}}moderated") is not None:
        return current.findtext(f"{{{messaging.RETRACT_NS}}}reason") or ""
    fastened = message.xml.find("{urn:xmpp:fasten:0}apply-to")
    older = fastened.find("{urn:xmpp:message-moderate:0}moderated") if fastened is not None else None
    if older is not None and fastened.get("id") == target and \
            older.find("{urn:xmpp:message-retract:0}retract") is not None:
        return older.findtext("{urn:xmpp:message-moderate:0}reason") or ""
    return None


async def removal_seen_by(plain: Peer, room: str, target: str, timeout: float = 10.0) -> str:
    """Wait for `plain` to get the room's notice that `target` was removed; its reason."""
    deadline = time.monotonic() + timeout
    while True:
        message = await asyncio.wait_for(plain.all_messages.get(), max(deadline - time.monotonic(), 0.01))
        if (reason := removal_notice(message, room, target)) is not None:
            return reason


def forge_removals(plain: Peer, room: str, target: str) -> None:
    """An occupant posing as the room's moderation, in both versions' shapes."""
    forged = plain.client.make_message(mto=room, mtype="groupchat")
    retract = ET.SubElement(forged.xml, f"{{{messaging.RETRACT_NS}}}retract", id=target)
    ET.SubElement(retract, f"{{{messaging.MODERATE_NS}}}moderated", by=f"{room}/bob")
    forged.send()
    older = plain.client.make_message(mto=room, mtype="groupchat")
    fastened = ET.SubElement(older.xml, "{urn:xmpp:fasten:0}apply-to", id=target)
    moderated = ET.SubElement(fastened, "{urn:xmpp:message-moderate:0}moderated", by=f"{room}/bob")
    ET.SubElement(moderated, "{urn:xmpp:message-retract:0}retract")
    older.send()


def offers_moderation(session: XmppSession, room: str) -> bool:
    features = session.state.rooms.get(room).features  # type: ignore[union-attr]
    return bool({messaging.MODERATE_NS, messaging.MODERATE_NS_0} & features)


@pytest.mark.timeout(90)
async def test_a_moderators_removal_shows_for_everyone_and_others_cannot_remove(
        server: XmppServer, peers: list[Peer], tmp_path: Path) -> None:
    """Alice (xmpptui, the room's owner: a moderator) removes Bob's line with a reason: Bob's and Carol's plain
    clients get the room's notice, Dave (xmpptui, a participant) sees it applied, the text leaves Alice's history
    and search. Dave's own request is refused by the server in words; forged notices from Bob change nothing. A
    server whose rooms offer no moderation (by disco#info) is refused in words before anything is sent."""
    alice, bob, carol, dave = (server.register() for _ in range(4))
    room = new_room()
    plain_bob = await peer(server, peers, bob)
    plain_carol = await peer(server, peers, carol)
    history = History(tmp_path / "history.sqlite3")
    try:
        session, _ = await session_for(server, alice, history)
        dave_session, _ = await session_for(server, dave)
        try:
            await session.join_room(room)  # (alice creates it: its owner, so a moderator)
            await wait_for(lambda: (r := session.state.rooms.get(room)) is not None and r.joined and r.features,
                           "joined, and the room's features known")
            await dave_session.join_room(room)
            await wait_for(lambda: (r := dave_session.state.rooms.get(room)) is not None and r.joined
                           and r.features, "dave joined, and the room's features known")
            await peer_join(plain_bob, room, "bob")
            await peer_join(plain_carol, room, "carol")
            send(plain_bob, room, "buy cheap pills at spam.example", "groupchat")
            for who in (session, dave_session):
                await wait_for(lambda who=who: (c := who.state.conversations.get(room)) is not None  # type: ignore[misc]
                               and any(m.body == "buy cheap pills at spam.example" for m in c.messages), "bob's line")
            line = held(session, room, "buy cheap pills at spam.example")
            daves_line = held(dave_session, room, "buy cheap pills at spam.example")
            assert line.stanza_id and daves_line.stanza_id == line.stanza_id

            forge_removals(plain_bob, room, line.stanza_id)
            send(plain_bob, room, "after the forgery", "groupchat")
            await wait_for(lambda: any(m.body == "after the forgery" for m in session.state.conversations.get(room)
                                       .messages), "bob's next line")  # type: ignore[union-attr]
            assert (line.body, line.retracted) == ("buy cheap pills at spam.example", "")

            if not offers_moderation(session, room):
                for who, held_line in ((session, line), (dave_session, daves_line)):
                    with pytest.raises(RoomError, match="does not offer message moderation"):
                        await who.moderate(room, held_line, "spam")
                assert (line.body, line.retracted) == ("buy cheap pills at spam.example", "")
                return

            with pytest.raises(RoomError, match="you are not a moderator of this room"):
                await dave_session.moderate(room, daves_line, "I dislike it")
            assert (line.body, daves_line.body) == ("buy cheap pills at spam.example",) * 2

            await session.moderate(room, line, "spam")
            assert (line.body, line.retracted) == ("", "removed by a moderator (spam)")
            assert await removal_seen_by(plain_bob, room, line.stanza_id) == "spam"
            assert await removal_seen_by(plain_carol, room, line.stanza_id) == "spam"
            await wait_for(lambda: daves_line.retracted, "the removal on dave's client")
            assert (daves_line.body, daves_line.retracted) == ("", "removed by a moderator (spam)")
        finally:
            await dave_session.stop()
            await session.stop()
        assert await history.search(alice.jid, "pills") == [], "the removed text left the search index"
        page, _ = await history.page(alice.jid, room, 10)
        removed = [m for m in page if m.stanza_id == line.stanza_id]
        assert [(m.body, m.retracted) for m in removed] == [("", "removed by a moderator (spam)")]
    finally:
        await asyncio.to_thread(history.shutdown)


@pytest.mark.timeout(90)
async def test_a_removal_made_while_we_were_away_applies_from_the_rooms_archive(
        server: XmppServer, peers: list[Peer], tmp_path: Path) -> None:
    """Alice's line from Bob is held; while xmpptui is not running, Alice's other client (her account, not in
    the room: an owner may moderate from outside) removes it. On the next join the room hands the notice over
    (the history it sends on joining and its archive both hold it), and the line is removed here and in the
    history. Where the room offers no moderation (disco#info),
    the other client's request is refused by the server and the line stays."""
    alice, bob = server.register(), server.register()
    room = new_room()
    plain_bob = await peer(server, peers, bob)
    history = History(tmp_path / "history.sqlite3")
    try:
        session, _ = await session_for(server, alice, history)
        try:
            await session.join_room(room)  # (alice creates it: its owner)
            await wait_for(lambda: (r := session.state.rooms.get(room)) is not None and r.joined and r.features,
                           "joined, and the room's features known")
            await peer_join(plain_bob, room, "bob")  # (bob stays: the room outlives alice's absence)
            send(plain_bob, room, "my card number is 4111", "groupchat")
            await wait_for(lambda: (c := session.state.conversations.get(room)) is not None
                           and any(m.body == "my card number is 4111" for m in c.messages), "bob's line")
            target = held(session, room, "my card number is 4111").stanza_id
            features = session.state.rooms.get(room).features  # type: ignore[union-attr]
        finally:
            await session.stop()
        assert [hit.message.body for hit in await history.search(alice.jid, "4111")]

        phone = await peer(server, peers, alice, "phone")
        namespace = messaging.moderation_namespace(features)
        request = phone.client.make_iq_set(ito=room)
        messaging.fill_moderation(request.xml, target, "card numbers stay private",
                                  namespace or messaging.MODERATE_NS)
        if namespace is None:
            with pytest.raises(IqError):
                await request.send(timeout=10)
        else:
            await request.send(timeout=10)
            assert await removal_seen_by(plain_bob, room, target) == "card numbers stay private"

        session, _ = await session_for(server, alice, history)
        try:
            await session.join_room(room)
            await wait_for(lambda: (r := session.state.rooms.get(room)) is not None and r.joined, "joined again")
            line = await next_held(session, room, target)
            if namespace is None:
                send(plain_bob, room, "and the rest", "groupchat")
                await wait_for(lambda: any(m.body == "and the rest" for m in session.state.conversations.get(room)
                                           .messages), "bob's next line")  # type: ignore[union-attr]
                assert (line.body, line.retracted) == ("my card number is 4111", "")
                return
            await wait_for(lambda: line.retracted, "the removal, from the room")
            assert (line.body, line.retracted) == ("", "removed by a moderator (card numbers stay private)")
        finally:
            await session.stop()
        assert await history.search(alice.jid, "4111") == [], "the removed text left the search index"
    finally:
        await asyncio.to_thread(history.shutdown)


async def next_held(session: XmppSession, room: str, stanza_id: str) -> ChatMessage:
    """The room's line with this stanza-id, once it is held again (from the history or the archive)."""
    def found() -> ChatMessage | None:
        conversation = session.state.conversations.get(room)
        return next((m for m in conversation.messages if m.stanza_id == stanza_id), None) if conversation else None
    await wait_for(found, "the line held again")
    line = found()
    assert line is not None
    return line


@pytest.mark.timeout(60)
async def test_reporting_a_stranger_blocks_them_in_one_step(server: XmppServer, peers: list[Peer]) -> None:
    alice, spammer = server.register(), server.register()
    plain = await peer(server, peers, spammer)
    session, _ = await session_for(server, alice)
    try:
        alice_here = f"{alice.jid}/{session.state.resource}"  # (a stranger does not see alice's presence)
        send(plain, alice_here, "cheap pills")
        await wait_for(lambda: session.state.conversations.get(spammer.jid) is not None
                       and session.state.conversations.get(spammer.jid).messages, "the spam")  # type: ignore[union-attr]
        await session.report(spammer.jid, "spam", "unsolicited ads", held(session, spammer.jid, "cheap pills"))
        assert spammer.jid in session.state.blocked
        await session.contacts.fetch_blocklist()  # what the server keeps
        assert spammer.jid in session.state.blocked
        send(plain, alice_here, "more pills")
        marker = plain.client.make_iq_get(ito=alice.jid)  # (blocked: the server answers for alice, at once)
        marker.enable("disco_info")
        with pytest.raises(Exception):  # noqa: B017 (an error or no answer: either way nothing of alice reached)
            await marker.send(timeout=5)
        assert [m.body for m in session.state.conversations.get(spammer.jid).messages] == ["cheap pills"]  # type: ignore[union-attr]
    finally:
        await session.stop()
