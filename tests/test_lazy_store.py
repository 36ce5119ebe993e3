"""The sandbox reads what is shown (issue 14, item 2): opening reads the account file only; a pool
file is read when its pool is, the numbers file when the owned numbers are; the counts the
Services list needs are kept in the account file and stay right through changes, crashes and
reopens; pools not in use leave memory; a version 1 sandbox is migrated when opened."""

from __future__ import annotations

import asyncio
import random
import shutil
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from sandbox import account as account_module
from sandbox import records
from sandbox.account import SandboxAccount
from sandbox.backend import SandboxBackend
from sandbox.catalog import POOL, POOL_COUNTS
from sandbox.files import Journal, StoreError, journal_path, numbers_file, sandbox_files
from sandbox.runs import RUN_PREFIX
from sandbox.scale import scale_numbers
from sandbox.store import OWNED_COUNT
from sandbox.traffic import orphans
from tests.paging import every_item as every

NUMBERS = scale_numbers(300, seed=5)


def build(path: Path, services: int = 3, pooled: int = 40, spare: int = 30) -> SandboxAccount:
    acct = SandboxAccount.create(path, rng=random.Random(9))
    bought = acct.buy_numbers([{"phone_number": p} for p in NUMBERS[:services * pooled + spare]])
    for s in range(services):
        svc = acct.create_service(f"svc-{s}")
        acct.add_numbers_bulk(svc.sid, [(n.sid, i % 3 == 0) for i, n in enumerate(bought[s * pooled:(s + 1) * pooled])])
    acct.create_session(acct.service_sids()[0], participants=[{"Identifier": "+12065550101"}])
    return acct


def recount(acct: SandboxAccount, sid: str) -> tuple[int, int, int]:
    """(reserved, unreserved, in use) as listing the whole pool says."""
    numbers = every(acct.list_numbers, sid)
    return (sum(n.is_reserved for n in numbers), sum(not n.is_reserved for n in numbers),
            sum(1 for n in numbers if n.in_use))


def stats(acct: SandboxAccount, sid: str) -> tuple[int, int, int]:
    s = acct.pool_stats(sid)
    return s.reserved, s.unreserved, s.in_use_numbers


@pytest.fixture
def closed(tmp_path) -> Path:
    path = tmp_path / "sandbox.json"
    build(path).close()
    return path


def test_opening_reads_the_account_file_only_and_the_services_list_needs_nothing_more(closed):
    acct = SandboxAccount.open(closed)
    try:
        services = acct.list_services().items
        assert len(services) == 3
        shown = {s.sid: stats(acct, s.sid) for s in services}
        assert acct.counts() == (3, 120, 150)  # Services, numbers in pools, numbers owned
        assert acct.files.pools == {} and not acct.files.numbers_loaded  # no pool file, no numbers file read
        first = services[0].sid
        assert len(acct.list_numbers(first, 50).items) == 40
        assert set(acct.files.pools) == {first} and not acct.files.numbers_loaded  # only the pool shown
        assert {sid: recount(acct, sid) for sid in shown} == shown  # what was kept is what the pools hold
        assert shown[first][2] == 1  # the session's number is in use
    finally:
        acct.close()


def test_the_kept_counts_follow_every_change_across_reopens_and_a_crash(closed, tmp_path):
    acct = SandboxAccount.open(closed)
    first, second, _ = acct.service_sids()
    number = acct.list_numbers(first, 1).items[0]
    acct.set_reserved(first, number.sid, not number.is_reserved)
    acct.remove_number(second, acct.list_numbers(second, 1).items[0].sid)
    spare = next(n for n in every(acct.list_account_numbers) if n.service_sid is None)
    acct.add_number(first, sid=spare.sid, is_reserved=True)
    expected = {sid: recount(acct, sid) for sid in acct.service_sids()}
    owned = acct.counts()

    # a crash now: the account file keeps the counts of the last fold, the journal the changes
    crash = tmp_path / "crash"
    crash.mkdir()
    for file in [acct.path, journal_path(acct.path), *Path(f"{acct.path}.d").glob("*.json")]:
        (crash / file.relative_to(acct.path.parent)).parent.mkdir(exist_ok=True)
        shutil.copyfile(file, crash / file.relative_to(acct.path.parent))
    acct.close()
    for path in (closed, crash / closed.name):
        again = SandboxAccount.open(path)
        try:
            assert {sid: stats(again, sid) for sid in again.service_sids()} == expected
            assert again.counts() == owned
            assert {sid: recount(again, sid) for sid in again.service_sids()} == expected
            assert again.get_account_number(spare.sid).service_sid == first
        finally:
            again.close()


def test_pools_not_in_use_leave_memory_and_come_back_whole(closed):
    acct = SandboxAccount.open(closed)
    try:
        sids = acct.service_sids()
        listed = {sid: [n.sid for n in every(acct.list_numbers, sid)] for sid in sids}  # each read in turn
        assert set(acct.files.pools) == set(sids[-account_module.KEEP_POOLS:])  # the first has left memory
        assert not acct.pools.loaded(sids[0]) and not acct.sessions.loaded(sids[0])
        assert [n.sid for n in every(acct.list_numbers, sids[0])] == listed[sids[0]]  # read again, whole
        assert acct.pool_stats(sids[0]).in_use_numbers == 1  # its sessions came back with it
        # a pool with a change the journal holds stays until the fold
        number = acct.list_numbers(sids[1], 1).items[0]
        acct.set_reserved(sids[1], number.sid, not number.is_reserved)
        for sid in (sids[2], sids[0], sids[2]):
            acct.list_numbers(sid, 1)
        assert sids[1] in acct.files.pools
        assert acct.get_number(sids[1], number.sid).is_reserved == (not number.is_reserved)
    finally:
        acct.close()


def as_version_1(path: Path) -> None:
    """Rewrite a closed sandbox as this build's version 1 kept it: the owned numbers in the account
    file, without their pool; no counts in the account file; no numbers file."""
    account = orjson.loads(path.read_bytes())
    meta = account["_meta"]["1"]
    numbers = numbers_file(path, meta["generation"])
    owned = orjson.loads(numbers.read_bytes())["account_numbers"]
    for doc in owned.values():
        doc.pop(POOL, None)
    account["account_numbers"] = owned
    for doc in account["services"].values():
        doc.pop(POOL_COUNTS, None)
    meta.pop(OWNED_COUNT, None)
    meta["version"] = 1
    path.write_bytes(orjson.dumps(account))
    numbers.unlink()


def test_a_version_1_sandbox_is_migrated_when_opened_and_keeps_everything(closed):
    acct = SandboxAccount.open(closed)
    before = {sid: [(n.sid, n.is_reserved, n.in_use) for n in every(acct.list_numbers, sid)] for sid in acct.service_sids()}
    owned_before = [(n.sid, n.service_sid) for n in every(acct.list_account_numbers)]
    acct.close()
    as_version_1(closed)

    acct = SandboxAccount.open(closed)
    try:
        assert {sid: [(n.sid, n.is_reserved, n.in_use) for n in every(acct.list_numbers, sid)]
                for sid in acct.service_sids()} == before
        assert [(n.sid, n.service_sid) for n in every(acct.list_account_numbers)] == owned_before
    finally:
        acct.close()
    account = orjson.loads(closed.read_bytes())
    assert account["_meta"]["1"]["version"] == 2 and "account_numbers" not in account  # written as version 2
    assert numbers_file(closed, account["_meta"]["1"]["generation"]) in sandbox_files(closed)
    again = SandboxAccount.open(closed)
    try:
        assert again.files.pools == {} and not again.files.numbers_loaded  # and opened as one
        assert [(n.sid, n.service_sid) for n in every(again.list_account_numbers)] == owned_before
    finally:
        again.close()


def test_a_version_1_sandbox_with_a_number_in_two_pools_is_refused_untouched(closed):
    acct = SandboxAccount.open(closed)
    first, second, _ = acct.service_sids()
    stolen = acct.list_numbers(first, 1).items[0].sid
    pool = Path(f"{closed}.d") / f"{second}.json"
    acct.close()
    as_version_1(closed)
    data = orjson.loads(pool.read_bytes())
    doc = dict(next(iter(data["numbers"].values())), sid=stolen)
    data["numbers"]["999"] = doc
    pool.write_bytes(orjson.dumps(data))
    before = {f: f.read_bytes() for f in sandbox_files(closed)}
    with pytest.raises(StoreError, match="two Services"):
        SandboxAccount.open(closed)
    assert {f: f.read_bytes() for f in sandbox_files(closed)} == before


def test_a_broken_numbers_file_is_refused_when_read_and_left_as_it_is(closed):
    acct = SandboxAccount.open(closed)
    generation = acct.meta["generation"]
    acct.close()
    numbers = numbers_file(closed, generation)
    numbers.write_bytes(numbers.read_bytes()[:100])
    before = {f: f.read_bytes() for f in sandbox_files(closed)}
    acct = SandboxAccount.open(closed)
    try:
        first = acct.service_sids()[0]
        assert len(acct.list_numbers(first, 50).items) == 40  # the pools still show
        for _ in range(2):
            with pytest.raises(StoreError) as err:
                acct.list_account_numbers()
            assert str(numbers) in str(err.value) and "corrupt" in str(err.value)
        with pytest.raises(StoreError):  # nor is a change made that needs them
            acct.buy_number(NUMBERS[-1])
    finally:
        acct.close()
    assert {f: f.read_bytes() for f in sandbox_files(closed)} == before


def test_a_dead_simulation_runs_sessions_are_found_without_reading_every_pool(tmp_path):
    path = tmp_path / "sandbox.json"
    acct = build(path)
    first, second, _ = acct.service_sids()
    acct.create_session(first, unique_name=f"{RUN_PREFIX}dead01-1", participants=[{"Identifier": "+12065550102"}])
    acct.close()
    acct = SandboxAccount.open(path)
    try:
        assert acct.simulation_runs(first) == {"dead01"} and acct.simulation_runs(second) == set()
        assert acct.files.pools == {}  # answered from the counts the account file keeps
        backend = SandboxBackend(acct)
        assert asyncio.run(orphans(backend, second)) == []
        assert acct.files.pools == {}
        found = asyncio.run(orphans(backend, first))
        assert [s.unique_name for s in found] == [f"{RUN_PREFIX}dead01-1"]
        assert asyncio.run(orphans(backend, first, ["dead01"])) == []  # a run this app holds is no orphan
    finally:
        acct.close()


def test_a_version_1_journal_left_by_a_crash_is_replayed_onto_the_new_layout(closed):
    acct = SandboxAccount.open(closed)
    generation = acct.meta["generation"]
    owned = len(every(acct.list_account_numbers))
    acct.close()
    as_version_1(closed)
    bought = records.owned_record("PN" + "9" * 32, NUMBERS[-1], {}, datetime(2026, 5, 4, tzinfo=UTC))
    journal = Journal(closed, generation)  # what a format 1 build had journalled when it died: a buy
    journal.reset()
    journal.append(orjson.dumps([["put", "", "account_numbers", "9999", bought]]))
    journal.close()
    acct = SandboxAccount.open(closed)
    try:
        assert acct.get_account_number(bought["sid"]).phone_number == NUMBERS[-1]
        assert acct.counts()[2] == owned + 1
    finally:
        acct.close()
    account = orjson.loads(closed.read_bytes())
    assert "account_numbers" not in account
    again = SandboxAccount.open(closed)
    try:
        assert again.get_account_number(bought["sid"]).service_sid is None and again.counts()[2] == owned + 1
    finally:
        again.close()


def test_a_missing_numbers_file_is_refused_not_read_as_none(closed):
    acct = SandboxAccount.open(closed)
    numbers = numbers_file(closed, acct.meta["generation"])
    acct.close()
    numbers.unlink()
    before = {f: f.read_bytes() for f in sandbox_files(closed)}
    acct = SandboxAccount.open(closed)
    try:
        assert acct.counts() == (3, 120, 150)  # what the account file kept still shows
        for call in (acct.list_account_numbers, lambda: acct.buy_number(NUMBERS[-1])):
            with pytest.raises(StoreError, match="missing its numbers file") as err:
                call()
            assert str(numbers) in str(err.value) and "150" in str(err.value)
    finally:
        acct.close()
    assert {f: f.read_bytes() for f in sandbox_files(closed)} == before  # nothing written, nothing lost
