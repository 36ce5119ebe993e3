"""Session TTL expiry in the sandbox, on a fake clock: a session whose date_expiry has passed is
closed as Twilio closes it (closed_reason "ttl", date_ended at its expiry), leaves in_use, and its
number can be removed or chosen again. Expiry is written to disk once, by the first operation on
the pool after it is due, and survives reopening the sandbox."""

from __future__ import annotations

from datetime import timedelta

import orjson
import pytest

from sandbox.account import SandboxAccount
from sandbox.files import Journal
from sandbox.sessions import CLOSED_BY_TTL
from tests.clock import FakeClock
from tests.conformance import account_state
from tui.core.errors import ProxyError

ALICE, BOB = "+14155551001", "+14155551002"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def acct(tmp_path, clock):
    account = SandboxAccount.create(tmp_path / "sandbox.json", clock=clock)
    yield account
    account.close()


def one_number_pool(acct: SandboxAccount, **fields) -> tuple[str, str]:
    """A Service whose pool holds one US number: (service sid, number sid)."""
    svc = acct.create_service("pool", **fields)
    owned = acct.buy_number("+14152000001")
    acct.add_number(svc.sid, sid=owned.sid)
    return svc.sid, owned.sid


def refused(code: int, fn, *args, **kwargs) -> None:
    acct = fn.__self__
    before = account_state(acct)
    with pytest.raises(ProxyError) as info:
        fn(*args, **kwargs)
    assert info.value.code == code, info.value.message
    assert account_state(acct) == before


def test_a_session_closes_when_its_ttl_runs_out(acct, clock):
    svc, n1 = one_number_pool(acct)
    s = acct.create_session(svc, ttl=60, participants=[{"Identifier": ALICE}])
    assert s.date_expiry == s.date_created + timedelta(seconds=60)
    clock.advance(59)
    assert acct.get_session(svc, s.sid).status == "open"
    assert acct.get_number(svc, n1).in_use == 1
    refused(80611, acct.remove_number, svc, n1)
    refused(80208, acct.create_session, svc, participants=[{"Identifier": ALICE}])  # its only number is held

    clock.advance(1)
    assert acct.get_number(svc, n1).in_use == 0
    assert acct.pool_stats(svc).in_use_numbers == 0
    gone = acct.get_session(svc, s.sid)
    assert (gone.status, gone.closed_reason) == ("closed", CLOSED_BY_TTL)
    assert gone.date_ended == gone.date_updated == s.date_expiry  # it ended at its expiry, not when seen
    assert acct.sessions_holding(svc, n1) == [] and acct.active_participations(svc) == []
    again = acct.create_session(svc, participants=[{"Identifier": ALICE}])  # the number is selectable again
    assert [p.proxy_identifier_sid for p in acct.list_participants(svc, again.sid).items] == [n1]
    assert acct.get_number(svc, n1).in_use == 1


def test_an_expired_sessions_number_can_be_removed(acct, clock):
    svc, n1 = one_number_pool(acct)
    acct.create_session(svc, ttl=30, participants=[{"Identifier": ALICE}, {"Identifier": BOB}])
    clock.advance(3600)
    acct.remove_number(svc, n1)  # no 80611: the session that held it has expired
    assert acct.list_numbers(svc).items == []


@pytest.mark.parametrize("first_read", [
    lambda a, svc, n: a.get_number(svc, n).in_use,
    lambda a, svc, n: a.list_numbers(svc).items[0].in_use,
    lambda a, svc, n: a.pool_stats(svc).in_use_numbers,
    lambda a, svc, n: len(a.sessions_holding(svc, n)),
    lambda a, svc, n: len(a.active_participations(svc)),
    lambda a, svc, n: sum(s.status == "open" for s in a.list_sessions(svc).items),
], ids=["get_number", "list_numbers", "pool_stats", "sessions_holding", "active_participations",
        "list_sessions"])
def test_every_read_of_the_pool_sees_the_expiry(acct, clock, first_read):
    svc, n1 = one_number_pool(acct)
    acct.create_session(svc, ttl=60, participants=[{"Identifier": ALICE}])
    assert first_read(acct, svc, n1) == 1
    clock.advance(60)
    assert first_read(acct, svc, n1) == 0


def test_the_services_default_ttl_applies_and_ttl_0_never_expires(acct, clock):
    svc, n1 = one_number_pool(acct, default_ttl=120)
    by_default = acct.create_session(svc, participants=[{"Identifier": ALICE}])
    forever = acct.create_session(svc, ttl=0, participants=[{"Identifier": BOB}])
    assert (by_default.ttl, forever.ttl, forever.date_expiry) == (120, 0, None)
    clock.advance(120)
    assert acct.get_session(svc, by_default.sid).status == "closed"
    clock.advance(10 * 365 * 86400)
    kept = acct.get_session(svc, forever.sid)
    assert (kept.status, kept.closed_reason, kept.date_ended) == ("open", None, None)
    assert acct.get_number(svc, n1).in_use == 1


def test_changing_the_ttl_moves_the_expiry(acct, clock):
    svc, n1 = one_number_pool(acct)
    s = acct.create_session(svc, ttl=0, participants=[{"Identifier": ALICE}])
    clock.advance(500)
    changed = acct.update_session(svc, s.sid, ttl=10)  # counted from this update
    assert changed.date_expiry == clock.now + timedelta(seconds=10)
    longer = acct.create_session(svc, ttl=5, participants=[{"Identifier": BOB}])
    acct.update_session(svc, longer.sid, ttl=100)  # the first expiry no longer applies
    clock.advance(10)
    assert acct.get_session(svc, s.sid).status == "closed"
    assert acct.get_session(svc, longer.sid).status == "open"
    acct.update_session(svc, longer.sid, ttl=0)  # now it never expires
    clock.advance(1000)
    assert acct.get_session(svc, longer.sid).status == "open"
    assert acct.get_number(svc, n1).in_use == 1


def test_an_expired_session_can_be_reopened_with_a_fresh_expiry(acct, clock):
    svc, n1 = one_number_pool(acct)
    s = acct.create_session(svc, ttl=60, participants=[{"Identifier": ALICE}])
    clock.advance(90)
    back = acct.update_session(svc, s.sid, status="in-progress")  # closed -> in-progress, as Twilio allows
    assert (back.status, back.closed_reason, back.date_ended) == ("in-progress", None, None)
    assert back.date_expiry == clock.now + timedelta(seconds=60)  # counted from the re-open
    assert acct.get_number(svc, n1).in_use == 1
    clock.advance(59)
    assert acct.get_session(svc, s.sid).status == "in-progress"
    clock.advance(1)
    assert acct.get_session(svc, s.sid).closed_reason == CLOSED_BY_TTL
    assert acct.get_number(svc, n1).in_use == 0


def test_reopening_an_expired_session_keeps_the_core_invariant_80623(acct, clock):
    svc, n1 = one_number_pool(acct)
    old = acct.create_session(svc, ttl=60, participants=[{"Identifier": ALICE}])
    clock.advance(60)
    acct.create_session(svc, participants=[{"Identifier": ALICE}])  # Alice holds n1 again, elsewhere
    refused(80623, acct.update_session, svc, old.sid, status="in-progress")
    assert acct.get_number(svc, n1).in_use == 1


def test_expiry_is_written_once_and_survives_reopening_from_disk(tmp_path, clock, monkeypatch):
    path = tmp_path / "sandbox.json"
    acct = SandboxAccount.create(path, clock=clock)
    svc, n1 = one_number_pool(acct)
    first = [acct.create_session(svc, ttl=60 + i, participants=[{"Identifier": f"+1206555100{i}"}]) for i in range(3)]
    kept = acct.create_session(svc, ttl=3600, participants=[{"Identifier": BOB}])
    acct.close()
    clock.advance(100)  # all of `first` expire while the sandbox is closed

    writes: list[bytes] = []
    real_append = Journal.append
    monkeypatch.setattr(Journal, "append", lambda self, record, **how: (writes.append(record), real_append(self, record, **how)))
    acct = SandboxAccount.open(path, clock=clock)
    assert writes == []  # opening writes nothing; the first operation on the pool closes what is due
    assert acct.get_number(svc, n1).in_use == 1  # only Bob's session holds it now
    assert len(writes) == 1  # three sessions closed in one durable write
    closed = [op[4]["sid"] for op in orjson.loads(writes[0]) if op[0] == "put" and op[2] == "sessions"]
    assert sorted(closed) == sorted(s.sid for s in first)
    acct.list_sessions(svc)
    acct.pool_stats(svc)
    assert len(writes) == 1  # nothing more was due: reads write nothing
    assert [acct.get_session(svc, s.sid).status for s in first] == ["closed"] * 3
    acct.close()

    clock.advance(-100)  # even read at an earlier time, what expired stays closed: it is on disk
    acct = SandboxAccount.open(path, clock=clock)
    try:
        shown = [acct.get_session(svc, s.sid) for s in first]
        assert [(s.status, s.closed_reason) for s in shown] == [("closed", CLOSED_BY_TTL)] * 3
        assert [s.date_ended for s in shown] == [s.date_expiry for s in first]
        assert acct.get_session(svc, kept.sid).status == "open"
        assert acct.get_number(svc, n1).in_use == 1
    finally:
        acct.close()
