"""Notifications against a scripted session, read back from what is written to the terminal: which messages
notify, quiet in dnd, a private conversation's text never shown, /notify rules kept in the config, the unread
count in the title, and the palette's theme kept for the next start."""

from __future__ import annotations

import re
import stat

import pytest
from textual.command import CommandPalette
from textual.widgets import OptionList

from tests.e2e.helpers import until
from tests.ui.fake_session import FIXED_TIME, FakeSession
from tests.ui.test_rooms_ui import ROOM, enter_room
from xmpptui import config as config_mod
from xmpptui import paths
from xmpptui.config import Account, Config, NotifyConfig, UiConfig
from xmpptui.model.conversation import ChatMessage, Direction, MessageKind
from xmpptui.model.events import MessageAdded
from xmpptui.model.presence import Show
from xmpptui.model.roster import Contact, Subscription
from xmpptui.passwords import Secret
from xmpptui.ui.app import XmppTuiApp
from xmpptui.ui.contacts.roster_view import RosterView

SIZE = (120, 36)
BOB = "bob@example.org"
DEN = "den@conference.example.org"
_OSC777 = re.compile("\x1b\\]777;notify;([^;\x07]*);([^\x07]*)\x07")


@pytest.fixture(autouse=True)
def _plain_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside tmux, whatever terminal runs the tests (the sequence would be wrapped)."""
    monkeypatch.delenv("TMUX", raising=False)


def make(notify: NotifyConfig | None = None, *, save: bool = False,
         config: Config | None = None) -> tuple[XmppTuiApp, FakeSession, list[str]]:
    session = FakeSession(contacts=[Contact(BOB, "Bob", (), Subscription.BOTH)])
    config = config or Config(notify=notify or NotifyConfig(method="osc777"))
    app = XmppTuiApp(config, Account(jid="alice@example.org"), lambda _a, _p: session,
                     password_resolver=lambda _a: Secret("pw"), save_accounts=save)
    written: list[str] = []
    app.write_terminal = written.append
    return app, session, written


def notifications(written: list[str]) -> list[tuple[str, str]]:
    return [match.groups() for data in written for match in _OSC777.finditer(data)]


def first_hit(app: XmppTuiApp) -> str:
    """The highlighted command of the palette on screen (empty until its search has answered)."""
    if not isinstance(app.screen, CommandPalette):
        return ""
    hits = app.screen.query_one("CommandList", OptionList)
    if not hits.option_count or hits.highlighted is None:
        return ""
    return str(hits.get_option_at_index(hits.highlighted).prompt).split("\n", 1)[0].strip()


def titles(written: list[str]) -> list[str]:
    return [match.group(1) for data in written for match in re.finditer("\x1b\\]2;([^\x07]*)\x07", data)]


async def test_which_messages_notify() -> None:
    app, session, written = make()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: ("start", None) in session.calls)
        enter_room(session)
        await until(pilot, lambda: app.main_screen.active == ROOM)
        await pilot.pause()
        written.clear()
        got = []
        for message in (
                ChatMessage(BOB, "Bob", "a chat", FIXED_TIME),  # another conversation
                ChatMessage(DEN, "dan", "room chatter", FIXED_TIME, kind=MessageKind.GROUPCHAT),
                ChatMessage(DEN, "dan", "alice: look", FIXED_TIME, kind=MessageKind.GROUPCHAT, mention=True),
                ChatMessage(ROOM, "bob", "alice: in the room on screen", FIXED_TIME, kind=MessageKind.GROUPCHAT,
                            mention=True),
                ChatMessage(BOB, "alice", "my own, from my phone", FIXED_TIME, Direction.OUT),
                ChatMessage(BOB, "Bob", "from the archive", FIXED_TIME, delayed=True),
                ChatMessage(BOB, "Bob", "\x1b]2;pwned\x07 evil", FIXED_TIME),
                ChatMessage(ROOM, "bob", "alice: while unfocused", FIXED_TIME, kind=MessageKind.GROUPCHAT,
                            mention=True)):
            if message.body == "alice: while unfocused":
                app.app_focus = False
            before = len(notifications(written))
            session.emit(MessageAdded(message))
            await pilot.pause()
            got.append(notifications(written)[before:])
        assert got == [[("Bob", "a chat")], [], [(f"dan in {DEN}", "alice: look")], [], [], [],
                       [("Bob", "]2;pwned  evil")], [(f"bob in {ROOM}", "alice: while unfocused")]]
        assert not any("pwned" in title for title in titles(written)), "remote text cannot end the sequence"

        app.app_focus = True
        before = len(notifications(written))
        for n in range(30):  # a burst is one notification
            session.emit(MessageAdded(ChatMessage(BOB, "Bob", f"burst {n}", FIXED_TIME)))
        await pilot.pause()
        assert notifications(written)[before:] == [("Bob", "burst 29 (+29 more)")]


async def test_nothing_notifies_or_rings_in_dnd() -> None:
    app, session, written = make()
    rings: list[int] = []
    app.bell = lambda: rings.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: ("start", None) in session.calls)
        await pilot.press("f6")  # do not disturb
        await until(pilot, lambda: session.state.own_presence.show is Show.DND)
        session.receive(BOB, "are you there?", name="Bob")
        await until(pilot, lambda: app.title == "(1) xmpptui", what="the unread count in the title")
        assert notifications(written) == [] and rings == []

        await pilot.press("f2")
        await until(pilot, lambda: session.state.own_presence.show is Show.ONLINE)
        session.receive(BOB, "and now?", name="Bob")
        await until(pilot, lambda: notifications(written) == [("Bob", "and now?")])
        assert rings == [1]


async def test_a_private_conversation_never_shows_its_text() -> None:
    app, session, written = make(NotifyConfig(method="osc777", private=(BOB, DEN)))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: ("start", None) in session.calls)
        session.receive(BOB, "the secret plan", name="Bob")
        session.emit(MessageAdded(ChatMessage(DEN, "dan", "alice: the code is 1234", FIXED_TIME,
                                              kind=MessageKind.GROUPCHAT, mention=True)))
        await until(pilot, lambda: len(notifications(written)) == 2)
        assert notifications(written) == [("Bob", "new message"), (f"dan in {DEN}", "new message")]
        assert not any("secret" in data or "1234" in data for data in written)


async def test_notify_sets_the_rule_here_and_keeps_it_in_the_config() -> None:
    on_disk = config_mod.save_account(Config(notify=NotifyConfig(method="osc777")), Account(jid="alice@example.org"))
    app, session, written = make(save=True, config=on_disk)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: ("start", None) in session.calls)
        await pilot.press(*"/notify loud", "enter")
        await pilot.pause()
        assert app.main_screen.composer.text == "/notify loud", "a wrong level is explained and kept"
        enter_room(session)  # rooms: mentions only, by default
        await until(pilot, lambda: app.main_screen.active == ROOM)
        app.main_screen.composer.clear()
        await pilot.press(*"/notify all", "enter")
        await until(pilot, lambda: app.main_screen.composer.text == "")
        session.open_conversation(BOB)
        await until(pilot, lambda: app.main_screen.active == BOB)
        await pilot.press(*"/notify none", "enter")
        await until(pilot, lambda: app.main_screen.composer.text == "")
        session.open_conversation(DEN)
        await until(pilot, lambda: app.main_screen.active == DEN)
        written.clear()

        session.receive(BOB, "muted chat", name="Bob")
        session.emit(MessageAdded(ChatMessage(ROOM, "bob", "chatter, all of it", FIXED_TIME,
                                              kind=MessageKind.GROUPCHAT)))
        await until(pilot, lambda: notifications(written) != [])
        await pilot.pause()
        assert notifications(written) == [(f"bob in {ROOM}", "chatter, all of it")]

    path = paths.config_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    saved = config_mod.load(path)
    assert saved.notify.rules == {ROOM: "all", BOB: "none"}
    assert saved.account == Account(jid="alice@example.org"), "the rest of the file is kept"


async def test_the_title_shows_the_unread_count() -> None:
    app, session, written = make()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: ("start", None) in session.calls)
        session.receive(BOB, "one", name="Bob")
        session.receive("carol@example.org", "two")
        session.receive(BOB, "three", name="Bob")
        await until(pilot, lambda: app.title == "(3) xmpptui")
        assert titles(written)[-1] == "(3) xmpptui"
        session.open_conversation(BOB)  # read on screen
        await until(pilot, lambda: app.title == "(1) xmpptui")
        session.open_conversation("carol@example.org")
        await until(pilot, lambda: app.title == "xmpptui")
        assert titles(written)[-1] == "xmpptui"
        assert written.count("\x1b[22;0t") == 1, "the terminal's own title is saved once"
        await pilot.press("ctrl+q")
        await until(pilot, lambda: not app.is_running, what="quit")
    assert written[-1] == "\x1b[23;0t", "and given back on quitting"


async def test_the_theme_picked_in_the_palette_is_used_at_the_next_start() -> None:
    on_disk = config_mod.save_account(Config(ui=UiConfig(theme="nord", bell="all")), Account(jid="alice@example.org"))
    app, session, _written = make(save=True, config=on_disk)
    async with app.run_test(size=SIZE) as pilot:
        assert app.theme == "nord"
        await until(pilot, lambda: ("start", None) in session.calls)
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"theme")
        await until(pilot, lambda: first_hit(app) == "Theme", what="the palette's theme command")
        await pilot.press("enter")
        await pilot.press(*"dracula")
        await until(pilot, lambda: first_hit(app) == "dracula", what="the theme list")
        await pilot.press("enter")
        await until(pilot, lambda: app.theme == "dracula")
    saved = config_mod.load(paths.config_file())
    assert saved.ui == UiConfig(theme="dracula", bell="all") and saved.account == Account(jid="alice@example.org")

    again, session, _written = make(config=saved)
    async with again.run_test(size=SIZE) as pilot:
        assert again.theme == "dracula"
        await until(pilot, lambda: again.main_screen.query(RosterView), what="the roster")

    unknown, session, _written = make(config=Config(ui=UiConfig(theme="no-such-theme")))
    async with unknown.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: any("no-such-theme" in str(n.message) for n in unknown._notifications))
        assert unknown.theme == "textual-dark"
        await until(pilot, lambda: unknown.main_screen.query(RosterView), what="the roster")
