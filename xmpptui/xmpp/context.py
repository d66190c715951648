"""What every service of the session shares, handed to each explicitly: the client, the state, the clock, the
event sink, background tasks, and the two ways a request fails (not online; refused or unanswered).

The façade (`session.py`) builds one `SessionContext` and gives it to each service with the collaborators that
service needs; no service reaches into another's attributes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from slixmpp import Iq
from slixmpp.exceptions import IqError, IqTimeout

from xmpptui.config import Account
from xmpptui.model.events import Event, Notice, Severity
from xmpptui.model.roster import Subscription
from xmpptui.model.state import ClientState, ConnectionState
from xmpptui.session import EventSink, NotConnected, SessionError
from xmpptui.xmpp.stanzas import translate
from xmpptui.xmpp.transport.client import Client
from xmpptui.xmpp.transport.http_trust import pinned_digest

log = logging.getLogger(__name__)


class NoticeThrottle:
    """At most `burst` notices of one kind per `window` seconds; the rest are counted into the next one."""

    def __init__(self, clock: Callable[[], float], burst: int = 3, window: float = 10.0) -> None:
        self._clock = clock
        self._burst = burst
        self._window = window
        self._sent: dict[str, list[float]] = {}
        self._held: dict[str, int] = {}

    def admit(self, kind: str, text: str) -> str | None:
        """The text to show now (with a count of what was held back), or None to hold it back."""
        now = self._clock()
        recent = [t for t in self._sent.get(kind, []) if now - t < self._window]
        if len(recent) >= self._burst:
            self._sent[kind] = recent
            self._held[kind] = self._held.get(kind, 0) + 1
            return None
        recent.append(now)
        self._sent[kind] = recent
        held = self._held.pop(kind, 0)
        return f"{text} (and {held} more like it)" if held else text


class SessionContext:
    """The session's shared surroundings. `client` is None until the session starts (one client per session,
    reconnecting in place); `sink` is the UI's, set on start."""

    def __init__(self, account: Account, state: ClientState, clock: Callable[[], float],
                 throttle_clock: Callable[[], float]) -> None:
        self.account = account
        self.state = state
        self.clock = clock
        self.client: Client | None = None
        self.sink: EventSink = lambda event: None
        self.stopping = False
        self.on_task_error: Callable[[BaseException], bool] = lambda exc: False
        """Given a background task's exception first: True when it handled it (the history's own failures)."""
        self._throttle = NoticeThrottle(throttle_clock)
        self._tasks: set[asyncio.Task[object]] = set()

    @property
    def timeout(self) -> float:
        return self.account.timeout

    @property
    def own_jid(self) -> str:
        return self.state.jid

    @property
    def pinned_certificate(self) -> bytes | None:
        """The SHA-256 of the certificate the user trusted for this account (trust on first use), if any: for
        HTTPS, a certificate no CA vouches for is trusted if it is exactly that one (`http_trust.get_trusted`)."""
        return pinned_digest(self.client.pinned if self.client is not None else None)

    def emit(self, event: Event) -> None:
        self.sink(event)

    def notice(self, kind: str, text: str, severity: Severity = Severity.INFO) -> None:
        """A notice that a remote party can trigger at will, throttled per kind."""
        log.info("%s", text)
        admitted = self._throttle.admit(kind, text)
        if admitted is not None:
            self.emit(Notice(admitted, severity))

    # Being online -------------------------------------------------------------------------------------------

    @property
    def online(self) -> bool:
        return self.client is not None and self.state.connection.state is ConnectionState.ONLINE

    def require_online(self, consequence: str = "") -> Client:
        """The client, if the session is online; else NotConnected (with what follows from it, if given)."""
        if not self.online:
            raise NotConnected(consequence) if consequence else NotConnected()
        assert self.client is not None
        return self.client

    async def request(self, iq: Iq, what: str, error: type[SessionError] = SessionError,
                      refusal: Callable[[Iq], str] = translate.error_text) -> Iq:
        """Send an iq and await its result; a refusal or silence raises `error` saying what failed and why
        (`refusal` puts an error answer in words)."""
        try:
            return await iq.send(timeout=self.timeout)
        except IqError as exc:
            raise error(f"{what} failed: {refusal(exc.iq)}") from None
        except IqTimeout:
            raise error(f"{what} failed: the server did not answer") from None

    # Who people are -----------------------------------------------------------------------------------------

    def display_name(self, bare_jid: str) -> str:
        contact = self.state.roster.get(bare_jid)
        return contact.display_name if contact is not None else bare_jid

    def may_report(self, bare_jid: str) -> bool:
        """Receipts, markers and chat states go only to contacts allowed to see our presence (who could learn
        as much from it anyway), and only if the user has not turned them off."""
        contact = self.state.roster.get(bare_jid)
        return (self.account.receipts and contact is not None
                and contact.subscription in (Subscription.FROM, Subscription.BOTH))

    # Background work ----------------------------------------------------------------------------------------

    def spawn(self, work: Coroutine[Any, Any, object], what: str = "the history") -> None:
        """Run `work` in the background; the session waits for it on stop, and a failure is said, not lost (`what`
        names what failed: most background work is history I/O)."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(lambda done: self._task_done(done, what))

    def _task_done(self, task: asyncio.Task[object], what: str) -> None:
        self._tasks.discard(task)
        if task.cancelled() or (exc := task.exception()) is None or self.on_task_error(exc):
            return
        log.error("background task (%s) failed: %r", what, exc)
        self.notice("task", f"{what} could not be read or written: {exc}" if what == "the history"
                    else f"{what} failed: {exc}", Severity.ERROR)

    async def settle(self) -> None:
        """Wait for the background work under way (on stop)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
