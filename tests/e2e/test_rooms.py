"""Group chat (XEP-0045) against each private server's MUC service (Prosody, ejabberd), with plain slixmpp peers as the
other occupants: joining, messages both ways, subject, occupants, errors, moderation, PMs, rejoin."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from pathlib import Path
from xml.etree import ElementTree as ET

import slixmpp
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath
from textual.widgets import Checkbox, Input, Label, OptionList, Select

from tests.e2e.helpers import SIZE, bodies, log_lines, logged_in, make_app, until
from tests.support.fault_proxy import FaultProxy
from tests.support.peer import Peer
from tests.support.server import MUC_DOMAIN, XmppServer
from tests.support.server import Account as ServerAccount
from xmpptui.model.conversation import ConversationKind, DeliveryState, Direction
from xmpptui.model.events import Event, MessageAdded
from xmpptui.model.room import Affiliation, Role, RoomState
from xmpptui.model.state import ConnectionState
from xmpptui.session import EventSink
from xmpptui.storage.history import History
from xmpptui.ui.app import XmppTuiApp
from xmpptui.ui.rooms.picker import RoomPickerScreen
from xmpptui.ui.shared import render
from xmpptui.ui.shared.dialogs import ConfirmScreen, PromptScreen
from xmpptui.xmpp.session import XmppSession

MUC = "http://jabber.org/protocol/muc"
MUC_USER = f"{MUC}#user"


def new_room() -> str:
    return f"r{uuid.uuid4().hex[:8]}@{MUC_DOMAIN}"


async def peer_in_room(server: XmppServer, peers: list[Peer], account: ServerAccount, room: str, nick: str) -> Peer:
    """A peer bot for `account`, logged in (and disconnected after the test) and joined to `room` as `nick`."""
    peer = await Peer(server, account).connect()
    peers.append(peer)
    await peer_join(peer, room, nick)
    return peer


async def peer_join(peer: Peer, room: str, nick: str, password: str = "") -> None:
    """Join with a raw presence and wait for the room's self-presence (status 110)."""
    presence = peer.client.make_presence(pto=f"{room}/{nick}")
    x = ET.SubElement(presence.xml, f"{{{MUC}}}x")
    if password:
        ET.SubElement(x, f"{{{MUC}}}password").text = password
    presence.send()
    while True:
        answer = await peer.presence_from(room)
        if answer["type"] == "error":
            raise AssertionError(f"{peer.account.user} could not join {room}: {answer}")
        if answer.xml.find(f"{{{MUC_USER}}}x/{{{MUC_USER}}}status[@code='110']") is not None:
            return


async def configure(peer: Peer, room: str, fields: dict[str, str]) -> None:
    """Submit (part of) the room configuration form as the room's owner."""
    iq = peer.client.make_iq_set(ito=room)
    query = ET.SubElement(iq.xml, f"{{{MUC}#owner}}query")
    form = ET.SubElement(query, "{jabber:x:data}x", type="submit")
    for var, value in {"FORM_TYPE": f"{MUC}#roomconfig", **fields}.items():
        field = ET.SubElement(form, "{jabber:x:data}field", var=var)
        ET.SubElement(field, "{jabber:x:data}value").text = value
    await iq.send(timeout=10)


async def admin(peer: Peer, room: str, item: dict[str, str], reason: str = "") -> None:
    iq = peer.client.make_iq_set(ito=room)
    query = ET.SubElement(iq.xml, f"{{{MUC}#admin}}query")
    element = ET.SubElement(query, f"{{{MUC}#admin}}item", item)
    if reason:
        ET.SubElement(element, f"{{{MUC}#admin}}reason").text = reason
    await iq.send(timeout=10)


def say(peer: Peer, room: str, body: str) -> None:
    peer.client.make_message(mto=room, mbody=body, mtype="groupchat").send()


async def message_from(peer: Peer, sender: str, kind: str = "groupchat") -> slixmpp.Message:
    while True:
        message = await peer.next_message()
        if str(message["from"]) == sender and message["type"] == kind:
            return message


async def typed(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press(*text)
    await pilot.press("enter")


def room_of(app: XmppTuiApp, room: str):  # type: ignore[no-untyped-def]
    return app.session.state.rooms.get(room) if app.session else None


async def joined(pilot, room: str) -> None:  # type: ignore[no-untyped-def]
    await until(pilot, lambda: (r := room_of(pilot.app, room)) is not None and r.state is RoomState.JOINED,
                what=f"joined {room}")


def notified(app: XmppTuiApp, words: str) -> bool:
    return any(words in str(n.message) for n in app._notifications)


async def test_join_talk_both_ways_subject_and_occupants(server: XmppServer, peers: list[Peer]) -> None:
    alice, bob, carol = server.register(), server.register(), server.register()
    room = new_room()
    bob_peer = await Peer(server, bob).connect()
    carol_peer = await Peer(server, carol).connect()
    peers += [bob_peer, carol_peer]
    await peer_join(bob_peer, room, "bob")  # bob creates the room: its owner and a moderator
    say(bob_peer, room, "said before alice came")
    await message_from(bob_peer, f"{room}/bob")
    app = make_app(server, alice)
    nick = alice.user
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        await typed(pilot, f"/join {room}")
        await joined(pilot, room)
        screen = app.main_screen
        conversation = app.session.state.conversations.get(room)
        assert conversation.kind is ConversationKind.GROUPCHAT and screen.active == room
        assert room_of(app, room).nick == nick, "the nick defaults to the JID's local part"
        await until(pilot, lambda: "said before alice came" in bodies(app, room), what="the room's history")
        history = next(m for m in conversation.messages if m.body == "said before alice came")
        assert history.delayed and history.sender == "bob" and conversation.unread == 0

        # Both ways; our own message is marked sent by its reflection, not shown twice.
        say(bob_peer, room, f"hello {nick}, welcome")
        await until(pilot, lambda: f"hello {nick}, welcome" in bodies(app, room), what="bob's message")
        assert next(m for m in conversation.messages if m.body.startswith("hello")).mention
        await typed(pilot, "hi bob")
        received = await message_from(bob_peer, f"{room}/{nick}")
        assert received["body"] == "hi bob"
        ours = [m for m in conversation.messages if m.body == "hi bob"]
        await until(pilot, lambda: ours[0].state is DeliveryState.SENT, what="reflection marks it sent")
        assert len(ours) == 1 and ours[0].direction is Direction.OUT
        assert any("hi bob" in line and nick in line for line in log_lines(app, room))

        # /me is shown as an action.
        say(bob_peer, room, "/me waves")
        await until(pilot, lambda: any("* bob waves" in line for line in log_lines(app, room)), what="action")

        # Subject: refused in words while only moderators may change it (set so: ejabberd's rooms let
        # occupants change it by default, Prosody's do not); then ours reaches bob, bob's reaches us; shown
        # at the top.
        await configure(bob_peer, room, {"muc#roomconfig_changesubject": "0"})
        await typed(pilot, "/subject Weekly sync")
        await until(pilot, lambda: any("you are not allowed to change the subject" in line
                                       for line in log_lines(app, room)), what="refusal in words")
        await configure(bob_peer, room, {"muc#roomconfig_changesubject": "1"})
        subjects: asyncio.Queue[str] = asyncio.Queue()
        bob_peer.client.register_handler(Callback(
            "subjects", MatchXPath("{jabber:client}message/{jabber:client}subject"),
            lambda message: subjects.put_nowait(message["subject"])))
        await typed(pilot, "/subject Weekly sync")
        assert await asyncio.wait_for(subjects.get(), 10) == "Weekly sync", "bob sees our subject"
        await until(pilot, lambda: room_of(app, room).subject == "Weekly sync", what="our subject echoed")
        bob_peer.client.make_message(mto=room, msubject="Release day", mtype="groupchat").send()
        await until(pilot, lambda: room_of(app, room).subject == "Release day", what="bob's subject")
        await pilot.pause()
        assert "Release day" in str(screen.query_one("#room-subject").render())
        assert any("bob changed the subject to: Release day" in line for line in log_lines(app, room))

        # Occupants: joins, nick changes, role changes and leaves.
        text = screen.occupant_list_text()
        assert "Moderators (1)" in text and "~bob" in text and nick in text
        await peer_join(carol_peer, room, "carol")
        await until(pilot, lambda: "carol" in room_of(app, room).occupants, what="carol joined")
        carol_peer.client.make_presence(pto=f"{room}/carol2").send()
        await until(pilot, lambda: "carol2" in room_of(app, room).occupants, what="carol's new nick")
        assert "carol" not in room_of(app, room).occupants
        await admin(bob_peer, room, {"nick": "carol2", "role": "visitor"})
        await until(pilot, lambda: room_of(app, room).occupants["carol2"].role is Role.VISITOR, what="voice taken")
        await pilot.pause()
        assert "Visitors (1)" in screen.occupant_list_text()
        carol_peer.client.send_presence(pto=f"{room}/carol2", ptype="unavailable")
        await until(pilot, lambda: "carol2" not in room_of(app, room).occupants, what="carol left")
        lines = "\n".join(log_lines(app, room))
        for event in ("carol joined", "carol is now known as carol2", "carol2 is now a visitor", "carol2 left"):
            assert event in lines, event
        await pilot.press("ctrl+o")
        assert not screen.query_one("#occupant-pane").display, "the occupant pane toggles"


async def test_a_typed_join_knows_the_rooms_features_before_its_history_and_asks_for_them_once(
        server: XmppServer, peers: list[Peer]) -> None:
    """What the room says of itself when /join asks whether it exists stands for that join: the features are
    known before the first join's history is filed (it used to be filed by nick where the room gives occupant
    ids, #20) and disco#info is sent to the room once, not again once joined."""
    alice, bob = server.register(), server.register()
    room = new_room()
    bob_peer = await peer_in_room(server, peers, bob, room, "bob")
    say(bob_peer, room, "said before alice came")
    await message_from(bob_peer, f"{room}/bob")
    features_when_filed: list[frozenset[str]] = []

    class Tapped(XmppSession):
        async def start(self, sink: EventSink) -> None:
            def tapped(event: Event) -> None:
                if isinstance(event, MessageAdded) and event.message.body == "said before alice came":
                    features_when_filed.append(self.state.rooms.get(room).features)  # type: ignore[union-attr]
                sink(event)

            await super().start(tapped)

    app = make_app(server, alice, session_type=Tapped)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        app.session.watch_stanzas(True)
        await typed(pilot, f"/join {room}")
        await joined(pilot, room)
        await until(pilot, lambda: features_when_filed, what="the room's history filed")
        assert MUC in features_when_filed[0], "the room's features known when its history was filed"
        say(bob_peer, room, "after alice came")  # (anything the join set off has been sent before this is shown)
        await until(pilot, lambda: "after alice came" in bodies(app, room), what="a line after the join")
        asked = [record for record in app.session.stanzas_since(0) if record.outgoing
                 and "disco#info" in record.xml and f"to=\"{room}\"" in record.xml.replace("'", '"')]
        assert len(asked) == 1, f"disco#info sent to the room once: {[record.xml for record in asked]}"


async def test_nick_conflict_offers_another_nick(server: XmppServer, peers: list[Peer]) -> None:
    alice, bob = server.register(), server.register()
    room = new_room()
    bob_peer = await Peer(server, bob).connect()
    peers.append(bob_peer)
    await peer_join(bob_peer, room, alice.user)  # bob took the nick alice would get by default
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        await typed(pilot, f"/join {room}")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen), what="another nick offered")
        assert any(f"the nick {alice.user} is already in use" in body for body in bodies(app, room))
        assert app.screen.query_one(Input).value == f"{alice.user}_"
        await pilot.press("enter")
        await joined(pilot, room)
        assert room_of(app, room).nick == f"{alice.user}_"
        seen = await bob_peer.presence_from(room, available=True)
        assert seen["from"].resource == f"{alice.user}_", "the room has us under the new nick"


async def test_password_protected_and_members_only_rooms(server: XmppServer, peers: list[Peer]) -> None:
    alice, bob = server.register(), server.register()
    secret_room, members_room = new_room(), new_room()
    bob_peer = await peer_in_room(server, peers, bob, secret_room, "bob")
    await configure(bob_peer, secret_room, {"muc#roomconfig_passwordprotectedroom": "1",
                                            "muc#roomconfig_roomsecret": "s3cret"})
    await peer_join(bob_peer, members_room, "bob")
    await configure(bob_peer, members_room, {"muc#roomconfig_membersonly": "1"})
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        await typed(pilot, f"/join {secret_room}")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen), what="password asked for")
        assert any("is password-protected" in body for body in bodies(app, secret_room))
        await pilot.press(*"wrong", "enter")
        await until(pilot, lambda: any("wrong password" in body for body in bodies(app, secret_room)),
                    what="wrong password in words")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen), what="password asked again")
        await pilot.press("escape")
        await typed(pilot, f"/join {secret_room}/alice s3cret")
        await joined(pilot, secret_room)
        seen = await bob_peer.presence_from(secret_room, available=True)
        assert seen["from"].resource == "alice"

        await typed(pilot, f"/join {members_room}")
        await until(pilot, lambda: any("members-only and you are not a member" in body
                                       for body in bodies(app, members_room)), what="members-only in words")
        assert room_of(app, members_room).state is RoomState.LEFT
        await admin(bob_peer, members_room, {"jid": alice.jid, "affiliation": "member"})
        await typed(pilot, f"/join {members_room}")
        await joined(pilot, members_room)
        assert room_of(app, members_room).occupants[alice.user].affiliation is Affiliation.MEMBER


async def test_moderation_kick_ban_and_permission_errors(server: XmppServer, peers: list[Peer]) -> None:
    alice, bob = server.register(), server.register()
    room = new_room()
    bob_peer = await peer_in_room(server, peers, bob, room, "bob")
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        await typed(pilot, f"/join {room}")
        await joined(pilot, room)
        await typed(pilot, "/kick bob you talk too much")
        await until(pilot, lambda: notified(app, "you are not allowed to kick bob"), what="refusal in words")
        assert "bob" in room_of(app, room).occupants
        assert app.main_screen.composer.text == "/kick bob you talk too much", "kept after a refusal"
        app.main_screen.composer.clear()

        await admin(bob_peer, room, {"nick": alice.user, "role": "none"}, reason="spam")
        await until(pilot, lambda: room_of(app, room).state is RoomState.LEFT, what="kicked")
        assert any("you were kicked" in body and "spam" in body for body in bodies(app, room))
        await typed(pilot, "still here?")
        await until(pilot, lambda: notified(app, f"you are not in {room}"), what="sending refused in words")
        assert app.main_screen.composer.text == "still here?", "nothing typed is lost"
        app.main_screen.composer.clear()

        await typed(pilot, f"/join {room}")
        await joined(pilot, room)
        await admin(bob_peer, room, {"jid": alice.jid, "affiliation": "outcast"}, reason="enough")
        await until(pilot, lambda: room_of(app, room).state is RoomState.LEFT, what="banned")
        assert any("you were banned" in body for body in bodies(app, room))
        await typed(pilot, f"/join {room}")
        await until(pilot, lambda: any(f"you are banned from {room}" in body for body in bodies(app, room)),
                    what="banned in words on rejoin")


async def test_a_missing_room_is_created_on_request_and_moderator_commands_reach_it(
        server: XmppServer, peers: list[Peer]) -> None:
    alice, bob = server.register(), server.register()
    room = new_room()
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        await typed(pilot, f"/join {room}")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="asked whether to create it")
        assert room_of(app, room) is None, "nothing joined (nor created) before the answer"
        await pilot.press("escape")
        await pilot.pause()
        assert room_of(app, room) is None and app.main_screen.composer.text == f"/join {room}"
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="asked again")
        await pilot.press("y")  # a new room: we own it
        await joined(pilot, room)
        assert any("a new room: you own it" in body for body in bodies(app, room))
        bob_peer = await peer_in_room(server, peers, bob, room, "bob")
        await until(pilot, lambda: "bob" in room_of(app, room).occupants, what="bob in the room")
        await typed(pilot, "/role bob visitor")
        await until(pilot, lambda: room_of(app, room).occupants["bob"].role is Role.VISITOR, what="bob muted")
        await typed(pilot, f"/affiliation {bob.jid} member")
        await until(pilot, lambda: room_of(app, room).occupants["bob"].affiliation is Affiliation.MEMBER,
                    what="bob a member")
        await typed(pilot, "/kick bob bye now")
        gone = await bob_peer.presence_from(room, available=False)
        while gone["from"].resource != "bob":  # ejabberd: the room's own presence first, from its bare JID
            gone = await bob_peer.presence_from(room, available=False)
        assert gone.xml.find(f"{{{MUC_USER}}}x/{{{MUC_USER}}}status[@code='307']") is not None, "bob was kicked"
        await until(pilot, lambda: any("bob was kicked" in body for body in bodies(app, room)), what="kick shown")


async def test_private_messages_with_an_occupant(server: XmppServer, peers: list[Peer]) -> None:
    alice, bob = server.register(), server.register()
    room = new_room()
    bob_peer = await peer_in_room(server, peers, bob, room, "bob")
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        await typed(pilot, f"/join {room}")
        await joined(pilot, room)
        private = bob_peer.client.make_message(mto=f"{room}/{alice.user}", mbody="psst, alice", mtype="chat")
        ET.SubElement(private.xml, f"{{{MUC_USER}}}x")
        private.send()
        occupant = f"{room}/bob"
        await until(pilot, lambda: bodies(app, occupant) == ["psst, alice"], what="the PM")
        conversation = app.session.state.conversations.get(occupant)
        assert conversation.kind is ConversationKind.PRIVATE and conversation.messages[0].sender == "bob"
        assert app.session.state.conversations.get(bob.jid) is None, "kept apart from bob's own chat"
        assert app.main_screen.active == room, "an incoming PM does not take the focus"

        await typed(pilot, "/msg bob hi back")
        answer = await message_from(bob_peer, f"{room}/{alice.user}", kind="chat")
        assert answer["body"] == "hi back"
        assert [(m.body, m.direction) for m in conversation.messages] == [
            ("psst, alice", Direction.IN), ("hi back", Direction.OUT)]


async def test_rooms_are_rejoined_after_the_connection_is_cut(server: XmppServer, peers: list[Peer]) -> None:
    alice, bob = server.register(), server.register()
    room = new_room()
    bob_peer = await peer_in_room(server, peers, bob, room, "bob")
    async with FaultProxy(server.host, server.c2s_port) as proxy:
        app = make_app(server, alice)
        app._account = replace(app._account, port=proxy.port)
        async with app.run_test(size=SIZE) as pilot:
            await logged_in(pilot)
            await typed(pilot, f"/join {room}")
            await joined(pilot, room)
            await bob_peer.presence_from(room, available=True)
            proxy.refuse()
            proxy.cut()
            # The server keeps the session for smacks_hibernation_time (10 s), then takes us out of the room.
            await bob_peer.presence_from(room, available=False, timeout=30)
            proxy.refuse(False)
            await until(pilot, lambda: app.session.state.connection.state is ConnectionState.RECONNECTING)
            app.session.reconnect_now()
            back = await bob_peer.presence_from(room, available=True, timeout=30)
            assert back["from"].resource == alice.user, "the server has us in the room again"
            await joined(pilot, room)
            say(bob_peer, room, "welcome back")
            await until(pilot, lambda: "welcome back" in bodies(app, room), what="messages flow again")
            await typed(pilot, "glad to be back")
            assert (await message_from(bob_peer, f"{room}/{alice.user}"))["body"] == "glad to be back"
            assert bodies(app, room).count("welcome back") == 1


async def test_nick_change_part_close_and_invitations(server: XmppServer, peers: list[Peer]) -> None:
    alice, bob, carol, mallory = (server.register() for _ in range(4))
    room, other_room = new_room(), new_room()
    bob_peer = await Peer(server, bob).connect()
    carol_peer = await Peer(server, carol).connect()
    mallory_peer = await Peer(server, mallory).connect()
    peers += [bob_peer, carol_peer, mallory_peer]
    await peer_join(bob_peer, room, "bob")
    await peer_join(bob_peer, other_room, "bob")
    invitations: asyncio.Queue[slixmpp.Message] = asyncio.Queue()
    carol_peer.client.register_handler(Callback(
        "invitations", MatchXPath("{jabber:client}message/{jabber:x:conference}x"), invitations.put_nowait))
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        await typed(pilot, f"/join {room}/alice")
        await joined(pilot, room)
        await bob_peer.presence_from(room, available=True)

        await typed(pilot, "/nick bob")
        await until(pilot, lambda: any("that nick is already in use" in body for body in bodies(app, room)),
                    what="nick conflict in words")
        assert room_of(app, room).nick == "alice" and room_of(app, room).joined
        await typed(pilot, "/nick alice2")
        await until(pilot, lambda: room_of(app, room).nick == "alice2", what="new nick")
        renamed = await bob_peer.presence_from(room, available=True)
        assert renamed["from"].resource == "alice2"

        await typed(pilot, f"/invite {carol.jid} come along")
        invitation = await asyncio.wait_for(invitations.get(), 10)
        x = invitation.xml.find("{jabber:x:conference}x")
        assert (x.get("jid"), x.get("reason")) == (room, "come along")

        # Groupchat that comes from no room we are in is ignored.
        mallory_peer.client.make_message(mto=alice.jid, mbody="fake room line", mtype="groupchat").send()
        direct = carol_peer.client.make_message(mto=alice.jid, mtype="normal")
        ET.SubElement(direct.xml, "{jabber:x:conference}x", {"jid": other_room, "reason": "our other room"})
        direct.send()
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the invitation offered")
        assert app.session.state.conversations.get(mallory.jid) is None
        await pilot.press("y")
        await joined(pilot, other_room)
        seen = await bob_peer.presence_from(other_room, available=True)
        assert seen["from"].resource == alice.user
        assert not any("fake room line" in m.body for c in app.session.state.conversations for m in c.messages)

        app.main_screen.switch_to(room)
        await typed(pilot, "/part bye all")
        left = await bob_peer.presence_from(room, available=False)
        assert left["from"].resource == "alice2" and left["status"] == "bye all"
        assert room_of(app, room).state is RoomState.LEFT and app.session.state.conversations.get(room) is not None

        app.main_screen.switch_to(other_room)
        await pilot.press("alt+w")
        closed = await bob_peer.presence_from(other_room, available=False)
        assert closed["from"].resource == alice.user, "closing a room's conversation leaves the room"
        assert room_of(app, other_room) is None


async def _stored_bookmarks(phone: Peer) -> dict[str, ET.Element]:
    """Our bookmarks as another client of ours reads them: XEP-0048 private storage, which every server keeps,
    and, where the server says it keeps the two in step (`urn:xmpp:bookmarks:1#compat`), XEP-0402 too; room ->
    `<conference/>`, the same in both where both are read."""
    info = phone.client.make_iq_get(ito=phone.account.jid)
    ET.SubElement(info.xml, "{http://jabber.org/protocol/disco#info}query")
    features = {f.get("var") for f in (await info.send(timeout=10)).xml.iter(
        "{http://jabber.org/protocol/disco#info}feature")}
    private = phone.client.make_iq_get()
    ET.SubElement(ET.SubElement(private.xml, "{jabber:iq:private}query"), "{storage:bookmarks}storage")
    stored = {c.get("jid"): c for c in (await private.send(timeout=10)).xml.iter("{storage:bookmarks}conference")}
    if "urn:xmpp:bookmarks:1#compat" in features:
        query = phone.client.make_iq_get(ito=phone.account.jid)
        pubsub = ET.SubElement(query.xml, "{http://jabber.org/protocol/pubsub}pubsub")
        ET.SubElement(pubsub, "{http://jabber.org/protocol/pubsub}items", node="urn:xmpp:bookmarks:1")
        items = (await query.send(timeout=10)).xml.iter("{http://jabber.org/protocol/pubsub}item")
        native = {item.get("id"): item.find("{urn:xmpp:bookmarks:1}conference") for item in items}
        assert set(native) == set(stored), "XEP-0402 and XEP-0048 agree"
        for room, conference in native.items():
            assert conference.get("autojoin") == stored[room].get("autojoin")
            assert conference.findtext("{urn:xmpp:bookmarks:1}nick") == stored[room].findtext("{storage:bookmarks}nick")
    return stored


async def test_bookmark_with_autojoin_is_saved_on_the_server_and_joined_on_the_next_login(
        server: XmppServer, peers: list[Peer]) -> None:
    """Where the server keeps XEP-0402 and XEP-0048 bookmarks in step (Prosody) the app uses XEP-0402, else
    XEP-0048 (ejabberd 23.01), as XEP-0479 asks; either way every client of ours sees them, several of them."""
    alice, bob = server.register(), server.register()
    room, second, third = new_room(), new_room(), new_room()
    bob_peer = await peer_in_room(server, peers, bob, room, "bob")
    for each in (second, third):  # rooms that exist (persistent ones stay after bob leaves on ejabberd too)
        await peer_join(bob_peer, each, "bob")
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        for each in (room, second):
            await typed(pilot, f"/join {each}/Ally")
            await joined(pilot, each)
            await typed(pilot, "/bookmark")
            await until(pilot, lambda each=each: f"bookmarked {each} (joined on login)" in bodies(app, each),
                        what="bookmark saved")
            assert each in app.session.state.rooms.bookmarks
        await bob_peer.presence_from(room, available=True)
        await pilot.press("ctrl+q")
    await bob_peer.presence_from(room, available=False)

    phone = await Peer(server, alice, resource="phone").connect()
    peers.append(phone)
    stored = await _stored_bookmarks(phone)
    assert set(stored) == {room, second}, "both kept"
    assert stored[room].get("autojoin") in ("true", "1") and stored[room].findtext("{storage:bookmarks}nick") == "Ally"

    again = make_app(server, alice)
    async with again.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        back = await bob_peer.presence_from(room, available=True)
        assert back["from"].resource == "Ally", "joined on login under the bookmarked nick"
        await joined(pilot, room)
        await joined(pilot, second)

        # Live: the phone adds a bookmark as a client on any server can (XEP-0048, whole document).
        store = phone.client.make_iq_set()
        document = ET.SubElement(ET.SubElement(store.xml, "{jabber:iq:private}query"), "{storage:bookmarks}storage")
        for each, autojoin in ((room, "true"), (second, "true"), (third, "true")):
            conference = ET.SubElement(document, "{storage:bookmarks}conference", jid=each, autojoin=autojoin)
            ET.SubElement(conference, "{storage:bookmarks}nick").text = "Ally"
        await store.send(timeout=10)
        await until(pilot, lambda: third in again.session.state.rooms.bookmarks, what="the phone's bookmark")
        await joined(pilot, third)


async def test_rooms_of_a_service_are_listed_to_pick_from(server: XmppServer, peers: list[Peer]) -> None:
    alice, bob = server.register(), server.register()
    room, other = new_room(), new_room()
    bob_peer = await Peer(server, bob).connect()
    peers.append(bob_peer)
    for public in (room, other):
        await peer_join(bob_peer, public, "bob")
        await configure(bob_peer, public, {"muc#roomconfig_publicroom": "1"})
    await peer_join(bob_peer, hidden := new_room(), "bob")
    await configure(bob_peer, hidden, {"muc#roomconfig_publicroom": "0"})
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        await typed(pilot, "/rooms")  # the default service: conference.<our domain>
        await until(pilot, lambda: isinstance(app.screen, RoomPickerScreen), what="the room list")
        options = app.screen.query_one(OptionList)
        listed = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert {room, other} <= set(listed) and hidden not in listed
        options.highlighted = listed.index(other)
        await pilot.press("enter")
        await joined(pilot, other)
        seen = await bob_peer.presence_from(other, available=True)
        assert seen["from"].resource == alice.user


async def test_voice_request_reaches_the_moderators_and_hostile_names_stay_plain(
        server: XmppServer, peers: list[Peer]) -> None:
    alice, bob, mallory = server.register(), server.register(), server.register()
    room = new_room()
    bob_peer = await Peer(server, bob).connect()
    mallory_peer = await Peer(server, mallory).connect()
    peers += [bob_peer, mallory_peer]
    requests: asyncio.Queue[slixmpp.Message] = asyncio.Queue()
    bob_peer.client.register_handler(Callback(
        "voice requests", MatchXPath("{jabber:client}message/{jabber:x:data}x"), requests.put_nowait))
    await peer_join(bob_peer, room, "bob")
    await configure(bob_peer, room, {"muc#roomconfig_changesubject": "1"})
    hostile = "[@click=app.quit]boss[/]"
    await peer_join(mallory_peer, room, hostile)
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        await typed(pilot, f"/join {room}")
        await joined(pilot, room)
        await admin(bob_peer, room, {"nick": alice.user, "role": "visitor"})
        await until(pilot, lambda: room_of(app, room).occupants[alice.user].role is Role.VISITOR, what="muted")
        await typed(pilot, "/voice")
        request = await asyncio.wait_for(requests.get(), 10)
        fields = {f.get("var"): f.findtext("{jabber:x:data}value")
                  for f in request.xml.iter("{jabber:x:data}field")}
        assert fields["muc#roomnick"] == alice.user and fields["muc#role"] == "participant"

        say(mallory_peer, room, "[bold red]obey[/] \u202eevil")
        mallory_peer.client.make_message(mto=room, msubject="[@click=app.quit]click me[/]", mtype="groupchat").send()
        await until(pilot, lambda: room_of(app, room).subject.startswith("[@click"), what="hostile subject")
        await pilot.pause()
        assert app.is_running, "markup in a subject or nick does nothing"
        assert "[@click=app.quit]click me[/]" in str(app.main_screen.query_one("#room-subject").render())
        assert hostile in app.main_screen.occupant_list_text()
        said = next(m for m in app.session.state.conversations.get(room).messages if m.sender == hostile)
        assert render.message_body(said).plain == "[bold red]obey[/] <U+202E>evil"
        assert " ".join(log_lines(app, room)).count("[bold red]obey[/]") == 1, "shown literally"


async def test_an_unreachable_chat_service_is_said_in_words(server: XmppServer, peers: list[Peer]) -> None:
    alice = server.register()
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        await typed(pilot, "/join lounge@nowhere.localhost")
        # (The join waits first for the service's disco#info, which ejabberd answers after a DNS lookup.)
        await until(pilot, lambda: (room := room_of(app, "lounge@nowhere.localhost")) is not None
                    and room.state is RoomState.LEFT, timeout=30, what="no such service")
        error = room_of(app, "lounge@nowhere.localhost").error
        # Each server refuses in its own words (Prosody: not allowed, no remote domains; ejabberd: the
        # service unavailable, DNS lookup failed): they are kept, after ours.
        assert ("you may not join or create lounge@nowhere.localhost" in error and "remote domains" in error) \
            or ("the chat service nowhere.localhost is unavailable" in error and "DNS lookup failed" in error), \
            error
        assert app.is_running and app.main_screen.composer.text == ""


async def test_room_history_with_the_local_history_is_not_doubled_on_the_next_run(
        server: XmppServer, peers: list[Peer], tmp_path: Path) -> None:
    alice, bob = server.register(), server.register()
    room = new_room()
    bob_peer = await peer_in_room(server, peers, bob, room, "bob")
    history = History(tmp_path / "history.sqlite3")
    try:
        app = make_app(server, alice, history=history)
        async with app.run_test(size=SIZE) as pilot:
            await logged_in(pilot)
            await typed(pilot, f"/join {room}")
            await joined(pilot, room)
            for n in range(3):
                say(bob_peer, room, f"line {n}")
            await typed(pilot, "my answer")
            await until(pilot, lambda: {"line 0", "line 1", "line 2", "my answer"} <= set(bodies(app, room)),
                        what="the first run's lines")
            await until(pilot, lambda: all(m.state is not DeliveryState.PENDING
                                           for m in app.session.state.conversations.get(room).messages),
                        what="ours reflected")
            await pilot.press("ctrl+q")

        again = make_app(server, alice, history=history)
        async with again.run_test(size=SIZE) as pilot:
            await logged_in(pilot)
            await typed(pilot, f"/join {room}")
            await joined(pilot, room)
            say(bob_peer, room, "after the restart")
            await until(pilot, lambda: "after the restart" in bodies(again, room), what="a new line")
            said = [b for b in bodies(again, room) if b.startswith("line") or b == "my answer"]
            assert sorted(said) == ["line 0", "line 1", "line 2", "my answer"], \
                "each line once: the room's join history matched what the local history holds"
    finally:
        await asyncio.to_thread(history.shutdown)


async def test_a_mediated_invitation_declined_tells_the_inviter(server: XmppServer, peers: list[Peer]) -> None:
    alice, bob = server.register(), server.register()
    room = new_room()
    bob_peer = await Peer(server, bob).connect()
    peers.append(bob_peer)
    declines: asyncio.Queue[slixmpp.Message] = asyncio.Queue()
    bob_peer.client.register_handler(Callback(
        "declines", MatchXPath(f"{{jabber:client}}message/{{{MUC_USER}}}x/{{{MUC_USER}}}decline"),
        declines.put_nowait))
    await peer_join(bob_peer, room, "bob")
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        invite = bob_peer.client.make_message(mto=room, mtype="normal")
        x = ET.SubElement(invite.xml, f"{{{MUC_USER}}}x")
        ET.SubElement(ET.SubElement(x, f"{{{MUC_USER}}}invite", to=alice.jid), f"{{{MUC_USER}}}reason").text = "hi"
        invite.send()
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the invitation offered")
        question = str(app.screen.query_one(Label).render())
        # XEP-0045 lets the room name the inviter by occupant JID (Prosody) or real JID (ejabberd).
        assert any(f"{inviter} invites you to {room} (hi)" in question for inviter in (f"{room}/bob", bob.jid)), \
            "the inviter as the room names them"
        await pilot.press("escape")
        decline = await asyncio.wait_for(declines.get(), 10)
        assert decline["from"].bare == room
        assert room_of(app, room) is None, "declining joins nothing"


async def test_the_rooms_archive_fills_what_was_said_while_we_were_away(
        server: XmppServer, peers: list[Peer], tmp_path: Path) -> None:
    alice, bob = server.register(), server.register()
    room = new_room()
    bob_peer = await peer_in_room(server, peers, bob, room, "bob")
    history = History(tmp_path / "history.sqlite3")
    try:
        app = make_app(server, alice, history=history)
        async with app.run_test(size=SIZE) as pilot:
            await logged_in(pilot)
            await typed(pilot, f"/join {room}")
            await joined(pilot, room)
            await until(pilot, lambda: app.session.archive_sync.caught_up(room), what="the room's archive read once")
            say(bob_peer, room, "before you left")
            await until(pilot, lambda: "before you left" in bodies(app, room), what="the first run's line")
            line = next(m for m in app.session.state.conversations.get(room).messages if m.body == "before you left")
            await pilot.press("ctrl+q")
        assert line.stanza_id, "a room's line keeps the room's stanza-id"
        assert await history.archive_position(alice.jid, room) == line.stanza_id, \
            "the newest line of the room we hold is where its archive is read from next time"

        away = [f"while you were away {n}" for n in range(60)]  # more than the 20 lines of join history
        for body in away:
            say(bob_peer, room, body)
        for _ in away:
            await message_from(bob_peer, f"{room}/bob")  # the room has handled (and archived) each of them

        again = make_app(server, alice, history=history)
        async with again.run_test(size=SIZE) as pilot:
            await logged_in(pilot)
            await typed(pilot, f"/join {room}")
            await joined(pilot, room)
            await until(pilot, lambda: set(away) <= set(bodies(again, room)), timeout=20,
                        what="every line said while we were away")
            said = [b for b in bodies(again, room) if b.startswith("while you were away") or b == "before you left"]
            assert said == ["before you left", *away], "in order, each once: archive and join history merged"
    finally:
        await asyncio.to_thread(history.shutdown)


async def test_scrolling_past_what_is_held_pages_older_lines_in_from_the_rooms_archive(
        server: XmppServer, peers: list[Peer]) -> None:
    alice, bob = server.register(), server.register()
    room = new_room()
    bob_peer = await peer_in_room(server, peers, bob, room, "bob")
    said = [f"said before you came {n}" for n in range(80)]
    for body in said:
        say(bob_peer, room, body)
    for _ in said:
        await message_from(bob_peer, f"{room}/bob")

    app = make_app(server, alice)  # no local history: only the room's archive
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        await typed(pilot, f"/join {room}")
        await joined(pilot, room)
        await until(pilot, lambda: bodies(app, room)[-1:] == [said[-1]], what="the latest lines")
        log = app.main_screen.chat_log(room)
        await until(pilot, lambda: log is not None and log.line_count > 0, what="the log")
        while not set(said) <= set(bodies(app, room)):
            before = len(bodies(app, room))
            log.scroll_end(animate=False, immediate=True)
            await pilot.pause()
            log.scroll_home(animate=False, immediate=True)
            await until(pilot, lambda before=before: len(bodies(app, room)) > before, what="an older page")
        assert [b for b in bodies(app, room) if b.startswith("said before")] == said


async def disco_info(peer: Peer, room: str) -> ET.Element:
    iq = peer.client.make_iq_get(ito=room)
    ET.SubElement(iq.xml, "{http://jabber.org/protocol/disco#info}query")
    return (await iq.send(timeout=10)).xml


async def join_refused(peer: Peer, room: str, nick: str) -> str:
    """Try to join; the error condition the room answers with ("" if it let us in)."""
    presence = peer.client.make_presence(pto=f"{room}/{nick}")
    ET.SubElement(presence.xml, f"{{{MUC}}}x")
    presence.send()
    answer = await peer.presence_from(room)
    if answer["type"] != "error":
        return ""
    return answer["error"]["condition"]


async def test_a_new_rooms_configuration_form_is_filled_in_and_saved_on_the_server(
        server: XmppServer, peers: list[Peer]) -> None:
    from xmpptui.ui.rooms.room_config import RoomConfigScreen

    alice, bob = server.register(), server.register()
    room = new_room()
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        await typed(pilot, f"/join {room}")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="asked whether to create it")
        await pilot.press("c")  # create it and open its configuration form
        await joined(pilot, room)
        assert "room created with the default configuration; /configure to change it" in bodies(app, room)
        await until(pilot, lambda: isinstance(app.screen, RoomConfigScreen), what="the configuration form")
        dialog = app.screen
        assert isinstance(dialog, RoomConfigScreen)
        name = dialog.widget_for("muc#roomconfig_roomname")
        members_only = dialog.widget_for("muc#roomconfig_membersonly")
        assert isinstance(name, Input) and isinstance(members_only, Checkbox) and not members_only.value
        assert str(members_only.label) in ("Only allow members to join", "Make room members-only"), \
            "the room's own labels (Prosody's, ejabberd's)"
        whois, max_users = dialog.widget_for("muc#roomconfig_whois"), dialog.widget_for("muc#roomconfig_maxusers")
        assert isinstance(whois, Select) and whois.value == "moderators"
        assert isinstance(max_users, Select) and max_users.value in ("0", "200"), \
            "the room's default (Prosody's, ejabberd's)"
        name.value = "Planning"
        members_only.value = True
        whois.value = "anyone"
        max_users.value = "5"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "you saved the room's configuration" in bodies(app, room), what="saved")
        assert not isinstance(app.screen, RoomConfigScreen)
        await until(pilot, lambda: "the room's configuration changed" in bodies(app, room),
                    what="the room announces the change")

        bob_peer = await Peer(server, bob).connect()
        peers.append(bob_peer)
        info = await disco_info(bob_peer, room)
        identity = info.find(".//{http://jabber.org/protocol/disco#info}identity")
        features = {f.get("var") for f in info.iter("{http://jabber.org/protocol/disco#info}feature")}
        assert identity is not None and identity.get("name") == "Planning", "the new name is the room's"
        assert {"muc_membersonly", "muc_nonanonymous"} <= features
        assert "the room is now non-anonymous: every occupant can see your address" in bodies(app, room)
        assert await join_refused(bob_peer, room, "bob") == "registration-required", "members only now"

        # Escape cancels: nothing is changed.
        await typed(pilot, "/config")
        await until(pilot, lambda: isinstance(app.screen, RoomConfigScreen), what="the form again")
        assert app.screen.widget_for("muc#roomconfig_roomname").value == "Planning", "the saved values"
        assert app.screen.widget_for("muc#roomconfig_maxusers").value == "5"
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, RoomConfigScreen), what="cancelled")
        assert app.is_running


async def test_a_members_only_room_invites_through_the_room_and_the_invitee_gets_in(
        server: XmppServer, peers: list[Peer]) -> None:
    alice, bob, carol = server.register(), server.register(), server.register()
    room = new_room()
    bob_peer = await Peer(server, bob).connect()
    carol_peer = await Peer(server, carol).connect()
    peers += [bob_peer, carol_peer]
    await peer_join(bob_peer, room, "bob")
    await configure(bob_peer, room, {"muc#roomconfig_membersonly": "1"})
    await admin(bob_peer, room, {"jid": alice.jid, "affiliation": "admin"})
    assert await join_refused(carol_peer, room, "carol") == "registration-required"
    invitations: asyncio.Queue[slixmpp.Message] = asyncio.Queue()
    carol_peer.client.register_handler(Callback(
        "mediated", MatchXPath(f"{{jabber:client}}message/{{{MUC_USER}}}x/{{{MUC_USER}}}invite"),
        invitations.put_nowait))
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        await typed(pilot, f"/join {room}")
        await joined(pilot, room)
        await typed(pilot, f"/invite {carol.jid} the plan is ready")
        invitation = await asyncio.wait_for(invitations.get(), 10)
        assert invitation["from"].bare == room, "mediated: it comes from the room"
        invite = invitation.xml.find(f"{{{MUC_USER}}}x/{{{MUC_USER}}}invite")
        assert invite.findtext(f"{{{MUC_USER}}}reason") == "the plan is ready"
        assert jids_bare(invite.get("from", "")) in (alice.jid, room)
        await until(pilot, lambda: any(f"you invited {carol.jid} (through the room" in b for b in bodies(app, room)),
                    what="said how it was sent")
        await peer_join(carol_peer, room, "carol")  # the room made carol a member: she gets in
        await until(pilot, lambda: "carol" in room_of(app, room).occupants, what="carol in the room")
        assert room_of(app, room).occupants["carol"].affiliation is Affiliation.MEMBER


def jids_bare(jid: str) -> str:
    return jid.partition("/")[0]


async def test_a_full_room_is_said_in_words_and_configuring_is_for_owners(
        server: XmppServer, peers: list[Peer]) -> None:
    alice, bob = server.register(), server.register()
    room = new_room()
    bob_peer = await peer_in_room(server, peers, bob, room, "bob")
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        await typed(pilot, f"/join {room}")
        await joined(pilot, room)
        await typed(pilot, "/configure")
        await until(pilot, lambda: notified(app, f"you are not allowed to configure {room}"),
                    what="refused in words: not the owner")
        assert app.main_screen.composer.text == "/configure", "kept after a refusal"
        app.main_screen.composer.clear()
        await typed(pilot, "/part")
        await bob_peer.presence_from(room, available=False)

        await configure(bob_peer, room, {"muc#roomconfig_maxusers": "1"})  # bob alone fills it
        await typed(pilot, f"/join {room}")
        await until(pilot, lambda: any(f"{room} is full" in b for b in bodies(app, room)), what="full in words")
        assert room_of(app, room).state is RoomState.LEFT
        assert f"{room} is full" in room_of(app, room).error
        assert notified(app, f"{room} is full")
        await pilot.pause()
        assert "is full" in str(app.main_screen.query_one("#room-subject").render())

        # The conversation stays usable: once there is room, the same conversation joins.
        await configure(bob_peer, room, {"muc#roomconfig_maxusers": "10"})
        app.main_screen.composer.clear()
        await typed(pilot, f"/join {room}")
        await joined(pilot, room)
        await typed(pilot, "in at last")
        assert (await message_from(bob_peer, f"{room}/{alice.user}"))["body"] == "in at last"


async def test_a_mediated_invitation_to_a_members_only_room_accepted_gets_us_in(
        server: XmppServer, peers: list[Peer]) -> None:
    alice, bob = server.register(), server.register()
    room = new_room()
    bob_peer = await peer_in_room(server, peers, bob, room, "bob")
    await configure(bob_peer, room, {"muc#roomconfig_membersonly": "1"})
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        invite = bob_peer.client.make_message(mto=room, mtype="normal")
        x = ET.SubElement(invite.xml, f"{{{MUC_USER}}}x")
        ET.SubElement(x, f"{{{MUC_USER}}}invite", to=alice.jid)
        invite.send()
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the invitation offered")
        assert f"invites you to {room}" in str(app.screen.query_one(Label).render())
        await pilot.press("y")
        await joined(pilot, room)
        assert room_of(app, room).occupants[alice.user].affiliation is Affiliation.MEMBER, \
            "the room made us a member when it passed the invitation on"
