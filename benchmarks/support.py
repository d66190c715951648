"""Shared setup for the benchmarks: sizes, result rows, statistics, synthetic data, a fake session, and the
instruments that tell when a change actually reached a frame.

How "reached the screen" is measured (used by every latency in the suite):

- `FrameClock` wraps the app's `_display`, the method the screen calls with each compositor update it hands
  to the terminal driver. Under `run_test()` the driver is headless and would drop the update, so the clock
  also renders the update to the escape-code string a real terminal would receive (`render_segments`), to
  keep that cost in the figure. The frame's time is taken after that.
- `RenderWatch` wraps one widget's `render_line` and captures a piece of the widget's state (e.g. the
  composer's text length) when the widget renders during a frame. A latency is "from the input to the first
  frame in which that widget was re-rendered showing the new state". Checking the state at display time
  alone would be wrong: a widget can have changed while its repaint is still queued.
- Keys are handed to the app the way the terminal driver's input thread does (`Driver.send_message`), not
  with `Pilot.press`, which adds idle waits of its own.
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

# ----------------------------------------------------------------------------------------------- sizes


@dataclass(frozen=True)
class Sizes:
    quick: bool
    chat_messages: int
    chat_baseline: int = 100
    key_repetitions: int = 40
    scroll_repetitions: int = 20
    resize_repetitions: int = 2
    append_batch: int = 1_000
    roster_contacts: int = 20_000
    roster_baseline: int = 200
    roster_groups: int = 50
    presence_repetitions: int = 40
    flood: int = 5_000
    burst: int = 10_000
    burst_rounds: int = 2
    echo_probe_interval: float = 0.2
    login_contacts: int = 5_000
    login_baseline: int = 10
    login_repetitions: int = 3
    rss_contacts: int = 5_000
    rss_messages: int = 100_000
    startup_repetitions: int = 5
    history_messages: int = 1_000_000
    history_baseline: int = 10_000
    history_pages: int = 10
    room_occupants: int = 200
    room_baseline: int = 1
    room_repetitions: int = 3
    room_resources: int = 20
    upload_bytes: int = 50_000_000
    upload_rounds: int = 3
    upload_probe_interval: float = 0.02


FULL = Sizes(quick=False, chat_messages=100_000)
QUICK = Sizes(quick=True, chat_messages=5_000, key_repetitions=10, scroll_repetitions=4, resize_repetitions=1,
              roster_contacts=2_000, presence_repetitions=10, burst=1_000, burst_rounds=1, login_contacts=500,
              login_repetitions=1, rss_contacts=500, rss_messages=5_000, startup_repetitions=3,
              history_messages=10_000, history_baseline=2_000, history_pages=5, room_occupants=20,
              room_repetitions=1, room_resources=10, upload_bytes=5_000_000, upload_rounds=1)

# ------------------------------------------------------------------------------------------------ rows


@dataclass
class Row:
    """One line of the result table. `value` and `baseline` are in `unit`; `passed` None means report only."""

    section: str
    measure: str
    value: float | None
    unit: str = "ms"
    baseline: float | None = None
    target: str = "report"
    passed: bool | None = None
    note: str = ""
    text: str | None = None
    """Shown instead of the value (e.g. "not built yet")."""
    error: bool = False

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.baseline:
            return None
        return self.value / self.baseline

    @property
    def verdict(self) -> str:
        if self.error:
            return "ERROR"
        if self.passed is None:
            return "-"
        return "PASS" if self.passed else "FAIL"


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit in ("ms", "s", "MB", "x", "%"):
        digits = 0 if abs(value) >= 1000 else 1 if abs(value) >= 10 else 2
        text = f"{value:,.{digits}f}"
    elif unit in ("msg/s", "B", "/frame", "") or unit.startswith("per"):
        text = f"{value:,.0f}" if abs(value) >= 10 or value == int(value) else f"{value:.2f}"
    else:
        text = f"{value:.3g}"
    return f"{text} {unit}".rstrip() if unit else text


def table(rows: Sequence[Row]) -> str:
    header = ("measure", "value", "baseline", "ratio", "target", "pass/fail")
    body = []
    for row in rows:
        ratio = row.ratio
        body.append((
            f"[{row.section}] {row.measure}",
            row.text if row.text is not None else fmt(row.value, row.unit),
            fmt(row.baseline, row.unit) if row.baseline is not None else "-",
            f"{ratio:.2f}x" if ratio is not None else "-",
            row.target,
            row.verdict,
        ))
    widths = [max(len(header[i]), *(len(line[i]) for line in body)) if body else len(header[i]) for i in range(6)]

    def line(cells: Sequence[str]) -> str:
        return " | ".join(cell.ljust(width) if i in (0, 4) else cell.rjust(width) if i < 4 else cell
                          for i, (cell, width) in enumerate(zip(cells, widths, strict=True))).rstrip()

    out = [line(header), "-+-".join("-" * w for w in widths)]
    out.extend(line(cells) for cells in body)
    return "\n".join(out)


# ------------------------------------------------------------------------------------------ statistics


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def percentile(values: Iterable[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    k = (len(ordered) - 1) * p / 100
    low, high = math.floor(k), math.ceil(k)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def ms(seconds: float) -> float:
    return seconds * 1000


# ------------------------------------------------------------------------------------------ environment


@contextmanager
def isolated_user_dirs() -> Any:
    """Config, data, state and cache under a temp dir (platformdirs honours XDG), for us and our children."""
    names = ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XMPPTUI_PASSWORD")
    saved = {name: os.environ.get(name) for name in names}
    with tempfile.TemporaryDirectory(prefix="xmpptui-bench-home-") as home:
        for name in names[:4]:
            os.environ[name] = str(Path(home) / name.lower())
        os.environ.pop("XMPPTUI_PASSWORD", None)
        try:
            yield Path(home)
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


# -------------------------------------------------------------------------------------- synthetic data


def _split(words: str) -> tuple[str, ...]:
    return tuple(words.split())


_WORDS = _split("the a to and of it is in that you for on was with he be at by this had not are but from or have an "
          "they which one were all we when your can said there use each she do how their if will up other about "
          "out many then them these so some her would make like him into time has look two more write go see "
          "number no way could people my than first water been call who oil its now find long down day did get "
          "come made may part server roster message client presence stanza tonight tomorrow coffee meeting "
          "release deploy build test review merge lunch weekend train station photo café naïve 日本語 ok thanks "
          "https://example.org/some/long/path?query=1")
_FIRST = _split("Alice Bob Chloé Dan Emma Farid Grace Hugo Iris Jonas Kenji Lena Marcus Nora Omar Priya Quentin Rosa "
          "Sofía Tomás Uma Victor Wen Xavier Yara Zoë Anton Bea Carl Dina")
_LAST = _split("Martin Nakamura Dubois O'Brien Raman Webb García Sato Carter Müller Rossi Novak Kowalski Silva Jensen "
         "Okafor Haddad Lindqvist Moreau Tanaka Ivanova Costa Brennan Fischer Yilmaz")

EPOCH = 1_793_000_000.0
"""A fixed start time (late 2026) for synthetic timestamps."""


def message_body(rng: random.Random) -> str:
    """A realistic mix: mostly one-liners, some that wrap to a few lines, a few long or multi-line ones."""
    roll = rng.random()
    if roll < 0.70:
        words = rng.randint(3, 10)
    elif roll < 0.90:
        words = rng.randint(15, 35)
    elif roll < 0.97:
        words = rng.randint(50, 100)
    else:
        return "\n".join(" ".join(rng.choices(_WORDS, k=rng.randint(2, 8))) for _ in range(rng.randint(2, 5)))
    return " ".join(rng.choices(_WORDS, k=words))


def make_messages(count: int, peer: str = "bob@localhost", peer_name: str = "Bob", own: str = "me@localhost",
                  seed: int = 1, start: float = EPOCH, per_day: int = 300) -> list[Any]:
    """`count` ChatMessages of one conversation, built the way the session builds them: the conversation's
    JID string shared, a shared display name, a unique 32-hex stanza id."""
    from xmpptui.model import jid as jids
    from xmpptui.model.conversation import ChatMessage, DeliveryState, Direction

    rng = random.Random(seed)
    conversation = jids.bare(f"{peer}/phone")  # the session passes the conversation's own JID string
    step = 86_400 / per_day
    messages = []
    for index in range(count):
        incoming = rng.random() < 0.6
        messages.append(ChatMessage(
            conversation=conversation, sender=peer_name if incoming else own, body=message_body(rng),
            timestamp=start + index * step + rng.random(), direction=Direction.IN if incoming else Direction.OUT,
            id=f"{rng.getrandbits(128):032x}", state=DeliveryState.NONE if incoming else DeliveryState.SENT))
    return messages


def make_contacts(count: int, groups: int = 50, seed: int = 2) -> list[Any]:
    """Contacts with display names, spread over `groups` groups; 10 % in two groups, 5 % ungrouped."""
    from xmpptui.model.roster import Contact, Subscription

    rng = random.Random(seed)
    contacts = []
    for index in range(count):
        roll = rng.random()
        first = rng.randrange(groups)
        if roll < 0.05:
            in_groups: tuple[str, ...] = ()
        elif roll < 0.15:
            in_groups = (f"Group {first:02d}", f"Group {(first + 7) % groups:02d}")
        else:
            in_groups = (f"Group {first:02d}",)
        name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}" if rng.random() < 0.9 else ""
        contacts.append(Contact(jid=f"user{index:05d}@example.org", name=name, groups=in_groups,
                                subscription=Subscription.BOTH if rng.random() < 0.95 else Subscription.TO))
    return contacts


def random_presence(rng: random.Random) -> Any:
    from xmpptui.model.presence import Presence, Show

    show = rng.choice((Show.ONLINE, Show.ONLINE, Show.AWAY, Show.XA, Show.DND, Show.CHAT, Show.OFFLINE))
    status = rng.choice(("", "", "", "at work", "on the train", "back at 15:00", "🏖 holiday"))
    return Presence(show, status, rng.randint(-1, 10))


def seed_presence(state: Any, fraction_online: float = 0.3, seed: int = 3) -> None:
    from xmpptui.model.presence import Show

    rng = random.Random(seed)
    for contact in state.roster:
        if rng.random() < fraction_online:
            presence = random_presence(rng)
            if presence.show is not Show.OFFLINE:
                state.presence.update(contact.jid, "laptop", presence)


# ---------------------------------------------------------------------------------------- fake session


class FakeSession:
    """Implements `xmpptui.session.Session` over a prepared `ClientState`, with no network.

    `start()` emits what a real login emits (connection online, own presence, the roster as one event, and
    a `ConversationOpened` per prepared conversation, the `active` one as opened by the user) and keeps the
    sink, so a benchmark can deliver events through the app's own batching path."""

    def __init__(self, jid: str = "me@localhost", contacts: Sequence[Any] = (),
                 conversations: dict[str, list[Any]] | None = None, active: str | None = None,
                 history: Any = None) -> None:
        from xmpptui.model.state import ClientState

        self._history = history
        """An `xmpptui.storage.history.History` to page older messages from (as XmppSession does)."""
        self._state = ClientState(jid=jid, resource="bench")
        self._state.roster.replace(contacts)
        for peer, messages in (conversations or {}).items():
            conversation, _ = self._state.conversations.open(peer)
            conversation.messages = messages
        self._active = active
        self.sink: Callable[[Any], None] | None = None
        self.started: float | None = None
        """perf_counter() when the app called `start()`."""

    @property
    def state(self) -> Any:
        return self._state

    def emit(self, event: Any) -> None:
        assert self.sink is not None, "session not started"
        self.sink(event)

    async def start(self, sink: Callable[[Any], None]) -> None:
        from xmpptui.model import events as ev
        from xmpptui.model.presence import Presence
        from xmpptui.model.state import ConnectionState, ConnectionStatus

        self.started = time.perf_counter()
        self.sink = sink
        self._state.connection = ConnectionStatus(ConnectionState.ONLINE)
        self._state.own_presence = Presence()
        sink(ev.ConnectionChanged(self._state.connection))
        sink(ev.OwnPresenceChanged(self._state.own_presence))
        sink(ev.RosterReplaced(len(self._state.roster)))
        for conversation in self._state.conversations:
            sink(ev.ConversationOpened(conversation.jid, by_user=conversation.jid == self._active))

    async def stop(self) -> None:
        pass

    async def set_presence(self, presence: Any) -> None:
        from xmpptui.model import events as ev

        self._state.own_presence = presence
        self.emit(ev.OwnPresenceChanged(presence))

    async def send_chat(self, to: str, body: str) -> None:
        from xmpptui.model import events as ev
        from xmpptui.model.conversation import ChatMessage, DeliveryState, Direction

        conversation, created = self._state.conversations.open(to)
        if created:
            self.emit(ev.ConversationOpened(to, by_user=True))
        message = ChatMessage(conversation=to, sender=self._state.jid, body=body, timestamp=time.time(),
                              direction=Direction.OUT, state=DeliveryState.SENT)
        conversation.messages.append(message)
        self.emit(ev.MessageAdded(message))

    def open_conversation(self, jid: str) -> None:
        """XmppSession.open_conversation's steps: a new conversation reads its latest page, then opens."""
        from xmpptui.model import events as ev

        if jid in self._state.conversations or self._history is None:
            self._state.conversations.open(jid)
            self.emit(ev.ConversationOpened(jid, by_user=True))
            return

        async def open_with_history() -> None:
            try:
                from xmpptui.xmpp.conversations import HISTORY_PAGE
            except ImportError:
                HISTORY_PAGE = 200
            page, older = await self._history.page(self._state.jid, jid, HISTORY_PAGE)
            conversation, _ = self._state.conversations.open(jid)
            conversation.prepend(page)
            conversation.older, conversation.history_loaded = older, True
            self.emit(ev.ConversationOpened(jid, by_user=True))

        asyncio.get_running_loop().create_task(open_with_history())

    async def load_older(self, jid: str) -> None:
        """XmppSession.load_older's steps: one page of `HISTORY_PAGE` before the oldest held, prepended."""
        from xmpptui.model import events as ev

        conversation = self._state.conversations.get(jid)
        if self._history is None or conversation is None or (conversation.history_loaded
                                                               and conversation.older is None):
            return
        try:
            from xmpptui.xmpp.conversations import HISTORY_PAGE
        except ImportError:
            HISTORY_PAGE = 200
        before = conversation.older if conversation.history_loaded else None
        page, conversation.older = await self._history.page(self._state.jid, jid, HISTORY_PAGE, before)
        conversation.history_loaded = True
        if page:
            conversation.prepend(page)
            self.emit(ev.HistoryLoaded(jid, len(page)))

    def typing(self, jid: str, composing: bool) -> None:
        pass  # XmppSession re-arms one timer per keystroke here; nothing is sent from the benchmarks

    async def correct_last(self, jid: str, body: str) -> None:
        raise NotImplementedError("not measured")

    async def retry(self, jid: str) -> None:
        raise NotImplementedError("not measured")

    async def search(self, query: str, jid: str | None = None) -> list[Any]:
        raise NotImplementedError("not measured")

    async def search_context(self, hit: Any) -> list[Any]:
        raise NotImplementedError("not measured")

    def reconnect_now(self) -> None:
        pass

    def trust_certificate(self, fingerprint: str) -> None:
        pass

    def close_conversation(self, jid: str) -> None:
        from xmpptui.model import events as ev

        if self._state.conversations.close(jid) is not None:
            self.emit(ev.ConversationClosed(jid))

    def mark_read(self, jid: str) -> None:
        from xmpptui.model import events as ev

        conversation = self._state.conversations.get(jid)
        if conversation is not None and conversation.unread:
            conversation.unread = 0
            self.emit(ev.UnreadChanged(jid, 0))


def fake_app(session: FakeSession) -> Any:
    """The real XmppTuiApp, logging in to `session` (the password is "resolved" without a keyring)."""
    from xmpptui.config import Account, Config
    from xmpptui.ui.app import XmppTuiApp

    try:
        from xmpptui.passwords import Secret
    except ImportError:  # older tree: passwords were plain strings
        password: Any = "bench"
    else:
        password = Secret("bench")
    return XmppTuiApp(Config(), Account(jid=session.state.jid), lambda _account, _password: session,
                      password_resolver=lambda _account: password, save_accounts=False)


APP_SIZE = (120, 36)
"""Terminal size for in-process apps: the e2e tests' size."""


# ---------------------------------------------------------------------------------------- instruments


class FrameClock:
    """Stamps every frame the app hands to its driver (see the module docstring)."""

    def __init__(self, app: Any) -> None:
        from textual._compositor import CompositorUpdate

        self.app = app
        self.times: list[float] = []
        self.listeners: list[Callable[[float], None]] = []
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if renderable is None or app._batch_count:
                return
            if app.is_headless and isinstance(renderable, CompositorUpdate):
                renderable.render_segments(app.console)  # what the terminal driver would have been sent
            now = time.perf_counter()
            self.times.append(now)
            for listener in tuple(self.listeners):
                listener(now)

        app._display = display

    def frames_between(self, start: float, end: float) -> int:
        return sum(1 for t in self.times if start <= t <= end)


_UNSET = object()


class RenderWatch:
    """What state of one widget the latest frame showed; `expect(pred)` resolves at the first frame in which
    the widget re-rendered with `pred(state)` true, giving that frame's time."""

    def __init__(self, clock: FrameClock, widget: Any, state: Callable[[], Any]) -> None:
        self._state = state
        self._rendered: Any = _UNSET
        self._waiters: list[tuple[Callable[[Any], bool], asyncio.Future[float]]] = []
        self.last_shown: Any = _UNSET
        original = widget.render_line

        def render_line(y: int) -> Any:
            if self._rendered is _UNSET:
                self._rendered = state()
            return original(y)

        widget.render_line = render_line
        clock.listeners.append(self._on_frame)

    def _on_frame(self, now: float) -> None:
        if self._rendered is _UNSET:
            return
        shown, self._rendered = self._rendered, _UNSET
        self.last_shown = shown
        for waiter in tuple(self._waiters):
            predicate, future = waiter
            if future.done():
                self._waiters.remove(waiter)
            elif predicate(shown):
                future.set_result(now)
                self._waiters.remove(waiter)

    def expect(self, predicate: Callable[[Any], bool]) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiters.append((predicate, future))
        return future


def send_key(app: Any, key: str) -> None:
    """Hand a key to the app as the terminal driver's input thread does (thread-safe)."""
    from textual import events

    event = events.Key(key, " " if key == "space" else key if len(key) == 1 else None)
    event.set_sender(app)
    app._driver.send_message(event)


async def timed_key(app: Any, watch: RenderWatch, key: str, shown: Callable[[Any], bool],
                    timeout: float = 10.0) -> float:
    """Seconds from handing `key` to the app to the first frame showing `shown(state)` in `watch`'s widget."""
    future = watch.expect(shown)
    start = time.perf_counter()
    send_key(app, key)
    return await asyncio.wait_for(future, timeout) - start


async def settle(pilot: Any, quiet: float = 0.05) -> None:
    """Let pending work finish, then wait a little longer so the next measure starts from an idle app."""
    await pilot.pause()
    await asyncio.sleep(quiet)


async def until(predicate: Callable[[], object], timeout: float = 30.0, what: str = "",
                interval: float = 0.01) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what or predicate}")
        await asyncio.sleep(interval)


async def wait_with_progress(future: asyncio.Future[Any], progress: Callable[[], int], stall: float,
                             what: str) -> Any:
    """Await `future`, but give up once `progress()` has not moved for `stall` seconds."""
    last, moved = progress(), time.monotonic()
    while True:
        done, _ = await asyncio.wait({future}, timeout=0.5)
        if done:
            return future.result()
        now = progress()
        if now != last:
            last, moved = now, time.monotonic()
        elif time.monotonic() - moved > stall:
            raise TimeoutError(f"{what}: no progress for {stall:g} s (stuck at {now})")


# ------------------------------------------------------------------------------------ private Prosody


@dataclass
class Server:
    """The run's private Prosody (started on first use, stopped by `__main__`)."""

    prosody: Any = None
    accounts: list[Any] = field(default_factory=list)

    def get(self) -> Any:
        if self.prosody is None:
            from tests.support.prosody import Prosody

            self.prosody = Prosody.start()
        return self.prosody

    def stop(self) -> None:
        if self.prosody is not None:
            self.prosody.stop()
            self.prosody = None


SERVER = Server()
