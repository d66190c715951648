"""RosterStream: a large roster result read item by item as it is parsed, not held whole as XML (#20).

The stream guard hands a stanza to the parser only once it is complete, so a 5,000-contact roster (~0.5 MB) was
parsed in one go into ~63,000 XML objects (~4.9 MB), all alive at once at the login's memory peak, and only then
turned into contacts. A stanza this large is fed to the parser in slices instead; after each slice, the items of
an iq result's roster query that the parser has finished are turned into contacts (by the same function as the
rest) and taken out of the tree. The session's roster service takes those first and the items left in the XML
after them: the same contacts, in document order. Anything but an iq result's roster query is left as parsed.
The XML console, which is handed a stanza once it is complete, shows such a roster with the items left in it.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any
from xml.etree import ElementTree as ET

from xmpptui.model.roster import Contact
from xmpptui.xmpp.stanzas import translate

STREAMED_STANZA = 64 * 1024
"""A stanza at least this large is parsed in slices (a roster of ~700 contacts and more)."""
SLICE = 8 * 1024
_IQ = "{jabber:client}iq"
_ROSTER_QUERY = "{jabber:iq:roster}query"


class RosterStream:
    """The contacts read so far from the roster queries being parsed, by query element (kept only as long as the
    element lives)."""

    def __init__(self) -> None:
        self._read: weakref.WeakKeyDictionary[ET.Element, list[Contact]] = weakref.WeakKeyDictionary()

    def parse_in_slices(self, client: Any, stanza: bytes, parse: Callable[[bytes], None]) -> None:
        """Hand `stanza` to `parse` (slixmpp's own data_received) a slice at a time, reading the roster's
        finished items after each."""
        for start in range(0, len(stanza), SLICE):
            if client.parser is None:
                return  # a handler ended the stream
            parse(stanza[start:start + SLICE])
            self.read_finished_items(client.xml_root)

    def read_finished_items(self, stream_root: ET.Element | None) -> None:
        """Take the finished items out of the roster result being parsed (the stream root's last child), if it
        is one; the last item stays, as the parser may still be inside it."""
        if stream_root is None or not len(stream_root):
            return
        stanza = stream_root[-1]
        if stanza.tag != _IQ or stanza.get("type") != "result":
            return  # (a push is never taken apart: its sender is checked on the whole stanza)
        query = stanza.find(_ROSTER_QUERY)
        if query is None or len(query) < 2:
            return
        read = self._read.setdefault(query, [])
        for item in list(query)[:-1]:
            contact = translate.roster_item(item)
            if contact is not None:
                read.append(contact)
            query.remove(item)

    def take(self, query: ET.Element | None) -> list[Contact]:
        """The contacts read from `query` before it was complete (those left in it come after them)."""
        return [] if query is None else self._read.pop(query, [])
