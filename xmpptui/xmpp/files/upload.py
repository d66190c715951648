"""Sending a file by HTTP File Upload (XEP-0363): the server's upload service found by disco and its size limit
checked before anything is sent, a slot asked for, the file PUT over HTTPS with the account's trust settings
(its CA file, verification always on; a certificate no CA vouches for only if it is the one the user pinned
for the account), progress reported as events, cancel. The message with the link is the façade's to send, once
the file is up: a failed or cancelled upload sends nothing."""

from __future__ import annotations

import asyncio
import logging
import mimetypes
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from xmpptui.model.conversation import Attachment
from xmpptui.model.events import UploadEnded, UploadProgressed
from xmpptui.session import NotConnected, SessionError, UploadError
from xmpptui.text import size_words
from xmpptui.xmpp.context import SessionContext
from xmpptui.xmpp.files.transfers import Transfers
from xmpptui.xmpp.stanzas import upload as stanzas
from xmpptui.xmpp.transport.http_trust import http_trust

if TYPE_CHECKING:
    import aiohttp

log = logging.getLogger(__name__)

CHUNK = 256 * 1024
"""Bytes read and written per step: large enough for the loopback rate, small enough for smooth progress."""

_READ_TIMEOUT = 60.0
"""Seconds the upload server may stay silent before the upload counts as cut off."""


@dataclass(frozen=True)
class UploadTarget:
    """An upload service: its address and the largest file it takes (None: it states no limit)."""

    jid: str
    max_size: int | None


class Uploads:
    """Uploads under way, one per conversation. `upload` runs in the caller's task; the PUT runs in a task of its
    own, so that `cancel` stops it without cancelling the caller, who is told in words."""

    def __init__(self, ctx: SessionContext) -> None:
        self._ctx = ctx
        self._service: UploadTarget | None = None
        """Found once per session (`forget` on a new one)."""
        self._transfers = Transfers()
        """Per conversation: the PUT under way."""
        self._busy: set[str] = set()
        """The conversations with an upload from its first check to its end (one at a time in each)."""

    def forget(self) -> None:
        """A new session: the server may offer another service (or none) now."""
        self._service = None

    def cancel_all(self) -> None:
        """The session stops: no upload goes on without it."""
        self._transfers.cancel_all()

    def cancel(self, conversation: str) -> bool:
        """Stop the upload to this conversation, if one is under way (its `upload` raises UploadError)."""
        return self._transfers.cancel(conversation)

    async def upload(self, conversation: str, path: str) -> Attachment:
        """Upload the file for this conversation; once it is up, the file as a message shares it (its URL, name,
        size, type and where we have it). UploadError says why not (and `UploadEnded` carries the same words)."""
        if conversation in self._busy:
            raise UploadError("a file is already being uploaded in this conversation: wait, or /cancel it")
        file = Path(path).expanduser()
        name = file.name
        self._busy.add(conversation)
        try:
            attachment = await self._upload(conversation, file)
        except SessionError as exc:  # (UploadError, or NotConnected before anything was sent)
            retry = isinstance(exc, NotConnected) or (isinstance(exc, UploadError) and exc.retry)
            self._ctx.emit(UploadEnded(conversation, name, error=str(exc), retry=retry))
            raise
        finally:
            self._busy.discard(conversation)
        self._ctx.emit(UploadEnded(conversation, name, url=attachment.url))
        return attachment

    async def _upload(self, conversation: str, file: Path) -> Attachment:
        size = _checked_size(file)
        self._ctx.require_online("the file was not sent")
        service = await self._find_service()
        if service.max_size is not None and size > service.max_size:
            have, limit = size_words(size), size_words(service.max_size)
            if have == limit:  # (just over the limit: the rounded sizes would read the same)
                have, limit = f"{size:,} bytes", f"{service.max_size:,} bytes"
            raise UploadError(f"{file.name} is too large: {have}, and the server takes at most {limit}")
        content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        slot = await self._request_slot(service, file.name, size, content_type)
        self._ctx.emit(UploadProgressed(conversation, file.name, 0, size))
        await self._transfers.run(conversation, self._put(conversation, file, size, content_type, slot),
                                  lambda: UploadError(f"{file.name}: upload cancelled, nothing was sent"))
        return Attachment(slot.get_url, file.name, size, content_type, str(file.absolute()))

    async def _find_service(self) -> UploadTarget:
        """Our server's upload service: the server itself, or one of its disco items (XEP-0363 §2)."""
        if self._service is not None:
            return self._service
        client = self._ctx.require_online("the file was not sent")
        domain = self._ctx.own_jid.rpartition("@")[2]
        items = client.make_iq_get(ito=domain)
        stanzas.fill_disco_items(items.xml)
        result = await self._ctx.request(items, f"asking {domain} for its services", UploadError)
        for candidate in [domain, *stanzas.item_jids(result)]:
            info = client.make_iq_get(ito=candidate)
            stanzas.fill_disco_info(info.xml)
            try:
                answer = await self._ctx.request(info, f"asking {candidate} what it offers", UploadError)
            except UploadError as exc:
                log.info("%s", exc)  # one silent or refusing service: the others may do
                continue
            if stanzas.is_upload_service(answer):
                self._service = UploadTarget(candidate, stanzas.max_file_size(answer))
                log.info("upload service %s, limit %s", candidate, self._service.max_size)
                return self._service
        raise UploadError(f"{domain} offers no file upload service (XEP-0363): files cannot be sent from this "
                          "account")

    async def _request_slot(self, service: UploadTarget, name: str, size: int,
                            content_type: str) -> stanzas.Slot:
        client = self._ctx.require_online("the file was not sent")
        iq = client.make_iq_get(ito=service.jid)
        stanzas.fill_slot_request(iq.xml, name, size, content_type)
        answer = await self._ctx.request(iq, f"asking {service.jid} to take {name}", UploadError,
                                         refusal=stanzas.refusal_text)
        slot = stanzas.slot(answer)
        if slot is None:
            raise UploadError(f"{service.jid} gave no usable place for {name} (it must offer HTTPS): nothing was sent")
        return slot

    async def _put(self, conversation: str, file: Path, size: int, content_type: str, slot: stanzas.Slot) -> None:
        import aiohttp  # (on first use: importing it cost ~100 ms of every launch, before any upload)

        try:
            try:
                await self._send(conversation, file, size, content_type, slot, self._trust())
            except aiohttp.ClientConnectorCertificateError as exc:
                pinned = self._ctx.pinned_certificate
                if pinned is None:
                    raise UploadError(f"{file.name} was not sent: the upload server's certificate is not trusted "
                                      f"({exc.certificate_error})") from None
                # No CA vouches for it; it may still be the very certificate the user trusted for this account
                # (the XMPP server's own, which the upload host often shares). Nothing was sent: the TLS
                # handshake failed before the first byte.
                log.info("upload server's certificate not verified by a CA: trying the account's pin")
                await self._send(conversation, file, size, content_type, slot, aiohttp.Fingerprint(pinned))
        except aiohttp.ServerFingerprintMismatch:
            raise UploadError(f"{file.name} was not sent: the upload server's certificate is not trusted (no CA "
                              "vouches for it, and it is not the certificate you trusted for this account)") from None
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.info("upload of %s cut off: %s", file.name, type(exc).__name__)  # (its text names the slot's URL)
            raise UploadError(f"{file.name}: the upload was cut off ({_cut_words(exc)}); nothing was sent, try "
                              "again", retry=True) from None
        except OSError as exc:
            raise UploadError(f"{file.name} could not be read: {exc.strerror or exc}; nothing was sent") from None

    async def _send(self, conversation: str, file: Path, size: int, content_type: str, slot: stanzas.Slot,
                    trust: ssl.SSLContext | aiohttp.Fingerprint) -> None:
        import aiohttp

        headers = {**slot.headers, "Content-Length": str(size), "Content-Type": content_type}
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=self._ctx.timeout, sock_read=_READ_TIMEOUT)
        with file.open("rb") as source:
            async with aiohttp.ClientSession(timeout=timeout) as http, http.put(
                    slot.put_url, data=self._chunks(conversation, file.name, source, size), headers=headers,
                    ssl=trust) as response:
                if response.status >= 300:
                    failing = response.status >= 500  # (the server's trouble, which may pass; 4xx will not)
                    raise UploadError(f"{file.name} was refused by the upload server: HTTP {response.status} "
                                      f"{response.reason or ''}".rstrip() + "; nothing was sent"
                                      + (", try again" if failing else ""), retry=failing)

    async def _chunks(self, conversation: str, name: str, source: BinaryIO, size: int) -> AsyncIterator[bytes]:
        """The file in chunks, read off the loop, with progress as it goes (at most one event per percent)."""
        sent, shown = 0, 0
        while sent < size:
            chunk = await asyncio.to_thread(source.read, min(CHUNK, size - sent))
            if not chunk:
                raise OSError(f"the file shrank while it was being sent ({sent} of {size} bytes)")
            sent += len(chunk)
            yield chunk
            if sent == size or (sent - shown) * 100 >= size:
                shown = sent
                self._ctx.emit(UploadProgressed(conversation, name, sent, size))

    def _trust(self) -> ssl.SSLContext:
        """The account's trust: its CA file if it names one, else the system's; verification is never off."""
        return http_trust(self._ctx.account)


def _checked_size(file: Path) -> int:
    try:
        if file.is_dir():
            raise UploadError(f"{file} is a directory: name a file")
        size = file.stat().st_size
        with file.open("rb"):
            pass
    except FileNotFoundError:
        raise UploadError(f"no such file: {file}") from None
    except OSError as exc:
        raise UploadError(f"{file} cannot be read: {exc.strerror or exc}") from None
    if size == 0:
        raise UploadError(f"{file} is empty: there is nothing to send")
    return size


def _cut_words(exc: BaseException) -> str:
    """Why an upload was cut off, in words, without the slot's URL (a capability to write the file, which
    aiohttp's own messages quote)."""
    import aiohttp

    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"could not connect to {exc.host} port {exc.port}: {exc.strerror or 'refused'}"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "the upload server closed the connection"
    if isinstance(exc, TimeoutError | aiohttp.ServerTimeoutError):
        return "the upload server stopped answering"
    return "the connection to the upload server was lost"
