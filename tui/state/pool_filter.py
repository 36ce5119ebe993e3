"""The pool screen's filter: it searches the whole pool, scanned once a page at a time.

Twilio has no server-side filter on PhoneNumbers, so the filter reads every number (the
scan), keeps the ones that match (found) and pages through them itself.
"""

from __future__ import annotations

from enum import Enum

from tui.core.phone import format_international
from tui.core.resources import PhoneNumber


def matches(number: PhoneNumber, needle: str) -> bool:
    """The filter's rule: number (typed in any formatting), friendly name or country."""
    if needle and all(ch.isdigit() or ch in "+-() ." for ch in needle):
        digits = "".join(ch for ch in needle if ch.isdigit())
        return bool(digits) and digits in number.phone_number
    low = needle.lower()
    return low in (number.friendly_name or "").lower() or low == (number.iso_country or "").lower() \
        or low in format_international(number.phone_number)


class Redraw(Enum):
    """What another batch of the scan asks of the screen."""

    NOTHING = "no filter shown"
    PAGER = "the counts changed, the page shown did not"
    PAGE = "the page of matches shown changed"


class PoolFilter:
    def __init__(self, page_size: int):
        self.page_size = page_size
        self.text = ""
        self.scan: list[PhoneNumber] | None = None  # the pool as read so far (None: no scan)
        self.scan_done = False
        self.found: list[PhoneNumber] = []  # the scan's numbers that match
        self.index = 0  # the page of matches shown

    @property
    def active(self) -> bool:
        return bool(self.text)

    def begin_scan(self) -> bool:
        """True when the pool must be scanned (the first filter since the last change)."""
        if self.scan is not None:
            return False
        self.scan, self.scan_done = [], False
        return True

    def refilter(self, keep_page: bool) -> None:
        self.found = [n for n in (self.scan or []) if matches(n, self.text)]
        if not keep_page:
            self.index = 0

    def page_count(self) -> int:
        return max(1, -(-len(self.found) // self.page_size))

    def has_page(self, index: int) -> bool:
        return 0 <= index < self.page_count()

    def turn_to(self, index: int) -> list[PhoneNumber]:
        """The matches on page `index` (which has_page), now the page shown."""
        self.index = index
        start = index * self.page_size
        return self.found[start:start + self.page_size]

    def scanned(self, numbers: list[PhoneNumber], done: bool) -> Redraw:
        """Another batch of the scan."""
        if self.scan is None:
            return Redraw.NOTHING  # the filter was cleared meanwhile
        self.scan.extend(numbers)
        self.scan_done = done
        if not self.active:
            return Redraw.NOTHING
        before = len(self.found)
        self.found = [n for n in self.scan if matches(n, self.text)]
        shown_full = before >= (self.index + 1) * self.page_size
        return Redraw.PAGE if not shown_full and len(self.found) != before else Redraw.PAGER

    def clear(self) -> None:
        self.text = ""
        self.scan, self.found, self.scan_done = None, [], False

    def stale(self) -> None:
        """The pool changed: a scan no filter shows is dropped (the next filter scans afresh)."""
        if not self.active:
            self.scan = None

    def added(self, number: PhoneNumber) -> bool:
        """A number joined the pool: into a finished scan; True when the matches must be recounted."""
        if self.scan is None or not self.scan_done:
            return False
        self.scan.append(number)
        return self.active

    def replace(self, number: PhoneNumber) -> None:
        for seq in (self.scan or [], self.found):
            for i, old in enumerate(seq):
                if old.sid == number.sid:
                    seq[i] = number

    def drop(self, sid: str) -> None:
        if self.scan is not None:
            self.scan[:] = [n for n in self.scan if n.sid != sid]
        self.found[:] = [n for n in self.found if n.sid != sid]

    def summary(self) -> str:
        """The pager's words for the filter: matches, the scan's progress, the page."""
        scanned = len(self.scan or [])
        state = "" if self.scan_done else f", searching… {scanned:,} scanned"
        count = len(self.found)
        return (f"Filter {self.text!r}: {count:,} match{'es' if count != 1 else ''}{state} · "
                f"page {self.index + 1} of {self.page_count()}")
