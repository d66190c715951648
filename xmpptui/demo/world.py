"""The demo world shared by `xmpptui --demo` and `scripts/screenshots`.

A private Prosody (prosody.py) in one temp dir, the account demo@localhost, a dozen contacts
in groups with mutual `both` subscriptions, some of them logged in with plain slixmpp (peer.py)
with assorted shows and status texts, and an "Echo Bot" that answers every chat message. The peers run on
their own asyncio loop in a background thread, so the caller's thread is free for xmpptui (a subprocess in
the demo, a Pilot-driven app in the screenshot script).

    with DemoWorld.start() as world:
        world.env()          # XMPPTUI_PASSWORD and XDG_* pointing into the temp dir
        world.app_command()  # xmpptui --jid demo@localhost --host ... --port ... --ca-file ...
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xmpptui.demo.peer import Peer
from xmpptui.demo.prosody import Account, Prosody, RosterSeed

DEMO_USER = "demo"
DEMO_NAME = "Demo User"
BOT_USER = "echo"


@dataclass(frozen=True)
class Contact:
    user: str
    name: str
    group: str
    show: str | None = None
    """None: offline. "online" (no <show/>), "chat", "away", "xa" or "dnd": logged in with that show."""
    status: str = ""


CONTACTS: tuple[Contact, ...] = (
    Contact("alice", "Alice Martin", "Friends", "chat", "Up for a coffee?"),
    Contact("bob", "Bob Nakamura", "Friends", "away", "At the gym"),
    Contact("chloe", "Chloé Dubois", "Friends", "online"),
    Contact("dan", "Dan O'Brien", "Friends"),
    Contact("priya", "Priya Raman", "Work", "dnd", "In a meeting until 15:00"),
    Contact("marcus", "Marcus Webb", "Work", "online", "Reviewing pull requests"),
    Contact("sofia", "Sofía García", "Work", "xa", "On holiday until Monday"),
    Contact("kenji", "Kenji Sato", "Work"),
    Contact("mum", "Mum", "Family", "away", "In the garden"),
    Contact("emma", "Emma Carter", "Family", "chat", "Movie night on Saturday?"),
    Contact("joe", "Grandpa Joe", "Family"),
    Contact("lucas", "Lucas Carter", "Family", "online", "Exams next week, wish me luck"),
    Contact(BOT_USER, "Echo Bot", "Bots", "chat", "I repeat everything you say"),
)

GREETER = "alice"
GREETING = "Hey! Are we still on for Friday? Say hi to Echo Bot, it answers everything."


class DemoWorld:
    """A running demo: Prosody, accounts, rosters and the logged-in peers. Use `DemoWorld.start()`."""

    def __init__(self, root: Path, greet: bool = True) -> None:
        self.root = root
        self.server: Prosody | None = None
        self.demo: Account | None = None
        self.accounts: dict[str, Account] = {}
        self.peers: dict[str, Peer] = {}
        self.echoed = 0
        """How many messages the Echo Bot has answered."""
        self._greet = greet
        self._greeted = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._log_handler: logging.Handler | None = None

    # Lifetime ---------------------------------------------------------------------------------

    @classmethod
    def start(cls, greet: bool = True, log: Callable[[str], None] = lambda _line: None) -> DemoWorld:
        """Start everything; on any failure, whatever was started is stopped again."""
        world = cls(Path(tempfile.mkdtemp(prefix="xmpptui-demo-")), greet)
        try:
            world._start(log)
        except BaseException:
            world.stop()
            raise
        return world

    def _start(self, log: Callable[[str], None]) -> None:
        root_logger = logging.getLogger()
        if not root_logger.handlers:
            # slixmpp's warnings would otherwise reach stderr, i.e. the middle of the TUI.
            self._log_handler = logging.FileHandler(self.root / "demo.log")
            self._log_handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
            root_logger.addHandler(self._log_handler)
            root_logger.setLevel(logging.INFO)
        log(f"starting a private Prosody in {self.root}")
        self.server = Prosody.start(self.root / "prosody")
        log(f"registering {DEMO_USER}@localhost and {len(CONTACTS)} contacts")
        self.demo = self.server.register(DEMO_USER)
        for contact in CONTACTS:
            self.accounts[contact.user] = self.server.register(contact.user)
        self.server.seed_roster(self.demo, [RosterSeed(self.accounts[c.user].jid, c.name, (c.group,))
                                            for c in CONTACTS])
        for contact in CONTACTS:
            self.server.seed_roster(self.accounts[contact.user],
                                    [RosterSeed(self.demo.jid, DEMO_NAME, ("Friends",))])
        online = [c for c in CONTACTS if c.show is not None]
        log(f"logging in {len(online)} contacts, Echo Bot among them")
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run_loop, name="demo-peers", daemon=True)
        self._thread.start()
        self.call(self._connect_all(online), timeout=60)

    def _run_loop(self) -> None:
        assert self._loop is not None
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_forever()
        finally:
            pending = asyncio.all_tasks(self._loop)
            for task in pending:
                task.cancel()
            self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self._loop.close()

    def call(self, coro: Coroutine[Any, Any, Any], timeout: float = 15) -> Any:
        """Run a coroutine on the peers' loop and wait for its result."""
        assert self._loop is not None
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout)
        except (concurrent.futures.TimeoutError, KeyboardInterrupt):
            future.cancel()
            raise

    def stop(self, keep_files: bool = False) -> None:
        """Log the peers out, stop the loop and Prosody, remove the temp dir (unless `keep_files`).
        Safe to call twice."""
        if self._loop is not None and self._thread is not None and self._thread.is_alive():
            with contextlib.suppress(BaseException):  # stopping must go on whatever happened
                self.call(self._disconnect_all(), timeout=5)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
        self._thread = None
        self._loop = None
        self.peers.clear()
        if self.server is not None:
            self.server.stop()
            self.server = None
        if self._log_handler is not None:
            logging.getLogger().removeHandler(self._log_handler)
            self._log_handler.close()
            self._log_handler = None
        if not keep_files:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> DemoWorld:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # Peers (these run on the peers' loop) -----------------------------------------------------

    async def _connect_all(self, contacts: list[Contact]) -> None:
        await asyncio.gather(*(self._connect(contact) for contact in contacts))

    async def _connect(self, contact: Contact) -> None:
        assert self.server is not None
        peer = Peer(self.server, self.accounts[contact.user], resource="demo")
        # Peer queues every stanza for tests; the demo runs for hours, so keep nothing.
        peer.client.del_event_handler("message", peer.messages.put_nowait)
        peer.client.del_event_handler("message_error", peer.messages.put_nowait)
        peer.client.del_event_handler("presence", peer.presences.put_nowait)
        if contact.user == BOT_USER:
            peer.client.add_event_handler("message", lambda msg: self._echo(peer, msg))
        if contact.user == GREETER and self._greet:
            peer.client.add_event_handler("presence_available", lambda pres: self._maybe_greet(peer, pres))
        presence: dict[str, str] = {}
        if contact.show not in (None, "online"):
            presence["pshow"] = contact.show
        if contact.status:
            presence["pstatus"] = contact.status
        await peer.connect(**presence)
        self.peers[contact.user] = peer

    def _echo(self, bot: Peer, message: Any) -> None:
        """Answer every chat (or normal) message with its own text, in the same thread."""
        if message["type"] not in ("chat", "normal") or not message["body"]:
            return
        if message["from"].bare == bot.account.jid:
            return
        reply = bot.client.make_message(mto=message["from"], mbody=message["body"], mtype="chat")
        if message["thread"]:
            reply["thread"] = message["thread"]
        reply.send()
        self.echoed += 1

    def _maybe_greet(self, peer: Peer, presence: Any) -> None:
        if self._greeted or self.demo is None or presence["from"].bare != self.demo.jid:
            return
        self._greeted = True
        peer.client.send_message(mto=self.demo.jid, mbody=GREETING, mtype="chat")

    async def _disconnect_all(self) -> None:
        await asyncio.gather(*(peer.disconnect() for peer in self.peers.values()), return_exceptions=True)

    # For the caller ---------------------------------------------------------------------------

    def say(self, user: str, body: str) -> None:
        """Have a logged-in contact send the demo account a chat message."""
        peer = self.peers[user]
        assert self.demo is not None and self._loop is not None
        self._loop.call_soon_threadsafe(
            lambda: peer.client.send_message(mto=self.demo.jid, mbody=body, mtype="chat"))

    def jid(self, user: str) -> str:
        return self.accounts[user].jid

    @property
    def home(self) -> Path:
        """XDG_CONFIG_HOME/XDG_DATA_HOME/XDG_STATE_HOME/XDG_CACHE_HOME live under here."""
        return self.root / "home"

    def xdg_env(self) -> dict[str, str]:
        return {name: str(self.home / sub) for name, sub in (
            ("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"), ("XDG_STATE_HOME", "state"),
            ("XDG_CACHE_HOME", "cache"))}

    def env(self) -> dict[str, str]:
        """The environment for running xmpptui as the demo account, away from the user's own files."""
        assert self.demo is not None
        # The child imports the very xmpptui this runs (a pipx venv's, a checkout's): its directory first on the
        # path, and `-P` in app_command keeps the current directory (perhaps another checkout) off it.
        package_root = str(Path(__file__).resolve().parents[2])
        python_path = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
        return {**os.environ, **self.xdg_env(), "XMPPTUI_PASSWORD": self.demo.password, "PYTHONPATH": python_path}

    def app_command(self, *extra: str) -> list[str]:
        """xmpptui run by this very interpreter: the one whose environment has slixmpp and this package
        (a pipx venv, a checkout), never whichever `xmpptui` or `python3` comes first on PATH."""
        assert self.server is not None and self.demo is not None
        return [sys.executable, "-P", "-m", "xmpptui", "--jid", self.demo.jid, "--host", self.server.host,
                "--port", str(self.server.c2s_port), "--ca-file", str(self.server.ca_file), *extra]
