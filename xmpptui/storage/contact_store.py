"""Per-account contact files in the data dir (0600): pending subscription requests and the roster cache
for roster versioning (XEP-0237). Plain JSON; a damaged file is read as empty, never fatal."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from xmpptui import paths
from xmpptui.model.contacts import PendingRequest
from xmpptui.model.roster import Contact, Subscription

log = logging.getLogger(__name__)


class ContactStore:
    """Files for one account under `directory`; names are a hash of the account's bare JID."""

    def __init__(self, directory: Path, account: str) -> None:
        stem = hashlib.sha256(account.lower().encode()).hexdigest()[:16]
        self.requests_path = directory / f"requests-{stem}.json"
        self.roster_path = directory / f"roster-{stem}.json"

    @classmethod
    def default(cls, account: str) -> ContactStore:
        return cls(paths.data_dir(create=False) / "contacts", account)

    # Pending requests ---------------------------------------------------------------------------

    def load_requests(self) -> list[PendingRequest]:
        data = _read(self.requests_path)
        requests = []
        for item in data if isinstance(data, list) else []:
            if isinstance(item, dict) and isinstance(item.get("jid"), str):
                requests.append(PendingRequest(item["jid"], _str(item, "nick"), _str(item, "status"),
                                               float(item.get("received", 0) or 0)))
        return requests

    def save_requests(self, requests: list[PendingRequest]) -> None:
        paths.write_private(self.requests_path, json.dumps(
            [{"jid": r.jid, "nick": r.nick, "status": r.status, "received": r.received} for r in requests],
            indent=1) + "\n")

    # Roster cache (XEP-0237) --------------------------------------------------------------------

    def load_roster(self) -> tuple[str | None, list[Contact]]:
        """The cached roster and its version; (None, []) when there is none (or it is unreadable)."""
        data = _read(self.roster_path)
        if not isinstance(data, dict) or not isinstance(data.get("version"), str):
            return None, []
        contacts = []
        for item in data.get("contacts", []):
            try:
                contacts.append(Contact(item["jid"], item.get("name", ""), tuple(item.get("groups", ())),
                                        Subscription(item.get("subscription", "none")), bool(item.get("ask"))))
            except (KeyError, TypeError, ValueError):
                log.warning("unreadable roster cache entry skipped")
        return data["version"], contacts

    def save_roster(self, version: str, contacts: list[Contact]) -> None:
        paths.write_private(self.roster_path, roster_json_parts(version, contacts))

    def forget_roster(self) -> None:
        self.roster_path.unlink(missing_ok=True)


def roster_json_parts(version: str, contacts: list[Contact]) -> Iterator[str]:
    """The roster cache's text in parts: joined, what `json.dumps` gives for {"version", "contacts": [one object
    per contact]}. One part per contact, written as made, so that neither 5,000 dicts nor 5,000 strings nor the
    whole text exist at once during a login (a peak of 1.4 MB, and of 4.8 before as dicts, #20)."""
    encode = json.JSONEncoder(separators=(",", ":")).encode
    yield f'{{"version":{encode(version)},"contacts":['
    for index, c in enumerate(contacts):
        yield ("," if index else "") + encode({"jid": c.jid, "name": c.name, "groups": list(c.groups),
                                              "subscription": c.subscription.value, "ask": c.pending_out})
    yield "]}"


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("%s unreadable (%s): ignored", path.name, exc)
        return None


def _str(item: dict[str, Any], key: str) -> str:
    value = item.get(key, "")
    return value if isinstance(value, str) else ""
