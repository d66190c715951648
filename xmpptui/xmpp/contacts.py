"""Contacts beyond the roster: subscription requests and answers (they survive restarts), the block list
(XEP-0191), directed presence, vCard (XEP-0054), client version (XEP-0092) and last activity (XEP-0012)."""

from __future__ import annotations

import logging
from xml.etree.ElementTree import Element, SubElement

from xmpptui.model.contacts import ClientVersion, LastActivity, VCardBasics
from xmpptui.model.conversation import ChatMessage, MessageKind
from xmpptui.model.events import (
    BlocklistChanged,
    ContactChanged,
    PresenceChanged,
    RequestsChanged,
    Severity,
)
from xmpptui.model.presence import Presence, Show
from xmpptui.model.roster import Subscription
from xmpptui.model.state import ConnectionState
from xmpptui.session import ContactError
from xmpptui.storage.contact_store import ContactStore
from xmpptui.xmpp.context import SessionContext
from xmpptui.xmpp.stanzas import JID, InvalidJID, Iq, PresenceStanza, messaging
from xmpptui.xmpp.stanzas import contacts as contact_stanzas
from xmpptui.xmpp.stanzas.contacts import valid_bare_jid
from xmpptui.xmpp.transport import IqError, IqTimeout

log = logging.getLogger(__name__)

MAX_PENDING_REQUESTS = 500
"""Unanswered requests held at most: past it, requests from new JIDs are dropped (and counted in a
notice), so a flood of strangers cannot grow memory, the roster or the requests file without end."""


class ContactService:
    """Pending requests (`ClientState.requests`) and the block list (`ClientState.blocked`), and what is asked of
    one contact."""

    def __init__(self, ctx: SessionContext, store: ContactStore | None) -> None:
        self._ctx = ctx
        self._state = ctx.state
        self._clock = ctx.clock
        self._store = store

    def load_requests(self) -> None:
        """Requests left unanswered in an earlier run are shown again (they survive restarts)."""
        if self._store is None or len(self._state.requests):
            return
        for request in self._store.load_requests():
            self._state.requests.add(request)
        if len(self._state.requests):
            self._ctx.emit(RequestsChanged(""))

    def _save_requests(self) -> None:
        if self._store is not None:
            try:
                self._store.save_requests(list(self._state.requests))
            except OSError as exc:
                self._ctx.notice("store", f"could not save the pending requests: {exc.strerror}", Severity.ERROR)

    def on_subscription(self, stanza: PresenceStanza, kind: str) -> None:
        """`subscribe` / `unsubscribe` / `subscribed` / `unsubscribed` from someone (RFC 6121 3)."""
        bare = contact_stanzas.sender_bare(stanza)
        if bare is None or bare == self._state.jid:
            return
        if bare in self._state.blocked:
            log.info("subscription presence from a blocked JID ignored")
            return
        if kind == "subscribe":
            contact = self._state.roster.get(bare)
            if contact is not None and contact.subscription in (Subscription.FROM, Subscription.BOTH):
                return  # they already have our presence: the server answers such repeats itself
            if bare not in self._state.requests and len(self._state.requests) >= MAX_PENDING_REQUESTS:
                self._ctx.notice("request-flood", f"subscription request from {bare} dropped: "
                                              f"{MAX_PENDING_REQUESTS} requests are waiting for an answer",
                             Severity.WARNING)
                return
            request = contact_stanzas.subscription_request(stanza, self._clock())
            if request is None or not self._state.requests.add(request):
                return
            self._save_requests()
            self._ctx.emit(RequestsChanged(bare))
            who = f"{bare} ({request.nick})" if request.nick else bare
            self._ctx.notice("subscribe", f"{who} asks to see your presence: see Pending requests at the top of "
                                      "the roster, or /authorize JID, /deny JID")
        elif kind == "unsubscribe":
            if self._state.requests.answer(bare):
                self._save_requests()
                self._ctx.emit(RequestsChanged(bare))
                self._ctx.notice("unsubscribe", f"{bare} withdrew their request to see your presence")
        elif kind == "subscribed":
            self._ctx.notice("subscribed", f"{self._name(bare)} accepted: you can now see their presence")
        elif kind == "unsubscribed":
            if bare in self._state.roster and self._state.presence.resources(bare):
                self._state.presence.update(bare, "", Presence(Show.OFFLINE))
                self._ctx.emit(PresenceChanged(bare))
            self._ctx.notice("unsubscribed", f"{self._name(bare)} refused or cancelled your subscription: you "
                                         "cannot see their presence", Severity.WARNING)

    def _name(self, bare: str) -> str:
        contact = self._state.roster.get(bare)
        return f"{contact.name} ({bare})" if contact is not None and contact.name else bare

    def _answered(self, bare: str) -> None:
        if self._state.requests.answer(bare):
            self._save_requests()
            self._ctx.emit(RequestsChanged(bare))

    async def authorize(self, jid: str) -> None:
        """Let `jid` see our presence (send `subscribed`): accept a request, or grant it again."""
        bare = valid_bare_jid(jid)
        self._ctx.require_online().send_presence(pto=bare, ptype="subscribed")
        self._answered(bare)

    async def deny(self, jid: str) -> None:
        """Refuse a request, or stop `jid` seeing our presence (send `unsubscribed`)."""
        bare = valid_bare_jid(jid)
        self._ctx.require_online().send_presence(pto=bare, ptype="unsubscribed")
        self._answered(bare)

    async def subscribe(self, jid: str) -> None:
        """Ask to see `jid`'s presence (send `subscribe`), e.g. again after a refusal."""
        bare = valid_bare_jid(jid)
        self._ctx.require_online().send_presence(pto=bare, ptype="subscribe")

    async def unsubscribe(self, jid: str) -> None:
        """Stop seeing `jid`'s presence (send `unsubscribe`); they keep seeing ours if they did."""
        bare = valid_bare_jid(jid)
        self._ctx.require_online().send_presence(pto=bare, ptype="unsubscribe")

    async def fetch_blocklist(self) -> None:
        assert self._ctx.client is not None
        iq = self._ctx.client.make_iq_get()
        iq.xml.append(Element(f"{{{contact_stanzas.BLOCKING_NS}}}blocklist"))
        try:
            result = await iq.send(timeout=self._ctx.account.timeout)
        except (IqError, IqTimeout) as exc:
            log.info("no block list: %r", exc)
            return
        jids = contact_stanzas.block_items(result, "blocklist") or []
        self._state.blocked = set(jids)
        self._ctx.emit(BlocklistChanged())

    async def block(self, jid: str) -> None:
        """Block `jid` on the server: nothing of theirs reaches us, and they see us offline."""
        bare = valid_bare_jid(jid)
        iq = self._ctx.require_online().make_iq_set()
        SubElement(SubElement(iq.xml, f"{{{contact_stanzas.BLOCKING_NS}}}block"),
                   f"{{{contact_stanzas.BLOCKING_NS}}}item", {"jid": bare})
        await self._ctx.request(iq, f"blocking {bare}", ContactError)
        self._blocked([bare], True)

    async def report(self, jid: str, kind: str, text: str = "", message: ChatMessage | None = None) -> None:
        """Report `jid` for spam or abuse (XEP-0377) and block it, in one request; `message`: the one reported."""
        bare = valid_bare_jid(jid)
        if kind not in messaging.REPORT_REASONS:
            raise ContactError(f"a report is for spam or abuse, not {kind!r}")
        iq = self._ctx.require_online("nothing was reported or blocked").make_iq_set()
        stanza_id = message.stanza_id if message is not None and message.kind is not MessageKind.GROUPCHAT else ""
        messaging.fill_report_and_block(iq.xml, bare, kind, text.strip(), stanza_id, self._state.jid)
        await self._ctx.request(iq, f"reporting and blocking {bare}", ContactError)
        self._blocked([bare], True)

    async def unblock(self, jid: str) -> None:
        bare = valid_bare_jid(jid)
        iq = self._ctx.require_online().make_iq_set()
        SubElement(SubElement(iq.xml, f"{{{contact_stanzas.BLOCKING_NS}}}unblock"),
                   f"{{{contact_stanzas.BLOCKING_NS}}}item", {"jid": bare})
        await self._ctx.request(iq, f"unblocking {bare}", ContactError)
        self._blocked([bare], False)

    def _blocked(self, jids: list[str], blocked: bool) -> None:
        before = set(self._state.blocked)
        if blocked:
            self._state.blocked.update(jids)
            for jid in jids:
                self._answered(jid)
                self._state.presence.update(jid, "", Presence(Show.OFFLINE))
        elif jids:
            self._state.blocked.difference_update(jids)
        else:
            self._state.blocked.clear()  # an unblock without items unblocks everyone
        if self._state.blocked != before:
            self._ctx.emit(BlocklistChanged())
            for jid in before ^ self._state.blocked:
                if jid in self._state.roster:
                    self._ctx.emit(ContactChanged(jid))
            for jid in before - self._state.blocked:
                self._exchange_presence_again(jid)

    def _exchange_presence_again(self, jid: str) -> None:
        """An unblocked contact: while blocked, presence went neither way, and no server is bound to send it
        again on unblock (XEP-0191 asks only for ours to the contact; Prosody does that, ejabberd 23.01 sends
        nothing either way), so the contact would look offline until it next changes its presence. Ask for
        its presence with a probe (RFC 6121 4.3: a probe is normally the server's, but a client's probe is
        processed by the server and answered by the contact's server as its own would be) and send ours to it
        (a presence directed to a contact subscribed to us is delivered like a broadcast one, RFC 6121 4.6)."""
        contact = self._state.roster.get(jid)
        client = self._ctx.client
        if contact is None or client is None or self._state.connection.state is not ConnectionState.ONLINE:
            return
        if contact.subscription.can_see_presence:
            client.send_presence(pto=jid, ptype="probe")
        own = self._state.own_presence
        if contact.subscription in (Subscription.FROM, Subscription.BOTH) and own.show is not Show.OFFLINE:
            client.send_presence(pto=jid, pshow=own.show.wire, pstatus=own.status or None, ppriority=own.priority)

    def on_block_push(self, iq: Iq, blocked: bool) -> None:
        """A block list push from our server (another of our clients blocked or unblocked someone)."""
        sender = iq.xml.get("from", "")
        if sender and contact_stanzas.sender_bare(iq) != self._state.jid:
            log.warning("block list push from %r refused", sender)
            reply = iq.reply(clear=True)
            reply["type"] = "error"
            reply["error"]["type"] = "cancel"
            reply["error"]["condition"] = "service-unavailable"
            reply.send()
            return
        iq.reply(clear=True).send()
        jids = contact_stanzas.block_items(iq, "block" if blocked else "unblock")
        if jids is not None:
            self._blocked(jids, blocked)

    async def send_directed_presence(self, jid: str, presence: Presence) -> None:
        """Our presence to one entity only (RFC 6121 4.6)."""
        try:
            to = JID(jid.strip())
        except InvalidJID:
            raise ContactError(f"not a valid JID: {jid.strip()!r}") from None
        client = self._ctx.require_online()
        if presence.show is Show.OFFLINE:
            client.send_presence(pto=to, ptype="unavailable", pstatus=presence.status or None)
        else:
            client.send_presence(pto=to, pshow=presence.show.wire, pstatus=presence.status or None,
                                 ppriority=presence.priority)

    async def fetch_vcard(self, jid: str) -> VCardBasics:
        bare = valid_bare_jid(jid)
        iq = self._ctx.require_online().make_iq_get(ito=bare)
        iq.xml.append(Element(f"{{{contact_stanzas.VCARD_NS}}}vCard"))
        return contact_stanzas.vcard_basics(await self._ctx.request(iq, f"the vCard of {bare}", ContactError))

    async def fetch_client_version(self, jid: str) -> ClientVersion:
        """The software behind one resource (XEP-0092), asked of that full JID."""
        to = _jid(jid)
        iq = self._ctx.require_online().make_iq_get(queryxmlns=contact_stanzas.VERSION_NS, ito=to)
        version = contact_stanzas.client_version(await self._ctx.request(iq, f"the client of {to}", ContactError))
        if version is None:
            raise ContactError(f"{to} did not say which client it is")
        return version

    async def fetch_last_activity(self, jid: str) -> LastActivity:
        to = _jid(jid)
        iq = self._ctx.require_online().make_iq_get(queryxmlns=contact_stanzas.LAST_NS, ito=to)
        activity = contact_stanzas.last_activity(await self._ctx.request(iq, f"last activity of {to}", ContactError))
        if activity is None:
            raise ContactError(f"{to} sent no usable last activity")
        return activity


def _jid(text: str) -> JID:
    """Any JID (a full one for a resource) as typed or chosen; a `ContactError` in words if it is not one."""
    try:
        return JID(text.strip())
    except InvalidJID:
        raise ContactError(f"not a valid JID: {text.strip()!r}") from None
