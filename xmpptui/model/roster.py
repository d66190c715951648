"""The roster (RFC 6121 section 2): contacts as the server holds them, replaced whole or changed by pushes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import Enum


class Subscription(Enum):
    NONE = "none"
    TO = "to"
    FROM = "from"
    BOTH = "both"
    REMOVE = "remove"

    @property
    def can_see_presence(self) -> bool:
        """We receive the contact's presence only with a `to` or `both` subscription."""
        return self in (Subscription.TO, Subscription.BOTH)


@dataclass(frozen=True, slots=True)
class Contact:
    jid: str
    name: str = ""
    groups: tuple[str, ...] = ()
    subscription: Subscription = Subscription.NONE
    pending_out: bool = False

    @property
    def display_name(self) -> str:
        return self.name or self.jid


class Roster:
    """Contacts keyed by bare JID. Not thread-safe; the session is its only writer."""

    def __init__(self) -> None:
        self._contacts: dict[str, Contact] = {}
        self.version: str | None = None

    def replace(self, contacts: Iterable[Contact], version: str | None = None) -> None:
        self._contacts = {c.jid: c for c in contacts if c.subscription is not Subscription.REMOVE}
        self.version = version

    def apply_push(self, contact: Contact, version: str | None = None) -> None:
        if contact.subscription is Subscription.REMOVE:
            self._contacts.pop(contact.jid, None)
        else:
            self._contacts[contact.jid] = contact
        if version is not None:
            self.version = version

    def get(self, jid: str) -> Contact | None:
        return self._contacts.get(jid)

    def __contains__(self, jid: object) -> bool:
        return jid in self._contacts

    def __iter__(self) -> Iterator[Contact]:
        return iter(self._contacts.values())

    def __len__(self) -> int:
        return len(self._contacts)
