"""Fetching a shared file for a preview (xmpp/files/fetch.py): what is refused before any connection is made."""

from __future__ import annotations

import pytest

from xmpptui.config import Account
from xmpptui.model.conversation import Attachment, ChatMessage
from xmpptui.session import DownloadError
from xmpptui.xmpp.files.fetch import fetch_bytes

ACCOUNT = Account(jid="alice@example.org", timeout=1)


def shared(url: str, size: int | None = None) -> ChatMessage:
    return ChatMessage("bob@example.org", "bob@example.org", url, 0.0, attachment=Attachment(url, "a.png", size))


async def test_an_http_link_is_not_fetched_in_the_clear() -> None:
    with pytest.raises(DownloadError, match="only https links are fetched"):
        await fetch_bytes(ACCOUNT, shared("http://127.0.0.1:9/a.png"), 1000)


async def test_a_file_said_to_be_over_the_limit_is_refused_before_connecting() -> None:
    # (port 9 on loopback: a connection would fail with other words)
    with pytest.raises(DownloadError, match="larger than 1000 bytes"):
        await fetch_bytes(ACCOUNT, shared("https://127.0.0.1:9/a.png", 5000), 1000)


async def test_a_message_without_a_file_is_refused_in_words() -> None:
    with pytest.raises(DownloadError):
        await fetch_bytes(ACCOUNT, ChatMessage("bob@example.org", "bob@example.org", "hi", 0.0), 1000)
