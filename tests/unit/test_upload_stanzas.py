"""HTTP File Upload stanzas (xmpp/stanzas/upload.py): what a service says, read as a client must read it."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest
from slixmpp import Iq, Message

from xmpptui.model.conversation import Attachment
from xmpptui.xmpp.stanzas import files, upload

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


def test_a_shared_file_is_described_for_others_and_read_back_from_each_form() -> None:
    ours = Attachment("https://u.example/get/a%20b.png", "a b.png", 2048, "image/png")
    message = Message()
    files.fill(message.xml, ours)
    assert message.xml.findtext("{jabber:x:oob}x/{jabber:x:oob}url") == ours.url
    assert files.attachment_of(message.xml) == ours, "XEP-0447, with name, size and type"
    oob_only = ET.fromstring(f'<message xmlns="jabber:client"><x xmlns="jabber:x:oob"><url>{ours.url}</url></x>'
                             '</message>')
    assert files.attachment_of(oob_only) == Attachment(ours.url, "a b.png"), "the name from the URL, decoded"
    sims = ET.fromstring(
        '<message xmlns="jabber:client"><reference xmlns="urn:xmpp:reference:0" type="data" begin="0" end="1">'
        '<media-sharing xmlns="urn:xmpp:sims:1"><file xmlns="urn:xmpp:jingle:apps:file-transfer:5">'
        '<media-type>image/jpeg</media-type><name>summit.jpg</name><size>3032449</size></file>'
        '<sources><reference xmlns="urn:xmpp:reference:0" type="data" uri="https://d.example/summit.jpg"/>'
        '</sources></media-sharing></reference></message>')
    assert files.attachment_of(sims) == Attachment("https://d.example/summit.jpg", "summit.jpg", 3032449,
                                                   "image/jpeg")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "javascript:alert(1)", "https:///no-host", "https://a b/c",
                                 "https://x.example/\x1b[2J", "ftp://x.example/f", "https://x.example/" + "a" * 5000])
def test_links_that_are_not_plain_http_files_are_not_taken(url: str) -> None:
    message = Message()
    files.fill(message.xml, Attachment(url))
    assert files.attachment_of(message.xml) is None


def test_what_a_sender_claims_of_a_file_is_checked() -> None:
    claimed = ET.fromstring(
        '<message xmlns="jabber:client"><file-sharing xmlns="urn:xmpp:sfs:0"><file xmlns="urn:xmpp:file:metadata:0">'
        f'<media-type>text/html; evil</media-type><name>{"x" * 10_000}</name><size>-5</size></file><sources>'
        '<url-data xmlns="http://jabber.org/protocol/url-data" target="https://d.example/f"/></sources>'
        '</file-sharing></message>')
    shared = files.attachment_of(claimed)
    assert shared is not None and shared.url == "https://d.example/f"
    assert (len(shared.name), shared.size, shared.media_type) == (files.MAX_NAME, None, "")
