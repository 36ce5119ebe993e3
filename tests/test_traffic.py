"""The traffic engine behind the Simulate screen: real sandbox sessions, repeatable runs, and
figures that match sandbox/capacity.py's recounts of what the sandbox holds."""

from __future__ import annotations

import random
from collections import Counter

import phonenumbers
import pytest

from sandbox import capacity
from sandbox.account import SandboxAccount
from sandbox.backend import SandboxBackend
from sandbox.traffic import (
    RUN_PREFIX,
    TrafficEngine,
    TrafficInputError,
    TrafficParams,
    allot,
    delete_sessions,
    make_identifiers,
    orphans,
    parse_country_mix,
    run_of,
)
from tests.app_fixtures import GB_NUMBERS, _specs, us_numbers
from tests.clock import FakeClock
from tui.core import wire
from tui.core.phone import iso_country


def small_pool(path, *, us: int = 6, gb: int = 2, reserved_us: int = 1, geo: str = "country") -> SandboxBackend:
    """One Service: `us` US numbers (the first `reserved_us` reserved) and `gb` GB numbers."""
    rng = random.Random(3)
    account = SandboxAccount.create(path, rng=rng)
    specs = _specs(us_numbers(us) + GB_NUMBERS[:gb], rng, "Sim")
    account.buy_numbers(specs)
    service = account.create_service("sim", geo_match_level=geo)
    account.add_numbers_bulk(service.sid, [(s["sid"], i < reserved_us) for i, s in enumerate(specs)])
    return SandboxBackend(account)


def all_numbers(account, service_sid):
    return account.list_numbers(service_sid, 100).items


async def run(backend, ticks: int, **params):
    service = backend.account.list_services(50).items[0]
    engine = TrafficEngine(backend, service, TrafficParams(**params), record_intervals=True)
    shots = [await engine.step() for _ in range(ticks)]
    return engine, shots


def figures(shot):
    """A snapshot without SIDs: what must repeat for the same seed."""
    return (shot.tick, shot.active, shot.opened, shot.ended, shot.refused, shot.busy, shot.unreserved,
            shot.utilisation, [e.text for e in shot.errors], shot.errors_by_code,
            [(n.phone_number, n.in_use) for n in shot.busiest], shot.needs_now, shot.needs_peak)


async def test_same_seed_same_run_other_seed_other_run(tmp_path):
    params = dict(participants=12, sessions_each=2, length=3, countries=parse_country_mix("US:75,GB:25"), seed=5)
    a = small_pool(tmp_path / "a.json")
    b = small_pool(tmp_path / "b.json")
    c = small_pool(tmp_path / "c.json")
    try:
        _, first = await run(a, 8, **params)
        _, second = await run(b, 8, **params)
        _, other = await run(c, 8, **{**params, "seed": 6})
    finally:
        for backend in (a, b, c):
            backend.close()
    assert [figures(s) for s in first] == [figures(s) for s in second]
    assert [figures(s) for s in first] != [figures(s) for s in other]
    assert first[-1].tick == 8 and first[0].opened > 0


async def test_figures_match_the_sandbox_and_capacity_recounts(tmp_path):
    backend = small_pool(tmp_path / "s.json", us=8, gb=3)
    account = backend.account
    try:
        engine, shots = await run(backend, 10, participants=10, sessions_each=2, length=4,
                                  countries=parse_country_mix("US:70,GB:30"), seed=2)
        svc = engine.service.sid
        last = shots[-1]
        pool = capacity.pool_numbers(wire.render(n) for n in all_numbers(account, svc))
        active = account.active_participations(svc)
        # every active session of the Service is the run's, each with two participants
        assert {s for _, s, _ in active} == set(engine.open) and len(active) == 2 * last.active
        # in_use per number: the sandbox's own figures
        numbers = all_numbers(account, svc)
        assert [(n.sid, n.in_use) for n in last.busiest] == sorted(
            ((n.sid, n.in_use) for n in numbers if n.in_use), key=lambda x: -x[1])
        unreserved = [n for n in numbers if not n.is_reserved]
        assert last.utilisation[-1] == sum(1 for n in unreserved if n.in_use) / len(unreserved)
        assert last.refused == 0  # enough numbers: needs now equal the recount of the sandbox's sessions
        assert last.needs_now == capacity.needed_now([(i, s) for i, s, _ in active], pool, "country",
                                                     "voice-and-message")
        assert last.needs_peak == capacity.needed_over_time(engine.run_intervals(), pool, "country",
                                                            "voice-and-message")
        # finished sessions are deleted, not left behind: the pool file holds only the open ones
        assert len(account.list_sessions(svc, 100).items) == last.active
        assert sum(s.ended for s in shots) > 0
    finally:
        backend.close()


async def test_a_run_is_not_cut_short_by_the_services_default_ttl(tmp_path):
    """Sessions last their length in ticks: wall-clock time passing between ticks (a paused run)
    does not close them, even on a Service whose default_ttl would."""
    params = dict(participants=8, sessions_each=2, length=4, seed=9)
    steady = small_pool(tmp_path / "a.json")
    paused = small_pool(tmp_path / "b.json")
    clock = FakeClock()
    paused.account.clock = clock
    for backend in (steady, paused):
        backend.account.update_service(backend.account.list_services(50).items[0].sid, default_ttl=60)
    try:
        service = paused.account.list_services(50).items[0]
        engine = TrafficEngine(paused, service, TrafficParams(**params))
        shots = []
        for _ in range(6):
            shots.append(await engine.step())
            clock.advance(3600)  # an hour between ticks: far past the Service's default_ttl
        sessions = paused.account.list_sessions(service.sid, 100).items
        assert sessions and {(s.ttl, s.status) for s in sessions} == {(0, "open")}
        _, same = await run(steady, 6, **params)
        assert [figures(s) for s in shots] == [figures(s) for s in same]
    finally:
        steady.close()
        paused.close()


def brute_force_peak(intervals):
    """The most sessions any identifier holds at any tick, by walking every tick."""
    best: Counter[str] = Counter()
    last = int(max(end for _, _, end in intervals))
    for t in range(last + 1):
        now = Counter(who for who, start, end in intervals if start <= t < end)
        for who, n in now.items():
            best[who] = max(best[who], n)
    return best


async def test_too_small_pool_80208_and_a_shortfall_brute_force_recount(tmp_path):
    # 2 GB numbers; GB people want 3 sessions each at once: the third is refused (80208)
    backend = small_pool(tmp_path / "s.json", us=6, gb=2)
    try:
        engine, shots = await run(backend, 6, participants=6, sessions_each=3, length=4,
                                  countries=parse_country_mix("GB"), seed=1)
        codes = Counter()
        for shot in shots:
            codes.update(e.code for e in shot.errors for _ in range(e.count))
        assert codes[80208] > 0 and set(codes) == {80208}
        assert any("No Available Unused Proxy" in e.message for s in shots for e in s.errors)
        last = shots[-1]
        gb = next(n for n in last.needs_peak if n.country == "GB")
        assert (gb.needed, gb.have, gb.shortfall) == (3, 2, 1)
        assert last.shortfall == 1
        # the peak per identifier, recounted tick by tick from every session and refusal of the run
        peak = brute_force_peak(engine.run_intervals())
        assert max(peak.values()) == gb.needed == 3
        assert engine.peak == dict(peak)
    finally:
        backend.close()


async def test_area_code_matching_groups_by_area_code(tmp_path):
    backend = small_pool(tmp_path / "s.json", us=6, gb=0, reserved_us=0, geo="area-code")
    try:
        _, shots = await run(backend, 3, participants=4, sessions_each=2, length=5, seed=3)
        assert [n.label for n in shots[-1].needs_peak] == ["US 415"]  # the pool's only area code
        assert shots[-1].needs_peak[0].have == 6 and shots[-1].refused == 0
    finally:
        backend.close()


async def test_reset_deletes_every_session_and_starts_again(tmp_path):
    backend = small_pool(tmp_path / "s.json")
    account = backend.account
    try:
        engine, shots = await run(backend, 4, participants=8, sessions_each=1, length=6, seed=4)
        svc = engine.service.sid
        assert shots[-1].active > 0 and any(n.in_use for n in all_numbers(account, svc))
        deleted = await engine.reset()
        assert deleted == shots[-1].active
        assert account.list_sessions(svc, 100).items == []
        assert not any(n.in_use for n in all_numbers(account, svc))
        again = await engine.step()
        assert again.tick == 1 and figures(again) == figures(shots[0])
    finally:
        backend.close()


async def test_a_runs_sessions_carry_its_name_and_a_dead_runs_are_found(tmp_path):
    backend = small_pool(tmp_path / "s.json")
    account = backend.account
    try:
        mine, _ = await run(backend, 2, participants=8, seed=4)
        dead, _ = await run(backend, 2, participants=6, seed=5)  # an app killed mid-run left these
        svc = mine.service.sid
        other = account.create_session(svc, unique_name="ride-1", participants=[{"identifier": "+14155550100"}])
        named = {x.sid: x.unique_name for x in account.list_sessions(svc, 100).items}
        assert all(run_of(named[sid]) == mine.run_id for sid in mine.open)
        assert all(named[sid].startswith(f"{RUN_PREFIX}{dead.run_id}-") for sid in dead.open)
        assert mine.run_id != dead.run_id and run_of("ride-1") is None and run_of(RUN_PREFIX) is None
        found = await orphans(backend, svc, live_runs={mine.run_id})
        assert {x.sid for x in found} == set(dead.open)
        assert await delete_sessions(backend, svc, [x.sid for x in found]) == len(found)
        left = {x.sid for x in account.list_sessions(svc, 100).items}
        assert left == set(mine.open) | {other.sid}  # the live run's and a person's stay
        await mine.reset()
        assert {x.sid for x in account.list_sessions(svc, 100).items} == {other.sid}
    finally:
        backend.close()


def test_country_mix_and_parameters_say_what_is_wrong():
    assert parse_country_mix("US:80, GB:20") == (("US", 0.8), ("GB", 0.2))
    assert parse_country_mix("us de") == (("US", 0.5), ("DE", 0.5))
    for bad, words in [("", "at least one country"), ("XX:5", "'XX' is not an ISO country"),
                       ("US:lots", "must be a number"), ("US:0", "above 0")]:
        with pytest.raises(TrafficInputError, match=words):
            parse_country_mix(bad)
    with pytest.raises(TrafficInputError, match="between 2 and 5,000"):
        TrafficParams(participants=1).check()
    with pytest.raises(TrafficInputError, match="Sessions per participant"):
        TrafficParams(sessions_each=0).check()
    assert allot(10, (("US", 0.75), ("GB", 0.25))) == ["US"] * 8 + ["GB"] * 2
    assert Counter(allot(7, parse_country_mix("US GB DE"))) == {"US": 3, "GB": 2, "DE": 2}


def test_identifiers_are_valid_distinct_numbers_of_their_country():
    params = TrafficParams(participants=40, countries=parse_country_mix("US:50,GB:25,DE:15,AU:10"))
    ids = make_identifiers(params, [], random.Random(1))
    assert len(set(ids)) == 40
    assert all(phonenumbers.is_valid_number(phonenumbers.parse(i)) for i in ids)
    assert Counter(iso_country(i) for i in ids) == {"US": 20, "GB": 10, "DE": 6, "AU": 4}
