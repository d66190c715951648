"""The XML console, driven as a user does: Alt+X or /console from the composer, the live log, the filter, a raw
stanza sent or refused in words, Escape and Alt+X closing it (a scripted session; the real stream is in
tests/e2e/test_console.py)."""

from __future__ import annotations

from textual.widgets import Input

from tests.e2e.helpers import until
from tests.ui.test_app_ui import SIZE, make
from xmpptui.ui.chat.composer import Composer
from xmpptui.ui.main.console import ConsoleScreen

HOSTILE = "<message from='eve@example.org'><body>[@click=app.quit]x[/] \x1b[31mred</body></message>"


def notifications(app) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(str(n.message) for n in app._notifications)


async def test_alt_x_from_the_composer_shows_live_stanzas_filters_and_escape_closes() -> None:
    app, factory = make()
    session = factory.session
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: factory.made, what="session started")
        session.stanza(False, "<presence from='bob@example.org/x'/>")
        assert session.stanzas == [], "nothing is recorded while the console is closed"
        assert isinstance(app.focused, Composer)
        await pilot.press("alt+x")
        await until(pilot, lambda: isinstance(app.screen, ConsoleScreen), what="Alt+X opens the console")
        console = app.screen
        assert isinstance(console, ConsoleScreen)
        assert session.watching_stanzas
        session.stanza(True, "<message to='bob@example.org' type='chat'><body>hello bob</body></message>")
        session.stanza(False, HOSTILE)
        session.stanza(False, "<iq type='result' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>")
        await until(pilot, lambda: "urn:xmpp:ping" in console.log_text, what="stanzas shown as they come")
        text = console.log_text
        assert "→ out" in text and "← in" in text
        assert "12:00:00.000" in text or ":00.000" in text, "the time, to the millisecond"
        assert "<body>hello bob</body>" in text
        assert "[@click=app.quit]x[/]" in text and "␛[31mred" in text, "remote XML is plain text, controls visible"
        assert app.is_running

        await pilot.click("#console-filter")
        await pilot.press(*"urn:xmpp:ping")
        await until(pilot, lambda: "hello bob" not in console.log_text, what="the filter narrows the log")
        assert "urn:xmpp:ping" in console.log_text
        filter_input = console.query_one("#console-filter", Input)
        filter_input.value = "<MESSAGE"  # (a tag, case ignored)
        await until(pilot, lambda: "hello bob" in console.log_text and "ping" not in console.log_text)
        filter_input.value = ""
        await until(pilot, lambda: "ping" in console.log_text and "hello bob" in console.log_text)

        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ConsoleScreen), what="Escape closes the console")
        assert not session.watching_stanzas, "recording stops with the console"
        assert isinstance(app.focused, Composer)


async def test_a_raw_stanza_is_sent_or_refused_in_words_keeping_what_was_typed() -> None:
    app, factory = make()
    session = factory.session
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: factory.made, what="session started")
        await pilot.press(*"/console", "enter")
        await until(pilot, lambda: isinstance(app.screen, ConsoleScreen), what="/console opens the console")
        console = app.screen
        assert isinstance(console, ConsoleScreen)
        assert app.main_screen.composer.text == "", "the command is not left in the composer"
        send = console.query_one("#console-send", Input)
        assert app.focused is send

        await pilot.press(*"<presence><show>away</presence>", "enter")
        await until(pilot, lambda: "not well-formed XML" in notifications(app), what="bad XML refused in words")
        assert send.value == "<presence><show>away</presence>", "what was typed stays to be mended"
        assert not [call for call in session.calls if call[0] == "send_raw"]

        send.value = "<body>hi</body>"
        await pilot.press("enter")
        await until(pilot, lambda: "<body> is not a stanza" in notifications(app))

        send.value = ""
        await pilot.press(*"<presence/>", "enter")
        await until(pilot, lambda: ("send_raw", "<presence/>") in session.calls, what="a stanza is sent")
        assert send.value == ""
        await until(pilot, lambda: "<presence/>" in console.log_text, what="and shown going out")
        assert app.is_running

        await pilot.press("alt+x")
        await until(pilot, lambda: not isinstance(app.screen, ConsoleScreen), what="Alt+X closes it again")
