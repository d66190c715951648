"""Bookmarks: stanzas to and from `Bookmark` values, as XEP-0402 PEP native bookmarks, or XEP-0048 private
XML storage on servers that do not keep the two in step (no `urn:xmpp:bookmarks:1#compat`, XEP-0479)."""

from __future__ import annotations

import logging
from xml.etree import ElementTree as ET

from slixmpp import Iq
from slixmpp.jid import JID, InvalidJID

from xmpptui.model.room import Bookmark
from xmpptui.xmpp.stanzas import pep

log = logging.getLogger(__name__)

NODE = pep.BOOKMARKS_NODE


def bookmarks_from_items(iq: Iq) -> list[Bookmark]:
    """The bookmarks in a PEP items result; items that are not valid room JIDs are skipped."""
    return bookmarks_from_published(pep.result_items(iq.xml))


def bookmarks_from_published(items: list[tuple[str, ET.Element]]) -> list[Bookmark]:
    """The bookmarks among (item id, payload) pairs, from a query or a notification."""
    found = (_bookmark(item_id, payload if payload.tag == f"{{{NODE}}}conference" else None, NODE)
             for item_id, payload in items)
    return [bookmark for bookmark in found if bookmark is not None]


def _bookmark(room_jid: str, conference: ET.Element | None, ns: str) -> Bookmark | None:
    """One `<conference/>` (XEP-0402 or XEP-0048, namespace `ns`) for the room `room_jid`, if both are valid."""
    if conference is None:
        return None
    try:
        room = JID(room_jid)
    except InvalidJID:
        log.info("bookmark with an invalid room JID skipped")
        return None
    if not room.user or room.resource:
        return None
    return Bookmark(
        room=room.bare.lower(), name=conference.get("name", ""),
        nick=(conference.findtext(f"{{{ns}}}nick") or "").strip(),
        password=(conference.findtext(f"{{{ns}}}password") or "").strip(),
        autojoin=conference.get("autojoin", "false") in ("true", "1"),
    )


def fill_items_query(iq: Iq) -> None:
    pep.fill_items_query(iq.xml, NODE)


def fill_conference(item: ET.Element, bookmark: Bookmark) -> None:
    """The payload of the XEP-0402 item (whose id is the room's JID) for `bookmark`."""
    attributes = {"autojoin": "true" if bookmark.autojoin else "false"}
    if bookmark.name:
        attributes["name"] = bookmark.name
    conference = ET.SubElement(item, f"{{{NODE}}}conference", attributes)
    if bookmark.nick:
        ET.SubElement(conference, f"{{{NODE}}}nick").text = bookmark.nick
    if bookmark.password:
        ET.SubElement(conference, f"{{{NODE}}}password").text = bookmark.password


def fill_retract(iq: Iq, room: str) -> None:
    pubsub = ET.SubElement(iq.xml, f"{{{pep.NS_PUBSUB}}}pubsub")
    retract = ET.SubElement(pubsub, f"{{{pep.NS_PUBSUB}}}retract", node=NODE, notify="true")
    ET.SubElement(retract, f"{{{pep.NS_PUBSUB}}}item", id=room)


NS_PRIVATE = "jabber:iq:private"
NS_STORAGE = "storage:bookmarks"


def fill_private_query(iq: Iq) -> None:
    query = ET.SubElement(iq.xml, f"{{{NS_PRIVATE}}}query")
    ET.SubElement(query, f"{{{NS_STORAGE}}}storage")


def bookmarks_from_private(iq: Iq) -> list[Bookmark]:
    """The bookmarks in an XEP-0048 private storage result; invalid room JIDs are skipped."""
    return bookmarks_from_storage(iq.xml)


def bookmarks_from_storage(document: ET.Element) -> list[Bookmark]:
    """The bookmarks in an XEP-0048 `<storage/>` (or an element holding one): from private storage, or as the
    server publishes it to our `storage:bookmarks` PEP node when it changes."""
    found = (_bookmark(conference.get("jid", ""), conference, NS_STORAGE)
             for conference in document.iter(f"{{{NS_STORAGE}}}conference"))
    return [bookmark for bookmark in found if bookmark is not None]


def fill_private_store(iq: Iq, saved: list[Bookmark]) -> None:
    """XEP-0048 storage is one document: every bookmark is written each time."""
    storage = ET.SubElement(ET.SubElement(iq.xml, f"{{{NS_PRIVATE}}}query"), f"{{{NS_STORAGE}}}storage")
    for bookmark in saved:
        attributes = {"jid": bookmark.room, "autojoin": "true" if bookmark.autojoin else "false"}
        if bookmark.name:
            attributes["name"] = bookmark.name
        conference = ET.SubElement(storage, f"{{{NS_STORAGE}}}conference", attributes)
        if bookmark.nick:
            ET.SubElement(conference, f"{{{NS_STORAGE}}}nick").text = bookmark.nick
        if bookmark.password:
            ET.SubElement(conference, f"{{{NS_STORAGE}}}password").text = bookmark.password
