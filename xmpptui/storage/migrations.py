"""The history schema, versioned with PRAGMA user_version: each step upgrades one version."""

from __future__ import annotations

import sqlite3

_STEPS: list[str] = [
    # 1: messages, deduplicated per account and conversation, paged by (timestamp, id).
    """
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        account TEXT NOT NULL,
        conversation TEXT NOT NULL,
        kind TEXT NOT NULL,
        direction TEXT NOT NULL,
        sender TEXT NOT NULL,
        body TEXT NOT NULL,
        timestamp REAL NOT NULL,
        message_id TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL DEFAULT 'none',
        error TEXT NOT NULL DEFAULT '',
        delayed INTEGER NOT NULL DEFAULT 0,
        carbon INTEGER NOT NULL DEFAULT 0,
        dedup_key TEXT NOT NULL
    );
    CREATE UNIQUE INDEX messages_dedup ON messages (account, conversation, dedup_key);
    CREATE INDEX messages_page ON messages (account, conversation, timestamp, id);
    """,
    # 2: archive ids (XEP-0359/MAM), corrections (XEP-0308), where each archive was last synced, and
    # full-text search (FTS5, kept in step with messages by triggers).
    """
    ALTER TABLE messages ADD COLUMN stanza_id TEXT NOT NULL DEFAULT '';
    ALTER TABLE messages ADD COLUMN edited INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE messages ADD COLUMN markable INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE archive_sync (
        account TEXT NOT NULL,
        archive TEXT NOT NULL,
        last_id TEXT NOT NULL,
        PRIMARY KEY (account, archive)
    );
    CREATE VIRTUAL TABLE messages_fts USING fts5(body, content='messages', content_rowid='id',
                                                 tokenize='unicode61 remove_diacritics 2');
    INSERT INTO messages_fts (rowid, body) SELECT id, body FROM messages;
    CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts (rowid, body) VALUES (new.id, new.body);
    END;
    CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
    END;
    CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
        INSERT INTO messages_fts (rowid, body) VALUES (new.id, new.body);
    END;
    """,
    # 3: each conversation in the order its messages were received or archived (`seq`), not by their stamps:
    # local fractional seconds and a server's whole seconds disagree. Held rows keep the order they were shown in.
    """
    ALTER TABLE messages ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
    UPDATE messages SET seq = ranked.n FROM (
        SELECT id, row_number() OVER (PARTITION BY account, conversation ORDER BY timestamp, id) AS n FROM messages
    ) AS ranked WHERE messages.id = ranked.id;
    DROP INDEX messages_page;
    CREATE INDEX messages_seq ON messages (account, conversation, seq, id);
    """,
    # 4: the file a message shares (its URL, name, size, type, and where we keep a copy), its name searchable.
    """
    ALTER TABLE messages ADD COLUMN file_url TEXT NOT NULL DEFAULT '';
    ALTER TABLE messages ADD COLUMN file_name TEXT NOT NULL DEFAULT '';
    ALTER TABLE messages ADD COLUMN file_size INTEGER;
    ALTER TABLE messages ADD COLUMN file_type TEXT NOT NULL DEFAULT '';
    ALTER TABLE messages ADD COLUMN file_path TEXT NOT NULL DEFAULT '';
    DROP TRIGGER messages_fts_insert;
    DROP TRIGGER messages_fts_delete;
    DROP TRIGGER messages_fts_update;
    DROP TABLE messages_fts;
    CREATE VIRTUAL TABLE messages_fts USING fts5(body, file_name, content='messages', content_rowid='id',
                                                 tokenize='unicode61 remove_diacritics 2');
    INSERT INTO messages_fts (rowid, body, file_name) SELECT id, body, file_name FROM messages;
    CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts (rowid, body, file_name) VALUES (new.id, new.body, new.file_name);
    END;
    CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, body, file_name) VALUES ('delete', old.id, old.body,
                                                                               old.file_name);
    END;
    CREATE TRIGGER messages_fts_update AFTER UPDATE OF body, file_name ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, body, file_name) VALUES ('delete', old.id, old.body,
                                                                               old.file_name);
        INSERT INTO messages_fts (rowid, body, file_name) VALUES (new.id, new.body, new.file_name);
    END;
    """,
    # 5: replies (XEP-0461), retractions and moderation (XEP-0424/0425), rooms' occupant ids (XEP-0421);
    # reactions (XEP-0444) per reactor, and retractions kept by the id they name, so that one arriving before its
    # message (archive order, carbons) applies when the message is stored (`storage.reactions`).
    """
    ALTER TABLE messages ADD COLUMN reply_id TEXT NOT NULL DEFAULT '';
    ALTER TABLE messages ADD COLUMN reply_to TEXT NOT NULL DEFAULT '';
    ALTER TABLE messages ADD COLUMN reply_quote TEXT NOT NULL DEFAULT '';
    ALTER TABLE messages ADD COLUMN retracted TEXT NOT NULL DEFAULT '';
    ALTER TABLE messages ADD COLUMN occupant_id TEXT NOT NULL DEFAULT '';
    CREATE INDEX messages_message_id ON messages (account, conversation, message_id);
    CREATE INDEX messages_stanza_id ON messages (account, conversation, stanza_id);
    CREATE TABLE reactions (
        account TEXT NOT NULL,
        conversation TEXT NOT NULL,
        target TEXT NOT NULL,
        reactor TEXT NOT NULL,
        emojis TEXT NOT NULL,
        PRIMARY KEY (account, conversation, target, reactor)
    );
    CREATE TABLE retractions (
        account TEXT NOT NULL,
        conversation TEXT NOT NULL,
        target TEXT NOT NULL,
        author TEXT NOT NULL,
        words TEXT NOT NULL,
        PRIMARY KEY (account, conversation, target, author)
    );
    """,
    # 6: when a delayed message (XEP-0203) reached us (its `timestamp` is the sender's time); the texts corrections
    # (XEP-0308) replaced, kept by the message's own id (the one a correction names, in rooms too) and direction,
    # dropped by its retraction.
    """
    ALTER TABLE messages ADD COLUMN received REAL;
    CREATE TABLE edits (
        account TEXT NOT NULL,
        conversation TEXT NOT NULL,
        target TEXT NOT NULL,
        direction TEXT NOT NULL,
        replaced_at REAL NOT NULL,
        text TEXT NOT NULL,
        PRIMARY KEY (account, conversation, target, direction, replaced_at)
    );
    """,
]
VERSION = len(_STEPS)


class SchemaTooNew(Exception):
    """The history file was written by a newer xmpptui."""


def upgrade(connection: sqlite3.Connection) -> None:
    current = connection.execute("PRAGMA user_version").fetchone()[0]
    if current > VERSION:
        raise SchemaTooNew(f"history schema version {current} is newer than this xmpptui understands ({VERSION})")
    for version in range(current, VERSION):
        connection.executescript(f"BEGIN; {_STEPS[version]} PRAGMA user_version = {version + 1}; COMMIT;")
