"""Measurement apparatus for `--only wire`, not part of the app: an XmppSession run in a child process
(`python -m benchmarks.process_session`, its own interpreter, event loop and History on its own SQLite file),
behind the same calls, so that parsing a flood runs on the other core.

The pipe: frames of a 4-byte big-endian length and a pickle, both ways (the child's stdin and stdout; its
stderr is the parent's). The child batches the session's events (everything emitted before its loop turns
again, one frame) and sends with them what the parent needs to mirror the state they describe. The parent
reads the pipe on the UI loop (`ProcessSession._read_pipe`, what `benchmarks.wire` times as "pipe"), applies
the frame to a local `ClientState` and hands the events to the UI's sink.

The mirror is good enough to time a flood, not to ship. It follows:
- connection, own presence, resource, roster, presence book, subscription requests, block list and rooms:
  copied whole from the child with any batch holding an event other than a message or unread count (the
  objects the UI holds keep their identity: their attributes are replaced);
- conversations: opened (with the messages held then), closed, messages added at the end, unread counts.
It does not follow: messages updated (receipts, corrections, reactions), messages inserted from an archive or
older pages loaded, mentions, chat states, or the storage cursor of older history.

Calls: a coroutine call goes to the child and its outcome (value or error) comes back. A plain call that
returns nothing (open_conversation, mark_read, typing, ...) is sent without waiting. The rest are stubbed:
`cancel_upload` and `cancel_download` say False, `stanzas_since` says []. A call given a held `ChatMessage`
(react, retract, ...) gets a copy in the child, not the object it holds: not meaningful here, and no flood
round makes one."""

from __future__ import annotations

import asyncio
import inspect
import os
import pickle
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from xmpptui.model import events as ev
from xmpptui.model.state import ClientState

_HEADER = struct.Struct(">I")
_READ_SIZE = 256 * 1024
_CHEAP = (ev.MessageAdded, ev.UnreadChanged, ev.ChatStateChanged, ev.MessageUpdated)
"""Events that carry what the mirror needs (or that it does not follow): no state copy comes with them."""
_SHARED = ("roster", "presence", "requests", "rooms")
"""State the UI holds by reference: the mirror keeps these objects and replaces what they hold."""
_VALUES = ("resource", "own_presence", "connection")
_STUBBED: dict[str, Any] = {"cancel_upload": False, "cancel_download": False, "stanzas_since": []}


def _frame(payload: Any) -> bytes:
    data = pickle.dumps(payload, pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(data)) + data


def _state_copy(state: ClientState) -> dict[str, Any]:
    copy = {name: getattr(state, name) for name in (*_VALUES, *_SHARED)}
    copy["blocked"] = set(state.blocked)
    return copy


def _conversation_copy(state: ClientState, jid: str) -> dict[str, Any] | None:
    """A conversation as it is when it is announced (its later messages come as events)."""
    conversation = state.conversations.get(jid)
    if conversation is None:
        return None
    return {"kind": conversation.kind, "messages": list(conversation.messages), "unread": conversation.unread,
            "thread": conversation.thread, "reply_to": conversation.reply_to,
            "history_loaded": conversation.history_loaded}


class ProcessSession:
    """The parent's side: the session the UI sees."""

    def __init__(self, account: Any, password: Any, history_path: Path) -> None:
        from xmpptui.xmpp.session import XmppSession  # (only to know which calls are coroutines)

        self._kind = XmppSession
        self.state = ClientState(jid=account.bare_jid.lower(), resource=account.resource)
        self.context = SimpleNamespace(sink=lambda event: None)
        """As the real session's: `context.sink` receives every event (the burst round wraps it)."""
        repo = Path(__file__).resolve().parent.parent
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (str(repo), os.environ.get("PYTHONPATH"))))}
        self._child = subprocess.Popen([sys.executable, "-m", "benchmarks.process_session"], cwd=str(repo),
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        assert self._child.stdin is not None and self._child.stdout is not None
        self._to_child = self._child.stdin
        self._from_child = self._child.stdout.fileno()
        self._buffer = bytearray()
        self._calls: dict[int, asyncio.Future[Any]] = {}
        self._next_call = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self.frames = 0
        self.child_cpu = 0.0
        """CPU seconds the child used (user and system), read when it is stopped."""
        self.child_peak_rss = 0
        """The child's peak resident memory in bytes (VmHWM), read when it is stopped."""
        self._send(("init", account, password.reveal(), str(history_path)))

    def _send(self, payload: Any) -> None:
        self._to_child.write(_frame(payload))  # (small frames on a pipe the child always reads)
        self._to_child.flush()

    def _call(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], *, reply: bool) -> int:
        self._next_call += 1
        self._send(("call", self._next_call if reply else 0, name, args, kwargs))
        return self._next_call

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        method = getattr(self._kind, name)
        if name in _STUBBED:
            return lambda *args, **kwargs: _STUBBED[name]
        if inspect.iscoroutinefunction(method):
            async def call(*args: Any, **kwargs: Any) -> Any:
                future = asyncio.get_running_loop().create_future()
                self._calls[self._call(name, args, kwargs, reply=True)] = future
                return await future
            return call
        return lambda *args, **kwargs: self._call(name, args, kwargs, reply=False) and None

    async def start(self, sink: Callable[[Any], None]) -> None:
        self.context.sink = sink
        self._loop = asyncio.get_running_loop()
        os.set_blocking(self._from_child, False)
        self._loop.add_reader(self._from_child, self._read_pipe)
        await self.__getattr__("start")()

    async def stop(self) -> None:
        if self._child.poll() is None:
            try:
                await asyncio.wait_for(self.__getattr__("stop")(), 15)
            finally:
                self.child_cpu = self._cpu_of_child()
                self.child_peak_rss = self._peak_rss_of_child()
                self._send(("exit",))
                deadline = time.monotonic() + 10
                while self._child.poll() is None and time.monotonic() < deadline:
                    await asyncio.sleep(0.05)
                if self._child.poll() is None:
                    self._child.kill()
                    self._child.wait()
        if self._loop is not None:
            self._loop.remove_reader(self._from_child)
        self._to_child.close()
        self._child.stdout.close()  # type: ignore[union-attr]

    def _cpu_of_child(self) -> float:
        fields = Path(f"/proc/{self._child.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # (utime, stime: fields 14, 15)

    def _peak_rss_of_child(self) -> int:
        status = Path(f"/proc/{self._child.pid}/status").read_text()
        return next(int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmHWM:"))

    # The UI loop's share ------------------------------------------------------------------------------

    def _read_pipe(self) -> None:
        """What the pipe costs the UI loop: read what is there, unpickle whole frames, apply them to the
        mirror (timed as one by `benchmarks.wire`); then the events go to the sink."""
        delivered: list[Any] = []
        while True:
            try:
                chunk = os.read(self._from_child, _READ_SIZE)
            except BlockingIOError:
                break
            if not chunk:  # (the child is gone: no call of ours will be answered)
                assert self._loop is not None
                self._loop.remove_reader(self._from_child)
                for future in self._calls.values():
                    if not future.done():
                        future.set_exception(RuntimeError("the session's process ended"))
                self._calls.clear()
                break
            self._buffer += chunk
            if len(chunk) < _READ_SIZE:
                break
        while len(self._buffer) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(self._buffer)
            if len(self._buffer) < _HEADER.size + size:
                break
            payload = pickle.loads(memoryview(self._buffer)[_HEADER.size:_HEADER.size + size])
            del self._buffer[:_HEADER.size + size]
            self.frames += 1
            if payload[0] == "events":
                self._mirror(payload[1], payload[2], payload[3])
                delivered += payload[1]
            else:
                _, call, value, error = payload
                future = self._calls.pop(call, None)
                if future is not None and not future.done():
                    if error is None:
                        future.set_result(value)
                    else:
                        future.set_exception(error)
        for event in delivered:
            self.context.sink(event)

    def _mirror(self, events: list[Any], copy: dict[str, Any] | None, opened: dict[str, dict[str, Any]]) -> None:
        state = self.state
        if copy is not None:
            for name in _VALUES:
                setattr(state, name, copy[name])
            for name in _SHARED:
                vars(getattr(state, name)).update(vars(copy[name]))
            state.blocked.clear()
            state.blocked.update(copy["blocked"])
        shipped: set[int] = set()
        for event in events:
            match event:
                case ev.ConversationOpened(jid=jid) if jid in opened:
                    fields = opened[jid]
                    conversation, created = state.conversations.open(jid, fields["kind"])
                    if created:
                        conversation.prepend(fields["messages"])
                        shipped.update(id(message) for message in fields["messages"])
                        conversation.unread, conversation.thread = fields["unread"], fields["thread"]
                        conversation.history_loaded = fields["history_loaded"]
                    conversation.reply_to = fields["reply_to"]
                case ev.ConversationClosed(jid=jid):
                    state.conversations.close(jid)
                case ev.MessageAdded(message=message) if id(message) not in shipped:
                    conversation = state.conversations.get(message.conversation)
                    if conversation is not None:
                        conversation.add(message)
                case ev.UnreadChanged(jid=jid, unread=unread):
                    conversation = state.conversations.get(jid)
                    if conversation is not None:
                        conversation.unread = unread


# The child ---------------------------------------------------------------------------------------------


class _Child:
    """The real session on the child's own loop; events out in batches, calls in."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self._writer = writer
        self._session: Any = None
        self._history: Any = None
        self._pending: list[tuple[Any, Any]] = []
        self._tasks: set[asyncio.Task[Any]] = set()

    def build(self, account: Any, password: str, history_path: str) -> None:
        from xmpptui.passwords import Secret
        from xmpptui.storage.history import History
        from xmpptui.xmpp.session import XmppSession

        self._history = History(Path(history_path))
        self._session = XmppSession(account, Secret(password), history=self._history)

    def _sink(self, event: Any) -> None:
        # (taken when emitted: the state is as the event says, later events bring the rest)
        extra = _conversation_copy(self._session.state, event.jid) if isinstance(event, ev.ConversationOpened) \
            else None
        if not self._pending:
            asyncio.get_running_loop().call_soon(self._flush)
        self._pending.append((event, extra))

    def _flush(self) -> None:
        pending, self._pending = self._pending, []
        events = [event for event, _ in pending]
        opened = {event.jid: extra for event, extra in pending if extra is not None}
        copy = None if all(isinstance(event, _CHEAP) for event in events) else _state_copy(self._session.state)
        self._writer.write(_frame(("events", events, copy, opened)))

    def call(self, number: int, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        if name == "start":
            args = (self._sink,)
        try:
            result = getattr(self._session, name)(*args, **kwargs)
        except Exception as exc:
            self._reply(number, None, exc)
            return
        if inspect.isawaitable(result):
            task = asyncio.ensure_future(self._awaited(number, result))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        else:
            self._reply(number, result, None)

    async def _awaited(self, number: int, awaitable: Any) -> None:
        try:
            value, error = await awaitable, None
        except Exception as exc:
            value, error = None, exc
        self._reply(number, value, error)

    def _reply(self, number: int, value: Any, error: BaseException | None) -> None:
        if not number:
            return
        try:
            frame = _frame(("reply", number, value, error))
        except Exception as exc:  # (an outcome that does not pickle still ends the caller's wait)
            frame = _frame(("reply", number, None, RuntimeError(f"{type(exc).__name__}: {exc}")))
        self._writer.write(frame)

    def close(self) -> None:
        if self._history is not None:
            self._history.shutdown()


async def _child_main() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**26)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin.buffer)
    transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, sys.stdout.buffer)
    writer = asyncio.StreamWriter(transport, protocol, None, loop)
    child = _Child(writer)
    try:
        while True:
            try:
                (size,) = _HEADER.unpack(await reader.readexactly(_HEADER.size))
            except asyncio.IncompleteReadError:
                return  # (the parent is gone)
            message = pickle.loads(await reader.readexactly(size))
            if message[0] == "init":
                child.build(*message[1:])
            elif message[0] == "call":
                child.call(*message[1:])
            else:
                await writer.drain()
                return
    finally:
        child.close()


if __name__ == "__main__":
    asyncio.run(_child_main())
