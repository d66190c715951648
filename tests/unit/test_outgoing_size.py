"""The size check on an outgoing body counts what xml.sax.saxutils.escape would have produced, byte for byte,
on hostile text (entities, markup, CDATA ends, astral and combining characters, controls)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from hypothesis import given
from hypothesis import strategies as st

from xmpptui.xmpp.transport.client import escaped_size

HOSTILE = [
    "", "plain", "&", "&amp;", "<>", "<b>&lt;</b>", "]]>", "a & b < c > d", "\"quotes\" 'too'",
    "é😀\u0301\u202e&<", "\x00\x1b[31m&\x7f\x85", "&" * 1000 + "<" * 1000 + ">" * 1000,
]


def test_escaped_size_matches_saxutils_on_hostile_text() -> None:
    for body in HOSTILE:
        assert escaped_size(body) == len(escape(body).encode()), body


@given(st.text(alphabet=st.sampled_from("&<>\"'a é😀\x00\x1b\u202e]")))
def test_escaped_size_matches_saxutils_on_any_text(body: str) -> None:
    assert escaped_size(body) == len(escape(body).encode())
