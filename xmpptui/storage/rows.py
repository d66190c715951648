"""History rows: a message as the `messages` table stores it and back, its deduplication key, and the `seq`
that orders a conversation."""

from __future__ import annotations

import hashlib
import sqlite3

from xmpptui.model.conversation import Attachment, ChatMessage, DeliveryState, Direction, MessageKind, Reply


def dedup_key(message: ChatMessage) -> str:
    """Incoming messages by their archive id when they have one (live and from MAM alike), ours by the id we gave
    them (which the archive keeps), else by content within the minute."""
    if message.stanza_id and message.direction is Direction.IN:
        return f"s:{message.stanza_id}"
    if message.id:
        return f"m:{message.direction.value}:{message.id}"
    digest = hashlib.sha256(f"{message.sender}\0{message.body}\0{int(message.timestamp // 60)}".encode()).hexdigest()
    return f"h:{digest[:32]}"


COLUMNS = ("id, kind, direction, sender, body, timestamp, message_id, state, error, delayed, carbon, stanza_id, "
           "edited, markable, file_url, file_name, file_size, file_type, file_path, reply_id, reply_to, reply_quote, "
           "retracted, occupant_id, received, seq")
"""What is read of a stored message; `seq` last (a page's cursor takes it from there)."""

INSERT = ("INSERT OR IGNORE INTO messages (account, conversation, kind, direction, sender, body, timestamp, message_id,"
          " state, error, delayed, carbon, dedup_key, stanza_id, edited, markable, file_url, file_name, file_size,"
          " file_type, file_path, reply_id, reply_to, reply_quote, retracted, occupant_id, received, seq)"
          " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
"""Stores a `to_row` with its seq (`sequenced`) after it."""

UPDATE = ("UPDATE messages SET state = ?, error = ?, body = ?, edited = ?, file_url = ?, file_name = ?, "
          "file_size = ?, file_type = ?, file_path = ? WHERE account = ? AND conversation = ? AND dedup_key = ?")
"""Stores what may change in a held message (`update_args`)."""


def sequenced(db: sqlite3.Connection, rows: list[tuple[object, ...]], after: bool) -> list[tuple[object, ...]]:
    """`rows` (in order) with the seq that puts them after everything held in their conversation, or before it."""
    by_conversation: dict[tuple[object, object], list[tuple[object, ...]]] = {}
    for row in rows:
        by_conversation.setdefault((row[0], row[1]), []).append(row)
    sequenced = []
    for key, group in by_conversation.items():
        if after:
            start = db.execute("SELECT coalesce(max(seq), 0) + 1 FROM messages WHERE account = ? AND "
                               "conversation = ?", key).fetchone()[0]
        else:
            start = db.execute("SELECT coalesce(min(seq), 1) FROM messages WHERE account = ? AND "
                               "conversation = ?", key).fetchone()[0] - len(group)
        sequenced += [(*row, start + n) for n, row in enumerate(group)]
    return sequenced


def to_row(account: str, message: ChatMessage) -> tuple[object, ...]:
    file = message.attachment or Attachment("")
    return (account, message.conversation, message.kind.value, message.direction.value, message.sender,
            message.body, message.timestamp, message.id, message.state.value, message.error, int(message.delayed),
            int(message.carbon), dedup_key(message), message.stanza_id, int(message.edited), int(message.markable),
            file.url, file.name, file.size, file.media_type, file.local_path, *_reference_columns(message))


def reference_of(row: tuple[object, ...]) -> object:
    """The id a `to_row` row is named by (model/references.py `reference_id`): in a room its stanza-id, else its id."""
    return row[13] if row[2] == "groupchat" else row[7]


def _reference_columns(message: ChatMessage) -> tuple[object, ...]:
    reply = message.reply_to or Reply("")
    return reply.id, reply.to, reply.quote, message.retracted, message.occupant_id, message.received


def update_args(account: str, message: ChatMessage) -> tuple[object, ...]:
    file = message.attachment
    described = (file.url, file.name, file.size, file.media_type, file.local_path) if file is not None else \
        ("", "", None, "", "")  # (a link in the text becomes the message's file once it is downloaded)
    return (message.state.value, message.error, message.body, int(message.edited), *described, account,
            message.conversation, dedup_key(message))


def to_message(conversation: str, row: tuple) -> ChatMessage:  # type: ignore[type-arg]
    _, kind, direction, sender, body, timestamp, message_id, state, error, delayed, carbon, stanza_id, edited, \
        markable, file_url, file_name, file_size, file_type, file_path = row[:19]  # (not a trailing seq, conversation)
    attachment = Attachment(file_url, file_name, file_size, file_type, file_path) if file_url else None
    reply_id, reply_to, reply_quote, retracted, occupant_id, received = row[19:25]
    return ChatMessage(conversation=conversation, sender=sender, body=body, timestamp=timestamp,
                       direction=Direction(direction), kind=MessageKind(kind), id=message_id,
                       state=DeliveryState(state), error=error, delayed=bool(delayed), carbon=bool(carbon),
                       stanza_id=stanza_id, edited=bool(edited), markable=bool(markable), attachment=attachment,
                       reply_to=Reply(reply_id, reply_to, reply_quote) if reply_id else None, retracted=retracted,
                       occupant_id=occupant_id, received=received)


# Reactions and retractions (schema 5): kept by the id they name, whether or not that message is stored yet.

SET_REACTIONS = ("INSERT INTO reactions (account, conversation, target, reactor, emojis) VALUES (?,?,?,?,?) "
                 "ON CONFLICT (account, conversation, target, reactor) DO UPDATE SET emojis = excluded.emojis")
CLEAR_REACTIONS = "DELETE FROM reactions WHERE account = ? AND conversation = ? AND target = ? AND reactor = ?"
KEEP_RETRACTION = ("INSERT INTO retractions (account, conversation, target, author, words) VALUES (?,?,?,?,?) "
                   "ON CONFLICT (account, conversation, target, author) DO NOTHING")
RETRACT = ("UPDATE messages SET body = '', file_url = '', file_name = '', file_size = NULL, file_type = '', "
           "file_path = '', reply_quote = '', retracted = ?3 WHERE retracted = '' AND id IN ("
           "SELECT id FROM messages WHERE account = ?4 AND conversation = ?5 AND stanza_id = ?1 AND kind = 'groupchat' "
           "UNION ALL SELECT id FROM messages WHERE account = ?4 AND conversation = ?5 AND message_id = ?1 AND "
           "kind != 'groupchat') AND ?2 IN ('*', CASE WHEN kind != 'groupchat' THEN direction "
           "WHEN occupant_id != '' THEN 'o:' || occupant_id ELSE 'n:' || sender END)")
"""Empties a stored message's text (the search index follows) if `author` (an author key) may retract it."""
CLEAR_RETRACTED_EDITS = ("DELETE FROM edits WHERE account = ?1 AND conversation = ?2 AND (target, direction) IN ("
                         "SELECT message_id, direction FROM messages WHERE account = ?1 AND conversation = ?2 AND "
                         "retracted != '' AND CASE WHEN kind = 'groupchat' THEN stanza_id ELSE message_id END = ?3)")
"""Drops the texts a retracted message had before its corrections."""
CLEAR_RETRACTED_REACTIONS = ("DELETE FROM reactions WHERE account = ? AND conversation = ? AND target = ? AND "
                             "EXISTS (SELECT 1 FROM messages WHERE account = ? AND conversation = ? AND "
                             "retracted != '' AND CASE WHEN kind = 'groupchat' THEN stanza_id ELSE message_id END = ?)")


def emojis_column(emojis: frozenset[str]) -> str:
    return "\n".join(sorted(emojis))


def emojis_of(column: str) -> frozenset[str]:
    return frozenset(emoji for emoji in column.split("\n") if emoji)
