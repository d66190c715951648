"""Shared fixtures: one private Prosody per test session, fresh accounts per test, isolated user dirs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.support.peer import Peer
from tests.support.prosody import Prosody


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Config, data and logs under the test's temp dir (platformdirs honours XDG variables)."""
    home = tmp_path / "home"
    for name, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"), ("XDG_STATE_HOME", "state"),
                      ("XDG_CACHE_HOME", "cache")):
        monkeypatch.setenv(name, str(home / sub))
    monkeypatch.delenv("XMPPTUI_PASSWORD", raising=False)
    return home


@pytest.fixture(scope="session")
def prosody() -> Iterator[Prosody]:
    server = Prosody.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def peers() -> AsyncIterator[list[Peer]]:
    """Append peers here; they are disconnected after the test."""
    started: list[Peer] = []
    yield started
    for peer in started:
        await peer.disconnect()

