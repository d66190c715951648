"""Measurement apparatus for `--only wire`, not part of the app: an XmppSession run on a worker thread with its own
event loop, behind the same calls. Coroutine calls go to the worker's loop and are awaited from the UI's; plain
calls run on the worker and wait for it; events come back to the UI loop in batches. It is NOT thread-safe (the
UI reads the session's state while the worker changes it): good enough to time a flood, not to ship."""

from __future__ import annotations

import asyncio
import collections
import inspect
import threading
from collections.abc import Callable
from typing import Any


class ThreadedSession:
    def __init__(self, factory: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._session: Any = None
        self._thread = threading.Thread(target=self._run, args=(factory, args, kwargs), daemon=True,
                                        name="xmpptui-wire")
        self._thread.start()
        self._ready.wait()

    def _run(self, factory: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        loop = self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)

        async def build() -> Any:  # (slixmpp binds to the loop running when it is made)
            return factory(*args, **kwargs)

        self._session = loop.run_until_complete(build())
        self._ready.set()
        loop.run_forever()

    def _on_worker(self, call: Callable[[], Any]) -> Any:
        assert self._loop is not None
        if threading.current_thread() is self._thread:
            return call()
        done, box = threading.Event(), {}

        def run() -> None:
            try:
                box["value"] = call()
            except BaseException as exc:  # (handed back to the caller)
                box["error"] = exc
            done.set()

        self._loop.call_soon_threadsafe(run)
        done.wait()
        if "error" in box:
            raise box["error"]
        return box.get("value")

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._session, name)
        if inspect.iscoroutinefunction(value):
            async def call(*args: Any, **kwargs: Any) -> Any:
                assert self._loop is not None
                future = asyncio.run_coroutine_threadsafe(value(*args, **kwargs), self._loop)
                return await asyncio.wrap_future(future)
            return call
        if inspect.ismethod(value):
            return lambda *args, **kwargs: self._on_worker(lambda: value(*args, **kwargs))
        return value

    async def start(self, sink: Callable[[Any], None]) -> None:
        ui_loop = asyncio.get_running_loop()
        pending: collections.deque[Any] = collections.deque()
        scheduled = threading.Event()

        def deliver() -> None:
            scheduled.clear()
            while pending:
                sink(pending.popleft())

        def worker_sink(event: Any) -> None:
            pending.append(event)
            if not scheduled.is_set():
                scheduled.set()
                ui_loop.call_soon_threadsafe(deliver)

        assert self._loop is not None
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self._session.start(worker_sink), self._loop))

    async def stop(self) -> None:
        assert self._loop is not None
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self._session.stop(), self._loop))
        self._loop.call_soon_threadsafe(self._loop.stop)
