"""Group commit on the HTTP server (issue 14, item 1): concurrent requests share one fsync of the
journal, each answered only once its change is durable; a failed fsync undoes the whole group and
answers each of its requests with the error, and the next request works."""

from __future__ import annotations

import asyncio
import errno
import os
import shutil
from pathlib import Path

import httpx
import pytest

from sandbox import files as sandbox_files_module
from sandbox.account import SandboxAccount
from sandbox.backend import SandboxBackend
from sandbox.build import build_sandbox
from sandbox.files import Journal, journal_path
from sandbox.server import commit
from sandbox.server.app import create_app
from tests.conformance import account_state
from tests.test_server import fill_pool

CALLS = 20


def crashed_copy(path: Path, folder: Path) -> Path:
    """The files as a crash would leave them now (nothing folded), copied aside."""
    folder.mkdir()
    for file in [path, journal_path(path), *Path(f"{path}.d").glob("*.json")]:
        if file.exists():
            (folder / file.relative_to(path.parent)).parent.mkdir(exist_ok=True)
            shutil.copyfile(file, folder / file.relative_to(path.parent))
    return folder / path.name


@pytest.fixture
def world(tmp_path, monkeypatch):
    """A served sandbox with one pool of CALLS unreserved numbers; records each call handed to the
    worker and each fsync of the journal that made records durable."""
    account = build_sandbox(tmp_path / "s.json", kind="empty")
    path = account.path
    service, numbers = fill_pool(account, "group", CALLS)
    account.close()
    queued: list[int] = []
    real_run = commit.GroupCommit.run
    monkeypatch.setattr(commit.GroupCommit, "run", lambda self, fn, *args: (queued.append(1), real_run(self, fn, *args))[1])
    syncs: list[int] = []
    real_sync = Journal.sync
    monkeypatch.setattr(Journal, "sync", lambda self: (syncs.append(self.size - self.synced) if self.size > self.synced
                                                       else None, real_sync(self))[1])
    backend = SandboxBackend(path)
    return path, backend, service.sid, [n.sid for n in numbers], queued, syncs


async def toggle_all(backend: SandboxBackend, service_sid: str, sids: list[str], queued: list[int]) -> list[httpx.Response]:
    """Every toggle sent at once while the sandbox is busy (its lock held), so they queue together."""
    app = create_app(backend)
    auth = (backend.account_sid, backend.account.meta["auth_token"])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://sandbox.test", auth=auth) as client:
        backend._lock.acquire()  # as a long call would: the worker waits on it, the others queue
        try:
            sent = [asyncio.create_task(client.post(f"/v1/Services/{service_sid}/PhoneNumbers/{sid}",
                                                    data={"IsReserved": "true"})) for sid in sids]
            for _ in range(500):
                if len(queued) >= len(sids):
                    break
                await asyncio.sleep(0.01)
            assert len(queued) == len(sids)
        finally:
            backend._lock.release()
        return await asyncio.gather(*sent)


async def test_concurrent_changes_share_one_fsync_and_are_durable_when_answered(world, tmp_path):
    path, backend, service_sid, sids, queued, syncs = world
    syncs.clear()
    try:
        answers = await toggle_all(backend, service_sid, sids, queued)
        assert [a.status_code for a in answers] == [200] * CALLS
        assert all(a.json()["is_reserved"] is True for a in answers)
        assert len(syncs) == 1  # twenty changes, one fsync of the journal
        copy = SandboxAccount.open(crashed_copy(path, tmp_path / "crash"))  # as if the server died now
        try:
            assert all(n.is_reserved for n in copy.list_numbers(service_sid, 50).items)
        finally:
            copy.close()
    finally:
        backend.close()


async def test_a_failed_group_fsync_undoes_every_change_of_the_group_and_the_next_one_works(world, tmp_path, monkeypatch):
    path, backend, service_sid, sids, queued, syncs = world
    before = account_state(backend.account)
    real_fsync = os.fsync

    def failing(fd: int) -> None:
        if fd == backend.account.files.journal._fd:
            raise OSError(errno.EIO, "Input/output error")
        real_fsync(fd)

    monkeypatch.setattr(sandbox_files_module.os, "fsync", failing)
    try:
        answers = await toggle_all(backend, service_sid, sids[:5], queued)
        assert [a.status_code for a in answers] == [500] * 5
        assert {a.json()["code"] for a in answers} == {80501}
        assert all("journal" in a.json()["message"] for a in answers)
        assert account_state(backend.account) == before  # memory is what is durable
        copy = SandboxAccount.open(crashed_copy(path, tmp_path / "crash"))
        try:
            assert not any(n.is_reserved for n in copy.list_numbers(service_sid, 50).items)  # nor on disk
        finally:
            copy.close()
        monkeypatch.setattr(sandbox_files_module.os, "fsync", real_fsync)
        queued.clear()
        (again,) = await toggle_all(backend, service_sid, sids[:1], queued)
        assert again.status_code == 200 and again.json()["is_reserved"] is True
    finally:
        backend.close()
    reopened = SandboxAccount.open(path)
    try:
        assert [n.sid for n in reopened.list_numbers(service_sid, 50).items if n.is_reserved] == sids[:1]
    finally:
        reopened.close()
