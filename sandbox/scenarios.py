"""Training scenarios: sandboxes built to show one situation, each with a briefing and a goal.

`proxy-pool sandbox init PATH --scenario NAME [--seed N]` builds one (sandbox/build.py); the
app shows its briefing when the sandbox opens (and on `?`) and checks its goal as the trainee
works, saying when it is reached. Every scenario is the same for the same seed: the numbers
are drawn from a generator seeded with the scenario's name and the seed, and checked with
phonenumbers (valid, and in the intended country).

A goal is a plain check over the account (GoalState: reached, and a line of progress), so
the app, the tests and a trainer's script all ask the same question.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import phonenumbers

from sandbox import rules
from sandbox.account import SandboxAccount
from tui.core.errors import ProxyError
from tui.core.resources import MAX_RECORDS_PER_PAGE, PhoneNumber, Service
from tui.core.seam import Page
from tui.core.sessions import Session
from tui.core.sids import new_sid

T = TypeVar("T")
VOICE_SMS = {"voice": True, "sms": True, "mms": False, "fax": False}


@dataclass(frozen=True, slots=True)
class GoalState:
    reached: bool
    progress: str  # one line: where the trainee stands


@dataclass(frozen=True)
class Scenario:
    name: str
    summary: str  # one line, for `proxy-pool sandbox scenarios`
    briefing: str  # what to look at and what to try
    goal: str  # what to reach, in a sentence
    populate: Callable[[SandboxAccount, random.Random], None]
    check: Callable[[SandboxAccount], GoalState]
    # Simulate's suggested inputs per Service unique name (the screen starts from them)
    simulate: dict[str, dict[str, Any]] = field(default_factory=dict)


# -- reading the account (the checks) ---------------------------------------------------------

def every(list_page: Callable[..., Page[T]], *args: Any) -> list[T]:
    """A whole list of the account's, page by page (the account is synchronous: no seam loop)."""
    out: list[T] = []
    token: str | None = None
    while True:
        page = list_page(*args, MAX_RECORDS_PER_PAGE, token)
        out.extend(page.items)
        token = page.next_token
        if not token:
            return out


def pool_of(account: SandboxAccount, service_sid: str) -> list[PhoneNumber]:
    """Every number of a pool."""
    return every(account.list_numbers, service_sid)


def sessions_of(account: SandboxAccount, service_sid: str) -> list[Session]:
    """Every session of a Service."""
    return every(account.list_sessions, service_sid)


def service_named(account: SandboxAccount, name: str) -> Service | None:
    try:
        return account.service_named(name)
    except ProxyError:
        return None


def gone(name: str) -> GoalState:
    return GoalState(False, f"{name} is gone: reset the sandbox to start again")


# -- drawing numbers ----------------------------------------------------------------------------

class Numbers:
    """Distinct valid numbers from a seeded generator: North American ones in a given area code,
    others from phonenumbers' example mobile number of the country."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.taken: set[str] = set()

    def nanp(self, area: str, region: str = "US") -> str:
        for _ in range(2000):
            exchange = self.rng.randrange(200, 1000)
            if exchange % 100 == 11 or exchange == 555:  # N11 service codes and 555 are never assigned
                continue
            e164 = f"+1{area}{exchange}{self.rng.randrange(10_000):04d}"
            if e164 not in self.taken and phonenumbers.is_valid_number_for_region(
                    phonenumbers.parse(e164, None), region):
                self.taken.add(e164)
                return e164
        raise ValueError(f"cannot draw a valid number in area code {area}")

    def country(self, region: str) -> str:
        example = (phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
                   or phonenumbers.example_number(region))
        if example is None:
            raise ValueError(f"phonenumbers has no example number for {region}")
        national = phonenumbers.national_significant_number(example)
        keep = max(2, len(national) - 6)
        for _ in range(2000):
            digits = national[:keep] + "".join(str(self.rng.randint(0, 9)) for _ in range(len(national) - keep))
            e164 = f"+{example.country_code}{digits}"
            parsed = phonenumbers.parse(e164, None)
            if (e164 not in self.taken and phonenumbers.is_valid_number(parsed)
                    and phonenumbers.region_code_for_number(parsed) == region):
                self.taken.add(e164)
                return e164
        raise ValueError(f"cannot draw a valid {region} number")


def specs(rng: random.Random, numbers: list[str], label: str, **extra: Any) -> list[dict[str, Any]]:
    return [{"sid": new_sid("PN", rng), "phone_number": e164, "friendly_name": f"{label} {i + 1:02d}",
             "capabilities": dict(VOICE_SMS), **extra} for i, e164 in enumerate(numbers)]


def areas(draw: Numbers, plan: dict[str, int]) -> Iterator[str]:
    for area, count in plan.items():
        for _ in range(count):
            yield draw.nanp(area)


def put_in_messaging_service(account: SandboxAccount, number_sid: str, messaging_service_sid: str) -> None:
    """The one place a scenario puts a number in a Messaging Service (its Messaging v1 PhoneNumbers)."""
    account.add_messaging_number(messaging_service_sid, number_sid)


# -- near-limit -----------------------------------------------------------------------------------

NEAR_SMALL, NEAR_LARGE = "rides-near-limit", "alerts-near-limit"
NEAR_UNRESERVED, NEAR_RESERVED_SPARE = 423, 90  # 423/500: two more unreserved numbers reach 85 %
NEAR_RESERVED, NEAR_LARGE_UNRESERVED = 4_240, 60  # 4,240/5,000: ten more reserved reach 85 %
NEAR_SPARES = 30


def populate_near_limit(account: SandboxAccount, rng: random.Random) -> None:
    draw = Numbers(rng)
    small = specs(rng, list(areas(draw, {"415": 260, "628": 253})), "Rides")
    large = specs(rng, list(areas(draw, {"212": 2200, "646": 2100})), "Alerts")
    spare = specs(rng, list(areas(draw, {"415": NEAR_SPARES})), "Spare")
    account.buy_numbers(small + large + spare)
    a = account.create_service(NEAR_SMALL, default_ttl=3600)
    b = account.create_service(NEAR_LARGE, default_ttl=600)
    account.add_numbers_bulk(a.sid, [(s["sid"], i >= NEAR_UNRESERVED) for i, s in enumerate(small)])
    account.add_numbers_bulk(b.sid, [(s["sid"], i >= NEAR_LARGE_UNRESERVED) for i, s in enumerate(large)])


def check_near_limit(account: SandboxAccount) -> GoalState:
    a, b = service_named(account, NEAR_SMALL), service_named(account, NEAR_LARGE)
    if a is None:
        return gone(NEAR_SMALL)
    if b is None:
        return gone(NEAR_LARGE)
    sa, sb = account.pool_stats(a.sid), account.pool_stats(b.sid)
    kept = sa.total >= NEAR_UNRESERVED + NEAR_RESERVED_SPARE and sb.total >= NEAR_RESERVED + NEAR_LARGE_UNRESERVED
    reached = sa.unreserved == sa.unreserved_limit and sb.reserved_warning and kept
    progress = (f"{NEAR_SMALL}: {sa.unreserved}/{sa.unreserved_limit} unreserved · "
                f"{NEAR_LARGE}: {sb.reserved:,}/{int(sb.reserved_limit * 0.85):,} reserved for the warning")
    if not kept:
        progress += " · a number was removed: reset to try again without removing any"
    return GoalState(reached, progress)


# -- in-use ------------------------------------------------------------------------------------------

IN_USE = "couriers-in-use"
RETIRE = "Retire"
SHORT_TTL, LONG_TTL = 300, 86_400  # seconds: two retiring numbers free up in 5 minutes, two in a day


def populate_in_use(account: SandboxAccount, rng: random.Random) -> None:
    draw = Numbers(rng)
    pool = specs(rng, list(areas(draw, {"312": 18, "773": 8})), "Courier")
    for i, spec in enumerate(pool[:4]):
        spec["friendly_name"] = f"{RETIRE} {i + 1}"
    spare = specs(rng, list(areas(draw, {"312": 6})), "Spare")
    account.buy_numbers(pool + spare)
    service = account.create_service(IN_USE, default_ttl=LONG_TTL, number_selection_behavior="prefer-sticky")
    account.add_numbers_bulk(service.sid, [(s["sid"], False) for s in pool])
    people = [draw.nanp("312") for _ in range(12)]
    # each retiring number is held by two sessions: the first two by short TTLs, the last two by a day's
    for i, spec in enumerate(pool[:4]):
        ttl = SHORT_TTL if i < 2 else LONG_TTL
        for k in range(2):
            account.create_session(service.sid, unique_name=f"retire-{i + 1}-{k + 1}", ttl=ttl, participants=[
                {"identifier": people[2 * i + k], "proxy_identifier_sid": spec["sid"]}])
    # and sessions of numbers that stay: closing these is not the exercise
    for i, spec in enumerate(pool[4:8]):
        account.create_session(service.sid, unique_name=f"keep-{i + 1}", ttl=0, participants=[
            {"identifier": people[8 + i], "proxy_identifier_sid": spec["sid"]}])


def check_in_use(account: SandboxAccount) -> GoalState:
    service = service_named(account, IN_USE)
    if service is None:
        return gone(IN_USE)
    left = [n for n in pool_of(account, service.sid) if (n.friendly_name or "").startswith(RETIRE)]
    kept = [s for s in sessions_of(account, service.sid) if (s.unique_name or "").startswith("keep-")]
    kept_active = sum(1 for s in kept if s.is_active)
    reached = not left and kept_active == 4
    progress = f"{len(left)} of 4 '{RETIRE}' numbers still in the pool · {kept_active} of 4 'keep-' sessions active"
    if kept_active < 4:
        progress += " (closing those was not needed: reset to try again)"
    return GoalState(reached, progress)


# -- messaging-conflict --------------------------------------------------------------------------------

CONFLICT = "notify-pool"
CONFLICT_FREE, CONFLICT_TAKEN, CONFLICT_POOLED_IN_MG = 7, 5, 3


def populate_messaging_conflict(account: SandboxAccount, rng: random.Random) -> None:
    draw = Numbers(rng)
    pool = specs(rng, list(areas(draw, {"206": 20})), "Notify")
    free = specs(rng, list(areas(draw, {"206": CONFLICT_FREE})), "Spare")
    # the alerts Service defers to the number's webhook; the codes one does not (the app warns about it)
    mg_alerts = account.create_messaging_service("Order alerts", use_inbound_webhook_on_number=True).sid
    mg_codes = account.create_messaging_service("Verification codes", use_inbound_webhook_on_number=False).sid
    taken = specs(rng, list(areas(draw, {"206": CONFLICT_TAKEN})), "Order alerts")
    account.buy_numbers(pool + free + taken)
    for spec in taken:  # in a Messaging Service before any Proxy pool: Proxy refuses them (80601)
        put_in_messaging_service(account, spec["sid"], mg_alerts)
    service = account.create_service(CONFLICT, default_ttl=3600)
    account.add_numbers_bulk(service.sid, [(s["sid"], False) for s in pool])
    for spec in pool[:CONFLICT_POOLED_IN_MG]:  # the allowed order: in the pool first, then a Messaging Service
        put_in_messaging_service(account, spec["sid"], mg_codes)


def check_messaging_conflict(account: SandboxAccount) -> GoalState:
    service = service_named(account, CONFLICT)
    if service is None:
        return gone(CONFLICT)
    spare = account.spare_numbers()
    addable = [n for n in spare if not n.messaging_service_sid]
    blocked = [n for n in spare if n.messaging_service_sid]
    return GoalState(not addable and len(blocked) == CONFLICT_TAKEN,
                     f"{len(addable)} spare number{'s' if len(addable) != 1 else ''} Proxy accepts still outside "
                     f"{CONFLICT} · {len(blocked)} in a Messaging Service (80601) left out")


# -- busy-pool ------------------------------------------------------------------------------------------

BUSY_AREA, BUSY_COUNTRY = "rides-busy", "market-busy"
BUSY_EACH = 4  # sessions each person wants at once in the suggested traffic
BUSY_AREAS = {"415": 3, "212": 2}


def populate_busy_pool(account: SandboxAccount, rng: random.Random) -> None:
    draw = Numbers(rng)
    rides = specs(rng, list(areas(draw, BUSY_AREAS)), "Rides")
    reserved = specs(rng, list(areas(draw, {"415": 2})), "Rides kept")
    market = specs(rng, [draw.country("GB") for _ in range(3)], "Market")
    spare = (specs(rng, list(areas(draw, {"415": 3, "212": 3})), "Spare")
             + specs(rng, [draw.country("GB") for _ in range(3)], "Spare GB"))
    account.buy_numbers(rides + reserved + market + spare)
    a = account.create_service(BUSY_AREA, geo_match_level="area-code", number_selection_behavior="prefer-sticky",
                               default_ttl=3600)
    b = account.create_service(BUSY_COUNTRY, geo_match_level="country", default_ttl=3600)
    account.add_numbers_bulk(a.sid, [(s["sid"], False) for s in rides] + [(s["sid"], True) for s in reserved])
    account.add_numbers_bulk(b.sid, [(s["sid"], False) for s in market])


def _short_groups(account: SandboxAccount, name: str, groups: list[str]) -> list[str] | None:
    service = service_named(account, name)
    if service is None:
        return None
    counts: dict[str, int] = {}
    for n in pool_of(account, service.sid):
        if n.is_reserved:
            continue
        key = rules.area_code(n.phone_number) if n.iso_country in ("US", "CA") else n.iso_country
        counts[key or "?"] = counts.get(key or "?", 0) + 1
    return [f"{g} {counts.get(g, 0)}/{BUSY_EACH}" for g in groups if counts.get(g, 0) < BUSY_EACH]


def check_busy_pool(account: SandboxAccount) -> GoalState:
    area = _short_groups(account, BUSY_AREA, list(BUSY_AREAS))
    country = _short_groups(account, BUSY_COUNTRY, ["GB"])
    if area is None:
        return gone(BUSY_AREA)
    if country is None:
        return gone(BUSY_COUNTRY)
    short = [f"{BUSY_AREA} {s}" for s in area] + [f"{BUSY_COUNTRY} {s}" for s in country]
    return GoalState(not short, ("still short: " + ", ".join(short)) if short
                     else f"every group has {BUSY_EACH} unreserved numbers")


# -- empty -----------------------------------------------------------------------------------------------

def populate_empty(account: SandboxAccount, rng: random.Random) -> None:
    draw = Numbers(rng)
    account.buy_numbers(specs(rng, list(areas(draw, {"415": 8, "212": 4})), "Spare")
                        + specs(rng, [draw.country("GB") for _ in range(4)], "Spare GB"))


EMPTY_UNRESERVED, EMPTY_RESERVED = 5, 1


def check_empty(account: SandboxAccount) -> GoalState:
    best = None
    for service in account.services():
        stats = account.pool_stats(service.sid)
        if stats.unreserved >= EMPTY_UNRESERVED and stats.reserved >= EMPTY_RESERVED:
            return GoalState(True, f"{service.unique_name}: {stats.unreserved} unreserved, {stats.reserved} reserved")
        best = best or (service.unique_name, stats)
    if best is None:
        return GoalState(False, "no Service yet")
    name, stats = best
    return GoalState(False, f"{name}: {stats.unreserved}/{EMPTY_UNRESERVED} unreserved, "
                            f"{stats.reserved}/{EMPTY_RESERVED} reserved")


# -- the catalogue -------------------------------------------------------------------------------------------

SCENARIOS: dict[str, Scenario] = {s.name: s for s in (
    Scenario(
        "near-limit",
        "two pools just under 85 % of Twilio's limits: 80624 after a few changes, then 80622",
        f"{NEAR_SMALL} holds {NEAR_UNRESERVED} of 500 unreserved numbers and {NEAR_RESERVED_SPARE} reserved ones; "
        f"{NEAR_LARGE} holds {NEAR_RESERVED:,} of 5,000 reserved. Look at the gauges. Unreserve two reserved "
        f"numbers of {NEAR_SMALL} (r), or add two of the {NEAR_SPARES} spare numbers (a): at 425 the gauge turns "
        f"and Twilio warns (80624). Mark many reserved numbers (space) and unreserve them all (r): past 500 "
        f"each one is refused with 80622, and the summary says which.",
        f"Bring {NEAR_SMALL} to exactly 500 unreserved numbers and {NEAR_LARGE} to the 85 % warning "
        f"(4,250 reserved), without removing a number.",
        populate_near_limit, check_near_limit,
    ),
    Scenario(
        "in-use",
        "numbers held by active sessions (some for a day): 80611 on remove, drain, close sessions",
        f"In {IN_USE} four numbers named '{RETIRE} 1-4' must leave the pool, but active sessions hold them "
        f"(In use 2 each). Try to remove one (d): Twilio refuses with 80611. Drain it (D): it is reserved, and "
        f"removed once no session holds it. '{RETIRE} 1' and '2' are held by sessions with a 5-minute TTL; "
        f"'{RETIRE} 3' and '4' by sessions that last a day: see them with v, or the Service's sessions "
        f"(S on the Services screen), and close just those.",
        f"Take the four '{RETIRE}' numbers out of {IN_USE} without closing the 'keep-' sessions of the other numbers.",
        populate_in_use, check_in_use,
    ),
    Scenario(
        "messaging-conflict",
        "spare numbers in a Messaging Service (80601 on add) beside pool numbers that joined one safely",
        f"The account has {CONFLICT_FREE + CONFLICT_TAKEN} spare numbers. {CONFLICT_TAKEN} of them ('Order alerts') "
        f"send messages through a Messaging Service: Proxy refuses them (80601), and the add dialog says why. "
        f"The order matters: {CONFLICT_POOLED_IN_MG} numbers of {CONFLICT} were put in a Messaging Service after "
        f"they joined the pool, which Twilio allows (that Messaging Service must defer inbound messages to the "
        f"number's webhook, or Proxy stops receiving them).",
        f"Add to {CONFLICT} every spare number Proxy accepts ({CONFLICT_FREE}), and leave the "
        f"{CONFLICT_TAKEN} in the Messaging Service out.",
        populate_messaging_conflict, check_messaging_conflict,
    ),
    Scenario(
        "busy-pool",
        "pools too small for their traffic: Simulate shows 80206/80208 and 'short by N'",
        f"{BUSY_AREA} matches by area code and has 3 unreserved numbers in 415 and 2 in 212; {BUSY_COUNTRY} "
        f"has 3 GB numbers. Open a pool and Simulate it (s): the inputs start from traffic where each person "
        f"wants {BUSY_EACH} sessions at once. Play it (space): {BUSY_AREA} refuses with 80206, {BUSY_COUNTRY} with "
        f"80208, and 'How many numbers does this pool need?' says short by how many. The account has spare "
        f"numbers in 415, 212 and GB; the 2 reserved 415 numbers do not count (reserved numbers are never "
        f"chosen automatically).",
        f"Give each group of people {BUSY_EACH} unreserved numbers (415 and 212 in {BUSY_AREA}, GB in "
        f"{BUSY_COUNTRY}), so Simulate says the pool has enough.",
        populate_busy_pool, check_busy_pool,
        simulate={
            BUSY_AREA: {"participants": 12, "sessions_each": BUSY_EACH, "length": 6, "seed": 1,
                        "countries": (("US", 1.0),)},
            BUSY_COUNTRY: {"participants": 10, "sessions_each": BUSY_EACH, "length": 6, "seed": 1,
                           "countries": (("GB", 1.0),)},
        },
    ),
    Scenario(
        "empty",
        "an account with spare numbers and no Service: build a pool from nothing",
        "The account owns 16 numbers (415, 212 and GB) and has no Proxy Service. Create a Service (C on the "
        "Services screen: its unique name must be unique, 80602), open it and add numbers (a). The account's "
        "numbers (N) can be bought by area code or country, and released when they are in no pool.",
        f"Create a Service whose pool has at least {EMPTY_UNRESERVED} unreserved numbers and "
        f"{EMPTY_RESERVED} reserved one.",
        populate_empty, check_empty,
    ),
)}


def get(name: str) -> Scenario:
    """The scenario called `name`; ValueError (listing them) for any other name."""
    try:
        return SCENARIOS[name]
    except KeyError:
        raise ValueError(f"unknown scenario {name!r}: one of {', '.join(SCENARIOS)} "
                         "(proxy-pool sandbox scenarios lists them)") from None


def of_origin(origin: dict[str, Any] | None) -> Scenario | None:
    """The scenario a sandbox was built from (its meta's origin), or None."""
    name = (origin or {}).get("scenario")
    return SCENARIOS.get(name) if (origin or {}).get("kind") == "scenario" and name else None


def populate(account: SandboxAccount, name: str, seed: int) -> None:
    get(name).populate(account, random.Random(f"proxy-pool-scenario:{name}:{seed}"))
