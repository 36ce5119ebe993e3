"""Random sequences of pool operations on a sandbox account (hypothesis stateful).

After every step: each Service holds at most UNRESERVED_LIMIT unreserved and
RESERVED_LIMIT reserved numbers, no number is in two Services, paging returns every
number exactly once, the account matches a simple model of who holds what, and a
rejected operation changed nothing at all.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from sandbox import rules
from sandbox.account import SandboxAccount
from tests.paging import every_item as _everything
from tui.core import wire
from tui.core.errors import ProxyError

MG = "MG" + "cd" * 16
OWNED = 8  # numbers the account owns; the last two are in a Messaging Service
NAMES = ("rides", "food", "market", "rides-ca")
REJECTIONS: set[int] = set()  # every code the random runs met



def snapshot(account: SandboxAccount) -> dict:
    """Everything the account shows through its API."""
    services = _everything(account.list_services)
    return {
        "services": [wire.render(s) for s in services],
        "pools": {s.sid: [wire.render(n) for n in _everything(account.list_numbers, s.sid)] for s in services},
        "stats": {s.sid: account.pool_stats(s.sid) for s in services},
        "owned": [(wire.render(n), n.messaging_service_sid, n.service_sid)
                  for n in _everything(account.list_account_numbers)],
    }


class PoolMachine(RuleBasedStateMachine):
    services = Bundle("services")

    def __init__(self):
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="proxy-pool-stateful-"))
        self.path = self.folder / "sandbox.json"
        self.account = SandboxAccount.create(self.path, rng=random.Random(1))
        specs = [{"phone_number": f"+1415234{i:04d}"} for i in range(OWNED)]
        for spec in specs[-2:]:
            spec["messaging_service_sid"] = MG
        self.owned = [n.sid for n in self.account.buy_numbers(specs)]
        self.in_messaging = set(self.owned[-2:])
        self.model: dict[str, tuple[str, bool]] = {}  # number sid -> (service sid, is_reserved)
        self.live_services: set[str] = set()
        self.callers = 0  # identifiers used by `occupy`

    def teardown(self):
        self.account.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- running an operation ---------------------------------------------------------------

    def attempt(self, op, *args, **kwargs):
        """Run op; a rejection must leave everything exactly as it was. Returns the error or None."""
        before = snapshot(self.account)
        try:
            op(*args, **kwargs)
        except ProxyError as error:
            assert snapshot(self.account) == before, f"rejected {op.__name__} ({error.code}) changed state"
            event(f"{op.__name__} rejected with {error.code}")
            REJECTIONS.add(error.code)
            return error
        return None

    def counts(self, service_sid: str) -> tuple[int, int]:
        held = [r for s, r in self.model.values() if s == service_sid]
        return sum(held), len(held) - sum(held)

    # -- rules -----------------------------------------------------------------------------------

    @initialize(target=services, name=st.sampled_from(NAMES))
    def first_service(self, name):
        self.live_services.add(self.account.create_service(name).sid)
        return self.account.service_named(name).sid

    @rule(target=services, name=st.sampled_from(NAMES))
    def create_service(self, name):
        taken = name in {s.unique_name for s in self.account.services()}
        error = self.attempt(self.account.create_service, name)
        if taken:
            assert error is not None and error.code == 80602
        else:
            assert error is None
            self.live_services.add(self.account.service_named(name).sid)
        return self.account.service_named(name).sid

    @rule(service=services, index=st.integers(0, OWNED - 1), reserved=st.booleans(), by_number=st.booleans())
    def add(self, service, index, reserved, by_number):
        sid = self.owned[index]
        target = {"phone_number": f"+1415234{index:04d}"} if by_number else {"sid": sid}
        error = self.attempt(self.account.add_number, service, is_reserved=reserved, **target)
        if error is None:
            assert sid not in self.model and sid not in self.in_messaging
            self.model[sid] = (service, reserved)
            return
        # each refusal must have its reason
        held_by = self.model.get(sid, (None, None))[0]
        r, u = self.counts(service)
        expected = (
            20404 if service not in self.live_services
            else 80104 if held_by == service
            else 80101 if held_by is not None
            else 80601 if sid in self.in_messaging
            else 80622
        )
        assert error.code == expected
        if expected == 80622:
            assert (r >= rules.RESERVED_LIMIT) if reserved else (u >= rules.UNRESERVED_LIMIT)

    @rule(service=services, reserved=st.booleans())
    def fill(self, service, reserved):
        """The account's free numbers join one pool until it refuses: the limits (80622) in one step."""
        for sid in self.owned:
            if sid in self.model or sid in self.in_messaging:
                continue
            error = self.attempt(self.account.add_number, service, sid=sid, is_reserved=reserved)
            if error is not None:
                r, u = self.counts(service)
                assert error.code == (20404 if service not in self.live_services else 80622)
                assert service not in self.live_services or ((r >= rules.RESERVED_LIMIT) if reserved
                                                             else (u >= rules.UNRESERVED_LIMIT))
                return
            self.model[sid] = (service, reserved)

    def choose(self, pick: int, stray: bool) -> str:
        """Mostly a number some pool holds (so changes land); now and then any owned one."""
        held = sorted(self.model)
        return self.owned[pick % OWNED] if stray or not held else held[pick % len(held)]

    @rule(service=services, pick=st.integers(0, OWNED - 1), stray=st.booleans(), reserved=st.booleans())
    def set_reserved(self, service, pick, stray, reserved):
        sid = self.choose(pick, stray)
        error = self.attempt(self.account.set_reserved, service, sid, reserved)
        held = self.model.get(sid)
        if error is None:
            assert held is not None and held[0] == service
            self.model[sid] = (service, reserved)
        elif held is None or held[0] != service:
            assert error.code == 20404
        else:
            r, u = self.counts(service)
            assert error.code == 80622 and held[1] != reserved
            assert (r >= rules.RESERVED_LIMIT) if reserved else (u >= rules.UNRESERVED_LIMIT)

    @rule(service=services, pick=st.integers(0, OWNED - 1), stray=st.booleans())
    def remove(self, service, pick, stray):
        sid = self.choose(pick, stray)
        error = self.attempt(self.account.remove_number, service, sid)
        held = self.model.get(sid)
        if error is None:
            assert held is not None and held[0] == service
            del self.model[sid]
        elif held is None or held[0] != service:
            assert error.code == 20404
        else:
            assert error.code == 80611 and self.account.in_use_of(sid) > 0

    @precondition(lambda self: self.model)
    @rule(pick=st.integers(0, OWNED - 1), busy=st.integers(0, 2))
    def occupy(self, pick, busy):
        # A pool number is made busy (or drained) by real sessions holding it explicitly (a reserved
        # number may be held so too): this machine is about pool operations (sessions have their own
        # stateful test), and explicit sessions keep 80611 a few steps away instead of dozens.
        sid = sorted(self.model)[pick % len(self.model)]
        service = self.model[sid][0]
        holding = self.account.sessions_holding(service, sid)
        for session in holding[busy:]:
            self.account.delete_session(service, session.sid)
        for _ in range(len(holding), busy):
            self.callers += 1  # a new caller each time: one identifier never holds a number twice
            self.account.create_session(service, participants=[
                {"identifier": f"+1206555{self.callers:04d}", "proxy_identifier_sid": sid}])
        assert self.account.get_number(service, sid).in_use == busy

    @precondition(lambda self: self.model and len(self.live_services) > 1)
    @rule(pick=st.integers(0, OWNED - 1), by_number=st.booleans())
    def add_a_number_another_pool_holds(self, pick, by_number):
        """A number belongs to at most one Service (80101), and the refusal changes nothing."""
        sid = sorted(self.model)[pick % len(self.model)]
        other = sorted(self.live_services - {self.model[sid][0]})[pick % (len(self.live_services) - 1)]
        target = {"phone_number": f"+1415234{self.owned.index(sid):04d}"} if by_number else {"sid": sid}
        error = self.attempt(self.account.add_number, other, **target)
        assert error is not None and error.code == 80101

    @precondition(lambda self: any(self.account.in_use_of(sid) for sid in self.model))
    @rule(pick=st.integers(0, OWNED - 1))
    def remove_a_busy_number(self, pick):
        """A number active sessions hold cannot leave its pool (80611), and the refusal changes nothing."""
        busy = sorted(sid for sid in self.model if self.account.in_use_of(sid))
        sid = busy[pick % len(busy)]
        error = self.attempt(self.account.remove_number, self.model[sid][0], sid)
        assert error is not None and error.code == 80611

    @rule(service=services)
    def delete_service(self, service):
        error = self.attempt(self.account.delete_service, service)
        if error is None:
            self.live_services.discard(service)
            self.model = {n: held for n, held in self.model.items() if held[0] != service}
        else:
            assert error.code == 20404 and service not in self.live_services

    @rule()
    def reopen(self):
        """Close and open the account from disk: everything acknowledged is there."""
        before = snapshot(self.account)
        self.account.close()
        self.account = SandboxAccount.open(self.path)
        assert snapshot(self.account) == before

    # -- invariants --------------------------------------------------------------------------------

    @invariant()
    def pools_hold_the_rules(self):
        seen: list[str] = []
        for service in _everything(self.account.list_services):
            # page size 3 so even small pools span several pages
            numbers = _everything(self.account.list_numbers, service.sid, page_size=3)
            sids = [n.sid for n in numbers]
            assert len(sids) == len(set(sids)), "paging returned a number twice"
            reserved = sum(n.is_reserved for n in numbers)
            assert reserved <= rules.RESERVED_LIMIT
            assert len(numbers) - reserved <= rules.UNRESERVED_LIMIT
            stats = self.account.pool_stats(service.sid)
            assert (stats.reserved, stats.unreserved) == (reserved, len(numbers) - reserved)
            assert {n.sid: (service.sid, n.is_reserved) for n in numbers} == {
                s: held for s, held in self.model.items() if held[0] == service.sid
            }
            seen.extend(sids)
        assert len(seen) == len(set(seen)), "a number is in two Services"
        assert set(seen) == set(self.model)


# at least 100 runs: fewer leave some refusal unmet on some seeds (the last assertion below checks it)
PoolMachine.TestCase.settings = settings(settings.default, stateful_step_count=30,
                                         max_examples=max(100, settings.default.max_examples))


@pytest.fixture
def small_limits(monkeypatch):
    # The real limits (500 / 5,000) need thousands of steps to reach; the rules read these
    # module globals, so small values let a short random run hit 80622 often.
    monkeypatch.setattr(rules, "UNRESERVED_LIMIT", 2)
    monkeypatch.setattr(rules, "RESERVED_LIMIT", 3)


def test_random_pool_operations_keep_the_invariants(small_limits):
    REJECTIONS.clear()
    PoolMachine.TestCase("runTest").runTest()
    # the runs reached every refusal, so "a rejected operation changed nothing" was tested for each
    assert REJECTIONS >= {20404, 80101, 80104, 80601, 80602, 80611, 80622}


def test_reopening_mid_sequence_keeps_every_change(tmp_path):
    path = tmp_path / "sandbox.json"
    account = SandboxAccount.create(path, rng=random.Random(3))
    owned = account.buy_numbers([{"phone_number": f"+1212234{i:04d}"} for i in range(8)])
    rides = account.create_service("rides", geo_match_level="area-code")
    food = account.create_service("food", number_selection_behavior="avoid-sticky")
    for n in owned[:3]:
        account.add_number(rides.sid, sid=n.sid)
    account.add_number(food.sid, phone_number=owned[3].phone_number, is_reserved=True)
    account.set_reserved(rides.sid, owned[1].sid, True)
    with pytest.raises(ProxyError):  # a rejected change is not stored either
        account.add_number(food.sid, sid=owned[0].sid)
    before = snapshot(account)
    account.close()

    account = SandboxAccount.open(path)
    assert snapshot(account) == before
    # and it carries on from there: new changes land and survive another reopen
    account.remove_number(rides.sid, owned[0].sid)
    account.add_number(food.sid, sid=owned[0].sid)
    after = snapshot(account)
    account.close()
    account = SandboxAccount.open(path)
    try:
        assert snapshot(account) == after
        assert [n.sid for n in account.list_numbers(food.sid).items] == [owned[3].sid, owned[0].sid]
    finally:
        account.close()
