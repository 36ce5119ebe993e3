"""How many numbers does this pool need? Plain functions over plain data.

Proxy never gives one identifier the same proxy number in two active sessions, so a
person in k sessions at once needs k different numbers that can serve them: the
pool needs at least the largest number of concurrent active sessions any single
identifier is in, per country (and per area code under area-code matching, per region under
overlay and radius). Groups use the same matching rules as number selection (sandbox/rules.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sandbox import rules
from tui.core.phone import iso_country
from tui.core.resources import DEFAULT_GEO_MATCH_LEVEL


@dataclass(frozen=True, slots=True)
class PoolNumber:
    """A pool number as capacity sees it."""

    phone_number: str
    is_reserved: bool = False
    voice: bool = True
    sms: bool = True
    country: str | None = None  # worked out from phone_number when not given

    def __post_init__(self) -> None:
        if self.country is None:  # parse once: a pool may hold 5,500 numbers
            object.__setattr__(self, "country", iso_country(self.phone_number))


@dataclass(frozen=True, slots=True)
class Need:
    """One group's demand against what the pool has for it."""

    country: str | None
    area_code: str | None  # North American identifiers: the area code (area-code) or region (overlay, radius)
    needed: int  # the most concurrent active sessions one identifier of the group is in
    identifier: str | None  # one identifier with that many (the first in sort order)
    have: int  # unreserved pool numbers able to serve the group (and the mode, when given)

    @property
    def shortfall(self) -> int:
        return max(0, self.needed - self.have)

    @property
    def label(self) -> str:
        return f"{self.country or '?'} {self.area_code}" if self.area_code else (self.country or "?")


Group = tuple[str | None, str | None]


def group_of(identifier: str, pool_countries: set[str], geo_match_level: str = DEFAULT_GEO_MATCH_LEVEL) -> Group:
    """(country, area code / region or None) whose pool numbers can serve this identifier."""
    country = rules.match_country(iso_country(identifier), pool_countries)
    return country, rules.geo_key(geo_match_level, identifier, iso_country(identifier))


def have_for(group: Group, pool: Sequence[PoolNumber], mode: str | None = None,
             geo_match_level: str = "area-code") -> int:
    """Unreserved numbers of the pool in this group able to carry `mode` (any, when None)."""
    country, key = group
    need = rules.required_capabilities(mode) if mode else ()
    return sum(
        1 for n in pool
        if not n.is_reserved and n.country == country
        and (key is None or rules.geo_key(geo_match_level, n.phone_number, n.country) == key)
        and all(getattr(n, cap) for cap in need)
    )


def _needs(per_identifier: dict[str, int], pool: Sequence[PoolNumber], geo_match_level: str,
           mode: str | None) -> list[Need]:
    countries = {c for n in pool if (c := n.country)}
    best: dict[Group, tuple[int, str]] = {}
    for identifier in sorted(per_identifier):
        count = per_identifier[identifier]
        group = group_of(identifier, countries, geo_match_level)
        if group not in best or count > best[group][0]:
            best[group] = (count, identifier)
    out = [Need(g[0], g[1], count, who, have_for(g, pool, mode, geo_match_level)) for g, (count, who) in best.items()]
    return sorted(out, key=lambda n: (-n.shortfall, -n.needed, n.label))


def needed_now(active: Iterable[tuple[str, str]], pool: Sequence[PoolNumber],
               geo_match_level: str = DEFAULT_GEO_MATCH_LEVEL, mode: str | None = None) -> list[Need]:
    """From (identifier, session sid) of every participant of an active session: each group's
    need now against what the pool has; the groups short of numbers first."""
    sessions: dict[str, set[str]] = defaultdict(set)
    for identifier, session_sid in active:
        sessions[identifier].add(session_sid)
    return _needs({i: len(s) for i, s in sessions.items()}, pool, geo_match_level, mode)


def peak_concurrency(intervals: Iterable[tuple[float, float]]) -> int:
    """The most intervals open at once. Intervals are half-open [start, end): a session
    that ends when another starts does not overlap it."""
    events = []
    for start, end in intervals:
        if end > start:
            events.append((start, 1))
            events.append((end, -1))
    events.sort()  # at equal times the -1 (an end) sorts before the +1 (a start)
    peak = current = 0
    for _, step in events:
        current += step
        peak = max(peak, current)
    return peak


def needed_over_time(intervals: Iterable[tuple[str, float, float]], pool: Sequence[PoolNumber],
                     geo_match_level: str = DEFAULT_GEO_MATCH_LEVEL, mode: str | None = None) -> list[Need]:
    """From (identifier, start, end) of every session participation over a run: each group's
    peak need against what the pool has (what a pool must hold to never answer 80208)."""
    spans: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for identifier, start, end in intervals:
        spans[identifier].append((start, end))
    return _needs({i: peak_concurrency(s) for i, s in spans.items()}, pool, geo_match_level, mode)


def pool_numbers(rows: Iterable[dict]) -> list[PoolNumber]:
    """PoolNumbers from Twilio-shaped PhoneNumber records (to_twilio() dicts or sandbox documents)."""
    out = []
    for row in rows:
        caps = row.get("capabilities") or {}
        out.append(PoolNumber(row["phone_number"], bool(row.get("is_reserved")),
                              bool(caps.get("voice")), bool(caps.get("sms")), row.get("iso_country")))
    return out
