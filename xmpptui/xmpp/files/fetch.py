"""Fetching a shared file into memory (for an image's preview): a GET of its https URL with the account's trust
settings (its CA file, verification always on), no redirects followed, stopped at a byte limit, refusals and
failures in words."""

from __future__ import annotations

import logging

from xmpptui.config import Account
from xmpptui.model.conversation import ChatMessage
from xmpptui.session import DownloadError
from xmpptui.xmpp.transport.http_trust import get_trusted

log = logging.getLogger(__name__)

_CHUNK = 64 * 1024
_SECONDS = 60.0
"""The longest a fetch may take in all (a preview is not worth more)."""


async def fetch_bytes(account: Account, message: ChatMessage, limit: int, pinned: bytes | None = None) -> bytes:
    """The bytes of the file `message` shares (an https link), at most `limit` (DownloadError beyond, and for
    anything else that keeps them from us, in words that do not quote the URL: it may be a capability); `pinned`:
    the certificate the user trusted for the account (`http_trust.get_trusted`), as downloads and uploads trust."""
    import aiohttp  # (on first use: importing it cost ~100 ms of every launch, before any preview)

    attachment = message.attachment
    if attachment is None or not attachment.url.lower().startswith("https://"):
        raise DownloadError("only https links are fetched (this one would go in the clear)")
    name = attachment.name or "the file"
    if attachment.size is not None and attachment.size > limit:
        raise DownloadError(f"{name} is larger than {limit} bytes")
    timeout = aiohttp.ClientTimeout(total=_SECONDS, sock_connect=account.timeout)
    try:
        # Redirects are not followed: one could send the request (and our address) to any host, or in the clear.
        async with aiohttp.ClientSession(timeout=timeout) as http, await get_trusted(
                http, attachment.url, account, pinned, allow_redirects=False) as response:
            if 300 <= response.status < 400:
                raise DownloadError(f"{name}: the server sends it elsewhere (HTTP {response.status}); not followed")
            if response.status != 200:
                raise DownloadError(f"{name}: the server answered HTTP {response.status} "
                                    f"{response.reason or ''}".rstrip())
            if response.content_length is not None and response.content_length > limit:
                raise DownloadError(f"{name} is larger than {limit} bytes")
            data = bytearray()
            async for chunk in response.content.iter_chunked(_CHUNK):
                data.extend(chunk)
                if len(data) > limit:
                    raise DownloadError(f"{name} is larger than {limit} bytes")
            return bytes(data)
    except aiohttp.ClientConnectorCertificateError as exc:
        raise DownloadError(f"{name}: the server's certificate is not trusted ({exc.certificate_error})") from None
    except aiohttp.ServerFingerprintMismatch:
        raise DownloadError(f"{name}: the server's certificate is not trusted (no CA vouches for it, and it is not "
                            "the certificate you trusted for this account)") from None
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.info("fetching %s failed: %s", name, type(exc).__name__)
        raise DownloadError(f"{name} could not be fetched (the connection failed or timed out)") from None
