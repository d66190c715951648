"""StreamGuard refuses DTDs, comments, processing instructions, oversized stanzas and deep nesting."""

from __future__ import annotations

import pytest

from xmpptui.xmpp.stream_guard import StreamGuard


@pytest.mark.parametrize("payload", [
    b"<!DOCTYPE x [<!ENTITY a 'aaaa'>]>",
    b"<!ENTITY lol 'lol'>",
    b"<message><!-- hidden --></message>",
])
def test_dtd_entities_and_comments_are_refused(payload: bytes) -> None:
    assert "forbids" in (StreamGuard().check(payload, in_stream=True) or "")


def test_construct_split_across_slices_is_still_seen() -> None:
    guard = StreamGuard()
    assert guard.check(b"<message><body>x</body><", in_stream=True) is None
    assert "forbids" in (guard.check(b"!-- sneaky -->", in_stream=True) or "")


def test_cdata_is_allowed_even_when_split() -> None:
    guard = StreamGuard()
    assert guard.check(b"<body><![CD", in_stream=True) is None
    assert guard.check(b"ATA[a < b]]></body>", in_stream=True) is None


def test_xml_declaration_only_before_the_root() -> None:
    guard = StreamGuard()
    assert guard.check(b"<?xml version='1.0'?><stream:stream>", in_stream=False) is None
    assert "processing instruction" in (guard.check(b"<?evil?>", in_stream=True) or "")


def test_stanza_size_is_capped_until_the_stanza_ends() -> None:
    guard = StreamGuard(max_stanza_bytes=1000)
    assert guard.check(b"<message a='" + b"x" * 600, in_stream=True) is None
    assert "larger than" in (guard.check(b"x" * 600, in_stream=True) or "")
    guard = StreamGuard(max_stanza_bytes=1000)
    for _ in range(10):
        assert guard.check(b"<m>" + b"x" * 500 + b"</m>", in_stream=True) is None
        guard.stanza_done()


def test_depth_is_capped() -> None:
    guard = StreamGuard(max_depth=64)
    assert guard.check_depth(64) is None
    assert "deeper than 64" in (guard.check_depth(65) or "")
