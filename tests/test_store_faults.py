"""The sandbox store under faults: killed writers, a full disk, a crash between the files
of one change, a second process, and files that are not sandboxes.

Writers are forked from this (already imported) process, so 200 kills stay quick.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import random
import select
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from sandbox import files, store
from sandbox.account import SandboxAccount
from sandbox.files import SandboxInUse, StoreError, journal_path
from sandbox.scale import scale_numbers
from tests.paging import every_item as every
from tui.core.errors import ProxyError
from tui.core.sids import new_sid

KILLS = 200
SPARE = scale_numbers(3_000, seed=99)  # valid numbers the writers buy


# -- helpers ----------------------------------------------------------------------------------

def all_numbers(acct: SandboxAccount, service_sid: str) -> dict[str, bool]:
    return {n.sid: n.is_reserved for n in every(acct.list_numbers, service_sid)}



def owned_numbers(acct: SandboxAccount) -> list:
    return every(acct.list_account_numbers)


def state_of(acct: SandboxAccount) -> dict[str, Any]:
    """What a user sees: each Service (by name) with its numbers and their reservation, and the owned numbers."""
    services = {s.unique_name: all_numbers(acct, s.sid) for s in every(acct.list_services)}
    return {"services": services, "owned": sorted(n.sid for n in owned_numbers(acct))}


def reopened_state(path: Path) -> dict[str, Any]:
    acct = SandboxAccount.open(path)
    try:
        return state_of(acct)
    finally:
        acct.close()


def reopened(path: Path) -> tuple[dict[str, Any], set[str]]:
    """The state after opening the sandbox afresh, and the names of the pool files its Services own."""
    acct = SandboxAccount.open(path)
    try:
        return state_of(acct), {f"{s.sid}.json" for s in every(acct.list_services)}
    finally:
        acct.close()


def files_of(path: Path) -> dict[str, bytes]:
    """Every file of a sandbox (and anything beside it), by name, with its bytes."""
    out = {}
    for p in sorted(path.parent.rglob("*")):
        if p.is_file():
            out[str(p.relative_to(path.parent))] = p.read_bytes()
    return out


def small_sandbox(path: Path, services: int = 2, numbers: int = 120, pooled: int = 30) -> SandboxAccount:
    acct = SandboxAccount.create(path, rng=random.Random(1))
    bought = acct.buy_numbers([{"phone_number": p} for p in SPARE[:numbers]])
    for s in range(services):
        svc = acct.create_service(f"svc-{s}")
        chunk = bought[s * pooled:(s + 1) * pooled]
        acct.add_numbers_bulk(svc.sid, [(n.sid, i % 3 == 0) for i, n in enumerate(chunk)])
    return acct


def pool_file(acct: SandboxAccount, service_sid: str) -> Path:
    return acct.files.pools_dir / f"{service_sid}.json"


def run_in_child(fn, *args) -> int:
    """Fork; the child runs fn(*args) and never returns into pytest. Returns the child's pid."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 0
        try:
            fn(*args)
        except BaseException:
            code = 3
        finally:
            os._exit(code)
    return pid


# -- 200 SIGKILLs of a writer -------------------------------------------------------------------

def apply(state: dict[str, Any], intent: dict[str, Any]) -> dict[str, Any]:
    """The state after one change, as the writer announced it."""
    state = json.loads(json.dumps(state))
    op, services = intent["op"], state["services"]
    if op in ("toggle", "add"):
        services[intent["service"]][intent["sid"]] = intent["reserved"]
    elif op == "remove":
        del services[intent["service"]][intent["sid"]]
    elif op == "buy":
        state["owned"] = sorted([*state["owned"], intent["sid"]])
    elif op == "create":
        services[intent["service"]] = {}
    elif op == "delete":
        del services[intent["service"]]
    return state


def pick(st: dict[str, Any], owned_phones: set[str], rng: random.Random) -> dict[str, Any]:
    """A change the pool rules allow, chosen at random from the current state."""
    names = sorted(st["services"])
    pooled = {sid for nums in st["services"].values() for sid in nums}
    free = [sid for sid in st["owned"] if sid not in pooled]
    roll = rng.random()
    if roll < 0.04 and len(names) < 6:
        return {"op": "create", "service": f"svc-{rng.getrandbits(32):08x}"}
    if roll < 0.07 and len(names) > 1:
        return {"op": "delete", "service": rng.choice(names)}
    if roll < 0.17 or not names:
        phone = next(p for p in SPARE if p not in owned_phones)
        return {"op": "buy", "sid": new_sid("PN", rng), "phone": phone}
    name = rng.choice(names)
    nums = st["services"][name]
    if roll < 0.45 and free:
        return {"op": "add", "service": name, "sid": rng.choice(free), "reserved": rng.random() < 0.5}
    if roll < 0.6 and nums:
        return {"op": "remove", "service": name, "sid": rng.choice(sorted(nums))}
    if nums:
        sid = rng.choice(sorted(nums))
        return {"op": "toggle", "service": name, "sid": sid, "reserved": not nums[sid]}
    if free:
        return {"op": "add", "service": name, "sid": rng.choice(free), "reserved": False}
    return {"op": "buy", "sid": new_sid("PN", rng), "phone": next(p for p in SPARE if p not in owned_phones)}


def perform(acct: SandboxAccount, intent: dict[str, Any]) -> None:
    op = intent["op"]
    sid_of = {s.unique_name: s.sid for s in every(acct.list_services)}
    if op == "toggle":
        acct.set_reserved(sid_of[intent["service"]], intent["sid"], intent["reserved"])
    elif op == "add":
        acct.add_number(sid_of[intent["service"]], sid=intent["sid"], is_reserved=intent["reserved"])
    elif op == "remove":
        acct.remove_number(sid_of[intent["service"]], intent["sid"])
    elif op == "buy":
        acct.buy_numbers([{"sid": intent["sid"], "phone_number": intent["phone"]}])
    elif op == "create":
        acct.create_service(intent["service"])
    elif op == "delete":
        acct.delete_service(sid_of[intent["service"]])


def writer(path: Path, seed: int, wfd: int) -> None:
    """Open the sandbox and change it forever, announcing each change before making it
    and acknowledging it once the call has returned (so it is durable)."""
    def send(msg: dict[str, Any]) -> None:
        os.write(wfd, orjson.dumps(msg) + b"\n")

    if seed % 2:  # half the writers fold every few changes, so that kills land in folds too
        store.FOLD_BYTES = 2048
        real_fold = store.SandboxFiles.fold

        def fold(self: store.SandboxFiles) -> None:
            send({"folding": True})
            real_fold(self)
            send({"folded": True})

        store.SandboxFiles.fold = fold  # type: ignore[method-assign]
    rng = random.Random(seed)
    acct = SandboxAccount.open(path)
    st = state_of(acct)
    phones = {n.phone_number for n in owned_numbers(acct)}
    send({"open": True})
    while True:
        intent = pick(st, phones, rng)
        send({"intent": intent})
        try:
            perform(acct, intent)
        except ProxyError as exc:
            send({"error": f"{intent}: {exc}"})
            raise
        send({"ack": True})
        st = apply(st, intent)
        phones.add(intent.get("phone", ""))


def read_messages(rfd: int, buf: bytearray, timeout: float) -> list[dict[str, Any]]:
    ready, _, _ = select.select([rfd], [], [], timeout)
    if not ready:
        return []
    chunk = os.read(rfd, 65536)
    if not chunk:
        raise EOFError
    buf += chunk
    lines = buf.split(b"\n")
    buf[:] = lines[-1]
    return [orjson.loads(line) for line in lines[:-1]]


def test_200_sigkills_keep_every_acknowledged_change(tmp_path):
    path = tmp_path / "sandbox.json"
    small_sandbox(path).close()
    model = reopened_state(path)
    rng = random.Random(2024)
    in_flight_kills = 0
    fold_kills = 0
    acknowledged = 0
    for round_no in range(KILLS):
        rfd, wfd = os.pipe()
        pid = run_in_child(writer, path, rng.getrandbits(32), wfd)
        os.close(wfd)
        buf = bytearray()
        messages: list[dict[str, Any]] = []
        kill_after = rng.randrange(0, 6)  # acknowledged changes, then a random moment
        deadline = time.monotonic() + 20
        while sum("ack" in m for m in messages) < kill_after and time.monotonic() < deadline:
            try:
                messages += read_messages(rfd, buf, 0.5)
            except EOFError:
                break
            assert not any("error" in m for m in messages), messages
        time.sleep(rng.uniform(0, 0.004))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        with contextlib.suppress(EOFError):
            while True:  # the rest of what the writer said before it died
                messages += read_messages(rfd, buf, 5)
        os.close(rfd)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, (round_no, messages)
        assert not any("error" in m for m in messages), messages

        folding = False
        pending = None
        for m in messages:
            folding = m.get("folding", folding and "folded" not in m)
            if "intent" in m:
                pending = m["intent"]
            elif "ack" in m:
                model = apply(model, pending)
                acknowledged += 1
                pending = None
        on_disk, pool_files = reopened(path)  # every file opens
        fold_kills += folding
        if pending is not None:
            in_flight_kills += 1
            # the change in flight when the writer died is all there or not there at all
            assert on_disk in (model, apply(model, pending)), (round_no, pending)
        else:
            assert on_disk == model, (round_no, messages[-3:], _diff(model, on_disk))
        model = on_disk
        # the open repaired what the kill left: no temp files, no pool file without its Service
        leftovers = [p.name for p in tmp_path.rglob("*.tmp")]
        assert leftovers == [], leftovers
        assert {p.name for p in (tmp_path / "sandbox.json.d").glob("KS*.json")} <= pool_files
    # the kills did land in the middle of changes, not only between them
    print(f"{KILLS} kills, {in_flight_kills} with a change in flight ({fold_kills} in a fold), "
          f"{acknowledged} changes acknowledged")
    assert in_flight_kills >= KILLS // 10, in_flight_kills  # here about 80 %; low enough for any disk
    assert fold_kills >= KILLS // 50, fold_kills  # and some in the middle of a fold
    assert acknowledged >= KILLS, acknowledged


def _diff(want: dict[str, Any], got: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"owned": sorted(set(want["owned"]) ^ set(got["owned"]))}
    for name in sorted(set(want["services"]) | set(got["services"])):
        w, g = want["services"].get(name), got["services"].get(name)
        if w != g:
            out[name] = (None if w is None else {k: v for k, v in w.items() if g is None or g.get(k) != v},
                         None if g is None else {k: v for k, v in g.items() if w is None or w.get(k) != v})
    return out




# -- disk full mid-write ---------------------------------------------------------------------------

class FullDisk:
    """A disk that can be filled and freed: a small tmpfs when this test may mount one
    (as root), otherwise ENOSPC injected into the store's os.write part-way through a file."""

    def __init__(self, folder: Path, monkeypatch, *, try_tmpfs: bool):
        self.folder = folder
        self.mounted = False
        self._full = False
        folder.mkdir()
        if try_tmpfs and os.geteuid() == 0:
            done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(folder)],
                                  capture_output=True)
            self.mounted = done.returncode == 0
        if not self.mounted:
            real_write, real_pwrite = os.write, os.pwrite

            def write(fd: int, data) -> int:
                if self._full:
                    if len(data) > 1024:  # some bytes reach the file, then the disk is full
                        return real_write(fd, bytes(data[:1024]))
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                return real_write(fd, data)

            def pwrite(fd: int, data, offset: int) -> int:
                if self._full:
                    if len(data) > 64:  # the journal's records are small: part of one lands
                        return real_pwrite(fd, bytes(data[:64]), offset)
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                return real_pwrite(fd, data, offset)

            monkeypatch.setattr(store.os, "write", write)
            monkeypatch.setattr(store.os, "pwrite", pwrite)

    def fill(self) -> None:
        if not self.mounted:
            self._full = True
            return
        with open(self.folder / "filler", "wb", buffering=0) as f, contextlib.suppress(OSError):
            while True:
                f.write(b"x" * 4096)
        # full to the last page: what is left is the room inside pages files already have

    def free(self) -> None:
        self._full = False
        with contextlib.suppress(FileNotFoundError):
            (self.folder / "filler").unlink()

    def unmount(self) -> None:
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.folder)], check=False)


@pytest.fixture(params=["tmpfs", "injected"])
def disk(request, tmp_path, monkeypatch):
    """A real full disk (tmpfs) where this test may mount one, else injected; and injected always."""
    d = FullDisk(tmp_path / "disk", monkeypatch, try_tmpfs=request.param == "tmpfs")
    yield d
    d.unmount()


def test_disk_full_mid_append_changes_nothing_and_the_next_write_succeeds(disk):
    path = disk.folder / "sandbox.json"
    acct = small_sandbox(path, services=1, numbers=150, pooled=100)
    svc = acct.list_services().items[0]
    numbers = acct.list_numbers(svc.sid, 100).items
    journal = journal_path(path)

    disk.fill()
    # a full disk may still take a few small records in pages the journal already has: change
    # numbers until it refuses one; each change it took is durable, the refused one is nowhere
    done: dict[str, bool] = {}
    for number in numbers:
        stats = acct.pool_stats(svc.sid)
        before = files_of(path)
        try:
            acct.set_reserved(svc.sid, number.sid, not number.is_reserved)
        except StoreError as err:
            message = str(err)
            break
        done[number.sid] = not number.is_reserved
    else:
        raise AssertionError("the full disk took every change")
    assert str(journal) in message and "No space left on device" in message
    assert acct.get_number(svc.sid, number.sid).is_reserved == number.is_reserved  # not in memory
    assert acct.pool_stats(svc.sid) == stats
    with pytest.raises(StoreError) as err:
        acct.buy_number(SPARE[2000])
    assert str(path) in str(err.value) and "No space left on device" in str(err.value)
    assert SPARE[2000] not in {n.phone_number for n in owned_numbers(acct)}
    after = files_of(path)
    after.pop("filler", None)
    before.pop("filler", None)
    assert after == before  # nor on disk: no file changed, the journal as it was

    disk.free()
    acct.set_reserved(svc.sid, number.sid, not number.is_reserved)
    done[number.sid] = not number.is_reserved
    acct.buy_number(SPARE[2000])
    acct.close()
    reopened = SandboxAccount.open(path)
    try:
        assert {sid: reopened.get_number(svc.sid, sid).is_reserved for sid in done} == done
        assert SPARE[2000] in {n.phone_number for n in owned_numbers(reopened)}
    finally:
        reopened.close()


def test_disk_full_during_a_fold_loses_nothing(disk):
    path = disk.folder / "sandbox.json"
    acct = small_sandbox(path, services=2, numbers=150, pooled=60)
    acct.close()
    acct = SandboxAccount.open(path)  # folded and reopened: the journal holds only what follows
    svc = acct.list_services().items[0]
    for number in acct.list_numbers(svc.sid, 20).items:
        acct.set_reserved(svc.sid, number.sid, not number.is_reserved)
    acct.buy_numbers([{"phone_number": p} for p in SPARE[2100:2110]])
    want = state_of(acct)
    disk.fill()
    with pytest.raises(StoreError, match="No space left on device"):
        acct.files.fold()  # the account file cannot be rewritten: the journal stays whole
    acct.close()  # its own fold fails quietly: the changes wait in the journal
    assert journal_path(path).exists()
    disk.free()
    assert reopened_state(path) == want
    assert not journal_path(path).exists()  # that open and close folded it


# -- a crash between the files of one change -------------------------------------------------------

def test_a_service_delete_is_one_record_and_a_crash_mid_fold_is_repaired(tmp_path):
    path = tmp_path / "sandbox.json"
    acct = small_sandbox(path)
    gone, kept = acct.list_services().items
    gone_numbers = set(all_numbers(acct, gone.sid))
    pool = pool_file(acct, gone.sid)
    acct.close()

    def delete_then_die_in_the_fold() -> None:
        acct = SandboxAccount.open(path)
        appends = []
        real_append = store.Journal.append
        store.Journal.append = lambda self, record, **how: (appends.append(record), real_append(self, record, **how))
        acct.delete_service(gone.sid)
        assert len(appends) == 1  # the Service, its pool and its sessions went in one record
        real_write = store.atomic_write

        def write(target, payload):  # the fold has dealt with the pools; it dies at the account file
            if target == path:
                os.kill(os.getpid(), signal.SIGKILL)
            real_write(target, payload)

        store.atomic_write = write
        acct.close()

    _, status = os.waitpid(run_in_child(delete_then_die_in_the_fold), 0)
    assert os.WTERMSIG(status) == signal.SIGKILL
    assert not pool.exists()  # the fold removed the pool file, then died before the account file

    acct = SandboxAccount.open(path)  # the journal, still whole, finishes the delete
    try:
        assert [s.sid for s in acct.list_services().items] == [kept.sid]
        # the deleted Service's numbers are free again: in no pool, and can join another one
        for sid in gone_numbers:
            assert acct.get_account_number(sid).service_sid is None
        moved = sorted(gone_numbers)[0]
        acct.add_number(kept.sid, sid=moved)
        assert acct.get_account_number(moved).service_sid == kept.sid
    finally:
        acct.close()
    assert reopened_state(path)["services"].keys() == {kept.unique_name}


def test_a_torn_last_record_is_cut_off_and_the_records_before_it_replayed(tmp_path):
    path = tmp_path / "sandbox.json"
    acct = small_sandbox(path, services=1)
    svc = acct.list_services().items[0]
    first, second = acct.list_numbers(svc.sid, 2).items
    acct.set_reserved(svc.sid, first.sid, not first.is_reserved)  # acknowledged
    journal = journal_path(path)
    whole = journal.read_bytes()
    acct.set_reserved(svc.sid, second.sid, not second.is_reserved)
    record = journal.read_bytes()[len(whole):]
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    for file in [path, *Path(f"{path}.d").glob("*.json")]:
        target = crashed / file.relative_to(tmp_path)
        target.parent.mkdir(exist_ok=True)
        target.write_bytes(file.read_bytes())
    acct.close()
    for cut in (1, 8, len(record) // 2, len(record) - 1):  # the second append died part-way
        journal_path(crashed / "sandbox.json").write_bytes(whole + record[:cut])
        again = SandboxAccount.open(crashed / "sandbox.json")
        try:
            assert again.get_number(svc.sid, first.sid).is_reserved == (not first.is_reserved)
            assert again.get_number(svc.sid, second.sid).is_reserved == second.is_reserved  # never half applied
            again.set_reserved(svc.sid, second.sid, second.is_reserved)  # and the journal goes on from there
        finally:
            again.close()
    flip = bytearray(whole + record)
    flip[-3] ^= 0xFF  # a record whose bytes are damaged is no record either
    journal_path(crashed / "sandbox.json").write_bytes(bytes(flip))
    again = SandboxAccount.open(crashed / "sandbox.json")
    try:
        assert again.get_number(svc.sid, second.sid).is_reserved == second.is_reserved
    finally:
        again.close()


def test_a_journal_left_by_an_earlier_sandbox_is_never_replayed(tmp_path):
    path = tmp_path / "sandbox.json"
    acct = small_sandbox(path, services=1)
    svc = acct.list_services().items[0]
    number = acct.list_numbers(svc.sid, 1).items[0]
    acct.files.fold()
    acct.set_reserved(svc.sid, number.sid, not number.is_reserved)
    stale = journal_path(path).read_bytes()
    acct.close()
    small_sandbox(tmp_path / "other.json", services=1).close()  # the same seed: the very same SIDs
    files.install(tmp_path / "other.json", path)  # in the old one's place (as init --force and reset do)
    journal_path(path).write_bytes(stale)  # the old journal back beside it
    again = SandboxAccount.open(path)
    try:
        # the old journal names this very number, but it belongs to another generation: not replayed
        assert again.get_number(svc.sid, number.sid).is_reserved == number.is_reserved
    finally:
        again.close()


def test_a_number_in_two_pools_is_refused_and_nothing_is_touched(tmp_path):
    path = tmp_path / "sandbox.json"
    acct = small_sandbox(path)
    first, second = acct.list_services().items
    stolen = next(iter(all_numbers(acct, first.sid)))
    second_file = pool_file(acct, second.sid)
    acct.close()
    # a pool file that names a number another pool holds
    data = orjson.loads(second_file.read_bytes())
    doc = dict(next(iter(data["numbers"].values())))
    doc["sid"] = stolen
    data["numbers"]["999"] = doc
    second_file.write_bytes(orjson.dumps(data))
    before = files_of(path)

    for _ in range(2):  # refused every time the pool is read; the other pool still works
        acct = SandboxAccount.open(path)  # pool files are read when their pools are
        try:
            assert len(all_numbers(acct, first.sid)) == acct.pool_stats(first.sid).total
            with pytest.raises(StoreError) as err:
                acct.list_numbers(second.sid)
            message = str(err.value)
            assert "two Services" in message and first.sid in message and second.sid in message
            assert not isinstance(err.value, SandboxInUse)
            with pytest.raises(StoreError, match="two Services"):  # a change to it too
                acct.delete_service(second.sid)
        finally:
            acct.close()
    assert files_of(path) == before


# -- a second process -------------------------------------------------------------------------------

def test_a_second_process_is_refused_with_the_holders_pid_and_a_dead_holders_lock_is_recovered(tmp_path):
    path = tmp_path / "sandbox.json"
    small_sandbox(path).close()
    rfd, wfd = os.pipe()

    def hold() -> None:
        SandboxAccount.open(path)
        os.write(wfd, b"open\n")
        time.sleep(60)

    holder = run_in_child(hold)
    os.close(wfd)
    assert os.read(rfd, 16) == b"open\n"
    os.close(rfd)
    with pytest.raises(SandboxInUse) as err:
        SandboxAccount.open(path)
    assert err.value.pid == holder
    assert f"process {holder}" in str(err.value) and str(path) in str(err.value)

    os.kill(holder, signal.SIGKILL)  # its lock file still names it
    os.waitpid(holder, 0)
    assert Path(f"{path}.lock").read_text().strip() == str(holder)
    acct = SandboxAccount.open(path)
    try:
        assert Path(f"{path}.lock").read_text().strip() == str(os.getpid())
        assert len(acct.list_services().items) == 2
    finally:
        acct.close()


# -- files that are not sandboxes -------------------------------------------------------------------

BAD_FILES = {
    "empty": b"",
    "truncated": None,  # the real file cut in half
    "foreign": b'{"_default": {"1": {"name": "someone else\'s TinyDB"}}}',
    "not an object": b"[1, 2, 3]",
    "odd meta": b'{"_meta": 5}',
}


@pytest.mark.parametrize("kind", [*BAD_FILES, "folder", "missing"])
def test_an_account_file_that_is_not_a_sandbox_is_refused_untouched(tmp_path, kind):
    path = tmp_path / "sandbox.json"
    if kind == "folder":
        path.mkdir()
        (path / "keep.txt").write_text("mine")
    elif kind != "missing":
        small_sandbox(path, services=0).close()
        Path(f"{path}.lock").unlink()
        real = path.read_bytes()
        path.write_bytes(real[: len(real) // 2] if kind == "truncated" else BAD_FILES[kind])
    before = files_of(path)
    with pytest.raises(StoreError) as err:
        SandboxAccount.open(path)
    assert str(path) in str(err.value)
    assert files_of(path) == before  # byte for byte, and no lock file left beside it
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(  # the sandbox's own files, and nothing new
        [] if kind == "missing" else ["sandbox.json"] if kind == "folder" else ["sandbox.json", "sandbox.json.d"])


@pytest.mark.parametrize("kind", [*BAD_FILES, "folder"])
def test_a_pool_file_that_is_not_a_pool_is_refused_untouched(tmp_path, kind):
    path = tmp_path / "sandbox.json"
    acct = small_sandbox(path)
    pool = pool_file(acct, acct.list_services().items[0].sid)
    acct.close()
    real = pool.read_bytes()
    pool.unlink()
    if kind == "folder":
        pool.mkdir()
    else:
        pool.write_bytes(real[: len(real) // 2] if kind == "truncated" else BAD_FILES[kind])
    before = files_of(path)
    for _ in range(2):  # refused whenever its pool is read, never "in use"
        acct = SandboxAccount.open(path)  # pool files are read when their pools are
        try:
            with pytest.raises(StoreError) as err:
                acct.list_numbers(acct.list_services().items[0].sid)
            assert str(pool) in str(err.value) and not isinstance(err.value, SandboxInUse)
        finally:
            acct.close()
    assert files_of(path) == before
