"""A roster large enough to be read while it is parsed (#20: transport/roster_stream.py), through the real
servers: every contact arrives with its name, groups and subscription, none twice, the version kept, the cache
written with all of them."""

from __future__ import annotations

from tests.e2e.helpers import SIZE, logged_in, make_app, until
from tests.support.server import RosterSeed, XmppServer
from xmpptui.model.roster import Subscription
from xmpptui.storage.contact_store import ContactStore

CONTACTS = 1_500  # ~140 KB of roster: over roster_stream.STREAMED_STANZA


async def test_a_large_roster_arrives_whole(server: XmppServer) -> None:
    alice = server.register()
    seeds = [RosterSeed(f"c{n:04d}@localhost", f"Contact {n} <&>", (f"G{n % 5}",) if n % 3 else (),
                        "both" if n % 2 else "to") for n in range(CONTACTS)]
    server.seed_roster(alice, seeds)
    store = ContactStore.default(alice.jid)
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        roster = app.session.state.roster
        await until(pilot, lambda: len(roster) == CONTACTS, what="every contact")
        for seed in seeds:
            contact = roster.get(seed.jid)
            assert contact is not None, seed.jid
            assert (contact.name, contact.groups, contact.subscription) == \
                (seed.name, seed.groups, Subscription(seed.subscription)), seed
        await until(pilot, lambda: store.load_roster()[0] is not None, what="the roster cached")
        version, cached = store.load_roster()
        assert version == roster.version and version
        assert sorted(contact.jid for contact in cached) == [seed.jid for seed in seeds]
