"""What a private XMPP server on loopback needs and offers: its domains, a free port, a CA of its own, accounts.

Shared by the demo's Prosody (`prosody.py`) and the test suite's servers (tests/support: Prosody and ejabberd).
"""

from __future__ import annotations

import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

DOMAIN = "localhost"
MUC_DOMAIN = "conference.localhost"
UPLOAD_DOMAIN = "upload.localhost"
"""The HTTP File Upload service (XEP-0363) of both private servers; its HTTPS URLs name DOMAIN."""
NO_UPLOAD_DOMAIN = "noupload.test"
"""A second domain of both private servers, with accounts but no upload service (not a subdomain of DOMAIN, so
that DOMAIN's disco items do not list it)."""
UPLOAD_LIMIT = 10 * 1024 * 1024
"""The largest file the private servers' upload services take, in bytes (both advertise it as max-file-size)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_tls(tls_dir: Path) -> None:
    """A test CA and a server certificate for localhost, conference.localhost, the domain without an upload service
and 127.0.0.1."""
    tls_dir.mkdir(parents=True)
    ext = tls_dir / "san.ext"
    ext.write_text(f"subjectAltName=DNS:localhost,DNS:conference.localhost,DNS:{NO_UPLOAD_DOMAIN},IP:127.0.0.1\n")

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


class ServerAddress(Protocol):
    """Where a client reaches a private server, and the CA it must trust for it."""

    @property
    def host(self) -> str: ...

    @property
    def c2s_port(self) -> int: ...

    @property
    def ca_file(self) -> Path: ...
