"""Message Archive Management queries (XEP-0313, with XEP-0059 paging), and the checks on their results.

A query is an iq; its results arrive as separate messages before the iq's answer. Results are collected only
for queries we have outstanding, and only from the archive we asked (see `translate.archive_result`).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from slixmpp import Message

from xmpptui.xmpp.stanzas import translate

log = logging.getLogger(__name__)

_RSM_NS = "http://jabber.org/protocol/rsm"
_DATA_NS = "jabber:x:data"
MAX_PAGES = 100
"""Pages fetched in one catch-up at most (5,000 messages at 50 a page); the rest stays in the archive."""


@dataclass(frozen=True, slots=True)
class ArchivePage:
    results: list[translate.ArchivedMessage]
    """In archive order (oldest first)."""
    complete: bool
    """The server says there is nothing more in the direction we paged."""
    last: str
    """The id of the newest result on this page (the position to continue after)."""


class ArchiveQueries:
    """The MAM queries a session has outstanding, and what has come back for each."""

    def __init__(self) -> None:
        self._collecting: dict[str, tuple[str, list[translate.ArchivedMessage]]] = {}

    def take(self, stanza: Message, now: float) -> bool:
        """Whether `stanza` is a MAM result message (consumed here: kept if genuine, dropped if not)."""
        if stanza.xml.find(f"{{{translate.MAM_NS}}}result") is None:
            return False
        by_archive: dict[str, set[str]] = {}
        for query_id, (archive, _) in self._collecting.items():
            by_archive.setdefault(archive, set()).add(query_id)
        sender = stanza.xml.get("from", "").lower()
        for archive, query_ids in by_archive.items():
            result = translate.archive_result(stanza, archive, query_ids, now) if sender in ("", archive) else None
            if result is not None:
                self._collecting[result.query_id][1].append(result)
                return True
        log.warning("MAM result not answering a query of ours dropped")
        return True

    async def query(self, client, archive: str, *, own: bool, with_jid: str = "", after: str = "",  # type: ignore[no-untyped-def]
                    before: str | None = None, end: float | None = None, limit: int = 50,
                    timeout: float = 20.0) -> ArchivePage:
        """One page. `before=""` asks for the newest page (before the end); `after` continues from an id.
        `own`: the archive is our account's (the iq goes to no one); else it is a room's (sent to it).
        Raises IqError / IqTimeout as slixmpp does."""
        query_id = uuid.uuid4().hex
        iq = client.make_iq_set(ito=None if own else archive)
        query = ET.SubElement(iq.xml, f"{{{translate.MAM_NS}}}query", queryid=query_id)
        form = ET.SubElement(query, f"{{{_DATA_NS}}}x", type="submit")
        _field(form, "FORM_TYPE", translate.MAM_NS, hidden=True)
        if with_jid:
            _field(form, "with", with_jid)
        if end is not None:
            _field(form, "end", datetime.fromtimestamp(end, UTC).isoformat().replace("+00:00", "Z"))
        rsm = ET.SubElement(query, f"{{{_RSM_NS}}}set")
        ET.SubElement(rsm, f"{{{_RSM_NS}}}max").text = str(limit)
        if after:
            ET.SubElement(rsm, f"{{{_RSM_NS}}}after").text = after
        if before is not None:
            ET.SubElement(rsm, f"{{{_RSM_NS}}}before").text = before or None
        results: list[translate.ArchivedMessage] = []
        self._collecting[query_id] = (archive.lower(), results)
        try:
            answer = await iq.send(timeout=timeout)
        finally:
            del self._collecting[query_id]
        fin = answer.xml.find(f"{{{translate.MAM_NS}}}fin")
        complete = fin is not None and fin.get("complete") in ("true", "1")
        last = fin.find(f"{{{_RSM_NS}}}set/{{{_RSM_NS}}}last") if fin is not None else None
        return ArchivePage(results, complete or not results,
                           (last.text or "") if last is not None else (results[-1].archive_id if results else ""))


def _field(form: ET.Element, name: str, value: str, hidden: bool = False) -> None:
    field = ET.SubElement(form, f"{{{_DATA_NS}}}field", var=name)
    if hidden:
        field.set("type", "hidden")
    ET.SubElement(field, f"{{{_DATA_NS}}}value").text = value
