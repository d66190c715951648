"""Contact management for XmppSession: subscription requests and answers, roster set/remove, the block
list (XEP-0191), directed presence, vCard (XEP-0054) and last activity (XEP-0012), and the roster cache
for roster versioning (XEP-0237). A mixin: it shares the session's client, state and event sink."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any
from xml.etree.ElementTree import Element, SubElement

from slixmpp import JID, Iq
from slixmpp import Presence as PresenceStanza
from slixmpp.exceptions import IqError, IqTimeout
from slixmpp.jid import InvalidJID

from xmpptui.config import Account
from xmpptui.model.contacts import ClientVersion, LastActivity, VCardBasics
from xmpptui.model.events import (
    BlocklistChanged,
    ContactChanged,
    Event,
    Notice,
    PresenceChanged,
    RequestsChanged,
    RosterReplaced,
    Severity,
)
from xmpptui.model.presence import Presence, Show
from xmpptui.model.roster import Contact, Subscription
from xmpptui.model.state import ClientState, ConnectionState
from xmpptui.session import ContactError, NotConnected
from xmpptui.storage.contact_store import ContactStore
from xmpptui.xmpp.stanzas import contacts as contact_stanzas
from xmpptui.xmpp.stanzas import translate
from xmpptui.xmpp.transport import client as client_factory

log = logging.getLogger(__name__)

ROSTER_NS = "jabber:iq:roster"
MAX_PENDING_REQUESTS = 500
"""Unanswered requests held at most: past it, requests from new JIDs are dropped (and counted in a
notice), so a flood of strangers cannot grow memory, the roster or the requests file without end."""
_CACHE_DELAY = 1.0
"""Seconds to gather roster pushes before the roster cache is written once."""


def valid_bare_jid(text: str) -> str:
    """A JID typed by the user as a bare JID; raises ContactError in words."""
    try:
        jid = JID(text.strip())
    except InvalidJID:
        raise ContactError(f"not a valid JID: {text.strip()!r} (e.g. bob@example.org)") from None
    if not jid.bare or ("@" not in jid.bare and "." not in jid.bare and jid.bare != "localhost"):
        raise ContactError(f"not a valid JID: {text.strip()!r} (e.g. bob@example.org)")
    return jid.bare


class ContactsMixin:
    """Needs the session's `_client`, `_state`, `_account`, `_emit`, `_notice`, `_spawn`, `_clock`."""

    _client: client_factory.Client | None
    _state: ClientState
    _account: Account
    _emit: Callable[[Event], None]
    _notice: Callable[..., None]
    _spawn: Callable[[Coroutine[Any, Any, object]], None]
    _clock: Callable[[], float]
    _contacts_store: ContactStore | None
    _cache_write: asyncio.TimerHandle | None
    _roster_lock: asyncio.Lock
    """One roster set at a time: the server pushes the change before it answers, so the next edit reads
    the roster as the previous one left it (a rename then a regroup keep both)."""
    roster_fetch: str
    """How the roster came at the last login: "full", "unchanged" (the cached one, XEP-0237) or "" (none)."""

    # Start-up -------------------------------------------------------------------------------------

    def _load_requests(self) -> None:
        """Requests left unanswered in an earlier run are shown again (they survive restarts)."""
        if self._contacts_store is None or len(self._state.requests):
            return
        for request in self._contacts_store.load_requests():
            self._state.requests.add(request)
        if len(self._state.requests):
            self._emit(RequestsChanged(""))

    def _save_requests(self) -> None:
        if self._contacts_store is not None:
            try:
                self._contacts_store.save_requests(list(self._state.requests))
            except OSError as exc:
                self._notice("store", f"could not save the pending requests: {exc.strerror}", Severity.ERROR)

    def _online(self) -> client_factory.Client:
        if self._client is None or self._state.connection.state is not ConnectionState.ONLINE:
            raise NotConnected()
        return self._client

    async def _request(self, iq: Iq, what: str) -> Iq:
        try:
            return await iq.send(timeout=self._account.timeout)
        except IqError as exc:
            raise ContactError(f"{what} failed: {translate.error_text(exc.iq)}") from None
        except IqTimeout:
            raise ContactError(f"{what} failed: the server did not answer") from None

    # Roster versioning (XEP-0237) -----------------------------------------------------------------

    async def _show_cached_roster(self) -> None:
        """Fast start: the roster cached at the last login is shown at once, while we connect."""
        if self._contacts_store is None or len(self._state.roster):
            return
        version, contacts = await asyncio.to_thread(self._contacts_store.load_roster)
        if version is not None:
            self._state.roster.replace(contacts, version)
            self._emit(RosterReplaced(len(self._state.roster)))

    async def _fetch_versioned_roster(self) -> tuple[list[Contact], str | None] | None:
        """The roster as (contacts, version): from the server, or the one held (cached at the last login,
        or kept by pushes since) when the server says it is unchanged. None if the fetch failed (a notice
        says why)."""
        assert self._client is not None
        cached_version, cached = self._state.roster.version, list(self._state.roster)
        iq = self._client.make_iq_get(queryxmlns=ROSTER_NS)
        if "rosterver" in self._client.features:
            # An empty ver asks for versioning without a cached copy (RFC 6121 2.6.2).
            iq.xml.find(f"{{{ROSTER_NS}}}query").set("ver", cached_version or "")
        try:
            result = await iq.send(timeout=self._account.timeout)
        except IqError as exc:
            self._emit(Notice(f"could not fetch the roster: {translate.error_text(exc.iq)}", Severity.ERROR))
            return None
        except IqTimeout:
            self._emit(Notice("could not fetch the roster: the server did not answer", Severity.ERROR))
            return None
        if result.xml.find(f"{{{ROSTER_NS}}}query") is None and cached_version is not None:
            self.roster_fetch = "unchanged"
            return cached, cached_version
        self.roster_fetch = "full"
        contacts, version = translate.roster_items(result)
        if version and self._contacts_store is not None:
            self._spawn(asyncio.to_thread(self._contacts_store.save_roster, version, contacts))
        elif self._contacts_store is not None:
            self._contacts_store.forget_roster()
        return contacts, version

    def _roster_changed(self) -> None:
        """After a push: write the roster cache once the pushes have settled."""
        if self._contacts_store is None or not self._state.roster.version or self._cache_write is not None:
            return
        self._cache_write = asyncio.get_running_loop().call_later(_CACHE_DELAY, self._write_roster_cache)

    def _write_roster_cache(self) -> None:
        self._cache_write = None
        version = self._state.roster.version
        if self._contacts_store is not None and version:
            self._spawn(asyncio.to_thread(self._contacts_store.save_roster, version, list(self._state.roster)))

    # Incoming subscription presences --------------------------------------------------------------

    def _on_subscription(self, stanza: PresenceStanza, kind: str) -> None:
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
                self._notice("request-flood", f"subscription request from {bare} dropped: "
                                              f"{MAX_PENDING_REQUESTS} requests are waiting for an answer",
                             Severity.WARNING)
                return
            request = contact_stanzas.subscription_request(stanza, self._clock())
            if request is None or not self._state.requests.add(request):
                return
            self._save_requests()
            self._emit(RequestsChanged(bare))
            who = f"{bare} ({request.nick})" if request.nick else bare
            self._notice("subscribe", f"{who} asks to see your presence: see Pending requests at the top of "
                                      "the roster, or /authorize JID, /deny JID")
        elif kind == "unsubscribe":
            if self._state.requests.answer(bare):
                self._save_requests()
                self._emit(RequestsChanged(bare))
                self._notice("unsubscribe", f"{bare} withdrew their request to see your presence")
        elif kind == "subscribed":
            self._notice("subscribed", f"{self._name(bare)} accepted: you can now see their presence")
        elif kind == "unsubscribed":
            if bare in self._state.roster and self._state.presence.resources(bare):
                self._state.presence.update(bare, "", Presence(Show.OFFLINE))
                self._emit(PresenceChanged(bare))
            self._notice("unsubscribed", f"{self._name(bare)} refused or cancelled your subscription: you "
                                         "cannot see their presence", Severity.WARNING)

    def _name(self, bare: str) -> str:
        contact = self._state.roster.get(bare)
        return f"{contact.name} ({bare})" if contact is not None and contact.name else bare

    def _answered(self, bare: str) -> None:
        if self._state.requests.answer(bare):
            self._save_requests()
            self._emit(RequestsChanged(bare))

    # Subscription commands ------------------------------------------------------------------------

    async def authorize(self, jid: str) -> None:
        """Let `jid` see our presence (send `subscribed`): accept a request, or grant it again."""
        bare = valid_bare_jid(jid)
        self._online().send_presence(pto=bare, ptype="subscribed")
        self._answered(bare)

    async def deny(self, jid: str) -> None:
        """Refuse a request, or stop `jid` seeing our presence (send `unsubscribed`)."""
        bare = valid_bare_jid(jid)
        self._online().send_presence(pto=bare, ptype="unsubscribed")
        self._answered(bare)

    async def subscribe(self, jid: str) -> None:
        """Ask to see `jid`'s presence (send `subscribe`), e.g. again after a refusal."""
        bare = valid_bare_jid(jid)
        self._online().send_presence(pto=bare, ptype="subscribe")

    async def unsubscribe(self, jid: str) -> None:
        """Stop seeing `jid`'s presence (send `unsubscribe`); they keep seeing ours if they did."""
        bare = valid_bare_jid(jid)
        self._online().send_presence(pto=bare, ptype="unsubscribe")

    # Roster set / remove --------------------------------------------------------------------------

    def _roster_set(self, bare: str, name: str | None, groups: tuple[str, ...] | None,
                    remove: bool = False) -> Iq:
        client = self._online()
        iq = client.make_iq_set()
        query = Element(f"{{{ROSTER_NS}}}query")
        item = SubElement(query, f"{{{ROSTER_NS}}}item", {"jid": bare})
        if remove:
            item.set("subscription", "remove")
        else:
            if name:
                item.set("name", name)
            for group in groups or ():
                SubElement(item, f"{{{ROSTER_NS}}}group").text = group
        iq.xml.append(query)
        return iq

    async def add_contact(self, jid: str, name: str = "", groups: tuple[str, ...] = (),
                          subscribe: bool = True) -> None:
        """Roster set (name, groups), then `subscribe`; the roster shows "waiting for approval" meanwhile."""
        bare = valid_bare_jid(jid)
        if bare == self._state.jid:
            raise ContactError("that is your own account")
        async with self._roster_lock:
            await self._request(self._roster_set(bare, name.strip(), groups), f"adding {bare}")
        if subscribe:
            self._online().send_presence(pto=bare, ptype="subscribe")

    async def update_contact(self, jid: str, name: str | None = None, groups: tuple[str, ...] | None = None) -> None:
        """Rename a contact and/or set its groups (None keeps what the roster has)."""
        bare = valid_bare_jid(jid)
        async with self._roster_lock:
            contact = self._state.roster.get(bare)
            if contact is None:
                raise ContactError(f"{bare} is not in your roster: /add {bare} first")
            await self._request(self._roster_set(bare, contact.name if name is None else name.strip(),
                                                 contact.groups if groups is None else groups), f"changing {bare}")

    async def remove_contact(self, jid: str) -> None:
        """Roster remove: the server also cancels the subscriptions both ways."""
        bare = valid_bare_jid(jid)
        if bare not in self._state.roster:
            raise ContactError(f"{bare} is not in your roster")
        async with self._roster_lock:
            await self._request(self._roster_set(bare, None, None, remove=True), f"removing {bare}")

    # Block list (XEP-0191) ------------------------------------------------------------------------

    async def _fetch_blocklist(self) -> None:
        assert self._client is not None
        iq = self._client.make_iq_get()
        iq.xml.append(Element(f"{{{contact_stanzas.BLOCKING_NS}}}blocklist"))
        try:
            result = await iq.send(timeout=self._account.timeout)
        except (IqError, IqTimeout) as exc:
            log.info("no block list: %r", exc)
            return
        jids = contact_stanzas.block_items(result, "blocklist") or []
        self._state.blocked = set(jids)
        self._emit(BlocklistChanged())

    async def block(self, jid: str) -> None:
        """Block `jid` on the server: nothing of theirs reaches us, and they see us offline."""
        bare = valid_bare_jid(jid)
        iq = self._online().make_iq_set()
        SubElement(SubElement(iq.xml, f"{{{contact_stanzas.BLOCKING_NS}}}block"),
                   f"{{{contact_stanzas.BLOCKING_NS}}}item", {"jid": bare})
        await self._request(iq, f"blocking {bare}")
        self._blocked([bare], True)

    async def unblock(self, jid: str) -> None:
        bare = valid_bare_jid(jid)
        iq = self._online().make_iq_set()
        SubElement(SubElement(iq.xml, f"{{{contact_stanzas.BLOCKING_NS}}}unblock"),
                   f"{{{contact_stanzas.BLOCKING_NS}}}item", {"jid": bare})
        await self._request(iq, f"unblocking {bare}")
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
            self._emit(BlocklistChanged())
            for jid in before ^ self._state.blocked:
                if jid in self._state.roster:
                    self._emit(ContactChanged(jid))
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
        client = self._client
        if contact is None or client is None or self._state.connection.state is not ConnectionState.ONLINE:
            return
        if contact.subscription.can_see_presence:
            client.send_presence(pto=jid, ptype="probe")
        own = self._state.own_presence
        if contact.subscription in (Subscription.FROM, Subscription.BOTH) and own.show is not Show.OFFLINE:
            client.send_presence(pto=jid, pshow=own.show.wire, pstatus=own.status or None, ppriority=own.priority)

    def _on_block_push(self, iq: Iq, blocked: bool) -> None:
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

    # Directed presence, vCard, last activity ------------------------------------------------------

    async def send_directed_presence(self, jid: str, presence: Presence) -> None:
        """Our presence to one entity only (RFC 6121 4.6)."""
        try:
            to = JID(jid.strip())
        except InvalidJID:
            raise ContactError(f"not a valid JID: {jid.strip()!r}") from None
        client = self._online()
        if presence.show is Show.OFFLINE:
            client.send_presence(pto=to, ptype="unavailable", pstatus=presence.status or None)
        else:
            client.send_presence(pto=to, pshow=presence.show.wire, pstatus=presence.status or None,
                                 ppriority=presence.priority)

    async def fetch_vcard(self, jid: str) -> VCardBasics:
        bare = valid_bare_jid(jid)
        iq = self._online().make_iq_get(ito=bare)
        iq.xml.append(Element(f"{{{contact_stanzas.VCARD_NS}}}vCard"))
        return contact_stanzas.vcard_basics(await self._request(iq, f"the vCard of {bare}"))

    async def fetch_client_version(self, jid: str) -> ClientVersion:
        """The software behind one resource (XEP-0092), asked of that full JID."""
        to = _jid(jid)
        iq = self._online().make_iq_get(queryxmlns=contact_stanzas.VERSION_NS, ito=to)
        version = contact_stanzas.client_version(await self._request(iq, f"the client of {to}"))
        if version is None:
            raise ContactError(f"{to} did not say which client it is")
        return version

    async def fetch_last_activity(self, jid: str) -> LastActivity:
        to = _jid(jid)
        iq = self._online().make_iq_get(queryxmlns=contact_stanzas.LAST_NS, ito=to)
        activity = contact_stanzas.last_activity(await self._request(iq, f"last activity of {to}"))
        if activity is None:
            raise ContactError(f"{to} sent no usable last activity")
        return activity


def _jid(text: str) -> JID:
    """Any JID (a full one for a resource) as typed or chosen; a `ContactError` in words if it is not one."""
    try:
        return JID(text.strip())
    except InvalidJID:
        raise ContactError(f"not a valid JID: {text.strip()!r}") from None
