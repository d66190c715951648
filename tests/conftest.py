"""Shared fixtures: private servers (Prosody, ejabberd) once per test session, isolated user dirs.

`server` runs a test against every server kind (ids `[prosody]`, `[ejabberd]`); `prosody` is for the tests
that are about Prosody itself (its storage files, its modules). A server a test needs that cannot start
fails that test loudly: nothing is skipped for a missing server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.support.ejabberd import Ejabberd
from tests.support.peer import Peer
from tests.support.prosody import Prosody
from tests.support.server import XmppServer

SERVER_KINDS = ("prosody", "ejabberd")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "xfail_on(kind, reason): a strict xfail for the `server` parametrization of that kind only")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """`@pytest.mark.xfail_on("ejabberd", reason=...)`: expected to fail (strictly) on that server only."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        kind = callspec.params.get("server") if callspec is not None else None
        for mark in item.iter_markers("xfail_on"):
            if mark.args and mark.args[0] == kind:
                item.add_marker(pytest.mark.xfail(strict=True, reason=mark.kwargs["reason"]))


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


@pytest.fixture(scope="session")
def ejabberd() -> Iterator[Ejabberd]:
    server = Ejabberd.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session", params=SERVER_KINDS)
def server(request: pytest.FixtureRequest) -> XmppServer:
    """Each server kind in turn, each started once per test session when a test first needs it."""
    started: XmppServer = request.getfixturevalue(request.param)
    return started


@pytest.fixture
async def peers() -> AsyncIterator[list[Peer]]:
    """Append peers here; they are disconnected after the test."""
    started: list[Peer] = []
    yield started
    for peer in started:
        await peer.disconnect()

