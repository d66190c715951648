"""The roster: fetched at login with versioning (XEP-0237, the cached copy shown at once while we connect),
kept by the server's pushes, cached once pushes settle, and edited by roster set / remove (RFC 6121 2)."""

from __future__ import annotations

import asyncio
import logging
from xml.etree.ElementTree import Element, SubElement

from xmpptui.model.events import ContactChanged, Notice, RosterReplaced, Severity
from xmpptui.model.roster import Contact
from xmpptui.session import ContactError
from xmpptui.storage.contact_store import ContactStore
from xmpptui.xmpp.context import SessionContext
from xmpptui.xmpp.stanzas import Iq, translate
from xmpptui.xmpp.stanzas.contacts import valid_bare_jid
from xmpptui.xmpp.transport import IqError, IqTimeout

log = logging.getLogger(__name__)

ROSTER_NS = "jabber:iq:roster"
_CACHE_DELAY = 1.0
"""Seconds to gather roster pushes before the roster cache is written once."""


class RosterService:
    """`ClientState.roster`, as the server keeps it."""

    def __init__(self, ctx: SessionContext, store: ContactStore | None,
                 cached: tuple[str, list[Contact]] | None = None) -> None:
        """`cached`: the roster cache already read (for the first frame): the state holds it from now on, and
        `show_cached` has nothing left to read."""
        self._ctx = ctx
        self._state = ctx.state
        if cached is not None:
            self._state.roster.replace(cached[1], cached[0])
        self._store = store
        self._cache_write: asyncio.TimerHandle | None = None
        self._roster_lock = asyncio.Lock()
        """One roster set at a time: the server pushes the change before it answers, so the next edit reads
        the roster as the previous one left it (a rename then a regroup keep both)."""
        self.fetched = ""
        """How the roster came at the last login: "full", "unchanged" (the cached one, XEP-0237) or "" (none)."""

    def flush_cache(self) -> None:
        """Write the roster cache now if a write is waiting (the app is quitting)."""
        if self._cache_write is not None:
            self._cache_write.cancel()
            self._write_roster_cache()

    async def show_cached(self) -> None:
        """Fast start: the roster cached at the last login is shown at once, while we connect."""
        if self._store is None or len(self._state.roster):
            return
        version, contacts = await asyncio.to_thread(self._store.load_roster)
        if version is not None:
            self._state.roster.replace(contacts, version)
            self._ctx.emit(RosterReplaced(len(self._state.roster)))

    async def _fetch_versioned(self) -> tuple[list[Contact], str | None] | None:
        """The roster as (contacts, version): from the server, or the one held (cached at the last login,
        or kept by pushes since) when the server says it is unchanged. None if the fetch failed (a notice
        says why)."""
        assert self._ctx.client is not None
        cached_version, cached = self._state.roster.version, list(self._state.roster)
        iq = self._ctx.client.make_iq_get(queryxmlns=ROSTER_NS)
        if "rosterver" in self._ctx.client.features:
            # An empty ver asks for versioning without a cached copy (RFC 6121 2.6.2).
            iq.xml.find(f"{{{ROSTER_NS}}}query").set("ver", cached_version or "")
        try:
            result = await iq.send(timeout=self._ctx.account.timeout)
        except IqError as exc:
            self._ctx.emit(Notice(f"could not fetch the roster: {translate.error_text(exc.iq)}", Severity.ERROR))
            return None
        except IqTimeout:
            self._ctx.emit(Notice("could not fetch the roster: the server did not answer", Severity.ERROR))
            return None
        if result.xml.find(f"{{{ROSTER_NS}}}query") is None and cached_version is not None:
            self.fetched = "unchanged"
            return cached, cached_version
        self.fetched = "full"
        contacts, version = translate.roster_items(result)
        # (a large roster's first items were read while it was parsed: transport/roster_stream.py)
        contacts[:0] = self._ctx.client.roster_stream.take(result.xml.find(f"{{{ROSTER_NS}}}query"))
        if version and self._store is not None:
            self._ctx.spawn(asyncio.to_thread(self._store.save_roster, version, contacts))
        elif self._store is not None:
            self._store.forget_roster()
        return contacts, version

    async def fetch(self) -> bool:
        """The roster of a new session (everyone's presence comes anew with it); False if the fetch failed."""
        fetched = await self._fetch_versioned()
        if fetched is None:
            return False
        contacts, version = fetched
        self._state.roster.replace(contacts, version)
        self._state.presence.clear()
        self._ctx.emit(RosterReplaced(len(self._state.roster)))
        return True

    def on_push(self, iq: Iq) -> None:
        if iq["type"] != "set":
            return  # results are handled where they are awaited
        # Only pushes from our own bare JID (or with no from) get here: Client._roster_push_filter
        # answered the rest with an error (RFC 6121 2.1.6).
        contacts, version = translate.roster_items(iq)
        for contact in contacts:
            self._state.roster.apply_push(contact, version)
            self._ctx.emit(ContactChanged(contact.jid, removed=contact.jid not in self._state.roster))
        self._roster_changed()

    def _roster_changed(self) -> None:
        """After a push: write the roster cache once the pushes have settled."""
        if self._store is None or not self._state.roster.version or self._cache_write is not None:
            return
        self._cache_write = asyncio.get_running_loop().call_later(_CACHE_DELAY, self._write_roster_cache)

    def _write_roster_cache(self) -> None:
        self._cache_write = None
        version = self._state.roster.version
        if self._store is not None and version:
            self._ctx.spawn(asyncio.to_thread(self._store.save_roster, version, list(self._state.roster)))

    def _roster_set(self, bare: str, name: str | None, groups: tuple[str, ...] | None,
                    remove: bool = False) -> Iq:
        client = self._ctx.require_online()
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
            await self._ctx.request(self._roster_set(bare, name.strip(), groups), f"adding {bare}", ContactError)
        if subscribe:
            self._ctx.require_online().send_presence(pto=bare, ptype="subscribe")

    async def update_contact(self, jid: str, name: str | None = None, groups: tuple[str, ...] | None = None) -> None:
        """Rename a contact and/or set its groups (None keeps what the roster has)."""
        bare = valid_bare_jid(jid)
        async with self._roster_lock:
            contact = self._state.roster.get(bare)
            if contact is None:
                raise ContactError(f"{bare} is not in your roster: /add {bare} first")
            iq = self._roster_set(bare, contact.name if name is None else name.strip(),
                                  contact.groups if groups is None else groups)
            await self._ctx.request(iq, f"changing {bare}", ContactError)

    async def remove_contact(self, jid: str) -> None:
        """Roster remove: the server also cancels the subscriptions both ways."""
        bare = valid_bare_jid(jid)
        if bare not in self._state.roster:
            raise ContactError(f"{bare} is not in your roster")
        async with self._roster_lock:
            await self._ctx.request(self._roster_set(bare, None, None, remove=True), f"removing {bare}", ContactError)
