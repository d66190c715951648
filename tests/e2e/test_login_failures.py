"""Every way a login can fail is said in words on screen; the app keeps running."""

from __future__ import annotations

import base64
import re
import socket
import time

from tests.e2e.helpers import SIZE, dialog_text, until
from tests.support.hostile_server import (
    NO_STARTTLS_FEATURES,
    SCRAM_ONLY_FEATURES,
    HostileServer,
    scram_challenger,
    stream_error,
)
from xmpptui.config import Account, Config
from xmpptui.model.state import LoginFailure
from xmpptui.passwords import Secret
from xmpptui.ui.app import XmppTuiApp
from xmpptui.ui.login.login_error import LoginErrorScreen
from xmpptui.xmpp.session import XmppSession


def _app(port: int, host: str = "127.0.0.1", timeout: float = 10, jid: str = "alice@localhost",
         allow_plaintext: bool = False) -> XmppTuiApp:
    account = Account(jid=jid, host=host, port=port, timeout=timeout, allow_plaintext=allow_plaintext)
    return XmppTuiApp(Config(), account, XmppSession, password_resolver=lambda _a: Secret("secret"),
                      save_accounts=False)


async def _failure(app: XmppTuiApp) -> tuple[LoginFailure | None, str]:
    async with app.run_test(size=SIZE) as pilot:
        reason = await dialog_text(pilot, LoginErrorScreen, "#login-error-reason")
        assert app.is_running
        failure = app.session.state.connection.failure
        await pilot.press("escape")
        await until(pilot, lambda: not app.is_running, what="quit from the error screen")
        return failure, reason


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_connection_refused() -> None:
    port = _closed_port()
    failure, reason = await _failure(_app(port))
    assert failure is LoginFailure.REFUSED
    assert reason == f"connection to 127.0.0.1:{port} refused"


async def test_host_not_found() -> None:
    failure, reason = await _failure(_app(5222, host="no-such-host.invalid"))
    assert failure is LoginFailure.HOST_NOT_FOUND
    assert reason == "host no-such-host.invalid not found"


async def test_timeout_when_the_server_never_answers() -> None:
    async with HostileServer("", silent=True) as server:
        failure, reason = await _failure(_app(server.port, timeout=1))
    assert failure is LoginFailure.TIMEOUT
    assert reason == f"no answer from 127.0.0.1:{server.port} within 1 s"


async def test_server_stream_error() -> None:
    async with HostileServer(stream_error("system-shutdown", "back in 5 minutes")) as server:
        failure, reason = await _failure(_app(server.port))
    assert failure is LoginFailure.STREAM_ERROR
    assert reason == "server closed the stream (system-shutdown: back in 5 minutes)"


async def test_server_without_starttls_is_refused_and_the_password_never_sent() -> None:
    async with HostileServer(NO_STARTTLS_FEATURES) as server:
        failure, reason = await _failure(_app(server.port))
    assert failure is LoginFailure.TLS
    assert reason.startswith("server did not offer TLS")
    assert b"<auth" not in server.received
    assert b"c2VjcmV0" not in server.received  # base64 of the password


async def test_doctype_in_the_stream_is_refused() -> None:
    billion_laughs = "<!DOCTYPE lolz [<!ENTITY lol 'lol'><!ENTITY lol2 '&lol;&lol;&lol;'>]><x>&lol2;</x>"
    async with HostileServer(billion_laughs) as server:
        failure, reason = await _failure(_app(server.port))
    assert failure is LoginFailure.STREAM_ERROR
    assert reason == "the server sent a DTD, entity declaration or comment, which XMPP forbids"
    assert b"restricted-xml" in server.received


async def test_oversized_start_tag_is_refused_with_memory_bounded() -> None:
    huge = "<stream:features attr='" + "A" * (3 * 1024 * 1024) + "'/>"
    async with HostileServer(huge) as server:
        failure, reason = await _failure(_app(server.port))
    assert failure is LoginFailure.STREAM_ERROR
    assert reason == "the server sent a stanza larger than 1024 KiB"


async def test_deep_nesting_is_refused() -> None:
    async with HostileServer("<a>" * 500) as server:
        failure, reason = await _failure(_app(server.port))
    assert failure is LoginFailure.STREAM_ERROR
    assert reason == "the server nested XML deeper than 64 levels"


async def test_absurd_scram_iteration_count_is_refused_at_once() -> None:
    async with HostileServer(SCRAM_ONLY_FEATURES, on_data=scram_challenger(10**9)) as server:
        started = time.monotonic()
        failure, reason = await _failure(_app(server.port, allow_plaintext=True))
        elapsed = time.monotonic() - started
    assert failure is LoginFailure.AUTH
    assert reason.startswith("the server asked for 1000000000 SCRAM iterations")
    assert elapsed < 5, "no hashing was attempted"
    client_first = base64.b64decode(re.search(rb"<auth[^>]*>([^<]+)</auth>", server.received).group(1))
    cnonce = client_first.rsplit(b"r=", 1)[1]
    assert len(cnonce) >= 32 and not cnonce.isdigit(), "the client nonce comes from secrets, not random()"


async def test_redirect_before_tls_is_not_followed() -> None:
    async with HostileServer("", silent=True) as decoy:
        redirect = ("<stream:error><see-other-host xmlns='urn:ietf:params:xml:ns:xmpp-streams'>"
                    f"127.0.0.1:{decoy.port}</see-other-host></stream:error></stream:stream>")
        async with HostileServer(redirect) as server:
            failure, reason = await _failure(_app(server.port))
    assert failure is LoginFailure.STREAM_ERROR
    assert reason == (f"the server tried to redirect us to 127.0.0.1:{decoy.port} before TLS was established; "
                      "refused (it could be anyone's)")
    assert decoy.received == b"", "no connection was made to the redirect target"
    assert decoy.connections == 0
