"""Group chat without a server: MUC stanzas -> values (xmpp/stanzas/muc.py), errors in words, the room model,
RoomService's spoofing checks on stanzas built from XML, and how room lines render."""

from __future__ import annotations

from dataclasses import replace

import pytest
from slixmpp import JID, Message
from slixmpp import Presence as PresenceStanza
from slixmpp.xmlstream import ET

from xmpptui.config import Account
from xmpptui.model.conversation import ChatMessage, ConversationKind, Direction, MessageKind
from xmpptui.model.events import InvitationReceived, MessageUpdated, RoomJoinFailed
from xmpptui.model.presence import Show
from xmpptui.model.room import Affiliation, Bookmark, Occupant, OccupantFlood, Role, Room, RoomState, mentions
from xmpptui.model.roster import Contact
from xmpptui.model.state import ConnectionState
from xmpptui.passwords import Secret
from xmpptui.session import RoomError
from xmpptui.ui.rooms.labels import split_nick
from xmpptui.ui.shared import render
from xmpptui.xmpp.rooms import parse_room_address
from xmpptui.xmpp.session import XmppSession
from xmpptui.xmpp.stanzas import muc, translate

ROOM = "lounge@conference.example.org"
USER = "http://jabber.org/protocol/muc#user"


def presence(sender: str, inner: str = "", kind: str = "") -> PresenceStanza:
    type_attr = f" type='{kind}'" if kind else ""
    return PresenceStanza(xml=ET.fromstring(
        f"<presence xmlns='jabber:client' from='{sender}'{type_attr}>{inner}</presence>"))


def message(sender: str, inner: str, kind: str = "groupchat", message_id: str = "") -> Message:
    id_attr = f" id='{message_id}'" if message_id else ""
    return Message(xml=ET.fromstring(
        f"<message xmlns='jabber:client' from='{sender}' to='alice@example.org/x' type='{kind}'{id_attr}>"
        f"{inner}</message>"))


def item(role: str = "participant", affiliation: str = "none", extra: str = "", inner: str = "",
         codes: tuple[str, ...] = ()) -> str:
    statuses = "".join(f"<status code='{code}'/>" for code in codes)
    return (f"<x xmlns='{USER}'><item role='{role}' affiliation='{affiliation}' {extra}>{inner}</item>"
            f"{statuses}</x>")


# Parsing ---------------------------------------------------------------------------------------

def test_occupant_presence_reads_role_affiliation_show_and_real_jid() -> None:
    update = muc.occupant_presence(presence(f"{ROOM}/Bob", "<show>away</show>" + item(
        "moderator", "owner", "jid='bob@example.org/desk'")))
    assert update is not None
    assert (update.room, update.nick, update.available) == (ROOM, "Bob", True)
    assert (update.role, update.affiliation, update.show) == (Role.MODERATOR, Affiliation.OWNER, Show.AWAY)
    assert update.real_jid == "bob@example.org/desk"


def test_kick_with_actor_and_reason_and_nick_change() -> None:
    kicked = muc.occupant_presence(presence(f"{ROOM}/eve", item(
        "none", inner="<actor nick='bob'/><reason>spam</reason>", codes=("307",)), kind="unavailable"))
    assert kicked is not None and not kicked.available
    assert (kicked.codes, kicked.actor, kicked.reason) == (frozenset({"307"}), "bob", "spam")
    renamed = muc.occupant_presence(presence(f"{ROOM}/eve", item(extra="nick='eve2'", codes=("303",)),
                                             kind="unavailable"))
    assert renamed is not None and renamed.new_nick == "eve2"


@pytest.mark.parametrize("sender", [ROOM, "not a jid@@/x", ""])
def test_presence_without_an_occupant_is_not_an_occupant_presence(sender: str) -> None:
    assert muc.occupant_presence(presence(sender, item())) is None


def test_unknown_role_and_affiliation_fall_back_to_none() -> None:
    update = muc.occupant_presence(presence(f"{ROOM}/x", item("overlord", "emperor")))
    assert update is not None and (update.role, update.affiliation) == (Role.NONE, Affiliation.NONE)


@pytest.mark.parametrize(("condition", "had_password", "words"), [
    ("conflict", False, "the nick alice is already in use"),
    ("not-authorized", False, "is password-protected"),
    ("not-authorized", True, "wrong password"),
    ("registration-required", False, "members-only and you are not a member"),
    ("forbidden", False, "you are banned"),
    ("item-not-found", False, "does not exist"),
    ("gone", False, "no longer exists"),
    ("service-unavailable", False, "is full"),
    ("resource-constraint", False, "is full"),
    ("remote-server-not-found", False, "the chat service conference.example.org is unavailable"),
    ("undefined-condition", False, "refused the join (undefined-condition)"),
])
def test_join_errors_in_words(condition: str, had_password: bool, words: str) -> None:
    assert words in muc.join_error_text(condition, ROOM, "alice", had_password)


def test_subject_only_without_a_body() -> None:
    assert muc.subject(message(f"{ROOM}/bob", "<subject>Release day</subject>")) == "Release day"
    assert muc.subject(message(f"{ROOM}/bob", "<subject/>")) == ""
    assert muc.subject(message(f"{ROOM}/bob", "<subject>x</subject><body>hi</body>")) is None
    assert muc.subject(message(f"{ROOM}/bob", "<body>hi</body>")) is None


def test_direct_and_mediated_invitations() -> None:
    direct = muc.invitation(message("carol@example.org/phone",
                                    f"<x xmlns='jabber:x:conference' jid='{ROOM}' reason='join us'/>", "normal"))
    assert direct == muc.Invitation(ROOM, "carol@example.org", "join us", "")
    mediated = muc.invitation(message(ROOM, f"<x xmlns='{USER}'><invite from='carol@example.org/phone'>"
                                            "<reason>hey</reason></invite><password>pw</password></x>", "normal"))
    assert mediated == muc.Invitation(ROOM, "carol@example.org", "hey", "pw", mediated=True)
    assert muc.invitation(message("carol@example.org", "<body>hi</body>", "chat")) is None


@pytest.mark.parametrize(("text", "room", "nick"), [
    (ROOM, ROOM, ""), ("Lounge@Conference.example.org/Al Ice", ROOM, "Al Ice"),
])
def test_room_addresses(text: str, room: str, nick: str) -> None:
    assert parse_room_address(text) == (parse_room_address(text).__class__(room, nick))


@pytest.mark.parametrize("text", ["lounge", "@conference.example.org", "a b@c d"])
def test_bad_room_addresses_are_refused_in_words(text: str) -> None:
    with pytest.raises(RoomError, match="room address"):
        parse_room_address(text)


# What we send (xmpp/stanzas/muc_requests.py) -----------------------------------------------------

def test_a_join_carries_the_password_and_on_rejoining_only_the_history_since_what_we_hold() -> None:
    from xmpptui.xmpp.stanzas import muc_requests

    first = ET.Element("{jabber:client}presence")
    muc_requests.fill_join(first, "", None)
    x = first.find("{http://jabber.org/protocol/muc}x")
    assert x is not None and len(x) == 0, "a first join asks for the room's default history"
    again = ET.Element("{jabber:client}presence")
    muc_requests.fill_join(again, "pw", 1714557600.25)
    x = again.find("{http://jabber.org/protocol/muc}x")
    assert x.findtext("{http://jabber.org/protocol/muc}password") == "pw"
    assert x.find("{http://jabber.org/protocol/muc}history").get("since") == "2024-05-01T10:00:00.250000Z"


def test_a_cleared_subject_is_an_empty_subject_element_and_an_admin_item_carries_its_reason() -> None:
    from xmpptui.xmpp.stanzas import muc_requests

    cleared = ET.Element("{jabber:client}message")
    muc_requests.fill_subject(cleared, "")
    subject = cleared.find("{jabber:client}subject")
    assert subject is not None and not subject.text
    iq = ET.Element("{jabber:client}iq")
    muc_requests.fill_admin_item(iq, {"nick": "eve", "role": "none"}, "spam")
    admin = "http://jabber.org/protocol/muc#admin"
    item = iq.find(f"{{{admin}}}query/{{{admin}}}item")
    assert (item.get("nick"), item.get("role"), item.findtext(f"{{{admin}}}reason")) == ("eve", "none", "spam")


# Model -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "named"), [
    ("alice: look", True), ("hi @Alice!", True), ("ALICE", True), ("malice aforethought", False),
    ("alice_bot says", False), ("", False),
])
def test_mentions_are_whole_words(body: str, named: bool) -> None:
    assert mentions(body, "alice") is named


def test_occupants_grouped_by_role_moderators_first() -> None:
    room = Room(ROOM, "alice", state=RoomState.JOINED)
    for nick, role in (("zed", Role.PARTICIPANT), ("Bob", Role.MODERATOR), ("amy", Role.PARTICIPANT),
                       ("vic", Role.VISITOR)):
        room.occupants[nick] = Occupant(nick, role)
    assert [(role, [o.nick for o in group]) for role, group in room.by_role()] == [
        (Role.MODERATOR, ["Bob"]), (Role.PARTICIPANT, ["amy", "zed"]), (Role.VISITOR, ["vic"])]


def test_split_nick_prefers_the_longest_occupant_nick() -> None:
    assert split_nick("Al Ice hello there", ["Al", "Al Ice"]) == ("Al Ice", "hello there")
    assert split_nick("bob hi", []) == ("bob", "hi")
    assert split_nick("bob", ["bob"]) == ("bob", "")


# RoomService through the session's handlers (async tests: joining arms the self-ping timer) -----------

async def joined_session(max_room_occupants: int = 5000) -> tuple[XmppSession, list[object]]:
    session = XmppSession(Account(jid="alice@example.org", max_room_occupants=max_room_occupants), Secret("pw"))
    events: list[object] = []
    session.context.sink = events.append
    await session.join_room(f"{ROOM}/alice")
    session.inbound(presence(f"{ROOM}/bob", item("moderator", "owner")))
    session.inbound(presence(f"{ROOM}/alice", item(codes=("110",))))
    return session, events


async def test_join_defaults_to_the_jid_local_part_and_self_presence_completes_it() -> None:
    session = XmppSession(Account(jid="alice@example.org", nick=""), Secret("pw"))
    await session.join_room(ROOM)
    assert session.state.rooms.get(ROOM).nick == "alice"
    named = XmppSession(Account(jid="alice@example.org", nick="Al"), Secret("pw"))
    await named.join_room(ROOM)
    assert named.state.rooms.get(ROOM).nick == "Al"
    session, _ = await joined_session()
    room = session.state.rooms.get(ROOM)
    assert room is not None and room.joined and set(room.occupants) == {"bob", "alice"}
    assert session.state.conversations.get(ROOM).kind is ConversationKind.GROUPCHAT
    assert [m.body for m in session.state.conversations.get(ROOM).messages] == [f"you joined {ROOM} as alice"], \
        "the occupants present before us are not announced as joining"


async def test_groupchat_from_a_room_we_are_not_in_is_dropped() -> None:
    session, _ = await joined_session()
    session.inbound(message("other@conference.example.org/bob", "<body>psst</body>"))
    session.inbound(message("mallory@example.org/x", "<body>fake room line</body>"))
    assert "other@conference.example.org" not in session.state.conversations
    assert "mallory@example.org" not in session.state.conversations


async def test_history_is_not_unread_and_mentions_are_counted() -> None:
    session, _ = await joined_session()
    session.inbound(message(f"{ROOM}/bob", "<body>old news, alice</body>"
                                               "<delay xmlns='urn:xmpp:delay' stamp='2024-05-01T10:00:00Z'/>"))
    session.inbound(message(f"{ROOM}/bob", "<body>alice: now</body>"))
    conversation = session.state.conversations.get(ROOM)
    old, new = conversation.messages[-2:]
    assert old.delayed and old.mention and new.mention, "highlighted, but history is not counted"
    assert (conversation.unread, conversation.mentions) == (1, 1)


async def test_private_message_is_from_the_occupant_room_jid_not_a_contact() -> None:
    session, _ = await joined_session()
    session.inbound(message(f"{ROOM}/bob", f"<body>psst</body><x xmlns='{USER}'/>", kind="chat"))
    conversation = session.state.conversations.get(f"{ROOM}/bob")
    assert conversation is not None and conversation.kind is ConversationKind.PRIVATE
    assert conversation.messages[0].sender == "bob"
    assert "bob@example.org" not in session.state.conversations


async def test_refused_join_is_an_error_line_and_an_event() -> None:
    session = XmppSession(Account(jid="alice@example.org"), Secret("pw"))
    events: list[object] = []
    session.context.sink = events.append
    await session.join_room(f"{ROOM}/alice")
    session.inbound(presence(f"{ROOM}/alice", "<error type='cancel'><conflict "
                                  "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>", kind="error"))
    failed = [e for e in events if isinstance(e, RoomJoinFailed)]
    assert failed and failed[0].condition == "conflict" and failed[0].nick == "alice"
    assert session.state.rooms.get(ROOM).state is RoomState.LEFT
    assert session.state.conversations.get(ROOM).messages[-1].kind is MessageKind.ERROR


async def test_invitation_from_anyone_is_an_event_not_a_conversation() -> None:
    session, events = await joined_session()
    session.inbound(message("carol@example.org/phone",
                                "<x xmlns='jabber:x:conference' jid='den@conference.example.org'/>", "normal"))
    assert InvitationReceived("den@conference.example.org", "carol@example.org") in events
    assert "carol@example.org" not in session.state.conversations


async def test_kicked_occupant_and_our_own_kick() -> None:
    session, _ = await joined_session()
    session.inbound(presence(f"{ROOM}/bob", item("none", inner="<reason>bye</reason>", codes=("307",)),
                                  kind="unavailable"))
    assert session.state.conversations.get(ROOM).messages[-1].body == "bob was kicked (bye)"
    session.inbound(presence(f"{ROOM}/alice", item("none", inner="<actor nick='mod'/>",
                                                        codes=("307", "110")), kind="unavailable"))
    room = session.state.rooms.get(ROOM)
    assert room.state is RoomState.LEFT and room.error == "you were kicked by mod"


# Rendering -------------------------------------------------------------------------------------

def test_actions_and_occupant_lines_render_as_such() -> None:
    action = ChatMessage(ROOM, "bob", "/me waves", 0, kind=MessageKind.GROUPCHAT)
    assert render.message_prefix(action, "me", "%H").plain.endswith("* bob ")
    assert render.message_body(action).plain == "waves"
    joined = ChatMessage(ROOM, "", "bob joined", 0, kind=MessageKind.OCCUPANT)
    assert render.message_prefix(joined, "me", "%H").plain.endswith("· ")
    ours = ChatMessage(ROOM, "alice", "hi", 0, direction=Direction.OUT, kind=MessageKind.GROUPCHAT)
    assert "alice" in render.message_prefix(ours, "me", "%H").plain, "our nick in the room, not 'me'"


def test_hostile_nick_stays_plain_text() -> None:
    nasty = ChatMessage(ROOM, "[bold red]x[/]\x1b[2J", "hi", 0, kind=MessageKind.GROUPCHAT)
    prefix = render.message_prefix(nasty, "me", "%H").plain
    assert "[bold red]x[/]" in prefix and "\x1b" not in prefix


def test_bookmarks_from_a_pep_items_result() -> None:
    from slixmpp import Iq

    from xmpptui.model.room import Bookmark
    from xmpptui.xmpp.stanzas.bookmarks import bookmarks_from_items

    result = Iq(xml=ET.fromstring(
        "<iq xmlns='jabber:client' type='result'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
        "<items node='urn:xmpp:bookmarks:1'>"
        f"<item id='{ROOM}'><conference xmlns='urn:xmpp:bookmarks:1' name='Lounge' autojoin='true'>"
        "<nick>Al</nick><password>pw</password></conference></item>"
        "<item id='den@conference.example.org'><conference xmlns='urn:xmpp:bookmarks:1'/></item>"
        "<item id='not a jid@@'><conference xmlns='urn:xmpp:bookmarks:1' autojoin='1'/></item>"
        "</items></pubsub></iq>"))
    assert bookmarks_from_items(result) == [Bookmark(ROOM, "Lounge", "Al", "pw", True),
                                            Bookmark("den@conference.example.org")]


async def test_join_history_already_held_is_not_shown_twice() -> None:
    session, _ = await joined_session()
    conversation = session.state.conversations.get(ROOM)
    stored = ChatMessage(ROOM, "bob", "from the local history", 1714557600.0, kind=MessageKind.GROUPCHAT, id="m1")
    conversation.prepend([stored])
    delay = "<delay xmlns='urn:xmpp:delay' stamp='2024-05-01T10:00:00Z'/>"
    session.inbound(message(f"{ROOM}/bob", f"<body>from the local history</body>{delay}", message_id="m1"))
    session.inbound(message(f"{ROOM}/bob", f"<body>from the local history</body>{delay}"))
    session.inbound(message(f"{ROOM}/bob", f"<body>new in the history</body>{delay}", message_id="m2"))
    assert [m.body for m in conversation.messages if m.kind is MessageKind.GROUPCHAT] == [
        "from the local history", "new in the history"]


async def test_going_offline_leaves_rooms_and_coming_back_rejoins_them() -> None:
    from xmpptui.model.presence import Presence

    session, _ = await joined_session()
    sent: list[str] = []

    class Wire:
        def make_presence(self, pto: str) -> PresenceStanza:
            stanza = PresenceStanza(xml=ET.fromstring(f"<presence xmlns='jabber:client' to='{pto}'/>"))
            stanza.send = lambda: sent.append(str(stanza))  # type: ignore[method-assign]
            return stanza

    session.context.client = Wire()  # type: ignore[assignment]
    session.state.connection = replace(session.state.connection, state=ConnectionState.ONLINE)
    session.rooms.own_presence_sent(Presence(Show.OFFLINE))
    assert session.state.rooms.get(ROOM).state is RoomState.LEFT and not sent
    session.inbound(presence(f"{ROOM}/alice", item("none", codes=("110",)), kind="unavailable"))
    session.rooms.own_presence_sent(Presence(Show.AWAY, "lunch"))
    assert session.state.rooms.get(ROOM).state is RoomState.JOINING
    assert len(sent) == 1 and "http://jabber.org/protocol/muc" in sent[0] and "<show>away</show>" in sent[0]


async def test_self_ping_rejoins_a_room_that_dropped_us_silently() -> None:
    import asyncio

    from slixmpp import Iq
    from slixmpp.exceptions import IqError

    session, _ = await joined_session()
    sent: list[str] = []
    answers: dict[str, str] = {}

    class Wire:
        transport = object()  # (connected)

        def make_iq_get(self, ito: str) -> Iq:
            iq = Iq(xml=ET.fromstring(f"<iq xmlns='jabber:client' type='get' to='{ito}' id='p1'/>"))

            def send(timeout: float) -> asyncio.Future[Iq]:
                future: asyncio.Future[Iq] = asyncio.get_running_loop().create_future()
                error = Iq(xml=ET.fromstring(
                    f"<iq xmlns='jabber:client' type='error' id='p1'><error type='cancel'><{answers[ito]} "
                    "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"))
                future.set_exception(IqError(error))
                return future

            iq.send = send  # type: ignore[method-assign]
            return iq

        def make_presence(self, pto: str) -> PresenceStanza:
            stanza = PresenceStanza(xml=ET.fromstring(f"<presence xmlns='jabber:client' to='{pto}'/>"))
            stanza.send = lambda: sent.append(pto)  # type: ignore[method-assign]
            return stanza

    session.context.client = Wire()  # type: ignore[assignment]
    session.state.connection = replace(session.state.connection, state=ConnectionState.ONLINE)
    answers[f"{ROOM}/alice"] = "feature-not-implemented"  # in the room; the client just cannot pong
    session.rooms.self_ping()
    await asyncio.sleep(0)
    assert session.state.rooms.get(ROOM).joined and not sent
    answers[f"{ROOM}/alice"] = "not-acceptable"
    answers[ROOM] = "feature-not-implemented"  # its disco#info before joining again says nothing either way
    session.rooms.self_ping()
    await asyncio.sleep(0.01)
    assert session.state.rooms.get(ROOM).state is RoomState.JOINING and sent == [f"{ROOM}/alice"]


async def test_a_rejoin_takes_the_rooms_features_from_the_disco_info_it_asks_first_and_does_not_ask_again() -> None:
    """Rejoining (here: self-ping finds we were dropped) asks the room's disco#info whether it still exists: what
    it says it offers stands for that join, set before the join is sent (so before its history is filed), and is
    not asked again once joined, as for a typed /join."""
    import asyncio

    from slixmpp import Iq
    from slixmpp.exceptions import IqError, IqTimeout

    session, _ = await joined_session()
    await asyncio.sleep(0.01)  # (what the first join set off, offline)
    session.state.rooms.get(ROOM).features = frozenset()
    disco_asked: list[str] = []
    features_when_sent: list[frozenset[str]] = []

    def answered(result: Iq | Exception) -> asyncio.Future[Iq]:
        future: asyncio.Future[Iq] = asyncio.get_running_loop().create_future()
        if isinstance(result, Exception):
            future.set_exception(result)
        else:
            future.set_result(result)
        return future

    class Wire:
        transport = object()  # (connected)

        def make_iq_get(self, ito: str) -> Iq:
            iq = Iq(xml=ET.fromstring(f"<iq xmlns='jabber:client' type='get' to='{ito}' id='d1'/>"))
            if ito == f"{ROOM}/alice":  # the self-ping: we are no longer in the room
                error = Iq(xml=ET.fromstring(
                    "<iq xmlns='jabber:client' type='error' id='d1'><error type='cancel'><not-acceptable "
                    "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"))
                iq.send = lambda timeout: answered(IqError(error))  # type: ignore[method-assign]
            else:
                disco_asked.append(ito)
                iq.send = lambda timeout: answered(Iq(xml=ET.fromstring(  # type: ignore[method-assign]
                    "<iq xmlns='jabber:client' type='result' id='d1'>"
                    "<query xmlns='http://jabber.org/protocol/disco#info'><identity category='conference' "
                    "type='text'/><feature var='http://jabber.org/protocol/muc'/>"
                    "<feature var='urn:xmpp:occupant-id:0'/></query></iq>")))
            return iq

        def make_iq_set(self, ito: str | None = None) -> Iq:  # (the room's archive, read once joined)
            iq = Iq(xml=ET.fromstring("<iq xmlns='jabber:client' type='set' id='a1'/>"))
            iq.send = lambda timeout: answered(IqTimeout(iq))  # type: ignore[method-assign]
            return iq

        def make_presence(self, pto: str) -> PresenceStanza:
            stanza = PresenceStanza(xml=ET.fromstring(f"<presence xmlns='jabber:client' to='{pto}'/>"))
            stanza.send = lambda: features_when_sent.append(  # type: ignore[method-assign]
                session.state.rooms.get(ROOM).features)
            return stanza

    session.context.client = Wire()  # type: ignore[assignment]
    session.state.connection = replace(session.state.connection, state=ConnectionState.ONLINE)
    session.rooms.self_ping()
    await asyncio.sleep(0.01)
    assert disco_asked == [ROOM] and features_when_sent, "asked whether it exists, then joined again"
    assert "urn:xmpp:occupant-id:0" in features_when_sent[-1], "its features known when the join was sent"
    session.inbound(presence(f"{ROOM}/alice", item(codes=("110",))))
    await asyncio.sleep(0.01)
    assert session.state.rooms.get(ROOM).joined
    assert disco_asked == [ROOM], "not asked again once joined"


async def test_a_voice_request_forwarded_by_the_room_is_a_line_for_moderators() -> None:
    session, _ = await joined_session()
    form = ("<x xmlns='jabber:x:data' type='form'>"
            "<field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#request</value></field>"
            "<field var='muc#role'><value>participant</value></field>"
            "<field var='muc#roomnick'><value>vic</value></field></x>")
    session.inbound(message(ROOM, form, kind="normal"))
    assert session.state.conversations.get(ROOM).messages[-1].body == \
        "vic asks for voice: /role vic participant gives it"


async def test_a_carbon_of_a_private_message_through_a_room_stays_out_of_the_room() -> None:
    from xmpptui.xmpp.transport import client as client_factory

    client_factory.build(Account(jid="alice@example.org"), Secret("pw"))  # registers the carbon stanzas
    session, _ = await joined_session()
    carbon = Message(xml=ET.fromstring(
        "<message xmlns='jabber:client' from='alice@example.org' to='alice@example.org/x'>"
        "<received xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>"
        f"<message xmlns='jabber:client' from='{ROOM}/bob' to='alice@example.org/phone' type='chat'>"
        f"<body>psst</body><x xmlns='{USER}'/></message></forwarded></received></message>"))
    session.inbound(carbon)
    assert not any(m.body == "psst" for c in session.state.conversations for m in c.messages)


async def test_our_reflected_message_marks_ours_sent_even_with_a_rewritten_id() -> None:
    from xmpptui.model.conversation import DeliveryState

    session, _ = await joined_session()
    conversation = session.state.conversations.get(ROOM)
    for message_id in ("ours-1", "ours-2"):
        conversation.add(ChatMessage(ROOM, "alice", "hello", 0, direction=Direction.OUT,
                                     kind=MessageKind.GROUPCHAT, id=message_id, state=DeliveryState.PENDING))
    session.inbound(message(f"{ROOM}/alice", "<body>hello</body>", message_id="ours-2"))
    session.inbound(message(f"{ROOM}/alice", "<body>hello</body>", message_id="rewritten"))
    assert [m.state for m in conversation.messages if m.body == "hello"] == [DeliveryState.SENT] * 2


@pytest.mark.parametrize(("nick", "angle"), [("Romeo", 327.255249), ("juliet@capulet.lit", 209.410400),
                                             ("😺", 331.199341), ("council", 359.994507)])
def test_nick_colours_follow_the_xep_0392_hue_angle(nick: str, angle: float) -> None:
    import colorsys

    colour = render.nick_style(nick)
    hue = colorsys.rgb_to_hls(*(int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)))[0] * 360
    assert min(abs(hue - angle), 360 - abs(hue - angle)) <= 5.5, (nick, colour, hue)


def test_xep_0048_private_storage_bookmarks_round_trip() -> None:
    from slixmpp import Iq

    from xmpptui.model.room import Bookmark
    from xmpptui.xmpp.stanzas import bookmarks

    saved = [Bookmark(ROOM, "Lounge", "Al", "pw", True), Bookmark("den@conference.example.org")]
    request = Iq(xml=ET.fromstring("<iq xmlns='jabber:client' type='set'/>"))
    bookmarks.fill_private_store(request, saved)
    result = Iq(xml=ET.fromstring(str(request).replace("type=\"set\"", "type=\"result\"")))
    assert bookmarks.bookmarks_from_private(result) == saved


async def _bookmarks_loaded(features: tuple[str, ...]) -> tuple[list[str], list[str], list[str]]:
    """load_bookmarks against a scripted server whose account advertises `features`: (bookmarks, rooms joined,
    what was asked: disco, pep or private)."""
    import asyncio

    from slixmpp import Iq
    from slixmpp.exceptions import IqError

    session, _ = await joined_session()
    joins: list[str] = []
    asked: list[str] = []
    info = ("<iq xmlns='jabber:client' type='result'><query xmlns='http://jabber.org/protocol/disco#info'>"
            + "".join(f"<feature var='{var}'/>" for var in features) + "</query></iq>")
    private = ("<iq xmlns='jabber:client' type='result'><query xmlns='jabber:iq:private'>"
               "<storage xmlns='storage:bookmarks'><conference jid='den@conference.example.org' autojoin='true'>"
               "<nick>Al</nick></conference></storage></query></iq>")
    native = ("<iq xmlns='jabber:client' type='result'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
              "<items node='urn:xmpp:bookmarks:1'><item id='hall@conference.example.org'>"
              "<conference xmlns='urn:xmpp:bookmarks:1' autojoin='true'/></item></items></pubsub></iq>")
    refused = ("<iq xmlns='jabber:client' type='error'><error type='cancel'><feature-not-implemented "
               "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>")

    class Wire:
        boundjid = JID("alice@example.org/tui")

        def make_iq_get(self, ito: str | None = None) -> Iq:
            iq = Iq(xml=ET.fromstring("<iq xmlns='jabber:client' type='get'/>"))

            async def send(timeout: float) -> Iq:
                if iq.xml.find("{http://jabber.org/protocol/disco#info}query") is not None:
                    asked.append("disco")
                    return Iq(xml=ET.fromstring(info))
                if iq.xml.find("{jabber:iq:private}query") is not None:
                    asked.append("private")
                    return Iq(xml=ET.fromstring(private))
                asked.append("pep")
                if "urn:xmpp:bookmarks:1#compat" in features:
                    return Iq(xml=ET.fromstring(native))
                raise IqError(Iq(xml=ET.fromstring(refused)))

            iq.send = send  # type: ignore[method-assign]
            return iq

        def make_presence(self, pto: str) -> PresenceStanza:
            stanza = PresenceStanza(xml=ET.fromstring(f"<presence xmlns='jabber:client' to='{pto}'/>"))
            stanza.send = lambda: joins.append(pto)  # type: ignore[method-assign]
            return stanza

    session.context.client = Wire()  # type: ignore[assignment]
    await asyncio.wait_for(session.rooms.load_bookmarks(), 5)
    return list(session.state.rooms.bookmarks), joins, asked


async def test_bookmarks_are_xep_0402_ones_only_where_the_server_keeps_them_in_step_with_xep_0048() -> None:
    """XEP-0402 5 / XEP-0479: `urn:xmpp:bookmarks:1#compat` on our account decides, before anything is read
    (not an error to a PEP query afterwards)."""
    pubsub = "http://jabber.org/protocol/pubsub"
    without = await _bookmarks_loaded((pubsub, f"{pubsub}#publish-options"))
    assert without == (["den@conference.example.org"], ["den@conference.example.org/Al"], ["disco", "private"])
    with_compat = await _bookmarks_loaded((pubsub, f"{pubsub}#publish-options", "urn:xmpp:bookmarks:1#compat"))
    assert with_compat == (["hall@conference.example.org"], ["hall@conference.example.org/alice"], ["disco", "pep"])
    unprivate = await _bookmarks_loaded((pubsub, "urn:xmpp:bookmarks:1#compat"))  # no way to keep them private
    assert unprivate[2] == ["disco", "private"]


def test_mediated_invitation_from_a_semi_anonymous_room_names_the_occupant() -> None:
    conference = f"<x xmlns='jabber:x:conference' jid='{ROOM}'/>"  # the room adds this too: mediated wins
    stanza = message(ROOM, f"<x xmlns='{USER}'><invite from='{ROOM}/bob'/></x>{conference}", "normal")
    assert muc.invitation(stanza) == muc.Invitation(ROOM, f"{ROOM}/bob", "", "", mediated=True)


# Floods ----------------------------------------------------------------------------------------

def test_occupants_beyond_the_cap_let_the_least_recently_active_go_never_ourselves() -> None:
    room = Room(ROOM, "alice")
    room.hold(Occupant("alice"), 3)
    assert room.hold(Occupant("bob"), 3) == [] and room.hold(Occupant("carol"), 3) == []
    room.active("alice")
    room.active("bob")  # bob spoke: carol is now the least recently active
    assert room.hold(Occupant("dave"), 3) == ["carol"]
    assert room.hold(Occupant("erin"), 3) == ["bob"], "alice is ours and never let go, though older"
    assert list(room.occupants) == ["alice", "dave", "erin"] and room.forgotten == 2
    room.hold(Occupant("dave", Role.MODERATOR), 3)  # a presence update refreshes, it does not add
    assert list(room.occupants) == ["alice", "erin", "dave"] and room.occupants["dave"].role is Role.MODERATOR
    room.active("nobody")
    assert len(room.occupants) == 3
    lone = Room(ROOM, "alice")
    lone.hold(Occupant("alice"), 1)
    assert lone.hold(Occupant("bob"), 1) == ["bob"] and list(lone.occupants) == ["alice"]
    room.clear_occupants()
    assert not room.occupants and room.forgotten == 0


def test_a_flood_of_joins_and_leaves_is_coalesced_until_a_quiet_window() -> None:
    flood = OccupantFlood(burst=3, window=10.0)
    assert [flood.admit(t, joined=True) for t in (0, 1, 2)] == [True, True, True]
    assert not flood.admit(3, joined=True) and flood.counted == 1 and flood.summary() == "… and 1 more joined"
    for t in range(4, 30):
        assert not flood.admit(t, joined=t % 5 != 0), "the flood goes on: counted, never a line"
    assert flood.summary() == "… and 22 more joined, 5 left"
    assert flood.admit(40, joined=False) and flood.counted == 0, "a quiet window ends the flood"
    leaves = OccupantFlood(burst=1, window=10.0)
    assert leaves.admit(0, joined=False) and not leaves.admit(1, joined=False)
    assert leaves.summary() == "… and 1 more left"
    slow = OccupantFlood(burst=2, window=10.0)
    assert all(slow.admit(t, joined=True) for t in range(0, 100, 6)), "a steady trickle is never a flood"


async def test_a_room_flooding_joins_stays_bounded_with_one_summary_line() -> None:
    session, events = await joined_session(max_room_occupants=10)
    for n in range(30):
        session.inbound(presence(f"{ROOM}/bot{n}", item()))
    room = session.state.rooms.get(ROOM)
    assert len(room.occupants) == 10 and "alice" in room.occupants and room.forgotten == 22
    assert list(room.occupants)[-9:] == [f"bot{n}" for n in range(21, 30)]
    lines = [m.body for m in session.state.conversations.get(ROOM).messages]
    assert lines == [f"you joined {ROOM} as alice", *(f"bot{n} joined" for n in range(5)), "… and 25 more joined",
                     "more than 10 occupants: only the 10 most recently active are listed"], \
        "the summary is one line, updated in place (and said once that the list is capped)"
    assert any(isinstance(e, MessageUpdated) and e.message.body == "… and 25 more joined" for e in events)
    for n in range(21, 30):
        session.inbound(presence(f"{ROOM}/bot{n}", item(), kind="unavailable"))
    assert [m.body for m in session.state.conversations.get(ROOM).messages if m.body.startswith("…")] == \
        ["… and 25 more joined, 9 left"]
    assert set(room.occupants) == {"alice"}


async def test_an_invalid_nick_from_a_joined_room_drops_that_stanza_only() -> None:
    session, _ = await joined_session()
    bad = f"{ROOM}/" + "x" * 1100  # longer than a resourcepart may be (RFC 7622: 1023 bytes)
    session.inbound(presence(bad, item("moderator", "owner", codes=("110",))))
    session.inbound(message(bad, "<body>from nowhere</body>"))
    session.inbound(message(bad, f"<body>psst</body><x xmlns='{USER}'/>", kind="chat"))
    room = session.state.rooms.get(ROOM)
    assert room.joined and room.nick == "alice" and set(room.occupants) == {"bob", "alice"}
    assert [c.jid for c in session.state.conversations] == [ROOM]
    assert "from nowhere" not in [m.body for m in session.state.conversations.get(ROOM).messages]
    session.inbound(message(f"{ROOM}/bob", "<body>still here</body>"))
    assert session.state.conversations.get(ROOM).messages[-1].body == "still here"


# Private messages in our own archive -------------------------------------------------------------

def archived_pm(sender: str, to: str, body: str, through_room: bool = True, n: int = 0) -> Message:
    x = f"<x xmlns='{USER}'/>" if through_room else ""
    return Message(xml=ET.fromstring(
        f"<message xmlns='jabber:client' to='alice@example.org/x'><result xmlns='urn:xmpp:mam:2' queryid='q1' "
        f"id='a{n}'><forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' "
        f"stamp='2024-05-01T10:00:{n:02}Z'/><message xmlns='jabber:client' from='{sender}' to='{to}' type='chat'>"
        f"<body>{body}</body>{x}</message></forwarded></result></message>"))


async def test_archived_private_messages_through_a_room_go_to_the_occupants_conversation() -> None:
    session = XmppSession(Account(jid="alice@example.org"), Secret("pw"))
    session.context.sink = lambda event: None
    session.state.roster.replace([Contact("carol@example.org")])
    session.state.rooms.bookmarks["den@conference.example.org"] = Bookmark("den@conference.example.org")
    stanzas = [archived_pm(f"{ROOM}/bob", "alice@example.org/x", "psst", n=1),
               archived_pm("alice@example.org/x", f"{ROOM}/bob", "hi bob", n=2),
               archived_pm("carol@example.org/phone", "alice@example.org/x", "a contact's", n=3),
               archived_pm("den@conference.example.org/dave", "alice@example.org/x", "bookmarked room",
                           through_room=False, n=4),
               archived_pm("erin@example.org/laptop", "alice@example.org/x", "a plain chat", through_room=False, n=5)]
    results = [translate.archive_result(stanza, "alice@example.org", {"q1"}, 1.8e9) for stanza in stanzas]
    assert [r.through_room for r in results if r is not None] == [True, True, True, False, False]
    session.archive_sync.take_archived([r for r in results if r is not None])
    conversations = session.state.conversations
    pm = conversations.get(f"{ROOM}/bob")
    assert pm is not None and pm.kind is ConversationKind.PRIVATE
    assert [(m.sender, m.body, m.direction) for m in pm.messages] == [("bob", "psst", Direction.IN),
                                                                      ("alice", "hi bob", Direction.OUT)]
    assert conversations.get("den@conference.example.org/dave").kind is ConversationKind.PRIVATE
    assert [m.body for m in conversations.get("carol@example.org").messages] == ["a contact's"], \
        "a contact's messages stay in the chat with the contact"
    assert conversations.get("erin@example.org").kind is ConversationKind.CHAT
    assert ROOM not in conversations and "den@conference.example.org" not in conversations

# Configuration forms and invitations ---------------------------------------------------------------

OWNER_FORM = """<iq xmlns='jabber:client' type='result'><query xmlns='http://jabber.org/protocol/muc#owner'>
<x xmlns='jabber:x:data' type='form'><title>Configuration</title><instructions>Fill it in</instructions>
<field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/muc#roomconfig</value></field>
<field type='fixed'><value>General</value></field>
<field var='muc#roomconfig_roomname' type='text-single' label='Title'><value>Lounge</value><value>x</value></field>
<field var='muc#roomconfig_membersonly' type='boolean' label='Members only'><value>false</value></field>
<field var='muc#roomconfig_whois' type='list-single' label='Whois'><option label='Moderators'>
<value>moderators</value></option><option label='Anyone'><value>anyone</value></option><value>anyone</value></field>
<field var='muc#roomconfig_roomadmins' type='jid-multi'><value>a@x</value><value>b@x</value></field>
<field var='weird' type='no-such-type'><required/><desc>what</desc></field>
</x></query></iq>"""


def owner_form():  # type: ignore[no-untyped-def]
    from slixmpp import Iq

    from xmpptui.xmpp.stanzas import forms

    result = Iq(xml=ET.fromstring(OWNER_FORM))
    return forms.find_form(result.xml.find("{http://jabber.org/protocol/muc#owner}query"))


def test_an_owner_form_is_read_into_typed_fields() -> None:
    from xmpptui.model.forms import FieldType, FormOption

    form = owner_form()
    assert form is not None and (form.title, form.instructions) == ("Configuration", "Fill it in")
    assert form.form_type == "http://jabber.org/protocol/muc#roomconfig"
    assert [f.type for f in form.fields] == [FieldType.HIDDEN, FieldType.FIXED, FieldType.TEXT_SINGLE,
                                             FieldType.BOOLEAN, FieldType.LIST_SINGLE, FieldType.JID_MULTI,
                                             FieldType.TEXT_SINGLE]
    assert form.field("muc#roomconfig_roomname").values == ("Lounge",), "a single-valued field keeps one"
    assert not form.field("muc#roomconfig_membersonly").checked
    whois = form.field("muc#roomconfig_whois")
    assert whois.value == "anyone" and whois.options == (FormOption("moderators", "Moderators"),
                                                         FormOption("anyone", "Anyone"))
    assert form.field("muc#roomconfig_roomadmins").values == ("a@x", "b@x")
    weird = form.field("weird")
    assert weird.required and weird.desc == "what", "an unknown type is text-single (XEP-0004)"


def test_the_answers_are_a_submit_form_and_cancel_is_empty() -> None:
    from xmpptui.xmpp.stanzas import forms

    answered = owner_form().with_values({"muc#roomconfig_roomname": ("Den",),
                                         "muc#roomconfig_membersonly": ("true",),
                                         "muc#roomconfig_roomadmins": ()})
    with pytest.raises(KeyError):
        owner_form().with_values({"FORM_TYPE": ("spoofed",)})
    x = forms.submit_element(answered)
    assert x.get("type") == "submit"
    sent = {f.get("var"): [v.text for v in f.findall("{jabber:x:data}value")]
            for f in x.findall("{jabber:x:data}field")}
    assert sent == {"FORM_TYPE": ["http://jabber.org/protocol/muc#roomconfig"], "muc#roomconfig_roomname": ["Den"],
                    "muc#roomconfig_membersonly": ["1"], "muc#roomconfig_whois": ["anyone"],
                    "muc#roomconfig_roomadmins": [], "weird": []}, "fixed fields are not sent back"
    cancel = forms.cancel_element()
    assert cancel.get("type") == "cancel" and len(cancel) == 0


def test_configuration_changes_in_words() -> None:
    stanza = message(ROOM, f"<x xmlns='{USER}'><status code='104'/><status code='172'/></x>")
    assert muc.configuration_changes(stanza) == ["the room's configuration changed",
                                                 "the room is now non-anonymous: every occupant can see your address"]
    assert muc.configuration_changes(message(ROOM, "<body>hi</body>")) == []


class InviteWire:
    """Answers the room's disco#info with `features` (None: an error) and records what is sent."""

    def __init__(self, features: tuple[str, ...] | None) -> None:
        self.features = features
        self.sent: list[Message] = []

    def make_iq_get(self, ito: str | None = None):  # type: ignore[no-untyped-def]
        from slixmpp import Iq
        from slixmpp.exceptions import IqError

        iq = Iq(xml=ET.fromstring("<iq xmlns='jabber:client' type='get'/>"))
        features = self.features

        async def send(timeout: float) -> Iq:
            if features is None:
                raise IqError(Iq(xml=ET.fromstring(
                    "<iq xmlns='jabber:client' type='error'><error type='cancel'><service-unavailable "
                    "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>")))
            inner = "".join(f"<feature var='{f}'/>" for f in features)
            return Iq(xml=ET.fromstring(f"<iq xmlns='jabber:client' type='result'><query "
                                        f"xmlns='http://jabber.org/protocol/disco#info'>{inner}</query></iq>"))

        iq.send = send  # type: ignore[method-assign]
        return iq

    def make_message(self, mto: str, mtype: str = "normal", **_: object) -> Message:
        stanza = Message(xml=ET.fromstring(f"<message xmlns='jabber:client' to='{mto}' type='{mtype}'/>"))
        stanza.send = lambda: self.sent.append(stanza)  # type: ignore[method-assign]
        return stanza


@pytest.mark.parametrize(("features", "password", "mediated"), [
    (("muc_membersonly", "muc_semianonymous"), "", True),
    (("muc_open", "muc_passwordprotected"), "pw", False),
    (("muc_open", "muc_passwordprotected"), "", True),
    (("muc_open", "muc_unsecured"), "", False),
    (None, "", True),
])
async def test_invitations_go_through_the_room_unless_a_direct_one_surely_gets_them_in(
        features: tuple[str, ...] | None, password: str, mediated: bool) -> None:
    session, _ = await joined_session()
    session.state.connection = replace(session.state.connection, state=ConnectionState.ONLINE)
    wire = InviteWire(features)
    session.context.client = wire  # type: ignore[assignment]
    session.state.rooms.get(ROOM).password = password
    await session.invite(ROOM, "carol@example.org", "come")
    (sent,) = wire.sent
    if mediated:
        assert sent.xml.get("to") == ROOM
        invite = sent.xml.find(f"{{{USER}}}x/{{{USER}}}invite")
        assert invite.get("to") == "carol@example.org" and invite.findtext(f"{{{USER}}}reason") == "come"
    else:
        assert sent.xml.get("to") == "carol@example.org"
        direct = sent.xml.find("{jabber:x:conference}x")
        assert (direct.get("jid"), direct.get("reason"), direct.get("password")) == (ROOM, "come", password or None)
    line = session.state.conversations.get(ROOM).messages[-1].body
    assert line.startswith("you invited carol@example.org (" + ("through the room" if mediated else "directly"))
    if mediated:  # the room's refusal comes back as a message with our invitation's id
        session.inbound(message(ROOM, "<error type='auth'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
                                      "</error>", kind="error", message_id=sent.xml.get("id")))
        assert session.state.conversations.get(ROOM).messages[-1].body == \
            "you are not allowed to invite carol@example.org"


async def test_a_refused_mediated_invitation_is_said_in_words() -> None:
    session, _ = await joined_session()
    session.state.connection = replace(session.state.connection, state=ConnectionState.ONLINE)
    wire = InviteWire(("muc_membersonly",))
    session.context.client = wire  # type: ignore[assignment]
    await session.invite(ROOM, "carol@example.org")
    refused = wire.sent[0].xml.get("id")
    session.inbound(message(ROOM, "<error type='auth'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
                                      "</error>", kind="error", message_id=refused))
    assert session.state.conversations.get(ROOM).messages[-1].body == \
        "you are not allowed to invite carol@example.org"


class _RejoinWire:
    """A client whose disco#info queries time out and whose presences are recorded."""

    transport = object()  # (connected)

    def __init__(self) -> None:
        self.sent: list[str] = []

    def make_iq_get(self, ito: str):  # type: ignore[no-untyped-def]
        import asyncio

        from slixmpp import Iq
        from slixmpp.exceptions import IqTimeout

        iq = Iq(xml=ET.fromstring(f"<iq xmlns='jabber:client' type='get' to='{ito}' id='d1'/>"))

        def send(timeout: float) -> asyncio.Future[Iq]:
            future: asyncio.Future[Iq] = asyncio.get_running_loop().create_future()
            future.set_exception(IqTimeout(iq))
            return future

        iq.send = send  # type: ignore[method-assign]
        return iq

    def make_presence(self, pto: str) -> PresenceStanza:
        stanza = PresenceStanza(xml=ET.fromstring(f"<presence xmlns='jabber:client' to='{pto}'/>"))
        stanza.send = lambda: self.sent.append(pto)  # type: ignore[method-assign]
        return stanza


async def test_a_room_that_drops_us_without_a_reason_is_joined_again_a_few_times_then_left() -> None:
    import asyncio

    session, _ = await joined_session()
    conversation = session.state.conversations.get(ROOM)
    wire = _RejoinWire()
    session.context.client = wire  # type: ignore[assignment]
    session.state.connection = replace(session.state.connection, state=ConnectionState.ONLINE)
    for _ in range(2):
        session.inbound(presence(f"{ROOM}/alice", item("none", codes=("110",)), kind="unavailable"))
        assert session.state.rooms.get(ROOM).state is RoomState.JOINING
        await asyncio.sleep(0.01)
        assert wire.sent[-1] == f"{ROOM}/alice", "joined again"
        session.inbound(presence(f"{ROOM}/alice", item("participant", codes=("110",))))
        assert session.state.rooms.get(ROOM).joined
    assert sum("without saying why" in m.body for m in conversation.messages) == 2
    session.inbound(presence(f"{ROOM}/alice", item("none", codes=("110",)), kind="unavailable"))
    assert session.state.rooms.get(ROOM).state is RoomState.LEFT, "a room that keeps dropping us is left alone"


async def test_an_unavailable_for_an_earlier_session_does_not_stop_a_join() -> None:
    session, _ = await joined_session()
    room = session.state.rooms.get(ROOM)
    room.state = RoomState.JOINING  # (joining again after a restart; the room has not answered yet)
    session.inbound(presence(f"{ROOM}/alice", item("none", codes=("110",)), kind="unavailable"))
    assert room.state is RoomState.JOINING
    session.inbound(presence(f"{ROOM}/alice", item("participant", codes=("110",))))
    assert room.joined


# RoomService alone, with its context: the joined / left hooks the session wires to the archive catch-up -----

async def test_a_room_is_said_joined_once_per_join_and_left_whenever_it_is_not_joined() -> None:
    import time

    from xmpptui.model.presence import Presence
    from xmpptui.model.state import ClientState
    from xmpptui.xmpp.context import SessionContext
    from xmpptui.xmpp.conversations import Conversations
    from xmpptui.xmpp.message_updates import MessageUpdates
    from xmpptui.xmpp.pep_publish import PrivatePep
    from xmpptui.xmpp.rooms import RoomService

    async def _nothing() -> None:
        return None

    account = Account(jid="alice@example.org")
    state = ClientState(jid="alice@example.org", resource="x")
    context = SessionContext(account, state, time.time, time.monotonic)
    said: list[tuple[str, str]] = []
    rooms = RoomService(context, open_conversation=lambda jid, kind, by_user: state.conversations.open(jid, kind)[0],
                        persist=lambda message: None, store_update=lambda message: None,
                        private_pep=PrivatePep(context), default_nick="alice",
                        updates=MessageUpdates(context, Conversations(context, None, set(), lambda message: None,
                                                                      lambda conversation: _nothing())),
                        on_joined=lambda room: said.append(("joined", room)),
                        on_left=lambda room: said.append(("left", room)))
    await rooms.join_room(f"{ROOM}/alice")
    assert said == [("left", ROOM)], "joining is not being joined"
    rooms.on_room_presence(state.rooms.get(ROOM), presence(f"{ROOM}/alice", item(codes=("110",))))
    rooms.on_room_presence(state.rooms.get(ROOM), presence(f"{ROOM}/bob", item()))
    rooms.on_room_message(state.rooms.get(ROOM), message(f"{ROOM}/bob", "<subject>hi</subject>"))
    assert said == [("left", ROOM), ("joined", ROOM)], "once per join, whatever else changes in the room"
    rooms.own_presence_sent(Presence(Show.OFFLINE))
    assert said[-1] == ("left", ROOM)
    await rooms.join_room(f"{ROOM}/alice")
    rooms.on_room_presence(state.rooms.get(ROOM), presence(f"{ROOM}/alice", item(codes=("110",))))
    assert said[-2:] == [("left", ROOM), ("joined", ROOM)], "a new join is said again"
    rooms.conversation_closed(ROOM)
    assert said[-1] == ("left", ROOM) and ROOM not in state.rooms
