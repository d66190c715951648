"""A tiny loopback XMPP server that plays one misbehaviour per connection (for login-failure tests)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

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


@dataclass
class HostileServer:
    """Answers the client's stream header with `reply`; records everything the client sent."""

    reply: str
    silent: bool = False
    """Accept the TCP connection and never answer (for login timeouts)."""
    received: bytearray = field(default_factory=bytearray)
    port: int = 0
    _server: asyncio.Server | None = None

    async def __aenter__(self) -> HostileServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
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
        except (ConnectionError, TimeoutError):
            pass
        finally:
            writer.close()
