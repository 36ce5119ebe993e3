"""`proxy-pool sandbox init PATH --scale N`: N Services with full pools of valid, repeatable numbers."""

from __future__ import annotations

import random

import phonenumbers
import pytest

from sandbox.account import SandboxAccount
from sandbox.scale import populate_scale, scale_numbers
from tests.paging import every_item as every
from tui.cli import main
from tui.core.errors import ProxyError
from tui.core.resources import RESERVED_LIMIT, UNRESERVED_LIMIT


def pools_of(acct: SandboxAccount) -> dict[str, list]:
    return {s.unique_name: every(acct.list_numbers, s.sid) for s in every(acct.list_services)}


@pytest.fixture(scope="module")
def scaled(tmp_path_factory):
    """Two full pools made through the command line, seed 5."""
    path = tmp_path_factory.mktemp("scale") / "sandbox.json"
    assert main(["sandbox", "init", str(path), "--scale", "2", "--seed", "5"]) == 0
    acct = SandboxAccount.open(path)
    yield acct
    acct.close()


def test_every_service_has_a_full_pool(scaled):
    services = every(scaled.list_services)
    assert [s.unique_name for s in services] == ["scale-01", "scale-02"]
    for service in services:
        stats = scaled.pool_stats(service.sid)
        assert (stats.reserved, stats.unreserved) == (RESERVED_LIMIT, UNRESERVED_LIMIT)


def test_numbers_are_valid_us_or_canadian_and_in_one_pool_each(scaled):
    pools = pools_of(scaled)
    numbers = [n for pool in pools.values() for n in pool]
    assert len(numbers) == 2 * (RESERVED_LIMIT + UNRESERVED_LIMIT)
    assert len({n.sid for n in numbers}) == len(numbers)
    assert len({n.phone_number for n in numbers}) == len(numbers)
    for n in numbers:
        parsed = phonenumbers.parse(n.phone_number)
        assert phonenumbers.is_valid_number(parsed), n.phone_number
        assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == n.phone_number
        assert n.iso_country == phonenumbers.region_code_for_number(parsed)
    assert {n.iso_country for n in numbers} == {"US", "CA"}
    owned = {a.sid: a.service_sid for a in every(scaled.list_account_numbers)}
    for name, pool in pools.items():
        sid = next(s.sid for s in every(scaled.list_services) if s.unique_name == name)
        assert all(owned[n.sid] == sid for n in pool)


def test_a_full_pool_refuses_one_more_number_either_way(scaled):
    service = every(scaled.list_services)[0]
    spare = scaled.buy_number(scale_numbers(11_001, seed=5)[-1])
    for reserved in (True, False):
        with pytest.raises(ProxyError) as err:
            scaled.add_number(service.sid, sid=spare.sid, is_reserved=reserved)
        assert err.value.code == 80622
    scaled.release_number(spare.sid)


def test_the_same_seed_makes_the_same_sandbox(scaled, tmp_path):
    acct = SandboxAccount.create(tmp_path / "again.json", rng=random.Random(5))
    try:
        populate_scale(acct, 1, seed=5)
        again = pools_of(acct)["scale-01"]
    finally:
        acct.close()
    first = pools_of(scaled)["scale-01"]
    assert [(n.sid, n.phone_number, n.is_reserved, n.friendly_name) for n in again] == [
        (n.sid, n.phone_number, n.is_reserved, n.friendly_name) for n in first]
    assert every(scaled.list_services)[0].sid == every(acct.list_services)[0].sid


def test_another_seed_makes_other_numbers():
    assert scale_numbers(500, seed=1) == scale_numbers(500, seed=1)
    assert scale_numbers(500, seed=1) != scale_numbers(500, seed=2)


def test_every_generated_sid_and_the_token_are_their_own(scaled):
    """The account's SID and token, the Services' and the numbers' SIDs share no 32 hex digits (their
    generators once started from the same seed, so the first numbers repeated the account's)."""
    hexes = [scaled.account_sid[2:], scaled.meta["auth_token"]]
    hexes += [s.sid[2:] for s in every(scaled.list_services)]
    hexes += [n.sid[2:] for n in every(scaled.list_account_numbers)]
    assert len(hexes) == len(set(hexes)) == 2 + 2 + 2 * (RESERVED_LIMIT + UNRESERVED_LIMIT)
