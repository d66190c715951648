"""Reactions, retractions, replies and occupant ids in the history (schema 5): kept by the id they name, applied to
a message stored later, a retraction's text out of the search index, and the upgrade from schema 4."""

from __future__ import annotations

import asyncio
import sqlite3
from functools import partial
from pathlib import Path

import pytest

from xmpptui.model.conversation import RETRACTED, ChatMessage, Direction, MessageKind, Reply, moderated_words
from xmpptui.model.references import MODERATOR
from xmpptui.storage import migrations, reactions
from xmpptui.storage.history import History

ME, BOB, ROOM = "alice@example.org", "bob@example.org", "room@conference.example.org"


def chat(n: int, body: str, direction: Direction = Direction.IN) -> ChatMessage:
    return ChatMessage(BOB, "Bob", body, 1_700_000_000.0 + n, direction, id=f"id{n}")


def groupchat(n: int, body: str, nick: str = "carol", occupant_id: str = "") -> ChatMessage:
    return ChatMessage(ROOM, nick, body, 1_700_000_000.0 + n, kind=MessageKind.GROUPCHAT, id=f"own{n}",
                       stanza_id=f"sid{n}", occupant_id=occupant_id)


@pytest.fixture
async def history(tmp_path: Path):  # type: ignore[no-untyped-def]
    store = History(tmp_path / "history.sqlite3")
    yield store
    await asyncio.to_thread(store.shutdown)


async def test_a_reaction_stored_before_its_message_shows_when_the_message_is_read(history: History) -> None:
    await history.write(partial(reactions.set_reactions, account=ME, conversation=BOB, target="id1",
                                reactor=BOB, emojis=frozenset({"👍", "🎉"})))
    await history.add(ME, [chat(1, "hello"), chat(2, "other")])
    (first, second), _ = await history.page(ME, BOB, 10)
    assert first.reactions == {BOB: frozenset({"👍", "🎉"})}
    assert second.reactions == {}


async def test_a_new_set_of_reactions_replaces_the_old_and_an_empty_one_removes_it(history: History) -> None:
    await history.add(ME, [chat(1, "hello")])
    for emojis in ({"👍"}, {"❤️"}):
        await history.write(partial(reactions.set_reactions, account=ME, conversation=BOB, target="id1",
                                    reactor=ME, emojis=frozenset(emojis)))
    (message,), _ = await history.page(ME, BOB, 10)
    assert message.reactions == {ME: frozenset({"❤️"})}
    await history.write(partial(reactions.set_reactions, account=ME, conversation=BOB, target="id1",
                                reactor=ME, emojis=frozenset()))
    (message,), _ = await history.page(ME, BOB, 10)
    assert message.reactions == {}


async def test_a_retraction_empties_the_text_and_search_no_longer_finds_it(history: History) -> None:
    await history.add(ME, [chat(1, "embarrassing typo"), chat(2, "an embarrassing truth")])
    assert len(await history.search(ME, "embarrassing")) == 2
    await history.write(partial(reactions.retract, account=ME, conversation=BOB, target="id1", author="in",
                                words=RETRACTED))
    hits = await history.search(ME, "embarrassing")
    assert [hit.message.body for hit in hits] == ["an embarrassing truth"]
    (retracted, kept), _ = await history.page(ME, BOB, 10)
    assert (retracted.body, retracted.retracted) == ("", RETRACTED)
    assert (kept.body, kept.retracted) == ("an embarrassing truth", "")


async def test_a_retraction_by_someone_else_than_the_author_changes_nothing(history: History) -> None:
    await history.add(ME, [chat(1, "theirs"), chat(2, "mine", Direction.OUT)])
    # In a chat the author is the direction: the peer may not retract ours, nor we theirs.
    await history.write(partial(reactions.retract, account=ME, conversation=BOB, target="id2", author="in",
                                words=RETRACTED))
    await history.write(partial(reactions.retract, account=ME, conversation=BOB, target="id1", author="out",
                                words=RETRACTED))
    messages, _ = await history.page(ME, BOB, 10)
    assert [(m.body, m.retracted) for m in messages] == [("theirs", ""), ("mine", "")]


async def test_a_retraction_stored_before_its_message_applies_when_it_is_stored(history: History) -> None:
    await history.write(partial(reactions.retract, account=ME, conversation=ROOM, target="sid1", author="o:occ-carol",
                                words=RETRACTED))
    await history.write(partial(reactions.retract, account=ME, conversation=ROOM, target="sid2", author="o:occ-eve",
                                words=RETRACTED))  # (spoofed: eve names carol's message)
    await history.write(partial(reactions.retract, account=ME, conversation=ROOM, target="sid3", author=MODERATOR,
                                words=moderated_words("spam")))
    await history.add(ME, [groupchat(1, "secret one", occupant_id="occ-carol"),
                           groupchat(2, "secret two", occupant_id="occ-carol"),
                           groupchat(3, "buy now", nick="spammer")])
    messages, _ = await history.page(ME, ROOM, 10)
    assert [(m.body, m.retracted) for m in messages] == [
        ("", RETRACTED), ("secret two", ""), ("", "removed by a moderator (spam)")]
    assert [hit.message.body for hit in await history.search(ME, "secret")] == ["secret two"]


async def test_replies_and_occupant_ids_round_trip(history: History) -> None:
    answer = groupchat(2, "yes", occupant_id="occ-carol")
    answer.reply_to = Reply("sid1", f"{ROOM}/dave", "are you there?")
    await history.add(ME, [groupchat(1, "are you there?", nick="dave"), answer])
    (_, stored), _ = await history.page(ME, ROOM, 10)
    assert stored.reply_to == Reply("sid1", f"{ROOM}/dave", "are you there?")
    assert stored.occupant_id == "occ-carol"


async def test_a_history_of_schema_4_is_upgraded_and_its_messages_kept(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        for version, step in enumerate(migrations._STEPS[:4]):
            db.executescript(f"BEGIN; {step} PRAGMA user_version = {version + 1}; COMMIT;")
        db.execute("INSERT INTO messages (account, conversation, kind, direction, sender, body, timestamp, message_id,"
                   " dedup_key, seq) VALUES (?, ?, 'chat', 'in', 'Bob', 'from before', 1.0, 'old1', 'm:in:old1', 1)",
                   (ME, BOB))
    store = History(path)
    try:
        assert await store.check() is None
        await store.write(partial(reactions.set_reactions, account=ME, conversation=BOB, target="old1", reactor=BOB,
                                  emojis=frozenset({"👀"})))
        (message,), _ = await store.page(ME, BOB, 10)
        assert (message.body, message.reactions, message.retracted, message.reply_to) == (
            "from before", {BOB: frozenset({"👀"})}, "", None)
        await store.write(partial(reactions.retract, account=ME, conversation=BOB, target="old1", author="in",
                                  words=RETRACTED))
        assert await store.search(ME, "before") == []
    finally:
        await asyncio.to_thread(store.shutdown)
