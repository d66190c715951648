"""What every private test server offers (Prosody, ejabberd): the `XmppServer` protocol, accounts, the CA."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Protocol

from xmpptui.demo.server import (
    DOMAIN,
    MUC_DOMAIN,
    NO_UPLOAD_DOMAIN,
    UPLOAD_DOMAIN,
    UPLOAD_LIMIT,
    Account,
    RosterSeed,
    free_port,
    make_tls,
)

__all__ = ["DOMAIN", "MUC_DOMAIN", "NO_UPLOAD_DOMAIN", "UPLOAD_DOMAIN", "UPLOAD_LIMIT", "Account", "RosterSeed",
           "XmppServer", "free_port", "make_tls"]


class XmppServer(Protocol):
    """A running private server on loopback that tests can take without knowing which one it is."""

    kind: str
    """"prosody" or "ejabberd": for test ids and for the few xfail marks that name a server's behaviour."""

    @property
    def host(self) -> str: ...

    @property
    def c2s_port(self) -> int: ...

    @property
    def direct_tls_port(self) -> int: ...

    @property
    def ca_file(self) -> Path: ...

    @property
    def root(self) -> Path: ...

    def stop(self) -> None: ...

    def halt(self) -> None:
        """Stop the server as an outage would, keeping its data for `resume()`."""

    def resume(self) -> None:
        """Start it again after `halt()`, on the same ports, from the same data."""

    def logs(self) -> str: ...

    def register(self, user: str | None = None, password: str | None = None, domain: str = DOMAIN) -> Account:
        """A fresh account on DOMAIN, or on NO_UPLOAD_DOMAIN (the same server, without an upload service)."""

    def seed_roster(self, owner: Account, entries: Iterable[RosterSeed]) -> None:
        """Give `owner` these roster entries. Only valid before the owner's first login."""

    def befriend(self, a: Account, b: Account, a_name: str | None = None, b_name: str | None = None,
                 groups: Mapping[str, tuple[str, ...]] | None = None) -> None:
        """Mutual `both` subscriptions between two fresh accounts (before either logs in)."""
