"""Builds the slixmpp client: every plugin and every safety override is registered here, in one place."""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections import deque
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree as ET

import slixmpp
from slixmpp.jid import InvalidJID
from slixmpp.stanza.roster import Roster, RosterItem
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import StanzaPath

from xmpptui.config import Account
from xmpptui.passwords import Secret
from xmpptui.session import ConversationError
from xmpptui.xmpp import srv_lookups_on
from xmpptui.xmpp.stanzas import pep
from xmpptui.xmpp.transport import caps_answer, certificate, roster_stream, sasl
from xmpptui.xmpp.transport.stream_guard import DroppedStanza, StreamGuard, StreamViolation
from xmpptui.xmpp.transport.tap import tap_text

log = logging.getLogger(__name__)

PLUGINS = ("xep_0030", "xep_0115", "xep_0199", "xep_0203", "xep_0297", "xep_0280", "xep_0198", "xep_0191")

CAPS_NODE = "https://pypi.org/project/xmpptui/"
FEATURES = (
    "http://jabber.org/protocol/chatstates", "urn:xmpp:receipts", "urn:xmpp:chat-markers:0",
    "urn:xmpp:message-correct:0", "http://jabber.org/protocol/muc", "jabber:x:conference",
    "urn:xmpp:styling:0",  # XEP-0393: we show message styling (it MUST be advertised)
    *(f"{node}+notify" for node in pep.NOTIFY_NODES),
)
"""What we tell others we understand (XEP-0030, hashed into XEP-0115 caps). The `+notify` ones make our server
send us the changes our other clients make to those PEP nodes (XEP-0163 4.1)."""

PARSE_SLICE = 8 * 1024
"""Bytes fed to the XML parser at a time; the event loop (keystrokes, frames) runs between slices."""
MAX_OUTGOING_STANZA = 256 * 1024
"""What we assume a server takes in one stanza from us unless it says (XEP-0478): Prosody's and ejabberd's
default. A bigger one would make it end the stream (`policy-violation`)."""
_STANZA_OVERHEAD = 2048
"""Room for the stanza around a message's body (addresses, ids, receipts, markers, chat state)."""
STREAM_LIMITS_NS = "urn:xmpp:stream-limits:0"
INBOX_HIGH_WATER = 1024 * 1024
"""Stop reading the socket while this much received data waits to be parsed."""


def escaped_size(body: str) -> int:
    """Bytes `body` takes as XML character data in UTF-8: `&` is sent as `&amp;`, `<` and `>` as `&lt;`/`&gt;`.
    Counted here rather than with xml.sax.saxutils.escape, whose import pulls in urllib.request and http.client
    (~5 ms at launch) for three replacements."""
    return len(body.encode()) + 4 * body.count("&") + 3 * (body.count("<") + body.count(">"))


def roster_items_stay_xml() -> None:
    """slixmpp builds a RosterItem stanza object (with its own dicts) for every <item> of a roster it receives:
    ~3 MB at the peak of a 5,000-contact login (#20), for objects nothing reads: translate.roster_items reads
    the XML, and slixmpp's own roster and roster-push handler are off (idempotent)."""
    Roster.plugin_iterables.discard(RosterItem)
    Roster.plugin_tag_map.pop(f"{{{RosterItem.namespace}}}{RosterItem.name}", None)


class Client(slixmpp.ClientXMPP):
    """ClientXMPP with xmpptui's safer defaults."""

    def __init__(self, account: Account, password: str, loop: asyncio.AbstractEventLoop,
                 pinned: str | None = None) -> None:
        sasl.install()
        roster_items_stay_xml()
        if not (account.host or account.port):  # (the same test as connection.py's, which then asks for SRV)
            srv_lookups_on()
        self.pinned = pinned
        """The fingerprint the user trusted for this account: it replaces CA and host name checks."""
        plugin_config = {"feature_mechanisms": {
            "use_mechs": set(sasl.ALLOWED_MECHANISMS),
            # With the plaintext opt-in, SCRAM (which never reveals the password) may run unencrypted;
            # PLAIN never does.
            "unencrypted_scram": account.allow_plaintext,
            sasl.REFUSAL_SINK: self._note_sasl_refusal,
        }, "xep_0198": {"window": 1},  # ask for an ack after every stanza: a message shows "sent" at once
            "xep_0115": {"caps_node": CAPS_NODE}}
        resource = account.resource or "xmpptui"  # (the composition root gives this installation's own)
        # Verification on (CA and host name), the system's CAs read once: slixmpp's own default context reads
        # them twice, ~25 ms each on the way to the first login.
        super().__init__(f"{account.bare_jid}/{resource}", password, plugin_config=plugin_config, loop=loop,
                         ssl_context=ssl.create_default_context())
        self.account = account
        # Subscriptions are the user's decision (RFC 6121 3.1.3); slixmpp would answer them itself.
        self.roster.auto_authorize = None
        self.roster.auto_subscribe = False
        self.enable_direct_tls = account.tls == "direct"
        self.enable_starttls = account.tls == "starttls"
        self.enable_plaintext = False
        if account.ca_file:
            self.ca_certs = Path(account.ca_file).expanduser()
        sasl.stop_at_refusal(self)
        for plugin in PLUGINS:
            self.register_plugin(plugin)
        self._ignore_others_caps()
        self._keep_no_roster_of_slixmpps()
        self.add_event_handler("session_bind", self._advertise)
        # slixmpp's own roster-push filter answers a spoofed push with an error whose code is an int,
        # which its serialiser cannot write (the reply is lost, an exception logged): replace it.
        self.remove_handler("Roster Update")
        self.register_handler(Callback("Roster Update", StanzaPath("iq@type=set/roster"), self._roster_push_filter))
        self.guard = StreamGuard(account.max_stanza_bytes)
        self.violation = ""
        """Why we closed the stream on the server, if we did (empty otherwise)."""
        self._inbox: deque[bytes] = deque()
        self._inbox_size = 0
        self._draining = False
        self._reading_paused = False
        self.last_received = 0.0
        """When the server last sent us anything (the event loop's clock): how we tell a live stream."""
        self.max_outgoing = MAX_OUTGOING_STANZA
        """The biggest stanza the server takes from us: what it advertised (XEP-0478), else the usual default."""
        self.stanza_tap: Callable[[bool, str], None] | None = None
        """While the XML console is open: told of every element in (False) and out (True), as text."""
        self.roster_stream = roster_stream.RosterStream()
        self.caps_answer: caps_answer.CapsAnswer | None = None
        """Our disco#info answer as text, once our caps are known: the common queries are answered from it."""

    def _ignore_others_caps(self) -> None:
        """slixmpp would query the disco#info of every entity whose presence carries caps it has not seen (any
        stranger can send those at will, each with a new hash); we do not use others' caps: switched off."""
        self.remove_handler("Entity Capabilities")
        self.del_event_handler("entity_caps", self.plugin["xep_0115"]._process_caps)
        self.unregister_feature("caps", 10010)

    def _keep_no_roster_of_slixmpps(self) -> None:
        """slixmpp keeps a roster of its own: a node and an item (with their dicts) for every JID that sends us
        presence, for the whole session (~3 MB per 1,000 contacts, #20). The session keeps roster and presence
        in its own model, and answers subscriptions itself: slixmpp's bookkeeping is switched off."""
        for kind in ("available", "dnd", "xa", "chat", "away"):
            self.del_event_handler(f"presence_{kind}", self._handle_available)
        for kind, handler in (("unavailable", self._handle_unavailable), ("subscribe", self._handle_subscribe),
                              ("subscribed", self._handle_subscribed), ("unsubscribe", self._handle_unsubscribe),
                              ("unsubscribed", self._handle_unsubscribed)):
            self.del_event_handler(f"presence_{kind}", handler)

    def _handle_presence(self, presence: slixmpp.Presence) -> None:  # type: ignore[override]
        """slixmpp's, without the roster node it made for every sender (to ask whether to ignore it)."""
        try:
            presence["from"], presence["to"]  # (parsed here, as slixmpp did: a bad one goes no further)
        except InvalidJID:
            log.warning("presence with an invalid JID dropped")
            return
        self.event("presence", presence)
        self.event(f"presence_{presence['type']}", presence)
        if presence["type"] in ("subscribe", "subscribed", "unsubscribe", "unsubscribed"):
            self.event("changed_subscription", presence)

    def _advertise(self, _jid: object) -> None:
        """Our identity and features, for the JID just bound (slixmpp keys them by full JID)."""
        disco = self.plugin["xep_0030"]
        disco.add_identity(category="client", itype="console", name="xmpptui")
        for feature in FEATURES:
            disco.add_feature(feature)

    async def announce_caps(self) -> None:
        """Hash our features into the caps that every available presence we send carries (XEP-0115)."""
        await self.plugin["xep_0115"].update_caps(broadcast=False)
        self.caps_answer = await caps_answer.prepare(self)

    def _spawn_event(self, xml: ET.Element) -> None:
        answer, transport = self.caps_answer, self.transport
        reply = None if answer is None or transport is None or transport.is_closing() else \
            answer.reply_to(xml, self.boundjid.full)
        if reply is None:
            super()._spawn_event(xml)
        else:
            self.incoming_filter(xml)
            caps_answer.send(self, reply)

    def send(self, data, use_filters: bool = True) -> None:  # type: ignore[no-untyped-def]
        # A caps reply kept for XEP-0198 as a caps_answer.Reply, sent again on a resumed stream: as its text.
        super().send(data.text() if isinstance(data, caps_answer.Reply) else data, use_filters)

    # slixmpp parses a whole socket read (up to 256 KiB) and runs every handler for it in one go, which
    # starves the UI for hundreds of milliseconds during a burst. Feed the parser in slices instead,
    # yielding to the event loop between them, and apply back-pressure to the socket.

    def data_received(self, data: bytes) -> None:  # type: ignore[override]
        self.last_received = self.loop.time()
        self._inbox.append(data)
        self._inbox_size += len(data)
        if self._inbox_size > INBOX_HIGH_WATER and self.transport is not None and not self._reading_paused:
            self.transport.pause_reading()
            self._reading_paused = True
        if not self._draining:
            self._draining = True
            self.loop.call_soon(self._parse_slice)

    def _parse_slice(self) -> None:
        if not self._inbox or self.parser is None:
            self._draining = False
            return
        chunk = self._inbox.popleft()
        if len(chunk) > PARSE_SLICE:
            self._inbox.appendleft(chunk[PARSE_SLICE:])
            chunk = chunk[:PARSE_SLICE]
        self._inbox_size -= len(chunk)
        try:
            pieces = self.guard.feed(chunk)
        except StreamViolation as violation:
            self._refuse_stream(str(violation))
            return
        for piece in pieces:
            if self.parser is None:
                break  # a handler ended the stream
            if isinstance(piece, DroppedStanza):
                self._dropped(piece)
            elif len(piece) >= roster_stream.STREAMED_STANZA:
                self.roster_stream.parse_in_slices(self, piece, super().data_received)
            else:
                super().data_received(piece)
        if self._reading_paused and self._inbox_size < INBOX_HIGH_WATER // 4 and self.transport is not None:
            self.transport.resume_reading()
            self._reading_paused = False
        if self._inbox:
            self.loop.call_soon(self._parse_slice)
        else:
            self._draining = False

    def _dropped(self, dropped: DroppedStanza) -> None:
        """A stanza the guard dropped (too large or too deep) costs that stanza only. It still counts as handled,
        in stream order: the server counts every stanza it sent (XEP-0198), and an ack short of one would make
        it resend from there, or refuse to resume. An iq request is answered, as every one must be (RFC 6120
        8.2.3), so that its sender does not wait in vain."""
        log.warning("%s", dropped.describe())
        management = self.plugin["xep_0198"]
        if management.enabled_in:
            management.handled = (management.handled + 1) % caps_answer.SEQUENCE_MODULUS
        if dropped.name == "iq" and dropped.kind in ("get", "set") and dropped.stanza_id:
            try:
                self.make_iq_error(dropped.stanza_id, type="modify", condition="not-acceptable",
                                   text="too large for this client", ito=dropped.sender or None).send()
            except InvalidJID:
                log.warning("no error sent for the dropped iq: its sender %r is not a valid JID", dropped.sender)
        self.event("stanza_dropped", dropped)

    def _refuse_stream(self, reason: str) -> None:
        """Close a stream that broke the rules: say so to the server, stop parsing, drop the connection."""
        log.error("closing the stream: %s", reason)
        self.violation = reason
        self._inbox.clear()
        self._inbox_size = 0
        self._draining = False
        self.parser = None
        if self.transport is not None:
            condition = ("restricted-xml" if "forbids" in reason
                         else "not-well-formed" if "not well-formed" in reason else "policy-violation")
            self.transport.write(f"<stream:error><{condition} xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
                                 "</stream:error></stream:stream>".encode())
        self.event("stream_violation", reason)
        self.abort()

    # The XML console's tap: where the debug log writes RECV and SEND (None while the console is closed).

    def incoming_filter(self, xml: ET.Element) -> ET.Element:
        if self.stanza_tap is not None:
            self.stanza_tap(False, tap_text(xml, self))
        return xml

    def send_raw(self, data: str | bytes) -> None:
        if self.stanza_tap is not None:
            self.stanza_tap(True, data if isinstance(data, str) else data.decode("utf-8", "replace"))
        super().send_raw(data)

    def send_element(self, element: ET.Element) -> None:
        """A stanza written in the XML console, sent as slixmpp's own: counted for XEP-0198, queued in order."""
        kind = element.tag.rpartition("}")[2]
        make = {"message": self.Message, "presence": self.Presence, "iq": self.Iq}[kind]
        self.send(make(xml=element))

    def init_parser(self) -> None:
        super().init_parser()
        self.guard.reset()
        self.violation = ""

    def connection_lost(self, exception: BaseException | None) -> None:
        self._inbox.clear()
        self._inbox_size = 0
        self._draining = False
        self._reading_paused = False
        super().connection_lost(exception)

    def _roster_push_filter(self, iq) -> None:  # type: ignore[no-untyped-def]
        """RFC 6121 2.1.6: a push must come from our own bare JID (or have no from); refuse the rest."""
        sender = iq.xml.get("from", "")
        if sender and sender.lower() != self.boundjid.bare.lower():
            log.warning("roster push from %r refused", sender)
            reply = iq.reply(clear=True)
            reply["type"] = "error"
            reply["error"]["type"] = "cancel"
            reply["error"]["condition"] = "service-unavailable"
            reply.send()
            return
        self.event("roster_update", iq)

    def _handle_stream_error(self, error) -> None:  # type: ignore[no-untyped-def]
        """Follow `see-other-host` only on a verified TLS stream (a plaintext one could be anyone's)."""
        if error["condition"] != "see-other-host":
            super()._handle_stream_error(error)
            return
        target = error["see_other_host"] or "(no host given)"
        if not self.encrypted:
            self.event("stream_error", error)
            self.event("redirect_refused", target)
            self.abort()
            return
        # After TLS the new host's certificate is verified for its own name (slixmpp sets
        # default_domain to it, and the TLS server_hostname follows).
        self.event("redirected", target)
        super()._handle_stream_error(error)
        # slixmpp reconnects to a host:port given to connect() before the one it just stored: go where told.
        if self.custom_address is not None:
            self.custom_address = self.address

    def _note_sasl_refusal(self, reason: str) -> None:
        """A server that asks for something we refuse gets no second chance (no fallback to PLAIN)."""
        log.error("SASL: %s", reason)
        self.event("sasl_refused", reason)

    def get_ssl_context(self) -> ssl.SSLContext:
        if self.pinned is None:
            return super().get_ssl_context()
        # Verified by fingerprint in connection_made, before a byte of XMPP goes over the connection.
        return certificate.unverified_context()

    def connection_made(self, transport, send_event: bool = True) -> None:  # type: ignore[no-untyped-def]
        ssl_object = transport.get_extra_info("ssl_object")
        if self.pinned is not None and ssl_object is not None:
            presented = certificate.fingerprint(ssl_object.getpeercert(binary_form=True))
            if presented != self.pinned:
                log.error("pinned certificate mismatch: expected %s, got %s", self.pinned, presented)
                self.event("pin_mismatch", presented)
                transport.abort()
                return
        super().connection_made(transport, send_event)

    def ping_server(self, timeout: float) -> None:
        """An XEP-0199 ping to our server; any answer (even an error) shows the stream is alive."""
        iq = self.make_iq_get(ito=self.boundjid.domain)
        ET.SubElement(iq.xml, "{urn:xmpp:ping}ping")
        iq.send(timeout=timeout).add_done_callback(lambda done: done.cancelled() or done.exception())

    @property
    def encrypted(self) -> bool:
        # (asyncio's TLS transport, once closed, raises on get_extra_info instead of answering)
        transport = self.transport
        return transport is not None and not transport.is_closing() and \
            transport.get_extra_info("ssl_object") is not None

    def check_outgoing(self, body: str) -> None:
        """Refuse, in words, a message too big for the server (it would end the stream instead of taking it)."""
        size = escaped_size(body)
        if size + _STANZA_OVERHEAD > self.max_outgoing:
            raise ConversationError(f"the message is {_kib(size)} and the server takes at most "
                             f"{_kib(self.max_outgoing - _STANZA_OVERHEAD)} in one message: not sent (your text is "
                             "kept); shorten it or split it")

    async def _handle_stream_features(self, features):  # type: ignore[override]
        """Refuse to authenticate on a stream the server did not let us encrypt; note the server's limits."""
        advertised = features.xml.findtext(f"{{{STREAM_LIMITS_NS}}}limits/{{{STREAM_LIMITS_NS}}}max-bytes")
        if advertised is not None and advertised.strip().isdigit() and int(advertised) > _STANZA_OVERHEAD:
            self.max_outgoing = int(advertised)
        if not self.encrypted and "starttls" not in features["features"] and not self.account.allow_plaintext:
            log.error("server offered no STARTTLS; refusing to continue in plaintext")
            self.event("tls_missing")
            self.abort()
            return True
        return await super()._handle_stream_features(features)


def _kib(size: int) -> str:
    return f"{size / 1024:,.0f} KiB"


def build(account: Account, password: Secret, pinned: str | None = None) -> Client:
    return Client(account, password.reveal(), asyncio.get_running_loop(), pinned)


def default_port(account: Account) -> int:
    return account.port or (5223 if account.tls == "direct" else 5222)
