"""Builds the slixmpp client: every plugin and every safety override is registered here, in one place."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import slixmpp

from xmpptui.config import Account

log = logging.getLogger(__name__)

PLUGINS = ("xep_0030", "xep_0199", "xep_0203")


class TlsMissing(Exception):
    """The server offered no STARTTLS and the account does not allow plaintext."""


class Client(slixmpp.ClientXMPP):
    """ClientXMPP with xmpptui's safer defaults."""

    def __init__(self, account: Account, password: str, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(f"{account.bare_jid}/{account.resource}", password, loop=loop)
        self.account = account
        # Subscriptions are the user's decision (RFC 6121 3.1.3); slixmpp would answer them itself.
        self.roster.auto_authorize = None
        self.roster.auto_subscribe = False
        self.enable_direct_tls = account.tls == "direct"
        self.enable_starttls = account.tls == "starttls"
        self.enable_plaintext = False
        if account.ca_file:
            self.ca_certs = Path(account.ca_file).expanduser()
        self.use_ipv6 = True
        for plugin in PLUGINS:
            self.register_plugin(plugin)

    @property
    def encrypted(self) -> bool:
        return self.transport is not None and self.transport.get_extra_info("ssl_object") is not None

    async def _handle_stream_features(self, features):  # type: ignore[override]
        """Refuse to authenticate on a stream the server did not let us encrypt."""
        if not self.encrypted and "starttls" not in features["features"] and not self.account.allow_plaintext:
            log.error("server offered no STARTTLS; refusing to continue in plaintext")
            self.event("tls_missing")
            self.abort()
            return True
        return await super()._handle_stream_features(features)


def build(account: Account, password: str) -> Client:
    return Client(account, password, asyncio.get_running_loop())


def default_port(account: Account) -> int:
    return account.port or (5223 if account.tls == "direct" else 5222)
