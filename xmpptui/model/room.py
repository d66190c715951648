"""Multi-user chat rooms (XEP-0045): the rooms we are in, their occupants and subject."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum

from xmpptui.model.presence import Show
from xmpptui.model.references import room_author


class Role(Enum):
    """An occupant's role in the room now (XEP-0045 5.1), in the order the occupant list shows them."""

    MODERATOR = "moderator"
    PARTICIPANT = "participant"
    VISITOR = "visitor"
    NONE = "none"

    @classmethod
    def parse(cls, word: str) -> Role:
        try:
            return cls(word.strip().lower())
        except ValueError:
            raise ValueError(f"unknown role {word!r}: use moderator, participant, visitor or none") from None


class Affiliation(Enum):
    """An occupant's lasting standing with the room (XEP-0045 5.2)."""

    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"
    OUTCAST = "outcast"
    NONE = "none"

    @classmethod
    def parse(cls, word: str) -> Affiliation:
        try:
            return cls(word.strip().lower())
        except ValueError:
            raise ValueError(f"unknown affiliation {word!r}: use owner, admin, member, outcast or none") from None


AFFILIATION_MARKS = {Affiliation.OWNER: "~", Affiliation.ADMIN: "&", Affiliation.MEMBER: "+",
                     Affiliation.OUTCAST: "!", Affiliation.NONE: ""}
"""One character before a nick in the occupant list (as IRC-style clients show them)."""


@dataclass(slots=True)
class Occupant:
    nick: str
    role: Role = Role.PARTICIPANT
    affiliation: Affiliation = Affiliation.NONE
    show: Show = Show.ONLINE
    real_jid: str = ""
    """Only when the room reveals it (non-anonymous rooms, or to moderators); never used as an address."""


OCCUPANT_ID_FEATURE = "urn:xmpp:occupant-id:0"


class RoomState(Enum):
    JOINING = "joining"
    JOINED = "joined"
    LEFT = "left"
    """Not in the room: left, kicked, banned, or the join was refused. The conversation stays readable."""


@dataclass(eq=False)
class Room:
    jid: str
    """The room's bare JID (room@service), lower-cased."""
    nick: str
    """Our nick: the one asked for while joining, the one the room gave us once joined."""
    password: str = ""
    state: RoomState = RoomState.JOINING
    subject: str = ""
    occupants: dict[str, Occupant] = field(default_factory=dict)
    """By nick, least recently active first (see `hold`)."""
    error: str = ""
    """Why we are not in the room (in words), when the join was refused or we were removed."""
    forgotten: int = 0
    """Occupants let go since the list was last cleared because the room had more than we hold."""
    features: frozenset[str] = frozenset()
    """What the room says it offers (disco#info): from the answer asked before joining (/join's question whether
    it exists, or a rejoin's), else asked once joined."""
    occupant_id: str = ""
    """Our own occupant id (XEP-0421), from our presence in the room."""

    @property
    def joined(self) -> bool:
        return self.state is RoomState.JOINED

    @property
    def offers_occupant_ids(self) -> bool:
        """The room gives each occupant a stable id (XEP-0421) and strips forged ones: only then are they believed."""
        return OCCUPANT_ID_FEATURE in self.features

    def author(self, nick: str, occupant_id: str) -> str:
        """Who a message or reaction in this room is from, as retractions and reactions are keyed (see
        `model.references.author_key`): the occupant id where the room offers them, else the nick."""
        return room_author(nick, occupant_id if self.offers_occupant_ids else "")

    @property
    def own_reactor(self) -> str:
        """Our own key among a message's reactors in this room."""
        return self.author(self.nick, self.occupant_id)

    def occupant_jid(self, nick: str) -> str:
        return f"{self.jid}/{nick}"

    def hold(self, occupant: Occupant, cap: int) -> list[str]:
        """Add or refresh an occupant as the most recently active one. Beyond `cap` occupants the least
        recently active are let go (never our own occupant), so a room flooding us with ever new nicks
        cannot grow memory without end. Returns the nicks let go."""
        self.occupants.pop(occupant.nick, None)
        self.occupants[occupant.nick] = occupant
        let_go: list[str] = []
        while len(self.occupants) > max(cap, 1):
            nick = next((n for n in self.occupants if n != self.nick), None)
            if nick is None:
                break
            del self.occupants[nick]
            let_go.append(nick)
        self.forgotten += len(let_go)
        return let_go

    def active(self, nick: str) -> None:
        """The occupant spoke: the last to be let go when the room is over the cap."""
        occupant = self.occupants.pop(nick, None)
        if occupant is not None:
            self.occupants[nick] = occupant

    def clear_occupants(self) -> None:
        self.occupants.clear()
        self.forgotten = 0

    def by_role(self) -> list[tuple[Role, list[Occupant]]]:
        """Occupants grouped by role (moderators first), each group sorted by nick, empty groups left out."""
        groups: dict[Role, list[Occupant]] = {role: [] for role in Role}
        for occupant in self.occupants.values():
            groups[occupant.role].append(occupant)
        return [(role, sorted(members, key=lambda o: o.nick.casefold()))
                for role, members in groups.items() if members]


class OccupantFlood:
    """Joins and leaves of one room, coalesced in a flood: the first `burst` within `window` seconds are
    lines of their own, the rest are counted into one summary line (`summary`) while the flood lasts, and
    a quiet `window` ends it."""

    def __init__(self, burst: int = 5, window: float = 10.0) -> None:
        self._burst = burst
        self._window = window
        self._shown: deque[float] = deque()
        self._last = float("-inf")
        self.joined = 0
        self.left = 0

    def admit(self, now: float, joined: bool) -> bool:
        """Whether this join (or leave) gets a line of its own; if not it is counted into `summary()`
        (a new summary line when `counted` is 1, the running one otherwise)."""
        if self.counted and now - self._last < self._window:
            self._count(now, joined)
            return False
        self.joined = self.left = 0
        while self._shown and now - self._shown[0] >= self._window:
            self._shown.popleft()
        if len(self._shown) < self._burst:
            self._shown.append(now)
            return True
        self._count(now, joined)
        return False

    def _count(self, now: float, joined: bool) -> None:
        self._last = now
        if joined:
            self.joined += 1
        else:
            self.left += 1

    @property
    def counted(self) -> int:
        return self.joined + self.left

    def summary(self) -> str:
        """"… and 240 more joined", "… and 3 more left", "… and 240 more joined, 3 left"."""
        if not self.left:
            return f"… and {self.joined} more joined"
        if not self.joined:
            return f"… and {self.left} more left"
        return f"… and {self.joined} more joined, {self.left} left"


@dataclass(frozen=True, slots=True)
class RoomListing:
    """A room a chat service lists (XEP-0030 items), to pick one to join."""

    jid: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class Bookmark:
    """A room saved on the server (XEP-0402), joined on login when `autojoin`."""

    room: str
    name: str = ""
    nick: str = ""
    password: str = ""
    autojoin: bool = False


class Rooms:
    """The rooms we have joined or are joining, by bare JID, in the order they were joined."""

    def __init__(self) -> None:
        self._by_jid: dict[str, Room] = {}
        self.bookmarks: dict[str, Bookmark] = {}
        """Our bookmarked rooms by bare JID, as the server last told us."""

    def get(self, jid: str) -> Room | None:
        return self._by_jid.get(jid)

    def add(self, room: Room) -> Room:
        self._by_jid[room.jid] = room
        return room

    def remove(self, jid: str) -> Room | None:
        return self._by_jid.pop(jid, None)

    def __iter__(self) -> Iterator[Room]:
        return iter(list(self._by_jid.values()))

    def __contains__(self, jid: object) -> bool:
        return jid in self._by_jid

    def __len__(self) -> int:
        return len(self._by_jid)


def mentions(body: str, nick: str) -> bool:
    """Whether a message names `nick` as a word (case-insensitive): `alice:`, `@alice`, `hi alice!`."""
    if not nick:
        return False
    folded, target = body.casefold(), nick.casefold()
    start = folded.find(target)
    while start >= 0:
        end = start + len(target)
        before = folded[start - 1] if start else " "
        after = folded[end] if end < len(folded) else " "
        if not (before.isalnum() or before == "_") and not (after.isalnum() or after == "_"):
            return True
        start = folded.find(target, start + 1)
    return False
