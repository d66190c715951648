"""What our own messages carry, written into the stanza before it is sent: ids, requests for receipts and
markers, chat states, corrections, and the receipts and markers we send about a peer's message."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from xmpptui.xmpp.stanzas.translate import CHAT_STATES_NS, CORRECTION_NS, MARKERS_NS, RECEIPTS_NS, STANZA_ID_NS

_HINTS_NS = "urn:xmpp:hints"


def fill_message(xml: ET.Element, message_id: str, replaces: str = "", active: bool = False) -> None:
    """What goes with each of our messages: its origin-id (XEP-0359, for archives to keep), a request for a
    receipt and for markers, a correction's reference (XEP-0308), and `active` (it ends any `composing`)."""
    ET.SubElement(xml, f"{{{STANZA_ID_NS}}}origin-id", id=message_id)
    ET.SubElement(xml, f"{{{RECEIPTS_NS}}}request")
    ET.SubElement(xml, f"{{{MARKERS_NS}}}markable")
    if replaces:
        ET.SubElement(xml, f"{{{CORRECTION_NS}}}replace", id=replaces)
    if active:
        ET.SubElement(xml, f"{{{CHAT_STATES_NS}}}active")


def fill_chat_state(xml: ET.Element, state: str) -> None:
    """A standalone chat state (XEP-0085): `composing`, `paused`, `active`...; not for archives to keep."""
    ET.SubElement(xml, f"{{{CHAT_STATES_NS}}}{state}")
    ET.SubElement(xml, f"{{{_HINTS_NS}}}no-store")


def fill_receipt(xml: ET.Element, message_id: str) -> None:
    """A delivery receipt (XEP-0184) for the peer's message `message_id`."""
    ET.SubElement(xml, f"{{{RECEIPTS_NS}}}received", id=message_id)


def fill_displayed(xml: ET.Element, message_id: str) -> None:
    """A displayed marker (XEP-0333) for the peer's message `message_id`."""
    ET.SubElement(xml, f"{{{MARKERS_NS}}}displayed", id=message_id)
