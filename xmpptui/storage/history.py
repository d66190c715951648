"""Message history in SQLite: one connection, used from one worker thread, never from the UI loop.

Rows are keyed by account and conversation and deduplicated by a key derived from the stanza's ids
(XEP-0359 stanza-id, then origin-id/message id, else a hash of sender, body and minute). Each conversation is
ordered by `seq`, the order in which messages were received or archived (clocks disagree: local fractional
seconds, servers' whole seconds). Archive positions are written in the same transaction as the messages they
cover, and a write that fails (a full disk) is kept and retried with the next one, so a position never gets
ahead of what is stored.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TypeVar

from xmpptui.model.conversation import ChatMessage, SearchHit
from xmpptui.storage import migrations, reactions
from xmpptui.storage import rows as stored

T = TypeVar("T")
log = logging.getLogger(__name__)

QUICK_CHECK_UP_TO = 16 * 1024 * 1024
"""Files up to this size get SQLite's quick_check on opening (measured: 95 ms for 44 MB of history, and the
login's first read of the history waits for it); bigger ones only the O(1) check that they are not cut short."""

RETRY_LIMIT = 50_000
"""Messages kept in memory for a write that failed; past it the oldest are given up (the archive still has them:
positions then stop moving for the rest of the run, so the next catch-up fetches them again)."""


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a page of history ends, to ask for the page before it."""

    seq: int
    row_id: int


class HistoryWriteError(Exception):
    """Messages could not be written (e.g. the disk is full); they are kept and written with the next batch."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"history cannot be written to {path}: {reason}")
        self.path, self.reason = path, reason


class HistoryUnavailable(Exception):
    """The history file cannot be used (damaged, unreadable, or the user chose to go on without it)."""


@dataclass(frozen=True, slots=True)
class HistoryProblem:
    """Why the history file could not be opened, in words. `damaged`: its content is broken (it may be set aside
    for a fresh one); otherwise it cannot be read or written where it is (permissions, a newer schema, ...)."""

    path: Path
    reason: str
    damaged: bool

    def __str__(self) -> str:
        return f"the history file {self.path} {'is damaged' if self.damaged else 'cannot be used'}: {self.reason}"


class _Availability(Enum):
    UNOPENED = "unopened"
    OPEN = "open"
    WAITING = "waiting"
    """Damaged: the user has not yet said whether to start a fresh file. Writes are held, reads find nothing."""
    OFF = "off"
    """Running without history: writes are dropped, reads find nothing."""


class History:
    """Async facade over one SQLite connection owned by a single worker thread."""

    def __init__(self, path: Path, problem: HistoryProblem | None = None) -> None:
        """`problem`: the history cannot be used at all (e.g. its directory could not be made); it is then off."""
        self.path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xmpptui-history")
        self._connection: sqlite3.Connection | None = None
        self._availability = _Availability.OFF if problem else _Availability.UNOPENED
        self._problem = problem
        # A write that failed, kept to go first in the next one (touched on the history thread only).
        self._retry_rows: list[tuple[object, ...]] = []
        self._retry_older: list[tuple[object, ...]] = []
        self._retry_positions: dict[tuple[str, str], str] = {}
        self._positions_frozen = False

    # Running on the history thread -----------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not self.path.exists():
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        os.chmod(self.path, 0o600)
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            # A damaged file fails here (a garbage header, pages cut off), not at some later page read; and a
            # file we cannot use is refused before anything is written to it.
            # (With a write-ahead log left behind, the header may already count pages the log still holds: a
            # checkpoint cut off by a full disk. SQLite replays the log on open; quick_check then judges.)
            wal = self.path.with_name(self.path.name + "-wal")
            cut_short = "" if wal.exists() and wal.stat().st_size > 0 else _cut_short(self.path)
            if cut_short:
                raise sqlite3.DatabaseError(cut_short)
            if self.path.stat().st_size <= QUICK_CHECK_UP_TO:
                verdict = connection.execute("PRAGMA quick_check").fetchall()
                if verdict != [("ok",)]:
                    raise sqlite3.DatabaseError("; ".join(str(row[0]) for row in verdict[:3]))
            migrations.upgrade(connection)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
        except BaseException:
            connection.close()
            raise
        return connection

    def _db(self) -> sqlite3.Connection | None:
        """The connection, opened on first use; None while the history cannot be used."""
        if self._availability is _Availability.UNOPENED:
            try:
                self._connection = self._open()
                self._availability = _Availability.OPEN
            except migrations.SchemaTooNew as exc:
                self._give_up(HistoryProblem(self.path, str(exc), damaged=False))
            except sqlite3.DatabaseError as exc:
                # "file is not a database", "database disk image is malformed", a failed quick_check; but
                # "unable to open", "readonly" and "disk I/O error" are about where the file is, not its content.
                damaged = not isinstance(exc, sqlite3.OperationalError)
                self._give_up(HistoryProblem(self.path, str(exc), damaged=damaged))
            except OSError as exc:
                self._give_up(HistoryProblem(self.path, exc.strerror or str(exc), damaged=False))
        return self._connection if self._availability is _Availability.OPEN else None

    def _give_up(self, problem: HistoryProblem) -> None:
        log.error("%s", problem)
        self._problem = problem
        self._availability = _Availability.WAITING if problem.damaged else _Availability.OFF

    async def _run(self, work: Callable[[sqlite3.Connection], T], unavailable: Callable[[], T]) -> T:
        """`work` on the history thread; `unavailable()` instead while the history cannot be used."""

        def run() -> T:
            db = self._db()
            return unavailable() if db is None else work(db)

        return await asyncio.get_running_loop().run_in_executor(self._executor, run)

    # Opening, and a damaged file -------------------------------------------------------------

    async def check(self) -> HistoryProblem | None:
        """Open the file (if not yet) and say why it cannot be used, if it cannot."""
        await asyncio.get_running_loop().run_in_executor(self._executor, self._db)
        return None if self._availability is _Availability.OPEN else self._problem

    async def set_aside_and_start_fresh(self) -> Path:
        """Rename the damaged file (and its WAL) aside, never overwriting anything, and start a fresh file; what
        arrived meanwhile is written to it. Returns where the damaged file now is."""

        def work() -> Path:
            aside = _aside_name(self.path)
            for suffix in ("", "-wal", "-shm"):
                source = self.path.with_name(self.path.name + suffix)
                if source.exists():
                    os.link(source, aside.with_name(aside.name + suffix))  # (link: fails rather than overwrite)
                    source.unlink()
            log.warning("the damaged history file was kept as %s; a fresh one is started", aside)
            self._availability, self._problem = _Availability.UNOPENED, None
            if self._db() is not None and (self._retry_rows or self._retry_older or self._retry_positions):
                try:
                    self._write([], [], {})
                except HistoryWriteError as exc:
                    log.error("%s", exc)
            return aside

        return await asyncio.get_running_loop().run_in_executor(self._executor, work)

    async def go_without(self) -> None:
        """Run without history from now on (the damaged file is left as it is)."""

        def work() -> None:
            self._availability = _Availability.OFF
            self._retry_rows, self._retry_older, self._retry_positions = [], [], {}
            log.warning("running without history: %s is left as it is", self.path)

        await asyncio.get_running_loop().run_in_executor(self._executor, work)

    # API -------------------------------------------------------------------------------------

    async def add(self, account: str, messages: Iterable[ChatMessage], positions: Mapping[str, str] | None = None,
                  older: Iterable[ChatMessage] = ()) -> int:
        """Store messages (duplicates are skipped) after those held in their conversations, and `older` ones (in
        order) before them; record `positions` ({archive: the newest id of it we hold}) in the same transaction.
        Returns how many were new. Raises HistoryWriteError when they could not be written: they are then kept
        and written first by the next call."""
        rows = [stored.to_row(account, message) for message in messages]
        older_rows = [stored.to_row(account, message) for message in older]
        archive_positions = {(account, archive): last_id for archive, last_id in (positions or {}).items()}

        def hold() -> int:  # (damaged, and the user has not said yet whether to start afresh)
            if self._availability is _Availability.WAITING:
                self._keep(rows, older_rows, archive_positions)
            return 0

        return await self._run(lambda db: self._write(rows, older_rows, archive_positions), hold)

    def _keep(self, rows: list[tuple[object, ...]], older_rows: list[tuple[object, ...]],
              positions: dict[tuple[str, str], str]) -> None:
        self._retry_rows += rows
        self._retry_older += older_rows
        if not self._positions_frozen:
            self._retry_positions.update(positions)
        excess = len(self._retry_rows) + len(self._retry_older) - RETRY_LIMIT
        if excess > 0:
            log.error("%d messages could not be written to the history and are given up; the next catch-up "
                      "fetches them again from the archive", excess)
            del self._retry_rows[:excess]
            self._positions_frozen = True  # (past a gap: the stored positions must stay before it)
            self._retry_positions = {}

    def _write(self, rows: list[tuple[object, ...]], older_rows: list[tuple[object, ...]],
               positions: dict[tuple[str, str], str]) -> int:
        db = self._connection
        assert db is not None
        self._keep(rows, older_rows, positions)
        rows, older_rows, positions = self._retry_rows, self._retry_older, self._retry_positions
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                inserted = self._insert(db, stored.sequenced(db, rows, after=True))
                inserted += self._insert(db, stored.sequenced(db, older_rows, after=False))
                reactions.apply_retractions(db, reactions.targets_of([*rows, *older_rows]))
                db.executemany("INSERT INTO archive_sync (account, archive, last_id) VALUES (?,?,?) ON CONFLICT "
                               "(account, archive) DO UPDATE SET last_id = excluded.last_id",
                               [(account, archive, last_id) for (account, archive), last_id in positions.items()])
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise HistoryWriteError(self.path, str(exc)) from exc
        self._retry_rows, self._retry_older, self._retry_positions = [], [], {}
        return inserted

    @staticmethod
    def _insert(db: sqlite3.Connection, rows: list[tuple[object, ...]]) -> int:
        inserted = db.executemany(stored.INSERT, rows)
        return max(inserted.rowcount, 0)  # rows this statement inserted (the search index's own are not counted)

    async def update(self, account: str, message: ChatMessage) -> None:
        """Store what may change in a held message: its state and error, a correction's text, its file's copy."""
        await self.write(lambda db: db.execute(stored.UPDATE, stored.update_args(account, message)))

    async def write(self, work: Callable[[sqlite3.Connection], object]) -> None:
        def run(db: sqlite3.Connection) -> None:  # (a write of `storage.reactions`, in order with the others)
            try:
                work(db)
            except sqlite3.Error as exc:
                raise HistoryWriteError(self.path, str(exc)) from exc

        await self._run(run, lambda: None)

    async def archive_position(self, account: str, archive: str) -> str | None:
        """The id of the newest message we have from `archive` (our server's MAM, or a room's), if any."""
        row = await self._run(lambda db: db.execute(
            "SELECT last_id FROM archive_sync WHERE account = ? AND archive = ?", (account, archive)).fetchone(),
            lambda: None)
        return row[0] if row else None

    async def search(self, account: str, query: str, conversation: str | None = None,
                     limit: int = 200) -> list[SearchHit]:
        """Messages matching every word of `query` (FTS5, prefix match on each word), newest first."""
        words = [word.replace('"', '""') for word in query.split()]
        if not words:
            return []
        match = " ".join(f'"{word}"*' for word in words)  # each word quoted: no FTS syntax from the user

        def select(db: sqlite3.Connection) -> list[SearchHit]:
            sql = (f"SELECT m.{stored.COLUMNS.replace(', ', ', m.')}, m.conversation FROM messages_fts f "
                   "JOIN messages m ON m.id = f.rowid WHERE messages_fts MATCH ? AND m.account = ?")
            args: list[object] = [match, account]
            if conversation is not None:
                sql += " AND m.conversation = ?"
                args.append(conversation)
            sql += " ORDER BY m.timestamp DESC, m.id DESC LIMIT ?"
            args.append(limit)
            hits = [SearchHit(row[0], stored.to_message(row[-1], row[:-1])) for row in db.execute(sql, args).fetchall()]
            reactions.with_reactions(db, account, [hit.message for hit in hits])
            return hits

        def unavailable() -> list[SearchHit]:
            raise HistoryUnavailable(f"there is no history to search: {self._problem or 'it is off'}")

        return await self._run(select, unavailable)

    async def around(self, account: str, hit: SearchHit, context: int = 20) -> list[ChatMessage]:
        """`hit`'s message with up to `context` messages of its conversation before and after it, in order."""
        message = hit.message

        def select(db: sqlite3.Connection) -> list[ChatMessage]:
            found = db.execute("SELECT seq FROM messages WHERE id = ?", (hit.row_id,)).fetchone()
            if found is None:
                return [message]
            base = f"SELECT {stored.COLUMNS} FROM messages WHERE account = ? AND conversation = ? AND "
            key = (account, message.conversation, found[0], hit.row_id)
            before = db.execute(base + "(seq, id) <= (?, ?) ORDER BY seq DESC, id DESC LIMIT ?",
                                (*key, context + 1)).fetchall()
            after = db.execute(base + "(seq, id) > (?, ?) ORDER BY seq, id LIMIT ?",
                               (*key, context)).fetchall()
            return reactions.with_reactions(db, account, [stored.to_message(message.conversation, row)
                                                          for row in [*reversed(before), *after]])

        return await self._run(select, lambda: [message])

    async def page(self, account: str, conversation: str, limit: int,
                   before: Cursor | None = None) -> tuple[list[ChatMessage], Cursor | None]:
        """The `limit` messages before `before` (or the latest), oldest first, and the cursor for the page
        before those (None when there is nothing older)."""

        def select(db: sqlite3.Connection) -> tuple[list[ChatMessage], Cursor | None]:
            query = f"SELECT {stored.COLUMNS} FROM messages WHERE account = ? AND conversation = ?"
            args: list[object] = [account, conversation]
            if before is not None:
                query += " AND (seq, id) < (?, ?)"  # a row value: SQLite can use the index for it
                args += [before.seq, before.row_id]
            query += " ORDER BY seq DESC, id DESC LIMIT ?"
            args.append(limit)
            rows = db.execute(query, args).fetchall()
            rows.reverse()
            messages = reactions.with_reactions(db, account, [stored.to_message(conversation, row) for row in rows])
            cursor = Cursor(rows[0][-1], rows[0][0]) if len(rows) == limit else None
            return messages, cursor

        return await self._run(select, lambda: ([], None))

    async def pending_outgoing(self, account: str) -> list[ChatMessage]:
        """Our messages that never got the server's acknowledgement, oldest first (the outbox)."""

        def select(db: sqlite3.Connection) -> list[ChatMessage]:
            rows = db.execute(
                f"SELECT {stored.COLUMNS}, conversation FROM messages WHERE account = ? AND direction = 'out' AND "
                "state = 'pending' ORDER BY timestamp, id", (account,)).fetchall()
            return [stored.to_message(row[-1], row) for row in rows]

        return await self._run(select, list)

    async def count(self, account: str, conversation: str) -> int:
        return await self._run(lambda db: db.execute("SELECT count(*) FROM messages WHERE account = ? AND "
                                                     "conversation = ?", (account, conversation)).fetchone()[0],
                               lambda: 0)

    def shutdown(self) -> None:
        """Finish pending writes and close the connection (from any thread, after the loop is done)."""

        def close() -> None:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

        self._executor.submit(close)
        self._executor.shutdown(wait=True)


def _cut_short(path: Path) -> str:
    """Why a SQLite file is shorter than its header says, or "" (SQLite keeps the size of the database in the
    header, valid when its version-valid-for number equals its change counter)."""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        header = handle.read(100)
    if not header.startswith(b"SQLite format 3\0"):
        return ""  # (empty: a new file; anything else: SQLite says "file is not a database")
    if len(header) < 100:
        return f"cut short: {size} bytes, less than its header"
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    change_counter, pages, valid_for = (int.from_bytes(header[i:i + 4], "big") for i in (24, 28, 92))
    if valid_for == change_counter and pages * page_size > size:
        return f"cut short: {size} bytes of the {pages * page_size} its header says"
    return ""


def _aside_name(path: Path) -> Path:
    """A name beside `path` that is not taken: history.sqlite3.damaged-YYYYmmdd-HHMMSS[-n]."""
    stem = f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}"
    candidate, n = path.with_name(stem), 1
    while any(candidate.with_name(candidate.name + suffix).exists() for suffix in ("", "-wal", "-shm")):
        n += 1
        candidate = path.with_name(f"{stem}-{n}")
    return candidate
