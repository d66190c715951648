"""The layout at any terminal size, driven as a user does against a scripted session: dialogs that show their
whole question and their keys, panes that fold away on narrow terminals and by key, one name for our own
messages, the "new messages" separator and the header of a 1:1 chat."""

from __future__ import annotations

from textual.widgets._toast import Toast

from tests.e2e.helpers import until
from tests.ui.fake_session import FakeSession
from tests.ui.test_app_ui import ACCOUNT, CONTACTS, Factory
from xmpptui.config import Config
from xmpptui.passwords import Secret
from xmpptui.ui.app import XmppTuiApp
from xmpptui.ui.shared.dialogs import ConfirmScreen, PromptScreen

LONG_QUESTION = ("The room lounge@conference.example.org does not exist. Create it (you will own it and may "
                 "configure it)?")


def make(session: FakeSession | None = None) -> tuple[XmppTuiApp, FakeSession]:
    session = session or FakeSession(contacts=list(CONTACTS))
    app = XmppTuiApp(Config(), ACCOUNT, Factory(session), password_resolver=lambda _a: Secret("pw"),
                     save_accounts=False)
    return app, session


def screen_text(app: XmppTuiApp) -> str:
    """What the top screen shows, line by line, as plain text."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def words_on_screen(app: XmppTuiApp) -> str:
    """The screen's text with lines and box characters run together (a wrapped sentence reads whole)."""
    return " ".join("".join(c if c.isprintable() and ord(c) < 0x2500 else " " for c in screen_text(app)).split())


async def test_a_long_question_is_shown_whole_with_its_keys_at_80_columns() -> None:
    app, session = make()
    answers: list[bool | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: ("start", None) in session.calls)
        app.push_screen(ConfirmScreen(LONG_QUESTION), answers.append)
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.pause()
        shown = words_on_screen(app)
        assert LONG_QUESTION in shown, shown
        assert "y / Enter: yes n / Escape: no" in shown
        await pilot.press("escape")
        await until(pilot, lambda: answers == [False], what="Escape refuses")


async def test_a_prompt_shows_its_whole_title_and_its_keys_at_60_columns() -> None:
    app, session = make()
    title = "lounge@conference.example.org is protected by a password. Password for the room:"
    async with app.run_test(size=(60, 20)) as pilot:
        await until(pilot, lambda: ("start", None) in session.calls)
        app.push_screen(PromptScreen(title, password=True))
        await until(pilot, lambda: isinstance(app.screen, PromptScreen))
        await pilot.pause()
        shown = words_on_screen(app)
        assert title in shown, shown
        assert "Enter: OK Escape: cancel" in shown


async def test_a_toast_shown_over_a_dialog_is_in_view() -> None:
    app, session = make()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await until(pilot, lambda: ("start", None) in session.calls)
        app.push_screen(ConfirmScreen(LONG_QUESTION))
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        app.notify("the server is slow to answer", markup=False)
        await until(pilot, lambda: app.screen.query(Toast), what="the toast on the dialog's screen")
        await pilot.pause()
        assert "the server is slow to answer" in words_on_screen(app)
