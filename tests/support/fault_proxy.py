"""A loopback TCP proxy between the client and Prosody that a test can cut, stall, or refuse."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field


@dataclass
class FaultProxy:
    target_host: str
    target_port: int
    port: int = 0
    connections: int = 0
    _server: asyncio.Server | None = None
    _writers: list[asyncio.StreamWriter] = field(default_factory=list)
    _flowing: asyncio.Event = field(default_factory=asyncio.Event)
    _replies_flowing: asyncio.Event = field(default_factory=asyncio.Event)
    _refusing: bool = False

    async def __aenter__(self) -> FaultProxy:
        self._flowing.set()
        self._replies_flowing.set()
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()

    def cut(self) -> None:
        """Drop every open connection at once, as a network failure would (no stream close)."""
        for writer in self._writers:
            with contextlib.suppress(Exception):
                writer.transport.abort()
        self._writers.clear()

    def stall(self) -> None:
        """Stop forwarding in both directions (bytes wait in the proxy)."""
        self._flowing.clear()

    def stall_replies(self) -> None:
        """Stop forwarding what the server sends; what the client sends still gets through (its messages
        arrive, the acknowledgements never come back)."""
        self._replies_flowing.clear()

    def resume(self) -> None:
        self._flowing.set()
        self._replies_flowing.set()

    def refuse(self, refusing: bool = True) -> None:
        """While refusing, new connections are closed at once (the server looks down)."""
        self._refusing = refusing

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._refusing:
            writer.transport.abort()
            return
        self.connections += 1
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            writer.transport.abort()
            return
        self._writers += [writer, upstream_writer]
        await asyncio.gather(self._pump(reader, upstream_writer),
                             self._pump(upstream_reader, writer, self._replies_flowing), return_exceptions=True)
        for end in (writer, upstream_writer):
            with contextlib.suppress(Exception):
                end.transport.abort()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    also: asyncio.Event | None = None) -> None:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            await self._flowing.wait()
            if also is not None:
                await also.wait()
            if writer.transport.is_closing():
                break
            writer.write(data)
            await writer.drain()
        with contextlib.suppress(Exception):
            writer.transport.abort()
