"""The conversations open when the app quit, per account, in the data dir (0600): reopened at the next start in
the same order, rooms joined again, the one that was on screen on screen. Plain JSON; a damaged or unreadable
file is read as nothing to reopen (and logged), never fatal."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from xmpptui import paths
from xmpptui.model.conversation import ConversationKind

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OpenConversation:
    jid: str
    kind: ConversationKind
    nick: str = ""
    """For a room we were in: our nick there (a room's password is a secret and is not stored)."""


@dataclass(frozen=True)
class OpenConversations:
    conversations: tuple[OpenConversation, ...] = ()
    shown: str | None = None
    """The conversation that was on screen."""


class OpenConversationsStore:
    """One file per account under `directory`, named by a hash of the account's bare JID."""

    def __init__(self, directory: Path, account: str) -> None:
        stem = hashlib.sha256(account.lower().encode()).hexdigest()[:16]
        self.path = directory / f"open-conversations-{stem}.json"

    @classmethod
    def default(cls, account: str) -> OpenConversationsStore:
        return cls(paths.data_dir(create=False), account)

    def load(self) -> OpenConversations:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return OpenConversations()
        except (OSError, ValueError) as exc:
            log.warning("the open conversations in %s could not be read (%s): none reopened", self.path, exc)
            return OpenConversations()
        if not isinstance(data, dict):
            return OpenConversations()
        kinds = {kind.value: kind for kind in ConversationKind}
        opened = []
        for item in data.get("conversations", []) if isinstance(data.get("conversations"), list) else []:
            if (isinstance(item, dict) and isinstance(item.get("jid"), str) and item.get("kind") in kinds
                    and isinstance(item.get("nick", ""), str)):
                opened.append(OpenConversation(item["jid"], kinds[item["kind"]], item.get("nick", "")))
        shown = data.get("shown")
        return OpenConversations(tuple(opened), shown if isinstance(shown, str) else None)

    def save(self, state: OpenConversations) -> None:
        text = json.dumps({"conversations": [{"jid": c.jid, "kind": c.kind.value, "nick": c.nick}
                                             for c in state.conversations], "shown": state.shown}, indent=1)
        try:
            paths.write_private(self.path, text + "\n")
        except OSError as exc:
            log.warning("the open conversations could not be saved to %s: %s", self.path, exc.strerror)
