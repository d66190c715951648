"""Replies, reactions, retractions, moderation and reports, stanza <-> value: replies (XEP-0461) with their
fallback quote (XEP-0428) taken out of the body shown, reactions (XEP-0444), retractions (XEP-0424), a room's
moderation notice (XEP-0425, in both of the namespaces servers speak), occupant ids (XEP-0421), spam and abuse
reports (XEP-0377). Pure: hostile values (ids too long, ranges out of the body, hundreds of "emojis") are dropped,
never trusted."""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree import ElementTree as ET

from xmpptui.model.conversation import RETRACTED, Reply, moderated_words

REPLY_NS = "urn:xmpp:reply:0"
FALLBACK_NS = "urn:xmpp:fallback:0"
REACTIONS_NS = "urn:xmpp:reactions:0"
RETRACT_NS = "urn:xmpp:message-retract:1"
MODERATE_NS = "urn:xmpp:message-moderate:1"
MODERATE_NS_0 = "urn:xmpp:message-moderate:0"
"""XEP-0425 before 0.3.0 (2023): a fastening (XEP-0422) holding a XEP-0424 0.3 retraction. What Debian 12's
prosody-modules (mod_muc_moderation, 2023-02) and ejabberd before 24.x speak, and the only one they advertise."""
FASTEN_NS = "urn:xmpp:fasten:0"
RETRACT_NS_0 = "urn:xmpp:message-retract:0"
OCCUPANT_ID_NS = "urn:xmpp:occupant-id:0"
REPORTING_NS = "urn:xmpp:reporting:1"
HINTS_NS = "urn:xmpp:hints"
BLOCKING_NS = "urn:xmpp:blocking"
REPORT_REASONS = {"spam": "urn:xmpp:reporting:spam", "abuse": "urn:xmpp:reporting:abuse"}

MAX_ID = 256
"""Longer ids are not ones any server or client makes: dropped (they would only grow memory and storage)."""
MAX_REACTIONS = 20
"""Reactions in one set beyond this are dropped (a person reacts with a few emojis, not hundreds)."""
MAX_EMOJI = 16
"""Code points in one reaction: an emoji with skin tone and joiners fits; a sentence does not."""
QUOTE_LENGTH = 120
"""How much of the quoted text a reply keeps (a reminder of what it answers, not a copy)."""
RETRACT_FALLBACK = "This person attempted to retract a previous message, but it's unsupported by your client."


@dataclass(frozen=True, slots=True)
class Reactions:
    """The sender's whole set of reactions to the message `target` (an empty set takes them all back)."""

    target: str
    emojis: frozenset[str]


@dataclass(frozen=True, slots=True)
class Retraction:
    """The message `target` is retracted: by its sender, or (`moderated`) by a room moderator, for `reason`."""

    target: str
    moderated: bool = False
    reason: str = ""


About = Reactions | Retraction
"""What a message says about another message instead of being one."""


def _id(value: str | None) -> str:
    value = (value or "").strip()
    return value if 0 < len(value) <= MAX_ID else ""


def _is_emoji_like(text: str) -> bool:
    return 0 < len(text) <= MAX_EMOJI and not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in text)


def about(xml: ET.Element) -> About | None:
    """The reactions or retraction `xml` (a `<message/>`) carries, checked; None if it carries neither."""
    retract = xml.find(f"{{{RETRACT_NS}}}retract")
    if retract is not None:
        target = _id(retract.get("id"))
        if not target:
            return None
        moderated = retract.find(f"{{{MODERATE_NS}}}moderated") is not None
        reason = (retract.findtext(f"{{{RETRACT_NS}}}reason") or "").strip()[:200]
        return Retraction(target, moderated, reason)
    moderated_0 = xml.find(f"{{{FASTEN_NS}}}apply-to/{{{MODERATE_NS_0}}}moderated")
    if moderated_0 is not None and moderated_0.find(f"{{{RETRACT_NS_0}}}retract") is not None:
        target = _id(xml.find(f"{{{FASTEN_NS}}}apply-to").get("id"))  # type: ignore[union-attr]
        reason = (moderated_0.findtext(f"{{{MODERATE_NS_0}}}reason") or "").strip()[:200]
        return Retraction(target, True, reason) if target else None
    reactions = xml.find(f"{{{REACTIONS_NS}}}reactions")
    if reactions is None:
        return None
    target = _id(reactions.get("id"))
    if not target:
        return None
    emojis = []
    for reaction in reactions.findall(f"{{{REACTIONS_NS}}}reaction")[:MAX_REACTIONS]:
        text = (reaction.text or "").strip()
        if _is_emoji_like(text):
            emojis.append(text)
    return Reactions(target, frozenset(emojis))


def removed(xml: ET.Element) -> str:
    """What an archive's tombstone (a message removed by its sender or a room's moderator, kept in its place with
    no body) shows instead of it, in either shape servers store: XEP-0424/0425's current `<retracted/>`, or the
    `<moderated><retracted/></moderated>` of Prosody's mod_muc_moderation (2023); "" if it is not one."""
    current = xml.find(f"{{{RETRACT_NS}}}retracted")
    if current is not None:
        if current.find(f"{{{MODERATE_NS}}}moderated") is None:
            return RETRACTED
        return moderated_words((current.findtext(f"{{{RETRACT_NS}}}reason") or "").strip()[:200])
    older = xml.find(f"{{{MODERATE_NS_0}}}moderated")
    if older is not None and older.find(f"{{{RETRACT_NS_0}}}retracted") is not None:
        return moderated_words((older.findtext(f"{{{MODERATE_NS_0}}}reason") or "").strip()[:200])
    return ""


def occupant_id(xml: ET.Element) -> str:
    """The XEP-0421 occupant id a room put on `xml` (believed only from a room that offers the feature)."""
    element = xml.find(f"{{{OCCUPANT_ID_NS}}}occupant-id")
    return _id(element.get("id")) if element is not None else ""


def reply(xml: ET.Element, body: str) -> tuple[Reply | None, str]:
    """What the message answers (XEP-0461), and its body without the fallback quote (XEP-0428) that says so to
    clients without replies. A range that is not one within the body leaves the body whole."""
    element = xml.find(f"{{{REPLY_NS}}}reply")
    target = _id(element.get("id")) if element is not None else ""
    if element is None or not target:
        return None, body
    quote, shown = "", body
    for fallback in xml.findall(f"{{{FALLBACK_NS}}}fallback"):
        if fallback.get("for") != REPLY_NS:
            continue
        span = fallback.find(f"{{{FALLBACK_NS}}}body")
        bounds = _bounds(span, len(body)) if span is not None else None
        if bounds is not None:
            start, end = bounds
            quote, shown = _quote(body[start:end]), body[:start] + body[end:]
        break
    return Reply(target, (element.get("to") or "").strip()[:3 * 1024], quote), shown


def _bounds(span: ET.Element, length: int) -> tuple[int, int] | None:
    try:  # (XEP-0426: offsets in code points, as Python indexes strings)
        start, end = int(span.get("start", "0")), int(span.get("end", str(length)))
    except ValueError:
        return None
    return (start, end) if 0 <= start < end <= length else None


def _quote(fallback: str) -> str:
    """The quoted text of a fallback ("> Nick:\\n> text\\n"): its lines without their '>' and without a line
    naming the author, shortened."""
    lines = [line.removeprefix(">").strip() for line in fallback.splitlines()]
    lines = [line for line in lines if line]
    if len(lines) > 1 and lines[0].endswith(":"):
        lines = lines[1:]
    text = " ".join(lines)
    return text if len(text) <= QUOTE_LENGTH else text[:QUOTE_LENGTH - 1] + "…"


# What we send ----------------------------------------------------------------------------------------------------


def fill_reactions(xml: ET.Element, target: str, emojis: frozenset[str] | set[str]) -> None:
    """Our whole set of reactions to `target` (XEP-0444), to be archived (a store hint: it has no body)."""
    reactions = ET.SubElement(xml, f"{{{REACTIONS_NS}}}reactions", id=target)
    for emoji in sorted(emojis):
        ET.SubElement(reactions, f"{{{REACTIONS_NS}}}reaction").text = emoji
    ET.SubElement(xml, f"{{{HINTS_NS}}}store")


def fill_retraction(xml: ET.Element, target: str) -> None:
    """A retraction of our message `target` (XEP-0424), with the fallback body the XEP suggests."""
    ET.SubElement(xml, f"{{{RETRACT_NS}}}retract", id=target)
    ET.SubElement(xml, f"{{{FALLBACK_NS}}}fallback", {"for": RETRACT_NS})
    _set_body(xml, RETRACT_FALLBACK)
    ET.SubElement(xml, f"{{{HINTS_NS}}}store")


def fill_reply(xml: ET.Element, answered: Reply, author_name: str) -> None:
    """`answered` referenced (XEP-0461), and quoted before the body for clients without replies (XEP-0428)."""
    ET.SubElement(xml, f"{{{REPLY_NS}}}reply", {"id": answered.id, **({"to": answered.to} if answered.to else {})})
    if not answered.quote:
        return
    quoted = (f"> {author_name}:\n" if author_name else "") + "".join(
        f"> {line}\n" for line in answered.quote.splitlines() or [""])
    body = xml.find("{jabber:client}body")
    _set_body(xml, quoted + (body.text or "" if body is not None else ""))
    fallback = ET.SubElement(xml, f"{{{FALLBACK_NS}}}fallback", {"for": REPLY_NS})
    ET.SubElement(fallback, f"{{{FALLBACK_NS}}}body", start="0", end=str(len(quoted)))


def _set_body(xml: ET.Element, text: str) -> None:
    body = xml.find("{jabber:client}body")
    if body is None:
        body = ET.SubElement(xml, "{jabber:client}body")
    body.text = text


def fill_moderation(xml: ET.Element, target: str, reason: str, namespace: str = MODERATE_NS) -> None:
    """The iq payload asking a room to retract its message `target` (its stanza-id) for everyone (XEP-0425), in
    the version `namespace` names (MODERATE_NS, or MODERATE_NS_0 for a room that offers only that)."""
    if namespace == MODERATE_NS_0:
        apply_to = ET.SubElement(xml, f"{{{FASTEN_NS}}}apply-to", id=target)
        moderate = ET.SubElement(apply_to, f"{{{MODERATE_NS_0}}}moderate")
        ET.SubElement(moderate, f"{{{RETRACT_NS_0}}}retract")
    else:
        moderate = ET.SubElement(xml, f"{{{MODERATE_NS}}}moderate", id=target)
        ET.SubElement(moderate, f"{{{RETRACT_NS}}}retract")
    if reason:
        ET.SubElement(moderate, f"{{{namespace}}}reason").text = reason


def moderation_namespace(features: frozenset[str]) -> str | None:
    """The XEP-0425 version to ask a room in, from its disco#info `features`: the current one where offered, else
    the older one, else None (the room offers no moderation). Unknown features (empty): the current one."""
    if not features or MODERATE_NS in features:
        return MODERATE_NS
    return MODERATE_NS_0 if MODERATE_NS_0 in features else None


def fill_report_and_block(xml: ET.Element, jid: str, kind: str, text: str, stanza_id: str = "",
                          archive: str = "") -> None:
    """The iq payload blocking `jid` (XEP-0191) with a report of spam or abuse (XEP-0377), naming the message
    (its stanza-id by `archive`) when there is one."""
    block = ET.SubElement(xml, f"{{{BLOCKING_NS}}}block")
    item = ET.SubElement(block, f"{{{BLOCKING_NS}}}item", jid=jid)
    report = ET.SubElement(item, f"{{{REPORTING_NS}}}report", reason=REPORT_REASONS[kind])
    if stanza_id:
        ET.SubElement(report, "{urn:xmpp:sid:0}stanza-id", by=archive, id=stanza_id)
    if text:
        ET.SubElement(report, f"{{{REPORTING_NS}}}text").text = text
