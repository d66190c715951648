"""The file a message shares, stanza <-> value: stateless file sharing (XEP-0447), media sharing (SIMS, XEP-0385)
and the out-of-band link (XEP-0066). What a sender says of a file is checked before it is kept: an http(s) URL
of sane length, a size that is a number, a media type that is one; the name is kept as sent (bounded) and made
safe where it names anything on disk."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree as ET

from xmpptui.model.conversation import Attachment

NS_OOB = "jabber:x:oob"
NS_SFS = "urn:xmpp:sfs:0"
NS_FILE = "urn:xmpp:file:metadata:0"
NS_URL_DATA = "http://jabber.org/protocol/url-data"
NS_REFERENCE = "urn:xmpp:reference:0"
NS_SIMS = "urn:xmpp:sims:1"
NS_JINGLE_FILE = "urn:xmpp:jingle:apps:file-transfer:5"

MAX_URL = 4096
MAX_NAME = 1024
"""Characters of a file name kept (file systems take 255 bytes; the rest is hostile or useless)."""
_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}", re.IGNORECASE)


def valid_file_url(url: str) -> bool:
    """An http(s) URL with a host, no whitespace or controls: the only kind fetched or shown as a file."""
    if not url or len(url) > MAX_URL or any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("https", "http") and bool(parts.hostname)


def attachment_of(xml: ET.Element) -> Attachment | None:
    """The file a message shares, from the richest description it carries (SFS, then SIMS, then OOB); None when
    it shares none, or only what fails the checks."""
    return _file_sharing(xml) or _media_sharing(xml) or _out_of_band(xml)


def _file_sharing(xml: ET.Element) -> Attachment | None:
    return _first_described(xml.findall(f"{{{NS_SFS}}}file-sharing"), f"{{{NS_URL_DATA}}}url-data", "target",
                            NS_FILE)


def _media_sharing(xml: ET.Element) -> Attachment | None:
    return _first_described(xml.iter(f"{{{NS_SIMS}}}media-sharing"), f"{{{NS_REFERENCE}}}reference", "uri",
                            NS_JINGLE_FILE)


def _first_described(sharings: Iterable[ET.Element], source: str, attribute: str,
                     file_namespace: str) -> Attachment | None:
    """The first sharing element with a usable source URL, with what its `<file/>` says of the file."""
    for sharing in sharings:
        url = next((url for element in sharing.iter(source) if valid_file_url(url := element.get(attribute, ""))),
                   "")
        if url:
            return _described(url, sharing.find(f"{{{file_namespace}}}file"), file_namespace)
    return None


def _out_of_band(xml: ET.Element) -> Attachment | None:
    url = (xml.findtext(f"{{{NS_OOB}}}x/{{{NS_OOB}}}url") or "").strip()
    return Attachment(url, name_from_url(url)) if valid_file_url(url) else None


def _described(url: str, file: ET.Element | None, namespace: str) -> Attachment:
    if file is None:
        return Attachment(url, name_from_url(url))
    name = (file.findtext(f"{{{namespace}}}name") or "").strip()[:MAX_NAME] or name_from_url(url)
    size_text = (file.findtext(f"{{{namespace}}}size") or "").strip()
    size = int(size_text) if size_text.isdigit() and len(size_text) < 16 else None
    media_type = (file.findtext(f"{{{namespace}}}media-type") or "").strip()
    return Attachment(url, name, size, media_type if _MEDIA_TYPE.fullmatch(media_type) else "")


def name_from_url(url: str) -> str:
    """The last part of a URL's path, decoded (a name for a file that came without one)."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return ""
    return unquote(path.rstrip("/").rpartition("/")[2])[:MAX_NAME]


def fill(xml: ET.Element, attachment: Attachment) -> None:
    """Describe the file our message shares the ways other clients read: XEP-0447 with its name, size and type,
    and XEP-0066 (what most show inline), beside the URL as the body."""
    sharing = ET.SubElement(xml, f"{{{NS_SFS}}}file-sharing", disposition="inline")
    file = ET.SubElement(sharing, f"{{{NS_FILE}}}file")
    if attachment.media_type:
        ET.SubElement(file, f"{{{NS_FILE}}}media-type").text = attachment.media_type
    if attachment.name:
        ET.SubElement(file, f"{{{NS_FILE}}}name").text = attachment.name
    if attachment.size is not None:
        ET.SubElement(file, f"{{{NS_FILE}}}size").text = str(attachment.size)
    sources = ET.SubElement(sharing, f"{{{NS_SFS}}}sources")
    ET.SubElement(sources, f"{{{NS_URL_DATA}}}url-data", target=attachment.url)
    ET.SubElement(ET.SubElement(xml, f"{{{NS_OOB}}}x"), f"{{{NS_OOB}}}url").text = attachment.url
