"""Contact management without a server: the model (requests, words), the contact store, the stanza
translation, and the session's subscription handlers fed with stanzas built from XML."""

from __future__ import annotations

import json
import os
from pathlib import Path

from slixmpp import Iq
from slixmpp import Presence as PresenceStanza
from slixmpp.xmlstream import ET

from xmpptui.config import Account
from xmpptui.model.contacts import (
    LastActivity,
    PendingRequest,
    SubscriptionRequests,
    VCardBasics,
    duration_words,
    parse_groups,
    subscription_words,
)
from xmpptui.model.events import Notice, RequestsChanged
from xmpptui.model.roster import Contact, Subscription
from xmpptui.passwords import Secret
from xmpptui.session import ContactError
from xmpptui.storage.contact_store import ContactStore, roster_json_parts
from xmpptui.xmpp.contacts import MAX_PENDING_REQUESTS
from xmpptui.xmpp.session import XmppSession
from xmpptui.xmpp.stanzas import contacts as contact_stanzas
from xmpptui.xmpp.stanzas.contacts import valid_bare_jid

NOW = 1_700_000_000.0


def presence(inner: str = "", **attrs: str) -> PresenceStanza:
    attributes = " ".join(f'{k}="{v}"' for k, v in attrs.items())
    return PresenceStanza(xml=ET.fromstring(f'<presence xmlns="jabber:client" {attributes}>{inner}</presence>'))


def iq(inner: str, **attrs: str) -> Iq:
    attributes = " ".join(f'{k}="{v}"' for k, v in {"type": "result", "id": "r1", **attrs}.items())
    return Iq(xml=ET.fromstring(f'<iq xmlns="jabber:client" {attributes}>{inner}</iq>'))


# Model -------------------------------------------------------------------------------------------

def test_requests_keep_the_first_time_and_what_a_bare_redelivery_lacks() -> None:
    requests = SubscriptionRequests()
    assert requests.add(PendingRequest("bob@x.org", "Bobby", "hi", 10.0))
    assert not requests.add(PendingRequest("bob@x.org", "", "", 20.0)), "a re-delivery without nick changes nothing"
    assert requests.get("bob@x.org") == PendingRequest("bob@x.org", "Bobby", "hi", 10.0)
    assert requests.add(PendingRequest("bob@x.org", "Robert", "", 30.0))
    assert requests.get("bob@x.org") == PendingRequest("bob@x.org", "Robert", "hi", 10.0)
    requests.add(PendingRequest("ann@x.org", received=5.0))
    assert [r.jid for r in requests] == ["ann@x.org", "bob@x.org"], "oldest first"
    assert requests.answer("bob@x.org") and not requests.answer("bob@x.org")
    assert len(requests) == 1 and "ann@x.org" in requests


def test_subscription_words_groups_and_durations() -> None:
    assert subscription_words(Contact("a@x", subscription=Subscription.BOTH)).startswith("both: you see each other")
    words = subscription_words(Contact("a@x", subscription=Subscription.FROM, pending_out=True))
    assert words.startswith("from: they see your presence") and "waiting for approval" in words
    assert parse_groups(" Work, Friends,,Work , ") == ("Work", "Friends")
    assert parse_groups("") == ()
    assert [duration_words(s) for s in (40, 600, 3 * 3600 + 120, 2 * 86400 + 3600)] == [
        "40 s", "10 min", "3 h 2 min", "2 days 1 h"]


# Store -------------------------------------------------------------------------------------------

def test_store_round_trips_requests_and_the_roster_privately(tmp_path: Path) -> None:
    store = ContactStore(tmp_path / "contacts", "Alice@Example.org")
    assert store.load_requests() == [] and store.load_roster() == (None, [])
    requests = [PendingRequest("bob@x.org", "Bobby", "[b]hi[/b]\u202e", NOW)]
    store.save_requests(requests)
    assert store.load_requests() == requests
    contacts = [Contact("bob@x.org", "Bob", ("Work", "Friends"), Subscription.TO, pending_out=True)]
    store.save_roster("42", contacts)
    assert store.load_roster() == ("42", contacts)
    for path in (store.requests_path, store.roster_path):
        assert os.stat(path).st_mode & 0o777 == 0o600
    assert ContactStore(tmp_path / "contacts", "alice@example.org").requests_path == store.requests_path
    store.forget_roster()
    assert store.load_roster() == (None, [])


def test_the_roster_cache_is_written_as_json_dumps_wrote_it_on_hostile_text() -> None:
    hostile = ['"', "\\", "</script>", "\u202e\x1b[31m\x00", "é😀", "\ud800", "", " ,:{}[] "]
    contacts = [Contact(f"{n}@x.org", name, (name, "G"), subscription, pending_out=bool(n % 2))
                for n, (name, subscription) in enumerate(zip(hostile, list(Subscription) * 3, strict=False))]
    for version, roster in (("42", contacts), ('"\u2028', contacts[:1]), ("", [])):
        assert "".join(roster_json_parts(version, roster)) == json.dumps({"version": version, "contacts": [
            {"jid": c.jid, "name": c.name, "groups": list(c.groups), "subscription": c.subscription.value,
             "ask": c.pending_out} for c in roster]}, separators=(",", ":"))


def test_a_damaged_store_reads_as_empty(tmp_path: Path) -> None:
    store = ContactStore(tmp_path, "alice@example.org")
    store.requests_path.write_text("{not json")
    store.roster_path.write_text('{"version": "3", "contacts": [{"name": "no jid"}, {"jid": "ok@x", '
                                 '"subscription": "bogus"}, {"jid": "fine@x"}]}')
    assert store.load_requests() == []
    assert store.load_roster() == ("3", [Contact("fine@x")])


# Translation -------------------------------------------------------------------------------------

def test_subscription_request_with_nick_and_status() -> None:
    stanza = presence("<nick xmlns='http://jabber.org/protocol/nick'> Bobby </nick><status>let me in</status>",
                      **{"from": "Bob@Example.org/phone", "type": "subscribe"})
    assert contact_stanzas.subscription_request(stanza, NOW) == PendingRequest(
        "bob@example.org", "Bobby", "let me in", NOW)
    assert contact_stanzas.subscription_request(presence(type="subscribe"), NOW) is None, "no from"
    bad = presence(**{"from": "a@b@c", "type": "subscribe"})
    assert contact_stanzas.subscription_request(bad, NOW) is None
    long = presence(f"<status>{'x' * 5000}</status>", **{"from": "bob@x.org", "type": "subscribe"})
    assert len(contact_stanzas.subscription_request(long, NOW).status) == 1024


def test_block_items_vcard_and_last_activity() -> None:
    blocklist = iq("<blocklist xmlns='urn:xmpp:blocking'><item jid='a@x.org'/><item jid='a@b@c'/>"
                   "<item jid='x.org'/></blocklist>")
    assert contact_stanzas.block_items(blocklist, "blocklist") == ["a@x.org", "x.org"]
    assert contact_stanzas.block_items(iq("<unblock xmlns='urn:xmpp:blocking'/>", type="set"), "unblock") == []
    assert contact_stanzas.block_items(iq(""), "block") is None
    card = iq("<vCard xmlns='vcard-temp'><FN>Bob B</FN><NICKNAME>bb</NICKNAME><EMAIL><USERID>b@x.org</USERID>"
              "</EMAIL><NOTE>hello</NOTE></vCard>")
    assert contact_stanzas.vcard_basics(card) == VCardBasics("Bob B", "bb", "b@x.org", "hello")
    assert contact_stanzas.vcard_basics(iq("")).empty
    last = iq("<query xmlns='jabber:iq:last' seconds='90'>gone fishing</query>")
    assert contact_stanzas.last_activity(last) == LastActivity(90, "gone fishing")
    assert contact_stanzas.last_activity(iq("<query xmlns='jabber:iq:last' seconds='soon'/>")) is None
    version = iq("<query xmlns='jabber:iq:version'><name>Gajim</name><version>1.9</version><os>Linux</os></query>")
    assert str(contact_stanzas.client_version(version)) == "Gajim 1.9 (Linux)"
    assert contact_stanzas.client_version(iq("<query xmlns='jabber:iq:version'/>")) is None


def test_user_typed_jids_are_checked_in_words() -> None:
    assert valid_bare_jid(" Bob@Example.org/phone ") == "bob@example.org"
    for bad in ("", "a@b@c", "nodomain"):
        try:
            valid_bare_jid(bad)
        except ContactError as exc:
            assert "not a valid JID" in str(exc)
        else:
            raise AssertionError(f"{bad!r} accepted")


# Session handlers --------------------------------------------------------------------------------

def _session(tmp_path: Path) -> tuple[XmppSession, list[object]]:
    session = XmppSession(Account(jid="alice@example.org"), Secret("pw"),
                          contacts_store=ContactStore(tmp_path, "alice@example.org"))
    events: list[object] = []
    session.context.sink = events.append
    return session, events


async def test_a_session_given_the_cache_read_for_the_first_frame_starts_from_it(tmp_path: Path) -> None:
    """`__main__` reads the roster cache before the first frame (the UI shows it there) and hands it to the
    first session: that session holds it from the start (the UI attaching it shows the same roster, with no
    empty moment) and does not read the file again."""
    bob = Contact("bob@x.org", "Bob", ("Friends",), Subscription.BOTH)
    store = ContactStore(tmp_path, "alice@example.org")
    store.save_roster("6", [Contact("stale@x.org")])  # (would be read if the given cache were not used)
    session = XmppSession(Account(jid="alice@example.org"), Secret("pw"), contacts_store=store,
                          cached_roster=("7", [bob]))
    events: list[object] = []
    session.context.sink = events.append
    assert list(session.state.roster) == [bob] and session.state.roster.version == "7"
    await session.roster.show_cached()
    assert list(session.state.roster) == [bob] and session.state.roster.version == "7"


def test_a_request_is_stored_shown_and_withdrawn(tmp_path: Path) -> None:
    session, events = _session(tmp_path)
    request = presence("<nick xmlns='http://jabber.org/protocol/nick'>Bobby</nick>",
                       **{"from": "bob@x.org/r", "type": "subscribe"})
    session.inbound(request)
    session.inbound(request)  # repeated: nothing new
    assert [e for e in events if isinstance(e, RequestsChanged)] == [RequestsChanged("bob@x.org")]
    assert "bob@x.org (Bobby) asks to see your presence" in next(e.text for e in events if isinstance(e, Notice))
    assert [r.jid for r in ContactStore(tmp_path, "alice@example.org").load_requests()] == ["bob@x.org"]
    session.inbound(presence(**{"from": "bob@x.org", "type": "unsubscribe"}))
    assert not session.state.requests
    assert ContactStore(tmp_path, "alice@example.org").load_requests() == []


def test_requests_from_ourselves_blocked_jids_or_those_who_already_see_us_are_not_kept(tmp_path: Path) -> None:
    session, events = _session(tmp_path)
    session.state.blocked.add("mallory@x.org")
    session.state.roster.replace([Contact("carol@x.org", subscription=Subscription.FROM)])
    for sender in ("alice@example.org/other", "mallory@x.org/r", "carol@x.org/r"):
        session.inbound(presence(**{"from": sender, "type": "subscribe"}))
    assert not session.state.requests and not events


def test_a_refusal_is_said_in_words(tmp_path: Path) -> None:
    session, events = _session(tmp_path)
    session.state.roster.replace([Contact("bob@x.org", "Bob", pending_out=True)])
    session.inbound(presence(**{"from": "bob@x.org", "type": "unsubscribed"}))
    notice = next(e for e in events if isinstance(e, Notice))
    assert notice.text == "Bob (bob@x.org) refused or cancelled your subscription: you cannot see their presence"


def test_stored_requests_are_loaded_at_start(tmp_path: Path) -> None:
    ContactStore(tmp_path, "alice@example.org").save_requests([PendingRequest("bob@x.org", "Bobby", "", NOW)])
    session, events = _session(tmp_path)
    session.contacts.load_requests()
    assert session.state.requests.get("bob@x.org").nick == "Bobby"
    assert events == [RequestsChanged("")]


def test_a_flood_of_requests_is_bounded_and_said(tmp_path: Path) -> None:
    session, events = _session(tmp_path)
    for n in range(MAX_PENDING_REQUESTS + 20):
        session.inbound(presence(**{"from": f"spam{n}@evil.example", "type": "subscribe"}))
    assert len(session.state.requests) == MAX_PENDING_REQUESTS
    dropped = [e.text for e in events if isinstance(e, Notice) and "dropped" in e.text]
    assert 1 <= len(dropped) <= 3, "the drops are said, but throttled"
    assert len(ContactStore(tmp_path, "alice@example.org").load_requests()) == MAX_PENDING_REQUESTS
