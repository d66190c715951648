"""Certificates the user chose to trust for an account (trust on first use), kept 0600 in the data dir."""

from __future__ import annotations

import json
from pathlib import Path

from xmpptui import paths


class PinStore:
    """Account bare JID -> SHA-256 fingerprint of the one server certificate trusted for it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _load(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            return {}
        return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)} if isinstance(
            data, dict) else {}

    def get(self, jid: str) -> str | None:
        return self._load().get(jid.lower())

    def trust(self, jid: str, fingerprint: str) -> None:
        pins = self._load()
        pins[jid.lower()] = fingerprint
        paths.write_private(self.path, json.dumps(pins, indent=2, sort_keys=True) + "\n")


def default_store() -> PinStore:
    return PinStore(paths.data_dir(create=False) / "pinned-certificates.json")
