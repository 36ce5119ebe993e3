"""What the user is told while the live backend sends requests again (429, 503, a lost
connection): the first retry at once, then at most one notice every few seconds, counting the
rest, so a burst of rate-limited count requests is one message rather than a wall of toasts."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

QUIET = 3.0  # seconds between two notices


class RetryNotices:
    def __init__(self, clock: Callable[[], float] = time.monotonic, quiet: float = QUIET):
        self._clock, self.quiet = clock, quiet
        self._last = -math.inf
        self._held = 0  # retries since the last notice, not yet told

    def add(self, retrying: Any) -> str | None:
        """The notice to show for this retry (a transport's Retrying: its .text), or None while quiet."""
        now = self._clock()
        if now - self._last < self.quiet:
            self._held += 1
            return None
        text = retrying.text
        if self._held:
            text += f"\n({self._held} other request{'s' if self._held != 1 else ''} retried since the last notice)"
        self._last, self._held = now, 0
        return text
