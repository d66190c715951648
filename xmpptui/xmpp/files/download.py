"""Saving a file someone shared (`/download`): an HTTP(S) GET with the account's trust (verification always on),
into the downloads directory under a safe name that overwrites nothing (created O_EXCL, 0600), bounded by the
configured cap (the declared size before, the bytes during), progress as events, cancel; a partial file is
removed. Also a bounded fetch into memory for previews. Nothing here runs unless the user asked for it."""

from __future__ import annotations

import asyncio
import errno
import logging
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from xmpptui import paths
from xmpptui.config import FilesConfig
from xmpptui.model.conversation import Attachment, ChatMessage
from xmpptui.model.events import DownloadEnded, DownloadProgressed, MessageUpdated
from xmpptui.model.file_names import numbered, safe_file_name
from xmpptui.session import DownloadError
from xmpptui.text import size_words
from xmpptui.xmpp.context import SessionContext
from xmpptui.xmpp.files.transfers import Transfers
from xmpptui.xmpp.stanzas.files import name_from_url, valid_file_url
from xmpptui.xmpp.transport.http_trust import get_trusted

if TYPE_CHECKING:
    import aiohttp

log = logging.getLogger(__name__)

CHUNK = 256 * 1024
_READ_TIMEOUT = 60.0
"""Seconds the file's server may stay silent before the download counts as cut off."""
_MAX_NUMBER = 999
"""`name (999).ext` is the last name tried before giving up (a directory full of one name)."""


def create_exclusive(directory: Path, name: str) -> tuple[int, Path]:
    """A new file for `name` in `directory`, 0600, never an existing one (nor a link's target): `name`, else
    `name (1).ext`, `name (2).ext`, ..."""
    for number in range(_MAX_NUMBER + 1):
        candidate = directory / (numbered(name, number) if number else name)
        try:
            return os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600), candidate
        except FileExistsError:
            continue
    raise DownloadError(f"{name}: {_MAX_NUMBER} files of that name are already in {directory}; nothing was saved")


class Downloads:
    """Downloads under way, one per conversation; `download` runs the GET in a task of its own so that `cancel`
    stops it without cancelling the caller, who is told in words."""

    def __init__(self, ctx: SessionContext, files: FilesConfig, store_update: Callable[[ChatMessage], None]) -> None:
        self._ctx = ctx
        self._files = files
        self._store_update = store_update
        self._transfers = Transfers()

    def cancel_all(self) -> None:
        self._transfers.cancel_all()

    def cancel(self, conversation: str) -> bool:
        return self._transfers.cancel(conversation)

    async def download(self, conversation: str, message: ChatMessage, url: str) -> str:
        """Save the file at `url`; once saved, the message's attachment says where (stored with it)."""
        attachment = message.attachment if message.attachment is not None and message.attachment.url == url else None
        name = safe_file_name((attachment.name if attachment is not None else "") or name_from_url(url))
        if conversation in self._transfers:
            raise DownloadError("a file is already being downloaded in this conversation: wait, or /cancel it")
        try:
            path = await self._download(conversation, url, name, attachment)
        except DownloadError as exc:
            self._ctx.emit(DownloadEnded(conversation, name, error=str(exc)))
            raise
        if message.attachment is None:  # (a link in the text: the message now shares that file)
            message.attachment = Attachment(url, name)
        if message.attachment.url == url:
            message.attachment.local_path = str(path)
            self._store_update(message)
            self._ctx.emit(MessageUpdated(message))
        self._ctx.emit(DownloadEnded(conversation, name, path=str(path)))
        return str(path)

    async def _download(self, conversation: str, url: str, name: str, attachment: Attachment | None) -> Path:
        if not valid_file_url(url):
            raise DownloadError(f"{name}: only http and https links can be downloaded")
        cap = self._files.max_download_size
        if attachment is not None and attachment.size is not None and attachment.size > cap:
            raise DownloadError(f"{name} is too large: {size_words(attachment.size)}, and downloads are limited to "
                                f"{size_words(cap)} ([files] max_download_size); nothing was fetched")
        try:
            directory = paths.downloads_dir(self._files.download_dir)
        except OSError as exc:
            raise DownloadError(f"the downloads directory cannot be made: {exc.strerror or exc}") from None
        return await self._transfers.run(conversation, self._get(conversation, url, name, directory, cap),
                                         lambda: DownloadError(f"{name}: download cancelled, nothing was saved"))

    async def _get(self, conversation: str, url: str, name: str, directory: Path, cap: int) -> Path:
        import aiohttp  # (on first use: importing it cost ~100 ms of every launch, before any download)

        path: Path | None = None
        fd = -1
        try:
            async with self._response(url, name) as response:
                declared = response.content_length
                if declared is not None and declared > cap:
                    raise DownloadError(f"{name} is too large: {size_words(declared)}, and downloads are limited to "
                                        f"{size_words(cap)} ([files] max_download_size); nothing was saved")
                fd, path = create_exclusive(directory, name)
                received, shown = 0, 0
                self._ctx.emit(DownloadProgressed(conversation, name, 0, declared or 0))
                async for chunk in response.content.iter_chunked(CHUNK):
                    received += len(chunk)
                    if received > cap:
                        raise DownloadError(f"{name} is larger than downloads may be ({size_words(cap)}, [files] "
                                            "max_download_size): cut off, nothing was saved")
                    await asyncio.to_thread(_write_all, fd, chunk)
                    step = received - shown  # (at most one event per percent, or per MiB of a size not told)
                    if (step * 100 >= declared) if declared else step >= 2**20:
                        shown = received
                        self._ctx.emit(DownloadProgressed(conversation, name, received, declared or 0))
                if declared is not None and received < declared:
                    raise DownloadError(f"{name}: the download was cut off ({size_words(received)} of "
                                        f"{size_words(declared)}); nothing was saved, try again")
                self._ctx.emit(DownloadProgressed(conversation, name, received, declared or received))
                os.close(fd)
                fd = -1
                return path
        except aiohttp.ClientPayloadError:
            raise DownloadError(f"{name}: the download was cut off (the server closed the connection); nothing "
                                "was saved, try again") from None
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise DownloadError(f"{name}: the disk is full ({directory}); nothing was saved") from None
            raise DownloadError(f"{name} cannot be saved in {directory}: {exc.strerror or exc}") from None
        finally:
            if fd >= 0:
                os.close(fd)
                if path is not None:
                    path.unlink(missing_ok=True)  # (failed or cancelled: no partial file is left behind)

    @asynccontextmanager
    async def _response(self, url: str, name: str) -> AsyncIterator[aiohttp.ClientResponse]:
        """An OK response to a GET of `url`, or DownloadError in words (status, certificate, connection)."""
        import aiohttp

        timeout = aiohttp.ClientTimeout(total=None, sock_connect=self._ctx.timeout, sock_read=_READ_TIMEOUT)
        try:
            async with aiohttp.ClientSession(timeout=timeout) as http:
                response = await get_trusted(http, url, self._ctx.account, self._ctx.pinned_certificate,
                                             max_redirects=5)
                async with response:
                    if response.status >= 300:
                        raise DownloadError(f"{name} could not be fetched: HTTP {response.status} "
                                            f"{response.reason or ''}".rstrip())
                    yield response
        except aiohttp.ClientConnectorCertificateError as exc:
            raise DownloadError(f"{name} was not fetched: the file server's certificate is not trusted "
                                f"({exc.certificate_error})") from None
        except aiohttp.ServerFingerprintMismatch:
            raise DownloadError(f"{name} was not fetched: the file server's certificate is not trusted (no CA "
                                "vouches for it, and it is not the certificate you trusted for this account)") from None
        except aiohttp.ClientConnectorError as exc:
            raise DownloadError(f"{name} could not be fetched: no connection to {exc.host} port {exc.port} "
                                f"({exc.strerror or 'refused'})") from None
        except aiohttp.TooManyRedirects:
            raise DownloadError(f"{name} could not be fetched: too many redirects") from None
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError):
            raise DownloadError(f"{name}: the download was cut off (the server closed the connection); nothing "
                                "was saved, try again") from None
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.info("download of %s failed: %s", name, type(exc).__name__)
            raise DownloadError(f"{name}: the download was cut off ({type(exc).__name__}); nothing was saved, "
                                "try again") from None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
