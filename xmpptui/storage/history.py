"""Message history in SQLite: one connection, used from one worker thread, never from the UI loop.

Rows are keyed by account and conversation and deduplicated by a key derived from the stanza's ids
(XEP-0359 stanza-id, then origin-id/message id, else a hash of sender, body and minute).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sqlite3
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from xmpptui.model.conversation import ChatMessage, DeliveryState, Direction, MessageKind, SearchHit
from xmpptui.storage import migrations

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a page of history ends, to ask for the page before it."""

    timestamp: float
    row_id: int


def dedup_key(message: ChatMessage) -> str:
    """Incoming messages by their archive id when they have one (live and from MAM alike), ours by the id we gave
    them (which the archive keeps), else by content within the minute."""
    if message.stanza_id and message.direction is Direction.IN:
        return f"s:{message.stanza_id}"
    if message.id:
        return f"m:{message.direction.value}:{message.id}"
    digest = hashlib.sha256(f"{message.sender}\0{message.body}\0{int(message.timestamp // 60)}".encode()).hexdigest()
    return f"h:{digest[:32]}"


class History:
    """Async facade over one SQLite connection owned by a single worker thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xmpptui-history")
        self._connection: sqlite3.Connection | None = None

    # Running on the history thread -----------------------------------------------------------

    def _db(self) -> sqlite3.Connection:
        if self._connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not self.path.exists():
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
            os.chmod(self.path, 0o600)
            connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            migrations.upgrade(connection)
            self._connection = connection
        return self._connection

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: work(self._db()))

    # API -------------------------------------------------------------------------------------

    async def add(self, account: str, messages: Iterable[ChatMessage]) -> int:
        """Store messages (duplicates are skipped); returns how many were new."""
        rows = [_row(account, message) for message in messages]

        def insert(db: sqlite3.Connection) -> int:
            with db:
                inserted = db.executemany(
                    "INSERT OR IGNORE INTO messages (account, conversation, kind, direction, sender, body, timestamp,"
                    " message_id, state, error, delayed, carbon, dedup_key, stanza_id, edited, markable)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
            return inserted.rowcount  # rows this statement inserted (the search index's own are not counted)

        return await self._run(insert)

    async def update(self, account: str, message: ChatMessage) -> None:
        """Store what may change in a held message: its delivery state and error, a correction's text."""

        def update(db: sqlite3.Connection) -> None:
            db.execute("UPDATE messages SET state = ?, error = ?, body = ?, edited = ? WHERE account = ? AND "
                       "conversation = ? AND dedup_key = ?",
                       (message.state.value, message.error, message.body, int(message.edited), account,
                        message.conversation, dedup_key(message)))

        await self._run(update)

    async def archive_position(self, account: str, archive: str) -> str | None:
        """The id of the newest message we have from `archive` (our server's MAM, or a room's), if any."""
        row = await self._run(lambda db: db.execute(
            "SELECT last_id FROM archive_sync WHERE account = ? AND archive = ?", (account, archive)).fetchone())
        return row[0] if row else None

    async def set_archive_position(self, account: str, archive: str, last_id: str) -> None:
        def store(db: sqlite3.Connection) -> None:
            db.execute("INSERT INTO archive_sync (account, archive, last_id) VALUES (?,?,?) ON CONFLICT "
                       "(account, archive) DO UPDATE SET last_id = excluded.last_id", (account, archive, last_id))

        await self._run(store)

    async def search(self, account: str, query: str, conversation: str | None = None,
                     limit: int = 200) -> list[SearchHit]:
        """Messages matching every word of `query` (FTS5, prefix match on each word), newest first."""
        words = [word.replace('"', '""') for word in query.split()]
        if not words:
            return []
        match = " ".join(f'"{word}"*' for word in words)  # each word quoted: no FTS syntax from the user

        def select(db: sqlite3.Connection) -> list[SearchHit]:
            sql = (f"SELECT m.{_COLUMNS.replace(', ', ', m.')}, m.conversation FROM messages_fts f "
                   "JOIN messages m ON m.id = f.rowid WHERE messages_fts MATCH ? AND m.account = ?")
            args: list[object] = [match, account]
            if conversation is not None:
                sql += " AND m.conversation = ?"
                args.append(conversation)
            sql += " ORDER BY m.timestamp DESC, m.id DESC LIMIT ?"
            args.append(limit)
            return [SearchHit(row[0], _message(row[-1], row[:-1])) for row in db.execute(sql, args).fetchall()]

        return await self._run(select)

    async def around(self, account: str, hit: SearchHit, context: int = 20) -> list[ChatMessage]:
        """`hit`'s message with up to `context` messages of its conversation before and after it, in order."""
        message = hit.message

        def select(db: sqlite3.Connection) -> list[ChatMessage]:
            base = f"SELECT {_COLUMNS} FROM messages WHERE account = ? AND conversation = ? AND "
            key = (account, message.conversation, message.timestamp, hit.row_id)
            before = db.execute(base + "(timestamp, id) <= (?, ?) ORDER BY timestamp DESC, id DESC LIMIT ?",
                                (*key, context + 1)).fetchall()
            after = db.execute(base + "(timestamp, id) > (?, ?) ORDER BY timestamp, id LIMIT ?",
                               (*key, context)).fetchall()
            return [_message(message.conversation, row) for row in [*reversed(before), *after]]

        return await self._run(select)

    async def page(self, account: str, conversation: str, limit: int,
                   before: Cursor | None = None) -> tuple[list[ChatMessage], Cursor | None]:
        """The `limit` messages before `before` (or the latest), oldest first, and the cursor for the page
        before those (None when there is nothing older)."""

        def select(db: sqlite3.Connection) -> tuple[list[ChatMessage], Cursor | None]:
            query = f"SELECT {_COLUMNS} FROM messages WHERE account = ? AND conversation = ?"
            args: list[object] = [account, conversation]
            if before is not None:
                query += " AND (timestamp, id) < (?, ?)"  # a row value: SQLite can use the index for it
                args += [before.timestamp, before.row_id]
            query += " ORDER BY timestamp DESC, id DESC LIMIT ?"
            args.append(limit)
            rows = db.execute(query, args).fetchall()
            rows.reverse()
            messages = [_message(conversation, row) for row in rows]
            cursor = Cursor(rows[0][5], rows[0][0]) if len(rows) == limit else None
            return messages, cursor

        return await self._run(select)

    async def pending_outgoing(self, account: str) -> list[ChatMessage]:
        """Our messages that never got the server's acknowledgement, oldest first (the outbox)."""

        def select(db: sqlite3.Connection) -> list[ChatMessage]:
            rows = db.execute(
                f"SELECT {_COLUMNS}, conversation FROM messages WHERE account = ? AND direction = 'out' AND "
                "state = 'pending' ORDER BY timestamp, id", (account,)).fetchall()
            return [_message(row[-1], row[:-1]) for row in rows]

        return await self._run(select)

    async def count(self, account: str, conversation: str) -> int:
        return await self._run(lambda db: db.execute(
            "SELECT count(*) FROM messages WHERE account = ? AND conversation = ?",
            (account, conversation)).fetchone()[0])

    def shutdown(self) -> None:
        """Finish pending writes and close the connection (from any thread, after the loop is done)."""

        def close() -> None:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

        self._executor.submit(close)
        self._executor.shutdown(wait=True)


_COLUMNS = ("id, kind, direction, sender, body, timestamp, message_id, state, error, delayed, carbon, stanza_id, "
            "edited, markable")


def _row(account: str, message: ChatMessage) -> tuple[object, ...]:
    return (account, message.conversation, message.kind.value, message.direction.value, message.sender,
            message.body, message.timestamp, message.id, message.state.value, message.error, int(message.delayed),
            int(message.carbon), dedup_key(message), message.stanza_id, int(message.edited), int(message.markable))


def _message(conversation: str, row: tuple) -> ChatMessage:  # type: ignore[type-arg]
    _, kind, direction, sender, body, timestamp, message_id, state, error, delayed, carbon, stanza_id, edited, \
        markable = row
    return ChatMessage(conversation=conversation, sender=sender, body=body, timestamp=timestamp,
                       direction=Direction(direction), kind=MessageKind(kind), id=message_id,
                       state=DeliveryState(state), error=error, delayed=bool(delayed), carbon=bool(carbon),
                       stanza_id=stanza_id, edited=bool(edited), markable=bool(markable))
