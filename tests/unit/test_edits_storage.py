"""The edit history and the received time in the history (schema 6): the texts corrections (XEP-0308) replaced and
when a delayed message reached us round-trip, a retraction drops the edit history from storage and search as it
does from the held message, and a history of schema 5 is upgraded with its messages kept."""

from __future__ import annotations

import asyncio
import sqlite3
from functools import partial
from pathlib import Path

import pytest

from xmpptui.model.conversation import RETRACTED, ChatMessage, Direction
from xmpptui.model.message import Edit
from xmpptui.model.references import retract
from xmpptui.storage import edits, migrations, reactions
from xmpptui.storage.history import History

ME, BOB = "alice@example.org", "bob@example.org"
SENT = 1_700_000_000.0


def chat(n: int, body: str, direction: Direction = Direction.IN, **extra: object) -> ChatMessage:
    return ChatMessage(BOB, "Bob", body, SENT + n, direction, id=f"id{n}", **extra)  # type: ignore[arg-type]


@pytest.fixture
async def history(tmp_path: Path):  # type: ignore[no-untyped-def]
    store = History(tmp_path / "history.sqlite3")
    yield store
    await asyncio.to_thread(store.shutdown)


async def correct(history: History, message: ChatMessage, body: str, at: float) -> None:
    """As the session does: the held message corrected, its new text and the replaced one stored."""
    edit = message.correct(body, at)
    await history.update(ME, message)
    await history.write(partial(edits.keep, account=ME, conversation=BOB, message_id=message.id,
                                direction=message.direction.value, edit=edit))


def test_a_correction_keeps_the_text_it_replaced_and_a_retraction_drops_them() -> None:
    message = chat(1, "helo")
    assert message.edits == () and message._rare is None  # (a message never corrected pays nothing for it)
    message.correct("hello", SENT + 10)
    message.correct("hello!", SENT + 20)
    assert (message.body, message.edited) == ("hello!", True)
    assert message.edits == (Edit("helo", SENT + 10), Edit("hello", SENT + 20))
    assert retract(message, "in", RETRACTED)
    assert (message.body, message.edits) == ("", ())


async def test_the_received_time_of_a_delayed_message_round_trips(history: History) -> None:
    await history.add(ME, [chat(1, "sent while we were away", delayed=True, received=SENT + 3600), chat(2, "live")])
    (delayed, live), _ = await history.page(ME, BOB, 10)
    assert (delayed.timestamp, delayed.received) == (SENT + 1, SENT + 3600)
    assert (live.received, live._rare) == (None, None)


async def test_the_texts_corrections_replaced_round_trip_oldest_first(history: History) -> None:
    theirs, ours = chat(1, "helo"), chat(1, "same id, ours", Direction.OUT)  # (one id, two directions)
    await history.add(ME, [theirs, ours])
    await correct(history, theirs, "hello", SENT + 10)
    await correct(history, theirs, "hello!", SENT + 20)
    (stored_theirs, stored_ours), _ = await history.page(ME, BOB, 10)
    assert (stored_theirs.body, stored_theirs.edited) == ("hello!", True)
    assert stored_theirs.edits == (Edit("helo", SENT + 10), Edit("hello", SENT + 20))
    assert (stored_ours.body, stored_ours.edits) == ("same id, ours", ())
    # Search finds the text shown, not the texts it replaced.
    assert [hit.message.body for hit in await history.search(ME, "hello")] == ["hello!"]
    assert await history.search(ME, "helo") == []


async def test_a_retraction_drops_the_edit_history_from_storage_and_search(history: History) -> None:
    message, other = chat(1, "embarrassing typo"), chat(2, "kept", Direction.OUT)
    await history.add(ME, [message, other])
    await correct(history, message, "embarrassing secret", SENT + 10)
    await correct(history, other, "kept, corrected", SENT + 11)
    await history.write(partial(reactions.retract, account=ME, conversation=BOB, target="id1", author="in",
                                words=RETRACTED))
    (retracted, kept), _ = await history.page(ME, BOB, 10)
    assert (retracted.body, retracted.retracted, retracted.edits) == ("", RETRACTED, ())
    assert kept.edits == (Edit("kept", SENT + 11),)
    assert await history.search(ME, "embarrassing") == []

    def left(db: sqlite3.Connection) -> list[tuple[str, str]]:
        return db.execute("SELECT target, text FROM edits").fetchall()

    assert await history._run(left, list) == [("id2", "kept")]


async def test_a_history_of_schema_5_is_upgraded_and_its_messages_kept(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        for version, step in enumerate(migrations._STEPS[:5]):
            db.executescript(f"BEGIN; {step} PRAGMA user_version = {version + 1}; COMMIT;")
        db.execute("INSERT INTO messages (account, conversation, kind, direction, sender, body, timestamp, message_id,"
                   " dedup_key, seq, edited) VALUES (?, ?, 'chat', 'in', 'Bob', 'from before', 1.0, 'old1', "
                   "'m:in:old1', 1, 1)", (ME, BOB))
    store = History(path)
    try:
        assert await store.check() is None
        (message,), _ = await store.page(ME, BOB, 10)
        assert (message.body, message.edited, message.edits, message.received) == ("from before", True, (), None)
    finally:
        await asyncio.to_thread(store.shutdown)


async def test_the_session_stores_the_received_time_and_the_replaced_text_and_a_retraction_drops_it(
        history: History) -> None:
    """Through the session's handlers (stanzas from XML, no server): a delayed message gets the time it reached
    us, a correction keeps the text it replaced, in memory and in the history; the sender's retraction drops it."""
    from slixmpp import Message
    from slixmpp.xmlstream import ET

    from xmpptui.config import Account
    from xmpptui.passwords import Secret
    from xmpptui.xmpp.session import XmppSession
    from xmpptui.xmpp.stanzas import messaging

    now = SENT + 7200
    session = XmppSession(Account(jid=ME), Secret("pw"), clock=lambda: now, history=history)
    session.context.sink = lambda event: None

    def chat(inner: str, id: str = "") -> Message:
        return Message(xml=ET.fromstring(f"<message xmlns='jabber:client' from='{BOB}/r' to='{ME}/x' type='chat' "
                                         f"id='{id}'>{inner}</message>"))

    session.inbound(chat("<body>helo</body><delay xmlns='urn:xmpp:delay' stamp='2023-11-14T22:13:20Z'/>", "m1"))
    session.inbound(chat("<body>hello</body><replace xmlns='urn:xmpp:message-correct:0' id='m1'/>", "m2"))
    (held,) = session.state.conversations.get(BOB).messages  # type: ignore[union-attr]
    assert (held.timestamp, held.received, held.body, held.edits) == (SENT, now, "hello", (Edit("helo", now),))
    session.conversations.save_unsaved()
    await session.context.settle()
    (stored,), _ = await history.page(ME, BOB, 10)
    assert (stored.received, stored.body, stored.edits) == (now, "hello", (Edit("helo", now),))

    session.inbound(chat(f"<retract xmlns='{messaging.RETRACT_NS}' id='m1'/><body>fallback</body>", "m3"))
    assert held.edits == ()
    await session.context.settle()
    (stored,), _ = await history.page(ME, BOB, 10)
    assert (stored.body, stored.retracted, stored.edits) == ("", RETRACTED, ())
