"""The XML console on a real stream: the login's exchange with the credentials redacted, a message sent from
the console and the peer's reply coming in, a raw <presence/> and the server's echo."""

from __future__ import annotations

from textual.widgets import Input

from tests.e2e.helpers import SIZE, friends, logged_in, make_app, until
from tests.support.peer import Peer
from tests.support.server import XmppServer
from xmpptui.ui.main.console import ConsoleScreen


def records(app, outgoing: bool) -> list[str]:  # type: ignore[no-untyped-def]
    return [record.xml for record in app.session.stanzas_since(0) if record.outgoing is outgoing]


async def test_console_shows_the_stream_redacted_and_sends_raw_stanzas(server: XmppServer, peers: list[Peer]) -> None:
    alice, bob, peer = await friends(server, peers)
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        await pilot.press("alt+x")
        await until(pilot, lambda: isinstance(app.screen, ConsoleScreen), what="Alt+X opens the console")
        console = app.screen
        assert isinstance(console, ConsoleScreen)
        await until(pilot, lambda: "<auth" in console.log_text, what="the login's exchange is shown")
        shown = console.log_text
        assert "[redacted]</auth>" in shown, "the SASL step is redacted"
        assert alice.password not in shown
        assert alice.password not in "\n".join(record.xml for record in app.session.stanzas_since(0))
        assert "<success" in shown or "<success" in "\n".join(records(app, outgoing=False))

        send = console.query_one("#console-send", Input)
        assert app.focused is send
        await pilot.press(*f"<message to='{bob.jid}' type='chat'><body>from the console</body></message>", "enter")
        received = await peer.next_message()
        assert received["body"] == "from the console"
        await until(pilot, lambda: "<body>from the console</body>" in console.log_text, what="the message going out")
        assert send.value == ""
        peer.client.make_message(mto=alice.jid, mbody="reply to the console", mtype="chat").send()
        await until(pilot, lambda: "<body>reply to the console</body>" in console.log_text, what="the reply coming in")
        assert any("reply to the console" in xml and xml.startswith("<message")
                   for xml in records(app, outgoing=False))

        presences_out = lambda: [xml for xml in records(app, True) if xml.startswith("<presence")]  # noqa: E731
        before = len(presences_out())
        await pilot.press(*"<presence/>", "enter")
        # Sent as the client's own stanza: it gains an id, our xml:lang and our caps (XEP-0115).
        await until(pilot, lambda: len(presences_out()) > before, what="the raw presence going out")
        assert "<show" not in presences_out()[-1]
        await peer.presence_from(alice.jid, available=True)

        await pilot.press(*"<presence><show>", "enter")
        await until(pilot, lambda: any("not well-formed XML" in str(n.message) for n in app._notifications),
                    what="bad XML refused in words")
        assert send.value == "<presence><show>" and app.is_running

        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ConsoleScreen))
        seen = len(app.session.stanzas_since(0))
        peer.client.make_message(mto=alice.jid, mbody="while closed", mtype="chat").send()
        await until(pilot, lambda: any(m.body == "while closed"
                                       for m in app.session.state.conversations.get(bob.jid).messages))
        assert len(app.session.stanzas_since(0)) == seen, "nothing is recorded while the console is closed"
