"""The whole pool of the open Service, as the pool screen shows it: every number in memory, and
paging, sorting and filtering over all of it (Twilio's PhoneNumbers list has none of them).

The pool streams in (the sandbox at once, live at Twilio's pace, 100 a request); the first page
is usable as soon as it arrives. A refresh reads the pool again into a buffer and swaps it in
whole once read, so the rows on screen never shrink to the first page meanwhile; a change made
in the app while a read is under way wins over what that read brings.

Rows keep their place when a number changes (a reservation, in_use): the order and the filter
are worked out again when the sort, the filter or the pool's contents from a read change,
never under the cursor because of a key the user pressed on that row.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from enum import Enum

from tui.core.resources import PhoneNumber, PoolStats
from tui.state.pool_query import Query, Sort, sorted_numbers


class Move(Enum):
    """What turning to a page did."""

    SHOWN = "the page is shown"
    BEFORE_FIRST = "there is no page before the first"
    AFTER_LAST = "there is no page after the last"
    WAITING = "the page has not arrived yet: shown when it does"


class PoolView:
    def __init__(self, page_size: int, marked: Collection[str] = (), draining: Collection[str] = ()):
        self.page_size = page_size
        self.marked = marked  # for the "marked" and "draining" filters
        self.draining = draining
        self.numbers: list[PhoneNumber] = []  # the pool, in the backend's order
        self.generation = 0  # a read's chunks carry it; a later read's make older ones stale
        self.done = False  # the current read has ended (complete, or failed: see failed)
        self.failed_read = False
        self.buffer: list[PhoneNumber] | None = None  # a refresh's read, swapped in once complete
        self.changed: dict[str, PhoneNumber | None] = {}  # made in the app during a read (None: removed)
        self.sort: Sort | None = None
        self.query = Query()
        self.page = 0  # the page shown (may be beyond what has loaded while the pool streams in)
        self.want_last = False  # the last page was asked for before the read ended
        self._shown: list[PhoneNumber] | None = None

    # -- reading the pool -----------------------------------------------------------------------

    def begin(self) -> int:
        """A new read of the pool; its generation (the tag of its chunks)."""
        self.generation += 1
        self.done = self.failed_read = False
        self.changed.clear()
        self.buffer = [] if self.numbers else None
        return self.generation

    @property
    def streaming(self) -> bool:
        """The pool is arriving into the view itself (the first read): rows grow as it comes."""
        return not self.done and self.buffer is None

    @property
    def refreshing(self) -> bool:
        return not self.done and self.buffer is not None

    @property
    def read_so_far(self) -> int:
        return len(self.numbers) if self.buffer is None else len(self.buffer)

    def arrived(self, generation: int, numbers: list[PhoneNumber], done: bool) -> bool:
        """Another chunk of a read; True when what is shown may have changed."""
        if generation != self.generation or self.done:
            return False
        target = self.numbers if self.buffer is None else self.buffer
        target.extend(self._with_changes(numbers))
        self.done = done
        if self.buffer is not None:
            if not done:
                return False
            self.numbers, self.buffer = self.buffer, None
        if done:
            self._add_missing_changes()
            self.changed.clear()
        self._shown = None
        if done:
            self.settle_page()
        return True

    def failed(self, generation: int) -> bool:
        """The read stopped; what has arrived stays (a refresh's buffer is dropped). False when stale."""
        if generation != self.generation or self.done:
            return False
        self.done = self.failed_read = True
        self.buffer = None
        self.changed.clear()
        self._shown = None
        self.settle_page()
        return True

    def _with_changes(self, numbers: list[PhoneNumber]) -> list[PhoneNumber]:
        if not self.changed:
            return numbers
        out = []
        for n in numbers:
            if n.sid in self.changed:
                n = self.changed.pop(n.sid)
                if n is None:
                    continue
            out.append(n)
        return out

    def _add_missing_changes(self) -> None:
        """Numbers added in the app during the read that the read did not bring."""
        present = {n.sid for n in self.numbers} if self.changed else set()
        for sid, n in self.changed.items():
            if n is not None and sid not in present:
                self.numbers.append(n)

    # -- changes made in the app --------------------------------------------------------------------

    def replace(self, number: PhoneNumber) -> None:
        """A number changed: it keeps its place (rows never move under the cursor)."""
        for seq in (self.numbers, self._shown, self.buffer):
            if seq:
                for i, old in enumerate(seq):
                    if old.sid == number.sid:
                        seq[i] = number
                        break
        if not self.done:
            self.changed[number.sid] = number

    def replace_many(self, numbers: Iterable[PhoneNumber]) -> None:
        by_sid = {n.sid: n for n in numbers}
        if not by_sid:
            return
        for seq in (self.numbers, self._shown, self.buffer):
            if seq:
                seq[:] = [by_sid.get(n.sid, n) for n in seq]
        if not self.done:
            self.changed.update(by_sid)

    def drop_many(self, sids: Iterable[str]) -> None:
        gone = set(sids)
        if not gone:
            return
        for seq in (self.numbers, self._shown, self.buffer):
            if seq:
                seq[:] = [n for n in seq if n.sid not in gone]
        if not self.done:
            self.changed.update(dict.fromkeys(gone))
        self.settle_page()

    def drop(self, sid: str) -> None:
        self.drop_many((sid,))

    def add(self, number: PhoneNumber) -> None:
        """A number joined the pool: last in the pool's order, and in the rows shown if it matches."""
        if any(n.sid == number.sid for n in self.numbers):
            self.replace(number)
            return
        self.numbers.append(number)
        if self._shown is not None and self.query.matcher(self.marked, self.draining)(number):
            self._shown.append(number)
        if not self.done:
            self.changed[number.sid] = number

    # -- sort and filter --------------------------------------------------------------------------------

    def set_sort(self, sort: Sort | None) -> None:
        self.sort = sort
        self._shown = None

    def set_query(self, query: Query) -> None:
        self.query = query
        self._shown = None
        self.page = 0

    def reorder(self) -> None:
        """Work out the order and the filter again (after marks changed under a "marked" filter)."""
        self._shown = None

    def shown(self) -> list[PhoneNumber]:
        """Every number the filter lets through, in the sort's order (all pages)."""
        if self._shown is None:
            numbers: Iterable[PhoneNumber] = self.numbers
            if self.query.active:
                numbers = filter(self.query.matcher(self.marked, self.draining), numbers)
            self._shown = sorted_numbers(numbers, self.sort)
        return self._shown

    # -- paging ------------------------------------------------------------------------------------------

    def page_count(self) -> int:
        return max(1, -(-len(self.shown()) // self.page_size))

    def rows(self) -> list[PhoneNumber]:
        """The numbers of the page shown ([] while that page has not arrived)."""
        start = self.page * self.page_size
        return self.shown()[start:start + self.page_size]

    def page_ready(self) -> bool:
        """The page shown is complete, or as complete as it will get."""
        return self.done or len(self.shown()) >= (self.page + 1) * self.page_size

    def turn_to(self, page: int) -> Move:
        if page < 0:
            return Move.BEFORE_FIRST
        self.want_last = False
        if page >= self.page_count():
            if self.done:
                return Move.AFTER_LAST
            self.page = page  # keys pressed while the pool streams in are kept, not dropped
            return Move.WAITING
        self.page = page
        return Move.SHOWN

    def turn_to_last(self) -> Move:
        """The last page: now, or (while the pool streams in) as soon as the read ends."""
        if self.done:
            self.page = self.page_count() - 1
            return Move.SHOWN
        self.want_last = True
        return Move.WAITING

    def settle_page(self) -> None:
        """Once the read is over, a page asked for beyond the last (or the last itself) is the last."""
        if self.done:
            last = self.page_count() - 1
            self.page = last if self.want_last else min(self.page, last)
            self.want_last = False

    def first_position(self) -> int:
        return self.page * self.page_size + 1

    def locate(self, sid: str) -> tuple[int, int] | None:
        """(page, row) of a shown number."""
        for i, n in enumerate(self.shown()):
            if n.sid == sid:
                return divmod(i, self.page_size)
        return None

    def find(self, needle: str) -> PhoneNumber | None:
        """The pool's number that `needle` names: its SID (any case; a unique start will do) or its
        number in any formatting (the whole number, or its last digits when only one ends so)."""
        text = needle.strip()
        if not text:
            return None
        low = text.lower()
        if low.startswith("pn"):
            exact = [n for n in self.numbers if n.sid.lower() == low]
            starts = exact or [n for n in self.numbers if n.sid.lower().startswith(low)]
            return starts[0] if len(starts) == 1 else None
        digits = "".join(ch for ch in text if ch.isdigit())
        if not digits or not all(ch.isdigit() or ch in "+-() ." for ch in text):
            return None
        exact = [n for n in self.numbers if n.phone_number.lstrip("+") == digits]
        ends = exact or [n for n in self.numbers if n.phone_number.endswith(digits)]
        return ends[0] if len(ends) == 1 else None

    # -- counts -------------------------------------------------------------------------------------------

    def counts(self, service_sid: str) -> PoolStats:
        """The pool's counts as the view holds them (whole once the read is done)."""
        reserved = busy = 0
        for n in self.numbers:
            reserved += n.is_reserved
            busy += n.in_use > 0
        return PoolStats(service_sid, reserved=reserved, unreserved=len(self.numbers) - reserved,
                         in_use_numbers=busy)
