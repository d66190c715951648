"""Presence values and the per-resource presence book with RFC 6121's best-resource rule."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Show(Enum):
    """What a contact (or we) show. `OFFLINE` stands for `type="unavailable"` or no presence at all."""

    CHAT = "chat"
    ONLINE = "online"
    AWAY = "away"
    XA = "xa"
    DND = "dnd"
    OFFLINE = "offline"

    @property
    def availability(self) -> int:
        """Higher is more available; used to break priority ties (RFC 6121 4.7.2.1, 'most available')."""
        return _AVAILABILITY[self]

    @property
    def wire(self) -> str | None:
        """The `<show/>` element text, or None where the element is omitted."""
        return None if self in (Show.ONLINE, Show.OFFLINE) else self.value

    @classmethod
    def parse(cls, text: str) -> Show:
        """User input such as `away` or `available`; raises ValueError with the accepted words."""
        word = text.strip().lower()
        word = {"available": "online", "free": "chat", "busy": "dnd"}.get(word, word)
        try:
            return cls(word)
        except ValueError:
            raise ValueError(
                f"unknown status {text!r}: use one of online, chat, away, xa, dnd, offline"
            ) from None


_AVAILABILITY = {Show.CHAT: 5, Show.ONLINE: 4, Show.AWAY: 3, Show.DND: 2, Show.XA: 1, Show.OFFLINE: 0}

PRIORITY_MIN, PRIORITY_MAX = -128, 127


def parse_priority(text: str) -> int:
    """A priority typed by the user; raises ValueError with the accepted range."""
    try:
        value = int(text.strip())
    except ValueError:
        raise ValueError(f"priority must be a whole number from {PRIORITY_MIN} to {PRIORITY_MAX}") from None
    if not PRIORITY_MIN <= value <= PRIORITY_MAX:
        raise ValueError(f"priority must be from {PRIORITY_MIN} to {PRIORITY_MAX}, not {value}")
    return value


@dataclass(frozen=True, slots=True)
class Presence:
    show: Show = Show.ONLINE
    status: str = ""
    priority: int = 0

    @property
    def available(self) -> bool:
        return self.show is not Show.OFFLINE


OFFLINE = Presence(Show.OFFLINE)


class PresenceBook:
    """Presence of every contact, per resource. Bare JIDs are keys; an absent contact is offline."""

    def __init__(self) -> None:
        self._by_bare: dict[str, dict[str, Presence]] = {}

    def update(self, bare_jid: str, resource: str, presence: Presence) -> None:
        resources = self._by_bare.setdefault(bare_jid, {})
        if presence.available:
            resources[resource] = presence
        else:
            resources.pop(resource, None)
            if not resource:
                # An unavailable from the bare JID takes every resource offline.
                resources.clear()
            if not resources:
                del self._by_bare[bare_jid]

    def resources(self, bare_jid: str) -> dict[str, Presence]:
        return dict(self._by_bare.get(bare_jid, {}))

    def best_resource(self, bare_jid: str) -> str | None:
        """The resource to show and route to: highest priority, then most available show."""
        resources = self._by_bare.get(bare_jid)
        if not resources:
            return None
        return max(resources.items(), key=lambda item: (item[1].priority, item[1].show.availability))[0]

    def best(self, bare_jid: str) -> Presence:
        best = self.best_resource(bare_jid)
        return OFFLINE if best is None else self._by_bare[bare_jid][best]

    def is_online(self, full_jid_resource: tuple[str, str]) -> bool:
        bare_jid, res = full_jid_resource
        return res in self._by_bare.get(bare_jid, {})

    def clear(self) -> None:
        self._by_bare.clear()

    def take(self) -> PresenceBook:
        """Move everything into a new book and leave this one empty (while we cannot know presence)."""
        taken = PresenceBook()
        taken._by_bare, self._by_bare = self._by_bare, {}
        return taken

    def restore(self, kept: PresenceBook) -> None:
        """Put back what `take` moved out (a resumed stream: the server kept our session and what it knew)."""
        self._by_bare = kept._by_bare

    def __len__(self) -> int:
        return len(self._by_bare)

    def __contains__(self, bare_jid: object) -> bool:
        """Whether any resource of `bare_jid` is online."""
        return bare_jid in self._by_bare
