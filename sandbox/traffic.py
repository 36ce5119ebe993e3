"""Traffic through a pool: the simulator behind the app's Simulate screen (no Textual here).

TrafficEngine drives sessions through the seam's session methods (tui.core.seam.SessionBackend),
so every rule, every number choice and every refusal is the sandbox's own. One step() is
one simulated tick:

  1. sessions whose length is up are deleted (so the pool file does not grow without bound);
  2. people below their target (`sessions_each` active sessions at once) are paired at
     random and each pair gets a session with both as participants; a refusal (80208 when
     one person needs more numbers than the pool has, 80203, 80206, ...) is recorded;
  3. the pool is read back: `in_use` per number, utilisation (unreserved numbers with
     in_use > 0 / unreserved numbers), and sandbox/capacity.py's "numbers needed" answer.

Demand counts refused sessions too (for the tick they were refused in): a pool is short
exactly when what people try to hold at once exceeds what it can give them. Same seed,
same starting sandbox: same run.

A run owns its sessions: each is named RUN_PREFIX + the run's id + a counter, so whoever
holds the engine can delete them (reset) and a later app can recognise the sessions of a run
that died with its app (orphans()) and delete them (delete_sessions()).
"""

from __future__ import annotations

import random
import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import phonenumbers

from sandbox import capacity, rules
from sandbox.runs import RUN_PREFIX, run_of
from tui.core.errors import ProxyError
from tui.core.resources import DEFAULT_GEO_MATCH_LEVEL, PhoneNumber, Service
from tui.core.seam import SessionBackend, all_items
from tui.core.sessions import SESSION_MODES, Session

HISTORY = 120  # utilisation points kept for the chart
MAX_OPENS_PER_TICK = 250  # bounds one tick's cost (each session is one durable write)
NANP = frozenset({"US", "CA"})


def new_run_id() -> str:
    """A run's id: random, so two runs (two apps, a crash and a relaunch) never share names."""
    return secrets.token_hex(4)


class TrafficInputError(ValueError):
    """Parameters a person typed that cannot run; the text says what to change."""


@dataclass(frozen=True)
class TrafficParams:
    participants: int = 20  # people (identifiers) in the run
    sessions_each: int = 1  # sessions each person wants active at once
    length: int = 5  # a session's length in ticks (each one is drawn within ±50 %)
    countries: tuple[tuple[str, float], ...] = (("US", 1.0),)  # country mix, shares of the people
    mode: str = "voice-and-message"
    seed: int = 1

    def check(self) -> TrafficParams:
        if not 2 <= self.participants <= 5000:
            raise TrafficInputError("Participants must be between 2 and 5,000 (a session pairs two people).")
        if not 1 <= self.sessions_each <= 50:
            raise TrafficInputError("Sessions per participant must be between 1 and 50.")
        if not 1 <= self.length <= 10_000:
            raise TrafficInputError("Session length must be between 1 and 10,000 ticks.")
        if self.mode not in SESSION_MODES:
            raise TrafficInputError(f"Mode must be one of {', '.join(SESSION_MODES)}.")
        if not self.countries:
            raise TrafficInputError("The country mix needs at least one country, e.g. US:80,GB:20.")
        return self


def parse_country_mix(text: str) -> tuple[tuple[str, float], ...]:
    """'US:80, GB:20' (or 'US GB', equal shares) -> ((US, 0.8), (GB, 0.2)); TrafficInputError otherwise."""
    parts = [p for p in text.replace(",", " ").split() if p]
    if not parts:
        raise TrafficInputError("The country mix needs at least one country, e.g. US:80,GB:20.")
    mix: dict[str, float] = {}
    for part in parts:
        code, _, share = part.partition(":")
        code = code.strip().upper()
        if len(code) != 2 or not phonenumbers.country_code_for_region(code):
            raise TrafficInputError(f"{code or part!r} is not an ISO country code phonenumbers knows (e.g. US, GB, DE).")
        try:
            weight = float(share) if share else 1.0
        except ValueError:
            raise TrafficInputError(f"{part!r}: the share after ':' must be a number, e.g. US:80.") from None
        if weight <= 0:
            raise TrafficInputError(f"{part!r}: a share must be above 0.")
        mix[code] = mix.get(code, 0.0) + weight
    total = sum(mix.values())
    return tuple((code, weight / total) for code, weight in mix.items())


def format_country_mix(mix: Iterable[tuple[str, float]]) -> str:
    return ", ".join(f"{code}:{round(share * 100):g}" for code, share in mix)


def allot(count: int, mix: tuple[tuple[str, float], ...]) -> list[str]:
    """`count` countries in the mix's proportions (largest remainder), in mix order."""
    exact = [(code, share * count) for code, share in mix]
    whole = {code: int(x) for code, x in exact}
    left = count - sum(whole.values())
    for code, _ in sorted(exact, key=lambda cx: -(cx[1] - int(cx[1])))[:left]:
        whole[code] += 1
    return [code for code, _ in mix for _ in range(whole[code])]


def make_identifiers(params: TrafficParams, pool: list[PhoneNumber], rng: random.Random) -> list[str]:
    """Distinct valid mobile-like numbers, countries in the mix's proportions. North American
    people get the area codes of the pool's numbers of their country (area-code matching can
    then serve them); elsewhere the number comes from phonenumbers' example for the country."""
    area_codes: dict[str, list[str]] = {}
    for n in pool:
        npa = rules.area_code(n.phone_number)
        if npa and n.iso_country in NANP and npa not in area_codes.setdefault(n.iso_country, []):
            area_codes[n.iso_country].append(npa)
    seen: set[str] = set()
    out = []
    for country in allot(params.participants, params.countries):
        out.append(_draw(country, area_codes.get(country, []), rng, seen))
    return out


def _draw(country: str, npas: list[str], rng: random.Random, seen: set[str]) -> str:
    example = (phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.MOBILE)
               or phonenumbers.example_number(country))
    if example is None:
        raise TrafficInputError(f"phonenumbers has no example number for {country}; leave it out of the mix.")
    code = example.country_code
    national = phonenumbers.national_significant_number(example)
    for _ in range(2000):
        if country in NANP:
            npa = rng.choice(npas) if npas else national[:3]
            digits = f"{npa}{rng.randint(2, 9)}{rng.randint(0, 99):02d}{rng.randint(0, 9999):04d}"
        else:
            keep = max(2, len(national) - 6)
            digits = national[:keep] + "".join(str(rng.randint(0, 9)) for _ in range(len(national) - keep))
        e164 = f"+{code}{digits}"
        if e164 in seen:
            continue
        parsed = phonenumbers.parse(e164, None)
        if phonenumbers.is_valid_number(parsed) and phonenumbers.region_code_for_number(parsed) == country:
            seen.add(e164)
            return e164
    raise TrafficInputError(f"could not make enough distinct valid {country} numbers; use fewer participants.")


@dataclass(frozen=True, slots=True)
class TrafficError:
    tick: int
    code: int | None
    message: str
    count: int = 1  # the same refusal, this many times in the tick

    @property
    def text(self) -> str:
        times = f" (×{self.count})" if self.count > 1 else ""
        return f"tick {self.tick}: {self.code or 'error'} {self.message}{times}"


@dataclass(frozen=True)
class Snapshot:
    """What one tick left behind: what the Simulate screen shows."""

    tick: int
    active: int  # the run's active sessions
    opened: int  # this tick
    ended: int  # this tick
    refused: int  # this tick
    busy: int  # unreserved numbers with in_use > 0
    unreserved: int
    busiest: list[PhoneNumber]  # the pool's numbers, most in_use first (those with in_use > 0)
    utilisation: list[float]  # busy / unreserved per tick, the last HISTORY ticks
    errors: list[TrafficError]  # new this tick
    errors_by_code: dict[int | None, int]  # the whole run
    needs_now: list[capacity.Need]  # the demand of this tick against the pool
    needs_peak: list[capacity.Need]  # the run's peak demand against the pool
    geo_match_level: str = DEFAULT_GEO_MATCH_LEVEL

    @property
    def shortfall(self) -> int:
        return sum(n.shortfall for n in self.needs_peak)


@dataclass
class _Open:
    sid: str
    pair: tuple[str, str]
    start: int
    end: int


@dataclass
class TrafficEngine:
    """One run of traffic through one Service's pool. Not thread-safe: one step at a time."""

    backend: SessionBackend
    service: Service
    params: TrafficParams = field(default_factory=TrafficParams)
    record_intervals: bool = False  # keep every (identifier, start, end) of the run (tests recount them)
    run_id: str = field(default_factory=new_run_id)

    def __post_init__(self) -> None:
        self.params.check()
        self._named = 0  # sessions named so far (never reset: a name is never reused by the run)
        self._clear()

    def _next_name(self) -> str:
        self._named += 1
        return f"{RUN_PREFIX}{self.run_id}-{self._named}"

    def _clear(self) -> None:
        self.rng = random.Random(self.params.seed)
        self.tick = 0
        self.identifiers: list[str] = []
        self.open: dict[str, _Open] = {}
        self.active_count: Counter[str] = Counter()
        self.peak: dict[str, int] = {}
        self.history: list[float] = []
        self.errors_by_code: Counter[int | None] = Counter()
        self.intervals: list[tuple[str, float, float]] = []
        self.pool: list[PhoneNumber] = []
        self.last: Snapshot | None = None

    @property
    def geo_match_level(self) -> str:
        return self.service.geo_match_level or DEFAULT_GEO_MATCH_LEVEL

    async def _read_pool(self) -> list[PhoneNumber]:
        return await all_items(self.backend.list_numbers, self.service.sid)

    async def step(self) -> Snapshot:
        """One tick: end what is due, open what people want, read the pool back."""
        if not self.identifiers:
            self.pool = await self._read_pool()
            self.identifiers = make_identifiers(self.params, self.pool, self.rng)
        self.tick += 1
        t = self.tick
        ended = 0
        for sid, run in sorted(self.open.items(), key=lambda kv: (kv[1].end, kv[1].start)):
            if run.end <= t:
                await self._delete(sid)
                ended += 1
        refused: Counter[str] = Counter()
        errors: Counter[tuple[int | None, str]] = Counter()
        opened = 0
        for a, b in self._pairs():
            length = self._length()
            try:
                # ttl=0: a run's sessions last `length` ticks and end when the engine deletes them;
                # the Service's default_ttl (wall-clock seconds) would close them behind its back
                # while a run sits paused, and its demand would no longer match in_use
                session = await self.backend.create_session(
                    self.service.sid, unique_name=self._next_name(), ttl=0, mode=self.params.mode,
                    participants=[{"identifier": a}, {"identifier": b}])
            except ProxyError as exc:
                errors[(exc.code, exc.message)] += 1
                refused[a] += 1
                refused[b] += 1
                self.intervals.extend((who, t, t + 1) for who in (a, b) if self.record_intervals)
                continue
            opened += 1
            self.open[session.sid] = _Open(session.sid, (a, b), t, t + length)
            self.active_count.update((a, b))
        for identifier in set(self.active_count) | set(refused):
            demand = self.active_count[identifier] + refused[identifier]
            if demand > self.peak.get(identifier, 0):
                self.peak[identifier] = demand
        self.pool = await self._read_pool()
        new_errors = [TrafficError(t, code, message, n) for (code, message), n in errors.items()]
        for (code, _), n in errors.items():
            self.errors_by_code[code] += n
        self.last = self._snapshot(opened, ended, sum(errors.values()), new_errors, refused)
        return self.last

    def run_intervals(self) -> list[tuple[str, float, float]]:
        """Every (identifier, start, end) of the run so far, the open sessions ending after this tick
        (record_intervals only): what capacity.needed_over_time recounts the peak from."""
        still = [(who, run.start, self.tick + 1) for run in self.open.values() for who in run.pair]
        return self.intervals + still

    def _length(self) -> int:
        base = self.params.length
        return self.rng.randint(max(1, base - base // 2), base + base // 2)

    def _pairs(self) -> list[tuple[str, str]]:
        """Pairs of people below their target, drawn at random (a person never pairs with themself)."""
        want = [i for i in self.identifiers for _ in range(self.params.sessions_each - self.active_count[i])]
        self.rng.shuffle(want)
        pairs = []
        while len(want) >= 2 and len(pairs) < MAX_OPENS_PER_TICK:
            a = want.pop()
            j = next((k for k in range(len(want) - 1, -1, -1) if want[k] != a), None)
            if j is None:
                break
            pairs.append((a, want.pop(j)))
        return pairs

    async def _delete(self, sid: str) -> None:
        run = self.open.pop(sid)
        try:
            await self.backend.delete_session(self.service.sid, sid)
        except ProxyError as exc:
            if exc.code != 20404:  # already gone (deleted by someone else): the same outcome
                raise
        finally:
            self.active_count.subtract(run.pair)
            self.active_count += Counter()  # drop people at zero
            if self.record_intervals:
                end = run.end if run.end <= self.tick else self.tick + 1  # cut short: it was active this tick
                self.intervals.extend((who, run.start, end) for who in run.pair)

    def _pool_numbers(self) -> list[capacity.PoolNumber]:
        return [capacity.PoolNumber(n.phone_number, n.is_reserved, n.capabilities.voice, n.capabilities.sms,
                                    n.iso_country) for n in self.pool]

    def _snapshot(self, opened: int, ended: int, refused_count: int, errors: list[TrafficError],
                  refused: Counter[str]) -> Snapshot:
        unreserved = [n for n in self.pool if not n.is_reserved]
        busy = sum(1 for n in unreserved if n.in_use)
        self.history.append(busy / len(unreserved) if unreserved else 0.0)
        del self.history[:-HISTORY]
        pool = self._pool_numbers()
        now = [(i, run.sid) for run in self.open.values() for i in run.pair]
        now += [(i, f"refused-{i}-{k}") for i, n in refused.items() for k in range(n)]
        held = [(i, f"{i}#{k}") for i, n in self.peak.items() for k in range(n)]
        busiest = sorted((n for n in self.pool if n.in_use), key=lambda n: -n.in_use)
        return Snapshot(
            tick=self.tick, active=len(self.open), opened=opened, ended=ended, refused=refused_count,
            busy=busy, unreserved=len(unreserved), busiest=busiest, utilisation=list(self.history),
            errors=errors, errors_by_code=dict(self.errors_by_code),
            needs_now=capacity.needed_now(now, pool, self.geo_match_level, self.params.mode),
            needs_peak=capacity.needed_now(held, pool, self.geo_match_level, self.params.mode),
            geo_match_level=self.geo_match_level,
        )

    async def reset(self) -> int:
        """Delete every session this run opened (it is left as it was before the run);
        the next step() starts again from tick 1 with the same seed. Returns how many went."""
        gone = 0
        try:
            for sid in list(self.open):
                await self._delete(sid)
                gone += 1
        finally:
            if not self.open:
                self._clear()
        return gone


# -- sessions of runs that are gone (the app was killed mid-run) -------------------------------------

async def orphans(backend: SessionBackend, service_sid: str, live_runs: Iterable[str] = ()) -> list[Session]:
    """The Service's sessions named by a simulation run that is not one of `live_runs`: what a run
    left behind when its app died (active ones hold numbers; closed ones only fill the file)."""
    live = set(live_runs)
    runs = getattr(backend, "simulation_runs", None)  # the sandbox knows without listing every session
    if runs is not None and not (await runs(service_sid) - live):
        return []
    return [s for s in await all_items(backend.list_sessions, service_sid)
            if (run := run_of(s.unique_name)) is not None and run not in live]


async def delete_sessions(backend: SessionBackend, service_sid: str, sids: Iterable[str]) -> int:
    """Delete these sessions; one already gone counts as deleted. Returns how many went."""
    gone = 0
    for sid in sids:
        try:
            await backend.delete_session(service_sid, sid)
        except ProxyError as exc:
            if exc.code != 20404:
                raise
        gone += 1
    return gone
