"""The connection: logging in (every failure said in words), TLS verification and pinned certificates,
redirects, noticing a dead stream (XEP-0199 pings), and reconnecting with backoff for as long as it takes."""

from __future__ import annotations

import asyncio
import logging
import random
import socket
import ssl
import time
from collections.abc import Callable
from typing import Any

from xmpptui.model.events import ConnectionChanged, Notice, Severity
from xmpptui.model.state import ConnectionState, ConnectionStatus, LoginFailure
from xmpptui.passwords import Secret
from xmpptui.pins import PinStore
from xmpptui.xmpp.context import SessionContext
from xmpptui.xmpp.transport import certificate
from xmpptui.xmpp.transport import client as client_factory

log = logging.getLogger(__name__)

RECONNECT_FIRST, RECONNECT_MAX = 1.0, 30.0
_STABLE_AFTER = 30.0
"""Seconds a session must last before the next outage starts the backoff from the beginning again (a server
that drops us right after each login must not be hammered once a second)."""
_LIVENESS_CHECK = 2.0
IDLE_BEFORE_PING = 15.0
"""Seconds of silence from the server after which we ping it (XEP-0199)."""
PING_TIMEOUT = 8.0
"""Seconds to wait for any answer after that ping before we take the stream for dead and reconnect: a dead link
(a suspended laptop, a NAT that forgot us, a stalled peer) is noticed within half a minute."""
_FINAL_FAILURES = (LoginFailure.AUTH, LoginFailure.TLS, LoginFailure.CONFLICT)
"""Failures that trying again would only repeat: the user decides."""


class Connection:
    """`ClientState.connection`, and the one client (`SessionContext.client`) it connects again and again.
    `on_lost` runs when a session is lost (nobody's presence is known meanwhile), `on_stream_ended` when the
    server ends the stream with an error (with its reason: the messages in flight count it), `on_online` once a
    session is online (what waited goes out); the façade gives all three."""

    def __init__(self, ctx: SessionContext, password: Secret, pins: PinStore | None, *,
                 on_lost: Callable[[], None], on_stream_ended: Callable[[str], None],
                 on_online: Callable[[], None]) -> None:
        self._ctx = ctx
        self._state = ctx.state
        self._account = ctx.account
        self._password = password
        self._pins = pins
        self._on_lost = on_lost
        self._on_stream_ended = on_stream_ended
        self._on_online = on_online
        self._login: asyncio.Future[None] | None = None
        self._auth_condition = ""
        self._was_online = False
        self._reconnect_delay = RECONNECT_FIRST
        self._reconnect_task: asyncio.Task[None] | None = None
        self._retry_reason = ""
        """Why the connection was lost, or why the last reconnect attempt failed (shown with the countdown)."""
        self._online_since: float | None = None
        self._liveness: asyncio.TimerHandle | None = None
        self._pinged_at: float | None = None
        """When we pinged a silent server (the event loop's clock), until anything arrives."""
        self._replaced = ""
        """Set when the server ended our stream because another client took our resource (`conflict`)."""
        self._probing = False
        self._redirecting = False

    def build_client(self) -> client_factory.Client:
        """The session's one client, trusting the certificate pinned for the account (if any)."""
        pinned = self._pins.get(self._state.jid) if self._pins is not None else None
        self._ctx.client = client_factory.build(self._account, self._password, pinned)
        return self._ctx.client

    def handlers(self) -> dict[str, Callable[..., Any]]:
        """The slixmpp events this service handles, by name."""
        return {
            "failed_auth": self._on_failed_auth,
            "failed_all_auth": self._on_failed_all_auth,
            "sasl_refused": lambda reason: self._fail(LoginFailure.AUTH, reason),
            "ssl_invalid_chain": self._on_tls_rejected,
            "tls_missing": self._on_tls_missing,
            "connection_failed": self._on_connection_failed,
            "stream_error": self._on_stream_error,
            "stream_violation": self._on_stream_violation,
            "pin_mismatch": self._on_pin_mismatch,
            "redirect_refused": self._on_redirect_refused,
            "redirected": self._on_redirected,
            "disconnected": self._on_disconnected,
        }

    async def stop(self) -> None:
        """Stop reconnecting, say goodbye (unavailable presence) and close the stream."""
        if self._reconnect_task is not None:
            self._reconnect_task.cancel()
        client = self._ctx.client
        if client is None:
            return
        client.cancel_connection_attempt()
        if client.transport is not None:
            client.send_presence(ptype="unavailable")
            await client.disconnect(wait=1.0)
        if self._state.connection.state is not ConnectionState.OFFLINE:
            self.set_state(ConnectionState.OFFLINE, "logged out")

    @property
    def _domain(self) -> str:
        return self._state.jid.split("@", 1)[1]

    @property
    def _address(self) -> tuple[str, int]:
        """Where we connect: the configured host, else the JID's domain; the TLS mode's default port."""
        return self._account.host or self._domain, client_factory.default_port(self._account)

    def set_state(self, state: ConnectionState, reason: str = "",
                  failure: LoginFailure | None = None, certificate: str = "") -> None:
        secure = state is not ConnectionState.ONLINE or self._ctx.client is None or self._ctx.client.encrypted
        self._state.connection = ConnectionStatus(state, reason, failure, secure, certificate)
        self._ctx.emit(ConnectionChanged(self._state.connection))

    async def connect(self, first: bool) -> None:
        assert self._ctx.client is not None
        host, port = self._address
        self._login = asyncio.get_running_loop().create_future()
        self._auth_condition = ""
        self._replaced = ""
        self.set_state(ConnectionState.CONNECTING if first else ConnectionState.RECONNECTING,
                             f"connecting to {host}:{port}")
        if self._account.host or self._account.port:
            self._ctx.client.connect(host, port)
        else:
            self._ctx.client.connect()
        try:
            await asyncio.wait_for(asyncio.shield(self._login), self._account.timeout)
        except TimeoutError:
            self._fail(LoginFailure.TIMEOUT, f"no answer from {host}:{port} within {self._account.timeout:g} s")

    def _fail(self, failure: LoginFailure, reason: str, certificate: str = "") -> None:
        """A login attempt ended without a session. After an outage the reconnect loop tries again (unless the
        failure is one that retrying cannot mend); otherwise stop and say why."""
        if self._login is None or self._login.done():
            return
        log.warning("login failed (%s): %s", failure.value, reason)
        self._login.set_result(None)
        if self._ctx.client is not None:
            self._ctx.client.cancel_connection_attempt()
            self._ctx.client.abort()
        if self._was_online and failure not in _FINAL_FAILURES:
            self._schedule_reconnect(reason)
        else:
            self._was_online = False  # nothing to resume: the user decides (retry, F10, edit the account)
            self._cancel_reconnect()
            self.set_state(ConnectionState.OFFLINE, reason, failure, certificate)

    def _on_failed_auth(self, stanza: Any) -> None:
        if not self._auth_condition:
            self._auth_condition = stanza["condition"] or ""

    def _on_failed_all_auth(self, _event: Any) -> None:
        if not self._auth_condition:
            # No attempt was refused: none of the server's mechanisms is one we accept on this stream.
            self._fail(LoginFailure.AUTH, "the server offers no login method xmpptui accepts on this connection")
            return
        self._fail(LoginFailure.AUTH, f"login refused ({self._auth_condition}): wrong password or unknown user "
                                      f"{self._account.bare_jid}")

    def _on_tls_rejected(self, error: Exception) -> None:
        why = getattr(error, "verify_message", "") or getattr(error, "reason", "") or str(error)
        reason = f"TLS certificate of {self._domain} rejected: {why}"
        if self._pins is None:
            self._fail(LoginFailure.TLS, reason)
        elif not self._probing:
            # Fetch the certificate (unverified, nothing sent over it) so the user can decide to trust it.
            self._probing = True
            self._ctx.spawn(self._fail_with_fingerprint(reason), "fetching the certificate")

    async def _fail_with_fingerprint(self, reason: str) -> None:
        host, port = self._address
        try:
            der = await certificate.fetch_certificate(host, port, self._domain, self._account.tls == "direct",
                                                      timeout=self._account.timeout)
        except (OSError, TimeoutError, ConnectionError) as exc:
            log.info("could not fetch the certificate to show its fingerprint: %s", exc)
            self._fail(LoginFailure.TLS, reason)
        else:
            self._fail(LoginFailure.TLS, reason, certificate.fingerprint(der))
        finally:
            self._probing = False

    def _on_pin_mismatch(self, presented: str) -> None:
        client = self._ctx.client
        self._fail(LoginFailure.TLS, f"THE CERTIFICATE OF {self._domain} HAS CHANGED since you trusted it: this may be "
                                     f"an attack. Trusted SHA-256 {client.pinned if client else '?'}; "
                                     f"presented {presented}. If you know the server changed its certificate, "
                                     f"remove {self._state.jid} from {self._pins.path if self._pins else 'the pins'}.")

    def trust_certificate(self, fingerprint: str) -> None:
        """Trust this certificate for the account from now on (used on the next login attempt)."""
        if self._pins is not None:
            self._pins.trust(self._state.jid, fingerprint)

    def _on_tls_missing(self, _event: Any) -> None:
        self._fail(LoginFailure.TLS, "server did not offer TLS; refusing to log in unencrypted "
                                     "(set allow_plaintext = true for this account to permit it)")

    def _on_connection_failed(self, error: Any) -> None:
        host, port = self._address
        if isinstance(error, ssl.SSLCertVerificationError):
            self._on_tls_rejected(error)
        elif isinstance(error, ConnectionRefusedError):
            self._fail(LoginFailure.REFUSED, f"connection to {host}:{port} refused")
        elif isinstance(error, socket.gaierror) or (isinstance(error, str) and "DNS" in error):
            self._fail(LoginFailure.HOST_NOT_FOUND, f"host {host} not found")
        elif isinstance(error, ssl.SSLError):
            self._fail(LoginFailure.TLS, f"TLS with {host}:{port} failed: {error.reason or error}")
        else:
            self._fail(LoginFailure.REFUSED, f"cannot connect to {host}:{port}: {error}")

    def _on_redirected(self, target: str) -> None:
        """See-other-host on a verified TLS stream: slixmpp closes this connection and connects to `target`."""
        self._redirecting = True
        self.set_state(ConnectionState.CONNECTING, f"redirected to {target}")
        self._ctx.emit(Notice(f"the server redirected us to {target}; its certificate will be verified for that name"))

    def _on_redirect_refused(self, target: str) -> None:
        self._fail(LoginFailure.STREAM_ERROR, f"the server tried to redirect us to {target} before TLS was "
                                              "established; refused (it could be anyone's)")

    def _on_stream_error(self, error: Any) -> None:
        condition = error["condition"]
        if condition == "see-other-host":
            return  # decided by the client: redirected (after TLS) or redirect_refused (before)
        text = error["text"] or ""
        reason = f"server closed the stream ({condition}{': ' + text if text else ''})"
        self._on_stream_ended(reason)
        if condition == "conflict":
            # Another client took our resource. Logging in again would take it back, and that client would do the
            # same: a fight without end. The user decides (F10 logs in again here).
            self._replaced = (f"another client logged in as {self._state.jid}/{self._state.resource} and replaced "
                              "this session; F10 logs in again here (and replaces that one)")
            self._fail(LoginFailure.CONFLICT, self._replaced)
            return
        self._fail(LoginFailure.STREAM_ERROR, reason)
        if self._state.connection.state is ConnectionState.ONLINE:
            self._ctx.emit(Notice(reason, Severity.ERROR))

    def _on_stream_violation(self, reason: str) -> None:
        """We closed the stream because the server broke the XML rules (see StreamGuard)."""
        if self._login is not None and not self._login.done():
            self._fail(LoginFailure.STREAM_ERROR, reason)
        else:
            self._ctx.emit(Notice(f"connection closed: {reason}", Severity.ERROR))

    @property
    def attempt_alive(self) -> bool:
        """The login attempt under way still has its connection. A session set up on a connection lost meanwhile
        (the reconnect loop has moved on) must not go online: we would be "online" on a dead stream."""
        alive = self._login is not None and not self._login.done() and self._ctx.client is not None \
            and self._ctx.client.transport is not None
        if not alive:
            log.info("session set up on a connection that is gone: not online")
        return alive

    def now_online(self) -> None:
        assert self._ctx.client is not None
        log.info("online as %s (%s)", self._ctx.client.boundjid, "TLS" if self._ctx.client.encrypted else "NO TLS")
        self._was_online = True
        self._online_since = time.monotonic()
        self._watch_liveness()
        self.set_state(ConnectionState.ONLINE,
                       "" if self._ctx.client.encrypted else "unencrypted: plaintext allowed for this account")
        if self._login is not None and not self._login.done():
            self._login.set_result(None)
        self._on_online()

    def _watch_liveness(self) -> None:
        if self._liveness is None:
            self._liveness = asyncio.get_running_loop().call_later(_LIVENESS_CHECK, self._check_liveness)

    def _check_liveness(self) -> None:
        """Ping a server that has been silent for a while; drop a stream that stays silent after the ping."""
        self._liveness = None
        client = self._ctx.client
        if self._ctx.stopping or client is None or client.transport is None \
                or self._state.connection.state is not ConnectionState.ONLINE:
            return
        now = client.loop.time()
        if self._pinged_at is not None and client.last_received < self._pinged_at:
            if now - self._pinged_at >= PING_TIMEOUT:
                log.warning("no answer from the server %.0f s after a ping: the stream is dead", now - self._pinged_at)
                self._pinged_at = None
                client.violation = f"no answer from the server for {now - client.last_received:.0f} s"
                client.abort()  # -> disconnected -> reconnect (resuming the stream if the server kept it)
                return
        elif now - client.last_received >= IDLE_BEFORE_PING:
            self._pinged_at = now
            client.ping_server(PING_TIMEOUT)
        else:
            self._pinged_at = None
        self._watch_liveness()

    def _on_disconnected(self, reason: Any) -> None:
        if self._ctx.stopping:
            return
        if self._redirecting:
            self._redirecting = False  # slixmpp is connecting to the new host; the login goes on there
            return
        if self._login is not None and not self._login.done():
            if isinstance(reason, OSError):
                self._on_connection_failed(reason)
            else:
                self._fail(LoginFailure.REFUSED,
                           f"the server closed the connection during login ({reason or 'no reason given'})")
            return
        if self._replaced:
            self._was_online = False
            self._cancel_reconnect()
            self._on_lost()
            self.set_state(ConnectionState.OFFLINE, self._replaced, LoginFailure.CONFLICT)
            self._ctx.emit(Notice(self._replaced, Severity.ERROR))
            return
        if self._was_online and self._state.connection.state is ConnectionState.ONLINE:
            # Presence is kept while we reconnect: a resumed stream keeps it, a new session replaces it.
            why = (self._ctx.client.violation if self._ctx.client else "") or reason or "closed by the server"
            self._schedule_reconnect(f"connection lost ({why})")

    def _schedule_reconnect(self, reason: str) -> None:
        """Reconnect with exponential backoff and jitter, attempt after attempt, for as long as it takes; the
        status shows the reason and a countdown each second. One loop runs at a time: a failure during an
        attempt only tells the loop why (the loop itself decides to wait and try again)."""
        log.info("%s; reconnecting", reason)
        self._retry_reason = reason
        if self._online_since is not None and time.monotonic() - self._online_since >= _STABLE_AFTER:
            self._reconnect_delay = RECONNECT_FIRST  # a session that lasted: this is a new outage
        self._online_since = None
        self._on_lost()
        if self._reconnect_task is None or self._reconnect_task.done():
            # At once, not when the task first runs: until then a message sent would go to a dead stream, where
            # slixmpp holds it outside stream management and we could not know to send it again.
            self.set_state(ConnectionState.RECONNECTING, f"{reason}; retrying soon")
            self._reconnect_task = asyncio.get_running_loop().create_task(self._reconnect_loop())

    def _next_delay(self) -> float:
        delay = self._reconnect_delay * random.uniform(0.8, 1.2)
        self._reconnect_delay = min(RECONNECT_MAX, self._reconnect_delay * 2)
        return delay

    async def _reconnect_loop(self, wait: bool = True) -> None:
        while not self._ctx.stopping:
            if wait:
                delay = self._next_delay()
                deadline = time.monotonic() + delay
                while (left := deadline - time.monotonic()) > 0:
                    self.set_state(ConnectionState.RECONNECTING,
                                         f"{self._retry_reason}; retrying in {left:.0f} s")
                    await asyncio.sleep(min(1.0, left))
                if self._ctx.stopping:
                    return
            wait = True
            await self.connect(first=False)
            if self._state.connection.state is not ConnectionState.RECONNECTING:
                return  # online, or a failure that retrying cannot mend (said in the status)

    def _cancel_reconnect(self) -> None:
        task, self._reconnect_task = self._reconnect_task, None
        if task is not None and not task.done() and task is not asyncio.current_task():
            task.cancel()

    def reconnect_now(self) -> None:
        """Skip the rest of the backoff wait; after a session was replaced (`conflict`), log in again."""
        if self._ctx.stopping or self._ctx.client is None:
            return
        connection = self._state.connection
        replaced = connection.state is ConnectionState.OFFLINE and connection.failure is LoginFailure.CONFLICT
        if connection.state is not ConnectionState.RECONNECTING and not replaced:
            return
        self._cancel_reconnect()
        self._reconnect_delay = RECONNECT_FIRST
        self._was_online = True
        self._retry_reason = connection.reason or "reconnecting"
        self.set_state(ConnectionState.RECONNECTING, "reconnecting now")
        self._reconnect_task = asyncio.get_running_loop().create_task(self._reconnect_loop(wait=False))
