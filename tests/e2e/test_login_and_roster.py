"""Login, the roster from the server, live presence and roster pushes, and login failures in words."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from tests.e2e.helpers import SIZE, dialog_text, logged_in, make_app, roster_rows, until
from tests.support.peer import Peer
from tests.support.server import RosterSeed, XmppServer
from xmpptui.ui.chat.composer import Composer
from xmpptui.ui.login.login_error import LoginErrorScreen


async def test_login_shows_roster_with_presence(server: XmppServer, peers: list[Peer]) -> None:
    alice, bob, carol = server.register(), server.register(), server.register()
    server.seed_roster(alice, [RosterSeed(bob.jid, "Bob Builder", ("Friends",)),
                                RosterSeed(carol.jid, None, ("Work",))])
    server.seed_roster(bob, [RosterSeed(alice.jid, "Alice")])
    peers.append(await Peer(server, bob).connect(pshow="away", pstatus="at the ball"))

    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        assert isinstance(app.focused, Composer), "the composer has focus after login"
        await until(pilot, lambda: any("at the ball" in row for row in roster_rows(app)), what="bob's presence")
        rows = roster_rows(app)
        assert rows[0].startswith("▾ Friends (1/1)")
        assert "◐ Bob Builder" in rows[1] and "at the ball" in rows[1]
        assert rows[2].startswith("▾ Work (0/1)")
        assert f"○ {carol.jid}" in rows[3]


async def test_roster_push_appears_live(server: XmppServer, peers: list[Peer]) -> None:
    alice, dave = server.register(), server.register()
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        assert roster_rows(app) == []
        other_device = await Peer(server, alice, resource="phone").connect()
        peers.append(other_device)
        await other_device.client.update_roster(dave.jid, name="Dave", groups=["New"])
        await until(pilot, lambda: any("Dave" in row for row in roster_rows(app)), what="pushed contact")
        assert roster_rows(app)[0].startswith("▾ New (0/1)")


async def test_wrong_password_is_explained(server: XmppServer) -> None:
    alice = server.register()
    app = make_app(server, alice, password="not-the-password")
    async with app.run_test(size=SIZE) as pilot:
        reason = await dialog_text(pilot, LoginErrorScreen, "#login-error-reason")
        assert "wrong password" in reason and "not-authorized" in reason
        await pilot.press("q")
        await until(pilot, lambda: not app.is_running, what="quit from the error screen")


async def test_a_wrong_password_is_tried_once_not_with_every_mechanism(
        server: XmppServer, caplog: pytest.LogCaptureFixture) -> None:
    """A refused password would be refused by every mechanism; each try counts against the server's limits on
    failed logins (ejabberd logs each one)."""
    alice = server.register()
    server_log = server.root / "logs" / "ejabberd.log"  # Prosody does not log a failed login at info
    logged_before = server_log.read_text(errors="replace") if server_log.exists() else ""
    caplog.set_level(logging.DEBUG, logger="slixmpp.xmlstream.xmlstream")
    app = make_app(server, alice, password="not-the-password")
    async with app.run_test(size=SIZE) as pilot:
        reason = await dialog_text(pilot, LoginErrorScreen, "#login-error-reason")
        assert reason == f"login refused (not-authorized): wrong password or unknown user {alice.jid}"
    sent_auth = [r for r in caplog.records if r.getMessage().startswith("SEND: <auth ")]
    assert len(sent_auth) == 1, [r.getMessage()[:60] for r in sent_auth]
    if server.kind == "ejabberd":
        def failures() -> list[str]:
            logged = server_log.read_text(errors="replace")[len(logged_before):]
            return [line for line in logged.splitlines() if "Failed c2s" in line and alice.user in line]

        deadline = time.monotonic() + 10
        while not failures():  # ejabberd writes its log a moment later
            assert time.monotonic() < deadline, "ejabberd never logged the failed login"
            await asyncio.sleep(0.05)
        assert len(failures()) == 1, failures()


async def test_untrusted_certificate_is_explained(server: XmppServer) -> None:
    alice = server.register()
    app = make_app(server, alice, ca_file="")
    async with app.run_test(size=SIZE) as pilot:
        reason = await dialog_text(pilot, LoginErrorScreen, "#login-error-reason")
        assert "TLS certificate of localhost rejected" in reason
        assert "certificate verify failed" in reason or "unable to get local issuer" in reason
        assert app.is_running
