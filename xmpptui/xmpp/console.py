"""The XML console's protocol side: the stanzas going in and out while the console is open, kept in a ring of
the last few hundred with credentials redacted (as in the debug log), and one raw stanza sent as the user wrote
it. Recorded: while the console is open, and each login's exchange until the session is online (so that a failed
login can be read afterwards, the SASL step redacted); otherwise the client's tap is None, one `if` per stanza."""

from __future__ import annotations

import logging
import re
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

from xmpptui.logs import redact
from xmpptui.model.console import StanzaRecord
from xmpptui.session import ConsoleError
from xmpptui.xmpp.context import SessionContext

if TYPE_CHECKING:
    from xmpptui.xmpp.transport.client import Client

log = logging.getLogger(__name__)

MAX_RECORDS = 500
"""Stanzas kept for the console: a burst of thousands keeps only the latest, so memory stays bounded."""
MAX_RECORD_CHARS = 16 * 1024
"""Beyond this a stanza's text is cut (a 1 MiB message would otherwise be held and drawn whole)."""
SENDABLE = ("message", "presence", "iq")
_CLIENT_NS = "jabber:client"
_WRAP = f"<console xmlns='{_CLIENT_NS}'>"
_TOKEN = re.compile(r"<[^>]*>|[^<]+")


class StanzaConsole:
    """Records what the client's tap hands it while watched; sends a stanza typed in the console."""

    def __init__(self, ctx: SessionContext, clock: Callable[[], float]) -> None:
        self._ctx = ctx
        self._clock = clock
        self._records: deque[StanzaRecord] = deque(maxlen=MAX_RECORDS)
        self._seq = 0
        self._watching = False
        self._logging_in = False

    def attach(self, client: Client) -> None:
        """The session's client was built, or lost its connection: the login about to happen is recorded."""
        self._logging_in = True
        self._tap(client)

    def logged_in(self) -> None:
        """The session is online: from here on only an open console records."""
        self._logging_in = False
        if self._ctx.client is not None:
            self._tap(self._ctx.client)

    def _tap(self, client: Client) -> None:
        client.stanza_tap = self.record if self._watching or self._logging_in else None

    def watch(self, on: bool) -> None:
        """Start (the console opened) or stop (closed) recording; what was recorded is kept for the next look."""
        self._watching = on
        if self._ctx.client is not None:
            self._tap(self._ctx.client)

    def record(self, outgoing: bool, xml: str) -> None:
        text = redact(xml.strip())
        if not text:
            return  # a whitespace keepalive
        if len(text) > MAX_RECORD_CHARS:
            text = f"{text[:MAX_RECORD_CHARS]} … ({len(text) - MAX_RECORD_CHARS:,} more characters not shown)"
        self._seq += 1
        self._records.append(StanzaRecord(self._seq, self._clock(), outgoing, indent(text)))

    def since(self, seq: int) -> list[StanzaRecord]:
        """The records after `seq`, oldest first (those the ring still holds)."""
        if not self._records or self._records[-1].seq <= seq:
            return []
        return [record for record in self._records if record.seq > seq]

    def send_raw(self, text: str) -> None:
        """Send one stanza written as XML; anything but one well-formed message, presence or iq is refused in
        words (ConsoleError), as is sending while offline (NotConnected)."""
        element = parse_stanza(text)
        client = self._ctx.require_online("the stanza is not sent")
        log.info("console: sending a %s stanza", element.tag.rpartition("}")[2])
        client.send_element(element)


def parse_stanza(text: str) -> ET.Element:
    """One stanza as typed, in the client namespace (as a stanza written inside the stream would be)."""
    if not text.strip():
        raise ConsoleError("nothing to send: type one <message>, <presence> or <iq> element")
    try:
        wrapper = ET.fromstring(f"{_WRAP}{text}</console>")
    except ET.ParseError as exc:
        line, column = exc.position
        where = f"column {column - len(_WRAP) + 1}" if line == 1 else f"line {line}, column {column + 1}"
        reason = str(exc).split(":", 1)[0]
        raise ConsoleError(f"not sent: this is not well-formed XML ({reason}, at {where})") from None
    children = list(wrapper)
    if len(children) != 1 or (wrapper.text or "").strip() or (children[0].tail or "").strip():
        raise ConsoleError("not sent: type exactly one element (one <message>, <presence> or <iq>)")
    element = children[0]
    namespace, _, name = element.tag[1:].rpartition("}") if element.tag.startswith("{") else ("", "", element.tag)
    if namespace != _CLIENT_NS or name not in SENDABLE:
        raise ConsoleError(f"not sent: <{name}> is not a stanza; the console sends <message>, <presence> or <iq>")
    return element


def indent(xml: str) -> str:
    """One element per line, indented by depth; an element holding only text stays on one line. Tokens only,
    no parsing: remote XML is shown, never interpreted."""
    tokens = _TOKEN.findall(xml)
    lines: list[str] = []
    depth = 0
    at = 0
    while at < len(tokens):
        token = tokens[at]
        pad = "  " * depth
        if token.startswith("</"):
            depth = max(depth - 1, 0)
            lines.append("  " * depth + token)
        elif token.startswith("<"):
            opens = not token.endswith("/>") and not token.startswith(("<?", "<!", "<stream:stream"))
            following = tokens[at + 1:at + 3]
            if opens and len(following) == 2 and not following[0].startswith("<") and following[1].startswith("</"):
                lines.append(pad + token + following[0] + following[1])  # <body>text</body>
                at += 3
                continue
            lines.append(pad + token)
            depth += opens
        elif token.strip():
            lines.append(pad + token.strip())
        at += 1
    return "\n".join(lines)
