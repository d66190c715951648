"""Publishing to our own private PEP nodes (bookmarks, read positions) as XEP-0223 asks, on whatever the
server supports: what our account's service offers is read once per session (disco#info of our bare JID), only
the publish-options it supports are sent, and a refusal of the optional ones is answered by publishing again
without them and setting them by configuring the node instead. Never by the server's name or version."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree as ET

from slixmpp.exceptions import IqError, IqTimeout

from xmpptui.xmpp.stanzas import pep, translate

if TYPE_CHECKING:
    from xmpptui.xmpp.context import SessionContext

log = logging.getLogger(__name__)

NS_DISCO_INFO = "http://jabber.org/protocol/disco#info"
PUBLISH_OPTIONS = f"{pep.NS_PUBSUB}#publish-options"
CONFIG_NODE = f"{pep.NS_PUBSUB}#config-node"
CONFIG_NODE_MAX = f"{pep.NS_PUBSUB}#config-node-max"
"""The service takes `max` as pubsub#max_items (XEP-0060 16.4.3); without it, `max_items` is not sent."""
LAST_PUBLISHED = f"{pep.NS_PUBSUB}#last-published"
"""The service has a `send_last_published_item` setting; without it, that option is not sent."""
BOOKMARKS_COMPAT = "urn:xmpp:bookmarks:1#compat"
"""The server keeps XEP-0402 and XEP-0048 bookmarks in step: XEP-0402 may be used (XEP-0402 3, XEP-0479)."""

REQUIRED_OPTIONS = {"pubsub#persist_items": "true", "pubsub#access_model": "whitelist"}
"""What must hold or nothing is published: kept, and visible to our own account only."""
OPTIONAL_OPTIONS = {"pubsub#max_items": "max", "pubsub#send_last_published_item": "never"}
"""What XEP-0402 and XEP-0490 also ask for: every item kept (a node keeping one would keep one bookmark, one
conversation's read position), and nothing pushed to us on presence."""
_OPTION_FEATURES = {"pubsub#max_items": CONFIG_NODE_MAX, "pubsub#send_last_published_item": LAST_PUBLISHED}
_OPTIONS_REFUSED = frozenset({"conflict", "resource-constraint", "not-acceptable", "bad-request"})
"""How servers refuse publish-options: `conflict` + precondition-not-met (XEP-0060 7.1.5, a node set up
otherwise), or a field they do not know (ejabberd 23.01: resource-constraint "Unknown field")."""
NS_PUBSUB_ERRORS = f"{pep.NS_PUBSUB}#errors"


class PepError(Exception):
    """A publish to one of our private nodes failed; the message says why in words."""


def features_of(info: ET.Element) -> frozenset[str]:
    """The features in a disco#info result."""
    return frozenset(feature.get("var", "") for feature in info.iter(f"{{{NS_DISCO_INFO}}}feature"))


def publish_options(features: frozenset[str], refused: bool) -> dict[str, str]:
    """The publish-options to send: the required ones, and the optional ones the service says it supports
    (none once the service has refused them this session)."""
    optional = {} if refused else {var: value for var, value in OPTIONAL_OPTIONS.items()
                                   if _OPTION_FEATURES[var] in features}
    return {**REQUIRED_OPTIONS, **optional}


def options_refused(error_iq: Any) -> bool:
    """The error answers the publish-options, not the publish itself."""
    error = error_iq.xml.find(f"{{{error_iq.namespace}}}error")
    if error is None:
        return False
    if error.find(f"{{{NS_PUBSUB_ERRORS}}}precondition-not-met") is not None:
        return True
    return translate.error_text(error_iq).split(":", 1)[0] in _OPTIONS_REFUSED


def fill_configure(iq_xml: ET.Element, node: str, options: dict[str, str]) -> None:
    """A node configuration (XEP-0060 8.2.4) setting only `options`."""
    owner = f"{pep.NS_PUBSUB}#owner"
    configure = ET.SubElement(ET.SubElement(iq_xml, f"{{{owner}}}pubsub"), f"{{{owner}}}configure", node=node)
    form = ET.SubElement(configure, f"{{{pep.NS_DATA}}}x", type="submit")
    for var, value in {"FORM_TYPE": f"{pep.NS_PUBSUB}#node_config", **options}.items():
        field = ET.SubElement(form, f"{{{pep.NS_DATA}}}field", var=var)
        ET.SubElement(field, f"{{{pep.NS_DATA}}}value").text = value


class PrivatePep:
    """Our account's PEP service as this session found it, and publishing to our private nodes on it.
    It uses the session's client (from `context`, or as set on `client`); the session calls `new_session()` on
    every new (not resumed) one."""

    def __init__(self, timeout: float, context: SessionContext | None = None) -> None:
        self._timeout = timeout
        self._context = context
        self._client: Any = None
        self._features: asyncio.Future[frozenset[str]] | None = None
        self._optional_refused = False
        """The service refused the optional publish-options this session: they are set by configuring."""
        self._settled: set[str] = set()
        """Nodes whose configuration was seen to this session (by a publish taking every option, or a configure)."""

    @property
    def client(self) -> Any:
        if self._client is None and self._context is not None:
            return self._context.client
        return self._client

    @client.setter
    def client(self, client: Any) -> None:
        self._client = client

    def new_session(self) -> None:
        self._features = None
        self._optional_refused = False
        self._settled.clear()

    async def features(self) -> frozenset[str]:
        """What our account's service supports (asked once per session; empty if it cannot be asked)."""
        if self._features is None:
            self._features = asyncio.ensure_future(self._discover())
        asked = self._features
        features = await asyncio.shield(asked)
        if not features and self._features is asked:
            self._features = None  # not answered: asked again next time rather than taken as "nothing"
        return features

    async def _discover(self) -> frozenset[str]:
        iq = self.client.make_iq_get(ito=self.client.boundjid.bare)
        ET.SubElement(iq.xml, f"{{{NS_DISCO_INFO}}}query")
        try:
            result = await iq.send(timeout=self._timeout)
        except IqError as exc:
            log.info("our account's features unknown: %s", translate.error_text(exc.iq))
            return frozenset()
        except IqTimeout:
            log.info("our account's features unknown: the server did not answer")
            return frozenset()
        return features_of(result.xml)

    async def bookmarks_in_pep(self) -> bool:
        """XEP-0402 bookmarks may be used (the server keeps XEP-0048 ones in step, and can keep them private);
        otherwise they live in XEP-0048 private storage."""
        features = await self.features()
        return BOOKMARKS_COMPAT in features and PUBLISH_OPTIONS in features

    def known_bookmarks_in_pep(self) -> bool | None:
        """bookmarks_in_pep() as this session found it; None while not yet known."""
        if self._features is None or not self._features.done() or self._features.cancelled():
            return None
        features = self._features.result()
        return BOOKMARKS_COMPAT in features and PUBLISH_OPTIONS in features

    async def publish(self, node: str, item_id: str, fill_item: Callable[[ET.Element], None]) -> None:
        """Publish one item (its payload written by `fill_item`) to the private node `node`; PepError in words."""
        features = await self.features()
        if PUBLISH_OPTIONS not in features:
            # Without publish-options the node would be made with the service's default access model, which
            # may show it to our contacts.
            raise PepError("the server cannot keep it private (it supports no pubsub#publish-options)")
        options = publish_options(features, self._optional_refused)
        if len(options) > len(REQUIRED_OPTIONS):
            try:
                await self._send_publish(node, item_id, fill_item, options)
            except IqError as exc:
                if not options_refused(exc.iq):
                    raise PepError(translate.error_text(exc.iq)) from None
                log.info("publish-options for %s refused (%s): publishing without the optional ones", node,
                         translate.error_text(exc.iq))
                self._optional_refused = True
                self._settled.discard(node)
                options = dict(REQUIRED_OPTIONS)
            else:
                if node not in self._settled and len(options) < len(REQUIRED_OPTIONS) + len(OPTIONAL_OPTIONS) \
                        and CONFIG_NODE in features:
                    await self._configure(node)  # the options the service did not say it takes
                self._settled.add(node)
                return
        await self._publish_and_configure(node, item_id, fill_item, options, CONFIG_NODE in features)

    async def _publish_and_configure(self, node: str, item_id: str, fill_item: Callable[[ET.Element], None],
                                     options: dict[str, str], configurable: bool) -> None:
        """Publish with the required options only. The first time this session, the node is configured with
        every option (XEP-0223: configure the node where publish-options fall short) before the publish, so that
        a node keeping one item does not drop the others now, or right after it if there is no node yet."""
        settle = configurable and node not in self._settled
        existed = await self._configure(node) if settle else True
        try:
            await self._send_publish(node, item_id, fill_item, options)
        except IqError as exc:
            raise PepError(translate.error_text(exc.iq)) from None
        if settle and not existed:
            await self._configure(node)
        self._settled.add(node)

    async def _configure(self, node: str) -> bool:
        """Give our node every option; False if there is no such node yet (failures are logged, not raised:
        the item is published all the same)."""
        iq = self.client.make_iq_set(ito=self.client.boundjid.bare)
        fill_configure(iq.xml, node, {**REQUIRED_OPTIONS, **OPTIONAL_OPTIONS})
        try:
            await iq.send(timeout=self._timeout)
        except IqError as exc:
            text = translate.error_text(exc.iq)
            if text.startswith("item-not-found"):
                return False
            log.info("node %s not configured: %s", node, text)
        except IqTimeout:
            log.info("node %s not configured: the server did not answer", node)
        return True

    async def _send_publish(self, node: str, item_id: str, fill_item: Callable[[ET.Element], None],
                            options: dict[str, str]) -> None:
        iq = self.client.make_iq_set()
        fill_item(pep.fill_publish(iq.xml, node, item_id, options))
        try:
            await iq.send(timeout=self._timeout)
        except IqTimeout:
            raise PepError("the server did not answer") from None
