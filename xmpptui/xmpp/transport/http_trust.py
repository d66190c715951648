"""The account's trust for HTTPS (uploads, downloads): its CA file if it names one, else the system's CAs;
verification is never off. A certificate no CA vouches for is trusted only if it is exactly the one the user
pinned for the account (the XMPP server's own, which its upload host often presents)."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xmpptui.config import Account

if TYPE_CHECKING:
    import aiohttp


def http_trust(account: Account) -> ssl.SSLContext:
    ca_file = account.ca_file
    return ssl.create_default_context(cafile=str(Path(ca_file).expanduser()) if ca_file else None)


def pinned_digest(pinned: str | None) -> bytes | None:
    """The SHA-256 of the certificate the user trusted for this account (`Client.pinned`, hex with or without
    colons), if it is one."""
    if not pinned:
        return None
    try:
        digest = bytes.fromhex(pinned.replace(":", ""))
    except ValueError:
        return None
    return digest if len(digest) == 32 else None


async def get_trusted(http: aiohttp.ClientSession, url: str, account: Account, pinned: bytes | None,
                      **options: Any) -> aiohttp.ClientResponse:
    """GET `url` trusting what the account trusts. When no CA vouches for the server and the user pinned a
    certificate for the account (`pinned_digest`), that one is trusted instead, before a byte is read: the
    account's own server, whose upload host often presents it (aiohttp.ServerFingerprintMismatch if it is
    another)."""
    import aiohttp

    try:
        return await http.get(url, ssl=http_trust(account), **options)
    except aiohttp.ClientConnectorCertificateError:
        if pinned is None:
            raise
        return await http.get(url, ssl=aiohttp.Fingerprint(pinned), **options)
