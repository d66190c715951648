"""Receiving a file on the private servers: a plain client uploads it (XEP-0363) and shares its link (XEP-0066,
or XEP-0447 with the name it claims); in the real app the message shows the file, `/download` saves it (bytes,
name, mode, history), a hostile name stays inside the downloads directory, a file over the cap is refused before
anything is fetched, a second download overwrites nothing, and search finds the message by its file name."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import ssl
import stat
from functools import partial
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.helpers import SIZE, friends, log_lines, logged_in, until
from tests.e2e.test_storage import small_filesystem
from tests.support.peer import Peer
from tests.support.server import Account as ServerAccount
from tests.support.server import XmppServer
from xmpptui.config import Account, Config, FilesConfig
from xmpptui.model.conversation import Attachment, ChatMessage
from xmpptui.passwords import Secret
from xmpptui.session import DownloadError
from xmpptui.storage.history import History
from xmpptui.ui.app import XmppTuiApp
from xmpptui.ui.chat.search import SearchScreen
from xmpptui.xmpp.session import XmppSession
from xmpptui.xmpp.stanzas import files

CAP = 150_000


def app_with_downloads(server: XmppServer, account: ServerAccount, downloads: Path, history: History) -> XmppTuiApp:
    """The real app (as tests/e2e/helpers.py make_app builds it) with `[files]` set: where files go, the cap."""
    client_account = Account(jid=account.jid, host=server.host, port=server.c2s_port, ca_file=str(server.ca_file),
                             timeout=10)
    files_config = FilesConfig(download_dir=str(downloads), max_download_size=CAP)
    return XmppTuiApp(Config(files=files_config), client_account,
                      partial(XmppSession, history=history, files=files_config),
                      password_resolver=lambda _account: Secret(account.password), save_accounts=False,
                      history=history)


async def upload(server: XmppServer, peer: Peer, payload: bytes, slot_name: str) -> str:
    """The peer uploads `payload` as any client would; the URL to GET it."""
    upload = peer.client.plugin["xep_0363"]
    info = await upload.find_upload_service(timeout=10)
    slot = (await upload.request_slot(info["from"], slot_name, len(payload), "application/octet-stream",
                                      timeout=10))["http_upload_slot"]
    headers = {header["name"]: header["value"] for header in slot["put"]["headers"]}
    async with aiohttp.ClientSession() as http, http.put(
            slot["put"]["url"], data=payload, ssl=ssl.create_default_context(cafile=str(server.ca_file)),
            headers={**headers, "Content-Type": "application/octet-stream"}) as response:
        assert response.status in (200, 201), await response.text()
    return str(slot.xml.find("{urn:xmpp:http:upload:0}get").get("url"))  # (slot['get']['url'] read '' on ejabberd)


async def share(server: XmppServer, peer: Peer, to: str, payload: bytes, slot_name: str,
                claimed: Attachment | None = None) -> str:
    """The peer uploads `payload` and sends its link: the body and XEP-0066, and with `claimed` (its URL filled
    in) also XEP-0447 with the name, size and type it claims. Returns the URL."""
    url = await upload(server, peer, payload, slot_name)
    message = peer.client.make_message(mto=to, mbody=url, mtype="chat")
    if claimed is not None:
        claimed.url = url
        files.fill(message.xml, claimed)  # (XEP-0447 and XEP-0066)
    else:
        oob = message.xml.makeelement(f"{{{files.NS_OOB}}}x", {})
        message.xml.append(oob)
        oob.append(oob.makeelement(f"{{{files.NS_OOB}}}url", {}))
        oob[0].text = url
    message.send()
    return url


def notified(app: XmppTuiApp, words: str) -> bool:
    return any(words in str(notification.message) for notification in app._notifications)


def stored_path(history_file: Path, url: str) -> str:
    with sqlite3.connect(history_file) as db:
        row = db.execute("SELECT file_path FROM messages WHERE file_url = ?", (url,)).fetchone()
    return row[0] if row else ""


@pytest.mark.timeout(120)
async def test_a_shared_file_is_shown_downloaded_safely_and_found(server: XmppServer, peers: list[Peer],
                                                                  tmp_path: Path) -> None:
    alice, bob, peer = await friends(server, peers)
    peer.client.register_plugin("xep_0363")
    downloads = tmp_path / "downloads"
    history_file = tmp_path / "history.sqlite3"
    history = History(history_file)
    payload = os.urandom(100_000)
    try:
        app = app_with_downloads(server, alice, downloads, history)
        async with app.run_test(size=SIZE) as pilot:
            await logged_in(pilot)
            await pilot.press(*f"/chat {bob.jid}", "enter")
            await until(pilot, lambda: app.main_screen.active == bob.jid, what="chat with bob")

            # A link with OOB only: named from its URL; shown under the message; saved on /download.
            url = await share(server, peer, alice.jid, payload, "holiday-notes.bin")
            await until(pilot, lambda: any(line.strip().startswith("📎 holiday-notes.bin") for line in
                                           log_lines(app, bob.jid)),
                        what=f"the file's line under the message ({url})")
            assert not downloads.exists() or not any(downloads.iterdir()), "nothing is fetched by itself"
            await pilot.press(*"/download", "enter")
            saved = downloads / "holiday-notes.bin"
            await until(pilot, lambda: notified(app, f"saved: {saved}"), timeout=20, what="saved, said")
            assert saved.read_bytes() == payload
            assert stat.S_IMODE(saved.stat().st_mode) == 0o600
            shared = app.session.state.conversations.get(bob.jid).messages[-1]
            assert shared.attachment is not None and shared.attachment.local_path == str(saved)
            await until(pilot, lambda: any("saved:" in line for line in log_lines(app, bob.jid)),
                        what="the message says where the file is")
            await until(pilot, lambda: stored_path(history_file, url) == str(saved), what="the path in the history")

            # The same file again: a new name, the first copy untouched.
            await pilot.press(*"/download", "enter")
            second = downloads / "holiday-notes (1).bin"
            await until(pilot, lambda: notified(app, f"saved: {second}"), timeout=20, what="the second copy")
            assert second.read_bytes() == payload == saved.read_bytes()

            # Hostile names claimed in XEP-0447 (with what XML lets through: C1 controls, tabs, bidi overrides):
            # saved inside the downloads directory under a safe name.
            hostile_urls = []
            for claimed, expected in (("../../secret\tplans\x9b2J\u202egnp.exe", "_.._secret plans2Jgnp.exe"),
                                      ("n" * 10_000 + ".txt", "n" * 255)):  # (cut to 1,024 as it arrives)
                before = set(downloads.iterdir())
                hostile_urls.append(await share(server, peer, alice.jid, payload, "hostile.bin",
                                                Attachment("", claimed, len(payload), "text/plain")))
                await until(pilot, lambda claimed=claimed: (messages := app.session.state.conversations.get(
                    bob.jid).messages) and messages[-1].attachment is not None
                    and messages[-1].attachment.name == claimed[:files.MAX_NAME], what="the hostile file shown")
                await pilot.press(*"/download", "enter")
                await until(pilot, lambda before=before: len(set(downloads.iterdir()) - before) == 1, timeout=20,
                            what="one new file")
                (new,) = set(downloads.iterdir()) - before
                await until(pilot, lambda new=new: notified(app, f"saved: {new}"), what="saved, said")
                assert new.parent == downloads and new.name == expected and new.read_bytes() == payload
                assert stat.S_IMODE(new.stat().st_mode) == 0o600
            assert sorted(path.name for path in tmp_path.parent.iterdir() if "gnp" in path.name) == [], \
                "nothing written where ../../ would lead"

            # Over the cap by its declared size: refused in words, nothing fetched or created.
            before = set(downloads.iterdir())
            await share(server, peer, alice.jid, os.urandom(CAP + 1), "big.bin",
                        Attachment("", "big.bin", CAP + 1, "application/octet-stream"))
            await until(pilot, lambda: (messages := app.session.state.conversations.get(bob.jid).messages)
                        and messages[-1].attachment is not None and messages[-1].attachment.name == "big.bin",
                        what="the big file shown")
            await pilot.press(*"/download", "enter")
            await until(pilot, lambda: notified(app, "big.bin is too large") and notified(app, "nothing was fetched"),
                        what="refused in words")
            assert set(downloads.iterdir()) == before and app.is_running

            # Search finds the message by its file name (which its text, the URL, does not hold).
            await pilot.press(*"/search secret", "enter")
            await until(pilot, lambda: isinstance(app.screen, SearchScreen), what="the results")
            results = app.screen.query_one("#search-results")
            assert results.option_count == 1 and hostile_urls[0] in str(results.get_option_at_index(0).prompt)
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is app.main_screen, what="back to the conversation")
            await pilot.press("ctrl+q")

        # After a restart the message still says where its file is (its latest copy, from the history).
        restarted = app_with_downloads(server, alice, downloads, history)
        async with restarted.run_test(size=SIZE) as pilot:
            await logged_in(pilot)
            await pilot.press(*f"/chat {bob.jid}", "enter")
            await until(pilot, lambda: restarted.main_screen.active == bob.jid, what="chat with bob")
            await until(pilot, lambda: any(m.attachment is not None and m.attachment.local_path == str(second)
                                           for m in restarted.session.state.conversations.get(bob.jid).messages),
                        what="the saved path read back")
            await until(pilot, lambda: any(line.strip().startswith("📎 holiday-notes.bin") for line in
                                           log_lines(restarted, bob.jid)), what="the file's line")
            lines = log_lines(restarted, bob.jid)
            start = next(i for i, line in enumerate(lines) if line.strip().startswith("📎 holiday-notes.bin"))
            assert "saved:" in " ".join(lines[start:start + 3])
    finally:
        await asyncio.to_thread(history.shutdown)


@pytest.mark.timeout(60)
async def test_an_untrusted_certificate_and_a_full_disk_are_said_and_leave_nothing(
        server: XmppServer, peers: list[Peer], tmp_path: Path) -> None:
    _alice, _bob, peer = await friends(server, peers)
    peer.client.register_plugin("xep_0363")
    url = await upload(server, peer, os.urandom(200_000), "report.bin")
    shared = ChatMessage(peer.account.jid, peer.account.jid, url, 0.0, attachment=Attachment(url, "report.bin"))

    # Without the suite's CA the file server's certificate is not trusted: verification is never off.
    system_trust = XmppSession(Account(jid="alice@example.org"), Secret("pw"),
                               files=FilesConfig(download_dir=str(tmp_path / "dl")))
    with pytest.raises(DownloadError, match="certificate is not trusted"):
        await system_trust.download_file(peer.account.jid, shared, url)
    assert not any((tmp_path / "dl").iterdir())

    # A disk that fills mid-way: said in words, the part removed.
    with small_filesystem(tmp_path / "small", "64k") as disk:
        full = XmppSession(Account(jid="alice@example.org", ca_file=str(server.ca_file)), Secret("pw"),
                           files=FilesConfig(download_dir=str(disk)))
        with pytest.raises(DownloadError, match="the disk is full"):
            await full.download_file(peer.account.jid, shared, url)
        assert list(disk.iterdir()) == []
    assert shared.attachment is not None and shared.attachment.local_path == ""
