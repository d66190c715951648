"""Fetching a server's certificate without trusting it, to show its fingerprint (trust on first use).

The probe speaks just enough XMPP to reach TLS (a stream header, <starttls/>) and then hangs up: nothing
is authenticated over the unverified connection.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import ssl

_PROCEED = re.compile(rb"<(?:\w+:)?proceed\b")
_FEATURES_END = re.compile(rb"</(?:\w+:)?features>")


def fingerprint(der: bytes) -> str:
    """SHA-256 of the DER certificate, as colon-separated upper-case hex (as `openssl x509 -fingerprint`)."""
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def unverified_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


async def _read_until(reader: asyncio.StreamReader, pattern: re.Pattern[bytes], received: bytes) -> bytes:
    while not pattern.search(received):
        chunk = await reader.read(4096)
        if not chunk:
            raise ConnectionError("the server closed the connection before TLS")
        received += chunk
    return received


async def fetch_certificate(host: str, port: int, domain: str, direct_tls: bool, timeout: float = 10.0) -> bytes:
    """The DER certificate the server presents for `domain` (no verification, no authentication)."""
    async def probe() -> bytes:
        if direct_tls:
            _, writer = await asyncio.open_connection(host, port, ssl=unverified_context(), server_hostname=domain)
        else:
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(f"<?xml version='1.0'?><stream:stream to='{domain}' xmlns='jabber:client' "
                         "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>".encode())
            received = await _read_until(reader, _FEATURES_END, b"")
            if b"urn:ietf:params:xml:ns:xmpp-tls" not in received:
                raise ConnectionError("the server offers no STARTTLS")
            writer.write(b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
            await _read_until(reader, _PROCEED, received)
            await writer.start_tls(unverified_context(), server_hostname=domain)
        try:
            ssl_object = writer.get_extra_info("ssl_object")
            return ssl_object.getpeercert(binary_form=True)
        finally:
            writer.close()

    return await asyncio.wait_for(probe(), timeout)
