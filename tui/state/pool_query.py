"""What the pool view shows of a pool: which numbers (the query: text and state filters) in which
order (the sort). Plain functions and frozen data; tui/state/pool_view.py applies them.

Twilio's PhoneNumbers list has no server-side sort or filter, so both are the app's, over the
whole pool held in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from tui.core.resources import PhoneNumber


class QueryError(ValueError):
    """A sort or filter the user typed that means nothing; str() says what would."""


# -- columns and their sort keys -------------------------------------------------------------

def _caps_key(n: PhoneNumber) -> tuple:
    c = n.capabilities
    return (c.voice, c.sms, c.mms, c.fax)


# column key -> the sort key of a number (ties keep the pool's order: sorted() is stable)
SORT_KEYS: dict[str, Callable[[PhoneNumber], Any]] = {
    "number": lambda n: n.phone_number,
    "friendly": lambda n: (n.friendly_name is None, (n.friendly_name or "").casefold()),
    "country": lambda n: (n.iso_country is None, n.iso_country or ""),
    "caps": _caps_key,
    "reserved": lambda n: n.is_reserved,
    "in_use": lambda n: n.in_use,
    "sid": lambda n: n.sid.lower(),
    "added": lambda n: n.date_created,
}
COLUMNS = tuple(SORT_KEYS)

# what people type for a column (k9s-like: the header's words, Twilio's field names)
COLUMN_ALIASES = {
    "number": "number", "phone_number": "number", "phone": "number",
    "friendly": "friendly", "friendly_name": "friendly", "name": "friendly",
    "country": "country", "iso_country": "country",
    "caps": "caps", "capabilities": "caps",
    "reserved": "reserved", "is_reserved": "reserved",
    "in_use": "in_use", "in-use": "in_use", "inuse": "in_use",
    "sid": "sid",
    "added": "added", "date_created": "added", "created": "added",
}


def column_named(word: str) -> str:
    key = COLUMN_ALIASES.get(word.strip().lower())
    if key is None:
        raise QueryError(f"no column {word!r}: sort by one of {', '.join(COLUMNS)}")
    return key


@dataclass(frozen=True, slots=True)
class Sort:
    column: str  # a key of SORT_KEYS
    descending: bool = False

    @property
    def arrow(self) -> str:
        return "▼" if self.descending else "▲"

    def describe(self) -> str:
        return f"sorted by {self.column} {'desc' if self.descending else 'asc'}"


def sorted_numbers(numbers: Iterable[PhoneNumber], sort: Sort | None) -> list[PhoneNumber]:
    if sort is None:
        return list(numbers)
    return sorted(numbers, key=SORT_KEYS[sort.column], reverse=sort.descending)


def next_sort(current: Sort | None, column: str | None = None) -> Sort | None:
    """The sort a key or a header click asks for: a new column sorts ascending, the same one
    again flips it; without a column, the next column in order (after the last: no sort)."""
    if column is not None:
        if current is not None and current.column == column:
            return replace(current, descending=not current.descending)
        return Sort(column)
    if current is None:
        return Sort(COLUMNS[0])
    following = COLUMNS.index(current.column) + 1
    return Sort(COLUMNS[following]) if following < len(COLUMNS) else None


# -- filters ------------------------------------------------------------------------------------

# a state -> its test of a number, given the marked and draining SIDs
STATES: dict[str, Callable[[PhoneNumber, Collection[str], Collection[str]], bool]] = {
    "reserved": lambda n, marked, draining: n.is_reserved,
    "unreserved": lambda n, marked, draining: not n.is_reserved,
    "in_use": lambda n, marked, draining: n.in_use > 0,
    "free": lambda n, marked, draining: not n.is_reserved and n.in_use == 0,
    "draining": lambda n, marked, draining: n.sid in draining,
    "marked": lambda n, marked, draining: n.sid in marked,
}
STATE_ALIASES = {"in-use": "in_use", "inuse": "in_use", "busy": "in_use"}
CAPABILITIES = ("voice", "sms", "mms", "fax")
# the state filter key `f` steps through (then back to none)
STATE_CYCLE = ("reserved", "unreserved", "in_use", "free", "draining", "marked")


def text_matches(number: PhoneNumber, needle: str) -> bool:
    """The text filter: a number typed in any formatting, a friendly name, a country, a SID."""
    if needle and all(ch.isdigit() or ch in "+-() ." for ch in needle):
        digits = "".join(ch for ch in needle if ch.isdigit())
        return bool(digits) and digits in number.phone_number
    low = needle.lower()
    return (low in (number.friendly_name or "").lower() or low == (number.iso_country or "").lower()
            or low in number.sid.lower())


@dataclass(frozen=True, slots=True)
class Query:
    """Which numbers are shown: every part must match (countries and capabilities: any of those listed)."""

    text: str = ""
    states: frozenset[str] = field(default_factory=frozenset)
    countries: frozenset[str] = field(default_factory=frozenset)
    capabilities: frozenset[str] = field(default_factory=frozenset)

    @property
    def active(self) -> bool:
        return bool(self.text or self.states or self.countries or self.capabilities)

    @property
    def has_states(self) -> bool:
        return bool(self.states or self.countries or self.capabilities)

    def matcher(self, marked: Collection[str] = (), draining: Collection[str] = ()
                ) -> Callable[[PhoneNumber], bool]:
        tests = [STATES[s] for s in sorted(self.states)]
        countries, caps, text = self.countries, self.capabilities, self.text

        def match(n: PhoneNumber) -> bool:
            if text and not text_matches(n, text):
                return False
            if countries and (n.iso_country or "").upper() not in countries:
                return False
            if caps and not any(getattr(n.capabilities, c) for c in caps):
                return False
            return all(test(n, marked, draining) for test in tests)

        return match

    def describe(self) -> str:
        """The filter in words, as :filter would take it back."""
        parts = [s for s in STATES if s in self.states]
        if self.countries:
            parts.append("country:" + ",".join(sorted(self.countries)))
        if self.capabilities:
            parts.append("cap:" + ",".join(c for c in CAPABILITIES if c in self.capabilities))
        if self.text:
            parts.append(repr(self.text))
        return " ".join(parts)

    def with_states(self, states: Iterable[str]) -> Query:
        return replace(self, states=frozenset(states))

    def cleared(self) -> Query:
        return Query()


def parse_filter(words: Iterable[str], text: str = "") -> Query:
    """`:filter reserved country:US,GB cap:sms` -> a Query (the text filter kept as it is).

    Each word is a state (reserved, unreserved, in_use, free, draining, marked), country:CC[,CC]
    or cap:voice|sms|mms|fax[,...]; anything else is a QueryError naming what would do."""
    states: set[str] = set()
    countries: set[str] = set()
    caps: set[str] = set()
    for word in words:
        low = word.strip().lower()
        if not low:
            continue
        name, colon, value = low.partition(":")
        if colon and name in ("country", "c"):
            codes = [v.strip().upper() for v in value.split(",") if v.strip()]
            if not codes or not all(len(c) == 2 and c.isalpha() for c in codes):
                raise QueryError(f"{word!r}: a country is two letters, like country:US or country:US,GB")
            countries.update(codes)
        elif colon and name in ("cap", "caps", "capability"):
            wanted = [v.strip() for v in value.split(",") if v.strip()]
            bad = [v for v in wanted if v not in CAPABILITIES]
            if not wanted or bad:
                raise QueryError(f"{word!r}: a capability is one of {', '.join(CAPABILITIES)}")
            caps.update(wanted)
        else:
            state = STATE_ALIASES.get(low, low)
            if state not in STATES:
                raise QueryError(f"no filter {word!r}: use {', '.join(STATES)}, country:CC or cap:NAME")
            states.add(state)
    if {"reserved", "unreserved"} <= states:
        raise QueryError("reserved and unreserved together match nothing")
    return Query(text=text, states=frozenset(states), countries=frozenset(countries),
                 capabilities=frozenset(caps))


def next_state(query: Query) -> Query:
    """The state filter the `f` key steps to: none -> reserved -> ... -> marked -> none."""
    if len(query.states) == 1:
        (state,) = query.states
        if state in STATE_CYCLE:
            following = STATE_CYCLE.index(state) + 1
            return query.with_states(() if following == len(STATE_CYCLE) else (STATE_CYCLE[following],))
    if query.states:
        return query.with_states(())
    return query.with_states((STATE_CYCLE[0],))
