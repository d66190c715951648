"""The account's trust for HTTPS (uploads, downloads): its CA file if it names one, else the system's CAs;
verification is never off."""

from __future__ import annotations

import ssl
from pathlib import Path

from xmpptui.config import Account


def http_trust(account: Account) -> ssl.SSLContext:
    ca_file = account.ca_file
    return ssl.create_default_context(cafile=str(Path(ca_file).expanduser()) if ca_file else None)
