"""Reactions (XEP-0444) and retractions (XEP-0424/0425) in the history: written on the history thread, kept by the
id they name (`reference_id`) whether or not that message is stored yet, and applied to messages read back."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping

from xmpptui.model.conversation import ChatMessage
from xmpptui.model.references import reference_id
from xmpptui.storage import edits
from xmpptui.storage import rows as stored


def set_reactions(db: sqlite3.Connection, account: str, conversation: str, target: str, reactor: str,
                  emojis: frozenset[str]) -> None:
    """`reactor`'s reactions to `target` are now `emojis` (replacing what it had; none removes them)."""
    if emojis:
        db.execute(stored.SET_REACTIONS, (account, conversation, target, reactor, stored.emojis_column(emojis)))
    else:
        db.execute(stored.CLEAR_REACTIONS, (account, conversation, target, reactor))


def retract(db: sqlite3.Connection, account: str, conversation: str, target: str, author: str, words: str) -> None:
    """Applied to a stored message now, if `author` may retract it: its text emptied (so out of the search index),
    its reactions and the texts its corrections replaced dropped. Kept, if it changed nothing, for a message
    stored later (`apply_retractions`)."""
    db.execute("SAVEPOINT retraction")
    try:
        if not db.execute(stored.RETRACT, (target, author, words, account, conversation)).rowcount:
            db.execute(stored.KEEP_RETRACTION, (account, conversation, target, author, words))
        db.execute(stored.CLEAR_RETRACTED_REACTIONS, (account, conversation, target, account, conversation, target))
        db.execute(stored.CLEAR_RETRACTED_EDITS, (account, conversation, target))
    except BaseException:
        db.execute("ROLLBACK TO retraction")
        raise
    finally:
        db.execute("RELEASE retraction")


def set_room_ids(db: sqlite3.Connection, account: str, conversation: str, message_id: str, stanza_id: str,
                 occupant_id: str) -> None:
    """Our room message, stored when sent, has come back with the room's id for it (what others name it by)."""
    db.execute("UPDATE messages SET stanza_id = ?, occupant_id = ? WHERE account = ? AND conversation = ? AND "
               "message_id = ? AND direction = 'out' AND kind = 'groupchat'",
               (stanza_id, occupant_id, account, conversation, message_id))
    apply_retractions(db, {(account, conversation): {stanza_id}})


def targets_of(rows: Iterable[tuple[object, ...]]) -> dict[tuple[object, object], set[object]]:
    """The ids `to_row` rows are named by, per (account, conversation)."""
    targets: dict[tuple[object, object], set[object]] = {}
    for row in rows:
        targets.setdefault((row[0], row[1]), set()).add(stored.reference_of(row))
    return targets


def apply_retractions(db: sqlite3.Connection, targets: Mapping[tuple[object, object], set[object]]) -> None:
    """Retractions kept for the messages just stored (their ids per (account, conversation)) applied to them. Only
    retractions that changed nothing are kept (`retract`), so the ones read here are few."""
    for (account, conversation), ids in targets.items():
        for target, author, words in db.execute("SELECT target, author, words FROM retractions WHERE account = ? AND "
                                                "conversation = ?", (account, conversation)).fetchall():
            if target in ids and db.execute(stored.RETRACT, (target, author, words, account, conversation)).rowcount:
                db.execute("DELETE FROM retractions WHERE account = ? AND conversation = ? AND target = ? AND "
                           "author = ?", (account, conversation, target, author))  # (applied: no longer waiting)


def with_reactions(db: sqlite3.Connection, account: str, messages: list[ChatMessage]) -> list[ChatMessage]:
    """`messages` with their stored reactions and the texts their corrections replaced (`storage.edits`;
    retracted ones have neither)."""
    by_conversation: dict[str, dict[str, ChatMessage]] = {}
    for message in messages:
        if not message.retracted and reference_id(message):
            by_conversation.setdefault(message.conversation, {})[reference_id(message)] = message
    for conversation, targets in by_conversation.items():
        ids = list(targets)
        for start in range(0, len(ids), 500):  # (SQLite's limit on bound values)
            chunk = ids[start:start + 500]
            for target, reactor, emojis in db.execute(
                    "SELECT target, reactor, emojis FROM reactions WHERE account = ? AND conversation = ? AND "
                    f"target IN ({','.join('?' * len(chunk))})", (account, conversation, *chunk)):
                targets[target].reactions = {**targets[target].reactions, reactor: stored.emojis_of(emojis)}
    return edits.with_edits(db, account, messages)
