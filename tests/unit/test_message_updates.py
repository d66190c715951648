"""Reactions, retractions and moderation through the session's handlers, on stanzas built from XML (no server):
what the private servers cannot show (neither Prosody 0.12 nor ejabberd 23.01 moderates, ejabberd gives no
occupant ids): a room's moderation notice, and an occupant's forged one; occupant ids believed only from a room
that advertises them; a correction keeping a message's reactions and not bringing back a retracted one."""

from __future__ import annotations

from slixmpp import Message
from slixmpp.xmlstream import ET

from xmpptui.config import Account
from xmpptui.model.conversation import RETRACTED
from xmpptui.model.room import OCCUPANT_ID_FEATURE, Room, RoomState
from xmpptui.passwords import Secret
from xmpptui.xmpp.session import XmppSession
from xmpptui.xmpp.stanzas import messaging

ROOM = "room@conference.example.org"
SID = "urn:xmpp:sid:0"


def stanza(xml: str) -> Message:
    return Message(xml=ET.fromstring(xml))


def groupchat(nick: str, inner: str, stanza_id: str = "", occupant: str = "") -> Message:
    sid = f"<stanza-id xmlns='{SID}' by='{ROOM}' id='{stanza_id}'/>" if stanza_id else ""
    occ = f"<occupant-id xmlns='{messaging.OCCUPANT_ID_NS}' id='{occupant}'/>" if occupant else ""
    sender = f"{ROOM}/{nick}" if nick else ROOM
    return stanza(f"<message xmlns='jabber:client' from='{sender}' to='alice@example.org/x' type='groupchat'>"
                  f"{inner}{sid}{occ}</message>")


def in_room(features: frozenset[str]) -> XmppSession:
    session = XmppSession(Account(jid="alice@example.org"), Secret("pw"))
    session.context.sink = lambda event: None
    session.state.rooms.add(Room(ROOM, "alice", state=RoomState.JOINED, features=features))
    return session


def lines(session: XmppSession) -> list[tuple[str, str, str]]:
    conversation = session.state.conversations.get(ROOM)
    assert conversation is not None
    return [(m.sender, m.body, m.retracted) for m in conversation.messages]


def test_a_moderation_counts_only_from_the_room_itself() -> None:
    session = in_room(frozenset({messaging.MODERATE_NS}))
    session.inbound(groupchat("spammer", "<body>buy now</body>", "s1"))
    session.inbound(groupchat("carol", "<body>hello</body>", "s2"))
    forged = (f"<retract xmlns='{messaging.RETRACT_NS}' id='s2'><moderated xmlns='{messaging.MODERATE_NS}' "
              f"by='{ROOM}/spammer'/><reason>gotcha</reason></retract>")
    session.inbound(groupchat("spammer", forged))
    notice = (f"<retract xmlns='{messaging.RETRACT_NS}' id='s1'><moderated xmlns='{messaging.MODERATE_NS}' "
              f"by='{ROOM}/mod'/><reason>spam</reason></retract><body>removed</body>")
    session.inbound(groupchat("", notice))
    assert lines(session) == [("spammer", "", "removed by a moderator (spam)"), ("carol", "hello", "")]


def test_occupant_ids_are_believed_only_from_a_room_that_advertises_them() -> None:
    plain = in_room(frozenset())
    plain.inbound(groupchat("carol", "<body>hi</body>", "s1", occupant="forged"))
    plain.inbound(groupchat("eve", f"<reactions xmlns='{messaging.REACTIONS_NS}' id='s1'><reaction>👍</reaction>"
                                   "</reactions>", occupant="forged"))
    (message,) = plain.state.conversations.get(ROOM).messages  # type: ignore[union-attr]
    assert message.occupant_id == "" and message.reactions == {"n:eve": frozenset({"👍"})}

    offering = in_room(frozenset({OCCUPANT_ID_FEATURE}))
    offering.inbound(groupchat("carol", "<body>hi</body>", "s1", occupant="occ-carol"))
    # Carol left; someone else took her nick: the same nick, another occupant, may not retract her words.
    offering.inbound(groupchat("carol", f"<retract xmlns='{messaging.RETRACT_NS}' id='s1'/>", occupant="occ-new"))
    assert lines(offering) == [("carol", "hi", "")]
    offering.inbound(groupchat("carol", f"<retract xmlns='{messaging.RETRACT_NS}' id='s1'/>", occupant="occ-carol"))
    assert lines(offering) == [("carol", "", RETRACTED)]


def test_a_correction_keeps_the_reactions_and_does_not_bring_back_a_retracted_message() -> None:
    session = XmppSession(Account(jid="alice@example.org"), Secret("pw"))
    session.context.sink = lambda event: None

    def chat(inner: str) -> Message:
        return stanza(f"<message xmlns='jabber:client' from='bob@example.org/r' to='alice@example.org/x' "
                      f"type='chat'>{inner}</message>")

    session.inbound(stanza("<message xmlns='jabber:client' from='bob@example.org/r' type='chat' id='m1'>"
                           "<body>helo</body></message>"))
    session.inbound(chat(f"<reactions xmlns='{messaging.REACTIONS_NS}' id='m1'><reaction>😀</reaction></reactions>"))
    session.inbound(chat("<body>hello</body><replace xmlns='urn:xmpp:message-correct:0' id='m1'/>"))
    (message,) = session.state.conversations.get("bob@example.org").messages  # type: ignore[union-attr]
    assert (message.body, message.edited, message.reactions) == ("hello", True, {"bob@example.org": frozenset("😀")})
    session.inbound(chat(f"<retract xmlns='{messaging.RETRACT_NS}' id='m1'/><body>fallback</body>"))
    session.inbound(chat("<body>back again</body><replace xmlns='urn:xmpp:message-correct:0' id='m1'/>"))
    assert [(m.body, m.retracted) for m in session.state.conversations.get("bob@example.org").messages] == [
        ("", RETRACTED)]  # type: ignore[union-attr]
