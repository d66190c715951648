"""The XML console's protocol side: what is recorded (redacted, bounded, only while watched), how a stanza is
shown, and which typed stanzas are refused, in what words."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from xmpptui.session import ConsoleError
from xmpptui.xmpp.console import MAX_RECORD_CHARS, MAX_RECORDS, StanzaConsole, indent, parse_stanza


def console() -> tuple[StanzaConsole, SimpleNamespace]:
    client = SimpleNamespace(stanza_tap=None)
    ctx = SimpleNamespace(client=client)
    return StanzaConsole(ctx, clock=lambda: 1000.0), client  # type: ignore[arg-type]


def test_the_tap_is_set_only_while_logging_in_or_watched() -> None:
    recorder, client = console()
    recorder.attach(client)  # type: ignore[arg-type]
    assert client.stanza_tap is not None, "the login is recorded"
    recorder.logged_in()
    assert client.stanza_tap is None
    recorder.watch(True)
    assert client.stanza_tap is not None
    client.stanza_tap(True, "<presence/>")
    recorder.watch(False)
    assert client.stanza_tap is None, "closed: the client's one `if` finds no tap"
    assert [r.xml for r in recorder.since(0)] == ["<presence/>"], "what was recorded is kept for the next look"


def test_credentials_are_redacted_as_in_the_debug_log() -> None:
    recorder, _ = console()
    recorder.record(True, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>"
                          "AGFsaWNlAHNlY3JldA==</auth>")
    recorder.record(False, "<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>cj1hYmM=</challenge>")
    recorder.record(True, "<iq type='set'><query xmlns='jabber:iq:register'><password>hunter2</password></query></iq>")
    text = "\n".join(record.xml for record in recorder.since(0))
    assert "AGFsaWNlAHNlY3JldA==" not in text and "cj1hYmM=" not in text and "hunter2" not in text
    assert text.count("[redacted]") == 3


def test_the_ring_and_each_record_are_bounded() -> None:
    recorder, _ = console()
    for n in range(MAX_RECORDS + 50):
        recorder.record(False, f"<presence id='{n}'/>")
    kept = recorder.since(0)
    assert len(kept) == MAX_RECORDS and kept[0].seq == 51 and kept[-1].seq == MAX_RECORDS + 50
    assert recorder.since(kept[-1].seq) == []
    recorder.record(False, "<message><body>" + "x" * (2 * MAX_RECORD_CHARS) + "</body></message>")
    (big,) = recorder.since(kept[-1].seq)
    assert len(big.xml) < MAX_RECORD_CHARS + 200 and "more characters not shown" in big.xml
    recorder.record(True, " ")
    assert recorder.since(big.seq) == [], "whitespace keepalives are not stanzas"


def test_indent_puts_one_element_per_line_and_keeps_text_elements_whole() -> None:
    shown = indent("<message to='b@x'><body>hi there</body><active xmlns='http://jabber.org/protocol/chatstates'/>"
                   "</message>")
    assert shown.splitlines() == ["<message to='b@x'>", "  <body>hi there</body>",
                                  "  <active xmlns='http://jabber.org/protocol/chatstates'/>", "</message>"]


@pytest.mark.parametrize(("typed", "words"), [
    ("", "nothing to send"),
    ("<presence><show>away</presence>", "not well-formed XML (mismatched tag, at column 23)"),
    ("<presence/><presence/>", "exactly one element"),
    ("hello <presence/>", "exactly one element"),
    ("<body>hi</body>", "<body> is not a stanza"),
    ("<message xmlns='jabber:server'/>", "<message> is not a stanza"),
    ("<!DOCTYPE x [<!ENTITY a 'b'>]><presence/>", "not well-formed XML"),
])
def test_what_is_not_one_stanza_is_refused_in_words(typed: str, words: str) -> None:
    with pytest.raises(ConsoleError) as refused:
        parse_stanza(typed)
    assert words in str(refused.value)


def test_a_stanza_is_read_in_the_client_namespace() -> None:
    element = parse_stanza("<iq type='get' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>")
    assert element.tag == "{jabber:client}iq" and element[0].tag == "{urn:xmpp:ping}ping"
