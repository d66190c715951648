"""A failed login offers retry and account editing; a retry starts a fresh session in the same screen."""

from __future__ import annotations

from tests.e2e.helpers import until
from tests.ui.fake_session import FakeSession
from tests.ui.test_app_ui import CONTACTS, Factory, make
from xmpptui.model.events import ConnectionChanged
from xmpptui.model.state import ConnectionState, ConnectionStatus, LoginFailure
from xmpptui.ui.login.account import AccountScreen
from xmpptui.ui.login.login_error import LoginErrorScreen


class FailsFirst(Factory):
    def __call__(self, account, password):  # type: ignore[no-untyped-def]
        session = FakeSession(contacts=list(CONTACTS), online=bool(self.made))
        self.session = session
        self.made.append((account, password.reveal()))
        return session


async def _fail(pilot, factory: Factory) -> None:  # type: ignore[no-untyped-def]
    status = ConnectionStatus(ConnectionState.OFFLINE, "login refused (not-authorized)", LoginFailure.AUTH)
    factory.session.state.connection = status
    factory.session.emit(ConnectionChanged(status))
    await until(pilot, lambda: isinstance(pilot.app.screen, LoginErrorScreen), what="error dialog")


async def test_retry_starts_a_new_session_and_shows_its_roster() -> None:
    factory = FailsFirst()
    app, _ = make(factory=factory)
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: factory.made)
        await _fail(pilot, factory)
        await pilot.press("r")
        await until(pilot, lambda: len(factory.made) == 2, what="second login")
        await until(pilot, lambda: app.main_screen.roster.row_count == 4, what="new session's roster")
        assert app.session is factory.session


async def test_edit_account_from_the_error_dialog() -> None:
    factory = FailsFirst()
    app, _ = make(factory=factory)
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: factory.made)
        await _fail(pilot, factory)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, AccountScreen), what="account screen")
        assert app.screen.query_one("#account-jid").value == "alice@example.org"
