"""`proxy-pool sandbox init|show`: what a user types and what they read back."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.account import SandboxAccount
from sandbox.files import StoreError
from tui.cli import main

ERROR_PREFIX = "proxy-pool: error: "


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str, *needles: str) -> None:
    """A failure is one line on stderr, naming what went wrong, and never a traceback."""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(ERROR_PREFIX)
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


# -- init --------------------------------------------------------------------------------------

def test_init_demo_then_show(tmp_path, capsys):
    path = tmp_path / "demo.json"
    code, out, err = run(capsys, "sandbox", "init", str(path), "--demo")
    assert (code, err) == (0, "")
    assert "3 Services" in out and "300 pool numbers" in out and str(path) in out

    code, out, err = run(capsys, "sandbox", "show", str(path))
    assert (code, err) == (0, "")
    account = SandboxAccount.open(path)
    try:
        token = account.meta["auth_token"]
        services = account.list_services().items
        assert account.account_sid in out
        for service in services:
            stats = account.pool_stats(service.sid)
            row = next(line for line in out.splitlines() if line.startswith(service.unique_name))
            assert row.split() == [service.unique_name, service.sid, str(stats.total), str(stats.reserved),
                                   str(stats.unreserved)]
    finally:
        account.close()
    assert token not in out  # the auth token is never printed
    assert "Reserved / 5,000" in out and "Unreserved / 500" in out
    assert "60 owned numbers in no pool (6 in a Messaging Service)" in out
    assert "⚠" not in out  # the demo pools are far from the limits


def test_init_without_a_kind_makes_the_demo(tmp_path, capsys):
    path = tmp_path / "default.json"
    assert run(capsys, "sandbox", "init", str(path))[0] == 0
    account = SandboxAccount.open(path)
    try:
        assert account.meta["origin"]["kind"] == "demo"
        assert len(account.list_services().items) == 3
    finally:
        account.close()


def test_same_seed_same_account_sid(tmp_path, capsys):
    for name in ("a.json", "b.json"):
        assert run(capsys, "sandbox", "init", str(tmp_path / name), "--seed", "11")[0] == 0
    sids = []
    for name in ("a.json", "b.json"):
        account = SandboxAccount.open(tmp_path / name)
        sids.append((account.account_sid, [s.sid for s in account.list_services().items]))
        account.close()
    assert sids[0] == sids[1]


def test_init_empty(tmp_path, capsys):
    path = tmp_path / "empty.json"
    code, out, _ = run(capsys, "sandbox", "init", str(path), "--empty")
    assert code == 0 and "0 Services" in out
    code, out, _ = run(capsys, "sandbox", "show", str(path))
    assert code == 0 and "No Services." in out and "0 owned numbers in no pool" in out


def test_init_refuses_to_overwrite_without_force(tmp_path, capsys):
    path = tmp_path / "demo.json"
    assert run(capsys, "sandbox", "init", str(path), "--empty")[0] == 0
    before = path.read_bytes()
    code, out, err = run(capsys, "sandbox", "init", str(path), "--demo")
    assert (code, out) == (1, "")
    one_line_error(err, str(path), "already exists", "--force")
    assert path.read_bytes() == before

    code, out, err = run(capsys, "sandbox", "init", str(path), "--demo", "--force")
    assert (code, err) == (0, "") and "3 Services" in out


def test_init_force_never_replaces_a_foreign_file(tmp_path, capsys):
    path = tmp_path / "notes.json"
    path.write_text('{"shopping": ["milk"]}')
    code, _, err = run(capsys, "sandbox", "init", str(path), "--force")
    assert code == 1
    one_line_error(err, str(path), "not a proxy-pool sandbox")
    assert path.read_text() == '{"shopping": ["milk"]}'


@pytest.mark.parametrize("make,needles", [
    (lambda p: p.parent / "missing" / "x.json", ("missing", "does not exist")),
    (lambda p: p.parent, ("is a folder",)),
])
def test_init_bad_path(tmp_path, capsys, make, needles):
    path = make(tmp_path / "x.json")
    code, out, err = run(capsys, "sandbox", "init", str(path))
    assert (code, out) == (1, "")
    one_line_error(err, str(path), *needles)


def test_init_scale_must_be_positive(tmp_path, capsys):
    code, _, err = run(capsys, "sandbox", "init", str(tmp_path / "s.json"), "--scale", "0")
    assert code == 1
    one_line_error(err, "--scale")
    assert not (tmp_path / "s.json").exists()


# -- show: every way a file can be wrong -------------------------------------------------------

@pytest.mark.parametrize("content,needles", [
    (None, ("no sandbox at",)),
    (b"", ("is empty",)),
    (b"{\"_default\": {", ("is corrupt",)),
    (b"[1, 2, 3]", ("not a proxy-pool sandbox",)),
    (b'{"_meta": {"1": {"format": "something-else"}}}', ("not a proxy-pool sandbox",)),
])
def test_show_refuses_a_missing_corrupt_or_foreign_file(tmp_path, capsys, content, needles):
    path = tmp_path / "bad.json"
    if content is not None:
        path.write_bytes(content)
    code, out, err = run(capsys, "sandbox", "show", str(path))
    assert (code, out) == (1, "")
    one_line_error(err, str(path), *needles)
    if content is not None:
        assert path.read_bytes() == content  # left as it was


def test_show_a_folder(tmp_path, capsys):
    code, _, err = run(capsys, "sandbox", "show", str(tmp_path))
    assert code == 1
    one_line_error(err, str(tmp_path), "is a folder")


def test_show_reads_a_sandbox_in_use_and_init_force_refuses_it(tmp_path, capsys):
    path = tmp_path / "busy.json"
    assert run(capsys, "sandbox", "init", str(path), "--demo")[0] == 0
    holder = SandboxAccount.open(path)  # the app (another user of the file) holds its lock
    try:
        service = holder.services()[0]
        number = holder.list_numbers(service.sid, 1).items[0]
        holder.set_reserved(service.sid, number.sid, not number.is_reserved)  # a change the view must show
        before = holder.pool_stats(service.sid)
        code, out, err = run(capsys, "sandbox", "show", str(path))
        assert code == 0 and err == ""
        assert f"open in process {os.getpid()}" in out and "may be a moment old" in out
        row = next(line for line in out.splitlines() if line.startswith(service.unique_name))
        assert f"{before.reserved:,}" in row.split() and f"{before.unreserved:,}" in row.split()
        holder.set_reserved(service.sid, number.sid, number.is_reserved)  # the holder still writes
        code, _, err = run(capsys, "sandbox", "init", str(path), "--force")
        assert code == 1
        one_line_error(err, str(path), "in use")
    finally:
        holder.close()
    assert run(capsys, "sandbox", "show", str(path))[0] == 0


def test_show_flags_a_pool_at_85_percent(tmp_path, capsys):
    path = tmp_path / "full.json"
    account = SandboxAccount.create(path)
    try:
        service = account.create_service("nearly-full")
        owned = account.buy_numbers([{"phone_number": f"+1415234{i:04d}"} for i in range(430)])
        account.add_numbers_bulk(service.sid, [(n.sid, False) for n in owned])
    finally:
        account.close()
    code, out, _ = run(capsys, "sandbox", "show", str(path))
    assert code == 0
    row = next(line for line in out.splitlines() if line.startswith("nearly-full"))
    assert row.split()[2:] == ["430", "0", "430", "⚠"]
    assert "85 %" in out


# -- the installed command ---------------------------------------------------------------------

def installed_command() -> str:
    beside_python = Path(sys.executable).with_name("proxy-pool")
    found = str(beside_python) if beside_python.exists() else shutil.which("proxy-pool")
    assert found, "the proxy-pool console script is not installed (pip install -e '.[test]')"
    return found


def test_installed_command_init_and_show(tmp_path):
    command = installed_command()
    script = f'"{command}" sandbox init demo.json --demo && "{command}" sandbox show demo.json'
    result = subprocess.run(["sh", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "Created demo sandbox demo.json" in result.stdout
    for name in ("ridealong-rider-driver", "dashbite-courier-contact", "tradepost-buyer-seller"):
        assert name in result.stdout
    assert (tmp_path / "demo.json").is_file() and (tmp_path / "demo.json.d").is_dir()


def test_installed_command_error_exit(tmp_path):
    result = subprocess.run([installed_command(), "sandbox", "show", str(tmp_path / "nope.json")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and result.stdout == ""
    one_line_error(result.stderr, "nope.json", "no sandbox at")


# -- replacing a sandbox (--force, and the server's reset) keeps the old one until the new one is whole ----

def _files(path: Path) -> dict[str, bytes]:
    found = {path.name: path.read_bytes()}
    pools = Path(f"{path}.d")
    found.update({f"{pools.name}/{f.name}": f.read_bytes() for f in sorted(pools.glob("*"))})
    return found


def test_force_replaces_a_sandbox_whole(tmp_path, capsys):
    path = tmp_path / "s.json"
    assert main(["sandbox", "init", str(path), "--demo"]) == 0
    assert main(["sandbox", "init", str(path), "--empty", "--force"]) == 0
    capsys.readouterr()
    assert main(["sandbox", "show", str(path)]) == 0
    shown = capsys.readouterr().out
    assert "(empty sandbox, seed 7)" in shown and "No Services." in shown
    account = SandboxAccount.open(path)
    try:
        assert account.list_services().items == [] and account.list_account_numbers().items == []
    finally:
        account.close()
    assert list(Path(f"{path}.d").glob("KS*.json")) == []  # the demo's pools went with it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json", "s.json.d", "s.json.lock"]


def test_a_failed_force_keeps_the_old_sandbox_byte_for_byte(tmp_path, capsys, monkeypatch):
    path = tmp_path / "s.json"
    assert main(["sandbox", "init", str(path), "--demo"]) == 0
    before = _files(path)

    import sandbox.demo

    def disk_full(account, seed):
        raise StoreError(f"cannot write sandbox file {account.path}: No space left on device; nothing was changed")

    monkeypatch.setattr(sandbox.demo, "populate_demo", disk_full)
    capsys.readouterr()
    assert main(["sandbox", "init", str(path), "--demo", "--seed", "8", "--force"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("proxy-pool: error:") and "No space left on device" in err
    assert _files(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json", "s.json.d", "s.json.lock"]  # no leftovers


def test_a_failed_first_init_leaves_nothing(tmp_path, capsys, monkeypatch):
    import sandbox.demo

    monkeypatch.setattr(sandbox.demo, "populate_demo",
                        lambda account, seed: (_ for _ in ()).throw(StoreError("cannot write: disk full")))
    assert main(["sandbox", "init", str(tmp_path / "s.json"), "--demo"]) == 1
    assert "disk full" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_force_on_a_sandbox_in_use_is_refused_before_any_work(tmp_path, capsys):
    path = tmp_path / "s.json"
    assert main(["sandbox", "init", str(path), "--demo"]) == 0
    before = _files(path)
    holder = SandboxAccount.open(path)
    try:
        capsys.readouterr()
        assert main(["sandbox", "init", str(path), "--empty", "--force"]) == 1
        assert f"in use by process {os.getpid()}" in capsys.readouterr().err
    finally:
        holder.close()
    assert _files(path) == before
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())
