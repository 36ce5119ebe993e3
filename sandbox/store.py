"""Durable TinyDB storage for a sandbox account.

Layout of a sandbox at PATH:
  PATH            the account (TinyDB JSON): _meta, account_numbers, services
  PATH.d/KS….json one TinyDB file per Service: its pool (numbers) and, later, sessions
  PATH.lock       an exclusive lock (flock) holding the owner's PID

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
import errno
import fcntl
import gc
import glob
import os
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

from tui.core.errors import ProxyError

FORMAT = "proxy-pool-sandbox"
POOL_FORMAT = "proxy-pool-sandbox-pool"
VERSION = 1
META = "_meta"


class StoreError(ProxyError):
    """A sandbox file cannot be read or written; the message names the file and the cause."""

    def __init__(self, message: str):
        super().__init__(80501, 500, message)


class SandboxInUse(StoreError):
    def __init__(self, path: Path, pid: int | None):
        who = f"process {pid}" if pid else "another process"
        super().__init__(f"sandbox {path} is in use by {who}; close it there first")
        self.pid = pid


def _cause(exc: OSError) -> str:
    return exc.strerror or errno.errorcode.get(exc.errno or 0, str(exc))


def atomic_write(path: Path, payload: bytes) -> None:
    """Replace path with payload so that a crash or a full disk leaves old or new, never half."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            view = memoryview(payload)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise StoreError(f"cannot write sandbox file {path}: {_cause(exc)}; nothing was changed") from None
    try:
        fsync_dir(path.parent)
    except OSError as exc:
        raise StoreError(f"sandbox file {path} was written but its folder could not be synced: {_cause(exc)}") from None


def tmp_files(path: Path) -> list[Path]:
    """Temp files a killed writer left beside path (only ever removed under the lock)."""
    return list(path.parent.glob(f".{glob.escape(path.name)}.*.tmp"))


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_json_file(path: Path, fmt: str) -> dict[str, Any]:
    """Parse a sandbox file, refusing (never touching) an empty, corrupt or foreign one."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise StoreError(f"no sandbox at {path}; create one with: proxy-pool sandbox init {path} --demo") from None
    except IsADirectoryError:
        raise StoreError(f"{path} is a folder, not a sandbox file") from None
    except OSError as exc:
        raise StoreError(f"cannot read sandbox file {path}: {_cause(exc)}") from None
    if not raw.strip():
        raise StoreError(f"sandbox file {path} is empty; it was left as it is")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise StoreError(f"sandbox file {path} is corrupt (not JSON: {exc}); it was left as it is") from None
    meta = data.get(META) if isinstance(data, dict) else None
    meta = meta.get("1") if isinstance(meta, dict) else None
    if not isinstance(meta, dict) or meta.get("format") != fmt:
        raise StoreError(f"{path} is not a proxy-pool sandbox file; it was left as it is")
    if meta.get("version") != VERSION:
        raise StoreError(f"sandbox file {path} has format version {meta.get('version')}, this build reads {VERSION}")
    return data


BIG_LOAD = 4_000_000  # bytes of JSON: beyond this, loading pauses the cyclic GC (see big_load)


@contextlib.contextmanager
def big_load(paths: list[Path]) -> Iterator[None]:
    """Load a big sandbox without CPython's cyclic GC scanning it again and again.

    Parsing 55,000 numbers makes about a million objects; the GC would walk them all in three
    full passes while they are made (130 ms of a 550 ms open) and again in every later full
    pass (120 ms pauses in the app). JSON data holds no cycles, so: pause the GC while loading,
    then freeze what is loaded (later passes skip it; it is still freed when released).
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

    def __init__(self, path: Path, data: dict[str, Any]):
        self.path = path
        self._data = data
        self.deferred = False
        self.dirty = False

    def read(self) -> dict[str, Any]:
        return self._data

    def write(self, data: dict[str, Any]) -> None:
        self._data = data
        self.dirty = True
        if not self.deferred:
            self.flush()

    def flush(self) -> None:
        if self.dirty:
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


def open_db(path: Path, data: dict[str, Any]) -> TinyDB:
    return SandboxDB(path, storage=lambda p: MemoryStorage(Path(p), data))


def storage_of(db: TinyDB) -> MemoryStorage:
    return db.storage  # type: ignore[return-value]


def raw_table(db: TinyDB, name: str) -> dict[str, dict[str, Any]]:
    """A table's documents as stored ({doc id text: document}), read without copying:
    for building indexes; never modify what it returns."""
    return storage_of(db).read().get(name, {})


class SandboxLock:
    """One process at a time per sandbox: flock on PATH.lock, which records the holder's PID.

    The kernel drops a flock when its process dies, so a dead holder's lock is simply retaken.
    """

    def __init__(self, path: Path):
        self.path = Path(f"{path}.lock")
        self.sandbox = path
        self._fd: int | None = None
        self._made = False

    def acquire(self) -> None:
        try:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
                self._made = True
            except FileExistsError:
                fd = os.open(self.path, os.O_RDWR, 0o600)
        except OSError as exc:
            raise StoreError(f"cannot lock sandbox {self.sandbox}: {_cause(exc)}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                pid = int(os.pread(fd, 32, 0).decode().strip() or 0) or None
            except (OSError, ValueError):
                pid = None
            os.close(fd)
            raise SandboxInUse(self.sandbox, pid) from None
        # the PID is for the message a second process shows; a full disk must not stop the open
        with contextlib.suppress(OSError):
            pid = str(os.getpid()).encode()
            os.pwrite(fd, pid, 0)  # then cut: a reader never sees an empty file
            os.ftruncate(fd, len(pid))
        self._fd = fd

    def release(self, *, refused: bool = False) -> None:
        """Drop the lock. `refused`: the file was not opened, so a lock file this call made goes too
        (refusing a foreign file leaves nothing new beside it)."""
        if self._fd is not None:
            if refused and self._made:
                with contextlib.suppress(OSError):
                    self.path.unlink()
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing drops the flock
            self._fd = None


def install(built: Path, path: Path) -> None:
    """Put the finished, closed sandbox at `built` in the place of the sandbox at `path`.

    The old sandbox stands until the last step: the new pool files go in first (by Service
    SID), then the new account file replaces the old one atomically, and only then are the
    old pools the new account does not name removed. A failure before the account file's
    rename leaves the old account, which never names the new Services' SIDs it does not know.
    """
    lock = SandboxLock(path)
    lock.acquire()
    try:
        if path.exists():
            read_json_file(path, FORMAT)  # only ever replace a sandbox
        pools, new_pools = Path(f"{path}.d"), Path(f"{built}.d")
        kept: set[str] = set()
        try:
            pools.mkdir(exist_ok=True)
            if new_pools.is_dir():
                for file in new_pools.glob("KS*.json"):
                    os.replace(file, pools / file.name)
                    kept.add(file.name)
                new_pools.rmdir()
            fsync_dir(pools)
            os.replace(built, path)
            fsync_dir(path.parent)
        except OSError as exc:
            raise StoreError(f"cannot replace sandbox {path}: {_cause(exc)}; the old sandbox was kept") from None
        for file in pools.glob("KS*.json"):
            if file.name not in kept:
                with contextlib.suppress(OSError):
                    file.unlink()
    finally:
        lock.release()


def discard(path: Path) -> None:
    """Remove a sandbox's files (a half-built one): PATH, PATH.d and PATH.lock."""
    pools = Path(f"{path}.d")
    for file in pools.glob("*") if pools.is_dir() else ():
        with contextlib.suppress(OSError):
            file.unlink()
    for leftover in (pools,):
        with contextlib.suppress(OSError):
            leftover.rmdir()
    for leftover in (path, Path(f"{path}.lock")):
        with contextlib.suppress(OSError):
            leftover.unlink()


class SandboxFiles:
    """The open files of one sandbox: the account file and one file per Service's pool."""

    def __init__(self, path: Path, account: TinyDB, pools: dict[str, TinyDB], lock: SandboxLock):
        self.path = path
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
            pools_dir = Path(f"{path}.d")
            pool_files = sorted(pools_dir.glob("KS*.json")) if pools_dir.is_dir() else []
            pools: dict[str, TinyDB] = {}
            orphans: list[Path] = []
            with big_load([path, *pool_files]):
                account = open_db(path, read_json_file(path, FORMAT))
                service_sids = {doc["sid"] for doc in raw_table(account, "services").values()}
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
            if not self.pools_dir.is_dir():
                try:
                    self.pools_dir.mkdir()
                    fsync_dir(self.path.parent)
                except OSError as exc:
                    raise StoreError(f"cannot make the pools folder {self.pools_dir}: {_cause(exc)}") from None
            data = {META: {"1": {"format": POOL_FORMAT, "version": VERSION, "service_sid": service_sid}}}
            db = open_db(self.pools_dir / f"{service_sid}.json", data)
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
