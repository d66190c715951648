"""StreamGuard: stanzas found exactly in the byte stream however it is sliced; an oversize or too deep stanza
dropped alone (memory bounded); DTDs, comments, processing instructions and oversize stream elements refused."""

from __future__ import annotations

import tracemalloc

import pytest

from xmpptui.xmpp.transport.stream_guard import DroppedStanza, StreamGuard, StreamViolation

HEADER = (b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
          b"xmlns:stream='http://etherx.jabber.org/streams' id='s1' from='localhost' version='1.0'>")

TRICKY = [
    # CDATA holding what looks like a stanza, a lone "]]" and quotes
    b"<message from='a@localhost/x' id='c1'><body><![CDATA[<message>not a stanza</message> ]] \"'>"
    b"]]></body></message>",
    # a forwarded <message> inside a <message> (same name nested), as carbons and MAM results are
    b"<message from='me@localhost'><received xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>"
    b"<message from='b@localhost/y'><body>inner</body></message></forwarded></received></message>",
    # attribute values holding ">" and "/>", in both kinds of quotes
    b"<presence from='c@localhost/z' x=\"a>b\" y='c/>'><status a='/>' b=\"x/\">gt > here</status></presence>",
    # empty stanzas, with and without attributes, and spaces before the end
    b"<r xmlns='urn:xmpp:sm:3'/>",
    b"<iq type='result' id='q1' />",
    b"<message  from = \"d@localhost\" ><body>spaced</body ></message >",
]


def _feed_all(guard: StreamGuard, slices: list[bytes]) -> list[bytes | DroppedStanza]:
    pieces: list[bytes | DroppedStanza] = []
    for piece in slices:
        pieces.extend(guard.feed(piece))
    return pieces


def _bytes(pieces: list[bytes | DroppedStanza]) -> bytes:
    return b"".join(piece for piece in pieces if isinstance(piece, bytes))


def _dropped(pieces: list[bytes | DroppedStanza]) -> list[DroppedStanza]:
    return [piece for piece in pieces if isinstance(piece, DroppedStanza)]


def _stream(parts: list[bytes]) -> tuple[bytes, list[tuple[int, int]]]:
    """The header, then `parts` separated by whitespace; with the span of every stanza."""
    data, spans = HEADER, []
    for part in parts:
        data += b"\n "
        spans.append((len(data), len(data) + len(part)))
        data += part
    return data, spans


def _inside_a_stanza(position: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < position < end for start, end in spans)


def test_every_split_point_releases_whole_stanzas_only_and_loses_nothing() -> None:
    data, spans = _stream(TRICKY)
    declaration = len(b"<?xml version='1.0'?>")
    spans += [(0, declaration), (declaration, len(HEADER))]  # nor is the header given out in part
    for cut in range(len(data) + 1):
        guard = StreamGuard()
        first = _bytes(guard.feed(data[:cut]))
        assert data.startswith(first)
        assert not _inside_a_stanza(len(first), spans), f"cut at {cut} released {len(first)} bytes"
        assert first + _bytes(guard.feed(data[cut:])) == data, f"cut at {cut}"


def test_byte_by_byte_feeding_releases_each_stanza_when_its_last_byte_arrives() -> None:
    data, spans = _stream(TRICKY)
    guard = StreamGuard()
    released = b""
    for index in range(len(data)):
        released += _bytes(guard.feed(data[index:index + 1]))
        assert not _inside_a_stanza(len(released), spans)
        for _start, end in spans:
            if index + 1 == end:
                assert len(released) == end, "a complete stanza is not held back"
    assert released == data


def test_an_oversize_message_is_dropped_alone_at_every_split_point() -> None:
    big = b"<message from='stranger@localhost/evil' id='big1' type='chat'><body>" + b"x" * 300 + b"</body></message>"
    data, _spans = _stream([TRICKY[0], big, TRICKY[1]])
    expected = data.replace(big, b"")
    for cut in range(len(data) + 1):
        pieces = _feed_all(StreamGuard(max_stanza_bytes=256), [data[:cut], data[cut:]])
        assert _bytes(pieces) == expected, f"cut at {cut}"
        assert _dropped(pieces) == [DroppedStanza("message", "stranger@localhost/evil", "big1", "chat", len(big),
                                                  "larger than the 256 bytes limit")]
    # in stream order: after what came before it, before what follows
    pieces = StreamGuard(max_stanza_bytes=256).feed(data)
    assert [type(piece) for piece in pieces] == [bytes, DroppedStanza, bytes]


def test_a_stanza_of_exactly_the_limit_passes_and_one_byte_more_is_dropped() -> None:
    body = b"<message id='m'><body>" + b"y" * 500 + b"</body></message>"
    guard = StreamGuard(max_stanza_bytes=len(body))
    assert _bytes(guard.feed(HEADER + body)) == HEADER + body
    guard = StreamGuard(max_stanza_bytes=len(body) - 1)
    pieces = guard.feed(HEADER + body)
    assert _bytes(pieces) == HEADER
    assert _dropped(pieces)[0].size == len(body)


def test_the_dropped_stanza_is_described_in_words_with_its_sender_and_size() -> None:
    big = b"<iq from='x@localhost/r&apos;s' type='set' id='i1'><query>" + b"z" * 3000 + b"</query></iq>"
    pieces = StreamGuard(max_stanza_bytes=1024).feed(HEADER + big)
    (dropped,) = _dropped(pieces)
    assert (dropped.name, dropped.sender, dropped.stanza_id, dropped.kind) == ("iq", "x@localhost/r's", "i1", "set")
    assert dropped.describe() == "an iq of 3 KiB from x@localhost/r's was dropped: larger than the 1 KiB limit"
    big = b'<presence type="" from="y@localhost"><status>' + b"z" * 3000 + b"</status></presence>"
    (dropped,) = _dropped(StreamGuard(max_stanza_bytes=1024).feed(HEADER + big))
    assert (dropped.name, dropped.sender, dropped.kind) == ("presence", "y@localhost", "")


def test_an_attribute_value_never_passes_for_the_sender() -> None:
    big = b"<message x=' from=\"bob@localhost\"' from='mallory@localhost'><body>" + b"z" * 3000 + b"</body></message>"
    (dropped,) = _dropped(StreamGuard(max_stanza_bytes=1024).feed(HEADER + big))
    assert dropped.sender == "mallory@localhost"


@pytest.mark.parametrize("outer, wrapper, described", [
    (b"<message to='me@localhost/r'>", b"<result xmlns='urn:xmpp:mam:2' queryid='q' id='1'>",
     "a message of 3 KiB from m@localhost/peer (forwarded by your server) was dropped"),
    (b"<message from='me@localhost' to='me@localhost/r'>", b"<received xmlns='urn:xmpp:carbons:2'>",
     "a message of 3 KiB from m@localhost/peer (forwarded by me@localhost) was dropped"),
], ids=["archive result", "carbon"])
def test_a_dropped_forwarded_message_names_its_original_sender(outer: bytes, wrapper: bytes, described: str) -> None:
    forwarded = (outer + wrapper + b"<forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' "
                 b"stamp='2020-01-01T00:00:00Z'/><message xmlns='jabber:client' type='chat' id='x' "
                 b"from='m@localhost/peer'><body>" + b"x" * 3000 + b"</body></message></forwarded>")
    forwarded += b"</result></message>" if b"mam" in wrapper else b"</received></message>"
    (dropped,) = _dropped(StreamGuard(max_stanza_bytes=1024).feed(HEADER + forwarded))
    assert dropped.describe().startswith(described)


def test_the_sender_is_known_even_when_a_huge_attribute_comes_first() -> None:
    big = b"<message junk='" + b"j" * 5000 + b"' from='far@localhost'><body/></message>"
    slices = [HEADER] + [big[i:i + 100] for i in range(0, len(big), 100)]
    pieces = _feed_all(StreamGuard(max_stanza_bytes=8000), slices)
    assert _bytes(pieces) == HEADER + big
    pieces = _feed_all(StreamGuard(max_stanza_bytes=1000), slices)
    assert _bytes(pieces) == HEADER
    assert _dropped(pieces)[0].sender == "", "the from came after the limit: not known, not guessed"
    assert "an unknown sender" in _dropped(pieces)[0].describe()


@pytest.mark.parametrize("opening, filler, closing", [
    (b"<message from='s@localhost'><body>", b"x" * 8192, b"</body></message>"),  # endless text
    (b"<message from='s@localhost' a='", b"x" * 8192, b"'/>"),  # an endless attribute value
    (b"<message from='s@localhost'><body><![CDATA[", b"]x>" * 2730, b"]]></body></message>"),  # endless CDATA
    (b"<message from='s@localhost'>", b"<a>" * 2730, b"</a>" * (2730 * 128) + b"</message>"),  # endless nesting
], ids=["text", "attribute", "cdata", "nesting"])
def test_a_never_ending_stanza_is_dropped_without_holding_more_than_the_limit(
        opening: bytes, filler: bytes, closing: bytes) -> None:
    guard = StreamGuard(max_stanza_bytes=64 * 1024)
    guard.feed(HEADER + opening)
    tracemalloc.start()
    try:
        for _ in range(128):  # 1 MiB, 16 times the limit
            assert _bytes(guard.feed(filler)) == b""
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert held < 16 * 1024, f"still holding {held} bytes"
    assert peak < 1.5 * 64 * 1024, f"peak {peak} bytes: never much more than the limit, at any moment"
    pieces = guard.feed(closing + b"<message id='after'/>")
    assert _bytes(pieces) == b"<message id='after'/>", "the stream goes on after the dropped stanza"
    assert _dropped(pieces)[0].sender == "s@localhost"


def test_a_too_deep_stanza_is_dropped_and_the_next_one_passes() -> None:
    deep = b"<message from='deep@localhost'>" + b"<a>" * 70 + b"</a>" * 70 + b"</message>"
    ok = b"<message id='ok'><body>fine</body></message>"
    pieces = StreamGuard(max_depth=64).feed(HEADER + deep + ok)
    assert _bytes(pieces) == HEADER + ok
    assert _dropped(pieces)[0].reason == "nested deeper than 64 levels"
    assert _bytes(StreamGuard(max_depth=64).feed(HEADER + b"<message>" + b"<a>" * 62 + b"</a>" * 62 + b"</message>"))


def test_deep_nesting_outside_a_stanza_ends_the_stream() -> None:
    with pytest.raises(StreamViolation, match="the server nested XML deeper than 64 levels"):
        StreamGuard(max_depth=64).feed(HEADER + b"<a>" * 500)


def test_an_oversize_stream_element_ends_the_stream() -> None:
    features = b"<stream:features attr='" + b"A" * 3000 + b"'/>"
    with pytest.raises(StreamViolation, match="the server sent a stanza larger than 1 KiB"):
        _feed_all(StreamGuard(max_stanza_bytes=1024), [HEADER, features[:1500], features[1500:]])
    with pytest.raises(StreamViolation, match="larger than"):
        StreamGuard(max_stanza_bytes=1024).feed(b"<stream:stream a='" + b"A" * 2000 + b"'>")


def test_endless_whitespace_between_stanzas_ends_the_stream() -> None:
    guard = StreamGuard(max_stanza_bytes=1024)
    guard.feed(HEADER + b" " * 1000 + b"<r xmlns='urn:xmpp:sm:3'/>")
    assert guard.feed(b" " * 1000) == [b" " * 1000], "keepalives between stanzas are fine"
    with pytest.raises(StreamViolation, match="outside any stanza"):
        guard.feed(b" " * 100)


@pytest.mark.parametrize("payload", [
    b"<!DOCTYPE x [<!ENTITY a 'aaaa'>]>",
    b"<!ENTITY lol 'lol'>",
    b"<message><!-- hidden --></message>",
    b"<message><body><!-- hidden --></body></message>",
])
def test_dtd_entities_and_comments_are_refused(payload: bytes) -> None:
    with pytest.raises(StreamViolation, match="forbids"):
        StreamGuard().feed(HEADER + payload)


def test_a_doctype_before_the_root_is_refused() -> None:
    with pytest.raises(StreamViolation, match="forbids"):
        StreamGuard().feed(b"<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'>]><stream:stream>")


def test_construct_split_across_slices_is_still_seen() -> None:
    guard = StreamGuard()
    guard.feed(HEADER + b"<message><body>x</body><")
    with pytest.raises(StreamViolation, match="forbids"):
        guard.feed(b"!-- sneaky -->")
    guard = StreamGuard()
    guard.feed(HEADER + b"<message><body>x</body><![CDA")
    with pytest.raises(StreamViolation, match="forbids"):
        guard.feed(b"TX[")


def test_cdata_is_allowed_even_when_split_and_may_hold_what_looks_like_markup() -> None:
    guard = StreamGuard()
    slices = [HEADER + b"<message><body><![CD", b"ATA[a < b <!-- c --> <?d?>]", b"]></body></message>"]
    pieces = _feed_all(guard, slices)
    assert _bytes(pieces) == HEADER + b"<message><body><![CDATA[a < b <!-- c --> <?d?>]]></body></message>"


def test_xml_declaration_only_before_the_root_and_again_after_a_restart() -> None:
    guard = StreamGuard()
    assert _bytes(guard.feed(HEADER)) == HEADER
    with pytest.raises(StreamViolation, match="processing instruction"):
        guard.feed(b"<?evil?>")
    guard.reset()  # STARTTLS or SASL: a new stream begins
    assert _bytes(guard.feed(HEADER)) == HEADER


def test_the_end_of_the_stream_is_passed_on() -> None:
    guard = StreamGuard()
    assert _bytes(guard.feed(HEADER + b"<message/></stream:stream>")) == HEADER + b"<message/></stream:stream>"
