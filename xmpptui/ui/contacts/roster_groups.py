"""RosterGroups: the roster's contacts by roster group, each group's members kept sorted (online first, then by
name), so that a presence or name change re-sorts only that contact's groups (5,000 contacts stay fast)."""

from __future__ import annotations

from bisect import insort

from xmpptui.model.presence import PresenceBook
from xmpptui.model.roster import Roster

UNGROUPED = "Ungrouped"
"""The group of contacts in none."""

SortKey = tuple[int, str, str]
"""(offline?, folded name, jid)."""


class RosterGroups:
    def __init__(self, roster: Roster, presence: PresenceBook) -> None:
        self.roster = roster
        self.presence = presence
        self.members: dict[str, list[SortKey]] = {}
        """Group -> sorted (offline?, folded name, jid): online contacts first, then by name."""
        self._keys: dict[str, SortKey] = {}
        self._groups_of: dict[str, tuple[str, ...]] = {}

    def _sort_key(self, jid: str) -> SortKey:
        contact = self.roster.get(jid)
        name = contact.display_name if contact is not None else jid
        return (0 if self.presence.best(jid).available else 1, name.casefold(), jid)

    def load(self) -> None:
        """Sort everything from the roster (after the roster was replaced)."""
        self.members = {}
        self._keys = {}
        self._groups_of = {}
        for contact in self.roster:
            key = self._sort_key(contact.jid)
            groups = contact.groups or (UNGROUPED,)
            self._keys[contact.jid] = key
            self._groups_of[contact.jid] = groups
            for group in groups:
                self.members.setdefault(group, []).append(key)
        for members in self.members.values():
            members.sort()

    def changed(self, jid: str) -> None:
        """Presence, name or groups of this contact changed (or it was added or removed): move it."""
        old_key = self._keys.pop(jid, None)
        for group in self._groups_of.pop(jid, ()):
            members = self.members.get(group)
            if members is not None and old_key is not None:
                members.remove(old_key)
                if not members:
                    del self.members[group]
        contact = self.roster.get(jid)
        if contact is None:
            return
        key = self._sort_key(jid)
        groups = contact.groups or (UNGROUPED,)
        self._keys[jid] = key
        self._groups_of[jid] = groups
        for group in groups:
            insort(self.members.setdefault(group, []), key)

    def ordered(self) -> list[str]:
        """The group names as shown: alphabetical, the ungrouped last."""
        return sorted(self.members, key=lambda g: (g == UNGROUPED, g.casefold()))

    def counts(self, group: str) -> tuple[int, int]:
        """(online, total) members; online contacts sort first, so count up to the first offline one."""
        members = self.members.get(group, [])
        online = next((i for i, key in enumerate(members) if key[0] == 1), len(members))
        return online, len(members)
