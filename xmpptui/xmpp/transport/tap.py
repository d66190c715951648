"""The text the XML console's tap is handed for a received stanza: the stanza serialised, a large one from its
first elements only (the console shows 16 KiB of a stanza; a 5,000-contact roster is ~500 KB of text, #20)."""

from __future__ import annotations

from itertools import islice
from typing import Any
from xml.etree import ElementTree as ET

from slixmpp.xmlstream.tostring import tostring

TAP_ELEMENTS = 400
"""Elements serialised of a received stanza at most: more than the console's 16 KiB show of any real one."""


def tap_text(xml: ET.Element, stream: Any) -> str:
    """`xml` as the console shows it; past TAP_ELEMENTS elements, a comment says how many it had and only the
    first TAP_ELEMENTS (in document order) are written."""
    if sum(1 for _ in islice(xml.iter(), TAP_ELEMENTS + 1)) <= TAP_ELEMENTS:
        return tostring(xml, xmlns=stream.default_ns, stream=stream, top_level=True)
    total = sum(1 for _ in xml.iter())
    head = _head(xml, [TAP_ELEMENTS])
    return (f"<!-- the first {TAP_ELEMENTS:,} of its {total:,} elements -->"
            + tostring(head, xmlns=stream.default_ns, stream=stream, top_level=True))


def _head(element: ET.Element, budget: list[int]) -> ET.Element:
    """A copy of `element` holding its first `budget[0]` elements in document order (the budget is spent)."""
    copy = ET.Element(element.tag, element.attrib)
    copy.text, copy.tail = element.text, element.tail
    budget[0] -= 1
    for child in element:
        if budget[0] <= 0:
            break
        copy.append(_head(child, budget))
    return copy
