"""HTTP File Upload stanzas (xmpp/stanzas/upload.py): what a service says, read as a client must read it."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from slixmpp import Iq, Message

from xmpptui.xmpp.stanzas import upload

NS = upload.NS_UPLOAD


def iq(inner: str, kind: str = "result") -> Iq:
    return Iq(xml=ET.fromstring(f'<iq xmlns="jabber:client" type="{kind}" id="1">{inner}</iq>'))


def _info(max_size: str | None, feature: str = NS) -> Iq:
    form = "" if max_size is None else (
        f'<x xmlns="jabber:x:data" type="result"><field var="FORM_TYPE" type="hidden"><value>{NS}</value></field>'
        f'<field var="max-file-size"><value>{max_size}</value></field></x>')
    return iq(f'<query xmlns="{upload.NS_DISCO_INFO}"><identity category="store" type="file"/>'
              f'<feature var="{feature}"/>{form}</query>')


def test_service_and_its_limit_are_read_from_disco_info() -> None:
    assert upload.is_upload_service(_info("1024"))
    assert upload.max_file_size(_info("1024")) == 1024
    assert upload.max_file_size(_info(None)) is None, "no form: no stated limit"
    assert upload.max_file_size(_info("lots")) is None
    assert not upload.is_upload_service(_info("1", feature="urn:xmpp:http:upload"))


def test_disco_items_give_the_services_addresses() -> None:
    result = iq(f'<query xmlns="{upload.NS_DISCO_ITEMS}"><item jid="upload.example.org"/><item/>'
                '<item jid="conference.example.org"/></query>')
    assert upload.item_jids(result) == ["upload.example.org", "conference.example.org"]


def _slot(put: str, get: str, headers: str = "") -> Iq:
    return iq(f'<slot xmlns="{NS}"><put url="{put}">{headers}</put><get url="{get}"/></slot>')


def test_a_slot_keeps_only_the_headers_the_xep_allows_and_strips_line_breaks() -> None:
    slot = upload.slot(_slot("https://u.example/put", "https://u.example/get",
                             '<header name="Authorization">Basic a&#10;Evil: 1</header><header name="Host">x</header>'
                             '<header name="Cookie">c=1</header>'))
    assert slot == upload.Slot("https://u.example/put", "https://u.example/get",
                               {"Authorization": "Basic aEvil: 1", "Cookie": "c=1"})


def test_a_plain_http_or_incomplete_slot_is_refused() -> None:
    assert upload.slot(_slot("http://u.example/put", "https://u.example/get")) is None
    assert upload.slot(_slot("https://u.example/put", "http://u.example/get")) is None
    assert upload.slot(iq(f'<slot xmlns="{NS}"><put url="https://u.example/put"/></slot>')) is None
    assert upload.slot(iq("")) is None


def test_refusals_in_words_with_the_limit() -> None:
    too_large = iq('<error type="modify"><not-acceptable xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/>'
                   f'<file-too-large xmlns="{NS}"><max-file-size>2048</max-file-size></file-too-large></error>',
                   kind="error")
    assert upload.refusal_text(too_large) == "the file is too large for the server (its limit is 2048 bytes)"
    quota = iq('<error type="wait"><resource-constraint xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/>'
               '<text xmlns="urn:ietf:params:xml:ns:xmpp-stanzas">Daily quota reached</text></error>', kind="error")
    assert upload.refusal_text(quota) == "resource-constraint: Daily quota reached"


def test_oob_carries_the_link() -> None:
    message = Message()
    upload.fill_oob(message.xml, "https://u.example/get/a.png")
    assert message.xml.findtext("{jabber:x:oob}x/{jabber:x:oob}url") == "https://u.example/get/a.png"
