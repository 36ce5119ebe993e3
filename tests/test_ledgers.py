"""The sandbox's ledgers on their own, over a real store: the catalog, the pool ledger and the
session ledger keep their indexes and `in_use` right through every change, drop what they cache
inside their own writes, and refuse stored states that break an invariant."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from sandbox import records
from sandbox.catalog import Catalog
from sandbox.files import StoreError
from sandbox.pools import PoolLedger
from sandbox.sessions import CLOSED_BY_TTL, SessionLedger
from sandbox.store import NUMBERS, SESSIONS, SandboxFiles
from tui.core.wire import iso8601

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
KS1, KS2 = "KS" + "1" * 32, "KS" + "2" * 32
PHONES = [f"+1415555{i:04d}" for i in range(6)]
PN = ["PN" + f"{i:x}" * 32 for i in range(6)]
ALICE, BOB, CAROL = "+12065550101", "+12065550102", "+12065550103"


@pytest.fixture
def files(tmp_path):
    files = SandboxFiles.create(tmp_path / "s.json", {"account_sid": "AC" + "a" * 32, "auth_token": "t"})
    yield files
    files.close()


@pytest.fixture
def catalog(files) -> Catalog:
    catalog = Catalog(files)
    catalog.add_owned([records.owned_record(sid, phone, {}, NOW) for sid, phone in zip(PN, PHONES, strict=True)])
    for sid, name in ((KS1, "rides"), (KS2, "food")):
        catalog.add_service(records.service_record(sid, name, {}, NOW))
    return catalog


def pooled(catalog: Catalog, *entries: tuple[int, bool]) -> list[dict]:
    return [records.pool_number_record(catalog.owned(PN[i]), reserved, NOW) for i, reserved in entries]


def test_the_catalog_indexes_services_and_owned_numbers_through_changes(files, catalog):
    assert catalog.service_sids() == [KS1, KS2] and catalog.service_named("rides") == KS1
    catalog.update_service(KS1, {"unique_name": "rides-us"})
    assert catalog.service_named("rides") is None and catalog.service_named("rides-us") == KS1
    catalog.remove_service(KS2)
    assert catalog.service_sids() == [KS1] and catalog.service(KS2) is None
    assert catalog.owned_sid_for(PHONES[2]) == PN[2]
    catalog.remove_owned(PN[2])
    assert catalog.owned_sid_for(PHONES[2]) is None and PN[2] not in catalog.owned_sids()
    again = Catalog(files)  # the same indexes from what is on disk
    assert again.service_names() == {"rides-us": KS1} and set(again.owned_sids()) == set(PN) - {PN[2]}


def test_the_pool_ledger_counts_reservations_and_knows_each_numbers_service(files, catalog):
    pools = PoolLedger(files, [KS1, KS2], catalog)
    pools.add(KS1, pooled(catalog, (0, False), (1, True), (2, False)))
    pools.add(KS2, pooled(catalog, (3, True)))
    assert (pools.pool(KS1).reserved, pools.pool(KS1).unreserved) == (1, 2)
    assert pools.service_holding(PN[1]) == KS1 and pools.service_holding(PN[3]) == KS2
    assert pools.service_holding(PN[5]) is None and pools.pooled_count() == 4
    pools.set_reserved(KS1, PN[0], True, iso8601(NOW))
    assert (pools.pool(KS1).reserved, pools.pool(KS1).unreserved) == (2, 1)
    pools.set_reserved(KS1, PN[0], True, iso8601(NOW))  # no change, no double count
    assert (pools.pool(KS1).reserved, pools.pool(KS1).unreserved) == (2, 1)
    pools.remove(KS1, PN[1])
    assert (pools.pool(KS1).reserved, pools.pool(KS1).unreserved) == (1, 1) and pools.service_holding(PN[1]) is None
    assert pools.record(KS1, PN[1]) is None and pools.record(KS1, PN[0])["is_reserved"] is True
    assert [pools.fetcher(KS1)(i)["sid"] for i in pools.pool(KS1).order] == [PN[0], PN[2]]  # pool order kept
    assert pools.drop_pool(KS2) == [PN[3]] and pools.service_holding(PN[3]) is None
    again = PoolLedger(files, [KS1], catalog)
    assert again.membership() == {PN[0]: KS1, PN[2]: KS1}


def test_the_pool_ledger_drops_its_candidates_inside_its_own_writes(files, catalog):
    pools = PoolLedger(files, [KS1], catalog)
    pools.add(KS1, pooled(catalog, (0, False), (1, False)))
    first = pools.candidates(KS1)
    assert pools.candidates(KS1) is first  # built once while the pool stays as it is
    assert list(first.by_sid) == [PN[0], PN[1]] and first.by_phone[PHONES[1]] is first.by_sid[PN[1]]
    pools.set_reserved(KS1, PN[1], True, iso8601(NOW))
    assert pools.candidates(KS1).by_sid[PN[1]].reserved
    pools.add(KS1, pooled(catalog, (2, False)))
    assert PN[2] in pools.candidates(KS1).by_sid
    pools.remove(KS1, PN[0])
    assert list(pools.candidates(KS1).by_sid) == [PN[1], PN[2]]


def stored(files, sid: str) -> dict:
    return orjson.loads(files.pool(sid).storage.path.read_bytes())


def test_the_pool_ledger_refuses_a_number_in_two_pools_and_one_the_account_does_not_own(files, catalog):
    pools = PoolLedger(files, [KS1, KS2], catalog)
    pools.add(KS1, pooled(catalog, (0, False)))
    files.pool(KS2).table(NUMBERS).insert(pooled(catalog, (0, True))[0])  # behind the ledger's back
    again = PoolLedger(files, [KS1, KS2], catalog)
    assert again.pool(KS1).doc_of.keys() == {PN[0]}  # a pool is checked when it is read
    with pytest.raises(StoreError, match="is in two Services"):
        again.pool(KS2)
    stranger = records.pool_number_record(catalog.owned(PN[1]), False, NOW) | {"sid": "PN" + "f" * 32}
    files.pool(KS1).table(NUMBERS).insert(stranger)
    with pytest.raises(StoreError, match="is not one of the account's numbers"):
        PoolLedger(files, [KS1], catalog).pool(KS1)
    assert not PoolLedger(files, [KS1], catalog).loaded(KS1)  # nothing is read before it is needed
    files.pool(KS2).table(NUMBERS).insert(pooled(catalog, (3, False))[0])
    files.pool(KS2).table(NUMBERS).insert(pooled(catalog, (3, True))[0])
    with pytest.raises(StoreError, match=re.escape(f"{PHONES[3]} is twice in {KS2}'s pool")):
        PoolLedger(files, [KS1, KS2], Catalog(files)).pool(KS2)  # before the owned numbers are read, too


def session(sid: str, ttl: int = 0, status: str = "open") -> dict:
    return records.session_record(sid, None, status, "voice-and-message", ttl, NOW)


def member(sid: str, session_sid: str, identifier: str, number: int) -> dict:
    return records.participant_record(sid, session_sid, identifier, None, PHONES[number], PN[number], NOW)


def ledgers(files, catalog):
    pools = PoolLedger(files, [KS1], catalog)
    pools.add(KS1, pooled(catalog, (0, False), (1, False)))
    return pools, SessionLedger(files, pools)


def test_in_use_follows_every_session_change(files, catalog):
    pools, books = ledgers(files, catalog)
    kc1, kc2 = "KC" + "1" * 32, "KC" + "2" * 32
    books.add_session(KS1, session(kc1), [member("KP" + "1" * 32, kc1, ALICE, 0), member("KP" + "2" * 32, kc1, BOB, 0)])
    assert books.in_use_of(PN[0]) == 1  # two participants, one number: one session holds it
    books.add_session(KS1, session(kc2), [member("KP" + "3" * 32, kc2, CAROL, 0)])
    assert books.in_use_counts() == {PN[0]: 2} and books.busy_numbers(KS1) == 1
    assert books.holding(KS1, PN[0]) == [kc1, kc2]
    books.update_session(KS1, kc1, {"status": "closed"})
    assert books.in_use_of(PN[0]) == 1 and books.holding(KS1, PN[0]) == [kc2]
    books.update_session(KS1, kc1, {"status": "in-progress"})
    assert books.in_use_of(PN[0]) == 2
    books.add_participant(KS1, kc2, member("KP" + "4" * 32, kc2, ALICE, 1))
    assert books.in_use_counts() == {PN[0]: 2, PN[1]: 1}
    books.remove_participant(KS1, kc2, "KP" + "4" * 32, iso8601(NOW))  # soft: the record stays, the number is freed
    assert books.in_use_counts() == {PN[0]: 2}
    assert books.participant(KS1, kc2, "KP" + "4" * 32)["date_deleted"] == iso8601(NOW)
    books.delete_session(KS1, kc2)
    assert books.in_use_counts() == {PN[0]: 1} and books.session(KS1, kc2) is None
    again = SessionLedger(files, pools)  # recounted from the stored sessions
    assert again.in_use_counts(KS1) == {PN[0]: 1}
    books.drop_book(KS1)
    assert books.in_use_counts() == {}


def test_expiry_closes_what_is_due_and_nothing_else(files, catalog):
    _, books = ledgers(files, catalog)
    short, long = "KC" + "5" * 32, "KC" + "6" * 32
    books.add_session(KS1, session(short, ttl=60), [member("KP" + "5" * 32, short, ALICE, 0)])
    books.add_session(KS1, session(long, ttl=3600), [member("KP" + "6" * 32, long, BOB, 1)])
    assert not books.due(KS1, NOW + timedelta(seconds=59))
    assert books.due(KS1, NOW + timedelta(seconds=60))
    books.expire_due(KS1, NOW + timedelta(seconds=61))
    closed = books.session(KS1, short)
    assert (closed["status"], closed["closed_reason"], closed["date_ended"]) == (
        "closed", CLOSED_BY_TTL, iso8601(NOW + timedelta(seconds=60)))  # ended at its expiry, not when seen
    assert books.in_use_counts() == {PN[1]: 1} and not books.due(KS1, NOW + timedelta(seconds=61))
    books.update_session(KS1, long, {"status": "closed"})  # closed by hand: it never comes due
    assert not books.due(KS1, NOW + timedelta(days=1))


def test_the_session_ledger_refuses_stored_sessions_that_break_an_invariant(files, catalog):
    pools, _ = ledgers(files, catalog)
    db = files.pool(KS1)
    kc1, kc2 = "KC" + "7" * 32, "KC" + "8" * 32
    db.table(SESSIONS).insert_multiple([session(kc1), session(kc2)])
    db.table("participants").insert_multiple([member("KP" + "7" * 32, kc1, ALICE, 0),
                                              member("KP" + "8" * 32, kc2, ALICE, 0)])
    with pytest.raises(StoreError, match="holds one proxy number in sessions"):
        SessionLedger(files, pools).book(KS1)
    db.table("participants").insert(member("KP" + "9" * 32, "KC" + "9" * 32, BOB, 1))
    with pytest.raises(StoreError, match="has no session"):
        SessionLedger(files, pools).book(KS1)
