"""Inline image previews end to end: a roster contact, a plain slixmpp client, uploads a PNG to the private
server's HTTP File Upload service and sends its link with OOB (XEP-0066); the app fetches it over HTTPS verified
with the suite's CA and draws its thumbnail in the log; a truncated PNG is a placeholder line."""

from __future__ import annotations

import io
import os
import ssl

import aiohttp
import pytest
from PIL import Image  # (the test extra installs Pillow: these never skip)

from tests.e2e.helpers import SIZE, log_lines, logged_in, make_app, until
from tests.support.peer import Peer
from tests.support.server import XmppServer
from xmpptui.session import DownloadError


async def _share(peer: Peer, server: XmppServer, to: str, name: str, payload: bytes) -> str:
    """Upload `payload` as a plain client does and send its link as the body and out of band; the GET URL."""
    upload = peer.client.plugin["xep_0363"]
    info = await upload.find_upload_service(timeout=10)
    assert info is not None, "the private server offers HTTP File Upload"
    slot = (await upload.request_slot(info["from"], name, len(payload), "image/png", timeout=10))["http_upload_slot"]
    headers = {header["name"]: header["value"] for header in slot["put"]["headers"]}
    trust = ssl.create_default_context(cafile=str(server.ca_file))
    async with aiohttp.ClientSession() as http, http.put(slot["put"]["url"], data=payload, ssl=trust,
                                                          headers={**headers, "Content-Type": "image/png"}) as put:
        assert put.status in (200, 201)
    url = slot["get"]["url"]
    message = peer.client.make_message(mto=to, mbody=url, mtype="chat")
    message["oob"]["url"] = url
    message.send()
    return url


@pytest.fixture(autouse=True)
def _not_in_kitty(monkeypatch: pytest.MonkeyPatch) -> None:
    """`[ui] graphics = "auto"` draws half blocks here, whichever terminal runs the tests."""
    for name in ("KITTY_WINDOW_ID", "TERM_PROGRAM", "TMUX", "STY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")


def _png(image: object) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")  # type: ignore[attr-defined]
    return out.getvalue()


@pytest.mark.timeout(90)
async def test_a_contacts_png_sent_with_oob_is_previewed_and_a_truncated_one_is_a_placeholder(
        server: XmppServer, peers: list[Peer]) -> None:
    alice, bob = server.register(), server.register()
    server.befriend(alice, bob, "Alice", "Bob")
    peer = Peer(server, bob)
    peer.client.register_plugin("xep_0363")
    peer.client.register_plugin("xep_0066")
    peers.append(await peer.connect())

    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        await pilot.press(*f"/chat {bob.jid}", "enter")
        await until(pilot, lambda: app.main_screen.chat.active == bob.jid, what="the chat with bob on screen")

        url = await _share(peer, server, alice.jid, "sunset.png", _png(Image.new("RGB", (20, 10), (250, 120, 0))))

        def rows() -> list[str]:
            return [line.strip() for line in log_lines(app, bob.jid) if line.strip() and set(line.strip()) == {"▀"}]

        await until(pilot, lambda: rows() == ["▀" * 20] * 5, timeout=20, what="the thumbnail under the link")
        shown = log_lines(app, bob.jid)
        first_row = next(i for i, line in enumerate(shown) if line.strip() == "▀" * 20)
        assert shown[first_row - 1].strip().startswith("📎 sunset.png"), "right under the file's line"
        assert shown[first_row - 2].endswith(url[-12:]), "which is right under the link (its last line)"
        message = app.session.state.conversations.get(bob.jid).messages[-1]  # type: ignore[union-attr]
        assert message.attachment is not None and message.attachment.url == url
        cells = [segment for strip in app.main_screen.previews.lines(message, 80) for segment in strip]
        assert cells and all(cell.style is not None and cell.style.color is not None
                             and cell.style.color.get_truecolor() == (250, 120, 0) for cell in cells)

        noise = _png(Image.frombytes("RGB", (64, 64), os.urandom(64 * 64 * 3)))
        await _share(peer, server, alice.jid, "broken.png", noise[:len(noise) // 2])
        await until(pilot, lambda: "image could not be shown: the image is damaged" in
                    " ".join(line.strip() for line in log_lines(app, bob.jid)), timeout=20, what="the placeholder")
        assert rows() == ["▀" * 20] * 5, "the first one's thumbnail stays"
        assert app.is_running
        # The session's fetch stops at its limit (the server's HTTP answer is read, the file is not kept).
        with pytest.raises(DownloadError, match="larger than 10 bytes"):
            await app.session.fetch_image(bob.jid, message, 10)  # type: ignore[union-attr]
