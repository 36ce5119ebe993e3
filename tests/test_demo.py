"""The demo account: realistic, valid, and the same for the same seed."""

from __future__ import annotations

from collections import Counter

import phonenumbers
import pytest

from sandbox.account import SandboxAccount
from sandbox.build import build_sandbox
from tests.paging import every_item as everything
from tui.core import wire
from tui.core.resources import RESERVED_LIMIT, UNRESERVED_LIMIT
from tui.core.sids import is_sid


def contents(account: SandboxAccount) -> dict:
    """What a user sees of the account, minus the dates (they record when it was made)."""
    def plain(data: dict) -> dict:
        return {k: v for k, v in data.items() if k not in ("date_created", "date_updated")}

    services = everything(account.list_services)
    return {
        "account": account.account_sid,
        "services": [plain(wire.render(s)) for s in services],
        "pools": {s.sid: [plain(wire.render(n)) for n in everything(account.list_numbers, s.sid)]
                  for s in services},
        "owned": [(plain(wire.render(n)), n.messaging_service_sid) for n in everything(account.list_account_numbers)],
    }


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    account = build_sandbox(tmp_path_factory.mktemp("demo") / "demo.json", kind="demo", seed=7)
    yield account
    account.close()


def test_same_seed_same_account(demo, tmp_path):
    again = build_sandbox(tmp_path / "again.json", kind="demo", seed=7)
    try:
        assert contents(again) == contents(demo)
    finally:
        again.close()


def test_another_seed_another_account(demo, tmp_path):
    other = build_sandbox(tmp_path / "other.json", kind="demo", seed=8)
    try:
        mine, theirs = contents(demo), contents(other)
        assert theirs["account"] != mine["account"]
        assert {n["phone_number"] for n, _ in theirs["owned"]} != {n["phone_number"] for n, _ in mine["owned"]}
        # the shape of the demo is the same: same Services, about the same size
        assert [s["unique_name"] for s in theirs["services"]] == [s["unique_name"] for s in mine["services"]]
    finally:
        other.close()


def test_three_services_with_different_behaviour(demo):
    services = everything(demo.list_services)
    assert len(services) == 3
    assert len({s.unique_name for s in services}) == 3
    combos = {(s.number_selection_behavior, s.geo_match_level) for s in services}
    assert len(combos) == 3
    assert {s.number_selection_behavior for s in services} == {"prefer-sticky", "avoid-sticky"}
    assert len({s.geo_match_level for s in services}) == 3
    assert all(is_sid(s.sid, "KS") and s.account_sid == demo.account_sid for s in services)
    assert all(s.callback_url and s.callback_url.startswith("https://") and s.default_ttl > 0 for s in services)


def test_about_300_pool_numbers_across_five_countries_some_reserved(demo):
    total = 0
    countries: Counter = Counter()
    for service in everything(demo.list_services):
        numbers = everything(demo.list_numbers, service.sid)
        stats = demo.pool_stats(service.sid)
        reserved = sum(n.is_reserved for n in numbers)
        assert 0 < reserved < len(numbers)
        assert (stats.reserved, stats.unreserved) == (reserved, len(numbers) - reserved)
        assert stats.reserved <= RESERVED_LIMIT and stats.unreserved <= UNRESERVED_LIMIT and not stats.warning
        countries.update(n.iso_country for n in numbers)
        total += len(numbers)
        assert len({n.friendly_name for n in numbers}) == len(numbers)  # each number named for people
    assert 280 <= total <= 320
    assert set(countries) == {"US", "CA", "GB", "AU", "DE"}


def test_every_number_is_valid_and_in_its_country(demo):
    owned = everything(demo.list_account_numbers)
    assert len({n.phone_number for n in owned}) == len(owned)
    assert len({n.sid for n in owned}) == len(owned)
    for number in owned:
        parsed = phonenumbers.parse(number.phone_number, None)
        assert phonenumbers.is_valid_number(parsed), number.phone_number
        assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == number.phone_number
        assert number.iso_country == phonenumbers.region_code_for_number(parsed)
        assert number.iso_country in {"US", "CA", "GB", "AU", "DE"}
        assert is_sid(number.sid, "PN") and number.friendly_name


def test_capabilities_vary(demo):
    mixes = Counter(n.capabilities for n in everything(demo.list_account_numbers))
    voice_sms = sum(c for caps, c in mixes.items() if caps.voice and caps.sms)
    assert voice_sms > sum(mixes.values()) / 2  # mostly voice + SMS
    assert any(caps.sms and not caps.voice for caps in mixes)
    assert any(caps.voice and not caps.sms for caps in mixes)
    assert any(caps.mms for caps in mixes)


def test_owned_numbers_in_no_pool_some_in_a_messaging_service(demo):
    owned = everything(demo.list_account_numbers)
    spare = [n for n in owned if n.service_sid is None]
    assert len(spare) >= 50
    messaging = [n for n in spare if n.messaging_service_sid]
    assert len(messaging) == 6  # 80601 can be met with each of them
    assert all(is_sid(n.messaging_service_sid, "MG") and n.capabilities.sms for n in messaging)


def test_two_messaging_services_one_deferring_to_its_numbers(demo):
    services = everything(demo.list_messaging_services)
    assert [(m.friendly_name, m.use_inbound_webhook_on_number) for m in services] == [
        ("Order alerts", False), ("Verification codes", True)]
    owned = {n.sid: n for n in everything(demo.list_account_numbers)}
    for ms in services:
        members = everything(demo.list_messaging_numbers, ms.sid)
        assert len(members) == 4 and all(owned[m.sid].messaging == ms.link for m in members)
        # one pool number each: the reverse order Twilio allows, which the app warns about when not deferring
        assert sum(owned[m.sid].service_sid is not None for m in members) == 1
    pooled = [n for n in owned.values() if n.service_sid and n.messaging]
    food = demo.service_named("dashbite-courier-contact").sid
    assert {(n.service_sid == food, n.messaging.use_inbound_webhook_on_number) for n in pooled} == {
        (True, False), (False, True)}


def test_every_generated_sid_and_the_token_are_their_own(demo, tmp_path):
    """No 32 hex digits repeat across the account, its Services, numbers and Messaging Services, or its
    auth token (the scale sandbox once reused the account's as its first numbers')."""
    hexes = [demo.account_sid[2:], demo.meta["auth_token"]]
    hexes += [s.sid[2:] for s in everything(demo.list_services)]
    hexes += [n.sid[2:] for n in everything(demo.list_account_numbers)]
    hexes += [m.sid[2:] for m in everything(demo.list_messaging_services)]
    assert len(hexes) == len(set(hexes)) > 350


def test_origin_is_recorded(demo):
    assert demo.meta["origin"] == {"kind": "demo", "seed": 7, "scale": None}


def test_empty_kind_has_no_services(tmp_path):
    account = build_sandbox(tmp_path / "empty.json", kind="empty", seed=3)
    try:
        assert everything(account.list_services) == [] and everything(account.list_account_numbers) == []
        assert account.meta["origin"] == {"kind": "empty", "seed": 3, "scale": None}
    finally:
        account.close()


def test_build_sandbox_refuses_bad_requests(tmp_path):
    with pytest.raises(ValueError, match="kind"):
        build_sandbox(tmp_path / "x.json", kind="huge")
    with pytest.raises(ValueError, match="scale"):
        build_sandbox(tmp_path / "x.json", kind="scale", scale=0)
    assert not (tmp_path / "x.json").exists()
