"""XmppTuiApp: owns the session's lifetime, batches its events per frame, and hosts the screens."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from xmpptui import config as config_mod
from xmpptui import passwords
from xmpptui.config import Account, Config
from xmpptui.model.events import ConnectionChanged, Event, RosterReplaced
from xmpptui.model.state import LoginFailure
from xmpptui.passwords import Secret
from xmpptui.session import Session, SessionError
from xmpptui.ui import shutdown
from xmpptui.ui.contacts.palette import ContactsProvider
from xmpptui.ui.history_check import check_history
from xmpptui.ui.login.login_error import LoginErrorScreen
from xmpptui.ui.main.batches import EventBatches, RoomsSettled
from xmpptui.ui.main.notifications import NotificationHooks
from xmpptui.ui.main.screen import MainScreen
from xmpptui.ui.shared import keymap, render
from xmpptui.ui.shared.dialogs import PromptScreen
from xmpptui.ui.shared.messages import ChatRequested, ConsoleRequested, HelpRequested, QuitRequested, SessionEvents
from xmpptui.ui.shared.notifications import TITLE_POP, TITLE_PUSH, Notifier, make_notifier, title_sequence

if TYPE_CHECKING:
    from xmpptui.model.roster import Contact
    from xmpptui.storage.history import History, HistoryProblem
    from xmpptui.ui.login.account import AccountEntry

SessionFactory = Callable[[Account, Secret], Session]
PasswordResolver = Callable[[Account], "Secret | None"]

_PASSWORD_AT_ONCE, _CONNECTING_AT_MOST = 0.05, 1.0  # s the first frame waits for the password, then the login

log = logging.getLogger(__name__)


def _calm_the_garbage_collector() -> None:
    """Full collections over a large heap (100,000 messages) took up to 160 ms each during a message
    burst, freezing keystrokes. Freeze what start-up built and collect the young generation less often; enable the
    collector, which `__main__.main` kept off until the first frame."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    gc.enable()


class XmppTuiApp(App[None]):
    CSS_PATH = "xmpptui.tcss"
    TITLE = "xmpptui"
    COMMANDS = App.COMMANDS | {ContactsProvider}
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
        Binding("f1", "help", "Help", id="help"),
        Binding("alt+x", "console", "XML console", id="console", show=False, priority=True),
    ]

    def __init__(self, config: Config, account: Account | None, session_factory: SessionFactory,
                 password_resolver: PasswordResolver = passwords.resolve, save_accounts: bool = True,
                 history: History | None = None, startup_notices: Sequence[str] = (),
                 cached_roster: Sequence[Contact] = ()) -> None:
        """`history`: checked on start (a damaged file is set aside only if the user agrees); `startup_notices`:
        what could not be set up before the first frame, in words; `cached_roster`: the account's roster cache,
        shown in the first frame."""
        super().__init__()
        self._history = history
        self._startup_notices = list(startup_notices)
        self._config = config
        self._account = account
        self._password: Secret | None = None
        """The password of the last login tried: the account dialog shows it again, a trusted certificate
        retries with it (nothing typed is asked for twice)."""
        self._session_factory = session_factory
        self._resolve_password = password_resolver
        self._save_accounts = save_accounts
        self.session: Session | None = None
        self._batches = EventBatches(self._deliver)
        self._settles_a_room = RoomsSettled(lambda: self.session.state if self.session is not None else None)
        self._held: list[Event] = []
        """Events said before the main screen was composed, for it (`_show_session`)."""
        self._screen_ready = False  # (once the main screen is composed: it shows the session and its events)
        self._password_lookup: asyncio.Future[Secret | None] | None = None
        self._connecting = asyncio.Event()
        self._cached_roster = bool(cached_roster)
        self._history_opened: asyncio.Future[HistoryProblem | None] | None = None
        self._quitting = False
        self._remove_signal_handlers: Callable[[], None] = lambda: None
        self._notifier: Notifier | None = None
        self._notifier_made = False
        self._title_saved = False
        self.write_terminal: Callable[[str], None] = self._write_to_driver
        """Where escape sequences (notifications, the title) go: the terminal (tests put a list's append here)."""
        self.main_screen = MainScreen(config.ui, NotificationHooks(
            settings=lambda: self._config.notify, save_rule=self._save_notify_rule, notifier=self._make_notifier,
            set_title=self._set_terminal_title, bell=lambda: self.bell(), app_focused=lambda: self.app_focus),
            cached_roster)
        self.main_screen.composer.key_shown = self._batches.key_shown

    def get_default_screen(self) -> Screen:
        """The main screen is the first on the stack: its first frame is the app's first frame."""
        return self.main_screen

    async def on_load(self) -> None:
        """The earliest hook, before the main screen is composed (Textual waits for it): the history opens on its
        thread; with no cached roster to show, a password found at once starts the login (TLS, SASL overlap the
        first frame, made once it is connecting, #20)."""
        # (Opened now, on its thread; what it found is said by `_begin`, once there is a screen to say it on.)
        self._history_opened = asyncio.ensure_future(self._history.check()) if self._history else None
        if (account := self._account) is None or self._cached_roster:
            return  # (a cached roster is shown at once, then the login starts: a frame sooner beats online sooner)
        lookup = self._password_lookup = asyncio.ensure_future(asyncio.to_thread(self._resolve_password, account))
        await asyncio.wait([lookup], timeout=_PASSWORD_AT_ONCE)
        if lookup.done() and lookup.exception() is None and (password := lookup.result()):
            self.start_session(account, password)  # (the screen shows it once composed: `_show_session`)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._connecting.wait(), _CONNECTING_AT_MOST)

    def on_mount(self) -> None:
        self._remove_signal_handlers = shutdown.install(self._quit_on_signal)
        keymap.report_alt_digits()
        if self._config.keys:
            self.set_keymap(self._config.keys)
        self._use_saved_theme()
        self.main_screen.call_later(self._show_session)  # (its queue is read once it is composed)
        self.call_after_refresh(self._begin)
        self.call_after_refresh(_calm_the_garbage_collector)

    def _begin(self) -> None:
        for text in self._startup_notices:
            self.notify(render.sanitize(text), severity="error", markup=False, timeout=15)
        if self._history is not None and self._history_opened is not None:  # (the login does not wait for it)
            self.run_worker(check_history(self, self._history, self._history_opened), name="history",
                            exit_on_error=False)
        if self._account is None:
            self._ask_account()
        elif self.session is None:  # (else it began before the first frame)
            self.run_worker(self._login_with_stored_password(self._account), name="password", exit_on_error=False)

    # Theme, notifications, the terminal's title ------------------------------------------------

    def _use_saved_theme(self) -> None:
        theme = self._config.ui.theme
        if theme and theme in self.available_themes:
            self.theme = theme
        elif theme:
            self._startup_notices.append(f"{self._config.path}: ui.theme {theme!r} is not a theme here (the command "
                                         "palette's \"Change theme\" lists them): using the default")
        self.watch(self, "theme", self._theme_chosen, init=False)

    def _theme_chosen(self, theme: str) -> None:
        """The theme picked in the palette is the one the next start uses."""
        if theme == self._config.ui.theme:
            return
        self._config = replace(self._config, ui=replace(self._config.ui, theme=theme))
        if self._save_accounts:
            try:
                self._config = config_mod.save_theme(self._config, theme)
            except (OSError, config_mod.ConfigError) as exc:
                reason = exc.strerror if isinstance(exc, OSError) else str(exc)
                self.notify(f"the theme could not be saved: {reason}", severity="error", markup=False)

    def _save_notify_rule(self, jid: str, level: str) -> None:
        notify = self._config.notify
        self._config = replace(self._config, notify=replace(notify, rules={**notify.rules, jid: level}))
        if self._save_accounts:
            self._config = config_mod.save_notify_rule(self._config, jid, level)

    def _write_to_driver(self, data: str) -> None:
        if self._driver is not None and not self.is_headless:
            self._driver.write(data)
            self._driver.flush()

    def _make_notifier(self) -> Notifier | None:
        """Chosen on the first notification (desktop-notifier is not imported before one is needed)."""
        if not self._notifier_made:
            self._notifier_made = True
            self._notifier = make_notifier(self._config.notify.method, lambda data: self.write_terminal(data),
                                           lambda work: self.run_worker(work, name="notify", exit_on_error=False),
                                           os.environ)
        return self._notifier

    def _set_terminal_title(self, title: str) -> None:
        if not self._title_saved:  # keep the terminal's own title to give it back on quitting (xterm's stack)
            self._title_saved = True
            self.write_terminal(TITLE_PUSH)
        self.title = title
        self.write_terminal(title_sequence(title))

    # Login ------------------------------------------------------------------------------------

    def _ask_account(self, error: str = "") -> None:
        from xmpptui.ui.login.account import AccountScreen

        self.push_screen(AccountScreen(self._account, error, password=self._password,
                                       keyring=passwords.keyring_available()), self._account_entered)

    def _account_entered(self, entry: AccountEntry | None) -> None:
        if entry is None:
            if self.session is None:
                self.notify("no account: press F1 for help, Ctrl+Q to quit", severity="warning")
            return
        self._account = entry.account
        if self._save_accounts:
            try:
                self._config = config_mod.save_account(self._config, entry.account)
            except OSError as exc:
                self.notify(f"could not save the config: {exc.strerror}", severity="error", markup=False)
            if entry.remember and not passwords.store_in_keyring(entry.account.bare_jid, entry.password):
                self.notify("no system keyring available: the password was not stored", severity="warning")
        self.start_session(entry.account, entry.password)

    async def _login_with_stored_password(self, account: Account) -> None:
        if account.password_command:
            # It may wait on the user (a pinentry dialog) or hang: say what we wait for and the way out.
            self.main_screen.show_notice(f"waiting for password_command (at most {account.password_command_timeout:g}"
                                         " s) … Ctrl+Q to give up")
        lookup, self._password_lookup = self._password_lookup, None  # (the one begun before the first frame)
        try:
            password = await (lookup or asyncio.to_thread(self._resolve_password, account))
        except passwords.PasswordError as exc:
            log.warning("%s", exc)
            self.notify(str(exc), severity="error", markup=False)
            password = None
        if account.password_command and self.session is None:
            self.main_screen.show_notice("")
        if password:
            self.start_session(account, password)
            return

        def entered(value: str | None) -> None:
            if value:
                self.start_session(account, Secret(value))
            else:
                self.notify("no password given: F1 for help, Ctrl+Q to quit", severity="warning")

        self.push_screen(PromptScreen(f"Password for {account.bare_jid}", password=True), entered)

    def start_session(self, account: Account, password: Secret) -> None:
        old = self.session
        self._password = password
        self.session = self._session_factory(account, password)
        if self._screen_ready:
            self.main_screen.attach(self.session)

        async def run() -> None:
            if old is not None:
                await old.stop()
            assert self.session is not None
            try:
                await self.session.start(self._sink)
            finally:
                self._connecting.set()  # (a session that says nothing of connecting holds no first frame)

        self.run_worker(run(), name="login", group="session", exclusive=True, exit_on_error=False)

    def _show_session(self) -> None:  # (the main screen, just composed: the session begun before it, what it said)
        self._screen_ready = True
        if self.session is not None:
            self.main_screen.attach(self.session)
        held, self._held = self._held, []
        for event in held:
            self._sink(event)

    # Event batching ---------------------------------------------------------------------------

    def _sink(self, event: Event) -> None:
        if isinstance(event, ConnectionChanged):
            self._connecting.set()
        if not self._screen_ready:
            self._held.append(event)  # (until the main screen shows the session: `_show_session`)
            return
        self._batches.add(event, at_once=self._settles_a_room(event))
        if isinstance(event, ConnectionChanged) and event.status.failure not in (None, LoginFailure.CONFLICT):
            # (A session replaced by another client is no failed login: the status says so, and F10 logs in.)
            self.call_later(self._login_failed, event.status.reason, event.status.certificate)

    def _deliver(self, events: list[Event]) -> None:
        if any(isinstance(event, RosterReplaced) for event in events):  # (its stanzas are garbage now: the calm
            gc.collect(1)  # collector would keep them, ~40,000 objects in cycles at 5,000 contacts, ~8 MB, #20)
        self.main_screen.post_message(SessionEvents(events))

    def _login_failed(self, reason: str, certificate: str) -> None:
        def chosen(choice: str | None) -> None:
            if choice == "trust" and self.session is not None:
                self.session.trust_certificate(certificate)
                if self._account is not None and self._password:
                    self.start_session(self._account, self._password)  # (the password was not the problem)
                    return
                choice = "retry"
            if choice == "retry" and self._account is not None:
                self.run_worker(self._login_with_stored_password(self._account), name="password",
                                exit_on_error=False)
            elif choice == "edit":
                self._ask_account()
            elif choice == "quit":
                self.exit()

        self.push_screen(LoginErrorScreen(render.sanitize(reason), certificate), chosen)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every main-screen action in the palette, beside Textual's own (theme, screenshot, quit)."""
        yield from super().get_system_commands(screen)
        if screen is not self.main_screen:
            return
        for binding in MainScreen.BINDINGS:
            if isinstance(binding, Binding) and binding.id:
                keys = self._config.keys.get(binding.id, binding.key)
                yield SystemCommand(binding.description, f"{binding.id} ({keys})",
                                    partial(self.main_screen.run_action, binding.action))
        yield SystemCommand("Help", "every key and command (f1)", self.action_help)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a failed worker (any session call, login, logout) becomes words on screen."""
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        if isinstance(error, SessionError):
            log.info("%s: %s", event.worker.name, error)
            text = str(error) or type(error).__name__
        else:  # a bug: the traceback goes to the log file, never on screen
            log.error("worker %r failed", event.worker.name, exc_info=error)
            text = f"internal error: {str(error) or type(error).__name__} (see the log)"
        self.notify(render.sanitize(text), severity="error", markup=False, title=event.worker.name or "error")

    # Actions ----------------------------------------------------------------------------------

    def action_help(self) -> None:
        from xmpptui.ui.main.help import HelpScreen, key_rows  # (not needed for the first frame)

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(key_rows(self.BINDINGS, self._config.keys)))

    def on_help_requested(self, _message: HelpRequested) -> None:
        self.action_help()

    def action_console(self) -> None:
        """Open the XML console over the main screen, or close it (Alt+X toggles)."""
        from xmpptui.ui.main.console import ConsoleScreen  # (not needed for the first frame)

        if isinstance(self.screen, ConsoleScreen):
            self.screen.dismiss(None)
        elif self.session is None:
            self.notify("no session yet: the XML console opens once a login has started", severity="warning")
        else:  # (over a dialog too: a failed login's exchange can be read while its dialog waits)
            self.push_screen(ConsoleScreen(self.session))

    def on_console_requested(self, _message: ConsoleRequested) -> None:
        self.main_screen.composer.clear()
        self.action_console()

    def on_quit_requested(self, _message: QuitRequested) -> None:
        self.run_worker(self.exit_after_logout(), name="quit")

    def on_chat_requested(self, message: ChatRequested) -> None:
        self.main_screen.open_chat(message.jid)

    async def action_quit(self) -> None:
        await self.exit_after_logout()

    async def exit_after_logout(self) -> None:
        if self._quitting:  # a second Ctrl+Q or signal while logging out: the first one finishes the job
            return
        self._quitting = True
        passwords.stop_commands()  # a hanging password_command must not keep us (or itself) running
        if self.session is not None:
            try:
                await asyncio.wait_for(self.session.stop(), 3)
            except Exception as exc:  # quitting must always work; the log has the details
                log.error("logout failed: %s", type(exc).__name__)
        shutdown.release_input()
        self.exit()

    def _quit_on_signal(self, sig: signal.Signals) -> None:
        """SIGTERM, or SIGHUP (the terminal window closed): the same way out as Ctrl+Q, logout first."""
        hung_up = sig is signal.SIGHUP and shutdown.terminal_hung_up()
        log.info("%s: logging out and quitting%s", sig.name, " (the terminal is gone)" if hung_up else "")
        if hung_up:
            shutdown.leave_hung_up_terminal(self._driver)
        self.run_worker(self.exit_after_logout(), name="quit", group="quit", exit_on_error=False)

    def on_unmount(self) -> None:
        self._remove_signal_handlers()
        self.main_screen.previews.close()  # (kitty images out of the terminal's memory)
        if self._title_saved:  # (every way out comes here, while the terminal is still ours)
            self.write_terminal(TITLE_POP)
