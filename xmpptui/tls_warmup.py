"""The system's trusted CAs, read on a thread of their own while the app starts (#20).

Reading them (OpenSSL parsing the system's bundle, ~20 ms here, more under load) was on the way to the first
login, after Textual and slixmpp were imported. OpenSSL does it without holding the GIL, so on a thread it runs
beside those imports, on the other core. Only `ssl` is imported here: the composition root starts it before
anything heavy.
"""

from __future__ import annotations

import ssl
import threading

_made: list[ssl.SSLContext] = []
_thread: threading.Thread | None = None


def start() -> None:
    """Begin making the first login's TLS context (once)."""
    global _thread
    if _thread is None:
        _thread = threading.Thread(target=lambda: _made.append(ssl.create_default_context()),
                                   name="xmpptui-tls-warmup", daemon=True)
        _thread.start()


def default_context() -> ssl.SSLContext:
    """A new TLS context verifying certificates and host names against the system's CAs: the one `start` made,
    the first time, else one made now (also when making it there failed: it fails here the same way, in words
    the caller already handles)."""
    if _thread is not None:
        _thread.join()
        if _made:
            return _made.pop()
    return ssl.create_default_context()
