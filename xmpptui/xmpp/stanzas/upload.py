"""HTTP File Upload (XEP-0363) stanzas to values and back: the service found by disco, its size limit, a slot
request and its answer, the server's refusals in words, and the out-of-band link (XEP-0066) a message carries."""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree import ElementTree as ET

from slixmpp import Iq

from xmpptui.xmpp.stanzas import translate

NS_UPLOAD = "urn:xmpp:http:upload:0"
NS_DISCO_ITEMS = "http://jabber.org/protocol/disco#items"
NS_DISCO_INFO = "http://jabber.org/protocol/disco#info"
NS_DATA = "jabber:x:data"
NS_OOB = "jabber:x:oob"

_PUT_HEADERS = frozenset({"authorization", "cookie", "expires"})
"""The only headers a slot may ask the PUT to carry (XEP-0363 §5: anything else is dropped)."""


@dataclass(frozen=True)
class Slot:
    """Where to PUT the file, with which headers, and the URL others GET it from."""

    put_url: str
    get_url: str
    headers: dict[str, str]


def fill_disco_items(xml: ET.Element) -> None:
    ET.SubElement(xml, f"{{{NS_DISCO_ITEMS}}}query")


def fill_disco_info(xml: ET.Element) -> None:
    ET.SubElement(xml, f"{{{NS_DISCO_INFO}}}query")


def item_jids(result: Iq) -> list[str]:
    """The entities a disco#items result lists (the server's services)."""
    return [jid for item in result.xml.iter(f"{{{NS_DISCO_ITEMS}}}item") if (jid := item.get("jid", ""))]


def is_upload_service(result: Iq) -> bool:
    return any(feature.get("var") == NS_UPLOAD for feature in result.xml.iter(f"{{{NS_DISCO_INFO}}}feature"))


def max_file_size(result: Iq) -> int | None:
    """The service's `max-file-size` (XEP-0128 form in its disco#info), None when it states none."""
    for form in result.xml.iter(f"{{{NS_DATA}}}x"):
        fields = {field.get("var", ""): (field.findtext(f"{{{NS_DATA}}}value") or "").strip()
                  for field in form.findall(f"{{{NS_DATA}}}field")}
        if fields.get("FORM_TYPE") != NS_UPLOAD:
            continue
        try:
            size = int(fields.get("max-file-size", ""))
        except ValueError:
            return None
        return size if size > 0 else None
    return None


def fill_slot_request(xml: ET.Element, filename: str, size: int, content_type: str) -> None:
    ET.SubElement(xml, f"{{{NS_UPLOAD}}}request", filename=filename, size=str(size), attrib={
        "content-type": content_type})


def slot(result: Iq) -> Slot | None:
    """The slot in the service's answer; None when it is not a usable one (no https URLs)."""
    element = result.xml.find(f"{{{NS_UPLOAD}}}slot")
    if element is None:
        return None
    put, get = element.find(f"{{{NS_UPLOAD}}}put"), element.find(f"{{{NS_UPLOAD}}}get")
    if put is None or get is None:
        return None
    put_url, get_url = put.get("url", ""), get.get("url", "")
    if not (put_url.startswith("https://") and get_url.startswith("https://")):
        return None  # a plain-HTTP slot would send the file, and the link, in the clear
    headers = {}
    for header in put.findall(f"{{{NS_UPLOAD}}}header"):
        name, value = header.get("name", ""), (header.text or "").replace("\r", "").replace("\n", "")
        if name.lower() in _PUT_HEADERS:
            headers[name] = value
    return Slot(put_url, get_url, headers)


def refusal_text(error_iq: Iq) -> str:
    """The service's refusal in words, with its limit when the file is too large."""
    error = error_iq.xml.find(f"{{{error_iq.namespace}}}error")
    limit = error.find(f"{{{NS_UPLOAD}}}file-too-large") if error is not None else None
    if limit is not None:
        stated = (limit.findtext(f"{{{NS_UPLOAD}}}max-file-size") or "").strip()
        return f"the file is too large for the server (its limit is {stated} bytes)" if stated.isdigit() \
            else "the file is too large for the server"
    return translate.error_text(error_iq)


def fill_oob(xml: ET.Element, url: str) -> None:
    """The link as an out-of-band attachment (XEP-0066), which clients show inline, beside the same URL as body."""
    ET.SubElement(ET.SubElement(xml, f"{{{NS_OOB}}}x"), f"{{{NS_OOB}}}url").text = url
