"""Reads started a moment before the worker that wants them: the Services list as the live app
launches, a pool's first page the moment `enter` opens it, each one round trip sooner than if
it waited for its screen to mount. Each is taken once; whatever is never taken is cancelled
when the app ends, and a failure nobody took is not reported twice (the worker reads again)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any


def _quiet(task: asyncio.Future) -> None:
    if not task.cancelled():
        task.exception()  # retrieved: an untaken failure is no "exception never retrieved"


class Prefetch:
    def __init__(self) -> None:
        self._tasks: dict[Hashable, asyncio.Future] = {}

    def start(self, key: Hashable, read: Callable[[], Awaitable[Any]]) -> None:
        """Start `read()` now; an earlier one for `key` that nobody took is stale and cancelled."""
        stale = self._tasks.pop(key, None)
        if stale is not None:
            stale.cancel()
        task = asyncio.ensure_future(read())
        task.add_done_callback(_quiet)
        self._tasks[key] = task

    def take(self, key: Hashable) -> asyncio.Future | None:
        """The read started for `key` (it may still be under way), once; None if none was."""
        return self._tasks.pop(key, None)

    def cancel_all(self) -> None:
        for task in self._tasks.values():
            task.cancel()
        self._tasks.clear()

    def __len__(self) -> int:
        return len(self._tasks)
