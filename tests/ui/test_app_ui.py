"""The UI driven by keys against a scripted session: focus, keymap, help, dialogs, palette, nothing lost."""

from __future__ import annotations

import stat
import threading
from dataclasses import dataclass, field, replace

import pytest
from textual.command import CommandPalette

from tests.e2e.helpers import until
from tests.ui.fake_session import FakeSession
from xmpptui import config as config_mod
from xmpptui import paths
from xmpptui.commands import COMMANDS
from xmpptui.config import Account, Config
from xmpptui.model.presence import Presence, Show
from xmpptui.model.roster import Contact, Subscription
from xmpptui.passwords import Secret
from xmpptui.session import NotConnected
from xmpptui.ui.app import XmppTuiApp
from xmpptui.ui.chat.composer import Composer
from xmpptui.ui.login.account import AccountScreen
from xmpptui.ui.main.help import HelpScreen
from xmpptui.ui.shared.dialogs import ConfirmScreen, PromptScreen

SIZE = (120, 36)
ACCOUNT = Account(jid="alice@example.org")
CONTACTS = [Contact("bob@example.org", "Bob", ("Friends",), Subscription.BOTH),
            Contact("carol@example.org", "Carol [admin]", ("Work",), Subscription.BOTH)]


@dataclass
class Factory:
    """Session factory that records the (account, password) it was asked for."""

    session: FakeSession = field(default_factory=lambda: FakeSession(contacts=list(CONTACTS)))
    made: list[tuple[Account, str]] = field(default_factory=list)

    def __call__(self, account: Account, password: Secret) -> FakeSession:
        self.made.append((account, password.reveal()))
        return self.session


def make(config: Config | None = None, account: Account | None = ACCOUNT, password: str | None = "pw",
         factory: Factory | None = None) -> tuple[XmppTuiApp, Factory]:
    factory = factory or Factory()
    secret = Secret(password) if password else None
    app = XmppTuiApp(config or Config(), account, factory, password_resolver=lambda _a: secret, save_accounts=True)
    return app, factory


async def test_composer_has_focus_after_login_and_ctrl_q_quits() -> None:
    app, factory = make()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: factory.made, what="session started")
        await pilot.pause()
        assert isinstance(app.focused, Composer)
        await pilot.press("ctrl+q")
        await until(pilot, lambda: not app.is_running, what="ctrl+q quits")
    assert ("stop", None) in factory.session.calls


async def test_quit_command_logs_out_and_quits() -> None:
    """/quit goes up to the app as a request (no call into the app from the screen) and logs out first."""
    app, factory = make()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: factory.made, what="session started")
        await pilot.press(*"/quit", "enter")
        await until(pilot, lambda: not app.is_running, what="/quit quits")
    assert ("stop", None) in factory.session.calls


async def test_keys_are_remappable_from_config() -> None:
    app, factory = make(Config(keys={"go_away": "f10"}))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: factory.made)
        await pilot.press("f4")
        await pilot.pause()
        assert not [c for c in factory.session.calls if c[0] == "set_presence"], "f4 is no longer away"
        await pilot.press("f10")
        await until(pilot, lambda: ("set_presence", Presence(Show.AWAY)) in factory.session.calls)


async def test_help_lists_every_command_and_binding_id() -> None:
    app, factory = make()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: factory.made)
        await pilot.press(*"/help", "enter")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        commands_text = keys_text = app.screen.plain_text()
        for spec in COMMANDS:
            assert spec.usage.split()[0] in commands_text
        for binding_id in ("go_online", "go_away", "go_dnd", "go_xa", "go_chat", "go_offline", "edit_status",
                           "edit_priority", "next_conversation", "next_unread", "close_conversation", "quit"):
            assert binding_id in keys_text
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, HelpScreen))
        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), what="F1 opens help")


async def test_no_config_opens_the_account_screen_and_saves_a_private_config() -> None:
    app, factory = make(account=None)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, AccountScreen))
        await pilot.press(*"alice@example.org", "tab", *"s3cret", "tab", "space")  # untick "remember"
        app.screen.query_one("#account-host").value = "xmpp.example.org"
        app.screen.query_one("#account-port").value = "5223"
        await pilot.click("#account-save")
        await until(pilot, lambda: factory.made, what="login with the entered account")
    account, password = factory.made[0]
    assert (account.jid, account.host, account.port, password) == ("alice@example.org", "xmpp.example.org", 5223,
                                                                   "s3cret")
    saved = paths.config_file()
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert stat.S_IMODE(saved.parent.stat().st_mode) == 0o700
    assert config_mod.load().account == account
    assert "s3cret" not in saved.read_text()


async def test_missing_password_is_asked_for_masked() -> None:
    app, factory = make(password=None)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, PromptScreen) and app.screen.query("#prompt-input"))
        field_ = app.screen.query_one("#prompt-input")
        assert field_.password
        await pilot.press(*"typed-pw", "enter")
        await until(pilot, lambda: factory.made)
    assert factory.made[0][1] == "typed-pw"


async def test_confirmation_accepts_y_and_enter_and_refuses_escape() -> None:
    app, factory = make()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: factory.made)
        answers: list[bool | None] = []
        for key in ("y", "enter", "escape", "n"):
            app.push_screen(ConfirmScreen("Remove Bob?"), answers.append)
            await pilot.pause()
            await pilot.press(key)
            await until(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
        assert answers == [True, True, False, False]


async def test_text_stays_in_the_composer_when_sending_fails() -> None:
    class Offline(FakeSession):
        async def send_chat(self, to: str, body: str) -> None:
            raise NotConnected("your message was kept in the composer")

    factory = Factory(session=Offline(contacts=list(CONTACTS)))
    app, _ = make(factory=factory)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: factory.made)
        await pilot.press(*"/chat bob@example.org", "enter", *"important words", "enter")
        await until(pilot, lambda: any("kept in the composer" in str(n.message) for n in app._notifications),
                    what="the failure is said in words")
        assert app.main_screen.composer.text == "important words"
        assert app.is_running


async def test_a_bug_in_a_session_call_is_an_internal_error_with_the_traceback_in_the_log(
        caplog: pytest.LogCaptureFixture) -> None:
    class Broken(FakeSession):
        async def send_chat(self, to: str, body: str) -> None:
            raise KeyError("conversation")  # not a SessionError: a bug, not something to say to the user

    factory = Factory(session=Broken(contacts=list(CONTACTS)))
    app, _ = make(factory=factory)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: factory.made)
        await pilot.press(*"/chat bob@example.org", "enter", *"important words", "enter")
        await until(pilot, lambda: any("internal error" in str(n.message) for n in app._notifications),
                    what="the bug is reported as an internal error")
        shown = [str(n.message) for n in app._notifications if "internal error" in str(n.message)]
        assert shown == ["internal error: 'conversation' (see the log)"]
        assert not any("Traceback" in str(n.message) for n in app._notifications)
        assert app.main_screen.composer.text == "important words"
        assert app.is_running
    logged = [r for r in caplog.records if r.name == "xmpptui.ui.app" and r.exc_info is not None]
    assert logged and isinstance(logged[0].exc_info[1], KeyError), "the traceback goes to the log"


async def test_command_palette_lists_contacts_as_plain_text() -> None:
    app, factory = make()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: factory.made)
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"carol")
        await until(pilot, lambda: "Carol [admin]" in str(app.screen.query_one("CommandList").render()) or
                    any("Carol [admin]" in str(o.prompt) for o in app.screen.query_one("CommandList")._options),
                    what="contact hit shown literally")
        await pilot.press("enter")
        await until(pilot, lambda: app.main_screen.active == "carol@example.org", what="palette opens the chat")


async def test_unknown_command_is_explained_and_kept() -> None:
    app, factory = make()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: factory.made)
        await pilot.press(*"/stauts away", "enter")
        await until(pilot, lambda: any("did you mean /status?" in str(n.message) for n in app._notifications))
        assert app.main_screen.composer.text == "/stauts away"


async def test_only_the_active_conversation_log_is_shown() -> None:
    app, factory = make()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: factory.made)
        factory.session.receive("bob@example.org", "from bob", name="Bob")
        factory.session.receive("carol@example.org", "from carol", name="Carol")
        await until(pilot, lambda: app.main_screen.chat_log("carol@example.org") is not None)
        await pilot.pause()
        screen = app.main_screen
        assert not screen.chat_log("bob@example.org").display and not screen.chat_log("carol@example.org").display
        await pilot.press("alt+a")
        await until(pilot, lambda: screen.active == "bob@example.org")
        assert screen.chat_log("bob@example.org").display and not screen.chat_log("carol@example.org").display
        await pilot.press("ctrl+n")
        await until(pilot, lambda: screen.active == "carol@example.org")
        assert not screen.chat_log("bob@example.org").display and screen.chat_log("carol@example.org").display
        await pilot.press("alt+w")
        await until(pilot, lambda: screen.active == "bob@example.org", what="closing falls back to another chat")
        assert screen.chat_log("carol@example.org") is None


async def test_reopening_a_closed_conversation_shows_a_fresh_log() -> None:
    app, factory = make()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: factory.made)
        factory.session.receive("bob@example.org", "before closing", name="Bob")
        await pilot.press("alt+a")
        await until(pilot, lambda: app.main_screen.active == "bob@example.org")
        first = app.main_screen.chat_log("bob@example.org")
        await pilot.press("alt+w")
        await pilot.press(*"/chat bob@example.org", "enter")
        await until(pilot, lambda: app.main_screen.active == "bob@example.org", what="reopened")
        reopened = app.main_screen.chat_log("bob@example.org")
        assert reopened is not first and reopened.display
        await until(pilot, lambda: reopened.line_count == 0 or reopened.plain_lines() == [], what="empty log")
        factory.session.receive("bob@example.org", "after reopening", name="Bob")
        await until(pilot, lambda: any("after reopening" in line for line in reopened.plain_lines()))
        assert not any("before closing" in line for line in reopened.plain_lines())


async def test_a_flood_of_messages_reaches_the_screen_in_fewer_batches_and_a_quiet_message_at_once() -> None:
    """A batch of 20 or more new messages means a flood: the next batch waits 1/15 s (so the chat log repaints
    at most 15 times a second and the keys get the loop); a batch of fewer brings back one batch per frame."""
    import asyncio

    from xmpptui.model.conversation import ChatMessage
    from xmpptui.model.events import MessageAdded
    from xmpptui.ui.shared.messages import SessionEvents

    app, factory = make()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: factory.made, what="session started")
        loop = asyncio.get_running_loop()
        batches: list[tuple[float, int]] = []
        screen = app.main_screen
        post = screen.post_message

        def record(message: object) -> bool:
            if isinstance(message, SessionEvents):
                batches.append((loop.time(), len(message.events)))
            return post(message)  # type: ignore[arg-type]

        screen.post_message = record  # type: ignore[method-assign]
        session = factory.session

        def burst(count: int, tag: str) -> None:
            for n in range(count):
                session.emit(MessageAdded(ChatMessage("bob@example.org", "Bob", f"{tag} {n}", 0.0)))

        burst(30, "flood")
        await until(pilot, lambda: len(batches) == 1, what="the flood's batch")
        burst(1, "after the flood")
        await until(pilot, lambda: len(batches) == 2, what="the next batch")
        assert batches[1][0] - batches[0][0] >= 1 / 15 - 0.002, "held for the flood pace"
        await until(pilot, lambda: loop.time() > batches[1][0] + 1 / 15, what="a quiet spell")
        burst(1, "quiet")
        await until(pilot, lambda: len(batches) == 3, what="a quiet message's batch")
        assert [count for _, count in batches] == [30, 1, 1]


async def test_a_password_known_at_once_starts_the_login_before_the_main_screen_is_composed() -> None:
    """Connecting, TLS and SASL then overlap the first frame's layout (#20); what the session said meanwhile
    (roster, online) is shown once the screen is composed, none of it lost."""
    composed_at_start: list[bool] = []

    class Early(FakeSession):
        async def start(self, sink):  # type: ignore[no-untyped-def]
            composed_at_start.append(bool(app.main_screen.query("#status-bar")))
            await super().start(sink)

    app, _ = make(factory=Factory(session=Early(contacts=list(CONTACTS))))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: composed_at_start, what="the login started")
        assert composed_at_start == [False]
        await until(pilot, lambda: app.main_screen.query("RosterView") and app.main_screen.roster.row_count >= 2,
                    what="the roster the session sent before the screen existed")
        rows = [app.main_screen.roster.row_text(index) for index in range(app.main_screen.roster.row_count)]
        assert any("Bob" in row for row in rows) and any("Carol" in row for row in rows)
        await until(pilot, lambda: "online" in str(app.main_screen.query_one("#status-bar").render()),
                    what="online in the status bar")


async def test_with_a_cached_roster_the_first_frame_shows_it_before_the_login_starts() -> None:
    composed_at_start: list[bool] = []

    class Late(FakeSession):
        async def start(self, sink):  # type: ignore[no-untyped-def]
            composed_at_start.append(bool(app.main_screen.query("#status-bar")))
            await super().start(sink)

    app = XmppTuiApp(Config(), ACCOUNT, Factory(session=Late(contacts=list(CONTACTS))),
                     password_resolver=lambda _a: Secret("pw"), save_accounts=False, cached_roster=CONTACTS[:1])
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: composed_at_start, what="the login started")
        assert composed_at_start == [True]


async def test_a_password_that_takes_longer_logs_in_after_the_first_frame() -> None:
    """A password_command (or keyring) that does not answer at once does not hold the first frame: the notice
    says what we wait for, and the login starts when the password comes."""
    release = threading.Event()

    def slow(_account: Account) -> Secret:
        release.wait(10)
        return Secret("late-pw")

    factory = Factory()
    app = XmppTuiApp(Config(), replace(ACCOUNT, password_command="pass show xmpp"), factory,
                     password_resolver=slow, save_accounts=False)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "waiting for password_command" in str(app.main_screen.query_one("#status-bar")
                                                                         .render()), what="the notice")
        assert not factory.made
        release.set()
        await until(pilot, lambda: factory.made, what="the login")
        assert factory.made[0][1] == "late-pw"


async def test_a_login_that_fails_before_the_first_frame_is_said_in_words() -> None:
    """The early login's failure waits for the screen, then reads as any other (no traceback, app running)."""
    from xmpptui.session import SessionError

    class Failing(FakeSession):
        async def start(self, sink):  # type: ignore[no-untyped-def]
            raise SessionError("the CA file /nowhere/ca.pem cannot be read")

    app, _ = make(factory=Factory(session=Failing(contacts=list(CONTACTS))))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: any("cannot be read" in str(n.message) for n in app._notifications),
                    what="the failure in words")
        assert app.is_running and app.screen is app.main_screen
