"""The upload host's certificate trusted by the account's pin (trust on first use), not only by a CA: on the
private servers with the client given no CA file, the certificate the user pinned for the account (the XMPP
server's own, which the upload host presents too) carries the upload; a certificate that is neither vouched for
by a CA nor the pinned one is refused in words before a byte is sent."""

from __future__ import annotations

import os
import ssl
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from tests.e2e.test_upload import Recorder
from tests.support.peer import Peer
from tests.support.server import XmppServer, make_tls
from xmpptui.config import Account, FilesConfig
from xmpptui.model.events import UploadEnded, UploadProgressed
from xmpptui.model.state import ConnectionState
from xmpptui.passwords import Secret
from xmpptui.pins import PinStore
from xmpptui.session import UploadError
from xmpptui.xmpp.session import XmppSession
from xmpptui.xmpp.stanzas import upload as stanzas
from xmpptui.xmpp.transport.certificate import fingerprint


def _fingerprint_of(pem: Path) -> str:
    return fingerprint(ssl.PEM_cert_to_DER_cert(pem.read_text()))


async def _pinned_online(server: XmppServer, peers: list[Peer], tmp_path: Path) -> tuple[XmppSession, Recorder,
                                                                                          Peer]:
    """Alice logged in with no CA file, trusting the server's certificate by the pin stored as the app stores
    it (the login dialog's "trust"); Bob as a plain client."""
    alice, bob = server.register(), server.register()
    server.befriend(alice, bob)
    peers.append(peer := await Peer(server, bob).connect())
    pins = PinStore(tmp_path / "pinned-certificates.json")
    pins.trust(alice.jid, _fingerprint_of(server.root / "tls" / "server.crt"))
    session = XmppSession(Account(jid=alice.jid, host=server.host, port=server.c2s_port, timeout=10, history=False),
                          Secret(alice.password), pins=pins, files=FilesConfig(download_dir=str(tmp_path / "dl")))
    recorder = Recorder()
    await session.start(recorder)
    assert session.state.connection.state is ConnectionState.ONLINE, "logged in through the pin"
    return session, recorder, peer


@pytest.mark.timeout(90)
async def test_the_pinned_certificate_carries_the_upload_without_a_ca(server: XmppServer, peers: list[Peer],
                                                                       tmp_path: Path) -> None:
    session, recorder, peer = await _pinned_online(server, peers, tmp_path)
    try:
        payload = os.urandom(500_000)
        file = tmp_path / "scan.pdf"
        file.write_bytes(payload)
        await session.upload_file(peer.account.jid, str(file))
        received = await peer.next_message()
        url = received["body"]
        assert recorder.of(UploadEnded) == [UploadEnded(peer.account.jid, "scan.pdf", url=url)]
        async with aiohttp.ClientSession() as http:
            with pytest.raises(aiohttp.ClientConnectorCertificateError):  # (no CA of the system vouches for it)
                await http.get(url, ssl=ssl.create_default_context())
            async with http.get(url, ssl=ssl.create_default_context(
                    cafile=str(server.ca_file))) as response:
                assert await response.read() == payload
        # What was sent comes back the same way: /download trusts the pinned certificate too.
        (ours,) = session.state.conversations.get(peer.account.jid).messages  # type: ignore[union-attr]
        saved = await session.download_file(peer.account.jid, ours, url)
        assert Path(saved).read_bytes() == payload
        # And a preview's fetch (it failed here, trusting only the CAs).
        assert await session.fetch_image(peer.account.jid, ours, len(payload)) == payload
    finally:
        await session.stop()


@pytest.mark.timeout(90)
async def test_an_upload_host_with_another_certificate_is_refused_in_words(
        server: XmppServer, peers: list[Peer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # An HTTPS server on loopback whose certificate is neither signed by a CA the client knows nor the pinned one.
    make_tls(tmp_path / "other")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tmp_path / "other" / "server.crt", tmp_path / "other" / "server.key")
    requests: list[str] = []

    async def take(request: web.Request) -> web.Response:
        requests.append(request.method)
        return web.Response(status=201)

    app = web.Application()
    app.router.add_route("PUT", "/{tail:.*}", take)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    port = runner.addresses[0][1]
    real_slot = stanzas.slot

    def slot_elsewhere(result: object) -> stanzas.Slot | None:
        granted = real_slot(result)  # type: ignore[arg-type]
        assert granted is not None
        return replace(granted, put_url=f"https://127.0.0.1:{port}/elsewhere")

    monkeypatch.setattr(stanzas, "slot", slot_elsewhere)
    session, recorder, peer = await _pinned_online(server, peers, tmp_path)
    try:
        file = tmp_path / "secret.txt"
        file.write_bytes(b"not for a stranger")
        with pytest.raises(UploadError, match=r"^secret\.txt was not sent: the upload server's certificate is not "
                                              r"trusted \(no CA vouches for it, and it is not the certificate you "
                                              r"trusted for this account\)$") as refused:
            await session.upload_file(peer.account.jid, str(file))
        assert not refused.value.retry, "a retry cannot fix it"
        assert requests == [], "not a byte for a host that is not trusted"
        assert all(event.sent == 0 for event in recorder.of(UploadProgressed))
        conversation = session.state.conversations.get(peer.account.jid)
        assert conversation is None or not conversation.messages
    finally:
        await session.stop()
        await runner.cleanup()
