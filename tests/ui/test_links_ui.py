"""/open and /download driven by keys against a scripted session: which link N names, the opener called with
exactly that URL (never by itself), xmpp: links opened in the app, the download's line, Escape, errors in words."""

from __future__ import annotations

import webbrowser

import pytest

from tests.e2e.helpers import until
from tests.ui.fake_session import FakeSession
from tests.ui.test_app_ui import CONTACTS, SIZE, Factory, make
from xmpptui.model.conversation import Attachment
from xmpptui.model.events import MessageUpdated
from xmpptui.ui.chat.downloads import download_line

BOB = "bob@example.org"
FILE = "https://up.example.org/f/cat.png"


def said(app, words: str) -> bool:  # type: ignore[no-untyped-def]
    return any(words in str(notification.message) for notification in app._notifications)


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    urls: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *args, **kwargs: urls.append(url) or True)
    return urls


def conversation_with_links(session: FakeSession) -> None:
    session.receive(BOB, "old one: https://a.example/1 and mailto:bob@example.org")
    session.receive(BOB, "javascript:alert(1) is not a link, xmpp:lounge@conference.example.org?join is")
    shared = session.receive(BOB, FILE)
    shared.attachment = Attachment(FILE, "cat.png", 2048, "image/png")
    session.emit(MessageUpdated(shared))


async def _in_chat_with_bob(pilot, factory: Factory, session: FakeSession) -> None:  # type: ignore[no-untyped-def]
    await until(pilot, lambda: factory.made, what="session started")
    conversation_with_links(session)
    await pilot.press(*f"/chat {BOB}", "enter")
    await until(pilot, lambda: pilot.app.main_screen.chat.active == BOB, what="chat with bob")


async def test_open_n_opens_exactly_that_link_and_only_when_asked(opened: list[str]) -> None:
    session = FakeSession(contacts=list(CONTACTS))
    app, factory = make(factory=Factory(session=session))
    async with app.run_test(size=SIZE) as pilot:
        await _in_chat_with_bob(pilot, factory, session)
        await pilot.pause()
        assert opened == [], "nothing is opened by itself"
        await pilot.press(*"/open", "enter")  # 1: the latest, the file shared (its URL is also the body: once)
        await until(pilot, lambda: opened == [FILE], what="the file's URL opened")
        await pilot.press(*"/open 4", "enter")  # 2: the xmpp: link, 3: mailto, 4: the first https one
        await until(pilot, lambda: opened == [FILE, "https://a.example/1"], what="the 4th link opened")
        await pilot.press(*"/open 3", "enter")
        await until(pilot, lambda: opened[-1] == "mailto:bob@example.org", what="the mailto link")
        assert app.main_screen.composer.text == ""
        for typed, words in (("/open 9", "has only 4 links on screen"), ("/open two", "not 'two'"),
                             ("/open 0", "not '0'")):
            await pilot.press(*typed, "enter")
            await until(pilot, lambda words=words: said(app, words), what=words)
            assert app.main_screen.composer.text == typed, "what was typed is kept to correct"
            app.main_screen.composer.clear()
        assert len(opened) == 3 and app.is_running


async def test_an_xmpp_link_opens_its_room_in_the_app(opened: list[str]) -> None:
    session = FakeSession(contacts=list(CONTACTS))
    app, factory = make(factory=Factory(session=session))
    async with app.run_test(size=SIZE) as pilot:
        await _in_chat_with_bob(pilot, factory, session)
        await pilot.press(*"/open 2", "enter")
        await until(pilot, lambda: any(call[0] == "join_room" for call in session.calls), what="the room joined")
        assert next(call[1] for call in session.calls if call[0] == "join_room")[0] == "lounge@conference.example.org"
        assert opened == [], "an xmpp: link never goes to the browser"


async def test_download_shows_progress_says_where_and_escape_stops_it() -> None:
    session = FakeSession(contacts=list(CONTACTS))
    app, factory = make(factory=Factory(session=session))
    async with app.run_test(size=SIZE) as pilot:
        await _in_chat_with_bob(pilot, factory, session)
        screen = app.main_screen
        await pilot.press(*"/download", "enter")
        await until(pilot, lambda: "cat.png" in screen.downloads.line_text, what="the progress line")
        assert ("download_file", (BOB, FILE)) in session.calls
        session.download_progress(BOB, "cat.png", 1024, 2048)
        await until(pilot, lambda: "50% 1.0 KiB of 2.0 KiB" in screen.downloads.line_text)
        session.finish_download(BOB, "/tmp/dl/cat.png")
        await until(pilot, lambda: said(app, "saved: /tmp/dl/cat.png"), what="where it went")
        await until(pilot, lambda: not screen.downloads.line_text, what="the line goes")
        for stop in (("escape",), (*"/cancel", "enter")):
            await pilot.press(*"/download", "enter")
            await until(pilot, lambda: "cat.png" in screen.downloads.line_text, what="under way")
            await pilot.press(*stop)
            await until(pilot, lambda: said(app, "download cancelled, nothing was saved"), what="said")
            await until(pilot, lambda: not screen.downloads.line_text, what="the line goes")
            app.clear_notifications()
        assert [call for call in session.calls if call[0] == "cancel_download"] == [("cancel_download", BOB)] * 2
        await pilot.press(*"/download 3", "enter")  # mailto:
        await until(pilot, lambda: said(app, "only http and https links can be downloaded"))
        assert app.is_running


def test_download_line_names_the_file_inertly() -> None:
    assert download_line("a\x1b[2Jb.png", 512, 1024).plain.startswith("⇩ a␛[2Jb.png [")
    assert "50% 512 bytes of 1.0 KiB" in download_line("x", 512, 1024).plain
    assert download_line("x", 3 * 1024 * 1024, 0).plain == "⇩ x 3.0 MiB · Esc or /cancel stops it"
