"""FileSharing: files sent and fetched, composed once for the façade: uploads (XEP-0363) whose link then goes to
the conversation as a message sharing the file, downloads the user asks for, and the bounded fetch of an image
for its preview."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

from xmpptui.config import FilesConfig
from xmpptui.model.conversation import Attachment, ChatMessage, ConversationKind
from xmpptui.xmpp.context import SessionContext
from xmpptui.xmpp.files import fetch
from xmpptui.xmpp.files.download import Downloads
from xmpptui.xmpp.files.upload import Uploads

SendLink = Callable[[str, str, Attachment], Awaitable[object]]
"""Sends (to a conversation's address) a message with this body that shares this file."""


class FileSharing:
    def __init__(self, ctx: SessionContext, config: FilesConfig, *, store_update: Callable[[ChatMessage], None],
                 send_link: Mapping[ConversationKind, SendLink]) -> None:
        """`send_link`: how a link goes to each kind of conversation (a contact, a room, a room's occupant)."""
        self._ctx = ctx
        self._send_link = send_link
        self.uploads = Uploads(ctx)
        self.downloads = Downloads(ctx, config, store_update=store_update)

    def new_session(self) -> None:
        self.uploads.forget()  # (the server may offer another upload service now, or none)

    def cancel_all(self) -> None:
        """The session stops: no transfer goes on without it."""
        self.uploads.cancel_all()
        self.downloads.cancel_all()

    async def upload(self, jid: str, path: str | Path) -> None:
        """Upload the file, then send its link to the conversation (a room, an occupant or a contact)."""
        attachment = await self.uploads.upload(jid, str(path))
        conversation = self._ctx.state.conversations.get(jid)
        kind = conversation.kind if conversation is not None else ConversationKind.CHAT
        await self._send_link[kind](jid, attachment.url, attachment)

    async def fetch_image(self, message: ChatMessage, limit: int) -> bytes:
        return await fetch.fetch_bytes(self._ctx.account, message, limit, self._ctx.pinned_certificate)
