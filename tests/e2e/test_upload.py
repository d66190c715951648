"""HTTP File Upload (XEP-0363) on the private servers: discovered, a slot granted, bytes PUT and read back over
HTTPS verified with the suite's CA."""

from __future__ import annotations

import os
import ssl

import aiohttp
import pytest
from slixmpp.exceptions import IqError

from tests.support.peer import Peer
from tests.support.server import UPLOAD_DOMAIN, UPLOAD_LIMIT, XmppServer

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
