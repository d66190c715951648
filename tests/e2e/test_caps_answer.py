"""Another account's disco#info queries to us, through the real Prosody, are answered from the prebuilt reply
(#20: the 5,000 a big roster brings cost no stanza objects): our identity and features, with and without our caps
node, a burst of them at once; a query for another node still gets slixmpp's answer; and stream management stays
in step (our next message is acknowledged, the server's count of what we sent matches ours)."""

from __future__ import annotations

import asyncio
import logging

import pytest
from slixmpp.exceptions import IqError
from slixmpp.xmlstream import ET

from tests.e2e.helpers import SIZE, friends, logged_in, make_app, until
from tests.support.peer import Peer
from tests.support.server import XmppServer
from xmpptui.model.message import DeliveryState
from xmpptui.xmpp.transport.client import FEATURES

DISCO_INFO = "http://jabber.org/protocol/disco#info"


async def test_a_burst_of_caps_queries_is_answered_with_our_features(
        server: XmppServer, peers: list[Peer], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="slixmpp.plugins.xep_0198")
    caplog.set_level(logging.DEBUG, logger="xmpptui.xmpp.transport.caps_answer")  # (last: the handler's level)
    alice, bob, peer = await friends(server, peers)
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        presence = await peer.presence_from(alice.jid, available=True)
        caps = presence.xml.find("{http://jabber.org/protocol/caps}c")
        assert caps is not None
        our_node = f"{caps.get('node')}#{caps.get('ver')}"

        def ask(node: str | None) -> asyncio.Future:
            query = peer.client.make_iq_get(ito=presence["from"])
            named = f" node='{node}'" if node else ""
            query.append(ET.fromstring(f"<query xmlns='{DISCO_INFO}'{named}/>"))
            return query.send(timeout=10)

        answers = await asyncio.gather(*(ask(our_node if n % 2 else None) for n in range(200)))
        for number, answer in enumerate(answers):
            info = answer.xml.find(f"{{{DISCO_INFO}}}query")
            assert info is not None and info.get("node") == (our_node if number % 2 else None)
            features = {feature.get("var") for feature in info.iter(f"{{{DISCO_INFO}}}feature")}
            assert set(FEATURES) | {DISCO_INFO, "urn:xmpp:ping"} <= features, features
            identity = info.find(f"{{{DISCO_INFO}}}identity")
            assert identity is not None
            assert (identity.get("category"), identity.get("type"), identity.get("name")) == \
                ("client", "console", "xmpptui")
        fast = [record for record in caplog.records if "answered from the template" in record.getMessage()
                and record.args[1] == peer.client.boundjid.full]  # (the servers' PEP services ask too)
        assert len(fast) == 200, "every one answered from the prebuilt reply"

        with pytest.raises(IqError) as refused:  # another node: slixmpp's own answer, as before
            await ask("https://example.org/not-ours#x")
        assert refused.value.condition == "item-not-found"

        await pilot.press(*f"/chat {bob.jid}", "enter", *"still in step?", "enter")
        assert (await peer.next_message())["body"] == "still in step?"
        sent = app.session.state.conversations.get(bob.jid).messages[-1]
        await until(pilot, lambda: sent.state is DeliveryState.SENT, what="the server's ack")
        assert not [record for record in caplog.records if "Inconsistent sequence" in record.getMessage()]
