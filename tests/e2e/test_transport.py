"""Transport choices: direct TLS (XEP-0368), the plaintext opt-in shown as insecure, and secret-free logs."""

from __future__ import annotations

import base64
import logging
import subprocess
from dataclasses import replace
from functools import partial
from pathlib import Path

from tests.e2e.helpers import SIZE, dialog_text, logged_in, make_app, until
from tests.support.prosody import Prosody
from tests.support.server import XmppServer
from xmpptui import logs
from xmpptui.config import Account, Config
from xmpptui.model.state import ConnectionState
from xmpptui.passwords import Secret
from xmpptui.pins import PinStore
from xmpptui.ui.app import XmppTuiApp
from xmpptui.ui.login.login_error import LoginErrorScreen
from xmpptui.ui.main.status_bar import StatusBar
from xmpptui.xmpp.session import XmppSession


async def test_direct_tls(server: XmppServer) -> None:
    alice = server.register()
    app = make_app(server, alice)
    app._account = replace(app._account, tls="direct", port=server.direct_tls_port)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        assert app.session.state.connection.secure
        assert "INSECURE" not in str(app.main_screen.query_one(StatusBar).render())


async def test_plaintext_only_with_opt_in_and_shown_as_insecure() -> None:
    server = Prosody.start(tls=False)
    try:
        alice = server.register()
        refused = make_app(server, alice)
        async with refused.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: refused.session and refused.session.state.connection.failure, what="refusal")
            assert "server did not offer TLS" in refused.session.state.connection.reason

        allowed = make_app(server, alice)
        allowed._account = replace(allowed._account, allow_plaintext=True)
        async with allowed.run_test(size=SIZE) as pilot:
            await logged_in(pilot)
            assert not allowed.session.state.connection.secure
            bar = allowed.main_screen.query_one(StatusBar)
            assert "INSECURE (no TLS)" in str(bar.render())
            assert bar.has_class("-insecure")
    finally:
        server.stop()


async def test_debug_log_has_stanzas_but_no_credentials(server: XmppServer, tmp_path: Path) -> None:
    alice = server.register()
    log_path = tmp_path / "xmpptui.log"
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    logs.setup(log_path, debug=True)
    try:
        session = XmppSession(Account(jid=alice.jid, host=server.host, port=server.c2s_port,
                                      ca_file=str(server.ca_file)), Secret(alice.password))
        await session.start(lambda event: None)
        assert session.state.connection.state is ConnectionState.ONLINE
        await session.stop()
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
            handler.close()
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])
    text = log_path.read_text()
    assert "SEND: <auth" in text and "[redacted]" in text, "stanzas are logged, SASL payloads redacted"
    assert alice.password not in text
    assert base64.b64encode(alice.password.encode()).decode()[:12] not in text
    assert oct(log_path.stat().st_mode & 0o777) == "0o600"


def _openssl_fingerprint(cert: Path) -> str:
    out = subprocess.run(["openssl", "x509", "-in", str(cert), "-noout", "-fingerprint", "-sha256"],
                         capture_output=True, text=True, check=True).stdout
    return out.strip().split("=", 1)[1]


async def test_untrusted_certificate_can_be_trusted_on_first_use_and_a_change_is_refused(
        server: XmppServer, tmp_path: Path) -> None:
    alice = server.register()
    store = PinStore(tmp_path / "pins.json")
    account = Account(jid=alice.jid, host=server.host, port=server.c2s_port, timeout=10)  # no CA file
    app = XmppTuiApp(Config(), account, partial(XmppSession, pins=store),
                     password_resolver=lambda _a: Secret(alice.password), save_accounts=False)
    expected = _openssl_fingerprint(server.root / "tls" / "server.crt")
    async with app.run_test(size=SIZE) as pilot:
        shown = await dialog_text(pilot, LoginErrorScreen, "#login-error-certificate")
        assert expected in shown
        await pilot.press("t")
        await logged_in(pilot)
        assert store.get(alice.jid) == expected
        assert oct(store.path.stat().st_mode & 0o777) == "0o600"

    store.trust(alice.jid, "AA:" * 31 + "AA")  # as if the server's certificate had been swapped
    changed = XmppTuiApp(Config(), account, partial(XmppSession, pins=store),
                         password_resolver=lambda _a: Secret(alice.password), save_accounts=False)
    async with changed.run_test(size=SIZE) as pilot:
        reason = await dialog_text(pilot, LoginErrorScreen, "#login-error-reason")
        assert "HAS CHANGED since you trusted it" in reason and expected in reason
        assert not changed.screen.query("#login-error-certificate"), "no offer to trust a changed certificate"
        assert changed.session.state.connection.state is ConnectionState.OFFLINE


async def test_redirect_after_tls_is_followed_with_the_new_host_verified(server: XmppServer) -> None:
    from tests.support.hostile_server import TlsRedirector

    alice = server.register()
    tls = server.root / "tls"
    async with TlsRedirector(str(tls / "server.crt"), str(tls / "server.key"),
                             target=f"localhost:{server.c2s_port}") as redirector:
        app = make_app(server, alice)
        app._account = replace(app._account, host="127.0.0.1", port=redirector.port)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await logged_in(pilot)
            assert redirector.encrypted, "the redirect came over TLS the client had verified"
            assert app.session.state.connection.secure
            # (read off the notifications shown: the login, and so the redirect, may begin before the first frame)
            notices = [str(notification.message) for notification in app._notifications]
            assert any(f"redirected us to localhost:{server.c2s_port}" in n for n in notices), notices


async def test_redirect_after_tls_to_a_host_with_an_untrusted_certificate_is_refused(
        server: XmppServer, tmp_path: Path) -> None:
    from tests.support.hostile_server import TlsRedirector

    alice = server.register()
    tls = server.root / "tls"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(tmp_path / "evil.key"),
                    "-out", str(tmp_path / "evil.crt")], check=True, capture_output=True)
    async with TlsRedirector(str(tmp_path / "evil.crt"), str(tmp_path / "evil.key"), target="unused:1") as evil, \
            TlsRedirector(str(tls / "server.crt"), str(tls / "server.key"),
                          target=f"localhost:{evil.port}") as redirector:
        app = make_app(server, alice)
        app._account = replace(app._account, host="127.0.0.1", port=redirector.port)
        async with app.run_test(size=SIZE) as pilot:
            text = await dialog_text(pilot, LoginErrorScreen, "#login-error-reason")
            assert "TLS certificate" in text and "rejected" in text, text
            assert not evil.encrypted, "nothing was sent over the unverified connection"
