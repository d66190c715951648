"""Property: hostile remote data through translate and render never raises and always renders inert.

Stanzas are built with the ElementTree API rather than parsed, so that they can carry characters that
XML 1.0 forbids (ESC and other C0 controls) as well as C1 controls and bidi overrides that it allows.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.style import Style
from rich.text import Text
from slixmpp import Iq, Message
from slixmpp import Presence as PresenceStanza
from slixmpp.xmlstream import ET

from xmpptui.model.conversation import ChatMessage, DeliveryState, Direction, MessageKind
from xmpptui.model.links import find_links
from xmpptui.model.presence import Presence, Show
from xmpptui.model.roster import Contact
from xmpptui.model.state import ConnectionState, ConnectionStatus
from xmpptui.ui.shared import render
from xmpptui.xmpp.stanzas import translate

CLIENT = "jabber:client"
STANZAS_NS = "urn:ietf:params:xml:ns:xmpp-stanzas"
NOW = 1_700_000_000.0

NASTY = [
    "[bold]x[/]", "[@click=app.quit]", "[/foo]", "[link=https://evil.example]y[/link]", "[red]", "\\[x]",
    ":smile:", "\x1b", "\x1b[2J", "\x1b]8;;https://evil.example\x1b\\", "\x1b]0;title\x07", "\x9b31m", "\x85",
    "\x80", "\x9f", "\x00", "\x07", "\x08", "\x7f", "\t", "\r\n", "\r", "\n", "\u202a", "\u202b", "\u202c",
    "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f", "\u061c", "<b>", "&amp;",
    " ", "漢字", "👩‍👩‍👧", "e\u0301",
]
remote_text = st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=6)), max_size=6).map("".join)
jids = st.one_of(
    st.sampled_from(["bob@example.org/desk", "bob@example.org", "example.org", "Bob@Example.ORG/Ph one",
                     "room@muc.example.org/[bold]nick[/]", "a@@b", "", "@x", "x@/r"]),
    st.builds(lambda local, res: f"{local}@example.org/{res}", remote_text, remote_text),
    remote_text,
)
offsets = st.builds(lambda minutes: timezone(timedelta(minutes=minutes)), st.integers(-23 * 60 - 59, 23 * 60 + 59))
iso_stamps = st.builds(
    lambda moment, zulu: moment.isoformat().replace("+00:00", "Z") if zulu else moment.isoformat(),
    st.datetimes(timezones=st.one_of(st.just(UTC), offsets, st.none())), st.booleans())
stamps = st.one_of(iso_stamps, remote_text, st.sampled_from(["9999-12-31T23:59:59Z", "0001-01-01T00:00:00+23:59",
                                                             "0001-01-01T00:00:00-23:59", "2023-11-14T22:13:20"]))
junk_attributes = st.dictionaries(
    st.sampled_from(["foo", "{http://www.w3.org/XML/1998/namespace}lang", "{urn:x}bar", "stamp", "xmlns:evil"]),
    remote_text, max_size=3)


def _element(tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.Element(tag, attrs)
    element.text = text
    return element


@st.composite
def message_stanzas(draw: st.DrawFn) -> Message:
    xml = _element(f"{{{CLIENT}}}message", **draw(junk_attributes))
    if draw(st.booleans()):
        xml.set("from", draw(jids))
    if draw(st.booleans()):
        xml.set("type", draw(st.one_of(st.sampled_from(["chat", "normal", "groupchat", "headline", "error", ""]),
                                       remote_text)))
    if draw(st.booleans()):
        xml.set("id", draw(remote_text))
    for name in draw(st.lists(st.sampled_from(["body", "thread", "subject", "body"]), max_size=4)):
        xml.append(_element(f"{{{CLIENT}}}{name}", draw(st.one_of(st.none(), remote_text))))
    if draw(st.booleans()):
        xml.append(_element("{urn:xmpp:delay}delay", None, stamp=draw(stamps), **{"from": draw(remote_text)}))
    if draw(st.booleans()):
        error = _element(f"{{{CLIENT}}}error", None, type=draw(remote_text))
        for _ in range(draw(st.integers(0, 2))):
            error.append(_element(f"{{{STANZAS_NS}}}{draw(st.sampled_from(['service-unavailable', 'text', 'x-y']))}",
                                  draw(st.one_of(st.none(), remote_text))))
        xml.append(error)
    return Message(xml=xml)


@st.composite
def presence_stanzas(draw: st.DrawFn) -> PresenceStanza:
    xml = _element(f"{{{CLIENT}}}presence", **draw(junk_attributes))
    if draw(st.booleans()):
        xml.set("from", draw(jids))
    if draw(st.booleans()):
        xml.set("type", draw(st.one_of(st.sampled_from(["unavailable", "subscribe", "probe", "error"]), remote_text)))
    children = {
        "show": st.one_of(st.sampled_from(["chat", "away", "xa", "dnd"]), remote_text),
        "status": remote_text,
        "priority": st.one_of(st.integers(-10**6, 10**6).map(str), remote_text),
    }
    for name in draw(st.lists(st.sampled_from(sorted(children)), max_size=4)):
        xml.append(_element(f"{{{CLIENT}}}{name}", draw(children[name])))
    return PresenceStanza(xml=xml)


@st.composite
def roster_iqs(draw: st.DrawFn) -> Iq:
    xml = _element(f"{{{CLIENT}}}iq", type="result", id="r1")
    query = _element("{jabber:iq:roster}query")
    if draw(st.booleans()):
        query.set("ver", draw(remote_text))
    for _ in range(draw(st.integers(0, 3))):
        item = _element("{jabber:iq:roster}item", None, **draw(junk_attributes))
        for name, values in (("jid", jids), ("name", remote_text), ("ask", st.sampled_from(["subscribe", "x"])),
                             ("subscription", st.sampled_from(["none", "to", "from", "both", "remove", "bogus"]))):
            if draw(st.booleans()):
                item.set(name, draw(values))
        for _ in range(draw(st.integers(0, 2))):
            item.append(_element("{jabber:iq:roster}group", draw(st.one_of(st.none(), remote_text))))
        query.append(item)
    xml.append(query)
    return Iq(xml=xml)


# Every style render.py itself applies; a span with any other style could only come from parsed markup.
OWN_STYLES = (
    {"", "bold", "italic", "red", "bold red", "bold magenta", "bright_black", "bright_black italic",
     "italic bright_black", "bold bright_black"}
    | set(render.PRESENCE_STYLES.values())
    | {f"bold {colour}" for colour in render.NICK_COLOURS}
)
CONSOLE = Console(file=io.StringIO(), width=50, force_terminal=True, color_system="truecolor", legacy_windows=False)


def assert_inert(text: Text) -> None:
    links = set()
    for span in text.spans:
        if isinstance(span.style, Style) and span.style.link:
            # A link of a safe scheme (model/links.py): styled by us, pointing at exactly the text it covers.
            assert span.style.link == text.plain[span.start:span.end], span
            assert span.style == Style.parse(render.LINK_STYLE) + Style(link=span.style.link), span
            assert find_links(span.style.link)[0].url == span.style.link, span
            links.add(span.style.link)
            continue
        assert isinstance(span.style, str) and span.style in OWN_STYLES, span
    assert isinstance(text.style, str) and text.style in OWN_STYLES, text.style
    for char in text.plain:
        code = ord(char)
        assert not (code < 0x20 and char != "\n"), f"C0 control {code:#x} in {text.plain!r}"
        assert not 0x7F <= code <= 0x9F, f"DEL/C1 control {code:#x} in {text.plain!r}"
        assert not (0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069), f"bidi {code:#x} in {text.plain!r}"
    CONSOLE.file = io.StringIO()
    CONSOLE.print(text)
    hyperlink = re.compile("\x1b]8;(?:id=[^;]*)?;([^\x1b]*)\x1b\\\\")  # OSC 8 (opening or closing)
    output = hyperlink.sub(lambda m: "" if m.group(1) in links | {""} else m.group(), CONSOLE.file.getvalue())
    assert "\x1b]" not in output, "an OSC sequence (other than our own links' hyperlinks) reached the terminal"


def _body_text(stanza: Message) -> str:
    element = stanza.xml.find(f"{{{CLIENT}}}body")
    return (element.text or "").strip() if element is not None else ""


SETTINGS = settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(stanza=message_stanzas(), failed=st.booleans(), outgoing=st.booleans(), own_label=remote_text)
def test_messages_render_inert(stanza: Message, failed: bool, outgoing: bool, own_label: str) -> None:
    received = translate.incoming_message(stanza, now=NOW)
    if received is None:
        return
    assert received.body == _body_text(stanza)
    assert received.timestamp <= NOW + 300
    assert received.delayed or received.timestamp == NOW
    message = ChatMessage(
        conversation=received.sender.split("/", 1)[0], sender=received.sender, body=received.body,
        timestamp=received.timestamp, direction=Direction.OUT if outgoing else Direction.IN, kind=received.kind,
        id=received.id, state=DeliveryState.FAILED if failed else DeliveryState.NONE,
        error=received.error or received.thread, delayed=received.delayed)
    prefix = render.message_prefix(message, "me", "%H:%M")
    body = render.message_body(message)
    assert_inert(prefix)
    assert_inert(body)
    expected = render.sanitize(message.body)
    if failed:
        expected += "\n" + render.sanitize(f"✗ not delivered: {message.error}")
    assert body.plain == expected
    if not outgoing and message.kind not in (MessageKind.ERROR, MessageKind.NOTICE, MessageKind.HEADLINE):
        assert prefix.plain.endswith(f" {render.sanitize(message.sender, single_line=True)} ")
    label = render.plain(own_label)
    assert label.plain == render.sanitize(own_label) and label.spans == []
    assert_inert(label)


@SETTINGS
@given(stanza=presence_stanzas(), iq=roster_iqs(), unread=st.integers(0, 10**6), reason=remote_text)
def test_presence_and_roster_render_inert(stanza: PresenceStanza, iq: Iq, unread: int, reason: str) -> None:
    update = translate.presence_update(stanza)
    presence = Presence() if update is None else update.presence
    if update is not None:
        assert -128 <= presence.priority <= 127
        assert isinstance(presence.show, Show)
    contacts, _ = translate.roster_items(iq)
    contacts.append(Contact(jid=update.bare if update is not None and update.bare else "x@example.org"))
    for contact in contacts:
        assert contact.jid and "/" not in contact.jid
        line = render.contact_line(contact, presence, unread)
        assert_inert(line)
        assert render.sanitize(contact.display_name, single_line=True) in line.plain
        if presence.status:
            assert line.plain.endswith(render.sanitize(presence.status, single_line=True))
    for connection in (ConnectionStatus(ConnectionState.ONLINE, reason, secure=False),
                       ConnectionStatus(ConnectionState.OFFLINE, reason)):
        status = render.status_line(contacts[0].jid, presence, connection)
        assert_inert(status)
        if reason:
            assert status.plain.endswith(": " + render.sanitize(reason, single_line=True))
