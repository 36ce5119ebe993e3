"""Each training scenario keeps its promise, deterministically (no hypothesis): what its briefing says
a trainee meets is what the sandbox answers, and its goal is reached by doing what the goal asks
(and not by anything else). Built with `proxy-pool sandbox init --scenario`, as a trainer does."""

from __future__ import annotations

import asyncio

import pytest

from sandbox import scenarios
from sandbox.account import SandboxAccount
from sandbox.backend import SandboxBackend
from sandbox.build import build_sandbox
from sandbox.traffic import TrafficEngine, TrafficParams
from tests.paging import every_item
from tui.cli import main
from tui.core.errors import ProxyError


def built(tmp_path, name: str, seed: int = 7) -> SandboxAccount:
    path = tmp_path / f"{name}.json"
    assert main(["sandbox", "init", str(path), "--scenario", name, "--seed", str(seed)]) == 0
    return SandboxAccount.open(path)


def refused(call, *args, **kwargs) -> ProxyError:
    with pytest.raises(ProxyError) as caught:
        call(*args, **kwargs)
    return caught.value


def spare_sids(account: SandboxAccount, messaging: bool | None = None) -> list[str]:
    return [n.sid for n in account.spare_numbers()
            if messaging is None or bool(n.messaging_service_sid) == messaging]


def test_the_scenarios_are_listed_one_line_each(capsys):
    assert main(["sandbox", "scenarios"]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line and not line.startswith("Build one")]
    assert [line.split()[0] for line in lines] == ["near-limit", "in-use", "messaging-conflict", "busy-pool", "empty"]
    assert all(len(line.split(None, 1)[1]) > 20 for line in lines)  # a line that says what it shows


def test_an_unknown_scenario_is_one_line_and_no_file(tmp_path, capsys):
    path = tmp_path / "x.json"
    assert main(["sandbox", "init", str(path), "--scenario", "nope"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown scenario 'nope'" in err and "near-limit" in err
    assert not path.exists()


@pytest.mark.parametrize("name", list(scenarios.SCENARIOS))
def test_every_generated_sid_and_token_is_its_own_random(tmp_path, name):
    """No 32 hex digits repeat across the account's SID and token, its Services, numbers,
    Messaging Services and sessions (a class should never see one SID's hex in another)."""
    account = build_sandbox(tmp_path / f"{name}.json", kind="scenario", scenario=name)
    try:
        hexes = [account.account_sid[2:], account.meta["auth_token"]]
        hexes += [s.sid[2:] for s in account.services()]
        hexes += [n.sid[2:] for n in every_item(account.list_account_numbers)]
        hexes += [m.sid[2:] for m in every_item(account.list_messaging_services)]
        for service in account.services():
            hexes += [x.sid[2:] for x in every_item(account.list_sessions, service.sid)]
        assert len(hexes) == len(set(hexes)) > 10
    finally:
        account.close()


@pytest.mark.parametrize("name", list(scenarios.SCENARIOS))
def test_same_seed_same_scenario_other_seed_other_numbers(tmp_path, name):
    def picture(seed: int, where: str) -> tuple:
        account = build_sandbox(tmp_path / f"{where}.json", kind="scenario", scenario=name, seed=seed)
        try:
            pools = [(s.sid, s.unique_name, tuple((n.sid, n.phone_number, n.is_reserved)
                                                  for n in scenarios.pool_of(account, s.sid)))
                     for s in account.services()]
            owned = tuple(sorted(account.owned_phone_numbers()))
            return account.account_sid, account.meta["auth_token"], pools, owned
        finally:
            account.close()

    first, again, other = picture(7, "a"), picture(7, "b"), picture(8, "c")
    assert first == again
    assert first[3] != other[3]
    state = scenarios.get(name).check(SandboxAccount.open(tmp_path / "a.json"))
    assert not state.reached and state.progress  # nothing is done at the start


# -- near-limit -------------------------------------------------------------------------------------

def test_near_limit_a_few_adds_warn_then_80622_and_the_goal(tmp_path):
    account = built(tmp_path, "near-limit")
    small = account.service_named(scenarios.NEAR_SMALL).sid
    large = account.service_named(scenarios.NEAR_LARGE).sid
    spares = spare_sids(account)
    assert not account.pool_stats(small).warning and account.pool_stats(small).unreserved == 423
    account.add_number(small, sid=spares[0])
    assert not account.pool_stats(small).unreserved_warning  # 424
    account.add_number(small, sid=spares[1])
    assert account.pool_stats(small).unreserved_warning  # 425 = 85 %: 80624
    # unreserving its reserved numbers takes it to the limit; the next one is refused
    reserved = [n for n in scenarios.pool_of(account, small) if n.is_reserved]
    for n in reserved[:75]:
        account.set_reserved(small, n.sid, False)
    assert account.pool_stats(small).unreserved == 500
    assert refused(account.set_reserved, small, reserved[75].sid, False).code == 80622
    assert refused(account.add_number, small, sid=spares[2]).code == 80622
    goal = scenarios.check_near_limit(account)
    assert not goal.reached and f"{scenarios.NEAR_SMALL}: 500/500" in goal.progress
    # the reserved pool: 4,240 -> ten more reserved reach the warning
    unreserved = [n for n in scenarios.pool_of(account, large) if not n.is_reserved]
    for n in unreserved[:9]:
        account.set_reserved(large, n.sid, True)
    assert not account.pool_stats(large).reserved_warning
    account.set_reserved(large, unreserved[9].sid, True)
    assert account.pool_stats(large).reserved_warning
    assert scenarios.check_near_limit(account).reached
    account.close()


def test_near_limit_goal_is_not_reached_by_removing_numbers(tmp_path):
    account = built(tmp_path, "near-limit")
    small = account.service_named(scenarios.NEAR_SMALL).sid
    reserved = [n for n in scenarios.pool_of(account, small) if n.is_reserved]
    for n in reserved[:80]:  # unreserve what fits, remove the rest of the way
        try:
            account.set_reserved(small, n.sid, False)
        except ProxyError:
            account.remove_number(small, n.sid)
    goal = scenarios.check_near_limit(account)
    assert not goal.reached
    account.close()


# -- in-use -------------------------------------------------------------------------------------------

def test_in_use_retiring_numbers_meet_80611_until_their_sessions_end(tmp_path):
    account = built(tmp_path, "in-use")
    sid = account.service_named(scenarios.IN_USE).sid
    retiring = [n for n in scenarios.pool_of(account, sid) if n.friendly_name.startswith("Retire")]
    assert len(retiring) == 4 and all(n.in_use == 2 for n in retiring)
    ttls = sorted({s.ttl for s in account.list_sessions(sid, 100).items if s.unique_name.startswith("retire-")})
    assert ttls == [scenarios.SHORT_TTL, scenarios.LONG_TTL]  # some end soon, some last a day
    for n in retiring:
        assert refused(account.remove_number, sid, n.sid).code == 80611
    # closing every session (the keep- ones too) frees them, but that is not the exercise
    for session in account.list_sessions(sid, 100).items:
        if session.unique_name.startswith("retire-"):
            account.update_session(sid, session.sid, status="closed")
    for n in retiring:
        account.remove_number(sid, n.sid)
    assert scenarios.check_in_use(account).reached
    keep = next(s for s in account.list_sessions(sid, 100).items if s.unique_name == "keep-1")
    account.update_session(sid, keep.sid, status="closed")
    state = scenarios.check_in_use(account)
    assert not state.reached and "3 of 4 'keep-' sessions active" in state.progress
    account.close()


# -- messaging-conflict ---------------------------------------------------------------------------------

def test_messaging_conflict_80601_for_the_messaging_numbers_and_the_safe_order(tmp_path):
    account = built(tmp_path, "messaging-conflict")
    sid = account.service_named(scenarios.CONFLICT).sid
    blocked, free = spare_sids(account, messaging=True), spare_sids(account, messaging=False)
    assert (len(blocked), len(free)) == (scenarios.CONFLICT_TAKEN, scenarios.CONFLICT_FREE)
    for number in blocked:
        assert refused(account.add_number, sid, sid=number).code == 80601
    # pool numbers that joined a Messaging Service afterwards: the allowed order, still in the pool
    pooled = scenarios.pool_of(account, sid)
    in_mg = [n for n in pooled if account.get_account_number(n.sid).messaging_service_sid]
    assert len(in_mg) == scenarios.CONFLICT_POOLED_IN_MG
    for number in free[:-1]:
        account.add_number(sid, sid=number)
    assert not scenarios.check_messaging_conflict(account).reached
    account.add_number(sid, sid=free[-1])
    assert scenarios.check_messaging_conflict(account).reached
    account.close()


# -- busy-pool ------------------------------------------------------------------------------------------------

def run_traffic(backend: SandboxBackend, name: str, ticks: int = 8):
    service = backend.account.service_named(name)
    engine = TrafficEngine(backend, service, TrafficParams(**scenarios.get("busy-pool").simulate[name]))

    async def go():
        for _ in range(ticks):
            snapshot = await engine.step()
        await engine.reset()
        return snapshot

    return asyncio.run(go())


def test_busy_pool_simulate_shows_80206_80208_and_the_shortfall_then_enough(tmp_path):
    account = built(tmp_path, "busy-pool")
    backend = SandboxBackend(account)
    try:
        rides = run_traffic(backend, scenarios.BUSY_AREA)
        assert 80206 in rides.errors_by_code and rides.shortfall == 2 + 1  # 212 short by 2, 415 by 1
        market = run_traffic(backend, scenarios.BUSY_COUNTRY)
        assert 80208 in market.errors_by_code and market.shortfall == 1
        # the reserved 415 numbers are no help until they are unreserved; the spares are
        a = account.service_named(scenarios.BUSY_AREA).sid
        b = account.service_named(scenarios.BUSY_COUNTRY).sid
        spares = account.spare_numbers()
        account.add_number(b, sid=next(n.sid for n in spares if n.iso_country == "GB"))
        for n in [n for n in spares if n.phone_number.startswith("+1212")][:2]:
            account.add_number(a, sid=n.sid)
        assert not scenarios.check_busy_pool(account).reached  # 415 is still one short
        kept = next(n for n in scenarios.pool_of(account, a) if n.is_reserved)
        account.set_reserved(a, kept.sid, False)
        assert scenarios.check_busy_pool(account).reached
        assert run_traffic(backend, scenarios.BUSY_AREA).shortfall == 0
        assert run_traffic(backend, scenarios.BUSY_COUNTRY).shortfall == 0
    finally:
        backend.close()


# -- empty ----------------------------------------------------------------------------------------------------

def test_empty_has_spare_numbers_and_no_service_and_a_pool_reaches_the_goal(tmp_path):
    account = built(tmp_path, "empty")
    assert account.services() == [] and len(account.spare_numbers()) == 16
    service = account.create_service("my-first-pool")
    assert refused(account.create_service, "my-first-pool").code == 80602
    spares = spare_sids(account)
    for number in spares[:5]:
        account.add_number(service.sid, sid=number)
    assert not scenarios.check_empty(account).reached
    account.add_number(service.sid, sid=spares[5], is_reserved=True)
    assert scenarios.check_empty(account).reached
    account.close()


# -- reset ----------------------------------------------------------------------------------------------------

def test_sandbox_reset_brings_the_scenario_back_with_the_same_credentials(tmp_path, capsys):
    account = built(tmp_path, "messaging-conflict")
    sid, token = account.account_sid, account.meta["auth_token"]
    service = account.service_named(scenarios.CONFLICT).sid
    for number in spare_sids(account, messaging=False):
        account.add_number(service, sid=number)
    assert scenarios.check_messaging_conflict(account).reached
    account.close()
    path = tmp_path / "messaging-conflict.json"
    assert main(["sandbox", "reset", str(path)]) == 0
    assert "Reset" in capsys.readouterr().out
    again = SandboxAccount.open(path)
    assert (again.account_sid, again.meta["auth_token"]) == (sid, token)
    assert not scenarios.check_messaging_conflict(again).reached
    assert len(spare_sids(again, messaging=False)) == scenarios.CONFLICT_FREE
    again.close()


def test_reset_of_a_sandbox_not_built_from_a_seed_says_so(tmp_path, capsys):
    from tests.app_fixtures import build_app_sandbox

    build_app_sandbox(tmp_path / "t.json").close()
    assert main(["sandbox", "reset", str(tmp_path / "t.json")]) == 1
    assert "cannot be reset" in capsys.readouterr().err


def test_a_trainee_identity_changes_the_credentials_not_the_numbers(tmp_path):
    a = build_sandbox(tmp_path / "a.json", kind="scenario", scenario="in-use", identity="trainee-01")
    b = build_sandbox(tmp_path / "b.json", kind="scenario", scenario="in-use", identity="trainee-02")
    try:
        assert a.account_sid != b.account_sid and a.meta["auth_token"] != b.meta["auth_token"]
        assert a.owned_phone_numbers() == b.owned_phone_numbers()
    finally:
        a.close()
        b.close()
