"""A first run as a new user meets it: the account dialog, a failed login, a certificate to trust, the files made."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.e2e.helpers import until
from tests.ui.fake_session import FakeSession
from tests.ui.test_app_ui import CONTACTS, SIZE, Factory, make
from xmpptui import passwords, paths
from xmpptui.__main__ import Prepared, prepare
from xmpptui.model.events import ConnectionChanged
from xmpptui.model.state import ConnectionState, ConnectionStatus, LoginFailure
from xmpptui.ui.login.account import AccountScreen
from xmpptui.ui.login.login_error import LoginErrorScreen
from xmpptui.ui.shared.dialogs import PromptScreen

FINGERPRINT = "AB:CD:" * 15 + "EF:01"


class EverySession(Factory):
    """A new fake session for every login, so that each login's failure can be told apart."""

    def __call__(self, account, password):  # type: ignore[no-untyped-def]
        self.session = FakeSession(contacts=list(CONTACTS))
        self.made.append((account, password.reveal()))
        return self.session


async def _fail(pilot, factory: Factory, failure: LoginFailure, certificate: str = "") -> None:  # type: ignore[no-untyped-def]
    status = ConnectionStatus(ConnectionState.OFFLINE, "login refused", failure, certificate=certificate)
    factory.session.state.connection = status
    factory.session.emit(ConnectionChanged(status))
    await until(pilot, lambda: isinstance(pilot.app.screen, LoginErrorScreen), what="error dialog")


async def _account_screen(pilot) -> None:  # type: ignore[no-untyped-def]
    await until(pilot, lambda: isinstance(pilot.app.screen, AccountScreen), what="account screen")
    await pilot.pause()  # (its widgets finish mounting: leaving earlier stops a Select half-built)


async def _enter_account(pilot, password: str) -> None:  # type: ignore[no-untyped-def]
    await _account_screen(pilot)
    await pilot.press(*"alice@example.org", "tab", *password, "enter")


def _text(widget) -> str:  # type: ignore[no-untyped-def]
    return str(widget.render())


@pytest.fixture
def no_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "keyring_available", lambda: False)


@pytest.fixture
def keyring(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    stored: list[tuple[str, str]] = []
    monkeypatch.setattr(passwords, "keyring_available", lambda: True)
    monkeypatch.setattr(passwords, "store_in_keyring", lambda jid, pw: stored.append((jid, pw.reveal())) or True)
    return stored


async def test_edit_account_after_a_failed_login_keeps_the_password_typed(no_keyring: None) -> None:
    factory = EverySession()
    app, _ = make(account=None, password=None, factory=factory)
    async with app.run_test(size=SIZE) as pilot:
        await _enter_account(pilot, "typed-pw")
        await until(pilot, lambda: factory.made, what="first login")
        await _fail(pilot, factory, LoginFailure.REFUSED)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, AccountScreen), what="account screen again")
        password = app.screen.query_one("#account-password")
        assert password.value == "typed-pw" and password.password  # kept, and still masked
        await pilot.press("enter")  # the focus is on the password: Enter logs in again with it
        await until(pilot, lambda: len(factory.made) == 2, what="second login")
    assert factory.made[1][1] == "typed-pw"


async def test_trusting_a_certificate_logs_in_again_without_asking_the_password(no_keyring: None) -> None:
    factory = EverySession()
    app, _ = make(account=None, password=None, factory=factory)  # no stored password: a retry would prompt
    async with app.run_test(size=SIZE) as pilot:
        await _enter_account(pilot, "typed-pw")
        await until(pilot, lambda: factory.made, what="first login")
        first = factory.session
        await _fail(pilot, factory, LoginFailure.TLS, certificate=FINGERPRINT)
        await pilot.press("t")
        await until(pilot, lambda: len(factory.made) == 2, what="login again after trusting")
        await pilot.pause()
        assert not isinstance(app.screen, (PromptScreen, LoginErrorScreen, AccountScreen))
        assert ("trust_certificate", FINGERPRINT) in first.calls
    assert factory.made[1] == factory.made[0]


async def test_remember_is_unticked_and_says_why_without_a_keyring(no_keyring: None) -> None:
    factory = EverySession()
    app, _ = make(account=None, factory=factory)
    async with app.run_test(size=SIZE) as pilot:
        await _account_screen(pilot)
        remember = app.screen.query_one("#account-remember")
        assert not remember.value and remember.disabled
        assert "No system keyring" in _text(app.screen.query_one("#account-no-keyring"))
        await pilot.press(*"alice@example.org", "tab", *"pw", "enter")
        await until(pilot, lambda: factory.made, what="login")
        await pilot.pause()
        # Nothing was offered, so no toast says it was not stored.
        assert not any("keyring" in str(n.message) for n in app._notifications)


async def test_remember_is_ticked_and_stores_with_a_keyring(keyring: list[tuple[str, str]]) -> None:
    factory = EverySession()
    app, _ = make(account=None, factory=factory)
    async with app.run_test(size=SIZE) as pilot:
        await _account_screen(pilot)
        remember = app.screen.query_one("#account-remember")
        assert remember.value and not remember.disabled
        assert not app.screen.query("#account-no-keyring")
        await pilot.press(*"alice@example.org", "tab", *"pw", "enter")
        await until(pilot, lambda: factory.made, what="login")
    assert keyring == [("alice@example.org", "pw")]


async def test_the_checkbox_mark_differs_ticked_and_unticked(keyring: list[tuple[str, str]]) -> None:
    app, _ = make(account=None, factory=EverySession())
    async with app.run_test(size=SIZE) as pilot:
        await _account_screen(pilot)
        remember = app.screen.query_one("#account-remember")
        ticked = _text(remember)
        await pilot.press(*"alice@example.org", "tab", "tab", "space")  # JID, password, then the checkbox
        await until(pilot, lambda: not remember.value, what="unticked by Space")
        unticked = _text(remember)
    assert "✓" in ticked and "✓" not in unticked
    assert ticked.replace("✓", " ") == unticked  # the same line but for the mark


async def test_the_roster_does_not_say_connecting_behind_the_account_screen(no_keyring: None) -> None:
    factory = EverySession()
    app, _ = make(account=None, factory=factory)
    async with app.run_test(size=SIZE) as pilot:
        await _account_screen(pilot)
        placeholder = app.main_screen.query_one("#roster-placeholder")
        assert placeholder.display and "connecting" not in _text(placeholder)
        assert "not connected" in _text(placeholder)
        assert not factory.made


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_every_directory_made_is_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Config, data, state (logs) and everything made above them on the way are 0700, whatever the umask."""
    home = tmp_path / "fresh"  # nothing exists yet: the XDG base dirs are made by us too
    for name, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"), ("XDG_STATE_HOME", "state")):
        monkeypatch.setenv(name, str(home / sub))
    paths.log_file()
    paths.data_dir()
    paths.write_private(paths.config_file(), "[account]\n")
    made = [path for path in home.rglob("*") if path.is_dir()]
    assert {p.relative_to(home).as_posix() for p in made} >= {
        "config", "config/xmpptui", "data", "data/xmpptui", "state", "state/xmpptui", "state/xmpptui/log"}
    assert {p.relative_to(home).as_posix(): oct(_mode(p)) for p in made} == {
        p.relative_to(home).as_posix(): oct(0o700) for p in made}
    assert _mode(home) == 0o700


def test_a_first_start_makes_its_directories_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the app itself makes before its first frame (data dir, lock, log, history): 0700 from the top."""
    home = tmp_path / "fresh"
    for name, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"), ("XDG_STATE_HOME", "state")):
        monkeypatch.setenv(name, str(home / sub))
    prepared = prepare([])
    assert isinstance(prepared, Prepared)
    try:
        made = {p.relative_to(home).as_posix(): oct(_mode(p)) for p in home.rglob("*") if p.is_dir()}
    finally:
        prepared.close()
    assert {"state", "state/xmpptui", "state/xmpptui/log", "data", "data/xmpptui"} <= set(made)
    assert made == dict.fromkeys(made, oct(0o700))
