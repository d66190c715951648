"""History storage: private file, versioned schema, deduplication, paging in order."""

from __future__ import annotations

import asyncio
import sqlite3
import stat
from pathlib import Path

import pytest

from xmpptui.model.conversation import Attachment, ChatMessage, DeliveryState, Direction
from xmpptui.storage import history as history_module
from xmpptui.storage import migrations
from xmpptui.storage.history import History, HistoryUnavailable, HistoryWriteError

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


async def test_a_newer_schema_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {migrations.VERSION + 1}")
    before = path.read_bytes()
    store = History(path)
    problem = await store.check()
    assert problem is not None and not problem.damaged and "newer than this xmpptui" in problem.reason
    assert await store.count(ME, BOB) == 0
    assert await store.add(ME, [message(1)]) == 0  # (dropped: running without history)
    await asyncio.to_thread(store.shutdown)
    assert path.read_bytes() == before


# Order: the order of arrival, whatever the stamps say ------------------------------------------------------------

def stamped(n: int, timestamp: float, **kwargs: object) -> ChatMessage:
    return ChatMessage(BOB, "Bob", f"m{n}", timestamp, id=f"id{n}", **kwargs)  # type: ignore[arg-type]


async def test_pages_keep_the_order_of_arrival_when_stamps_disagree(history: History) -> None:
    # Live lines stamped by the local clock (fractional), then a catch-up with the server's whole seconds that
    # come out earlier: they arrived later and stay later.
    await history.add(ME, [stamped(1, 1000.75), stamped(2, 1000.9)])
    await history.add(ME, [stamped(3, 1000.0, stanza_id="a3"), stamped(4, 999.0, stanza_id="a4")])
    await history.add(ME, [stamped(5, 1001.2)])
    page, cursor = await history.page(ME, BOB, 3)
    assert [m.body for m in page] == ["m3", "m4", "m5"]
    page, cursor = await history.page(ME, BOB, 3, cursor)
    assert [m.body for m in page] == ["m1", "m2"] and cursor is None


async def test_older_pages_from_the_archive_go_before_everything_held(history: History) -> None:
    await history.add(ME, [stamped(10, 500.0), stamped(11, 501.0)])
    # A page fetched when scrolling up, in its own order, with stamps later than what is held (clocks).
    await history.add(ME, [], older=[stamped(7, 900.0), stamped(8, 800.0)])
    await history.add(ME, [], older=[stamped(5, 950.0)])
    page, _ = await history.page(ME, BOB, 10)
    assert [m.body for m in page] == ["m5", "m7", "m8", "m10", "m11"]


async def test_search_context_agrees_with_pages(history: History) -> None:
    await history.add(ME, [stamped(1, 2000.5)])
    await history.add(ME, [stamped(2, 1000.0), ChatMessage(BOB, "Bob", "needle", 999.0, id="n")])
    await history.add(ME, [stamped(3, 3000.0)])
    (hit,) = await history.search(ME, "needle")
    around = await history.around(ME, hit, context=5)
    page, _ = await history.page(ME, BOB, 10)
    assert [m.body for m in around] == [m.body for m in page] == ["m1", "m2", "needle", "m3"]


async def test_the_upgrade_to_seq_keeps_the_order_held_rows_were_shown_in(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path, isolation_level=None) as db:
        for version, step in enumerate(migrations._STEPS[:2]):
            db.executescript(f"BEGIN; {step} PRAGMA user_version = {version + 1}; COMMIT;")
        for n, stamp in ((1, 30.0), (2, 10.0), (3, 20.0)):
            db.execute("INSERT INTO messages (account, conversation, kind, direction, sender, body, timestamp, "
                       "dedup_key) VALUES (?, ?, 'chat', 'in', 'Bob', ?, ?, ?)", (ME, BOB, f"m{n}", stamp, f"k{n}"))
    store = History(path)
    try:
        page, _ = await store.page(ME, BOB, 10)
        assert [m.body for m in page] == ["m2", "m3", "m1"]  # (as the old schema paged them: by time)
        await store.add(ME, [stamped(4, 5.0)])
        page, _ = await store.page(ME, BOB, 10)
        assert [m.body for m in page] == ["m2", "m3", "m1", "m4"]
    finally:
        await asyncio.to_thread(store.shutdown)


async def test_a_shared_file_is_kept_with_its_message_and_found_by_its_name(history: History) -> None:
    url = "https://upload.example.org/abc/holiday-photo.jpg"
    shared = message(1, url, attachment=Attachment(url, "holiday-photo.jpg", 123_456, "image/jpeg"))
    await history.add(ME, [shared, message(2)])
    shared.attachment.local_path = "/home/alice/Downloads/holiday-photo.jpg"  # type: ignore[union-attr]
    await history.update(ME, shared)
    (stored, plain), _ = await history.page(ME, BOB, 5)
    assert stored.attachment == Attachment(url, "holiday-photo.jpg", 123_456, "image/jpeg",
                                           "/home/alice/Downloads/holiday-photo.jpg")
    assert plain.attachment is None
    hits = await history.search(ME, "holiday")
    assert [hit.message.body for hit in hits] == [url]
    assert [hit.message.attachment.name for hit in await history.search(ME, "photo.jpg")] == [  # type: ignore[union-attr]
        "holiday-photo.jpg"]


async def test_the_upgrade_to_files_keeps_messages_searchable(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path, isolation_level=None) as db:
        for version, step in enumerate(migrations._STEPS[:3]):
            db.executescript(f"BEGIN; {step} PRAGMA user_version = {version + 1}; COMMIT;")
        db.execute("INSERT INTO messages (account, conversation, kind, direction, sender, body, timestamp, "
                   "dedup_key, seq) VALUES (?, ?, 'chat', 'in', 'Bob', 'an old needle', 1.0, 'k1', 1)", (ME, BOB))
    store = History(path)
    try:
        assert [hit.message.body for hit in await store.search(ME, "needle")] == ["an old needle"]
        (old,), _ = await store.page(ME, BOB, 10)
        assert old.attachment is None
    finally:
        await asyncio.to_thread(store.shutdown)


# A full disk: positions never get ahead of what is stored ----------------------------------------------------------

async def _limit_pages(history: History, pages: int | None) -> None:
    """Make the file "full" (SQLite's max_page_count; the end-to-end test uses a real full filesystem)."""
    def limit(db: sqlite3.Connection) -> None:
        db.execute(f"PRAGMA max_page_count = {pages if pages is not None else 1073741823}")
        if pages is None:
            return
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    await history._run(limit, lambda: None)


async def test_a_failed_write_keeps_its_messages_and_position_for_the_next_one(history: History) -> None:
    await history.add(ME, [message(0)], positions={ME: "a0"})
    used = (await history._run(lambda db: db.execute("PRAGMA page_count").fetchone()[0], lambda: 0))
    await _limit_pages(history, used)
    big = [message(n, body=f"{n} " + "x" * 3000, stanza_id=f"a{n}") for n in range(1, 30)]
    with pytest.raises(HistoryWriteError) as failure:
        await history.add(ME, big, positions={ME: "a29"})
    assert "database or disk is full" in str(failure.value) and str(history.path) in str(failure.value)
    assert await history.archive_position(ME, ME) == "a0", "the position stays with what is stored"
    with pytest.raises(HistoryWriteError):
        await history.add(ME, [message(30)], positions={ME: "a30"})
    assert await history.count(ME, BOB) == 1

    await _limit_pages(history, None)  # space freed: the next write takes everything kept, in order
    assert await history.add(ME, [message(31)]) == 31
    assert await history.archive_position(ME, ME) == "a30"
    page, _ = await history.page(ME, BOB, 100)
    assert [m.id for m in page] == [f"id{n}" for n in range(32)]


# A damaged file: set aside only when the user agrees --------------------------------------------------------------

async def _damaged(tmp_path: Path, how: str) -> Path:
    path = tmp_path / "history.sqlite3"
    if how == "garbage":
        path.write_bytes(b"this is not a database\n" * 200)
        return path
    store = History(path)
    await store.add(ME, [message(n, body=f"{n} " + "y" * 500) for n in range(200)])
    await asyncio.to_thread(store.shutdown)  # (closing checkpoints the WAL into the file)
    size = path.stat().st_size
    with open(path, "r+b") as handle:
        handle.truncate(size // 2 + 100)  # cut off in the middle of a page
    return path


@pytest.mark.parametrize("how", ["garbage", "truncated"])
async def test_a_damaged_file_is_set_aside_byte_for_byte_for_a_fresh_one(
        tmp_path: Path, how: str, caplog: pytest.LogCaptureFixture) -> None:
    path = await _damaged(tmp_path, how)
    damaged = path.read_bytes()
    store = History(path)
    try:
        problem = await store.check()
        assert problem is not None and problem.damaged and problem.path == path
        assert f"the history file {path} is damaged: " in caplog.text, "named in the log"
        assert await store.page(ME, BOB, 10) == ([], None)
        await store.add(ME, [message(900)], positions={ME: "a900"})  # held until the user decides
        assert path.read_bytes() == damaged
        aside = await store.set_aside_and_start_fresh()
        assert aside.name.startswith("history.sqlite3.damaged-") and aside.read_bytes() == damaged
        assert await store.check() is None
        page, _ = await store.page(ME, BOB, 10)
        assert [m.body for m in page] == ["m900"] and await store.archive_position(ME, ME) == "a900"
    finally:
        await asyncio.to_thread(store.shutdown)


async def test_going_without_history_leaves_a_damaged_file_untouched(tmp_path: Path) -> None:
    path = await _damaged(tmp_path, "garbage")
    damaged = path.read_bytes()
    store = History(path)
    try:
        assert (await store.check()) is not None
        await store.go_without()
        assert await store.add(ME, [message(1)]) == 0
        assert await store.pending_outgoing(ME) == []
        with pytest.raises(HistoryUnavailable, match="is damaged"):
            await store.search(ME, "m1")
    finally:
        await asyncio.to_thread(store.shutdown)
    assert path.read_bytes() == damaged
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.sqlite3"]


async def test_a_file_cut_short_is_found_without_reading_it_all(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    path = await _damaged(tmp_path, "truncated")
    monkeypatch.setattr(history_module, "QUICK_CHECK_UP_TO", 0)  # (as for a file too big to check whole)
    store = History(path)
    try:
        problem = await store.check()
        assert problem is not None and problem.damaged and "cut short" in problem.reason
    finally:
        await asyncio.to_thread(store.shutdown)


async def test_a_history_file_that_cannot_be_opened_is_not_taken_for_damaged(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    path.mkdir()  # (something that is not a file where the file should be: root can open anything else)
    store = History(path)
    try:
        problem = await store.check()
        assert problem is not None and not problem.damaged and "unable to open" in problem.reason
        assert str(problem) == f"the history file {path} cannot be used: {problem.reason}"
        assert await store.add(ME, [message(1)]) == 0 and await store.page(ME, BOB, 5) == ([], None)
    finally:
        await asyncio.to_thread(store.shutdown)
    assert path.is_dir() and not list(path.iterdir())
