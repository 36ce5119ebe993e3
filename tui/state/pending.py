"""Reservation changes shown at once and not yet saved (optimistic updates), per number."""

from __future__ import annotations

from dataclasses import replace

from tui.core.resources import PoolStats


class PendingReservations:
    def __init__(self) -> None:
        self._count: dict[str, int] = {}  # sid -> changes in flight (r pressed twice: 2)

    def __contains__(self, sid: object) -> bool:
        return sid in self._count

    def begin(self, sid: str) -> None:
        self._count[sid] = self._count.get(sid, 0) + 1

    def settle(self, sid: str) -> None:
        """One change was saved or refused."""
        left = self._count.get(sid, 0) - 1
        if left > 0:
            self._count[sid] = left
        else:
            self._count.pop(sid, None)


def stats_after(stats: PoolStats, was_reserved: bool, is_reserved: bool) -> PoolStats:
    """The pool's counts as they read once a reservation change is saved."""
    if was_reserved == is_reserved:
        return stats
    step = 1 if is_reserved else -1
    return replace(stats, reserved=stats.reserved + step, unreserved=stats.unreserved - step)
