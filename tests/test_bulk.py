"""Bulk changes: on the sandbox a command over many numbers is one transaction for its successes
(one write, each refusal that number's outcome with Twilio's code); through the seam every
backend gives the same outcomes (tui.core.seam.each_outcome)."""

from __future__ import annotations

from contextlib import aclosing

import pytest

from sandbox import store
from sandbox.account import SandboxAccount
from sandbox.files import Journal, StoreError
from tests.test_conformance import buy, service
from tui.core.errors import ProxyError
from tui.core.resources import PhoneNumber
from tui.core.seam import BulkBackend, each_outcome


@pytest.fixture
def writes(monkeypatch):
    """Every durable write the store makes: each journal record (one fsync'd append) and each
    whole-file write (a fold), by what was written."""
    made: list[str] = []
    real_append, real_write = Journal.append, store.atomic_write

    def appending(journal, payload, **how):
        made.append(f"journal:{len(payload)}")
        real_append(journal, payload, **how)

    def writing(path, payload):
        made.append(str(path))
        real_write(path, payload)

    monkeypatch.setattr(Journal, "append", appending)
    monkeypatch.setattr(store, "atomic_write", writing)
    return made


def test_bulk_reserve_is_one_write_for_its_successes_and_refusals_are_per_number(tmp_path, writes):
    account = SandboxAccount.create(tmp_path / "s.json")
    owned = account.buy_numbers([{"phone_number": f"+1415555{i:04d}"} for i in range(6)])
    pool = account.create_service("pool")
    account.add_numbers(pool.sid, [(n.sid, False) for n in owned[:5]])
    sids = [n.sid for n in owned[:5]] + [owned[5].sid, "PN" + "0" * 32]  # the last two: not in the pool
    writes.clear()
    outcomes = account.set_reserved_each(pool.sid, sids, True)
    assert [type(o).__name__ for o in outcomes] == ["PhoneNumber"] * 5 + ["ProxyError"] * 2
    assert all(o.is_reserved for o in outcomes[:5]) and outcomes[5].code == 20404
    assert len(writes) == 1  # one transaction, one journal record
    assert account.pool_stats(pool.sid).reserved == 5
    account.close()
    again = SandboxAccount.open(tmp_path / "s.json")
    assert again.pool_stats(pool.sid).reserved == 5  # durable
    again.close()


def test_bulk_checks_each_against_the_pool_the_ones_before_leave(tmp_path):
    """Unreserving 3 numbers into a pool with room for 2 more unreserved: the third is 80622."""
    account = SandboxAccount.create(tmp_path / "s.json")
    owned = account.buy_numbers([{"phone_number": f"+1212555{i:04d}"} for i in range(501)])
    pool = account.create_service("pool")
    account.add_numbers(pool.sid, [(n.sid, i >= 498) for i, n in enumerate(owned)])  # 498 unreserved, 3 reserved
    outcomes = account.set_reserved_each(pool.sid, [n.sid for n in owned[498:]], False)
    assert [getattr(o, "code", None) for o in outcomes] == [None, None, 80622]
    assert account.pool_stats(pool.sid).unreserved == 500
    account.close()


def test_bulk_remove_and_add_outcomes_carry_twilios_codes(tmp_path, writes):
    account = SandboxAccount.create(tmp_path / "s.json")
    owned = account.buy_numbers([{"phone_number": f"+1312555{i:04d}"} for i in range(4)])
    pool = account.create_service("pool")
    other = account.create_service("other")
    account.add_numbers(pool.sid, [(owned[0].sid, False), (owned[1].sid, False)])
    account.create_session(pool.sid, participants=[{"identifier": "+14155550901",
                                                    "proxy_identifier_sid": owned[1].sid}])
    writes.clear()
    removed = account.remove_each(pool.sid, [owned[0].sid, owned[1].sid])
    assert removed[0] is None and removed[1].code == 80611 and len(writes) == 1
    added = account.add_each(other.sid, [(owned[2].sid, None, True), (None, owned[3].phone_number, False),
                                         (None, "+14155550000", False), (owned[1].sid, None, False),
                                         (None, "not a number", False), (owned[2].sid, None, False)])
    assert [getattr(o, "code", None) for o in added] == [None, None, 21422, 80101, 21421, 80104]
    assert added[0].is_reserved and isinstance(added[1], PhoneNumber)
    assert len(writes) == 2  # the remove, then the add: one each
    with pytest.raises(ProxyError) as unknown:
        account.add_each("KS" + "0" * 32, [(owned[2].sid, None, False)])
    assert unknown.value.code == 20404
    account.close()


def test_a_failed_write_loses_the_whole_bulk_and_says_so(tmp_path, monkeypatch):
    account = SandboxAccount.create(tmp_path / "s.json")
    owned = account.buy_numbers([{"phone_number": f"+1646555{i:04d}"} for i in range(3)])
    pool = account.create_service("pool")
    account.add_numbers(pool.sid, [(n.sid, False) for n in owned])

    def full(journal, payload, **how):
        raise StoreError(f"cannot write {journal.path}: No space left on device")

    monkeypatch.setattr(Journal, "append", full)
    with pytest.raises(StoreError, match="No space left"):
        account.set_reserved_each(pool.sid, [n.sid for n in owned], True)
    monkeypatch.undo()
    assert account.pool_stats(pool.sid).reserved == 0  # nothing of it stayed in memory
    account.close()
    again = SandboxAccount.open(tmp_path / "s.json")
    assert again.pool_stats(pool.sid).reserved == 0  # nor on disk
    again.close()


async def test_every_backend_gives_the_same_outcomes_through_the_seam(world):
    owned = buy(world, 3, start=900)
    pool = service(world)
    world.arrange(world.account.add_numbers, pool.sid, [(owned[0].sid, False), (owned[1].sid, False)])
    items = [owned[0].sid, owned[1].sid, owned[2].sid]
    batches = []
    async with aclosing(each_outcome(world.backend, "reserve", pool.sid, items)) as results:
        async for batch in results:
            batches.append(batch)
    pairs = [pair for batch in batches for pair in batch]
    assert [item for item, _ in pairs] == items
    assert [o.is_reserved for _, o in pairs[:2]] == [True, True] and pairs[2][1].code == 20404
    # the sandbox answers in one batch (one transaction); a live backend one number a batch
    assert len(batches) == (1 if isinstance(world.backend, BulkBackend) else 3)
    removed = [pair async for batch in each_outcome(world.backend, "remove", pool.sid, items[:1]) for pair in batch]
    assert removed == [(items[0], None)]
