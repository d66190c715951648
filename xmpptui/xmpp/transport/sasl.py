"""SCRAM as slixmpp does it, but with client nonces from `secrets`, PBKDF2 in C, and a cap on the
iteration count a server may ask for (a huge count would freeze the client: a CPU denial of service); and a
refused login that stops at the first refusal of the credentials instead of trying them with every mechanism."""

from __future__ import annotations

import hashlib
import logging
import secrets
from typing import Any

from slixmpp.features.feature_mechanisms.stanza import Failure
from slixmpp.util.sasl import client as sasl_client
from slixmpp.util.sasl import mechanisms
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

log = logging.getLogger(__name__)

MAX_SCRAM_ITERATIONS = 100_000
"""Servers use 4,096 to 10,000; far above that is refused before any work is done."""
REFUSAL_SINK = "xmpptui_refusal"
"""feature_mechanisms config key of a callable told why a mechanism was refused."""

ALLOWED_MECHANISMS = frozenset({
    "SCRAM-SHA-512-PLUS", "SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS",
    "SCRAM-SHA-512", "SCRAM-SHA-256", "SCRAM-SHA-1",
    "PLAIN",  # slixmpp allows it only on an encrypted stream (unencrypted_plain stays False)
})
MECHANISM_FAILURES = frozenset({
    "invalid-mechanism", "mechanism-too-weak", "encryption-required", "incorrect-encoding", "malformed-request",
})
"""SASL failures (RFC 6120 6.5) about the mechanism, not the credentials: another mechanism may succeed. Any
other failure (not-authorized, account-disabled, credentials-expired, ...) would be the same with every
mechanism; trying each anyway counts against the account's failed-login limits on the server."""


class HardenedSCRAM(mechanisms.SCRAM):  # type: ignore[misc]
    security = mechanisms.SCRAM.security | {REFUSAL_SINK}

    def _refuse(self, reason: str) -> None:
        sink = self.security_settings.get(REFUSAL_SINK)
        if callable(sink):
            sink(reason)
        raise sasl_client.SASLCancelled(reason)

    def process_1(self, challenge: bytes) -> bytes:
        super().process_1(challenge)
        # slixmpp draws the client nonce from random.random(); replace it with one from secrets.
        user = self.client_first_message_bare.rsplit(b",r=", 1)[0]
        self.cnonce = secrets.token_urlsafe(24).encode()
        self.client_first_message_bare = user + b",r=" + self.cnonce
        self.client_first_message = self.gs2_header + self.client_first_message_bare
        return self.client_first_message

    def process_2(self, challenge: bytes) -> bytes:
        try:
            iterations = int(self.parse(challenge)[b"i"])
        except (KeyError, ValueError):
            self._refuse("the server's SCRAM challenge is malformed")
        if not 0 < iterations <= MAX_SCRAM_ITERATIONS:
            self._refuse(f"the server asked for {iterations} SCRAM iterations (more than {MAX_SCRAM_ITERATIONS} "
                         "would freeze the client); refusing to log in")
        return super().process_2(challenge)

    def Hi(self, text: str, salt: bytes, iterations: int) -> bytes:
        password = text.encode("utf-8") if isinstance(text, str) else text
        return hashlib.pbkdf2_hmac(self.hash().name, password, salt, iterations)


def install() -> None:
    """Make every SCRAM variant in slixmpp's mechanism registry use HardenedSCRAM (idempotent)."""
    for name, mech in list(sasl_client.MECHANISMS.items()):
        if mech is mechanisms.SCRAM:
            sasl_client.MECHANISMS[name] = HardenedSCRAM


def stop_at_refusal(xmpp: Any) -> None:
    """Replace slixmpp's SASL failure handler, which tries the next mechanism whatever the failure, with one
    that does so only for a failure in `MECHANISM_FAILURES`; any other ends the login at once, with the events
    slixmpp sends when every mechanism has failed (`failed_auth`, then `failed_all_auth`)."""
    plugin = xmpp.plugin["feature_mechanisms"]

    def on_failure(failure: Any) -> None:
        condition = failure["condition"]
        if condition in MECHANISM_FAILURES:
            plugin._handle_fail(failure)
            return
        log.info("SASL %s refused (%s): no other mechanism tried", getattr(plugin.mech, "name", "?"), condition)
        plugin.attempted_mechs = set()  # the next login starts afresh
        xmpp.event("failed_auth", failure)
        xmpp.event("failed_all_auth")
        xmpp.disconnect()

    xmpp.remove_handler("SASL Failure")
    xmpp.register_handler(Callback("SASL Failure", MatchXPath(Failure.tag_name()), on_failure, instream=True))
