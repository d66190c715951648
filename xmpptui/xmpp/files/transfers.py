"""Transfers under way, one per conversation: each runs in a task of its own, so that the user's cancel stops it
without cancelling whoever waits for it, who is told in words instead."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class Transfers:
    def __init__(self) -> None:
        self._running: dict[str, asyncio.Task[Any]] = {}
        self._cancelled: set[str] = set()

    def __contains__(self, conversation: str) -> bool:
        return conversation in self._running

    def cancel(self, conversation: str) -> bool:
        """Stop the transfer of this conversation, if one is under way (its `run` raises `cancelled()`)."""
        task = self._running.get(conversation)
        if task is None or task.done():
            return False
        self._cancelled.add(conversation)
        task.cancel()
        return True

    def cancel_all(self) -> None:
        for conversation in list(self._running):
            self.cancel(conversation)

    async def run(self, conversation: str, work: Coroutine[Any, Any, T], cancelled: Callable[[], Exception]) -> T:
        """`work`'s result; `cancelled()` is raised when the user cancelled it. The caller's own cancellation
        cancels the work too, and goes on."""
        task = asyncio.get_running_loop().create_task(work)
        self._running[conversation] = task
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            task.cancel()
            if conversation in self._cancelled and task.cancelled():
                raise cancelled() from None
            raise
        finally:
            self._running.pop(conversation, None)
            self._cancelled.discard(conversation)
