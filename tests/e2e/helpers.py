"""Running the real app with the real session against a private server, driven by Pilot."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial

from textual.pilot import Pilot

from tests.support.peer import Peer
from tests.support.server import Account as ServerAccount
from tests.support.server import XmppServer
from xmpptui.config import Account, Config
from xmpptui.model.state import ConnectionState
from xmpptui.passwords import Secret
from xmpptui.storage.history import History
from xmpptui.ui.app import XmppTuiApp
from xmpptui.xmpp.session import XmppSession

SIZE = (120, 36)


def make_app(server: XmppServer, account: ServerAccount, password: str | None = None, *,
             ca_file: str | None = None, config: Config | None = None, history: History | None = None,
             clock: Callable[[], float] = time.time, session_type: type[XmppSession] = XmppSession) -> XmppTuiApp:
    """`clock`: the session's idea of the time (to make it disagree with the server's); `session_type`: the
    session (a subclass, to see its events as they are emitted)."""
    client_account = Account(jid=account.jid, host=server.host, port=server.c2s_port,
                             ca_file=str(server.ca_file) if ca_file is None else ca_file, timeout=10)
    secret = account.password if password is None else password
    return XmppTuiApp(config or Config(), client_account, partial(session_type, history=history, clock=clock),
                      password_resolver=lambda _account: Secret(secret), save_accounts=False, history=history)


async def until(pilot: Pilot, predicate: Callable[[], object], timeout: float = 10.0, what: str = "") -> None:
    """Let the app run until `predicate()` is true (no fixed sleeps: poll the condition)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        await pilot.pause(0.02)


async def logged_in(pilot: Pilot) -> None:
    app = pilot.app
    assert isinstance(app, XmppTuiApp)
    await until(pilot, lambda: app.session is not None
                and app.session.state.connection.state is ConnectionState.ONLINE
                and app.session.state.own_presence.available, what="login")
    await pilot.pause()


def roster_rows(app: XmppTuiApp) -> list[str]:
    roster = app.main_screen.roster
    return [roster.row_text(i) for i in range(roster.row_count)]


def bodies(app: XmppTuiApp, jid: str) -> list[str]:
    """Message bodies held for a conversation (hidden logs are not laid out, so they have no lines yet)."""
    conversation = app.session.state.conversations.get(jid) if app.session else None
    return [] if conversation is None else [m.body for m in conversation.messages]


def log_lines(app: XmppTuiApp, jid: str) -> list[str]:
    """The lines of a conversation's log as shown (only once it has been on screen)."""
    log = app.main_screen.chat_log(jid)
    return [] if log is None else log.plain_lines()


async def dialog_text(pilot: Pilot, screen_type: type, selector: str) -> str:
    """Wait for a dialog of `screen_type` and return the plain text of one of its widgets."""
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, screen_type) and app.screen.query(selector),
                what=f"{screen_type.__name__} {selector}")
    return str(app.screen.query_one(selector).render())


async def friends(server: XmppServer, peers: list[Peer], resource: str = "peer") -> tuple[
        ServerAccount, ServerAccount, Peer]:
    """Alice and Bob, fresh accounts on each other's roster, and Bob logged in as a plain client (disconnected
    after the test, through `peers`)."""
    alice, bob = server.register(), server.register()
    server.befriend(alice, bob, "Alice", "Bob")
    peer = await Peer(server, bob, resource).connect()
    peers.append(peer)
    return alice, bob, peer
