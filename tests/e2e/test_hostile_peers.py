"""Hostile peers on the private Prosody: spoofed stanzas change nothing, malformed data kills nothing,
remote text in every field is inert, floods stay bounded."""

from __future__ import annotations

import asyncio
import time

from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from tests.e2e.helpers import SIZE, bodies, logged_in, make_app, roster_rows, until
from tests.support.peer import Peer
from tests.support.prosody import Prosody, RosterSeed


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
