"""Who may correct what (XEP-0308 §6), on stanzas built from XML (no server): in a chat only the side that wrote
the message, in a room only its occupant (the same occupant id where the room advertises them, else the same nick)
and by the id the sender gave it, not the room's; carbons of our other client's corrections (ours only) and of
ones it received (the peer's only); our own room correction reflected by the room is not a second line; a
correction from the archive of a message only the history holds corrects it there, unless a newer one did."""

from __future__ import annotations

import asyncio
from functools import partial
from pathlib import Path

import slixmpp
from slixmpp import Message
from slixmpp.xmlstream import ET

from xmpptui.config import Account
from xmpptui.model.conversation import ChatMessage, Direction, MessageKind
from xmpptui.model.message import Edit
from xmpptui.model.references import corrects
from xmpptui.model.room import OCCUPANT_ID_FEATURE, Room, RoomState
from xmpptui.passwords import Secret
from xmpptui.storage import edits
from xmpptui.storage.history import History
from xmpptui.xmpp.session import XmppSession
from xmpptui.xmpp.stanzas import messaging

ME, BOB = "alice@example.org", "bob@example.org"
ROOM = "room@conference.example.org"
CORRECT = "urn:xmpp:message-correct:0"


def stanza(xml: str) -> Message:
    return Message(xml=ET.fromstring(xml))


def groupchat(nick: str, inner: str, message_id: str = "", stanza_id: str = "", occupant: str = "") -> Message:
    sid = f"<stanza-id xmlns='urn:xmpp:sid:0' by='{ROOM}' id='{stanza_id}'/>" if stanza_id else ""
    occ = f"<occupant-id xmlns='{messaging.OCCUPANT_ID_NS}' id='{occupant}'/>" if occupant else ""
    return stanza(f"<message xmlns='jabber:client' from='{ROOM}/{nick}' to='{ME}/x' type='groupchat' "
                  f"id='{message_id}'>{inner}{sid}{occ}</message>")


def correction(body: str, target: str) -> str:
    return f"<body>{body}</body><replace xmlns='{CORRECT}' id='{target}'/>"


def session_in_room(features: frozenset[str] = frozenset()) -> XmppSession:
    session = XmppSession(Account(jid=ME), Secret("pw"))
    session.context.sink = lambda event: None
    session.state.rooms.add(Room(ROOM, "alice", state=RoomState.JOINED, features=features))
    return session


def lines(session: XmppSession, jid: str) -> list[tuple[str, str]]:
    conversation = session.state.conversations.get(jid)
    assert conversation is not None
    return [(m.sender, m.body) for m in conversation.messages]


def test_the_rule_names_the_senders_own_id_and_its_author() -> None:
    chat = ChatMessage(BOB, "Bob", "helo", 0.0, Direction.IN, id="m1")
    assert corrects(chat, "m1", "in")
    assert not corrects(chat, "m1", "out"), "we may not correct the peer's words"
    assert not corrects(chat, "m2", "in") and not corrects(chat, "", "in")
    line = ChatMessage(ROOM, "carol", "helo", 0.0, kind=MessageKind.GROUPCHAT, id="m1", stanza_id="s1")
    assert corrects(line, "m1", "n:carol") and not corrects(line, "m1", "n:mallory")
    assert not corrects(line, "s1", "n:carol"), "a room correction names the sender's id, not the room's"
    with_id = ChatMessage(ROOM, "carol", "helo", 0.0, kind=MessageKind.GROUPCHAT, id="m1", occupant_id="occ-carol")
    assert corrects(with_id, "m1", "o:occ-carol")
    assert not corrects(with_id, "m1", "o:occ-new") and not corrects(with_id, "m1", "n:carol")


def test_a_room_line_is_corrected_by_its_nick_keeping_its_reactions_and_not_by_another() -> None:
    session = session_in_room()
    session.inbound(groupchat("carol", "<body>helo all</body>", "m1", "s1"))
    session.inbound(groupchat("bob", f"<reactions xmlns='{messaging.REACTIONS_NS}' id='s1'><reaction>👋</reaction>"
                                     "</reactions>"))
    session.inbound(groupchat("mallory", correction("carol is wrong", "m1"), "m2", "s2"))
    assert lines(session, ROOM) == [("carol", "helo all"), ("mallory", "carol is wrong")], \
        "another nick's correction is a line of its own, and changes nothing"
    session.inbound(groupchat("carol", correction("hello all", "m1"), "m3", "s3"))
    line = session.state.conversations.get(ROOM).messages[0]  # type: ignore[union-attr]
    assert (line.body, line.edited, line.edits[0].text) == ("hello all", True, "helo all")
    assert line.reactions == {"n:bob": frozenset({"👋"})}
    assert len(session.state.conversations.get(ROOM).messages) == 2  # type: ignore[union-attr]


def test_where_the_room_offers_occupant_ids_the_same_nick_from_another_occupant_corrects_nothing() -> None:
    session = session_in_room(frozenset({OCCUPANT_ID_FEATURE}))
    session.inbound(groupchat("carol", "<body>helo</body>", "m1", "s1", occupant="occ-carol"))
    session.inbound(groupchat("carol", correction("forged", "m1"), "m2", "s2", occupant="occ-new"))
    assert lines(session, ROOM) == [("carol", "helo"), ("carol", "forged")]
    session.inbound(groupchat("carol", correction("hello", "m1"), "m3", "s3", occupant="occ-carol"))
    assert lines(session, ROOM) == [("carol", "hello"), ("carol", "forged")]


def test_our_own_room_correction_reflected_by_the_room_is_not_a_second_line() -> None:
    session = session_in_room()
    session.inbound(groupchat("alice", "<body>helo</body>", "ours", "s1"))  # (from another client of ours, say)
    conversation = session.state.conversations.get(ROOM)
    assert conversation is not None
    line = conversation.messages[0]
    line.correct("hello", 1.0)  # as `correct_last` does before sending
    conversation._sent_by_id["ours"] = line  # (sent by this client)
    session.inbound(groupchat("alice", correction("hello", "ours"), "c1", "s2"))
    assert lines(session, ROOM) == [("alice", "hello")]
    assert [edit.text for edit in line.edits] == ["helo"]


def carbon(kind: str, inner: str) -> Message:
    return stanza(f"<message xmlns='jabber:client' from='{ME}' to='{ME}/xmpptui'>"
                  f"<{kind} xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>{inner}</forwarded>"
                  f"</{kind}></message>")


def test_carbons_correct_ours_when_sent_and_the_peers_when_received_and_nothing_else() -> None:
    slixmpp.ClientXMPP("x@example.org", "x").register_plugin("xep_0280")  # carbons' stanza classes, as the app's
    session = XmppSession(Account(jid=ME), Secret("pw"))
    session.context.sink = lambda event: None
    sent = f"<message xmlns='jabber:client' from='{ME}/phone' to='{BOB}/r' type='chat' id='%s'>%s</message>"
    received = f"<message xmlns='jabber:client' from='{BOB}/r' to='{ME}/phone' type='chat' id='%s'>%s</message>"
    session.inbound(carbon("sent", sent % ("o1", "<body>see you at 5</body>")))
    session.inbound(carbon("received", received % ("t1", "<body>ok at 5</body>")))
    session.inbound(carbon("received", received % ("t2", correction("you said 6", "o1"))))  # the peer, on ours
    session.inbound(carbon("sent", sent % ("o2", correction("you said 4", "t1"))))  # ours, on the peer's
    assert lines(session, BOB)[:2] == [(ME, "see you at 5"), ("bob@example.org", "ok at 5")]
    session.inbound(carbon("sent", sent % ("o3", correction("see you at 6", "o1"))))
    session.inbound(carbon("received", received % ("t3", correction("ok at 6", "t1"))))
    assert lines(session, BOB)[:2] == [(ME, "see you at 6"), ("bob@example.org", "ok at 6")]
    assert len(lines(session, BOB)) == 4, "the two refused ones are lines of their own; the two applied are not"


async def test_a_correction_of_a_message_only_the_history_holds_corrects_it_there(tmp_path: Path) -> None:
    history = History(tmp_path / "history.sqlite3")
    try:
        theirs = ChatMessage(BOB, "Bob", "helo", 100.0, Direction.IN, id="m1", stanza_id="a1")
        ours = ChatMessage(BOB, ME, "mine", 101.0, Direction.OUT, id="m2")
        await history.add(ME, [theirs, ours])

        def correct(target: str, author: str, body: str, at: float) -> None:
            return partial(edits.correct_stored, account=ME, conversation=BOB, message_id=target, author=author,
                           body=body, at=at)  # type: ignore[return-value]

        await history.write(correct("m1", "out", "we may not", 110.0))
        await history.write(correct("m2", "in", "nor may the peer", 110.0))
        await history.write(correct("m1", "in", "hello", 120.0))
        await history.write(correct("m1", "in", "an older correction", 115.0))  # (older page, read later)
        page, _ = await history.page(ME, BOB, 10)
        assert [(m.body, m.edited, m.edits) for m in page] == [
            ("hello", True, (Edit("helo", 120.0),)), ("mine", False, ())]
        assert [hit.message.body for hit in await history.search(ME, "hello")] == ["hello"]
    finally:
        await asyncio.to_thread(history.shutdown)


def archived(n: int, sender: str, to: str, inner: str, message_id: str) -> Message:
    return stanza(f"<message xmlns='jabber:client' to='{ME}/x'><result xmlns='urn:xmpp:mam:2' queryid='q1' "
                  f"id='a{n}'><forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' "
                  f"stamp='2024-05-01T10:00:{n:02}Z'/><message xmlns='jabber:client' from='{sender}' to='{to}' "
                  f"type='chat' id='{message_id}'>{inner}</message></forwarded></result></message>")


def test_archived_corrections_apply_in_order_after_the_message_they_name_and_only_from_its_author() -> None:
    from xmpptui.xmpp.stanzas import translate

    session = XmppSession(Account(jid=ME), Secret("pw"))
    session.context.sink = lambda event: None
    page = [archived(1, f"{BOB}/r", f"{ME}/x", "<body>helo</body>", "m1"),
            archived(2, f"{ME}/x", f"{BOB}/r", correction("we may not", "m1"), "c1"),
            archived(3, f"{BOB}/r", f"{ME}/x", correction("hello", "m1"), "c2"),
            archived(4, f"{BOB}/r", f"{ME}/x", correction("hello!", "m1"), "c3")]
    results = [translate.archive_result(message, ME, {"q1"}, 1.8e9) for message in page]
    session.archive_sync.take_archived([r for r in results if r is not None])
    (line,) = session.state.conversations.get(BOB).messages  # type: ignore[union-attr]
    assert (line.body, [e.text for e in line.edits]) == ("hello!", ["helo", "hello"])
    # The same page read again (an older-page read, a catch-up overlapping what was applied) changes nothing.
    session.archive_sync.take_archived([r for r in results if r is not None])
    assert (line.body, [e.text for e in line.edits]) == ("hello!", ["helo", "hello"])
    assert len(session.state.conversations.get(BOB).messages) == 1  # type: ignore[union-attr]
