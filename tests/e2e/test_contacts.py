"""Contacts end to end: subscription requests and answers, adding, managing and removing contacts,
checked on the server's roster; requests surviving a restart; subscription state in the roster."""

from __future__ import annotations

from tests.e2e.contact_helpers import presence_of_type, roster_of, server_roster
from tests.e2e.helpers import SIZE, logged_in, make_app, roster_rows, until
from tests.support.peer import Peer
from tests.support.server import RosterSeed, XmppServer
from xmpptui.model.roster import Subscription
from xmpptui.ui.contacts.forms import AddContactScreen, AnswerRequestScreen
from xmpptui.ui.shared.dialogs import ConfirmScreen, PromptScreen


def _notified(app, words: str) -> bool:
    return any(words in str(n.message) for n in app._notifications)


async def _type(pilot, text: str) -> None:
    await pilot.press(*text)
    await pilot.press("enter")


def _request_stanza(to: str, nick: str, status: str) -> str:
    return (f"<presence xmlns='jabber:client' to='{to}' type='subscribe'>"
            f"<nick xmlns='http://jabber.org/protocol/nick'>{nick}</nick><status>{status}</status></presence>")


async def test_request_accepted_with_name_and_group_then_both_on_the_server(
        server: XmppServer, peers: list[Peer]) -> None:
    alice, bob = server.register(), server.register()
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        peer = await Peer(server, bob).connect()
        peers.append(peer)
        peer.client.send_raw(_request_stanza(alice.jid, "Bobby", "hi, it's Bob"))
        await until(pilot, lambda: bob.jid in app.session.state.requests, what="the request")
        await until(pilot, lambda: _notified(app, "asks to see your presence"), what="the notice")
        rows = roster_rows(app)
        assert rows[0].startswith("▾ Pending requests (1)")
        assert f"{bob.jid} (Bobby) asks to see your presence: hi, it's Bob" in rows[1]

        await pilot.press("ctrl+r", "down", "enter")
        await until(pilot, lambda: isinstance(app.screen, AnswerRequestScreen), what="answer dialog")
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, AddContactScreen), what="add-back dialog")
        assert app.screen.query_one("#contact-name").value == "Bobby"
        await pilot.press("tab", *"Friends", "enter")

        await presence_of_type(peer, alice.jid, "subscribed")
        await presence_of_type(peer, alice.jid, "subscribe")
        peer.client.send_presence(pto=alice.jid, ptype="subscribed")
        await until(pilot, lambda: (c := app.session.state.roster.get(bob.jid)) is not None
                    and c.subscription is Subscription.BOTH, what="both")
        await until(pilot, lambda: not app.session.state.requests, what="the request answered")
        assert not any("Pending requests" in row for row in roster_rows(app))
        on_server = await server_roster(server, alice, peers)
        assert on_server[bob.jid].subscription == "both"
        assert (on_server[bob.jid].name, on_server[bob.jid].groups) == ("Bobby", ("Friends",))
        assert (await server_roster(server, bob, peers))[alice.jid].subscription == "both"


async def test_a_contact_in_groups_asking_to_subscribe_is_accepted_with_enter_and_keeps_its_groups(
        server: XmppServer, peers: list[Peer]) -> None:
    alice, bob = server.register(), server.register()
    server.seed_roster(alice, [RosterSeed(bob.jid, "Bob", ("Work", "Climbing"), subscription="to")])
    server.seed_roster(bob, [RosterSeed(alice.jid, "Alice", subscription="from")])
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        peer = await Peer(server, bob).connect()
        peers.append(peer)
        peer.client.send_presence(pto=alice.jid, ptype="subscribe")
        await until(pilot, lambda: bob.jid in app.session.state.requests, what="the request")
        await until(pilot, lambda: roster_rows(app)[0].startswith("▾ Pending requests (1)"), what="requests")
        await pilot.press("ctrl+r", *bob.user, "enter")
        await until(pilot, lambda: isinstance(app.screen, AnswerRequestScreen), what="answer dialog")
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, AddContactScreen), what="add-back dialog")
        await pilot.press("enter")  # nothing changed: the contact stays as it was
        await presence_of_type(peer, alice.jid, "subscribed")
        await until(pilot, lambda: (c := app.session.state.roster.get(bob.jid)) is not None
                    and c.subscription is Subscription.BOTH, what="both")
        assert sorted(app.session.state.roster.get(bob.jid).groups) == ["Climbing", "Work"]
        on_server = await server_roster(server, alice, peers)
        assert (on_server[bob.jid].name, on_server[bob.jid].groups) == ("Bob", ("Climbing", "Work"))
        assert on_server[bob.jid].subscription == "both"


async def test_add_waits_for_approval_then_the_contact_asks_back_and_both_see_each_other(
        server: XmppServer, peers: list[Peer]) -> None:
    alice, bob = server.register(), server.register()
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        peer = await Peer(server, bob).connect()
        peers.append(peer)
        await _type(pilot, f"/add {bob.jid} Bob")
        await presence_of_type(peer, alice.jid, "subscribe")
        await until(pilot, lambda: any("Bob" in row and "waiting for approval" in row for row in roster_rows(app)),
                    what="waiting for approval")
        on_server = await server_roster(server, alice, peers)
        assert (on_server[bob.jid].name, on_server[bob.jid].subscription, on_server[bob.jid].ask) == (
            "Bob", "none", True)

        peer.client.send_presence(pto=alice.jid, ptype="subscribed")
        await until(pilot, lambda: app.session.state.roster.get(bob.jid).subscription is Subscription.TO,
                    what="subscription to")
        await until(pilot, lambda: _notified(app, "accepted"), what="accepted notice")
        assert not any("waiting for approval" in row for row in roster_rows(app))

        peer.client.send_presence(pto=alice.jid, ptype="subscribe")
        await until(pilot, lambda: bob.jid in app.session.state.requests, what="bob asks back")
        await _type(pilot, f"/authorize {bob.jid}")
        await presence_of_type(peer, alice.jid, "subscribed")
        await until(pilot, lambda: app.session.state.roster.get(bob.jid).subscription is Subscription.BOTH,
                    what="both")
        assert not app.session.state.requests
        assert (await server_roster(server, alice, peers))[bob.jid].subscription == "both"
        assert (await server_roster(server, bob, peers))[alice.jid].subscription == "both"


async def test_a_refusal_is_shown_in_words_and_a_denied_request_reaches_the_requester(
        server: XmppServer, peers: list[Peer]) -> None:
    alice, carol, dave = server.register(), server.register(), server.register()
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        carol_peer = await Peer(server, carol).connect()
        dave_peer = await Peer(server, dave).connect()
        peers.extend([carol_peer, dave_peer])
        await _type(pilot, f"/add {carol.jid}")
        await presence_of_type(carol_peer, alice.jid, "subscribe")
        carol_peer.client.send_presence(pto=alice.jid, ptype="unsubscribed")
        await until(pilot, lambda: _notified(app, "refused or cancelled your subscription"), what="refusal")
        await until(pilot, lambda: not app.session.state.roster.get(carol.jid).pending_out, what="no longer asked")
        assert not any("waiting for approval" in row for row in roster_rows(app))
        on_server = await server_roster(server, alice, peers)
        assert (on_server[carol.jid].subscription, on_server[carol.jid].ask) == ("none", False)

        dave_peer.client.send_presence(pto=alice.jid, ptype="subscribe")
        await until(pilot, lambda: dave.jid in app.session.state.requests, what="dave's request")
        await pilot.press("ctrl+r", *dave.user)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, AnswerRequestScreen), what="answer dialog")
        await pilot.press("d")
        await presence_of_type(dave_peer, alice.jid, "unsubscribed")
        await until(pilot, lambda: not app.session.state.requests, what="request gone")
        assert dave.jid not in {j for j, item in (await server_roster(server, dave, peers)).items()
                                if item.subscription in ("to", "both")}


async def test_unsubscribe_rename_groups_and_remove_are_done_on_the_server(
        server: XmppServer, peers: list[Peer]) -> None:
    alice, bob = server.register(), server.register()
    server.befriend(alice, bob, "Alice", "Bob")
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        await _type(pilot, f"/unsubscribe {bob.jid}")
        await until(pilot, lambda: app.session.state.roster.get(bob.jid).subscription is Subscription.FROM,
                    what="subscription from")
        assert (await server_roster(server, alice, peers))[bob.jid].subscription == "from"
        assert (await server_roster(server, bob, peers))[alice.jid].subscription == "to"

        await _type(pilot, f"/rename {bob.jid} Robert")
        await _type(pilot, f"/group {bob.jid} Work, Friends")
        await until(pilot, lambda: set(app.session.state.roster.get(bob.jid).groups) == {"Work", "Friends"},
                    what="groups")
        item = (await server_roster(server, alice, peers))[bob.jid]
        assert (item.name, item.groups) == ("Robert", ("Friends", "Work"))
        rows = roster_rows(app)
        assert rows[0].startswith("▾ Friends (0/1)") and rows[2].startswith("▾ Work (0/1)")

        # By key from the roster: rename (Alt+E), then remove (Delete), which asks first.
        await pilot.press("ctrl+r", *bob.user, "alt+e")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen), what="rename prompt")
        await pilot.press("end", *" Smith", "enter")
        await until(pilot, lambda: app.session.state.roster.get(bob.jid).name == "Robert Smith",
                    what=f"renamed (now {app.session.state.roster.get(bob.jid)})")
        await pilot.press("delete")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirmation")
        await pilot.press("escape")
        await pilot.pause()
        assert bob.jid in app.session.state.roster, "Escape refuses"
        await pilot.press("delete")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirmation")
        await pilot.press("y")
        await until(pilot, lambda: bob.jid not in app.session.state.roster, what="removed")
        assert not any("Robert" in row for row in roster_rows(app))
        assert bob.jid not in await server_roster(server, alice, peers)
        bobs = await server_roster(server, bob, peers)
        assert alice.jid not in bobs or bobs[alice.jid].subscription == "none"


async def test_a_pending_request_survives_a_restart_until_answered(server: XmppServer, peers: list[Peer]) -> None:
    alice, bob = server.register(), server.register()
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        peer = await Peer(server, bob).connect()
        peers.append(peer)
        peer.client.send_raw(_request_stanza(alice.jid, "Bobby", "remember me"))
        await until(pilot, lambda: bob.jid in app.session.state.requests, what="the request")
        await pilot.press("ctrl+q")
    await peer.disconnect()

    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        # Shown from the data dir at once (the server re-delivers a bare request, without nick or text).
        await until(pilot, lambda: app.main_screen.query("RosterView") and any(
            "(Bobby) asks to see your presence: remember me" in row for row in roster_rows(app)),
                    what="the stored request")
        await logged_in(pilot)
        assert app.session.state.requests.get(bob.jid).nick == "Bobby"
        await _type(pilot, f"/deny {bob.jid}")
        await until(pilot, lambda: not app.session.state.requests, what="answered")
        await pilot.press("ctrl+q")

    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        await pilot.pause(0.2)
        assert not app.session.state.requests
        assert not any("Pending requests" in row for row in roster_rows(app))


async def test_subscription_states_show_as_marks_and_no_permission_is_not_offline(
        server: XmppServer, peers: list[Peer]) -> None:
    alice = server.register()
    server.seed_roster(alice, [RosterSeed("both@localhost", "Both"), RosterSeed("to@localhost", "To", (), "to"),
                               RosterSeed("from@localhost", "From", (), "from")])
    # A request of ours still waiting (none + ask), made the way a client makes it: not every server's
    # admin interface can seed one.
    setup = await Peer(server, alice, resource="setup").connect(presence=False)
    await setup.client.update_roster("none@localhost", name="None")
    setup.client.send_presence(pto="none@localhost", ptype="subscribe")
    # The server handles a stream's stanzas in order: the roster fetched after the request shows it.
    assert (await roster_of(setup))["none@localhost"].ask
    await setup.disconnect()
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        rows = {row.split()[1]: row for row in roster_rows(app)[1:]}
        assert rows["Both"] == "  ○ Both"
        assert rows["To"] == "  ○ To →"
        assert rows["From"] == "  ? From ←", "no permission to see presence is '?', not offline"
        assert rows["None"] == "  ? None ×… waiting for approval"
