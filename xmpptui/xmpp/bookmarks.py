"""Bookmarks: stanzas to and from `Bookmark` values, as XEP-0402 PEP native bookmarks, or XEP-0048 private
XML storage on servers without PEP."""

from __future__ import annotations

import logging
from xml.etree import ElementTree as ET

from slixmpp import Iq
from slixmpp.jid import JID, InvalidJID

from xmpptui.model.room import Bookmark

log = logging.getLogger(__name__)

NODE = "urn:xmpp:bookmarks:1"
NS_PUBSUB = "http://jabber.org/protocol/pubsub"
_NS_DATA = "jabber:x:data"
PUBLISH_OPTIONS = {
    "pubsub#persist_items": "true",
    "pubsub#max_items": "max",
    "pubsub#send_last_published_item": "never",
    "pubsub#access_model": "whitelist",
}
"""XEP-0402 4.2: kept, as many as we like, visible to us only."""


def bookmarks_from_items(iq: Iq) -> list[Bookmark]:
    """The bookmarks in a PEP items result; items that are not valid room JIDs are skipped."""
    found = (_bookmark(item.get("id", ""), item.find(f"{{{NODE}}}conference"), NODE)
             for item in iq.xml.iter(f"{{{NS_PUBSUB}}}item"))
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
    pubsub = ET.SubElement(iq.xml, f"{{{NS_PUBSUB}}}pubsub")
    ET.SubElement(pubsub, f"{{{NS_PUBSUB}}}items", node=NODE)


def fill_publish(iq: Iq, bookmark: Bookmark) -> None:
    pubsub = ET.SubElement(iq.xml, f"{{{NS_PUBSUB}}}pubsub")
    publish = ET.SubElement(pubsub, f"{{{NS_PUBSUB}}}publish", node=NODE)
    item = ET.SubElement(publish, f"{{{NS_PUBSUB}}}item", id=bookmark.room)
    attributes = {"autojoin": "true" if bookmark.autojoin else "false"}
    if bookmark.name:
        attributes["name"] = bookmark.name
    conference = ET.SubElement(item, f"{{{NODE}}}conference", attributes)
    if bookmark.nick:
        ET.SubElement(conference, f"{{{NODE}}}nick").text = bookmark.nick
    if bookmark.password:
        ET.SubElement(conference, f"{{{NODE}}}password").text = bookmark.password
    options = ET.SubElement(ET.SubElement(pubsub, f"{{{NS_PUBSUB}}}publish-options"), f"{{{_NS_DATA}}}x",
                            type="submit")
    for var, value in {"FORM_TYPE": f"{NS_PUBSUB}#publish-options", **PUBLISH_OPTIONS}.items():
        field = ET.SubElement(options, f"{{{_NS_DATA}}}field", var=var)
        ET.SubElement(field, f"{{{_NS_DATA}}}value").text = value


def fill_retract(iq: Iq, room: str) -> None:
    pubsub = ET.SubElement(iq.xml, f"{{{NS_PUBSUB}}}pubsub")
    retract = ET.SubElement(pubsub, f"{{{NS_PUBSUB}}}retract", node=NODE, notify="true")
    ET.SubElement(retract, f"{{{NS_PUBSUB}}}item", id=room)


NS_PRIVATE = "jabber:iq:private"
NS_STORAGE = "storage:bookmarks"
PEP_MISSING = frozenset({"feature-not-implemented", "service-unavailable", "not-allowed"})
"""Errors to a PEP query that mean the server has no PEP bookmarks (item-not-found only means none saved)."""


def fill_private_query(iq: Iq) -> None:
    query = ET.SubElement(iq.xml, f"{{{NS_PRIVATE}}}query")
    ET.SubElement(query, f"{{{NS_STORAGE}}}storage")


def bookmarks_from_private(iq: Iq) -> list[Bookmark]:
    """The bookmarks in an XEP-0048 private storage result; invalid room JIDs are skipped."""
    found = (_bookmark(conference.get("jid", ""), conference, NS_STORAGE)
             for conference in iq.xml.iter(f"{{{NS_STORAGE}}}conference"))
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
