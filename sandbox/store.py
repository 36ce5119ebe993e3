"""Durable TinyDB storage for a sandbox account: the account file's tables (services,
account_numbers) and each pool file's (numbers, sessions, participants), over sandbox/files.py.

Why this shape: stock JSONStorage re-reads the whole file per operation and rewrites
it in place (a full disk mid-rewrite corrupts it). Here every file is parsed once and
kept in memory; a change rewrites only the file it touches (one pool, never the whole
account) and does so atomically: temp file, fsync, rename, fsync of the folder.
Tables change their documents in place (stock TinyDB copies a table twice per change).

Across files: no logical change writes a pool and the account together, so each is one
atomic write, except deleting a Service: the account file first, then its pool file goes.
A crash between the two leaves an orphan pool file, removed on the next open, and only
after every file has been read and checked (a number in two pools is refused, untouched).
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

from sandbox.files import (
    FORMAT,
    META,
    POOL_FORMAT,
    VERSION,
    NoLock,
    SandboxLock,
    StoreError,
    atomic_write,
    cause,
    fsync_dir,
    read_json_file,
    sandbox_files,
    tmp_files,
)

# the account file's tables
SERVICES = "services"
ACCOUNT_NUMBERS = "account_numbers"
# a pool file's tables
NUMBERS = "numbers"
SESSIONS = "sessions"
PARTICIPANTS = "participants"

BIG_LOAD = 4_000_000  # bytes of JSON: beyond this, loading pauses the cyclic GC (see big_load)


@contextlib.contextmanager
def big_load(paths: list[Path]) -> Iterator[None]:
    """Load a big sandbox without CPython's cyclic GC scanning it again and again: the one GC
    policy of the product (SandboxAccount.open wraps reading the files and indexing them in it).

    Parsing 55,000 numbers and indexing them makes about 1.5 million objects; the GC would walk
    them all in three full passes while they are made (130 ms of a 550 ms open) and again in every
    later full pass (120 ms pauses in the app). JSON data holds no cycles, so: pause the GC while
    loading, then freeze what is loaded (later passes skip it; it is still freed when released).
    Small sandboxes (tests, the demo) skip this: freezing is process-wide.
    """
    size = 0
    for path in paths:
        with contextlib.suppress(OSError):
            size += path.stat().st_size
    if size < BIG_LOAD or not gc.isenabled():
        yield
        return
    gc.collect()  # nothing collectable gets frozen with the data
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


class MemoryStorage(Storage):
    """A TinyDB storage that keeps the file's data in memory and writes it atomically.

    Writes are deferred while a transaction is open, so one logical change that
    touches several tables of the file costs one atomic rewrite.
    """

    def __init__(self, path: Path, data: dict[str, Any], read_only: bool = False):
        self.path = path
        self._data = data
        self.deferred = False
        self.dirty = False
        self.read_only = read_only  # a lock-free view: changes stay in memory, never on disk

    def read(self) -> dict[str, Any]:
        return self._data

    def write(self, data: dict[str, Any]) -> None:
        self._data = data
        self.dirty = True
        if not self.deferred:
            self.flush()

    def flush(self) -> None:
        if self.dirty and self.read_only:
            self.dirty = False  # e.g. sessions expired by a read: the writer records that itself
        elif self.dirty:
            atomic_write(self.path, orjson.dumps(self._data))
            self.dirty = False

    def close(self) -> None:
        pass


class _IntKeys(MutableMapping):
    """The stored table ({"7": doc}) as TinyDB's updaters see it ({7: doc}), changed in place."""

    __slots__ = ("raw",)

    def __init__(self, raw: dict[str, Any]):
        self.raw = raw

    def __getitem__(self, doc_id: int) -> Any:
        return self.raw[str(doc_id)]

    def __setitem__(self, doc_id: int, doc: Any) -> None:
        self.raw[str(doc_id)] = doc

    def __delitem__(self, doc_id: int) -> None:
        del self.raw[str(doc_id)]

    def __contains__(self, doc_id: object) -> bool:
        return str(doc_id) in self.raw

    def __iter__(self) -> Iterator[int]:
        return (int(k) for k in self.raw)

    def __len__(self) -> int:
        return len(self.raw)

    def clear(self) -> None:
        self.raw.clear()


class InPlaceTable(Table):
    """A TinyDB table whose changes edit the stored documents in place.

    Stock Table._update_table copies the whole table twice per change (to int keys and
    back): 20 ms for the 55,000 account numbers. Here a change costs what it touches.
    """

    def _update_table(self, updater) -> None:
        tables = self._storage.read()
        updater(_IntKeys(tables.setdefault(self.name, {})))
        self._storage.write(tables)
        self.clear_cache()


class SandboxDB(TinyDB):
    table_class = InPlaceTable


def open_db(path: Path, data: dict[str, Any], read_only: bool = False) -> TinyDB:
    return SandboxDB(path, storage=lambda p: MemoryStorage(Path(p), data, read_only))


def storage_of(db: TinyDB) -> MemoryStorage:
    return db.storage  # type: ignore[return-value]


def raw_table(db: TinyDB, name: str) -> dict[str, dict[str, Any]]:
    """A table's documents as stored ({doc id text: document}), read without copying:
    for building indexes; never modify what it returns."""
    return storage_of(db).read().get(name, {})


class SandboxFiles:
    """The open files of one sandbox: the account file and one file per Service's pool."""

    def __init__(self, path: Path, account: TinyDB, pools: dict[str, TinyDB], lock: SandboxLock | NoLock,
                 read_only: bool = False):
        self.path = path
        self.read_only = read_only  # a view (snapshot()): nothing is ever written, nothing repaired
        self.pools_dir = Path(f"{path}.d")
        self.account = account
        self.pools = pools
        self._lock = lock
        self._in_transaction = False
        # pool files of Services the account no longer has (a delete cut short by a crash)
        self.orphans: list[Path] = []

    def repair(self) -> None:
        """Finish what a crash cut short, once the whole sandbox has been read and checked:
        remove orphan pool files (their Service's deletion is durable in the account file)
        and the temp files of killed writers."""
        if self.read_only:
            return
        leftovers = tmp_files(self.path)
        if self.pools_dir.is_dir():
            leftovers += self.pools_dir.glob(".KS*.json.*.tmp")
        for file in [*self.orphans, *leftovers]:
            with contextlib.suppress(FileNotFoundError):
                file.unlink()
        self.orphans = []

    # -- opening ------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> SandboxFiles:
        path = Path(path)
        if not path.exists():
            read_json_file(path, FORMAT)  # raises the "no sandbox" message
        lock = SandboxLock(path)
        lock.acquire()
        try:
            pool_files = sandbox_files(path)[1:]
            pools: dict[str, TinyDB] = {}
            orphans: list[Path] = []
            account = open_db(path, read_json_file(path, FORMAT))
            service_sids = {doc["sid"] for doc in raw_table(account, SERVICES).values()}
            for file in pool_files:
                sid = file.stem
                if sid not in service_sids:
                    orphans.append(file)
                    continue
                data = read_json_file(file, POOL_FORMAT)
                if data[META]["1"].get("service_sid") != sid:
                    raise StoreError(f"pool file {file} belongs to another Service; it was left as it is")
                pools[sid] = open_db(file, data)
            files = cls(path, account, pools, lock)
            files.orphans = orphans
            return files
        except BaseException:
            lock.release(refused=True)
            raise

    @classmethod
    def snapshot(cls, path: str | os.PathLike[str]) -> SandboxFiles:
        """The sandbox as its files are now, read without the lock (a process may hold it and
        write meanwhile): each file is whole (they are replaced atomically), but the view may be a
        moment old. Nothing is written; a pool file that went away while reading is left out."""
        path = Path(path)
        account = open_db(path, read_json_file(path, FORMAT), read_only=True)
        service_sids = {doc["sid"] for doc in raw_table(account, SERVICES).values()}
        pools: dict[str, TinyDB] = {}
        for file in sandbox_files(path)[1:]:
            if file.stem not in service_sids or not file.exists():
                continue
            try:
                pools[file.stem] = open_db(file, read_json_file(file, POOL_FORMAT), read_only=True)
            except StoreError:
                if file.exists():
                    raise
        return cls(path, account, pools, NoLock(), read_only=True)

    @classmethod
    def create(cls, path: str | os.PathLike[str], meta: dict[str, Any], *, overwrite: bool = False) -> SandboxFiles:
        """A new, empty sandbox at path. Refuses to replace a file unless overwrite is set
        (and even then only a sandbox file: never a foreign one)."""
        path = Path(path)
        if path.exists():
            if not overwrite:
                raise StoreError(f"{path} already exists; choose another path or pass --force to replace it")
            read_json_file(path, FORMAT)  # only ever replace a sandbox
        if not path.parent.is_dir():
            raise StoreError(f"cannot create sandbox {path}: folder {path.parent} does not exist")
        lock = SandboxLock(path)
        lock.acquire()
        try:
            data = {META: {"1": {"format": FORMAT, "version": VERSION, **meta}}}
            # the new account first: should a crash follow, the old pool files are orphans of it
            atomic_write(path, orjson.dumps(data))
            pools_dir = Path(f"{path}.d")
            if pools_dir.is_dir():
                for file in pools_dir.glob("KS*.json"):
                    file.unlink()
            return cls(path, open_db(path, data), {}, lock)
        except BaseException:
            lock.release(refused=True)
            raise

    # -- pools ----------------------------------------------------------------------

    def pool(self, service_sid: str) -> TinyDB:
        """The pool file of a Service, made (in memory; on disk at the next write) if new."""
        db = self.pools.get(service_sid)
        if db is None:
            if not self.pools_dir.is_dir() and not self.read_only:
                try:
                    self.pools_dir.mkdir()
                    fsync_dir(self.path.parent)
                except OSError as exc:
                    raise StoreError(f"cannot make the pools folder {self.pools_dir}: {cause(exc)}") from None
            data = {META: {"1": {"format": POOL_FORMAT, "version": VERSION, "service_sid": service_sid}}}
            db = open_db(self.pools_dir / f"{service_sid}.json", data, self.read_only)
            storage_of(db).dirty = True
            storage_of(db).deferred = self._in_transaction
            if not self._in_transaction:
                storage_of(db).flush()
            self.pools[service_sid] = db
        return db

    def drop_pool(self, service_sid: str) -> None:
        db = self.pools.pop(service_sid, None)
        if db is not None:
            # best effort: if this is lost to a crash, the next open removes the orphan
            with contextlib.suppress(OSError):
                storage_of(db).path.unlink()
                fsync_dir(self.pools_dir)

    def all_dbs(self) -> Iterator[TinyDB]:
        yield from self.pools.values()
        yield self.account

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Defer writes; at the end write each touched file once (pools before the account).

        When a write fails, every touched file is reloaded from disk, so memory again
        matches what is durable, and the error goes to the caller.
        """
        if self._in_transaction:
            yield
            return
        self._in_transaction = True
        dbs = list(self.all_dbs())
        for db in dbs:
            storage_of(db).deferred = True
        try:
            yield
            for db in list(self.all_dbs()):
                storage_of(db).flush()
        except BaseException:
            self.reload_dirty()
            raise
        finally:
            for db in list(self.all_dbs()):
                storage_of(db).deferred = False
            self._in_transaction = False

    def reload_dirty(self) -> None:
        """Drop unwritten changes: read every dirty file back from disk."""
        account_storage = storage_of(self.account)
        if account_storage.dirty:
            self.account = open_db(self.path, read_json_file(self.path, FORMAT))
        for sid, db in list(self.pools.items()):
            storage = storage_of(db)
            if storage.dirty:
                if storage.path.exists():
                    self.pools[sid] = open_db(storage.path, read_json_file(storage.path, POOL_FORMAT))
                else:
                    del self.pools[sid]

    def meta(self) -> dict[str, Any]:
        return dict(self.account.table(META).get(doc_id=1) or {})

    def close(self) -> None:
        self._lock.release()


