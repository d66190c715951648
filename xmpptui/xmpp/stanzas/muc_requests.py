"""What we send to rooms (XEP-0045, XEP-0249, XEP-0410), written into a stanza's XML by pure functions: the
rooms package builds a stanza with the client, lets one of these fill it in, and sends it.

Incoming MUC stanzas are read in `muc.py`; this module only writes."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from xmpptui.model.forms import DataForm
from xmpptui.xmpp.stanzas import forms
from xmpptui.xmpp.stanzas.muc import (
    NS_ADMIN,
    NS_CONFERENCE,
    NS_DATA,
    NS_DISCO_INFO,
    NS_DISCO_ITEMS,
    NS_MUC,
    NS_OWNER,
    NS_REQUEST,
    NS_USER,
)

NS_PING = "urn:xmpp:ping"
NS_CLIENT = "jabber:client"


def fill_join(presence_xml: ET.Element, password: str, history_since: float | None) -> None:
    """A join (XEP-0045 7.2): the room's password if it has one, and, when rejoining, only the history since
    `history_since` (a Unix time: just after the latest message we hold)."""
    x = ET.SubElement(presence_xml, f"{{{NS_MUC}}}x")
    if password:
        ET.SubElement(x, f"{{{NS_MUC}}}password").text = password
    if history_since is not None:
        since = datetime.fromtimestamp(history_since, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        ET.SubElement(x, f"{{{NS_MUC}}}history", since=since)


def fill_ping(iq_xml: ET.Element) -> None:
    """A ping (XEP-0199), sent to our own occupant as a self-ping (XEP-0410)."""
    ET.SubElement(iq_xml, f"{{{NS_PING}}}ping")


def fill_instant_room(iq_xml: ET.Element) -> None:
    """Accept a new room's default configuration: an "instant room" (XEP-0045 10.1.2)."""
    query = ET.SubElement(iq_xml, f"{{{NS_OWNER}}}query")
    ET.SubElement(query, f"{{{NS_DATA}}}x", type="submit")


def fill_configuration_request(iq_xml: ET.Element) -> None:
    """Ask for a room's configuration form (XEP-0045 10.2)."""
    ET.SubElement(iq_xml, f"{{{NS_OWNER}}}query")


def configuration_form(result_xml: ET.Element) -> DataForm | None:
    """The configuration form in the room's answer, None if it sent none."""
    query = result_xml.find(f"{{{NS_OWNER}}}query")
    return forms.find_form(query) if query is not None else None


def fill_configuration(iq_xml: ET.Element, form: DataForm | None) -> None:
    """Submit the filled-in configuration form, or cancel it when `form` is None (XEP-0045 10.1.3, 10.2.1)."""
    query = ET.SubElement(iq_xml, f"{{{NS_OWNER}}}query")
    query.append(forms.cancel_element() if form is None else forms.submit_element(form))


def fill_admin_item(iq_xml: ET.Element, item: dict[str, str], reason: str) -> None:
    """A change of one occupant's role or one JID's affiliation (XEP-0045 8, 9): `item` holds the nick or jid
    and the role or affiliation."""
    query = ET.SubElement(iq_xml, f"{{{NS_ADMIN}}}query")
    element = ET.SubElement(query, f"{{{NS_ADMIN}}}item", item)
    if reason:
        ET.SubElement(element, f"{{{NS_ADMIN}}}reason").text = reason


def fill_private_marker(message_xml: ET.Element) -> None:
    """Mark a chat message to an occupant as a private message through the room (XEP-0045 7.5)."""
    ET.SubElement(message_xml, f"{{{NS_USER}}}x")


def fill_subject(message_xml: ET.Element, subject: str) -> None:
    """A new subject; an empty element clears it (XEP-0045 8.1)."""
    element = ET.SubElement(message_xml, f"{{{NS_CLIENT}}}subject")
    if subject:
        element.text = subject


def fill_voice_request(message_xml: ET.Element) -> None:
    """Ask the room's moderators for voice (XEP-0045 7.13)."""
    form = ET.SubElement(message_xml, f"{{{NS_DATA}}}x", type="submit")
    for var, value in (("FORM_TYPE", NS_REQUEST), ("muc#role", "participant")):
        field = ET.SubElement(form, f"{{{NS_DATA}}}field", var=var)
        ET.SubElement(field, f"{{{NS_DATA}}}value").text = value


def fill_decline(message_xml: ET.Element, inviter: str) -> None:
    """Decline an invitation the room passed on; the room tells `inviter` (XEP-0045 7.8.2)."""
    user = ET.SubElement(message_xml, f"{{{NS_USER}}}x")
    ET.SubElement(user, f"{{{NS_USER}}}decline", to=inviter)


def fill_mediated_invite(message_xml: ET.Element, invitee: str, reason: str) -> None:
    """An invitation for the room to pass on to `invitee` (XEP-0045 7.8.2)."""
    user = ET.SubElement(message_xml, f"{{{NS_USER}}}x")
    invite = ET.SubElement(user, f"{{{NS_USER}}}invite", to=invitee)
    if reason:
        ET.SubElement(invite, f"{{{NS_USER}}}reason").text = reason


def fill_direct_invite(message_xml: ET.Element, room: str, reason: str, password: str) -> None:
    """A direct invitation to `room` (XEP-0249), with the room's password if we hold one."""
    attributes = {"jid": room}
    if reason:
        attributes["reason"] = reason
    if password:
        attributes["password"] = password
    ET.SubElement(message_xml, f"{{{NS_CONFERENCE}}}x", attributes)


def fill_disco_info(iq_xml: ET.Element) -> None:
    """Ask an entity (a room) what it is and supports (XEP-0030 disco#info)."""
    ET.SubElement(iq_xml, f"{{{NS_DISCO_INFO}}}query")


def fill_disco_items(iq_xml: ET.Element) -> None:
    """Ask a service (a chat service) what it holds (XEP-0030 disco#items)."""
    ET.SubElement(iq_xml, f"{{{NS_DISCO_ITEMS}}}query")
