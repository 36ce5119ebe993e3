"""Numbers draining out of a pool: reserved, then removed once no active session holds them.

Each draining number has a poll handle (the screen's timer that asks for a read of it; None
until the number is reserved) and at most one read in flight.
"""

from __future__ import annotations

from typing import Any, Protocol


class PollHandle(Protocol):
    def stop(self) -> Any: ...


class Drains:
    def __init__(self) -> None:
        self.handles: dict[str, PollHandle | None] = {}  # sid -> its poll (None until it is reserved)
        self.polling: set[str] = set()  # sids with a read in flight

    def __contains__(self, sid: object) -> bool:
        return sid in self.handles

    def __len__(self) -> int:
        return len(self.handles)

    def start(self, sid: str) -> bool:
        """False when the number drains already."""
        if sid in self.handles:
            return False
        self.handles[sid] = None
        return True

    def stop(self, sid: str) -> None:
        handle = self.handles.pop(sid, None)
        if handle is not None:
            handle.stop()
        self.polling.discard(sid)

    def stop_all(self) -> int:
        """Stop every drain; how many there were."""
        count = len(self.handles)
        for sid in list(self.handles):
            self.stop(sid)
        return count

    def needs_handle(self, sid: str) -> bool:
        """Draining, reserved just now, and not polled yet."""
        return sid in self.handles and self.handles[sid] is None

    def set_handle(self, sid: str, handle: PollHandle) -> None:
        self.handles[sid] = handle

    def handle(self, sid: str) -> PollHandle | None:
        return self.handles.get(sid)

    def begin_poll(self, sid: str) -> bool:
        """True when a read of the number should go out now (draining, none in flight)."""
        if sid not in self.handles or sid in self.polling:
            return False
        self.polling.add(sid)
        return True

    def polled(self, sid: str) -> bool:
        """A read came back; False when the drain was cancelled meanwhile."""
        self.polling.discard(sid)
        return sid in self.handles
