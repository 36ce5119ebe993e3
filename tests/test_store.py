"""The sandbox store: durable before a call returns, one file per change, same account after a reopen."""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import orjson
import pytest
from tinydb import Query, TinyDB
from tinydb.storages import MemoryStorage as StockMemoryStorage

from sandbox import store
from sandbox.account import SandboxAccount
from sandbox.files import Journal, SandboxInUse, StoreError, journal_path, journal_records
from sandbox.scale import scale_numbers
from sandbox.store import SandboxDB
from tests.paging import every_item as every

NUMBERS = scale_numbers(400, seed=11)



@pytest.fixture
def sandbox(tmp_path):
    """Two Services with 60 numbers each, 100 owned numbers in no pool."""
    path = tmp_path / "sandbox.json"
    acct = SandboxAccount.create(path, rng=random.Random(3))
    bought = acct.buy_numbers([{"phone_number": p} for p in NUMBERS[:220]])
    for s in range(2):
        svc = acct.create_service(f"svc-{s}")
        acct.add_numbers_bulk(svc.sid, [(n.sid, i % 4 == 0) for i, n in enumerate(bought[s * 60:(s + 1) * 60])])
    yield acct
    acct.close()  # closing twice is harmless: some tests close it themselves


def stamp(path: Path) -> dict[str, tuple[int, int]]:
    """(inode, mtime) of every sandbox data file: an atomic rewrite gives the file a new inode."""
    files = [path, *Path(f"{path}.d").glob("*.json")]
    return {f.name: (f.stat().st_ino, f.stat().st_mtime_ns) for f in files}


def crashed_copy(acct: SandboxAccount, folder: Path) -> Path:
    """The sandbox's files as a crash would leave them now (nothing closed, nothing folded), copied aside."""
    folder.mkdir()
    for file in [acct.path, journal_path(acct.path), *Path(f"{acct.path}.d").glob("*.json")]:
        target = folder / file.relative_to(acct.path.parent)
        target.parent.mkdir(exist_ok=True)
        shutil.copyfile(file, target)
    return folder / acct.path.name


def records(acct: SandboxAccount) -> list[list]:
    return [orjson.loads(r) for r in journal_records(acct.path)]


def test_a_change_is_durable_when_the_call_returns(sandbox, tmp_path):
    svc = sandbox.list_services().items[0]
    number = sandbox.list_numbers(svc.sid, 1).items[0]
    sandbox.set_reserved(svc.sid, number.sid, not number.is_reserved)
    copy = SandboxAccount.open(crashed_copy(sandbox, tmp_path / "crash"))  # as if the process died just now
    try:
        assert copy.get_number(svc.sid, number.sid).is_reserved == (not number.is_reserved)
    finally:
        copy.close()
    assert [p.name for p in sandbox.path.parent.rglob("*.tmp")] == []


def test_a_reservation_toggle_is_one_journal_record_and_rewrites_no_file(sandbox):
    first, second = sandbox.list_services().items
    before, held = stamp(sandbox.path), len(records(sandbox))
    number = sandbox.list_numbers(first.sid, 1).items[0]
    sandbox.set_reserved(first.sid, number.sid, not number.is_reserved)
    assert stamp(sandbox.path) == before  # no file rewritten: the change is an append
    (record,) = records(sandbox)[held:]
    assert [op[:3] for op in record] == [["put", first.sid, "numbers"]]
    assert record[0][4]["sid"] == number.sid and record[0][4]["is_reserved"] == (not number.is_reserved)


def test_one_logical_change_is_one_record_and_a_fold_writes_each_file_it_touched_once(sandbox, monkeypatch):
    sandbox.files.fold()  # what building the fixture left in the journal
    appends: list[int] = []
    real_append = Journal.append
    monkeypatch.setattr(Journal, "append", lambda self, payload, **how: (appends.append(len(payload)),
                                                                         real_append(self, payload, **how)))
    svc = sandbox.list_services().items[0]
    free = [n.sid for n in every(sandbox.list_account_numbers) if n.service_sid is None][:40]
    sandbox.add_numbers_bulk(svc.sid, [(sid, False) for sid in free])
    assert len(appends) == 1  # 40 numbers, one record, one fsync
    sandbox.buy_numbers([{"phone_number": p} for p in NUMBERS[300:350]])
    assert len(appends) == 2
    writes: list[str] = []
    real = store.atomic_write
    monkeypatch.setattr(store, "atomic_write", lambda path, payload: (writes.append(path.name), real(path, payload)))
    sandbox.files.fold()
    # each once: the pool, the owned numbers (each names its pool), then the account that names them
    assert writes == [f"{svc.sid}.json", sandbox.files.numbers_path.name, sandbox.path.name]
    assert records(sandbox) == []  # folded: the journal starts again


def test_a_failed_change_leaves_memory_as_it_is_on_disk(sandbox):
    svc = sandbox.list_services().items[0]
    number = sandbox.list_numbers(svc.sid, 1).items[0]
    journal = journal_path(sandbox.path).read_bytes()
    with pytest.raises(RuntimeError), sandbox.files.transaction():
        sandbox.files.pools[svc.sid].table("numbers").update({"is_reserved": not number.is_reserved},
                                                            Query().sid == number.sid)
        raise RuntimeError("the change fails after editing memory")
    assert sandbox.get_number(svc.sid, number.sid).is_reserved == number.is_reserved
    assert journal_path(sandbox.path).read_bytes() == journal  # nothing of it reached the disk


def test_reopening_gives_back_the_same_account(sandbox):
    def everything(acct: SandboxAccount):
        services = every(acct.list_services)
        return (acct.account_sid, services, [every(acct.list_numbers, s.sid) for s in services],
                every(acct.list_account_numbers))

    before = everything(sandbox)
    path = sandbox.path
    sandbox.close()
    again = SandboxAccount.open(path)
    try:
        assert everything(again) == before
    finally:
        again.close()


def test_a_sandbox_open_here_is_refused_a_second_time_until_closed(sandbox):
    with pytest.raises(SandboxInUse) as err:
        SandboxAccount.open(sandbox.path)
    assert f"process {os.getpid()}" in str(err.value) and str(sandbox.path) in str(err.value)
    path = sandbox.path
    sandbox.close()
    SandboxAccount.open(path).close()


def test_create_refuses_an_existing_file_and_never_replaces_a_foreign_one(tmp_path):
    path = tmp_path / "notes.json"
    path.write_text('{"mine": true}')
    with pytest.raises(StoreError, match="already exists"):
        SandboxAccount.create(path)
    with pytest.raises(StoreError, match="not a proxy-pool sandbox file"):
        SandboxAccount.create(path, overwrite=True)
    assert path.read_text() == '{"mine": true}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.json"]


def test_replacing_a_sandbox_drops_its_old_pools(sandbox):
    path = sandbox.path
    sandbox.close()
    fresh = SandboxAccount.create(path, overwrite=True)
    try:
        assert every(fresh.list_services) == [] and every(fresh.list_account_numbers) == []
        assert list(Path(f"{path}.d").glob("KS*.json")) == []
    finally:
        fresh.close()


def test_temp_files_of_killed_writers_are_removed_on_open(sandbox):
    path = sandbox.path
    svc = sandbox.list_services().items[0]
    sandbox.close()
    left = [path.with_name(f".{path.name}.4242.tmp"), sandbox.files.pools_dir / f".{svc.sid}.json.4242.tmp"]
    for file in left:
        file.write_bytes(b'{"half')
    again = SandboxAccount.open(path)
    assert not any(f.exists() for f in left)
    again.close()


def test_tables_change_in_place_exactly_as_stock_tinydb_tables_do(tmp_path):
    """The store's in-place table against TinyDB's own, over a seeded run of every kind of change."""
    ours = store.open_db(tmp_path / "x.json", {})
    stock = TinyDB(storage=StockMemoryStorage)
    assert isinstance(ours, SandboxDB)
    rng = random.Random(8)
    q = Query()
    for step in range(400):
        roll = rng.random()
        for db in (ours, stock):
            table = db.table("t")
            rnd = random.Random(step)
            if roll < 0.3:
                result = table.insert({"k": rnd.randrange(20), "v": step})
            elif roll < 0.4:
                result = table.insert_multiple([{"k": rnd.randrange(20), "v": step} for _ in range(3)])
            elif roll < 0.55:
                result = table.update({"v": -step}, q.k == rnd.randrange(20))
            elif roll < 0.65:
                ids = [d.doc_id for d in table.all()]
                result = table.update({"w": step}, doc_ids=rnd.sample(ids, min(2, len(ids))))
            elif roll < 0.75:
                result = table.remove(q.k == rnd.randrange(20))
            elif roll < 0.8:
                ids = [d.doc_id for d in table.all()]
                result = table.remove(doc_ids=rnd.sample(ids, min(1, len(ids))))
            elif roll < 0.9:
                result = table.upsert({"k": rnd.randrange(20), "u": step}, q.k == rnd.randrange(20))
            elif roll < 0.98:
                result = sorted(d.doc_id for d in table.search(q.k == rnd.randrange(20)))
            else:
                result = table.truncate()
            if db is ours:
                ours_result = result
        assert ours_result == result, step
        assert [(d.doc_id, dict(d)) for d in ours.table("t").all()] == [
            (d.doc_id, dict(d)) for d in stock.table("t").all()], step
    assert len(ours.table("t")) == len(stock.table("t"))
