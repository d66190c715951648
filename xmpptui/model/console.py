"""What the XML console shows: one stanza that went in or out, as text already redacted and indented."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StanzaRecord:
    """A stanza seen on the stream while the console was open."""

    seq: int
    """Counts up from 1 per session: the console asks for the records after the last one it showed."""
    time: float
    """When it was sent or parsed (seconds since the epoch)."""
    outgoing: bool
    xml: str
    """Credentials redacted as in the debug log, one element per line, cut beyond a size (said in the text).
    Remote text: shown as plain text only."""
