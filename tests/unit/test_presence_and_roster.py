"""Presence values, the per-resource PresenceBook (RFC 6121 best resource) and the Roster model."""

from __future__ import annotations

import pytest

from xmpptui.model.presence import OFFLINE, PRIORITY_MAX, PRIORITY_MIN, Presence, PresenceBook, Show, parse_priority
from xmpptui.model.roster import Contact, Roster, Subscription

# Show.parse / parse_priority -------------------------------------------------------------------


@pytest.mark.parametrize(("text", "show"), [
    ("online", Show.ONLINE), ("available", Show.ONLINE), ("  Available ", Show.ONLINE),
    ("chat", Show.CHAT), ("free", Show.CHAT), ("away", Show.AWAY), ("AWAY", Show.AWAY),
    ("xa", Show.XA), ("dnd", Show.DND), ("busy", Show.DND), ("offline", Show.OFFLINE),
])
def test_show_parse_accepts_words_and_synonyms(text: str, show: Show) -> None:
    assert Show.parse(text) is show


@pytest.mark.parametrize("text", ["", "gone", "unavailable", "on line"])
def test_show_parse_rejects_others_and_lists_the_accepted_words(text: str) -> None:
    with pytest.raises(ValueError, match="use one of online, chat, away, xa, dnd, offline") as info:
        Show.parse(text)
    assert repr(text) in str(info.value)


def test_show_wire_omits_show_element_for_online_and_offline() -> None:
    assert Show.ONLINE.wire is None and Show.OFFLINE.wire is None
    assert [s.wire for s in (Show.CHAT, Show.AWAY, Show.XA, Show.DND)] == ["chat", "away", "xa", "dnd"]


def test_availability_order_is_chat_online_away_dnd_xa_offline() -> None:
    order = sorted(Show, key=lambda s: s.availability, reverse=True)
    assert order == [Show.CHAT, Show.ONLINE, Show.AWAY, Show.DND, Show.XA, Show.OFFLINE]


@pytest.mark.parametrize(("text", "value"), [("0", 0), (" 5 ", 5), ("-128", -128), ("127", 127), ("+3", 3)])
def test_parse_priority_in_range(text: str, value: int) -> None:
    assert parse_priority(text) == value


@pytest.mark.parametrize("text", ["128", "-129", "1000"])
def test_parse_priority_out_of_range(text: str) -> None:
    with pytest.raises(ValueError, match=rf"priority must be from -128 to 127, not {int(text)}"):
        parse_priority(text)


@pytest.mark.parametrize("text", ["", "high", "1.5", "0x10"])
def test_parse_priority_not_a_number(text: str) -> None:
    with pytest.raises(ValueError, match="priority must be a whole number from -128 to 127"):
        parse_priority(text)


def test_priority_bounds_are_rfc_6121s() -> None:
    assert (PRIORITY_MIN, PRIORITY_MAX) == (-128, 127)


# PresenceBook ----------------------------------------------------------------------------------

BOB = "bob@example.org"


def test_absent_contact_is_offline() -> None:
    book = PresenceBook()
    assert book.best(BOB) == OFFLINE
    assert book.best_resource(BOB) is None
    assert not book.best(BOB).available
    assert len(book) == 0


def test_highest_priority_wins_over_more_available_show() -> None:
    book = PresenceBook()
    book.update(BOB, "phone", Presence(Show.CHAT, "on my phone", priority=1))
    book.update(BOB, "desk", Presence(Show.XA, "at lunch", priority=5))
    assert book.best_resource(BOB) == "desk"
    assert book.best(BOB) == Presence(Show.XA, "at lunch", 5)


def test_negative_priority_still_counts_as_online() -> None:
    book = PresenceBook()
    book.update(BOB, "bot", Presence(Show.ONLINE, priority=-1))
    assert book.best_resource(BOB) == "bot"
    assert book.best(BOB).available


@pytest.mark.parametrize(("more", "less"), [
    (Show.CHAT, Show.ONLINE), (Show.ONLINE, Show.AWAY), (Show.AWAY, Show.DND), (Show.DND, Show.XA),
    (Show.CHAT, Show.XA),
])
def test_equal_priority_picks_the_most_available_show(more: Show, less: Show) -> None:
    for first, second in ((more, less), (less, more)):  # insertion order must not matter
        book = PresenceBook()
        book.update(BOB, first.value, Presence(first, priority=3))
        book.update(BOB, second.value, Presence(second, priority=3))
        assert book.best_resource(BOB) == more.value
        assert book.best(BOB).show is more


def test_a_newer_presence_from_the_same_resource_replaces_the_older() -> None:
    book = PresenceBook()
    book.update(BOB, "desk", Presence(Show.ONLINE, priority=5))
    book.update(BOB, "phone", Presence(Show.ONLINE, priority=1))
    book.update(BOB, "desk", Presence(Show.AWAY, priority=0))
    assert book.best_resource(BOB) == "phone"
    assert book.resources(BOB)["desk"] == Presence(Show.AWAY, priority=0)


def test_unavailable_from_one_resource_removes_only_that_resource() -> None:
    book = PresenceBook()
    book.update(BOB, "desk", Presence(Show.ONLINE, priority=5))
    book.update(BOB, "phone", Presence(Show.AWAY, priority=1))
    book.update(BOB, "desk", Presence(Show.OFFLINE))
    assert set(book.resources(BOB)) == {"phone"}
    assert book.best_resource(BOB) == "phone"
    assert book.is_online((BOB, "phone")) and not book.is_online((BOB, "desk"))
    book.update(BOB, "phone", Presence(Show.OFFLINE))
    assert book.best(BOB) == OFFLINE
    assert len(book) == 0


def test_unavailable_from_the_bare_jid_takes_every_resource_offline() -> None:
    book = PresenceBook()
    book.update(BOB, "desk", Presence(Show.ONLINE, priority=5))
    book.update(BOB, "phone", Presence(Show.AWAY, priority=1))
    book.update("carol@example.org", "x", Presence(Show.DND))
    book.update(BOB, "", Presence(Show.OFFLINE, "server shut down"))
    assert book.resources(BOB) == {}
    assert book.best(BOB) == OFFLINE
    assert book.best("carol@example.org").show is Show.DND, "other contacts are untouched"
    assert len(book) == 1


def test_unavailable_for_unknown_contact_leaves_no_entry() -> None:
    book = PresenceBook()
    book.update(BOB, "desk", Presence(Show.OFFLINE))
    assert len(book) == 0
    assert book.resources(BOB) == {}


def test_resources_returns_a_copy() -> None:
    book = PresenceBook()
    book.update(BOB, "desk", Presence())
    book.resources(BOB).clear()
    assert book.best_resource(BOB) == "desk"


def test_clear() -> None:
    book = PresenceBook()
    book.update(BOB, "desk", Presence())
    book.clear()
    assert book.best(BOB) == OFFLINE and len(book) == 0


# Roster ----------------------------------------------------------------------------------------

ALICE = Contact("alice@example.org", "Alice", ("Friends",), Subscription.BOTH)
CAROL = Contact("carol@example.org", subscription=Subscription.TO)


def test_replace_drops_remove_items_and_old_contacts() -> None:
    roster = Roster()
    roster.replace([Contact("old@example.org")], version="v0")
    roster.replace([ALICE, CAROL, Contact("gone@example.org", subscription=Subscription.REMOVE)], version="v1")
    assert {c.jid for c in roster} == {ALICE.jid, CAROL.jid}
    assert "old@example.org" not in roster
    assert "gone@example.org" not in roster
    assert roster.version == "v1"
    assert len(roster) == 2
    assert roster.get(ALICE.jid) == ALICE


def test_replace_without_version_forgets_the_old_version() -> None:
    roster = Roster()
    roster.replace([ALICE], version="v1")
    roster.replace([ALICE])
    assert roster.version is None


def test_apply_push_adds_changes_and_removes() -> None:
    roster = Roster()
    roster.replace([ALICE], version="v1")
    roster.apply_push(CAROL, version="v2")
    assert CAROL.jid in roster and roster.version == "v2"
    renamed = Contact(ALICE.jid, "Alice L.", ("Work",), Subscription.BOTH)
    roster.apply_push(renamed)
    assert roster.get(ALICE.jid) == renamed
    assert roster.version == "v2", "a push without a version keeps the current one"
    assert len(roster) == 2
    roster.apply_push(Contact(CAROL.jid, subscription=Subscription.REMOVE), version="v3")
    assert CAROL.jid not in roster and roster.get(CAROL.jid) is None
    assert roster.version == "v3"
    roster.apply_push(Contact("never@example.org", subscription=Subscription.REMOVE))  # unknown: no error
    assert len(roster) == 1


def test_contact_display_name_and_subscription_visibility() -> None:
    assert ALICE.display_name == "Alice"
    assert CAROL.display_name == CAROL.jid
    assert [s for s in Subscription if s.can_see_presence] == [Subscription.TO, Subscription.BOTH]
