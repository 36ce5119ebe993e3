"""Durable TinyDB storage for a sandbox account: the account file's tables (services, Messaging
Services), the numbers file's (account_numbers) and each pool file's (numbers, sessions,
participants), over sandbox/files.py.

Why this shape: stock JSONStorage re-reads the whole file per operation and rewrites it in
place (a full disk mid-rewrite corrupts it). Here every file is parsed once and kept in memory,
and a change costs an append, as in a database:

- One logical change (a transaction) is one journal record (sandbox/files.py's Journal): the
  documents it left as they now are, and the pool files it made or dropped. It is appended and
  fsync'd before the call returns, so a bulk change or a Service delete is atomic and one fsync.
- The files are rewritten from memory later ("folded"): on close, and when the journal grows past
  FOLD_BYTES; each atomically, then the journal starts again empty. A crash during a fold leaves
  the journal whole, and replaying it is idempotent (a record holds whole documents).
- Opening reads the account file, then replays the journal's whole records; a torn last record was
  never acknowledged and is cut off. A pool file is read when its pool is first needed (load), the
  numbers file when the owned numbers are (numbers), or either when a journal record names it; a
  pool no change is waiting for can leave memory again (unload).
- A failed change (an exception in its body, a full disk at its append) is rolled back in memory
  from the documents as they were before it touched them, so memory again matches what is durable.

Tables change their documents in place (stock TinyDB copies a table twice per change).
"""

from __future__ import annotations

import contextlib
import gc
import os
import secrets
from collections.abc import Callable, Iterator, MutableMapping
from pathlib import Path
from typing import Any

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

from sandbox.files import (
    FORMAT,
    META,
    NUMBERS_FILES,
    NUMBERS_FORMAT,
    POOL_FORMAT,
    POOL_VERSION,
    VERSION,
    Journal,
    NoLock,
    SandboxLock,
    StoreError,
    atomic_write,
    cause,
    fsync_dir,
    journal_path,
    numbers_file,
    pool_files,
    read_json_file,
    tmp_files,
)

# the account file's tables
SERVICES = "services"
ACCOUNT_NUMBERS = "account_numbers"
# a pool file's tables
NUMBERS = "numbers"
SESSIONS = "sessions"
PARTICIPANTS = "participants"

ACCOUNT = ""  # the account file's key in journal records; a pool file's key is its Service's SID
OWNED = "numbers"  # the numbers file's key
OWNED_COUNT = "owned"  # the account meta's count of owned numbers (derived at each fold: sandbox/catalog.py)
FOLD_BYTES = 8 * 1024 * 1024  # a journal past this is folded into the files after the change that grew it
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


# -- what one change touched --------------------------------------------------------------------

_ABSENT = object()  # a document that was not there before the change


def _copy(doc: Any) -> Any:
    """A document as it was (documents are flat but for small dicts such as capabilities)."""
    return {k: dict(v) if isinstance(v, dict) else v for k, v in doc.items()} if isinstance(doc, dict) else doc


class Change:
    """The open transaction: the documents it touched with how they were before, and the pool
    files it made or dropped, in order. Enough to write its journal record and to undo it."""

    def __init__(self) -> None:
        self.before: dict[tuple[str, str, str], Any] = {}  # (file, table, doc id) -> the document, or _ABSENT
        self.made: dict[str, TinyDB] = {}  # pool files this change made
        self.dropped: dict[str, TinyDB] = {}  # pool files this change dropped (kept to put back)
        self.order: list[tuple[str, Any]] = []  # ("doc", key) / ("make", sid) / ("drop", sid)

    def touch(self, file: str, table: str, doc_id: str, raw: dict[str, Any]) -> None:
        key = (file, table, doc_id)
        if key not in self.before:
            self.before[key] = _copy(raw[doc_id]) if doc_id in raw else _ABSENT
            self.order.append(("doc", key))


class JournalStorage(Storage):
    """A TinyDB storage that keeps one file's data in memory; its changes reach the disk through
    its owner (SandboxFiles): journalled at once, folded into the file later."""

    def __init__(self, path: Path, data: dict[str, Any], owner: SandboxFiles | None = None, key: str = ACCOUNT):
        self.path = path
        self._data = data
        self.owner = owner
        self.key = key

    def read(self) -> dict[str, Any]:
        return self._data

    def write(self, data: dict[str, Any]) -> None:
        self._data = data
        if self.owner is not None:
            self.owner.changed()

    def touch(self, table: str, doc_id: str, raw: dict[str, Any]) -> None:
        if self.owner is not None:
            self.owner.change().touch(self.key, table, doc_id, raw)

    def close(self) -> None:
        pass


class _IntKeys(MutableMapping):
    """The stored table ({"7": doc}) as TinyDB's updaters see it ({7: doc}), changed in place;
    every document an updater reaches is touched first (its state before the change is kept)."""

    __slots__ = ("raw", "storage", "table")

    def __init__(self, raw: dict[str, Any], storage: JournalStorage, table: str):
        self.raw = raw
        self.storage = storage
        self.table = table

    def __getitem__(self, doc_id: int) -> Any:
        key = str(doc_id)
        self.storage.touch(self.table, key, self.raw)  # an updater may edit what it reads
        return self.raw[key]

    def __setitem__(self, doc_id: int, doc: Any) -> None:
        key = str(doc_id)
        self.storage.touch(self.table, key, self.raw)
        self.raw[key] = doc

    def __delitem__(self, doc_id: int) -> None:
        key = str(doc_id)
        self.storage.touch(self.table, key, self.raw)
        del self.raw[key]

    def __contains__(self, doc_id: object) -> bool:
        return str(doc_id) in self.raw

    def __iter__(self) -> Iterator[int]:
        return (int(k) for k in self.raw)

    def __len__(self) -> int:
        return len(self.raw)

    def clear(self) -> None:
        for key in list(self.raw):
            self.storage.touch(self.table, key, self.raw)
        self.raw.clear()


class InPlaceTable(Table):
    """A TinyDB table whose changes edit the stored documents in place.

    Stock Table._update_table copies the whole table twice per change (to int keys and
    back): 20 ms for the 55,000 account numbers. Here a change costs what it touches.
    """

    def _update_table(self, updater) -> None:
        storage: JournalStorage = self._storage  # type: ignore[assignment]
        tables = storage.read()
        updater(_IntKeys(tables.setdefault(self.name, {}), storage, self.name))
        storage.write(tables)
        self.clear_cache()


class SandboxDB(TinyDB):
    table_class = InPlaceTable


def open_db(path: Path, data: dict[str, Any], owner: SandboxFiles | None = None, key: str = ACCOUNT) -> TinyDB:
    return SandboxDB(path, storage=lambda p: JournalStorage(Path(p), data, owner, key))


def storage_of(db: TinyDB) -> JournalStorage:
    return db.storage  # type: ignore[return-value]


def raw_table(db: TinyDB, name: str) -> dict[str, dict[str, Any]]:
    """A table's documents as stored ({doc id text: document}), read without copying:
    for building indexes; never modify what it returns."""
    return storage_of(db).read().get(name, {})


class SandboxFiles:
    """The open files of one sandbox: the account file, one file per Service's pool, the journal."""

    def __init__(self, path: Path, lock: SandboxLock | NoLock, generation: str, *, read_only: bool = False):
        self.path = path
        self.read_only = read_only  # a view (snapshot()): nothing is ever written, nothing repaired
        self.pools_dir = Path(f"{path}.d")
        self.account: TinyDB = open_db(path, {}, self, ACCOUNT)
        self.pools: dict[str, TinyDB] = {}  # the pool files read so far (or made), by Service SID
        self.pool_files: dict[str, Path] = {}  # pool files on disk not read (yet), by Service SID
        self.numbers_path = numbers_file(path, generation)
        self._numbers: TinyDB | None = None  # the numbers file, once read (or made)
        self.journal = Journal(path, generation)
        # called before a fold writes the files: the owner puts what it derives (pool counts) in them
        self.before_fold: Callable[[], None] | None = None
        # group commit (the HTTP server): a change's record is written, its fsync left to sync_journal,
        # which makes every change since durable at once; whoever answers for them waits for it
        self.group_commit = False
        self._lock = lock
        self._change: Change | None = None
        self._depth = 0  # transactions open (a nested one is part of the outer)
        self._implicit = False  # the change is one write outside any transaction
        self.unfolded: set[str] = set()  # files whose memory is newer than their file on disk
        # pool files of Services the account no longer has (a delete cut short by a crash)
        self.orphans: list[Path] = []

    def repair(self) -> None:
        """Finish what a crash cut short, once the whole sandbox has been read and checked:
        remove orphan pool files (their Service's deletion is durable) and the temp files of
        killed writers."""
        if self.read_only:
            return
        leftovers = tmp_files(self.path) + tmp_files(journal_path(self.path))
        if self.pools_dir.is_dir():
            leftovers += [*self.pools_dir.glob(".KS*.json.*.tmp"), *self.pools_dir.glob(f".{NUMBERS_FILES}.*.tmp")]
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
            return cls._read(path, lock, read_only=False)
        except BaseException:
            lock.release(refused=True)
            raise

    @classmethod
    def snapshot(cls, path: str | os.PathLike[str]) -> SandboxFiles:
        """The sandbox as its files and journal are now, read without the lock (a process may hold it
        and write meanwhile): each file is whole (files are replaced atomically, a torn journal record
        is left out), but the view may be a moment old. Nothing is ever written: what a read changes
        in memory (sessions that expired) stays there, the holder records it itself."""
        return cls._read(Path(path), NoLock(), read_only=True)

    def reread(self) -> SandboxFiles:
        """The sandbox as it is durable on disk, read again under the same lock: the files and the journal's
        records up to what was fsync'd (after a group's fsync failed; the rest is cut off)."""
        limit = self.journal.synced
        self.journal.cut_to_synced()
        self.journal.close()
        files = SandboxFiles._read(self.path, self._lock, read_only=self.read_only, journal_limit=limit)
        files.group_commit = self.group_commit
        return files

    def sync_journal(self) -> None:
        self.journal.sync()

    @classmethod
    def _read(cls, path: Path, lock: SandboxLock | NoLock, *, read_only: bool,
              journal_limit: int | None = None) -> SandboxFiles:
        data = read_json_file(path, FORMAT)
        files = cls(path, lock, str(data[META]["1"].get("generation", "")), read_only=read_only)
        if data[META]["1"].get("version") == 1:  # its owned numbers move to the numbers file (at the next fold)
            owned = data.pop(ACCOUNT_NUMBERS, {})
            files._numbers = open_db(files.numbers_path, {**files._numbers_meta(), ACCOUNT_NUMBERS: owned}, files, OWNED)
            files.unfolded.update((ACCOUNT, OWNED))
        files.account = open_db(path, data, files, ACCOUNT)
        files.pool_files = {file.stem: file for file in pool_files(path)}
        records = files.journal.read(journal_limit)
        for record in records:
            files._replay(record)
        if not read_only:
            files.journal.open(keep=bool(records))
        services = {doc["sid"] for doc in raw_table(files.account, SERVICES).values()}
        for sid in [sid for sid in files.pools if sid not in services]:
            files.orphans.append(storage_of(files.pools.pop(sid)).path)
        for sid in [sid for sid in files.pool_files if sid not in services]:
            files.orphans.append(files.pool_files.pop(sid))
        return files

    def load(self, service_sid: str) -> TinyDB | None:
        """The Service's pool file, read now if it was not yet (None: it has none, as a new Service).
        Refuses, leaving it as it is, a pool file that is not one or that names another Service."""
        db = self.pools.get(service_sid)
        if db is not None:
            return db
        file = self.pool_files.get(service_sid)
        if file is None:
            return None
        try:
            pool = read_json_file(file, POOL_FORMAT)
        except StoreError:
            if self.read_only and not file.exists():
                del self.pool_files[service_sid]  # a writer's fold removed it since the view was taken
                return None
            raise
        if pool[META]["1"].get("service_sid") != file.stem:
            raise StoreError(f"pool file {file} belongs to another Service; it was left as it is")
        del self.pool_files[service_sid]
        db = self.pools[service_sid] = open_db(file, pool, self, service_sid)
        return db

    def loaded(self, service_sid: str) -> bool:
        return service_sid in self.pools

    def _numbers_meta(self) -> dict[str, Any]:
        return {META: {"1": {"format": NUMBERS_FORMAT, "version": POOL_VERSION}}}

    def numbers(self) -> TinyDB:
        """The numbers file (the owned numbers), read now if it was not yet; an empty one if there is none."""
        if self._numbers is None:
            try:
                data = read_json_file(self.numbers_path, NUMBERS_FORMAT)
            except StoreError:
                if self.numbers_path.exists():
                    raise
                owned = self.meta().get(OWNED_COUNT) or 0
                if owned:  # gone, not yet written: read as none, a fold would lose them
                    raise StoreError(f"sandbox {self.path} is missing its numbers file {self.numbers_path} "
                                     f"(the account owns {owned:,} numbers); it was left as it is") from None
                data = self._numbers_meta()  # no number bought yet (or a view taken before the first fold)
            self._numbers = open_db(self.numbers_path, data, self, OWNED)
        return self._numbers

    @property
    def numbers_loaded(self) -> bool:
        return self._numbers is not None

    def _db(self, key: str, *, make: bool = False) -> TinyDB | None:
        """The file a journal operation names (read if it must be): the account, the numbers, a pool."""
        if key == ACCOUNT:
            return self.account
        if key == OWNED:
            return self.numbers() if make else self._numbers
        return self.load(key) if make else self.pools.get(key)

    def unload(self, service_sid: str) -> bool:
        """Let a pool file's data leave memory, when its file on disk holds all of it (no change of it
        is waiting in the journal or open). False: it stays."""
        db = self.pools.get(service_sid)
        if db is None or service_sid in self.unfolded or self._change is not None:
            return False
        path = storage_of(db).path
        if not path.exists():
            return False
        del self.pools[service_sid]
        self.pool_files[service_sid] = path
        return True

    def _replay(self, record: bytes) -> None:
        """Apply one journal record to memory (idempotent: it holds whole documents)."""
        try:
            ops = orjson.loads(record)
            for op in ops:
                kind, file = op[0], op[1]
                if kind == "drop":
                    self.pools.pop(file, None)
                    self.pool_files.pop(file, None)  # its file goes at the next fold
                elif kind == "make":
                    if self.load(file) is None:
                        self.pools[file] = open_db(self._pool_path(file), {}, self, file)
                else:
                    if file == ACCOUNT and op[2] == ACCOUNT_NUMBERS:  # a format 1 journal's: the numbers moved
                        file = OWNED
                    db = self._db(file, make=True)
                    if db is None:  # a pool made in an earlier record that a fold never wrote
                        db = self.pools[file] = open_db(self._pool_path(file), {}, self, file)
                    table = storage_of(db).read().setdefault(op[2], {})
                    if kind == "put":
                        table[op[3]] = op[4]
                    else:
                        table.pop(op[3], None)
                self.unfolded.add(file)
        except (ValueError, TypeError, IndexError, KeyError) as exc:
            raise StoreError(f"sandbox journal {self.journal.path} holds a record this build cannot read "
                             f"({type(exc).__name__}); it was left as it is") from None

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
            # a new generation: no journal written beside an earlier sandbox here is ever replayed onto this one
            generation = secrets.token_hex(8)
            data = {META: {"1": {"format": FORMAT, "version": VERSION, **meta, "generation": generation}}}
            files = cls(path, lock, generation)
            # the new account first: should a crash follow, the old pool files are orphans of it
            atomic_write(path, orjson.dumps(data))
            if files.pools_dir.is_dir():
                for file in [*files.pools_dir.glob("KS*.json"), *files.pools_dir.glob(NUMBERS_FILES)]:
                    file.unlink()
            files.account = open_db(path, data, files, ACCOUNT)
            with contextlib.suppress(FileNotFoundError):  # an earlier sandbox's, here
                journal_path(path).unlink()
            return files
        except BaseException:
            lock.release(refused=True)
            raise

    # -- pools ----------------------------------------------------------------------

    def _pool_path(self, service_sid: str) -> Path:
        return self.pools_dir / f"{service_sid}.json"

    def pool(self, service_sid: str) -> TinyDB:
        """The pool file of a Service (read if it was not yet), made (in memory and in the journal) if new."""
        db = self.load(service_sid)
        if db is None:
            data = {META: {"1": {"format": POOL_FORMAT, "version": POOL_VERSION, "service_sid": service_sid}}}
            db = open_db(self._pool_path(service_sid), data, self, service_sid)
            change = self.change()
            change.made[service_sid] = db
            change.order.append(("make", service_sid))
            self.pools[service_sid] = db
            self.changed()
        return db

    def drop_pool(self, service_sid: str) -> None:
        """A deleted Service's pool file goes with the change (its file at the next fold)."""
        self.load(service_sid)  # read, so that undoing the change can put it back as it was
        db = self.pools.pop(service_sid, None)
        if db is not None:
            change = self.change()
            change.dropped[service_sid] = db
            change.order.append(("drop", service_sid))
            self.changed()

    def all_dbs(self) -> Iterator[TinyDB]:
        yield from self.pools.values()
        if self._numbers is not None:
            yield self._numbers
        yield self.account

    # -- changes ----------------------------------------------------------------------

    def change(self) -> Change:
        """The open change; a write outside any transaction is a change of its own."""
        if self._change is None:
            self._change = Change()
            self._implicit = self._depth == 0
        return self._change

    def changed(self) -> None:
        """A table was written: outside a transaction, that write is committed now."""
        if self._implicit and self._depth == 0:
            self._finish()

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One logical change: durable as one journal record when the block ends.

        When the block raises, or the record cannot be written, memory is put back as it was
        before the block, so it again matches what is durable, and the error goes to the caller.
        """
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            if self._depth == 0:
                self._rollback()
            raise
        self._depth -= 1
        if self._depth == 0:
            self._finish()

    def _finish(self) -> None:
        change, self._change, self._implicit = self._change, None, False
        if change is None:
            return
        ops = self._ops(change)
        if not ops or self.read_only:
            return
        try:
            self.journal.append(orjson.dumps(ops), sync=not self.group_commit)
        except BaseException:
            self._change = change
            self._rollback()
            raise
        self.unfolded.update(op[1] for op in ops)
        if self.journal.size > FOLD_BYTES:
            with contextlib.suppress(StoreError):  # the change is durable: a fold that fails waits for the next
                self.fold()

    def _ops(self, change: Change) -> list[list[Any]]:
        """The change as journal operations, in the order it made them, each document as it now is."""
        ops: list[list[Any]] = []
        for kind, what in change.order:
            if kind == "make":
                ops.append(["make", what])
            elif kind == "drop":
                ops.append(["drop", what])
            else:
                file, table, doc_id = what
                db = self._db(file)
                if db is None:
                    continue  # its pool was dropped by the same change
                now = storage_of(db).read().get(table, {}).get(doc_id, _ABSENT)
                before = change.before[what]
                if now is _ABSENT:
                    if before is not _ABSENT:
                        ops.append(["delete", file, table, doc_id])
                elif now != before:
                    ops.append(["put", file, table, doc_id, now])
        # a meta document (a new pool's) is part of its file: put it right after the make
        for sid in change.made:
            if sid in self.pools:
                at = ops.index(["make", sid]) + 1
                ops.insert(at, ["put", sid, META, "1", raw_table(self.pools[sid], META)["1"]])
        return ops

    def _rollback(self) -> None:
        """Put memory back as it was before the open change."""
        change, self._change, self._implicit = self._change, None, False
        if change is None:
            return
        for kind, what in reversed(change.order):
            if kind == "make":
                self.pools.pop(what, None)
            elif kind == "drop":
                self.pools[what] = change.dropped[what]
            else:
                file, table, doc_id = what
                # (never `pools.get(...) or ...`: a TinyDB with an empty default table is falsy)
                db = self._db(file) if file in (ACCOUNT, OWNED) else self.pools.get(file, change.dropped.get(file))
                if db is None:
                    continue
                rows = storage_of(db).read().setdefault(table, {})
                before = change.before[what]
                if before is _ABSENT:
                    rows.pop(doc_id, None)
                else:
                    rows[doc_id] = before
        for db in [*self.all_dbs(), *change.dropped.values()]:
            db.clear_cache()

    # -- folding the journal into the files ---------------------------------------------------

    def fold(self) -> None:
        """Write every file the journal is ahead of (each atomically), then empty the journal."""
        if self.read_only:
            return
        if self.before_fold is not None:
            self.before_fold()
        if not self.unfolded:
            return
        wrote_pool = False
        # pools first, then the numbers, then the account (which names what the others hold)
        for file in sorted(self.unfolded, key=lambda f: (f == ACCOUNT, f == OWNED)):
            if file == ACCOUNT:
                atomic_write(self.path, orjson.dumps(storage_of(self.account).read()))
            elif file in self.pools or (file == OWNED and self._numbers is not None):
                if not self.pools_dir.is_dir():
                    try:
                        self.pools_dir.mkdir()
                        fsync_dir(self.path.parent)
                    except OSError as exc:
                        raise StoreError(f"cannot make the pools folder {self.pools_dir}: {cause(exc)}") from None
                db = self._db(file)
                assert db is not None
                atomic_write(storage_of(db).path, orjson.dumps(storage_of(db).read()))
                wrote_pool = True
            else:  # dropped: its Service is gone
                with contextlib.suppress(FileNotFoundError):
                    self._pool_path(file).unlink()
                wrote_pool = True
        if wrote_pool and self.pools_dir.is_dir():
            fsync_dir(self.pools_dir)
        self.journal.reset()
        self.unfolded.clear()

    def derive(self, table: str, doc_id: str, fields: dict[str, Any]) -> None:
        """Put data the sandbox derives from its files (a pool's counts, from its pool file) into an
        account document, to be written at the next fold and never journalled: after a crash, what the
        journal changed is read again and derived anew."""
        doc = raw_table(self.account, table).get(doc_id)
        if doc is not None and any(doc.get(k) != v for k, v in fields.items()):
            doc.update(fields)
            self.unfolded.add(ACCOUNT)
            self.account.clear_cache()

    def meta(self) -> dict[str, Any]:
        return dict(self.account.table(META).get(doc_id=1) or {})

    def abandon(self) -> None:
        """Let the sandbox go writing nothing (an open that was refused: its files stay as they are)."""
        self.journal.close()
        self._lock.release()

    def close(self) -> None:
        """Fold what the journal holds, then let the sandbox go. A fold that fails (a full disk)
        loses nothing: the journal is replayed at the next open."""
        try:
            if not self.read_only:
                self.journal.sync()  # a group not yet fsync'd (never answered): kept if the fold fails
                self.fold()
                self.journal.remove()
        except StoreError:
            pass
        finally:
            self.journal.close()
            self._lock.release()
