"""xmpp/translate.py fed with slixmpp stanzas built from XML strings (no server)."""

from __future__ import annotations

import pytest
from slixmpp import Iq, Message
from slixmpp import Presence as PresenceStanza
from slixmpp.xmlstream import ET

from xmpptui.model.conversation import MessageKind
from xmpptui.model.presence import Presence, Show
from xmpptui.model.roster import Contact, Subscription
from xmpptui.xmpp.stanzas import translate

NOW = 1_700_000_000.0  # 2023-11-14T22:13:20Z
STANZAS_NS = "urn:ietf:params:xml:ns:xmpp-stanzas"


def iq(inner: str, **attrs: str) -> Iq:
    attributes = " ".join(f'{k}="{v}"' for k, v in {"type": "result", "id": "r1", **attrs}.items())
    return Iq(xml=ET.fromstring(f'<iq xmlns="jabber:client" {attributes}>{inner}</iq>'))


def roster(items: str, ver: str | None = None) -> Iq:
    version = f' ver="{ver}"' if ver is not None else ""
    return iq(f'<query xmlns="jabber:iq:roster"{version}>{items}</query>')


def presence(inner: str = "", **attrs: str) -> PresenceStanza:
    attrs.setdefault("from", "bob@example.org/desk")
    attributes = " ".join(f'{k}="{v}"' for k, v in attrs.items())
    return PresenceStanza(xml=ET.fromstring(f'<presence xmlns="jabber:client" {attributes}>{inner}</presence>'))


def message(inner: str = "", **attrs: str) -> Message:
    attrs.setdefault("from", "bob@example.org/desk")
    attributes = " ".join(f'{k}="{v}"' for k, v in attrs.items())
    return Message(xml=ET.fromstring(f'<message xmlns="jabber:client" {attributes}>{inner}</message>'))


def delay(stamp: str) -> str:
    return f'<delay xmlns="urn:xmpp:delay" from="example.org" stamp="{stamp}"/>'


# roster_items ----------------------------------------------------------------------------------


def test_roster_items_names_groups_subscription_and_version() -> None:
    contacts, version = translate.roster_items(roster(
        '<item jid="alice@example.org" name=" Alice " subscription="both">'
        "<group>Friends</group><group> Work </group><group>Friends</group><group>  </group></item>"
        '<item jid="carol@example.org" subscription="to"/>', ver="ver7"))
    assert version == "ver7"
    assert contacts == [
        Contact("alice@example.org", "Alice", ("Friends", "Work"), Subscription.BOTH),
        Contact("carol@example.org", "", (), Subscription.TO),
    ]


def test_roster_items_ask_subscribe_is_pending_out() -> None:
    contacts, _ = translate.roster_items(roster(
        '<item jid="dave@example.org" subscription="none" ask="subscribe"/>'
        '<item jid="erin@example.org" subscription="from"/>'))
    assert [(c.jid, c.subscription, c.pending_out) for c in contacts] == [
        ("dave@example.org", Subscription.NONE, True),
        ("erin@example.org", Subscription.FROM, False),
    ]


def test_roster_items_drop_invalid_and_full_jids_and_keep_the_rest() -> None:
    contacts, version = translate.roster_items(roster(
        '<item jid="bad@@example.org"/>'
        '<item jid="bob@example.org/desk" subscription="both"/>'
        '<item jid=""/>'
        "<item/>"
        '<item jid="ok@example.org" subscription="both"/>'))
    assert [c.jid for c in contacts] == ["ok@example.org"]
    assert version is None


def test_roster_items_unknown_subscription_is_none_and_remove_is_kept_for_pushes() -> None:
    contacts, _ = translate.roster_items(roster(
        '<item jid="a@example.org" subscription="bogus"/><item jid="b@example.org" subscription="remove"/>'))
    assert [c.subscription for c in contacts] == [Subscription.NONE, Subscription.REMOVE]


def test_roster_items_lowercases_the_bare_jid() -> None:
    contacts, _ = translate.roster_items(roster('<item jid="Alice@Example.ORG"/>'))
    assert [c.jid for c in contacts] == ["alice@example.org"]


def test_roster_items_of_a_result_without_query() -> None:
    assert translate.roster_items(iq("")) == ([], None)


# presence_update -------------------------------------------------------------------------------


def test_presence_show_status_priority() -> None:
    update = translate.presence_update(presence(
        "<show>away</show><status> out for lunch </status><priority>5</priority>"))
    assert update == translate.PresenceUpdate("bob@example.org", "desk", Presence(Show.AWAY, "out for lunch", 5))


@pytest.mark.parametrize(("show", "expected"), [
    ("chat", Show.CHAT), ("away", Show.AWAY), ("xa", Show.XA), ("dnd", Show.DND), ("", Show.ONLINE),
    ("bogus", Show.ONLINE), ("online", Show.ONLINE),
])
def test_presence_show_values(show: str, expected: Show) -> None:
    update = translate.presence_update(presence(f"<show>{show}</show>"))
    assert update is not None and update.presence.show is expected


def test_presence_without_children_is_online_priority_zero() -> None:
    update = translate.presence_update(presence())
    assert update is not None
    assert update.presence == Presence(Show.ONLINE, "", 0)


@pytest.mark.parametrize(("raw", "expected"), [
    ("abc", 0), ("1.5", 0), ("", 0), (" 7 ", 7), ("-3", -3),
    ("128", 127), ("99999", 127), ("-129", -128), ("-99999", -128),
])
def test_presence_priority_is_numeric_and_clamped(raw: str, expected: int) -> None:
    update = translate.presence_update(presence(f"<priority>{raw}</priority>"))
    assert update is not None and update.presence.priority == expected


def test_unavailable_presence_is_offline_and_keeps_status() -> None:
    update = translate.presence_update(presence("<status>bye</status><show>chat</show>", type="unavailable"))
    assert update == translate.PresenceUpdate("bob@example.org", "desk", Presence(Show.OFFLINE, "bye"))
    assert not update.presence.available


def test_unavailable_from_bare_jid_has_empty_resource() -> None:
    update = translate.presence_update(presence(type="unavailable", **{"from": "bob@example.org"}))
    assert update is not None and (update.bare, update.resource) == ("bob@example.org", "")


@pytest.mark.parametrize("kind", ["subscribe", "subscribed", "unsubscribe", "unsubscribed", "probe", "error"])
def test_non_availability_presence_is_none(kind: str) -> None:
    assert translate.presence_update(presence(type=kind)) is None


def test_presence_with_invalid_from_is_dropped() -> None:
    assert translate.presence_update(presence(**{"from": "bob@@example.org/x"})) is None


# incoming_message ------------------------------------------------------------------------------


def test_chat_message_fields() -> None:
    received = translate.incoming_message(message(
        "<body>hello [bold]x[/]</body><thread>th-1</thread>", type="chat", id="m-42"), now=NOW)
    assert received == translate.IncomingMessage(
        sender="bob@example.org/desk", kind=MessageKind.CHAT, body="hello [bold]x[/]", id="m-42", thread="th-1",
        timestamp=NOW, delayed=False, error="")


@pytest.mark.parametrize(("kind", "expected"), [
    ("chat", MessageKind.CHAT), ("normal", MessageKind.NORMAL), ("groupchat", MessageKind.GROUPCHAT),
    ("headline", MessageKind.HEADLINE), ("bogus", MessageKind.NORMAL), (None, MessageKind.NORMAL),
])
def test_message_kind(kind: str | None, expected: MessageKind) -> None:
    attrs = {} if kind is None else {"type": kind}
    received = translate.incoming_message(message("<body>x</body>", **attrs), now=NOW)
    assert received is not None and received.kind is expected


def test_message_without_body_id_or_thread() -> None:
    received = translate.incoming_message(message(type="chat"), now=NOW)
    assert received is not None
    assert (received.body, received.id, received.thread) == ("", "", "")


@pytest.mark.parametrize("stamp", ["2002-09-10T23:08:25Z", "2002-09-10T23:08:25.000Z", "2002-09-11T01:08:25+02:00",
                                   "2002-09-10T23:08:25"])
def test_delay_stamp_gives_the_original_time(stamp: str) -> None:
    received = translate.incoming_message(message("<body>old</body>" + delay(stamp), type="chat"), now=NOW)
    assert received is not None
    assert received.delayed is True
    assert received.timestamp == 1031699305.0  # 2002-09-10T23:08:25Z


@pytest.mark.parametrize("stamp", ["yesterday", "", "2002-13-45T99:99:99Z", "1031699305"])
def test_unparsable_delay_stamp_is_ignored(stamp: str) -> None:
    received = translate.incoming_message(message("<body>x</body>" + delay(stamp)), now=NOW)
    assert received is not None
    assert (received.timestamp, received.delayed) == (NOW, False)


def test_delay_stamp_far_in_the_future_is_ignored() -> None:
    received = translate.incoming_message(message("<body>x</body>" + delay("2023-11-15T22:13:20Z")), now=NOW)
    assert received is not None
    assert (received.timestamp, received.delayed) == (NOW, False)


@pytest.mark.parametrize("stamp", ["0001-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "1998-12-31T23:59:59Z",
                                   "0001-01-01T00:00:00+14:00"])
def test_delay_stamp_from_before_jabber_existed_is_replaced_by_the_receive_time(stamp: str) -> None:
    received = translate.incoming_message(message("<body>x</body>" + delay(stamp), type="chat"), now=NOW)
    assert received is not None
    assert (received.timestamp, received.delayed) == (NOW, False)


def test_the_earliest_believed_delay_stamp() -> None:
    received = translate.incoming_message(message("<body>x</body>" + delay("1999-01-01T00:00:00Z")), now=NOW)
    assert received is not None
    assert (received.timestamp, received.delayed) == (915148800.0, True)


def test_delay_stamp_slightly_ahead_is_believed() -> None:
    received = translate.incoming_message(message("<body>x</body>" + delay("2023-11-14T22:14:20Z")), now=NOW)
    assert received is not None
    assert (received.timestamp, received.delayed) == (NOW + 60, True)


def test_delay_in_another_namespace_is_not_xep_0203() -> None:
    legacy = '<x xmlns="jabber:x:delay" stamp="20020910T23:08:25"/>'
    received = translate.incoming_message(message("<body>x</body>" + legacy), now=NOW)
    assert received is not None and received.delayed is False


def test_message_with_invalid_from_is_dropped() -> None:
    assert translate.incoming_message(message("<body>x</body>", **{"from": "a@@b"}), now=NOW) is None


def test_error_message_carries_the_error_text() -> None:
    received = translate.incoming_message(message(
        f'<body>hi</body><error type="cancel"><service-unavailable xmlns="{STANZAS_NS}"/></error>',
        type="error", id="m-1"), now=NOW)
    assert received is not None
    assert received.kind is MessageKind.ERROR
    assert received.id == "m-1"
    assert received.error == "service-unavailable: recipient is unavailable or does not accept this"


# error_text ------------------------------------------------------------------------------------


def test_error_text_prefers_the_text_element() -> None:
    stanza = message(f'<error type="cancel"><service-unavailable xmlns="{STANZAS_NS}"/>'
                     f'<text xmlns="{STANZAS_NS}" xml:lang="en"> Gone fishing </text></error>', type="error")
    assert translate.error_text(stanza) == "service-unavailable: Gone fishing"


def test_error_text_without_text_uses_words_for_the_condition() -> None:
    stanza = message(f'<error type="cancel"><service-unavailable xmlns="{STANZAS_NS}"/></error>', type="error")
    assert translate.error_text(stanza) == "service-unavailable: recipient is unavailable or does not accept this"


def test_error_text_ignores_application_specific_children() -> None:
    stanza = message(f'<error type="modify"><x xmlns="urn:example:app"/><bad-request xmlns="{STANZAS_NS}"/>'
                     "</error>", type="error")
    assert translate.error_text(stanza) == "bad-request: the request was malformed"


def test_error_text_for_an_unknown_condition_falls_back_to_the_error_type() -> None:
    stanza = message(f'<error type="wait"><made-up xmlns="{STANZAS_NS}"/></error>', type="error")
    assert translate.error_text(stanza) == "made-up: wait"


def test_error_text_without_condition_or_error() -> None:
    assert translate.error_text(message('<error type="cancel"/>', type="error")) == "undefined-condition: cancel"
    assert translate.error_text(message(type="error")) == "unknown error"


def test_error_text_of_an_iq() -> None:
    stanza = iq(f'<error type="cancel"><item-not-found xmlns="{STANZAS_NS}"/></error>', type="error")
    assert translate.error_text(stanza) == "item-not-found: no such user or item"


def test_error_text_of_a_presence() -> None:
    stanza = presence(f'<error type="auth"><forbidden xmlns="{STANZAS_NS}"/></error>', type="error")
    assert translate.error_text(stanza) == "forbidden: not allowed"


# Receipts, markers, chat states, corrections, stanza ids, archive results -------------------------------------

def test_message_extensions_are_read() -> None:
    incoming = translate.incoming_message(message(
        '<body>hi</body><request xmlns="urn:xmpp:receipts"/><markable xmlns="urn:xmpp:chat-markers:0"/>'
        '<composing xmlns="http://jabber.org/protocol/chatstates"/><replace xmlns="urn:xmpp:message-correct:0" '
        'id="old-1"/><stanza-id xmlns="urn:xmpp:sid:0" by="bob@example.org" id="forged"/>'
        '<stanza-id xmlns="urn:xmpp:sid:0" by="alice@example.org" id="real"/>', id="m1"), NOW,
        archive="alice@example.org")
    assert incoming is not None
    assert (incoming.receipt_requested, incoming.markable, incoming.chat_state, incoming.replaces) == (
        True, True, "composing", "old-1")
    assert incoming.stanza_id == "real", "only our own server's stanza-id is believed"


def test_reports_about_our_messages_are_read() -> None:
    receipt = translate.incoming_message(message('<received xmlns="urn:xmpp:receipts" id="ours-1"/>'), NOW)
    marker = translate.incoming_message(message('<displayed xmlns="urn:xmpp:chat-markers:0" id="ours-2"/>'), NOW)
    assert receipt is not None and receipt.received == "ours-1" and not receipt.body
    assert marker is not None and marker.displayed == "ours-2"


def test_unknown_chat_state_is_ignored() -> None:
    incoming = translate.incoming_message(message('<shouting xmlns="http://jabber.org/protocol/chatstates"/>'), NOW)
    assert incoming is not None and incoming.chat_state == ""


def archived(outer_from: str | None, query_id: str = "q1") -> Message:
    attrs = {"to": "alice@example.org/xmpptui"}
    if outer_from is not None:
        attrs["from"] = outer_from
    attributes = " ".join(f'{k}="{v}"' for k, v in attrs.items())
    return Message(xml=ET.fromstring(
        f'<message xmlns="jabber:client" {attributes}><result xmlns="urn:xmpp:mam:2" queryid="{query_id}" id="a7">'
        '<forwarded xmlns="urn:xmpp:forward:0"><delay xmlns="urn:xmpp:delay" stamp="2023-11-14T20:00:00Z"/>'
        '<message xmlns="jabber:client" from="bob@example.org/desk" to="alice@example.org" type="chat" id="b1">'
        '<body>from the archive</body></message></forwarded></result></message>'))


def test_archive_result_from_our_archive_for_our_query() -> None:
    for outer in (None, "alice@example.org"):
        result = translate.archive_result(archived(outer), "alice@example.org", {"q1"}, NOW)
        assert result is not None
        assert (result.archive_id, result.message.body, result.message.stanza_id) == ("a7", "from the archive", "a7")
        assert result.message.timestamp == NOW - 2 * 3600 - 13 * 60 - 20 and result.message.delayed


def test_archive_result_from_anyone_else_or_for_another_query_is_dropped() -> None:
    assert translate.archive_result(archived("mallory@example.org"), "alice@example.org", {"q1"}, NOW) is None
    assert translate.archive_result(archived("alice@example.org/phone"), "alice@example.org", {"q1"}, NOW) is None
    assert translate.archive_result(archived(None, "q2"), "alice@example.org", {"q1"}, NOW) is None
