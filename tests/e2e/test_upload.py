"""HTTP File Upload (XEP-0363) on the private servers: discovered, a slot granted, bytes PUT and read back over
HTTPS verified with the suite's CA."""

from __future__ import annotations

import asyncio
import os
import re
import ssl
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

import aiohttp
import pytest
from slixmpp.exceptions import IqError

from tests.e2e.helpers import SIZE, bodies, friends, logged_in, make_app, until
from tests.e2e.test_rooms import new_room, peer_join
from tests.support.peer import Peer
from tests.support.server import DOMAIN, NO_UPLOAD_DOMAIN, UPLOAD_DOMAIN, UPLOAD_LIMIT, XmppServer
from xmpptui.config import Account
from xmpptui.model.conversation import Attachment
from xmpptui.model.events import Event, UploadEnded, UploadProgressed
from xmpptui.model.room import RoomState
from xmpptui.model.state import ConnectionState
from xmpptui.passwords import Secret
from xmpptui.session import EventSink, UploadError
from xmpptui.xmpp.session import XmppSession
from xmpptui.xmpp.stanzas import files
from xmpptui.xmpp.stanzas import upload as stanzas

T = TypeVar("T")

NAMESPACE = "urn:xmpp:http:upload:0"


def _max_file_size(info: object) -> int | None:
    """max-file-size from the service's XEP-0128 form, as a client reads it."""
    for form in info["disco_info"].iterables:  # type: ignore[index]
        values = form["values"]
        if values["FORM_TYPE"] == [NAMESPACE]:
            return int(values["max-file-size"])
    return None


@pytest.mark.timeout(60)
async def test_plain_client_uploads_and_reads_back(server: XmppServer, peers: list[Peer]) -> None:
    peer = Peer(server, server.register())
    peer.client.register_plugin("xep_0363")
    peers.append(await peer.connect())
    upload = peer.client.plugin["xep_0363"]

    info = await upload.find_upload_service(timeout=10)
    assert info is not None, "no upload service found by disco items/info of the server"
    assert info["from"].bare == UPLOAD_DOMAIN
    assert NAMESPACE in info["disco_info"]["features"]
    assert _max_file_size(info) == UPLOAD_LIMIT

    payload = os.urandom(300_000)
    slot_iq = await upload.request_slot(info["from"], "a b.bin", len(payload), "application/octet-stream",
                                        timeout=10)
    slot = slot_iq["http_upload_slot"]
    put_url, get_url = slot["put"]["url"], slot["get"]["url"]
    assert put_url.startswith("https://") and get_url.startswith("https://")
    headers = {header["name"]: header["value"] for header in slot["put"]["headers"]}

    trust = ssl.create_default_context(cafile=str(server.ca_file))
    async with aiohttp.ClientSession() as http:
        async with http.put(put_url, data=payload, ssl=trust,
                            headers={**headers, "Content-Type": "application/octet-stream"}) as response:
            assert response.status in (200, 201), await response.text()
        async with http.get(get_url, ssl=trust) as response:
            assert response.status == 200
            assert await response.read() == payload
        # Verification is on: the same service is refused without the suite's CA.
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            await http.get(get_url, ssl=ssl.create_default_context())


@pytest.mark.timeout(60)
async def test_slot_over_the_limit_is_refused(server: XmppServer, peers: list[Peer]) -> None:
    peer = Peer(server, server.register())
    peer.client.register_plugin("xep_0363")
    peers.append(await peer.connect())
    upload = peer.client.plugin["xep_0363"]
    info = await upload.find_upload_service(timeout=10)
    assert info is not None
    with pytest.raises(IqError) as refused:
        await upload.request_slot(info["from"], "big.bin", UPLOAD_LIMIT + 1, "application/octet-stream", timeout=10)
    assert refused.value.iq["error"]["condition"] in ("not-acceptable", "bad-request", "resource-constraint")


# The session's upload (xmpp/files/upload.py through XmppSession.upload_file) ---------------------------------------


class Recorder:
    """The session's events, and a hook run on each (to act mid-upload, as a user would)."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.hook: Callable[[Event], None] = lambda event: None

    def __call__(self, event: Event) -> None:
        self.events.append(event)
        self.hook(event)

    def of(self, kind: type[T]) -> list[T]:
        return [event for event in self.events if isinstance(event, kind)]


async def _online(server: XmppServer, peers: list[Peer], domain: str = DOMAIN) -> tuple[XmppSession, Recorder, Peer]:
    """Alice logged in with the session (on `domain`), Bob as a plain client."""
    alice, bob = server.register(domain=domain), server.register(domain=domain)
    server.befriend(alice, bob)
    peer = Peer(server, bob)
    peers.append(await peer.connect())
    session = XmppSession(Account(jid=alice.jid, host=server.host, port=server.c2s_port, ca_file=str(server.ca_file),
                                  timeout=10, history=False), Secret(alice.password))
    recorder = Recorder()
    await session.start(recorder)
    assert session.state.connection.state is ConnectionState.ONLINE
    return session, recorder, peer


def _oob_url(message: object) -> str | None:
    return message.xml.findtext("{jabber:x:oob}x/{jabber:x:oob}url")  # type: ignore[attr-defined]


@pytest.mark.timeout(90)
async def test_session_uploads_a_file_and_sends_its_link_with_oob(server: XmppServer, peers: list[Peer],
                                                                  tmp_path: Path) -> None:
    session, recorder, peer = await _online(server, peers)
    try:
        payload = os.urandom(3 * 1024 * 1024 + 17)
        file = tmp_path / "holiday photo.jpg"
        file.write_bytes(payload)
        await session.upload_file(peer.account.jid, str(file))

        received = await peer.next_message()
        url = received["body"]
        assert url.startswith("https://") and _oob_url(received) == url
        shared = files.attachment_of(received.xml)  # XEP-0447, as other clients read it
        assert shared == Attachment(url, "holiday photo.jpg", len(payload), "image/jpeg")
        (ours,) = session.state.conversations.get(peer.account.jid).messages  # type: ignore[union-attr]
        assert ours.attachment == Attachment(url, "holiday photo.jpg", len(payload), "image/jpeg", str(file))
        ended = recorder.of(UploadEnded)
        assert ended == [UploadEnded(peer.account.jid, "holiday photo.jpg", url=url)]
        progress = recorder.of(UploadProgressed)
        assert progress[0].sent == 0 and progress[-1].sent == progress[-1].total == len(payload)
        assert [p.sent for p in progress] == sorted(p.sent for p in progress) and len(progress) <= 102
        async with aiohttp.ClientSession() as http, http.get(
                url, ssl=ssl.create_default_context(cafile=str(server.ca_file))) as response:
            assert response.status == 200 and await response.read() == payload
    finally:
        await session.stop()


@pytest.mark.timeout(90)
async def test_too_large_a_file_is_refused_in_words_before_anything_is_sent(
        server: XmppServer, peers: list[Peer], tmp_path: Path) -> None:
    session, recorder, peer = await _online(server, peers)
    try:
        file = tmp_path / "big.iso"
        with file.open("wb") as sparse:
            sparse.truncate(UPLOAD_LIMIT + 1)
        with pytest.raises(UploadError, match=r"big\.iso is too large: 10,485,761 bytes, and the server "
                                              r"takes at most 10,485,760 bytes"):
            await session.upload_file(peer.account.jid, str(file))
        assert not recorder.of(UploadProgressed), "nothing was put on its way"
        assert recorder.of(UploadEnded)[0].error.startswith("big.iso is too large")
        conversation = session.state.conversations.get(peer.account.jid)
        assert conversation is None or not conversation.messages

        with pytest.raises(UploadError, match="no such file"):
            await session.upload_file(peer.account.jid, str(tmp_path / "missing.txt"))
        with pytest.raises(UploadError, match="is a directory"):
            await session.upload_file(peer.account.jid, str(tmp_path))
    finally:
        await session.stop()


@pytest.mark.timeout(90)
async def test_a_server_without_an_upload_service_is_said_in_words(server: XmppServer, peers: list[Peer],
                                                                   tmp_path: Path) -> None:
    session, recorder, peer = await _online(server, peers, domain=NO_UPLOAD_DOMAIN)
    try:
        file = tmp_path / "report.pdf"
        file.write_bytes(os.urandom(10_000))
        with pytest.raises(UploadError, match=rf"^{re.escape(NO_UPLOAD_DOMAIN)} offers no file upload service "
                                              r"\(XEP-0363\): files cannot be sent from this account$"):
            await session.upload_file(peer.account.jid, str(file))
        assert not recorder.of(UploadProgressed), "nothing was put on its way"
        [ended] = recorder.of(UploadEnded)
        assert ended.error.startswith(f"{NO_UPLOAD_DOMAIN} offers no file upload service") and not ended.retry, \
            "not offered again: a retry cannot fix it"
        conversation = session.state.conversations.get(peer.account.jid)
        assert conversation is None or not conversation.messages
    finally:
        await session.stop()


@pytest.mark.timeout(90)
async def test_an_http_error_status_is_said_in_words_and_nothing_is_sent(
        server: XmppServer, peers: list[Peer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    session, recorder, peer = await _online(server, peers)
    real_slot = stanzas.slot

    def slot_with_a_broken_token(result: object) -> stanzas.Slot | None:
        # The server's own slot, its PUT URL's secret part changed: the real upload server refuses it.
        granted = real_slot(result)  # type: ignore[arg-type]
        assert granted is not None
        return replace(granted, put_url=_broken(granted.put_url),
                       headers={name: _broken(value) for name, value in granted.headers.items()})

    monkeypatch.setattr(stanzas, "slot", slot_with_a_broken_token)
    try:
        file = tmp_path / "slides.odp"
        file.write_bytes(os.urandom(50_000))
        with pytest.raises(UploadError, match=r"^slides\.odp was refused by the upload server: HTTP 4\d\d\b[^;]*; "
                                              r"nothing was sent$") as refused:
            await session.upload_file(peer.account.jid, str(file))
        assert not refused.value.retry and not recorder.of(UploadEnded)[-1].retry, "a 4xx is not offered again"
        assert "https://" not in str(refused.value), "the slot's URL is not shown"
        conversation = session.state.conversations.get(peer.account.jid)
        assert conversation is None or not conversation.messages, "no message for a file that is not up"
    finally:
        await session.stop()


def _broken(secret: str) -> str:
    """The same text with its last letter or digit changed (a token or signature that no longer matches)."""
    for index in range(len(secret) - 1, -1, -1):
        if secret[index].isalnum():
            return secret[:index] + ("0" if secret[index] != "0" else "1") + secret[index + 1:]
    return secret + "0"


@pytest.mark.timeout(90)
async def test_cancelled_upload_says_so_and_sends_nothing(server: XmppServer, peers: list[Peer],
                                                          tmp_path: Path) -> None:
    session, recorder, peer = await _online(server, peers)
    try:
        file = tmp_path / "video.mp4"
        file.write_bytes(os.urandom(4 * 1024 * 1024))
        cancelled: list[bool] = []
        second: list[asyncio.Future[None]] = []

        def cancel_once_bytes_flow(event: Event) -> None:
            if isinstance(event, UploadProgressed) and event.sent > 0 and not cancelled:
                # (a second upload to the same conversation, asked for meanwhile, is refused: one at a time)
                second.append(asyncio.ensure_future(session.upload_file(peer.account.jid, str(file))))
                cancelled.append(session.cancel_upload(peer.account.jid))

        recorder.hook = cancel_once_bytes_flow
        with pytest.raises(UploadError, match=r"video\.mp4: upload cancelled, nothing was sent"):
            await session.upload_file(peer.account.jid, str(file))
        assert cancelled == [True]
        with pytest.raises(UploadError, match="a file is already being uploaded in this conversation"):
            await second[0]
        assert not session.cancel_upload(peer.account.jid), "nothing is under way any more"
        assert recorder.of(UploadProgressed)[-1].sent < 4 * 1024 * 1024
        conversation = session.state.conversations.get(peer.account.jid)
        assert conversation is None or not conversation.messages

        # The next upload in the same conversation goes through.
        recorder.hook = lambda event: None
        small = tmp_path / "note.txt"
        small.write_text("after the cancel")
        await session.upload_file(peer.account.jid, str(small))
        received = await peer.next_message()
        assert _oob_url(received) == received["body"]
    finally:
        await session.stop()


# The app: /upload typed in a chat and in a room ----------------------------------------------------------------


@pytest.mark.timeout(90)
async def test_upload_typed_in_a_chat_and_a_room_sends_the_link_with_oob(
        server: XmppServer, peers: list[Peer], tmp_path: Path) -> None:
    alice, bob, peer = await friends(server, peers)
    room = new_room()
    await peer_join(peer, room, "bob")
    file = tmp_path / "notes.txt"
    payload = os.urandom(200_000)
    file.write_bytes(payload)
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        await pilot.press(*f"/chat {bob.jid}", "enter")
        await until(pilot, lambda: app.main_screen.active == bob.jid, what="chat with bob")
        await pilot.press(*f"/attach {file}", "enter")
        received = await peer.next_message(timeout=20)
        assert received["type"] == "chat" and _oob_url(received) == received["body"]
        await until(pilot, lambda: bodies(app, bob.jid) == [received["body"]], what="the link in alice's log")
        await until(pilot, lambda: not app.main_screen.uploads.line_text, what="the progress line gone")

        await pilot.press(*f"/join {room}", "enter")
        await until(pilot, lambda: (r := app.session.state.rooms.get(room)) is not None
                    and r.state is RoomState.JOINED, what="joined")
        await until(pilot, lambda: app.main_screen.active == room, what="the room on screen")
        await pilot.press(*f"/upload {file}", "enter")
        while (in_room := await peer.next_message(timeout=20))["type"] != "groupchat" or not in_room["body"]:
            pass
        assert str(in_room["from"]) == f"{room}/{alice.user}" and _oob_url(in_room) == in_room["body"]
        async with aiohttp.ClientSession() as http, http.get(
                in_room["body"], ssl=ssl.create_default_context(cafile=str(server.ca_file))) as response:
            assert await response.read() == payload
        assert app.is_running


def tapping(hook: Callable[[Event], None]) -> type[XmppSession]:
    """A session whose events go through `hook` as they are emitted, before the app sees them."""

    class Tapped(XmppSession):
        async def start(self, sink: EventSink) -> None:
            def tapped(event: Event) -> None:
                hook(event)
                sink(event)

            await super().start(tapped)

    return Tapped


@pytest.mark.timeout(180)
async def test_server_gone_mid_upload_says_so_sends_nothing_and_enter_retries(
        server: XmppServer, peers: list[Peer], tmp_path: Path) -> None:
    alice, bob, _peer = await friends(server, peers)
    file = tmp_path / "archive.tar"
    payload = os.urandom(8 * 1024 * 1024)
    file.write_bytes(payload)
    halted: list[bool] = []
    ended: list[UploadEnded] = []

    def halt_once_bytes_flow(event: Event) -> None:
        # Blocking on purpose: the server is stopped (its HTTPS connection with it) while the PUT is in flight.
        if isinstance(event, UploadProgressed) and event.sent > 0 and not halted:
            server.halt()
            halted.append(True)
        elif isinstance(event, UploadEnded):
            ended.append(event)

    app = make_app(server, alice, session_type=tapping(halt_once_bytes_flow))
    try:
        async with app.run_test(size=SIZE) as pilot:
            await logged_in(pilot)
            await pilot.press(*f"/chat {bob.jid}", "enter")
            await until(pilot, lambda: app.main_screen.active == bob.jid, what="chat with bob")
            typed = f"/upload {file}"
            await pilot.press(*typed, "enter")
            await until(pilot, lambda: ended, timeout=60, what="the upload's end")
            assert halted
            error = ended[0].error
            assert ended[0].retry and ended[0].url == ""
            assert error.startswith("archive.tar: the upload was cut off (the") and "https://" not in error, \
                "in words, without the slot's URL"
            screen = app.main_screen
            await until(pilot, lambda: "press Enter to retry" in screen.uploads.line_text, what="a retry offered")
            assert screen.uploads.line_text.startswith("⇧ archive.tar was not sent: the upload was cut off")
            assert screen.composer.text == typed and screen.composer.has_focus, "the command given back"
            assert not bodies(app, bob.jid), "no message for a file that is not up"

            await asyncio.to_thread(server.resume)
            halted.append(False)
            bob_again = await Peer(server, bob, resource="again").connect()
            peers.append(bob_again)
            await until(pilot, lambda: app.session.state.connection.state is ConnectionState.ONLINE, timeout=60,
                        what="back online")
            await pilot.press("enter")  # (the composer still has the focus, and the command)
            received = await bob_again.next_message(timeout=60)
            url = received["body"]
            assert url.startswith("https://") and _oob_url(received) == url
            await until(pilot, lambda: bodies(app, bob.jid) == [url], timeout=20, what="the link in alice's log")
            assert [event.url for event in ended] == ["", url]
            await until(pilot, lambda: not screen.uploads.line_text, what="the line gone")
            async with aiohttp.ClientSession() as http, http.get(
                    url, ssl=ssl.create_default_context(cafile=str(server.ca_file))) as response:
                assert response.status == 200 and await response.read() == payload

            # Sent once: the next message Bob gets is the one typed after it, not the link again.
            await pilot.press(*"after the file", "enter")
            while (after := await bob_again.next_message(timeout=20))["body"] != "after the file":
                assert after["body"] != url, "the link was sent twice"
            assert bodies(app, bob.jid) == [url, "after the file"]
    finally:
        if halted == [True]:
            await asyncio.to_thread(server.resume)


@pytest.mark.timeout(90)
async def test_stopping_the_session_stops_its_upload(server: XmppServer, peers: list[Peer], tmp_path: Path) -> None:
    session, recorder, peer = await _online(server, peers)
    file = tmp_path / "disk.img"
    file.write_bytes(os.urandom(4 * 1024 * 1024))
    stopping: list[asyncio.Future[None]] = []

    def quit_once_bytes_flow(event: Event) -> None:
        if isinstance(event, UploadProgressed) and event.sent > 0 and not stopping:
            stopping.append(asyncio.ensure_future(session.stop()))  # (the user quits mid-upload)

    recorder.hook = quit_once_bytes_flow
    try:
        with pytest.raises(UploadError, match=r"disk\.img: upload cancelled, nothing was sent"):
            await session.upload_file(peer.account.jid, str(file))
        await stopping[0]
    finally:
        if not stopping:
            await session.stop()
    conversation = session.state.conversations.get(peer.account.jid)
    assert conversation is None or not conversation.messages
