"""What every private test server offers (Prosody, ejabberd): the `XmppServer` protocol, accounts, the CA."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

DOMAIN = "localhost"
MUC_DOMAIN = "conference.localhost"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_tls(tls_dir: Path) -> None:
    """A test CA and a server certificate for localhost, conference.localhost and 127.0.0.1."""
    tls_dir.mkdir(parents=True)
    ext = tls_dir / "san.ext"
    ext.write_text("subjectAltName=DNS:localhost,DNS:conference.localhost,IP:127.0.0.1\n")

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=tls_dir, check=True, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj", "/CN=xmpptui test CA",
        "-keyout", "ca.key", "-out", "ca.crt")
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key",
        "-out", "server.csr")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", "30", "-extfile", "san.ext", "-out", "server.crt")


@dataclass(frozen=True)
class RosterSeed:
    """One roster entry given to an account before its first login."""

    jid: str
    name: str | None = None
    groups: tuple[str, ...] = ()
    subscription: str = "both"
    ask: bool = False


@dataclass
class Account:
    user: str
    password: str
    domain: str = DOMAIN

    @property
    def jid(self) -> str:
        return f"{self.user}@{self.domain}"


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

    def register(self, user: str | None = None, password: str | None = None) -> Account: ...

    def seed_roster(self, owner: Account, entries: Iterable[RosterSeed]) -> None:
        """Give `owner` these roster entries. Only valid before the owner's first login."""

    def befriend(self, a: Account, b: Account, a_name: str | None = None, b_name: str | None = None,
                 groups: Mapping[str, tuple[str, ...]] | None = None) -> None:
        """Mutual `both` subscriptions between two fresh accounts (before either logs in)."""
