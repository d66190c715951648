"""stanzas/messaging.py: replies with their fallback stripped, reactions, retractions, moderation notices, occupant
ids, and what we send; hostile values dropped. Stanzas built from XML strings, and by slixmpp's own plugins (what a
peer on slixmpp sends), read back."""

from __future__ import annotations

import time

from slixmpp import ClientXMPP, Iq, Message
from slixmpp.xmlstream import ET

from xmpptui.model.conversation import Reply
from xmpptui.xmpp.stanzas import messaging, translate

NOW = 1_700_000_000.0


def message(inner: str = "", **attrs: str) -> Message:
    attrs.setdefault("from", "bob@example.org/desk")
    attributes = " ".join(f'{k}="{v}"' for k, v in attrs.items())
    return Message(xml=ET.fromstring(f'<message xmlns="jabber:client" {attributes}>{inner}</message>'))


def peer() -> ClientXMPP:
    client = ClientXMPP("bob@example.org/desk", "secret")
    for plugin in ("xep_0444", "xep_0461", "xep_0424", "xep_0425", "xep_0428"):
        client.register_plugin(plugin)
    return client


def test_a_reply_from_slixmpp_is_read_and_its_fallback_quote_is_not_shown() -> None:
    stanza = peer().plugin["xep_0461"].make_reply("alice@example.org", "m1", "are you\nthere?", "Alice",
                                                  mto="alice@example.org", mbody="yes I am")
    incoming = translate.incoming_message(stanza, NOW)
    assert incoming is not None
    assert incoming.body == "yes I am"
    assert incoming.reply == Reply("m1", "alice@example.org", "are you there?")


def test_a_reply_whose_fallback_range_is_not_in_the_body_keeps_the_whole_body() -> None:
    for body_range in ('start="0" end="999"', 'start="5" end="2"', 'start="x" end="3"', 'start="-1" end="3"'):
        stanza = message(f'<body>&gt; q\nanswer</body><reply xmlns="urn:xmpp:reply:0" id="m1"/><fallback '
                         f'xmlns="urn:xmpp:fallback:0" for="urn:xmpp:reply:0"><body {body_range}/></fallback>')
        incoming = translate.incoming_message(stanza, NOW)
        assert incoming is not None and incoming.body == "> q\nanswer", body_range
        assert incoming.reply == Reply("m1")


def test_a_fallback_for_something_else_is_not_taken_for_the_replys() -> None:
    stanza = message('<body>&gt; q\nanswer</body><reply xmlns="urn:xmpp:reply:0" id="m1"/>'
                     '<fallback xmlns="urn:xmpp:fallback:0" for="urn:xmpp:other"><body start="0" end="4"/></fallback>')
    incoming = translate.incoming_message(stanza, NOW)
    assert incoming is not None and incoming.body == "> q\nanswer"


def test_a_quote_is_kept_short() -> None:
    quoted = "> " + "x" * 1000 + "\n"
    stanza = message(f'<body>{quoted}ok</body><reply xmlns="urn:xmpp:reply:0" id="m1"/>'
                     f'<fallback xmlns="urn:xmpp:fallback:0" for="urn:xmpp:reply:0">'
                     f'<body start="0" end="{len(quoted)}"/></fallback>')
    incoming = translate.incoming_message(stanza, NOW)
    assert incoming is not None and incoming.body == "ok"
    assert incoming.reply is not None and len(incoming.reply.quote) == messaging.QUOTE_LENGTH


def test_reactions_from_slixmpp_are_the_whole_set() -> None:
    stanza = peer().make_message(mto="alice@example.org")
    peer().plugin["xep_0444"].set_reactions(stanza, "m1", ["👍", "🎉"])
    incoming = translate.incoming_message(stanza, NOW)
    assert incoming is not None and incoming.body == ""
    assert incoming.about == messaging.Reactions("m1", frozenset({"👍", "🎉"}))
    empty = message('<reactions xmlns="urn:xmpp:reactions:0" id="m1"/>')
    assert messaging.about(empty.xml) == messaging.Reactions("m1", frozenset())


def test_hostile_reactions_are_dropped_or_bounded() -> None:
    many = "".join(f"<reaction>{chr(0x1F600 + n)}</reaction>" for n in range(500))
    assert len(messaging.about(message(f'<reactions xmlns="urn:xmpp:reactions:0" id="m1">{many}</reactions>').xml)
               .emojis) == messaging.MAX_REACTIONS  # type: ignore[union-attr]
    long_text = "<reaction>" + "a" * 100 + "</reaction><reaction>x\u0085y</reaction><reaction>ok</reaction>"
    parsed = messaging.about(message(f'<reactions xmlns="urn:xmpp:reactions:0" id="m1">{long_text}</reactions>').xml)
    assert parsed == messaging.Reactions("m1", frozenset({"ok"}))
    assert messaging.about(message('<reactions xmlns="urn:xmpp:reactions:0"><reaction>👍</reaction></reactions>')
                           .xml) is None, "no id"
    assert messaging.about(message(f'<reactions xmlns="urn:xmpp:reactions:0" id="{"x" * 5000}"/>').xml) is None


def test_a_retraction_from_slixmpp_is_read_and_its_fallback_body_is_not_shown() -> None:
    client = peer()
    sent: list[Message] = []
    client.send = sent.append  # type: ignore[method-assign]
    Message.send = lambda self: sent.append(self)  # type: ignore[method-assign]
    try:
        client.plugin["xep_0424"].send_retraction("alice@example.org", "m1")
    finally:
        del Message.send
    incoming = translate.incoming_message(sent[0], NOW)
    assert incoming is not None and incoming.body == ""
    assert incoming.about == messaging.Retraction("m1")


def test_a_rooms_moderation_notice_is_told_from_a_retraction() -> None:
    stanza = message('<retract xmlns="urn:xmpp:message-retract:1" id="sid1"><moderated xmlns='
                     '"urn:xmpp:message-moderate:1" by="room@muc.example.org/mod"/><reason>spam</reason></retract>'
                     '<body>removed</body>', type="groupchat", **{"from": "room@muc.example.org"})
    incoming = translate.incoming_message(stanza, NOW, archive="room@muc.example.org")
    assert incoming is not None and incoming.body == ""
    assert incoming.about == messaging.Retraction("sid1", moderated=True, reason="spam")


def test_a_moderation_notice_in_the_older_namespace_is_read_as_mod_muc_moderation_sends_it() -> None:
    # (the shape of Debian 12's prosody-modules mod_muc_moderation broadcast: XEP-0425 0.2.1, a fastening)
    stanza = message('<apply-to xmlns="urn:xmpp:fasten:0" id="sid1"><moderated xmlns="urn:xmpp:message-moderate:0" '
                     'by="room@muc.example.org/mod"><retract xmlns="urn:xmpp:message-retract:0"/><reason>spam</reason>'
                     '</moderated></apply-to>', type="groupchat", **{"from": "room@muc.example.org"})
    incoming = translate.incoming_message(stanza, NOW, archive="room@muc.example.org")
    assert incoming is not None and incoming.body == ""
    assert incoming.about == messaging.Retraction("sid1", moderated=True, reason="spam")


def test_an_older_moderation_that_retracts_nothing_or_names_no_message_is_not_one() -> None:
    flagged = message('<apply-to xmlns="urn:xmpp:fasten:0" id="sid1"><moderated xmlns="urn:xmpp:message-moderate:0"'
                      '/></apply-to><body>x</body>', type="groupchat")
    nameless = message('<apply-to xmlns="urn:xmpp:fasten:0"><moderated xmlns="urn:xmpp:message-moderate:0">'
                       '<retract xmlns="urn:xmpp:message-retract:0"/></moderated></apply-to>', type="groupchat")
    assert messaging.about(flagged.xml) is None
    assert messaging.about(nameless.xml) is None


def test_the_moderation_version_follows_what_the_room_offers() -> None:
    both = frozenset({messaging.MODERATE_NS, messaging.MODERATE_NS_0})
    assert messaging.moderation_namespace(both) == messaging.MODERATE_NS
    assert messaging.moderation_namespace(frozenset({messaging.MODERATE_NS_0, "muc_open"})) == messaging.MODERATE_NS_0
    assert messaging.moderation_namespace(frozenset({"http://jabber.org/protocol/muc"})) is None
    assert messaging.moderation_namespace(frozenset()) == messaging.MODERATE_NS


def test_an_older_moderation_request_is_what_mod_muc_moderation_reads() -> None:
    ours = Iq(stype="set")
    messaging.fill_moderation(ours.xml, "sid1", "spam", messaging.MODERATE_NS_0)
    apply_to = ours.xml.find(f"{{{messaging.FASTEN_NS}}}apply-to")
    assert apply_to is not None and apply_to.get("id") == "sid1"
    moderate = apply_to.find(f"{{{messaging.MODERATE_NS_0}}}moderate")
    assert moderate is not None and moderate.find(f"{{{messaging.RETRACT_NS_0}}}retract") is not None
    assert moderate.findtext(f"{{{messaging.MODERATE_NS_0}}}reason") == "spam"
    assert ours.xml.find(f"{{{messaging.MODERATE_NS}}}moderate") is None


def test_occupant_id_is_read() -> None:
    stanza = message('<body>hi</body><occupant-id xmlns="urn:xmpp:occupant-id:0" id="abc="/>', type="groupchat")
    incoming = translate.incoming_message(stanza, NOW)
    assert incoming is not None and incoming.occupant_id == "abc="


def test_a_reply_we_send_is_read_back_by_slixmpp_as_the_same_reply() -> None:
    stanza = peer().make_message(mto="bob@example.org", mbody="sure")
    messaging.fill_reply(stanza.xml, Reply("m1", "bob@example.org/desk", "lunch?\ntoday"), "bob")
    stanza = Message(xml=stanza.xml)  # (read as a peer receives it)
    assert stanza["reply"]["id"] == "m1"
    assert stanza["reply"].strip_fallback_content() == "sure"
    assert stanza["reply"].get_fallback_body() == "> bob:\n> lunch?\n> today\n"


def test_reactions_and_a_retraction_we_send_are_what_slixmpp_reads() -> None:
    stanza = peer().make_message(mto="bob@example.org")
    messaging.fill_reactions(stanza.xml, "m1", {"👍", "❤️"})
    stanza = Message(xml=stanza.xml)
    assert stanza["reactions"]["id"] == "m1"
    assert stanza["reactions"]["values"] == {"👍", "❤️"}
    retraction = peer().make_message(mto="bob@example.org")
    messaging.fill_retraction(retraction.xml, "m2")
    retraction = Message(xml=retraction.xml)
    assert retraction["retract"]["id"] == "m2" and retraction["body"]


def test_a_moderation_request_is_what_slixmpp_builds() -> None:
    theirs = peer().make_iq_set()  # (first: it registers slixmpp's stanza classes that read ours, run alone too)
    ours = Iq(stype="set")
    messaging.fill_moderation(ours.xml, "sid1", "spam")
    ours = Iq(xml=ours.xml)
    theirs["moderate"]["id"], theirs["moderate"]["reason"] = "sid1", "spam"
    theirs["moderate"].enable("retract")
    assert ours["moderate"]["id"] == theirs["moderate"]["id"] == "sid1"
    assert ours["moderate"]["reason"] == "spam"
    assert ours.xml.find(f"{{{messaging.MODERATE_NS}}}moderate/{{{messaging.RETRACT_NS}}}retract") is not None


def test_a_report_goes_inside_the_block_request() -> None:
    iq = Iq(stype="set")
    messaging.fill_report_and_block(iq.xml, "spammer@example.org", "spam", "buy now", "sid9", "alice@example.org")
    item = iq.xml.find(f"{{{messaging.BLOCKING_NS}}}block/{{{messaging.BLOCKING_NS}}}item")
    assert item is not None and item.get("jid") == "spammer@example.org"
    report = item.find(f"{{{messaging.REPORTING_NS}}}report")
    assert report is not None and report.get("reason") == "urn:xmpp:reporting:spam"
    assert report.findtext(f"{{{messaging.REPORTING_NS}}}text") == "buy now"


def test_parsing_is_linear_on_a_huge_hostile_body() -> None:
    body = "&gt; " * 100_000
    stanza = message(f'<body>{body}</body><reply xmlns="urn:xmpp:reply:0" id="m1"/><fallback xmlns='
                     f'"urn:xmpp:fallback:0" for="urn:xmpp:reply:0"><body start="0" end="400000"/></fallback>')
    started = time.perf_counter()
    incoming = translate.incoming_message(stanza, NOW)
    assert incoming is not None and incoming.reply is not None
    assert time.perf_counter() - started < 1.0


def test_an_archives_tombstone_reads_as_the_words_shown_in_either_shape_and_a_message_with_a_body_is_none() -> None:
    prosody_2023 = ("<moderated xmlns='urn:xmpp:message-moderate:0' by='room@muc.example.org/mod'>"
                    "<retracted xmlns='urn:xmpp:message-retract:0' stamp='2024-05-01T10:00:00Z'/>"
                    "<reason>spam</reason></moderated>")
    current = (f"<retracted xmlns='{messaging.RETRACT_NS}' stamp='2024-05-01T10:00:00Z'>"
               f"<moderated xmlns='{messaging.MODERATE_NS}' by='room@muc.example.org/mod'/>"
               "<reason>off topic</reason></retracted>")
    by_sender = f"<retracted xmlns='{messaging.RETRACT_NS}' stamp='2024-05-01T10:00:00Z'/>"
    read = [translate.incoming_message(message(inner, type="groupchat"), NOW) for inner in (
        prosody_2023, current, by_sender, f"<body>still here</body>{prosody_2023}", "")]
    assert [incoming.removed for incoming in read if incoming is not None] == [
        "removed by a moderator (spam)", "removed by a moderator (off topic)", "message retracted", "", ""]
