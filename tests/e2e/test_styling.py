"""Message styling end to end: we advertise it (XEP-0393 §4), and a styled message from a plain slixmpp peer is
shown styled, its markers kept."""

from __future__ import annotations

from slixmpp.xmlstream import ET

from tests.e2e.helpers import SIZE, bodies, friends, log_lines, logged_in, make_app, until
from tests.support.peer import Peer
from tests.support.server import XmppServer

DISCO_INFO = "http://jabber.org/protocol/disco#info"


async def test_styling_is_advertised_and_a_styled_message_is_shown_styled(
        server: XmppServer, peers: list[Peer]) -> None:
    alice, bob, peer = await friends(server, peers)
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        query = peer.client.make_iq_get(ito=f"{alice.jid}/{app.session.state.resource}")
        ET.SubElement(query.xml, f"{{{DISCO_INFO}}}query")
        info = await query.send(timeout=10)
        features = {feature.get("var") for feature in info.xml.iter(f"{{{DISCO_INFO}}}feature")}
        assert "urn:xmpp:styling:0" in features

        peer.client.make_message(mto=alice.jid, mbody="a *strong* word\n> and a quote", mtype="chat").send()
        await until(pilot, lambda: bodies(app, bob.jid), what="the message")
        await pilot.press("alt+a")
        await until(pilot, lambda: any("and a quote" in line for line in log_lines(app, bob.jid)),
                    what="the message shown")
        lines = log_lines(app, bob.jid)
        assert any(line.endswith("Bob a *strong* word") for line in lines), lines  # markers kept
        log = app.main_screen.chat_log(bob.jid)
        segments = [segment for y in range(log.size.height) for segment in log.render_line(y)]
        strong = [segment for segment in segments if "strong" in segment.text]
        quote = [segment for segment in segments if "and a quote" in segment.text]
        assert strong and all(segment.style is not None and segment.style.bold for segment in strong)
        assert quote and all(segment.style is not None and segment.style.italic for segment in quote)
