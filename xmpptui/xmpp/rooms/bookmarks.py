"""Our bookmarked rooms: read on login (autojoin ones joined), kept in step with our other clients' changes,
saved and removed. XEP-0402 PEP bookmarks where the server keeps them in step with XEP-0048 ones (XEP-0479),
else XEP-0048 private storage: other clients of ours may use either."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from xmpptui.model.events import BookmarksChanged
from xmpptui.model.room import Bookmark
from xmpptui.session import RoomError
from xmpptui.xmpp.context import SessionContext
from xmpptui.xmpp.pep_publish import PepError, PrivatePep
from xmpptui.xmpp.rooms.writer import RoomWriter
from xmpptui.xmpp.stanzas import bookmarks, pep, translate
from xmpptui.xmpp.transport import IqError, IqTimeout

log = logging.getLogger(__name__)


class RoomBookmarks:
    def __init__(self, ctx: SessionContext, writer: RoomWriter, *, private_pep: PrivatePep,
                 autojoin: Callable[[Bookmark], None]) -> None:
        self._ctx = ctx
        self._writer = writer
        self._pep = private_pep
        """Our account's PEP service: whether bookmarks are XEP-0402 ones, and publishing them."""
        self._autojoin = autojoin

    async def load(self) -> None:
        """A new session: read our bookmarks and join the autojoin rooms we are not already in."""
        client = self._ctx.client
        assert client is not None
        if await self._pep.bookmarks_in_pep():
            iq = client.make_iq_get(ito=self._ctx.own_jid)
            bookmarks.fill_items_query(iq)
            read = bookmarks.bookmarks_from_items
        else:
            iq = client.make_iq_get()
            bookmarks.fill_private_query(iq)
            read = bookmarks.bookmarks_from_private
        try:
            saved = read(await iq.send(timeout=self._ctx.timeout))
        except IqError as exc:
            log.info("no bookmarks read: %s", translate.error_text(exc.iq))  # item-not-found: none saved yet
            return
        except IqTimeout:
            log.info("no bookmarks read: the server did not answer")
            return
        self._ctx.state.rooms.bookmarks = {b.room: b for b in saved}
        self._ctx.emit(BookmarksChanged())
        for bookmark in saved:
            if bookmark.autojoin:
                self._autojoin(bookmark)

    def on_private_bookmarks_changed(self, change: pep.NodeChange) -> None:
        """Our XEP-0048 bookmarks document changed (the server publishes it to a PEP node, XEP-0411): the whole
        set, as on_bookmarks_changed takes it. Only where XEP-0048 is where our bookmarks live: elsewhere the
        XEP-0402 notifications tell the same change."""
        if not change.published or self._pep.known_bookmarks_in_pep() is not False:
            return
        saved = bookmarks.bookmarks_from_storage(change.published[-1][1])
        gone = [room for room in self._ctx.state.rooms.bookmarks if room not in {b.room for b in saved}]
        self.on_bookmarks_changed(pep.NodeChange(change.node, retracted=gone), saved)

    def on_bookmarks_changed(self, change: pep.NodeChange, published: list[Bookmark] | None = None) -> None:
        """Another client of ours added, changed or removed bookmarks (XEP-0402 notifications, which come
        for our own changes too). A bookmark that newly asks for autojoin is joined; a room we are in stays
        joined whatever happens to its bookmark (the user may be talking there)."""
        held = self._ctx.state.rooms.bookmarks
        newly_autojoin = []
        for bookmark in bookmarks.bookmarks_from_published(change.published) if published is None else published:
            before = held.get(bookmark.room)
            held[bookmark.room] = bookmark
            if bookmark.autojoin and (before is None or not before.autojoin):
                newly_autojoin.append(bookmark)
        for room_jid in change.retracted:
            held.pop(room_jid.lower(), None)
        self._ctx.emit(BookmarksChanged())
        for bookmark in newly_autojoin:
            self._autojoin(bookmark)

    async def bookmark_room(self, room: str, autojoin: bool = True) -> None:
        """Save the room (with our nick and its password) as a bookmark on the server."""
        held, _ = self._writer.room_for_command(room, joined=False)
        saved = Bookmark(held.jid, nick=held.nick, password=held.password, autojoin=autojoin)
        if not await self._pep.bookmarks_in_pep():
            every = [*(b for b in self._ctx.state.rooms.bookmarks.values() if b.room != held.jid), saved]
            await self._publish(lambda iq: bookmarks.fill_private_store(iq, every), f"bookmark {held.jid}")
        else:
            try:
                await self._pep.publish(bookmarks.NODE, saved.room, lambda item: bookmarks.fill_conference(item, saved))
            except PepError as exc:
                raise RoomError(f"could not bookmark {held.jid}: {exc}") from None
        self._ctx.state.rooms.bookmarks[held.jid] = saved
        self._ctx.emit(BookmarksChanged())
        self._writer.line(held, f"bookmarked {held.jid}" + (" (joined on login)" if autojoin else ""))

    async def remove_bookmark(self, room: str) -> None:
        if room not in self._ctx.state.rooms.bookmarks:
            raise RoomError(f"{room} is not bookmarked")
        action = f"remove the bookmark of {room}"
        if not await self._pep.bookmarks_in_pep():
            rest = [b for b in self._ctx.state.rooms.bookmarks.values() if b.room != room]
            await self._publish(lambda iq: bookmarks.fill_private_store(iq, rest), action)
        else:
            await self._publish(lambda iq: bookmarks.fill_retract(iq, room), action)
        del self._ctx.state.rooms.bookmarks[room]
        self._ctx.emit(BookmarksChanged())
        held = self._ctx.state.rooms.get(room)
        if held is not None:
            self._writer.line(held, f"bookmark of {room} removed")

    async def _publish(self, fill: Callable[[Any], None], action: str) -> None:
        """Write our bookmarks; a refusal says "could not <action>" (the words /bookmark has always used)."""
        client = self._ctx.client
        assert client is not None
        iq = client.make_iq_set()
        fill(iq)
        try:
            await iq.send(timeout=self._ctx.timeout)
        except IqError as exc:
            raise RoomError(f"could not {action}: {translate.error_text(exc.iq)}") from None
        except IqTimeout:
            raise RoomError(f"could not {action}: the server did not answer") from None
