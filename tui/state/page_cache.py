"""A pool's server pages, cached by position with the token that fetches each.

Twilio's pages are reached by following tokens: page i+1's token is known once page i has
loaded. The cache remembers every page it has, every token it knows, which pages are in
flight, which one the screen waits to show, and a generation: a change to the pool drops
the pages (the tokens stay valid) and a reply asked for before it is ignored.
"""

from __future__ import annotations

from enum import Enum

from tui.core.resources import PhoneNumber


class Where(Enum):
    """Where a page is, for the screen that wants to show it."""

    BEFORE_FIRST = "before the first page"
    AFTER_LAST = "after the last page"
    CACHED = "cached: show it now"
    FETCH = "its token is known: fetch it"
    UNKNOWN = "not reachable yet (the page before it has not loaded)"


class Arrival(Enum):
    """What a loaded page means to the screen."""

    STORED = "kept for later (a prefetch, or a page nobody waits for)"
    SHOW = "the page the screen waits for: show it"
    GONE = "the pool shrank under it: it no longer exists"
    GONE_WHILE_WAITING = "it no longer exists and the screen waited for it: show the one before"


class PageCache:
    def __init__(self, page_size: int):
        self.pages: dict[int, list[PhoneNumber]] = {}  # index -> its numbers
        self.tokens: dict[int, str | None] = {0: None}  # index -> the token that fetches it
        self.last_index: int | None = None  # known once a page came without a next token
        self.in_flight: set[int] = set()
        self.generation = 0  # a reply tagged with an older generation is dropped
        self.index = 0  # the page shown
        self.waiting_for: int | None = 0  # the page the screen shows as soon as it arrives
        self.cursor_on_show: int | str = "top"  # where the cursor goes then: "top", "bottom" or a row
        self.stride = page_size  # numbers a page, as the server pages (page 0 tells)

    # -- asking for pages ---------------------------------------------------------------------

    def start(self, index: int) -> bool:
        """Note `index` as asked for; False when it is in flight already or its token is unknown."""
        if index in self.in_flight or index not in self.tokens:
            return False
        self.in_flight.add(index)
        return True

    def token(self, index: int) -> str | None:
        return self.tokens[index]

    def prefetch_index(self) -> int | None:
        """The page after the one shown, when its token is known and it is not cached."""
        following = self.index + 1
        return following if following in self.tokens and following not in self.pages else None

    def locate(self, index: int) -> Where:
        if index < 0:
            return Where.BEFORE_FIRST
        if self.last_index is not None and index > self.last_index:
            return Where.AFTER_LAST
        if index in self.pages:
            return Where.CACHED
        if index in self.tokens:
            return Where.FETCH
        return Where.UNKNOWN

    def wait_for(self, index: int, cursor: int | str) -> None:
        self.waiting_for = index
        self.cursor_on_show = cursor

    def is_current(self, generation: int) -> bool:
        return generation == self.generation

    # -- replies --------------------------------------------------------------------------------

    def loaded(self, index: int, numbers: list[PhoneNumber], next_token: str | None) -> Arrival:
        self.in_flight.discard(index)
        if not numbers and index > 0 and not next_token:
            self.last_index = index - 1
            self.tokens.pop(index, None)
            if self.waiting_for == index:
                self.waiting_for = None
                return Arrival.GONE_WHILE_WAITING
            return Arrival.GONE
        self.pages[index] = numbers
        if index == 0 and next_token:
            self.stride = len(numbers)
        if next_token:
            self.tokens[index + 1] = next_token
            if self.last_index == index:
                self.last_index = None
        else:
            self.last_index = index
        if self.waiting_for == index:
            self.waiting_for = None
            self.index = index
            return Arrival.SHOW
        return Arrival.STORED

    def failed(self, index: int, prefetch: bool) -> bool:
        """A page did not load; True when the screen waited for it (a prefetch is asked again later)."""
        self.in_flight.discard(index)
        if prefetch:
            return False
        self.waiting_for = None
        return True

    def reset(self, cursor: int | str) -> None:
        """After a change to the pool: drop every page, wait for the current one again (tokens stay valid)."""
        self.generation += 1
        self.pages.clear()
        self.in_flight.clear()
        self.tokens = {i: t for i, t in self.tokens.items() if i <= self.index}
        self.last_index = None
        self.wait_for(self.index, cursor)

    # -- what is cached -----------------------------------------------------------------------

    def current(self) -> list[PhoneNumber] | None:
        return self.pages.get(self.index)

    def next_ready(self) -> bool:
        return self.index + 1 in self.pages

    def at_last(self) -> bool:
        return self.last_index == self.index

    def page_count(self, total: int) -> int:
        return max(1, -(-total // self.stride))

    def first_position(self) -> int:
        """The pool position (from 1) of the shown page's first number."""
        return self.index * self.stride + 1

    def replace(self, number: PhoneNumber) -> None:
        for page in self.pages.values():
            for i, old in enumerate(page):
                if old.sid == number.sid:
                    page[i] = number

    def drop(self, sid: str) -> None:
        for page in self.pages.values():
            page[:] = [n for n in page if n.sid != sid]
