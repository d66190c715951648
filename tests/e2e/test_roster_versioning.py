"""Roster versioning (XEP-0237): the roster is cached in the data dir; an unchanged roster is not sent
again on the next login, pushes keep the cache current, and a stale cache gets the full roster."""

from __future__ import annotations

from tests.e2e.contact_helpers import roster_of
from tests.e2e.helpers import SIZE, logged_in, make_app, roster_rows, until
from tests.support.peer import Peer
from tests.support.server import RosterSeed, XmppServer, free_port
from xmpptui.config import Account as ClientAccount
from xmpptui.config import Config
from xmpptui.model.state import ConnectionState
from xmpptui.passwords import Secret
from xmpptui.storage.contact_store import ContactStore
from xmpptui.ui.app import XmppTuiApp
from xmpptui.xmpp.session import XmppSession


async def _roster_set(peer: Peer, jid: str, name: str) -> None:
    iq = peer.client.make_iq_set()
    query = iq.xml.makeelement("{jabber:iq:roster}query", {})
    query.append(query.makeelement("{jabber:iq:roster}item", {"jid": jid, "name": name}))
    iq.xml.append(query)
    await iq.send(timeout=10)


async def server_roster_version(peer: Peer) -> str:
    iq = peer.client.make_iq_get(queryxmlns="jabber:iq:roster")
    iq.xml.find("{jabber:iq:roster}query").set("ver", "")
    result = await iq.send(timeout=10)
    return result.xml.find("{jabber:iq:roster}query").get("ver")


async def test_second_login_gets_no_roster_when_unchanged_and_the_cache_follows_pushes(
        server: XmppServer, peers: list[Peer]) -> None:
    alice = server.register()
    server.seed_roster(alice, [RosterSeed("bob@localhost", "Bob"), RosterSeed("carol@localhost", "Carol")])
    store = ContactStore.default(alice.jid)

    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        assert app.session.roster_fetch == "full"
        await until(pilot, lambda: store.load_roster()[0] is not None, what="the roster cached")
        await pilot.press("ctrl+q")
    version, cached = store.load_roster()
    assert version == app.session.state.roster.version
    assert sorted(c.jid for c in cached) == ["bob@localhost", "carol@localhost"]

    # The exchange itself: asked with the cached version, the server answers with an empty result.
    other = await Peer(server, alice, resource="other").connect(presence=False)
    peers.append(other)
    iq = other.client.make_iq_get(queryxmlns="jabber:iq:roster")
    iq.xml.find("{jabber:iq:roster}query").set("ver", version)
    result = await iq.send(timeout=10)
    assert result["type"] == "result" and result.xml.find("{jabber:iq:roster}query") is None

    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        assert app.session.roster_fetch == "unchanged"
        assert sorted(c.jid for c in app.session.state.roster) == ["bob@localhost", "carol@localhost"]
        await _roster_set(other, "dave@localhost", "Dave")  # a push while we are online
        await until(pilot, lambda: "dave@localhost" in app.session.state.roster, what="the push")
        await pilot.press("ctrl+q")
    assert store.load_roster()[0] == await server_roster_version(other)

    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        assert app.session.roster_fetch == "unchanged", "the cache followed the push"
        assert app.session.state.roster.get("dave@localhost").name == "Dave"
        await pilot.press("ctrl+q")

    await _roster_set(other, "erin@localhost", "Erin")  # changed while we are away
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        assert app.session.roster_fetch == "full"
        assert sorted(c.jid for c in app.session.state.roster) == [
            "bob@localhost", "carol@localhost", "dave@localhost", "erin@localhost"]
        assert set(await roster_of(other)) == {c.jid for c in app.session.state.roster}
        await pilot.press("ctrl+q")



async def test_the_cached_roster_shows_before_login_even_with_the_server_unreachable(
        server: XmppServer, peers: list[Peer]) -> None:
    alice = server.register()
    server.seed_roster(alice, [RosterSeed("bob@localhost", "Bob", ("Friends",))])
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        await pilot.press("ctrl+q")

    unreachable = ClientAccount(jid=alice.jid, host="127.0.0.1", port=free_port(), ca_file=str(server.ca_file),
                                timeout=5)
    app = XmppTuiApp(Config(), unreachable, XmppSession, password_resolver=lambda _a: Secret(alice.password),
                     save_accounts=False)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.session is not None
                    and app.session.state.connection.state is ConnectionState.OFFLINE
                    and app.session.state.connection.failure is not None, what="the login failure")
        assert roster_rows(app)[:2] == ["▾ Friends (0/1)", "  ○ Bob"]
