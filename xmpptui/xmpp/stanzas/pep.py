"""Our own PEP nodes (XEP-0163): notifications of changes our other clients make, and the read positions of
XEP-0490 (Message Displayed Synchronization), which live in one of those nodes."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

from slixmpp.jid import JID, InvalidJID

log = logging.getLogger(__name__)

NS_EVENT = "http://jabber.org/protocol/pubsub#event"
NS_PUBSUB = "http://jabber.org/protocol/pubsub"
NS_DATA = "jabber:x:data"
NS_SID = "urn:xmpp:sid:0"
BOOKMARKS_NODE = "urn:xmpp:bookmarks:1"
DISPLAYED_NODE = "urn:xmpp:mds:displayed:0"
PRIVATE_BOOKMARKS_NODE = "storage:bookmarks"
"""Where a server keeping XEP-0048 private storage in step with PEP (XEP-0411) publishes the bookmarks
document whenever it changes: how XEP-0048 bookmarks changed by another client reach us live."""
NOTIFY_NODES = (BOOKMARKS_NODE, DISPLAYED_NODE, PRIVATE_BOOKMARKS_NODE)
"""The nodes we want to hear about (advertised as `+notify` in our caps)."""


@dataclass(frozen=True)
class NodeChange:
    """One PEP notification: items published to `node` (id, payload) and item ids retracted from it."""

    node: str
    published: list[tuple[str, ET.Element]] = field(default_factory=list)
    retracted: list[str] = field(default_factory=list)


def node_change(message: ET.Element) -> NodeChange | None:
    """The PEP notification a message carries, or None if it carries none."""
    items = message.find(f"{{{NS_EVENT}}}event/{{{NS_EVENT}}}items")
    if items is None:
        return None
    published = [(item.get("id", ""), payload) for item in items.findall(f"{{{NS_EVENT}}}item")
                 for payload in item[:1]]
    retracted = [item.get("id", "") for item in items.findall(f"{{{NS_EVENT}}}retract")]
    return NodeChange(items.get("node", ""), published, retracted)


def fill_items_query(iq_xml: ET.Element, node: str) -> None:
    pubsub = ET.SubElement(iq_xml, f"{{{NS_PUBSUB}}}pubsub")
    ET.SubElement(pubsub, f"{{{NS_PUBSUB}}}items", node=node)


def result_items(iq_xml: ET.Element) -> list[tuple[str, ET.Element]]:
    """(item id, payload) of each item in a pubsub items result."""
    return [(item.get("id", ""), payload) for item in iq_xml.iter(f"{{{NS_PUBSUB}}}item") for payload in item[:1]]


def fill_publish(iq_xml: ET.Element, node: str, item_id: str, options: Mapping[str, str]) -> ET.Element:
    """A publish of one item to one of our private nodes with these publish-options (XEP-0223; what to send is
    the publisher's choice, see pep_publish); returns the item element, for its payload."""
    pubsub = ET.SubElement(iq_xml, f"{{{NS_PUBSUB}}}pubsub")
    publish = ET.SubElement(pubsub, f"{{{NS_PUBSUB}}}publish", node=node)
    item = ET.SubElement(publish, f"{{{NS_PUBSUB}}}item", id=item_id)
    if options:
        form = ET.SubElement(ET.SubElement(pubsub, f"{{{NS_PUBSUB}}}publish-options"), f"{{{NS_DATA}}}x",
                             type="submit")
        for var, value in {"FORM_TYPE": f"{NS_PUBSUB}#publish-options", **options}.items():
            option = ET.SubElement(form, f"{{{NS_DATA}}}field", var=var)
            if var == "FORM_TYPE":
                option.set("type", "hidden")
            ET.SubElement(option, f"{{{NS_DATA}}}value").text = value
    return item


# XEP-0490 read positions ------------------------------------------------------------------------

@dataclass(frozen=True)
class DisplayedUpTo:
    """Our account has displayed the conversation `conversation` up to the message with `stanza_id` (as
    assigned by `by`: our own server for a chat, the room for a group chat)."""

    conversation: str
    stanza_id: str
    by: str


def displayed_up_to(item_id: str, payload: ET.Element) -> DisplayedUpTo | None:
    """The read position in one MDS item; None (logged) if it is malformed."""
    if payload.tag != f"{{{DISPLAYED_NODE}}}displayed":
        return None
    sid = payload.find(f"{{{NS_SID}}}stanza-id")
    try:
        conversation = JID(item_id)
        by = JID(sid.get("by", "")) if sid is not None else None
    except InvalidJID:
        log.info("read position with an invalid JID dropped")
        return None
    if sid is None or by is None or not sid.get("id") or not conversation.user or conversation.resource:
        log.info("malformed read position dropped")
        return None
    return DisplayedUpTo(conversation.bare.lower(), sid.get("id", ""), by.bare.lower())


def fill_displayed(item: ET.Element, position: DisplayedUpTo) -> None:
    """The payload of the read-position item (whose id is `position.conversation`)."""
    displayed = ET.SubElement(item, f"{{{DISPLAYED_NODE}}}displayed")
    ET.SubElement(displayed, f"{{{NS_SID}}}stanza-id", id=position.stanza_id, by=position.by)
