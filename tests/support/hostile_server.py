"""A tiny loopback XMPP server that plays one misbehaviour per connection (for login-failure tests)."""

from __future__ import annotations

import asyncio
import base64
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Self

STREAM_HEADER = ("<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                 "xmlns:stream='http://etherx.jabber.org/streams' id='hostile' from='localhost' version='1.0'>")

NO_STARTTLS_FEATURES = (
    "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
    "<mechanism>PLAIN</mechanism></mechanisms></stream:features>"
)


def stream_error(condition: str, text: str = "") -> str:
    text_el = f"<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>{text}</text>" if text else ""
    return (f"<stream:error><{condition} xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>{text_el}</stream:error>"
            "</stream:stream>")


class _LoopbackServer:
    """Listens on a free loopback port while used as `async with`; each connection goes to `_handle`."""

    port: int
    _server: asyncio.Server | None

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError


@dataclass
class HostileServer(_LoopbackServer):
    """Answers the client's stream header with `reply`; records everything the client sent."""

    reply: str
    silent: bool = False
    """Accept the TCP connection and never answer (for login timeouts)."""
    on_data: Callable[[bytes], str | None] | None = None
    """Called with everything received so far after each read; what it returns is sent back."""
    received: bytearray = field(default_factory=bytearray)
    port: int = 0
    connections: int = 0
    _server: asyncio.Server | None = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            first = await reader.read(4096)
            self.received += first
            if self.silent:
                while chunk := await reader.read(4096):
                    self.received += chunk
                return
            writer.write((STREAM_HEADER + self.reply).encode())
            await writer.drain()
            while chunk := await asyncio.wait_for(reader.read(4096), 10):
                self.received += chunk
                answer = self.on_data(bytes(self.received)) if self.on_data else None
                if answer:
                    writer.write(answer.encode())
                    await writer.drain()
        except (ConnectionError, TimeoutError):
            pass
        finally:
            writer.close()


SCRAM_ONLY_FEATURES = (
    "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
    "<mechanism>SCRAM-SHA-1</mechanism></mechanisms></stream:features>"
)


def scram_challenger(iterations: int) -> Callable[[bytes], str | None]:
    """Answer the client's SCRAM client-first message with a challenge asking for `iterations`."""
    sent = False

    def answer(received: bytes) -> str | None:
        nonlocal sent
        match = re.search(rb"<auth[^>]*>([^<]+)</auth>", received)
        if sent or match is None:
            return None
        sent = True
        client_first = base64.b64decode(match.group(1))
        cnonce = client_first.rsplit(b"r=", 1)[1]
        challenge = b"r=" + cnonce + b"servernonce,s=" + base64.b64encode(b"salt") + f",i={iterations}".encode()
        return (f"<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>{base64.b64encode(challenge).decode()}"
                "</challenge>")

    return answer


STARTTLS_FEATURES = ("<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"
                     "</stream:features>")


@dataclass
class TlsRedirector(_LoopbackServer):
    """Speaks STARTTLS with `certificate`/`key` (so the client verifies it), then, on the encrypted stream,
    answers with a `see-other-host` redirect to `target`."""

    certificate: str
    key: str
    target: str
    port: int = 0
    connections: int = 0
    encrypted: bool = False
    """The redirect was sent over TLS the client accepted."""
    _server: asyncio.Server | None = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        import ssl

        self.connections += 1
        try:
            await reader.read(4096)
            writer.write((STREAM_HEADER + STARTTLS_FEATURES).encode())
            received = b""
            while b"<starttls" not in received:
                received += await asyncio.wait_for(reader.read(4096), 10)
            writer.write(b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
            await writer.drain()
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.certificate, self.key)
            await writer.start_tls(context)
            await asyncio.wait_for(reader.read(4096), 10)  # the client's stream header, now encrypted
            self.encrypted = True
            redirect = ("<stream:error><see-other-host xmlns='urn:ietf:params:xml:ns:xmpp-streams'>"
                        f"{self.target}</see-other-host></stream:error></stream:stream>")
            writer.write((STREAM_HEADER + redirect).encode())
            await writer.drain()
            await asyncio.wait_for(reader.read(4096), 10)
        except (ConnectionError, TimeoutError, OSError):
            pass
        finally:
            writer.close()
