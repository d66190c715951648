"""Contact management values: pending subscription requests, the block list, subscription in words, vCards."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from xmpptui.model.roster import Contact, Subscription


@dataclass(frozen=True, slots=True)
class PendingRequest:
    """Someone asked to see our presence (a `subscribe`) and the user has not answered yet."""

    jid: str
    """Bare JID of the requester."""
    nick: str = ""
    """The nickname the requester gave (XEP-0172), if any."""
    status: str = ""
    """The text sent with the request, if any."""
    received: float = 0.0
    """Seconds since the epoch, UTC."""


class SubscriptionRequests:
    """Unanswered requests by bare JID, oldest first. The session is the only writer."""

    def __init__(self, requests: Iterable[PendingRequest] = ()) -> None:
        self._by_jid: dict[str, PendingRequest] = {r.jid: r for r in requests}

    def add(self, request: PendingRequest) -> bool:
        """Record a request; False if it is the same one already held (a repeated `subscribe`)."""
        held = self._by_jid.get(request.jid)
        if held is None:
            self._by_jid[request.jid] = request
            return True
        # A server re-delivers a stored request at login without its nick and text: keep what we had.
        merged = PendingRequest(request.jid, request.nick or held.nick, request.status or held.status, held.received)
        if merged == held:
            return False
        self._by_jid[request.jid] = merged
        return True

    def answer(self, jid: str) -> bool:
        """The user answered (or the requester withdrew): forget it. False if there was none."""
        return self._by_jid.pop(jid, None) is not None

    def get(self, jid: str) -> PendingRequest | None:
        return self._by_jid.get(jid)

    def __contains__(self, jid: object) -> bool:
        return jid in self._by_jid

    def __iter__(self) -> Iterator[PendingRequest]:
        return iter(sorted(self._by_jid.values(), key=lambda r: (r.received, r.jid)))

    def __len__(self) -> int:
        return len(self._by_jid)


_SUBSCRIPTION_WORDS = {
    Subscription.BOTH: "both: you see each other's presence",
    Subscription.TO: "to: you see their presence; they do not see yours",
    Subscription.FROM: "from: they see your presence; you do not see theirs",
    Subscription.NONE: "none: neither of you sees the other's presence",
}


def subscription_words(contact: Contact) -> str:
    """The subscription state in words, with a pending request of ours."""
    words = _SUBSCRIPTION_WORDS.get(contact.subscription, contact.subscription.value)
    if contact.pending_out:
        words += " (waiting for approval of your request to see their presence)"
    return words


def parse_groups(text: str) -> tuple[str, ...]:
    """Groups typed by the user, comma separated (`Friends, Work`); blanks and repeats dropped."""
    return tuple(dict.fromkeys(g.strip() for g in text.split(",") if g.strip()))


@dataclass(frozen=True, slots=True)
class VCardBasics:
    """The parts of a vCard (XEP-0054) the details screen shows."""

    full_name: str = ""
    nickname: str = ""
    email: str = ""
    note: str = ""

    @property
    def empty(self) -> bool:
        return not (self.full_name or self.nickname or self.email or self.note)


@dataclass(frozen=True, slots=True)
class LastActivity:
    """XEP-0012: seconds since the contact was last active (offline: since they logged out)."""

    seconds: int
    status: str = ""


@dataclass(frozen=True, slots=True)
class ClientVersion:
    """XEP-0092: the software behind one resource."""

    name: str
    version: str = ""
    os: str = ""

    def __str__(self) -> str:
        return " ".join(p for p in (self.name, self.version, f"({self.os})" if self.os else "") if p)


def duration_words(seconds: int) -> str:
    """`3 days 4 h`, `12 min`, `40 s`: a compact, rounded duration."""
    if seconds < 60:
        return f"{seconds} s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if days:
        return f"{days} day{'s' if days != 1 else ''} {hours % 24} h"
    if hours:
        return f"{hours} h {minutes % 60} min"
    return f"{minutes} min"
