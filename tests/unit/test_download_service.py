"""The download service (xmpp/files/download.py) against a real HTTP server on loopback that misbehaves on purpose:
no declared size and too many bytes, a body cut short, an error status, a cancel mid-way; and the bounded fetch
for previews. Nothing partial is ever left on disk."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from xmpptui.config import Account, FilesConfig
from xmpptui.model.conversation import Attachment, ChatMessage
from xmpptui.model.events import DownloadEnded, DownloadProgressed, MessageUpdated
from xmpptui.passwords import Secret
from xmpptui.session import DownloadError
from xmpptui.xmpp.session import XmppSession

BOB = "bob@example.org"
CAP = 64 * 1024


@pytest.fixture
async def files_server() -> AsyncIterator[tuple[str, asyncio.Event]]:
    """`base` URL of a loopback server with: /ok (10 KiB), /endless (chunked, no size, past the cap), /short
    (declares 1000 bytes, sends 500, closes), /missing (404), /slow (waits on `release` mid-body)."""
    release = asyncio.Event()

    async def ok(_request: web.Request) -> web.Response:
        return web.Response(body=b"k" * 10240)

    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        for _ in range(64):
            await response.write(b"e" * 4096)
        return response

    async def short(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Length": "1000"})
        await response.prepare(request)
        await response.write(b"s" * 500)
        request.transport.close()  # type: ignore[union-attr]
        return response

    async def slow(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Length": "8192"})
        await response.prepare(request)
        await response.write(b"w" * 4096)
        await release.wait()
        await response.write(b"w" * 4096)
        return response

    app = web.Application()
    app.router.add_get("/ok/{name}", ok)
    app.router.add_get("/endless", endless)
    app.router.add_get("/short", short)
    app.router.add_get("/slow", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}", release
    finally:
        release.set()
        await runner.cleanup()


def session_for(tmp_path: Path) -> tuple[XmppSession, list[object]]:
    """A session (never connected: downloads need no XMPP stream) saving into tmp_path/dl, capped at CAP. That
    the saved path reaches the history is tests/e2e/test_download.py's to show."""
    session = XmppSession(Account(jid="alice@example.org", timeout=5), Secret("pw"),
                          files=FilesConfig(download_dir=str(tmp_path / "dl"), max_download_size=CAP))
    events: list[object] = []
    session.context.sink = events.append
    return session, events


def message(url: str, attachment: Attachment | None = None) -> ChatMessage:
    return ChatMessage(BOB, BOB, url, 0.0, attachment=attachment)


async def test_a_link_in_the_text_is_saved_and_becomes_the_message_file(files_server, tmp_path: Path) -> None:
    base, _release = files_server
    session, events = session_for(tmp_path)
    shared = message(f"see {base}/ok/report%20v2.pdf")
    path = await session.download_file(BOB, shared, f"{base}/ok/report%20v2.pdf")
    assert path == str(tmp_path / "dl" / "report v2.pdf") and Path(path).read_bytes() == b"k" * 10240
    assert shared.attachment == Attachment(f"{base}/ok/report%20v2.pdf", "report v2.pdf", local_path=path)
    assert any(isinstance(e, MessageUpdated) and e.message is shared for e in events)
    assert [e for e in events if isinstance(e, DownloadProgressed)][-1] == DownloadProgressed(BOB, "report v2.pdf",
                                                                                            10240, 10240)
    assert DownloadEnded(BOB, "report v2.pdf", path=path) in events


@pytest.mark.parametrize(("path", "words"), [
    ("/endless", "is larger than downloads may be (64.0 KiB"),
    ("/short", "cut off"),
    ("/missing", "HTTP 404 Not Found"),
])
async def test_failures_are_said_in_words_and_leave_nothing(files_server, tmp_path: Path, path: str,
                                                            words: str) -> None:
    base, _release = files_server
    session, events = session_for(tmp_path)
    with pytest.raises(DownloadError, match=words.replace("(", r"\(")):
        await session.download_file(BOB, message(base + path), base + path)
    assert not any((tmp_path / "dl").iterdir()), "no partial file left"
    assert any(isinstance(e, DownloadEnded) and words in e.error for e in events)


async def test_a_cancel_mid_way_stops_it_and_removes_the_part(files_server, tmp_path: Path) -> None:
    base, _release = files_server
    session, events = session_for(tmp_path)
    running = asyncio.create_task(session.download_file(BOB, message(f"{base}/slow"), f"{base}/slow"))
    while not any(isinstance(event, DownloadProgressed) for event in events):
        await asyncio.sleep(0.01)  # (polling until the file is being written: no fixed wait)
    assert [path.name for path in (tmp_path / "dl").iterdir()] == ["slow"]
    assert session.cancel_download(BOB)
    with pytest.raises(DownloadError, match="download cancelled, nothing was saved"):
        await running
    assert not any((tmp_path / "dl").iterdir())
    assert not session.cancel_download(BOB), "nothing left to cancel"
