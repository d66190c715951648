"""Publishing to our private PEP nodes against scripted services (xmpp/pep_publish.py): only the publish-options
the service advertises are sent; a refusal of the optional ones is answered by publishing without them and
configuring the node; a service that cannot keep the node private gets nothing."""

from __future__ import annotations

import time

import pytest
from slixmpp import JID, Iq
from slixmpp.exceptions import IqError
from slixmpp.xmlstream import ET

from xmpptui.config import Account
from xmpptui.model.state import ClientState
from xmpptui.xmpp.context import SessionContext
from xmpptui.xmpp.pep_publish import PepError, PrivatePep
from xmpptui.xmpp.stanzas import pep


def _publisher(service: object) -> PrivatePep:
    """A publisher on a session whose client is `service` (a fake PEP service answering its iqs)."""
    context = SessionContext(Account(jid="me@example.org", timeout=5), ClientState(jid="me@example.org"), time.time,
                             time.monotonic)
    context.client = service  # type: ignore[assignment]
    return PrivatePep(context)

PUBSUB = "http://jabber.org/protocol/pubsub"
EVERYTHING = (f"{PUBSUB}#publish-options", f"{PUBSUB}#config-node", f"{PUBSUB}#config-node-max",
              f"{PUBSUB}#last-published")
"""What Prosody 0.12 advertises (of what matters here)."""
LEAN = (f"{PUBSUB}#publish-options", f"{PUBSUB}#config-node")
"""What ejabberd 23.01 advertises."""
STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"


class Service:
    """Our account's PEP service: answers disco#info with `features`, refuses publish-options outside `takes`
    the way `refusal` says, and records what it was asked (("publish", options) / ("configure", fields))."""

    def __init__(self, features: tuple[str, ...], takes: set[str], refusal: str, nodes: set[str] | None = None):
        self.features, self.takes, self.refusal = features, takes, refusal
        self.nodes = nodes if nodes is not None else set()
        self.asked: list[tuple[str, dict[str, str]]] = []
        self.boundjid = JID("alice@example.org/tui")

    def make_iq_get(self, ito: str | None = None) -> Iq:
        return self._iq("get")

    def make_iq_set(self, ito: str | None = None) -> Iq:
        return self._iq("set")

    def _iq(self, kind: str) -> Iq:
        iq = Iq(xml=ET.fromstring(f"<iq xmlns='jabber:client' type='{kind}'/>"))

        async def send(timeout: float) -> Iq:
            return self._answer(iq)

        iq.send = send  # type: ignore[method-assign]
        return iq

    def _answer(self, iq: Iq) -> Iq:
        if iq.xml.find("{http://jabber.org/protocol/disco#info}query") is not None:
            self.asked.append(("disco", {}))
            return _result("<query xmlns='http://jabber.org/protocol/disco#info'>" + "".join(
                f"<feature var='{var}'/>" for var in self.features) + "</query>")
        fields = {f.get("var"): f.findtext("{jabber:x:data}value") or "" for f in iq.xml.iter("{jabber:x:data}field")}
        fields.pop("FORM_TYPE", None)
        configure = iq.xml.find(f".//{{{PUBSUB}#owner}}configure")
        if configure is not None:
            self.asked.append(("configure", fields))
            if configure.get("node") not in self.nodes:
                raise _error("<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>")
            return _result("")
        self.asked.append(("publish", fields))
        unknown = set(fields) - self.takes
        if unknown:
            raise _error(self.refusal.format(field=sorted(unknown)[0]))
        self.nodes.add(iq.xml.find(f".//{{{PUBSUB}}}publish").get("node"))
        return _result("")


def _result(inner: str) -> Iq:
    return Iq(xml=ET.fromstring(f"<iq xmlns='jabber:client' type='result'>{inner}</iq>"))


def _error(condition: str) -> IqError:
    return IqError(Iq(xml=ET.fromstring(f"<iq xmlns='jabber:client' type='error'><error type='cancel'>{condition}"
                                        "</error></iq>")))


UNKNOWN_FIELD = ("<resource-constraint xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text "
                 "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>Unknown field '{field}'</text>")
PRECONDITION = ("<conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
                "<precondition-not-met xmlns='http://jabber.org/protocol/pubsub#errors'/>")
REQUIRED = {"pubsub#persist_items": "true", "pubsub#access_model": "whitelist"}
EVERY = {**REQUIRED, "pubsub#max_items": "max", "pubsub#send_last_published_item": "never"}


async def _publish_twice(service: Service) -> list[tuple[str, dict[str, str]]]:
    publisher = _publisher(service)
    for conversation in ("bob@example.org", "carol@example.org"):
        await publisher.publish(pep.DISPLAYED_NODE, conversation, lambda item: None)
    return service.asked


async def test_a_service_that_takes_every_option_gets_one_publish_each_time() -> None:
    asked = await _publish_twice(Service(EVERYTHING, set(EVERY), UNKNOWN_FIELD))
    assert asked == [("disco", {}), ("publish", EVERY), ("publish", EVERY)]


async def test_options_the_service_does_not_advertise_are_set_by_configuring_the_node_on_the_first_publish() -> None:
    asked = await _publish_twice(Service(LEAN, set(REQUIRED), UNKNOWN_FIELD))
    assert asked == [("disco", {}), ("configure", EVERY), ("publish", REQUIRED), ("configure", EVERY),
                     ("publish", REQUIRED)], "no node yet: configured right after it is made"
    existing = await _publish_twice(Service(LEAN, set(REQUIRED), UNKNOWN_FIELD, nodes={pep.DISPLAYED_NODE}))
    assert existing == [("disco", {}), ("configure", EVERY), ("publish", REQUIRED), ("publish", REQUIRED)], \
        "a node keeping one item is configured before the publish, which would otherwise drop the others"


@pytest.mark.parametrize("refusal", [UNKNOWN_FIELD, PRECONDITION])
async def test_optional_options_refused_are_published_without_once_and_then_not_sent_again(refusal: str) -> None:
    asked = await _publish_twice(Service(EVERYTHING, set(REQUIRED), refusal, nodes={pep.DISPLAYED_NODE}))
    assert asked == [("disco", {}), ("publish", EVERY), ("configure", EVERY), ("publish", REQUIRED),
                     ("publish", REQUIRED)]


async def test_a_service_that_cannot_keep_the_node_private_gets_nothing() -> None:
    service = Service((f"{PUBSUB}#config-node",), set(EVERY), UNKNOWN_FIELD)
    publisher = _publisher(service)
    with pytest.raises(PepError, match="cannot keep it private"):
        await publisher.publish(pep.BOOKMARKS_NODE, "room@conference.example.org", lambda item: None)
    assert service.asked == [("disco", {})]


async def test_another_refusal_is_said_in_words_and_features_are_asked_again_in_a_new_session() -> None:
    service = Service(EVERYTHING, set(), "<forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>")
    publisher = _publisher(service)
    with pytest.raises(PepError, match="forbidden"):
        await publisher.publish(pep.BOOKMARKS_NODE, "room@conference.example.org", lambda item: None)
    publisher.new_session()
    assert await publisher.features() == frozenset(EVERYTHING)
    assert [what for what, _ in service.asked] == ["disco", "publish", "disco"]


async def test_features_that_could_not_be_read_are_asked_again() -> None:
    service = Service(EVERYTHING, set(EVERY), UNKNOWN_FIELD)
    publisher = _publisher(service)
    answers = [_error("<service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>")]
    answer = service._answer

    def flaky(iq: Iq) -> Iq:
        if answers:
            service.asked.append(("disco", {}))
            raise answers.pop()
        return answer(iq)

    service._answer = flaky  # type: ignore[method-assign]
    assert await publisher.features() == frozenset()
    assert await publisher.features() == frozenset(EVERYTHING)
    assert await publisher.features() == frozenset(EVERYTHING)
    assert [what for what, _ in service.asked] == ["disco", "disco"]
