"""A sandbox's files on disk: where they are, how each is written durably, who holds them.

Layout of a sandbox at PATH:
  PATH            the account file (TinyDB JSON, the store's account tables)
  PATH.d/KS….json one file per Service: its pool, sessions and participants
  PATH.d/numbers.G.json the account's own numbers (IncomingPhoneNumbers), each naming its pool; G is
                  the sandbox's generation, so a sandbox built aside never replaces the numbers
                  of the one it is installed over before its account file does
  PATH.journal    the changes since those files were last written: one record per change
  PATH.lock       an exclusive lock (flock) holding the owner's PID

A change is durable once its journal record is appended and fsync'd (Journal.append); the files
are rewritten from memory later (the store's fold), each atomically (temp file, fsync, rename,
fsync of the folder), so a crash or a full disk leaves the old file or the new one, never half of
one. Only the standard library and orjson here: the app runs quick_check before its first paint.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import glob
import os
import re
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from tui.core.errors import ProxyError

FORMAT = "proxy-pool-sandbox"
POOL_FORMAT = "proxy-pool-sandbox-pool"
NUMBERS_FORMAT = "proxy-pool-sandbox-numbers"
NUMBERS_FILES = "numbers.*.json"  # in PATH.d, beside the pool files: numbers.<generation>.json
# The account file's format. Version 2 holds the Services (with their pools' counts) and the account's
# number count, but not the owned numbers: those are in PATH.d/numbers.G.json, each naming its pool, so
# opening reads neither a pool file nor the numbers. Version 1 files are migrated when opened.
VERSION = 2
READS = (1, 2)  # the account file versions this build opens
POOL_VERSION = 1  # a pool file's format (unchanged by version 2 of the account file)
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


def cause(exc: OSError) -> str:
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
        raise StoreError(f"cannot write sandbox file {path}: {cause(exc)}; nothing was changed") from None
    try:
        fsync_dir(path.parent)
    except OSError as exc:
        raise StoreError(f"sandbox file {path} was written but its folder could not be synced: {cause(exc)}") from None


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
    """Parse a sandbox file, refusing (never touching) an empty, corrupt or foreign one, or one of a
    format version this build does not read."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise StoreError(f"no sandbox at {path}; create one with: proxy-pool sandbox init {path} --demo") from None
    except IsADirectoryError:
        raise StoreError(f"{path} is a folder, not a sandbox file") from None
    except OSError as exc:
        raise StoreError(f"cannot read sandbox file {path}: {cause(exc)}") from None
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
    versions = READS if fmt == FORMAT else (POOL_VERSION,)  # the numbers file: version 1 too
    if meta.get("version") not in versions:
        readable = " or ".join(str(v) for v in versions)
        raise StoreError(f"sandbox file {path} has format version {meta.get('version')}, this build reads {readable}")
    return data




def pool_files(path: Path) -> list[Path]:
    """The pool files of the sandbox at path (those that exist)."""
    pools_dir = Path(f"{path}.d")
    return sorted(pools_dir.glob("KS*.json")) if pools_dir.is_dir() else []


def numbers_file(path: Path, generation: str) -> Path:
    return Path(f"{path}.d") / f"numbers.{generation}.json"


def sandbox_files(path: Path) -> list[Path]:
    """Every file of the sandbox at path that exists: the account file, the numbers files, the pool files."""
    pools_dir = Path(f"{path}.d")
    numbers = sorted(pools_dir.glob(NUMBERS_FILES)) if pools_dir.is_dir() else []
    return [path, *numbers, *pool_files(path)]


def journal_path(path: Path) -> Path:
    return Path(f"{path}.journal")


# -- the journal ---------------------------------------------------------------------------------

JOURNAL_MAGIC = b"proxy-pool-journal 1 "
_FRAME = struct.Struct("<II")  # the payload's length and its CRC-32, before each record


class Journal:
    """PATH.journal: an append-only log of changes, one record per logical change.

    It starts with a header naming the sandbox's generation (a token in the account file's meta,
    new for every sandbox made), so a journal left beside a sandbox that was since replaced is
    never replayed onto it. Each record is framed with its length and a CRC-32: a record cut
    short by a crash (never acknowledged: its fsync had not returned) ends the replay and is cut
    off. Records are written at the journal's known end (pwrite), so a failed append leaves no
    gap for the next one to land after.
    """

    def __init__(self, path: Path, generation: str):
        self.path = journal_path(path)
        self.header = JOURNAL_MAGIC + generation.encode() + b"\n"
        self.size = 0  # bytes of header and whole records
        self.synced = 0  # bytes known to be on disk (fsync'd); `size` when every record is
        self._fd: int | None = None

    def read(self, limit: int | None = None) -> list[bytes]:
        """The payloads of the whole records of this sandbox's generation, in order (none when the
        journal is missing, foreign or stale), up to `limit` bytes when given (what was fsync'd).
        Sets `size` to where those records end."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise StoreError(f"cannot read sandbox journal {self.path}: {cause(exc)}") from None
        if not raw.startswith(self.header):
            return []
        records, at = [], len(self.header)
        if limit is not None:
            raw = raw[:limit]
        while at + _FRAME.size <= len(raw):
            length, crc = _FRAME.unpack_from(raw, at)
            payload = raw[at + _FRAME.size: at + _FRAME.size + length]
            if len(payload) != length or zlib.crc32(payload) != crc:
                break  # a torn last record
            records.append(payload)
            at += _FRAME.size + length
        self.size = self.synced = at
        return records

    def open(self, *, keep: bool) -> None:
        """Ready the journal for appends, keeping its whole records (`keep`, after read()) and cutting
        a torn tail off; without records, nothing is written until the first append."""
        if not keep or self.size == 0:
            self.size = self.synced = 0  # made (atomically, empty) by the first append
            return
        try:
            self._fd = os.open(self.path, os.O_WRONLY)
            if os.fstat(self._fd).st_size != self.size:
                os.ftruncate(self._fd, self.size)  # a torn tail: never acknowledged
                os.fsync(self._fd)
        except OSError as exc:
            self.close()
            raise StoreError(f"cannot open sandbox journal {self.path}: {cause(exc)}") from None

    def append(self, payload: bytes, *, sync: bool = True) -> None:
        """Write one record and fsync it: when this returns, the change is durable. With `sync` false the
        fsync is left to sync(), which makes every record written since durable at once (group commit)."""
        if self._fd is None:
            self.reset()
        assert self._fd is not None
        frame = _FRAME.pack(len(payload), zlib.crc32(payload)) + payload
        try:
            view, at = memoryview(frame), self.size
            while view:
                written = os.pwrite(self._fd, view, at)
                view, at = view[written:], at + written
            if sync:
                os.fsync(self._fd)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, self.size)  # best effort: the next record overwrites it anyway
            raise StoreError(f"cannot write sandbox journal {self.path}: {cause(exc)}; nothing was changed") from None
        self.size += len(frame)
        if sync:
            self.synced = self.size

    def cut_to_synced(self) -> None:
        """Drop the records written since the last fsync (a group's, after its fsync failed), best effort:
        they were never acknowledged, so they must not come back at the next open."""
        if self._fd is None or self.synced >= self.size:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, self.synced)
            os.fsync(self._fd)
        self.size = self.synced

    def sync(self) -> None:
        """fsync the records written since the last one: when this returns, they are durable."""
        if self._fd is None or self.synced >= self.size:
            return
        try:
            os.fsync(self._fd)
        except OSError as exc:
            raise StoreError(f"cannot write sandbox journal {self.path}: {cause(exc)}; "
                             "the changes not yet on disk were undone") from None
        self.synced = self.size

    def reset(self) -> None:
        """An empty journal (after the files were written, or for a new sandbox), replaced atomically."""
        self.close()
        atomic_write(self.path, self.header)
        try:
            self._fd = os.open(self.path, os.O_WRONLY)
        except OSError as exc:
            raise StoreError(f"cannot open sandbox journal {self.path}: {cause(exc)}") from None
        self.size = self.synced = len(self.header)

    @property
    def empty(self) -> bool:
        return self.size <= len(self.header)

    def remove(self) -> None:
        """No journal at all (the files hold everything: a closed sandbox is its files)."""
        self.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self.size = 0

    def close(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None


def journal_records(path: Path) -> Iterator[bytes]:
    """Read a journal without knowing its generation (for tests and tools): every whole record."""
    raw = journal_path(path).read_bytes()
    at = raw.index(b"\n") + 1
    while at + _FRAME.size <= len(raw):
        length, crc = _FRAME.unpack_from(raw, at)
        payload = raw[at + _FRAME.size: at + _FRAME.size + length]
        if len(payload) != length or zlib.crc32(payload) != crc:
            return
        yield payload
        at += _FRAME.size + length


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
            raise StoreError(f"cannot lock sandbox {self.sandbox}: {cause(exc)}") from None
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


def holder(path: Path) -> int | None:
    """Who holds the sandbox at path: the holder's PID (0 when it cannot be read), or None when
    nobody does. A probe: the lock is taken and dropped at once when free."""
    try:
        fd = os.open(f"{path}.lock", os.O_RDWR)
    except OSError:
        return None  # no lock file (or none we may open): nobody holds it
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        try:
            return int(os.pread(fd, 32, 0).decode().strip() or 0)
        except (OSError, ValueError):
            return 0
    finally:
        os.close(fd)  # closing drops a probe's flock
    return None


class NoLock:
    """The lock of a read-only view: takes nothing, so a writer elsewhere is never blocked."""

    def acquire(self) -> None:
        pass

    def release(self, *, refused: bool = False) -> None:
        pass


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
                for file in [*new_pools.glob("KS*.json"), *new_pools.glob(NUMBERS_FILES)]:
                    os.replace(file, pools / file.name)
                    kept.add(file.name)
                new_pools.rmdir()
            fsync_dir(pools)
            os.replace(built, path)
            fsync_dir(path.parent)
        except OSError as exc:
            raise StoreError(f"cannot replace sandbox {path}: {cause(exc)}; the old sandbox was kept") from None
        for file in [*pools.glob("KS*.json"), *pools.glob(NUMBERS_FILES)]:
            if file.name not in kept:
                with contextlib.suppress(OSError):
                    file.unlink()
        # the old sandbox's journal: never replayed onto the new one (another generation), removed here
        with contextlib.suppress(OSError):
            journal_path(path).unlink()
    finally:
        lock.release()


def discard(path: Path) -> None:
    """Remove a sandbox's files (a half-built one): PATH, PATH.d, PATH.journal and PATH.lock."""
    pools = Path(f"{path}.d")
    for file in pools.glob("*") if pools.is_dir() else ():
        with contextlib.suppress(OSError):
            file.unlink()
    for leftover in (pools,):
        with contextlib.suppress(OSError):
            leftover.rmdir()
    for leftover in (path, journal_path(path), Path(f"{path}.lock")):
        with contextlib.suppress(OSError):
            leftover.unlink()


# -- the quick check before the app's first paint -----------------------------------------------

# How the store starts every account file it writes (orjson, _meta first): see quick_check.
HEADER = orjson.dumps({META: {"1": {"format": FORMAT, "version": VERSION}}})[:-3] + b","
_ACCOUNT_SID = re.compile(rb'"account_sid":"(AC[0-9a-fA-F]{32})"')


def quick_check(path: Path) -> str | None:
    """The account SID when the sandbox at path will very likely open: a file that starts as this
    store writes one, whose lock no other process holds. A short read and a flock, so the app can
    paint before the full open (0.4 s for 10 full pools). None: open it now, for the exact error."""
    try:
        with open(path, "rb") as file:
            head = file.read(len(HEADER) + 64)
        found = _ACCOUNT_SID.search(head)
        if not head.startswith(HEADER) or not found:
            return None
        fd = os.open(f"{path}.lock", os.O_RDWR)
    except FileNotFoundError:
        return found.group(1).decode() if path.is_file() else None  # no lock file yet: nobody holds it
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a probe: closing the fd drops it
    except OSError:
        return None
    finally:
        os.close(fd)
    return found.group(1).decode()
