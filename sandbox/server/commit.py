"""The sandbox's one worker thread, committing in groups.

Every call the server makes on the sandbox runs here, one at a time (the account is single-threaded).
The calls that queue while one runs are run after it, one after another, then the journal is fsync'd
once for all of them (SandboxBackend.sync), and only then is each answered: a change is durable
before its answer leaves, and concurrent requests share an fsync instead of queueing on one each.
A failed fsync undoes the group's changes (memory is read again from what is durable) and answers
each call of the group with that error.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from typing import Any

from sandbox.backend import SandboxBackend

MAX_GROUP = 64  # calls answered after one fsync at most (bounds how long the first waits for the rest)
IDLE_SECONDS = 10.0  # the worker thread ends after this long without a call (the next call starts one)

_Call = tuple[asyncio.AbstractEventLoop, asyncio.Future, Callable[..., Any], tuple[Any, ...]]


def _settle(future: asyncio.Future, ok: bool, value: Any) -> None:
    if future.cancelled():
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)


class GroupCommit:
    def __init__(self, backend: SandboxBackend):
        self.backend = backend
        backend.commit_in_groups()
        self._calls: queue.SimpleQueue[_Call] = queue.SimpleQueue()
        self._guard = threading.Lock()  # whether a worker thread runs: decided under it
        self._alive = False

    def run(self, fn: Callable[..., Any], *args: Any) -> asyncio.Future:
        """fn(*args) in the worker; the future is done once its change (if any) is durable."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._calls.put((loop, future, fn, args))
        with self._guard:
            if not self._alive:
                self._alive = True
                threading.Thread(target=self._serve, name="sandbox-calls", daemon=True).start()
        return future

    def _next(self) -> _Call | None:
        """The next call; None once the queue stayed empty IDLE_SECONDS (the thread then ends)."""
        while True:
            try:
                return self._calls.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                with self._guard:
                    if self._calls.empty():
                        self._alive = False
                        return None

    @staticmethod
    def _one(call: _Call) -> tuple[bool, Any]:
        try:
            return True, call[2](*call[3])
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, who answers it
            return False, exc

    def _serve(self) -> None:
        while (first := self._next()) is not None:
            group = [first]
            outcomes = [self._one(group[0])]
            while len(group) < MAX_GROUP:
                try:
                    group.append(self._calls.get_nowait())
                except queue.Empty:
                    break
                outcomes.append(self._one(group[-1]))
            try:
                self.backend.sync()
            except BaseException as exc:  # noqa: BLE001 - none of the group's changes is durable: each is answered so
                outcomes = [(False, exc)] * len(group)
            for (loop, future, _, _), (ok, value) in zip(group, outcomes, strict=True):
                loop.call_soon_threadsafe(_settle, future, ok, value)
