"""History storage: private file, versioned schema, deduplication, paging in order."""

from __future__ import annotations

import asyncio
import sqlite3
import stat
from pathlib import Path

import pytest

from xmpptui.model.conversation import ChatMessage, DeliveryState, Direction
from xmpptui.storage import migrations
from xmpptui.storage.history import History

ME, BOB = "alice@example.org", "bob@example.org"


def message(n: int, body: str | None = None, **kwargs: object) -> ChatMessage:
    return ChatMessage(BOB, "Bob", body or f"m{n}", 1_700_000_000.0 + n, id=f"id{n}", **kwargs)  # type: ignore[arg-type]


@pytest.fixture
async def history(tmp_path: Path):  # type: ignore[no-untyped-def]
    store = History(tmp_path / "data" / "history.sqlite3")
    yield store
    await asyncio.to_thread(store.shutdown)


async def test_file_is_private_and_schema_versioned(history: History) -> None:
    await history.add(ME, [message(1)])
    assert stat.S_IMODE(history.path.stat().st_mode) == 0o600
    with sqlite3.connect(history.path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == migrations.VERSION
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_duplicates_are_stored_once(history: History) -> None:
    assert await history.add(ME, [message(1), message(2)]) == 2
    assert await history.add(ME, [message(2), message(3)]) == 1
    assert await history.add(ME, [ChatMessage(BOB, "Bob", "no id", 1_700_000_100.0)]) == 1
    assert await history.add(ME, [ChatMessage(BOB, "Bob", "no id", 1_700_000_110.0)]) == 0, "same text, same minute"
    assert await history.count(ME, BOB) == 4


async def test_pages_go_back_in_order_until_the_start(history: History) -> None:
    await history.add(ME, [message(n) for n in range(25)])
    latest, cursor = await history.page(ME, BOB, 10)
    assert [m.body for m in latest] == [f"m{n}" for n in range(15, 25)]
    middle, cursor = await history.page(ME, BOB, 10, cursor)
    assert [m.body for m in middle] == [f"m{n}" for n in range(5, 15)]
    first, cursor = await history.page(ME, BOB, 10, cursor)
    assert [m.body for m in first] == [f"m{n}" for n in range(5)]
    assert cursor is None


async def test_state_round_trips(history: History) -> None:
    sent = ChatMessage(BOB, ME, "hi", 1_700_000_000.0, Direction.OUT, id="out1", state=DeliveryState.SENT)
    await history.add(ME, [sent])
    sent.state, sent.error = DeliveryState.FAILED, "service-unavailable: offline"
    await history.update(ME, sent)
    (stored,), _ = await history.page(ME, BOB, 5)
    assert (stored.direction, stored.state, stored.error) == (Direction.OUT, DeliveryState.FAILED,
                                                              "service-unavailable: offline")


async def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {migrations.VERSION + 1}")
    store = History(path)
    with pytest.raises(migrations.SchemaTooNew):
        await store.count(ME, BOB)
    await asyncio.to_thread(store.shutdown)
