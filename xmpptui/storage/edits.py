"""The texts corrections (XEP-0308) replaced, in the history: written on the history thread, kept by the corrected
message's own id (the one a correction names) and direction, read back with the messages that were edited, and
dropped when that message is retracted (`storage.reactions.retract`)."""

from __future__ import annotations

import sqlite3

from xmpptui.model.message import ChatMessage, Edit
from xmpptui.model.references import room_author


def keep(db: sqlite3.Connection, account: str, conversation: str, message_id: str, direction: str,
         edit: Edit) -> None:
    """A correction of the message `message_id` replaced `edit.text` at `edit.replaced_at`."""
    db.execute("INSERT OR REPLACE INTO edits (account, conversation, target, direction, replaced_at, text) "
               "VALUES (?,?,?,?,?,?)", (account, conversation, message_id, direction, edit.replaced_at, edit.text))


def with_edits(db: sqlite3.Connection, account: str, messages: list[ChatMessage]) -> list[ChatMessage]:
    """`messages` with the texts their corrections replaced (only edited ones can have any), oldest first."""
    by_conversation: dict[str, dict[tuple[str, str], ChatMessage]] = {}
    for message in messages:
        if message.edited and message.id and not message.retracted:
            by_conversation.setdefault(message.conversation, {})[(message.id, message.direction.value)] = message
    for conversation, targets in by_conversation.items():
        ids = sorted({message_id for message_id, _ in targets})
        for start in range(0, len(ids), 500):  # (SQLite's limit on bound values)
            chunk = ids[start:start + 500]
            for target, direction, replaced_at, text in db.execute(
                    "SELECT target, direction, replaced_at, text FROM edits WHERE account = ? AND conversation = ? "
                    f"AND target IN ({','.join('?' * len(chunk))}) ORDER BY replaced_at", (account, conversation,
                                                                                           *chunk)):
                message = targets.get((target, direction))
                if message is not None:
                    message.edits = (*message.edits, Edit(text, replaced_at))
    return messages


def correct_stored(db: sqlite3.Connection, account: str, conversation: str, message_id: str, author: str, body: str,
                   at: float) -> bool:
    """A correction from the archive of a message only the history holds (not in memory): the newest stored
    message `message_id` of `author` (`model.references.author_key`) gets `body`, and the text it replaces is
    kept; whether one did. A retracted message stays so; one corrected later than `at` keeps its newer text."""
    for row_id, kind, direction, sender, occupant_id, old_body, retracted in db.execute(
            "SELECT id, kind, direction, sender, occupant_id, body, retracted FROM messages WHERE account = ? AND "
            "conversation = ? AND message_id = ? ORDER BY seq DESC", (account, conversation, message_id)):
        key = room_author(sender, occupant_id) if kind == "groupchat" else direction
        if key != author:
            continue
        newer = db.execute("SELECT 1 FROM edits WHERE account = ? AND conversation = ? AND target = ? AND "
                           "direction = ? AND replaced_at > ?", (account, conversation, message_id, direction,
                                                                  at)).fetchone()
        if retracted or old_body == body or newer is not None:
            return False
        db.execute("UPDATE messages SET body = ?, edited = 1 WHERE id = ?", (body, row_id))
        keep(db, account, conversation, message_id, direction, Edit(old_body, at))
        return True
    return False
