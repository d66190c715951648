"""StreamGuard: limits on what the server may put in the XML stream, applied before the parser sees a byte.

RFC 6120 11.1 forbids comments, processing instructions and DTDs (and so entity declarations) in an XMPP
stream: one of those ends the stream. A stanza of megabytes, or one that never ends, would make the client
hold it all in memory; closing the stream for it would let any stranger knock us offline with one message.
So the guard finds where each top-level element (a child of the stream root) begins and ends in the byte
stream and holds its bytes back from the parser until it is complete. A message, presence or iq that grows
over the limit, or nests too deep, is dropped (its bytes discarded as they arrive, never held) and reported
in stream order, so the caller can count it as handled (XEP-0198) and say so; the stream goes on. Anything
else over a limit (stream features, SASL, a stream root) comes from the server itself and ends the stream.

The scanner is exact for well-formed XML (CDATA, quoted attribute values containing `>` or `/>`, nested
elements of the same name, every split across slices); on XML that is not well-formed it stays bounded, and
the parser behind it refuses the stream.
"""

from __future__ import annotations

import re
from typing import NamedTuple

DEFAULT_MAX_STANZA_BYTES = 1024 * 1024
DEFAULT_MAX_DEPTH = 64

DROPPABLE = frozenset({"message", "presence", "iq"})
"""Stanzas (RFC 6120 8): what other people can send us, so what one of them can make too large."""

_CDATA_OPEN = b"![CDATA["
_QUOTED = rb"'[^'<]*+'|\"[^\"<]*+\""
_EMPTY_ELEMENT = rb"<[^!?/'\"<>](?:[^'\"<>/]++|/(?!>)|" + _QUOTED + rb")*+/>"
_START_OR_END_TAG = rb"<(?:/[^<>'\"]*+>|[^!?/'\"<>](?:[^'\"<>]++|" + _QUOTED + rb")*+>)"
_INSIDE_STEP = re.compile(
    rb"(?:[^<]++|<!\[CDATA\[.*?\]\]>|" + _EMPTY_ELEMENT + rb")*+(" + _START_OR_END_TAG + rb")?", re.S)
"""Inside a stanza: text, CDATA and empty elements (which change no depth) in one C-speed run, then the next
start or end tag, if it is complete in this slice. Possessive, so a slice that ends mid-tag costs no
backtracking."""
_TOP_TAG = re.compile(_EMPTY_ELEMENT + rb"|" + _START_OR_END_TAG)
"""Between stanzas: a whole tag, when this slice holds it."""
_TAG_STOP = re.compile(rb"['\"<>]")
_NAME = re.compile(rb"<([^\s/>'\"<]+)")
_FORWARDED_MESSAGE = re.compile(rb"<forwarded[\s>/][^<]*+(?:<(?!message[\s>/])[^<]*+)*+<message(?=[\s>/])")
"""The message inside a XEP-0297 <forwarded/> (MAM results, carbons), up to the end of its name."""
_ATTRIBUTE = re.compile(rb"\s+([^\s=/>'\"<]+)\s*=\s*(?:'([^'<]*)'|\"([^\"<]*)\")")
"""One attribute, read in turn from the end of the element's name: a value never passes for an attribute."""


class StreamViolation(Exception):
    """The server broke a rule that ends the stream; the message says which, in words."""


class DroppedStanza(NamedTuple):
    """A stanza the guard discarded; `sender`, `stanza_id` and `kind` ('type') are "" when not known."""

    name: str
    sender: str
    stanza_id: str
    kind: str
    size: int
    reason: str
    origin: str = ""
    """For a forwarded message (an archive result, a carbon), the `from` of the message inside, if it came."""

    def describe(self) -> str:
        article = "an" if self.name == "iq" else "a"
        sender = self.sender or ("your server" if self.origin else "an unknown sender")
        if self.origin:
            sender = f"{self.origin} (forwarded by {sender})"
        return f"{article} {self.name} of {_kib(self.size)} from {sender} was dropped: {self.reason}"


def _kib(size: int) -> str:
    return f"{size / 1024:.0f} KiB" if size >= 1024 else f"{size} bytes"


class _Token:
    """Where the scanner is inside a markup construct that a slice boundary cut."""

    NONE, OPEN, TAG, QUOTE, CDATA, PI = range(6)


class StreamGuard:
    """Feed it the stream in slices; it hands back what the parser may see, and what it dropped, in order."""

    def __init__(self, max_stanza_bytes: int = DEFAULT_MAX_STANZA_BYTES, max_depth: int = DEFAULT_MAX_DEPTH) -> None:
        self.max_stanza_bytes = max_stanza_bytes
        self.max_depth = max_depth
        self.reset()

    def reset(self) -> None:
        """A new stream (connection, or restart after TLS or SASL): no root yet, an XML declaration allowed."""
        self._depth = 0
        """Open elements; the stream root is 1, a stanza's own element 2."""
        self._token = _Token.NONE
        self._opened = b""
        """After `<`: the bytes seen so far of a construct not yet told apart (`/`, `?`, `!`, `![CDATA[`)."""
        self._closing = False
        """The tag being read is an end tag."""
        self._quote = 0
        self._before = 0
        """The byte before the scan position (to tell `/>` when `>` starts a slice)."""
        self._tail = b""
        """The last bytes of a CDATA section or processing instruction, for a terminator cut by a slice."""
        self._in_unit = False
        """Inside a top-level element (or the root's start tag, or an XML declaration): bytes are held."""
        self._unit_prior = 0
        """Bytes of the current unit that arrived in earlier slices."""
        self._unit_depth = 0
        """The depth at which the current unit began: 1 for a stanza (0 for the root or the declaration)."""
        self._held = bytearray()
        self._dropping: DroppedStanza | None = None
        self._loose = 0
        """Bytes outside any unit since the last one (whitespace keepalives); bounded like a stanza."""

    def feed(self, chunk: bytes) -> list[bytes | DroppedStanza]:
        """What of `chunk` (and of what was held) the parser may see now, with dropped stanzas in stream
        order among it. Raises StreamViolation for what ends the stream."""
        out: list[bytes | DroppedStanza] = []
        self._out = out
        self._chunk = chunk
        self._pass_from = 0
        self._unit_from = 0
        end = len(chunk)
        at = 0
        while at < end:
            if self._token != _Token.NONE:
                at = self._continue_token(chunk, at)
            elif self._depth >= 2:
                match = _INSIDE_STEP.match(chunk, at)
                tag_at = match.start(1)
                if tag_at < 0:
                    at = match.end()
                    if at < end:  # a `<` whose construct this slice does not complete
                        self._before = 0x3C
                        self._opened = b""
                        self._token = _Token.OPEN
                        at += 1
                    continue
                at = match.end()
                if chunk[tag_at + 1] == 0x2F:
                    self._end_tag(at)
                elif chunk[at - 2] != 0x2F:  # (an empty element is taken by the run; this is only a safeguard)
                    self._start_tag(at)
            else:
                found = chunk.find(b"<", at)
                if found < 0:
                    self._loose += end - at
                    at = end
                    break
                self._loose += found - at
                self._begin_unit(found)
                whole = _TOP_TAG.match(chunk, found)
                if whole is None:  # cut by the slice's end, or not a tag: byte by byte
                    self._before = 0x3C
                    self._opened = b""
                    self._token = _Token.OPEN
                    at = found + 1
                    continue
                at = whole.end()
                if chunk[found + 1] == 0x2F:
                    self._end_tag(at)
                elif chunk[at - 2] == 0x2F:
                    self._empty_element(at)
                else:
                    self._start_tag(at)
        if self._loose > self.max_stanza_bytes:
            raise StreamViolation(f"the server sent more than {self.max_stanza_bytes // 1024} KiB outside any stanza")
        self._end_slice(end)
        self._out = []
        self._chunk = b""
        return [piece for piece in out if not isinstance(piece, bytes) or piece]

    # Markup cut by a slice boundary: one construct at a time, resumed where the last slice ended.

    def _continue_token(self, chunk: bytes, at: int) -> int:
        token = self._token
        if token == _Token.OPEN:
            return self._classify(chunk, at)
        if token == _Token.QUOTE:
            found = chunk.find(b"'" if self._quote == 0x27 else b'"', at)
            if found < 0:
                return len(chunk)
            self._token = _Token.TAG
            self._before = self._quote
            return found + 1
        if token == _Token.TAG:
            stop = _TAG_STOP.search(chunk, at)
            if stop is None:
                self._before = chunk[-1] if len(chunk) > at else self._before
                return len(chunk)
            found = stop.start()
            byte = chunk[found]
            if byte == 0x3E:  # ">"
                empty = (chunk[found - 1] if found > at else self._before) == 0x2F and not self._closing
                self._token = _Token.NONE
                if self._closing:
                    self._end_tag(found + 1)
                elif empty:
                    self._empty_element(found + 1)
                else:
                    self._start_tag(found + 1)
                return found + 1
            if byte == 0x3C:
                raise StreamViolation("the server sent XML that is not well-formed (a '<' inside a tag)")
            self._token = _Token.QUOTE
            self._quote = byte
            return found + 1
        terminator = b"]]>" if token == _Token.CDATA else b"?>"
        window = self._tail + chunk[at:at + len(terminator) - 1]
        found = window.find(terminator)
        if found >= 0:  # the terminator straddles the boundary
            end = at + found + len(terminator) - len(self._tail)
        else:
            found = chunk.find(terminator, at)
            if found < 0:
                self._tail = (self._tail + chunk[at:])[-(len(terminator) - 1):]
                return len(chunk)
            end = found + len(terminator)
        self._token = _Token.NONE
        self._tail = b""
        self._empty_element(end)  # a CDATA section or the XML declaration: no depth change
        return end

    def _classify(self, chunk: bytes, at: int) -> int:
        """After `<`: an end tag, a start tag, CDATA, or what XMPP forbids."""
        first = self._opened[:1] or chunk[at:at + 1]
        if first == b"/":
            self._token, self._closing = _Token.TAG, True
            return at + (0 if self._opened else 1)
        if first == b"?":
            if self._depth > 0:
                raise StreamViolation("the server sent a processing instruction inside the stream, which XMPP forbids")
            self._token, self._tail = _Token.PI, b""
            return at + (0 if self._opened else 1)
        if first != b"!":
            self._token, self._closing = _Token.TAG, False
            return at
        wanted = len(_CDATA_OPEN) - len(self._opened)
        seen = self._opened + chunk[at:at + wanted]
        if not _CDATA_OPEN.startswith(seen):
            raise StreamViolation("the server sent a DTD, entity declaration or comment, which XMPP forbids")
        if len(seen) < len(_CDATA_OPEN):
            self._opened = seen
            return len(chunk)
        self._opened = b""
        self._token, self._tail = _Token.CDATA, b""
        return at + wanted

    # Depth, units and limits.

    def _begin_unit(self, at: int) -> None:
        self._in_unit = True
        self._unit_depth = self._depth
        self._unit_prior = 0
        self._unit_from = at
        self._loose = 0

    def _start_tag(self, end: int) -> None:
        self._depth += 1
        if self._depth > self.max_depth and self._dropping is None:
            self._over(end, f"nested deeper than {self.max_depth} levels",
                       f"the server nested XML deeper than {self.max_depth} levels")
        if self._depth == 1:  # the stream root's start tag: the parser needs it at once
            self._end_unit(end)

    def _end_tag(self, end: int) -> None:
        self._depth -= 1
        if self._depth < 0:
            raise StreamViolation("the server sent XML that is not well-formed (an end tag with no start)")
        if self._depth <= 1:
            self._end_unit(end)

    def _empty_element(self, end: int) -> None:
        if self._depth <= 1:
            self._end_unit(end)

    def _end_unit(self, end: int) -> None:
        size = self._unit_prior + end - self._unit_from
        if self._dropping is None and size > self.max_stanza_bytes:
            self._oversize(end)
        if self._dropping is not None:
            self._out.append(self._chunk[self._pass_from:self._unit_from])
            self._out.append(self._dropping._replace(size=size))
            self._dropping = None
            self._pass_from = end
        elif self._held:
            self._out.append(bytes(self._held))
            self._held.clear()
        self._in_unit = False

    def _end_slice(self, end: int) -> None:
        if not self._in_unit:
            self._out.append(self._chunk[self._pass_from:end])
            return
        self._out.append(self._chunk[self._pass_from:self._unit_from])
        if self._dropping is None and self._unit_prior + end - self._unit_from > self.max_stanza_bytes:
            self._oversize(end)
        if self._dropping is None:
            self._held += self._chunk[self._unit_from:end]
        self._unit_prior += end - self._unit_from

    def _oversize(self, end: int) -> None:
        self._over(end, f"larger than the {_kib(self.max_stanza_bytes)} limit",
                   f"the server sent a stanza larger than {self.max_stanza_bytes // 1024} KiB")

    def _over(self, end: int, reason: str, refusal: str) -> None:
        """The current unit broke a limit: a stanza is dropped from here to its end; anything else ends the stream."""
        self._held += self._chunk[self._unit_from:end]  # in place: the unit's start, read once, then let go
        head = self._held
        named = _NAME.match(head)
        name = named.group(1).decode("utf-8", "replace") if named else ""
        if name not in DROPPABLE or self._unit_depth != 1:
            self._held.clear()
            raise StreamViolation(refusal)
        found = _attributes(head, named.end() if named else 0)
        inner = _FORWARDED_MESSAGE.search(head) if name == "message" else None
        origin = _attributes(head, inner.end()).get("from", "") if inner else ""
        self._held.clear()
        self._dropping = DroppedStanza(name, found.get("from", ""), found.get("id", ""), found.get("type", ""),
                                       0, reason, origin)


def _attributes(head: bytearray, at: int) -> dict[str, str]:
    """The attributes of the start tag whose name ends at `at`, as far as it arrived (the first of a name wins)."""
    import html  # here: only a dropped stanza needs it, and its entity table is ~0.5 MB held from launch on

    found: dict[str, str] = {}
    while (pair := _ATTRIBUTE.match(head, at)) is not None:
        name, single, double = pair.groups()
        found.setdefault(name.decode("utf-8", "replace"),
                         html.unescape((single if single is not None else double).decode("utf-8", "replace")))
        at = pair.end()
    return found
