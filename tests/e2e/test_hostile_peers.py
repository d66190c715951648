"""Hostile peers on the private Prosody: spoofed stanzas change nothing, malformed data kills nothing,
remote text in every field is inert, floods stay bounded."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from tests.e2e.helpers import SIZE, bodies, log_lines, logged_in, make_app, roster_rows, until
from tests.e2e.test_rooms import MUC_USER, joined, new_room, peer_join, say, typed
from tests.support.peer import Peer
from tests.support.prosody import Prosody, RosterSeed
from xmpptui.model.conversation import MessageKind
from xmpptui.model.room import RoomState


async def _ping(peer: Peer, full_jid: str) -> None:
    """A round trip to `full_jid`: everything it sent us before answering has arrived by then."""
    iq = peer.client.make_iq_get(queryxmlns="urn:xmpp:ping", ito=full_jid)
    future = asyncio.get_running_loop().create_future()
    iq.send(callback=future.set_result)
    await asyncio.wait_for(future, 10)


async def test_spoofed_roster_push_from_another_account_changes_nothing(prosody: Prosody, peers: list[Peer]) -> None:
    alice, mallory, bob = prosody.register(), prosody.register(), prosody.register()
    prosody.seed_roster(alice, [RosterSeed(bob.jid, "Bob")])
    app = make_app(prosody, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        peer = await Peer(prosody, mallory).connect()
        peers.append(peer)
        replies: asyncio.Queue = asyncio.Queue()
        peer.client.register_handler(Callback("spoof reply", MatchXPath("{jabber:client}iq"), replies.put_nowait))
        peer.client.send_raw(
            f"<iq xmlns='jabber:client' type='set' id='spoof1' to='{alice.jid}/{app.session.state.resource}'>"
            f"<query xmlns='jabber:iq:roster'><item jid='{mallory.jid}' name='Trusted Admin' subscription='both'/>"
            f"<item jid='{bob.jid}' subscription='remove'/></query></iq>")
        reply = await asyncio.wait_for(replies.get(), 10)
        assert (reply["id"], reply["type"]) == ("spoof1", "error")
        await pilot.pause()
        assert [c.jid for c in app.session.state.roster] == [bob.jid]
        assert not any("Trusted Admin" in row for row in roster_rows(app))


async def test_groupchat_from_an_unjoined_room_and_stray_error_bounces_are_ignored(
        prosody: Prosody, peers: list[Peer]) -> None:
    alice, mallory = prosody.register(), prosody.register()
    app = make_app(prosody, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        peer = await Peer(prosody, mallory).connect()
        peers.append(peer)
        peer.client.make_message(mto=alice.jid, mbody="fake room line", mtype="groupchat").send()
        for n in range(50):
            bounce = peer.client.make_message(mto=alice.jid, mtype="error")
            bounce["id"] = f"never-sent-{n}"
            bounce["error"]["condition"] = "service-unavailable"
            bounce.send()
        peer.client.make_message(mto=alice.jid, mbody="marker", mtype="chat").send()
        await until(pilot, lambda: bodies(app, mallory.jid) == ["marker"], what="the marker after the junk")
        assert [c.jid for c in app.session.state.conversations] == [mallory.jid]


async def test_subscription_requests_are_never_auto_answered(prosody: Prosody, peers: list[Peer]) -> None:
    alice, mallory = prosody.register(), prosody.register()
    app = make_app(prosody, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        peer = await Peer(prosody, mallory).connect()
        peers.append(peer)
        peer.client.send_presence(pto=alice.jid, ptype="subscribe")
        await until(pilot, lambda: any("asks to see your presence" in str(n.message) for n in app._notifications),
                    what="the request is shown")
        # Anything alice's client sent back before answering this ping has reached mallory by then.
        await _ping(peer, f"{alice.jid}/{app.session.state.resource}")
        answers = []
        while not peer.presences.empty():
            presence = peer.presences.get_nowait()
            if presence["from"].bare == alice.jid:
                answers.append(presence["type"])
        assert "subscribed" not in answers and "unsubscribed" not in answers


async def test_malformed_remote_data_is_dropped_per_stanza_and_the_session_goes_on(
        prosody: Prosody, peers: list[Peer]) -> None:
    alice, mallory = prosody.register(), prosody.register()
    prosody.befriend(alice, mallory, "Alice", "Mallory")
    app = make_app(prosody, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        peer = await Peer(prosody, mallory).connect(presence=False)
        peers.append(peer)
        to = alice.jid
        peer.client.send_raw(f"<presence xmlns='jabber:client' to='{to}'><priority>high</priority>"
                             "<show>away</show></presence>")
        peer.client.send_raw(f"<message xmlns='jabber:client' to='{to}' type='chat' xml:lang='???'>"
                             "<body>bad lang</body><delay xmlns='urn:xmpp:delay' stamp='yesterday-ish'/></message>")
        peer.client.send_raw(f"<message xmlns='jabber:client' to='{to}' type='chat'><body>from the future</body>"
                             "<delay xmlns='urn:xmpp:delay' stamp='2099-01-01T00:00:00Z'/></message>")
        peer.client.send_raw(f"<message xmlns='jabber:client' to='{to}' type='bogus'><body>odd type</body></message>")
        await until(pilot, lambda: len(bodies(app, mallory.jid)) == 3, what="all three messages")
        messages = app.session.state.conversations.get(mallory.jid).messages
        assert [m.body for m in messages] == ["bad lang", "from the future", "odd type"]
        assert not any(m.delayed for m in messages), "unparsable and future stamps are not believed"
        assert all(abs(m.timestamp - time.time()) < 60 for m in messages)
        await until(pilot, lambda: app.session.state.presence.best(mallory.jid).show.value == "away")
        assert app.session.state.presence.best(mallory.jid).priority == 0
        assert app.session.state.connection.state.value == "online"


async def test_remote_text_in_names_groups_and_status_is_inert(prosody: Prosody, peers: list[Peer]) -> None:
    alice, mallory = prosody.register(), prosody.register()
    prosody.seed_roster(mallory, [RosterSeed(alice.jid)])
    prosody.seed_roster(alice, [RosterSeed(mallory.jid, "[@click=app.quit]Mal[/]", ("[/foo]",))])
    app = make_app(prosody, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        peer = await Peer(prosody, mallory).connect(pstatus="[bold red]status[/] \u202egnp.exe \u009b2J")
        peers.append(peer)
        await until(pilot, lambda: any("status" in row for row in roster_rows(app)), what="status shown")
        rows = roster_rows(app)
        assert rows[0].startswith("▾ [/foo] (1/1)")
        assert "[@click=app.quit]Mal[/]" in rows[1]
        assert "[bold red]status[/] <U+202E>gnp.exe <U+009B>2J" in rows[1]
        await pilot.click("#roster", offset=(6, 1))
        await pilot.click("#roster", offset=(6, 0))
        await pilot.pause()
        assert app.is_running


async def _peer_leave(peer: Peer, room: str, nick: str) -> None:
    peer.client.send_presence(pto=f"{room}/{nick}", ptype="unavailable")
    while True:
        answer = await peer.presence_from(room, available=False)
        if answer.xml.find(f"{{{MUC_USER}}}x/{{{MUC_USER}}}status[@code='110']") is not None:
            return


async def test_a_room_flooding_joins_keeps_occupants_capped_one_summary_line_and_the_ui_responsive(
        prosody: Prosody, peers: list[Peer]) -> None:
    alice, bots = prosody.register(), [prosody.register(), prosody.register()]
    room = new_room()
    app = make_app(prosody, alice)
    app._account = replace(app._account, max_room_occupants=6)
    host, *connections = await asyncio.gather(*(
        Peer(prosody, bots[n % 2], resource=f"r{n}").connect(presence=False) for n in range(11)))
    peers.extend([host, *connections])
    await peer_join(host, room, "host")
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        await typed(pilot, f"/join {room}")
        await joined(pilot, room)
        started = time.monotonic()
        for wave in range(3):  # 30 joins with ever new nicks, 20 leaves between them
            await asyncio.gather(*(peer_join(peer, room, f"bot{n}w{wave}") for n, peer in enumerate(connections)))
            if wave < 2:
                await asyncio.gather(*(_peer_leave(peer, room, f"bot{n}w{wave}")
                                       for n, peer in enumerate(connections)))
        assert time.monotonic() - started < 10, "the flood fits in one coalescing window"
        say(host, room, "after the flood")
        await until(pilot, lambda: "after the flood" in bodies(app, room), what="the line after the flood")
        state = app.session.state.rooms.get(room)
        assert state.state is RoomState.JOINED and len(state.occupants) == 6 and alice.user in state.occupants
        assert all(nick.endswith("w2") for nick in state.occupants if nick != alice.user), \
            "the least recently active were let go first"
        assert state.forgotten >= 6, "the host and at least five of the last wave were let go"
        lines = [m.body for m in app.session.state.conversations.get(room).messages
                 if m.kind is MessageKind.OCCUPANT]
        single, summaries = lines[:-1], lines[-1:]
        assert len(single) == 5 and all(line.endswith((" joined", " left")) for line in single), lines
        shown_joins = sum(line.endswith(" joined") for line in single)
        assert summaries == [f"… and {30 - shown_joins} more joined, {20 - (5 - shown_joins)} left"], lines
        assert "more than 6 occupants: only the 6 most recently active are listed" in bodies(app, room)
        await until(pilot, lambda: any(summaries[0] in line for line in log_lines(app, room)),
                    what="the summary on screen, updated to the end of the flood")
        await pilot.press(*"still here")
        assert app.main_screen.composer.text == "still here", "keystrokes are echoed after the flood"


async def test_a_peer_posing_as_a_room_or_as_the_room_itself_changes_nothing(
        prosody: Prosody, peers: list[Peer]) -> None:
    alice, host, mallory = prosody.register(), prosody.register(), prosody.register()
    room = new_room()
    host_peer = await Peer(prosody, host).connect()
    mallory_peer = await Peer(prosody, mallory).connect()
    peers.extend([host_peer, mallory_peer])
    await peer_join(host_peer, room, "host")
    app = make_app(prosody, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        await typed(pilot, f"/join {room}")
        await joined(pilot, room)
        await peer_join(mallory_peer, room, "mallory")
        await until(pilot, lambda: "mallory" in app.session.state.rooms.get(room).occupants, what="mallory in")
        to = f"{alice.jid}/{app.session.state.resource}"
        send = mallory_peer.client.send_raw
        fake_self = (f"<x xmlns='{MUC_USER}'><item affiliation='owner' role='moderator' jid='@@not a jid@@'/>"
                     "<status code='110'/><status code='201'/></x>")
        # Straight to alice, as if mallory's own JID were a room she is in.
        send(f"<presence xmlns='jabber:client' to='{to}'>{fake_self}</presence>")
        send(f"<presence xmlns='jabber:client' to='{to}' type='unavailable'><x xmlns='{MUC_USER}'>"
             f"<item role='none'><actor nick='mod'/></item><status code='307'/><status code='110'/></x></presence>")
        send(f"<message xmlns='jabber:client' to='{to}' type='groupchat'><subject>owned</subject>"
             f"<x xmlns='{MUC_USER}'/></message>")
        send(f"<message xmlns='jabber:client' to='{to}' type='groupchat'><body>fake room line</body>"
             f"<x xmlns='{MUC_USER}'><status code='110'/></x></message>")
        send(f"<message xmlns='jabber:client' to='{to}'><x xmlns='{MUC_USER}'><invite from='@@bad@@'/>"
             f"</x><x xmlns='jabber:x:conference' jid='not a room@@/'/></message>")
        # Through the room: an occupant's own muc#user claims (our nick, status 110, owner) are not believed.
        mallory_peer.client.send_raw(f"<presence xmlns='jabber:client' to='{room}/mallory'><show>away</show>"
                                     f"<x xmlns='{MUC_USER}'><item affiliation='owner' role='moderator' "
                                     f"nick='{alice.user}'/><status code='110'/></x></presence>")
        send(f"<message xmlns='jabber:client' to='{room}' type='groupchat'><body>i am alice now</body>"
             f"<x xmlns='{MUC_USER}'><status code='110'/><status code='303'/>"
             f"<item nick='{alice.user}'/></x></message>")
        send(f"<message xmlns='jabber:client' to='{room}/{alice.user}' type='chat'><body>psst</body>"
             f"<x xmlns='{MUC_USER}'><invite from='@@bad@@'/></x></message>")
        say(host_peer, room, "marker")
        await until(pilot, lambda: "marker" in bodies(app, room), what="the marker after the junk")
        await until(pilot, lambda: bodies(app, f"{room}/mallory") == ["psst"], what="mallory's PM")
        state = app.session.state
        assert [r.jid for r in state.rooms] == [room], "no room made up from mallory's JID"
        joined_room = state.rooms.get(room)
        assert joined_room.state is RoomState.JOINED and joined_room.nick == alice.user
        assert joined_room.occupants[alice.user].affiliation.value == "none", "the host owns the room, not us"
        assert joined_room.occupants["mallory"].affiliation.value == "none"
        assert joined_room.occupants["mallory"].role.value == "participant"
        assert [m.body for m in state.conversations.get(room).messages if m.sender == "mallory"] == \
            ["i am alice now"], "an occupant's line stays theirs"
        assert "fake room line" not in str([m.body for c in state.conversations for m in c.messages])
        assert mallory.jid not in state.conversations and mallory.jid not in state.rooms
        assert joined_room.subject != "owned" and state.connection.state.value == "online"
        await pilot.press(*"ok")
        assert app.main_screen.composer.text == "ok"
