"""StreamGuard: limits on what the server may put in the XML stream, checked before the parser sees it.

RFC 6120 11.1 forbids comments, processing instructions and DTDs (and so entity declarations) in an
XMPP stream; a stanza of megabytes, or one that never ends, would make the client hold it all in memory.
"""

from __future__ import annotations

_TAIL = 9
"""Bytes kept from the previous slice so that a construct split across two slices is still seen."""
DEFAULT_MAX_STANZA_BYTES = 1024 * 1024
DEFAULT_MAX_DEPTH = 64


class StreamGuard:
    def __init__(self, max_stanza_bytes: int = DEFAULT_MAX_STANZA_BYTES, max_depth: int = DEFAULT_MAX_DEPTH) -> None:
        self.max_stanza_bytes = max_stanza_bytes
        self.max_depth = max_depth
        self.reset()

    def reset(self) -> None:
        """A new stream (connection, or restart after TLS or SASL): the XML declaration is allowed again."""
        self._tail = b""
        self._pending = 0

    def check(self, chunk: bytes, in_stream: bool) -> str | None:
        """The reason to close the stream if `chunk` breaks a rule, else None. `in_stream`: the root is open."""
        window = self._tail + chunk
        at = window.find(b"<!")
        while at != -1:
            # Only a CDATA section may start with "<!"; a prefix of one at the end is decided next time.
            if not b"<![CDATA[".startswith(window[at:at + len(b"<![CDATA[")]):
                return "the server sent a DTD, entity declaration or comment, which XMPP forbids"
            at = window.find(b"<!", at + 2)
        # "<?" wholly inside the kept tail was checked with the previous slice (maybe before the root).
        if in_stream and window.find(b"<?", max(0, len(self._tail) - 1)) != -1:
            return "the server sent a processing instruction inside the stream, which XMPP forbids"
        self._tail = window[-_TAIL:]
        self._pending += len(chunk)
        if self._pending > self.max_stanza_bytes:
            return f"the server sent a stanza larger than {self.max_stanza_bytes // 1024} KiB"
        return None

    def check_depth(self, depth: int) -> str | None:
        return f"the server nested XML deeper than {self.max_depth} levels" if depth > self.max_depth else None

    def stanza_done(self) -> None:
        self._pending = 0
