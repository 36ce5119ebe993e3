"""`proxy-pool services list` and `proxy-pool numbers list|add|reserve|unreserve|remove`, as a script
runs them: on a sandbox file, and live against a real sandbox server process (Twilio's wire)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from sandbox import store
from sandbox.account import SandboxAccount
from tests.app_fixtures import build_app_sandbox, service_sid
from tests.paging import every_item
from tests.server_process import serving
from tests.test_commands import one_line_error, run
from tui.core.wire import parse_number, parse_service


def sandbox(tmp_path: Path, spare: int = 0) -> tuple[Path, dict[str, str], list[str]]:
    """The app tests' sandbox (closed), its Services' SIDs, and `spare` more numbers it owns in no pool."""
    path = tmp_path / "sandbox.json"
    account = build_app_sandbox(path)
    bought = account.buy_numbers([{"phone_number": f"+1303555{i:04d}"} for i in range(spare)]) if spare else []
    sids = {name: service_sid(account, name) for name in ("support-line", "deliveries", "marketplace-eu")}
    account.close()
    return path, sids, [n.phone_number for n in bought]


def pool_of(path: Path, sid: str):
    account = SandboxAccount.open(path)
    try:
        return {n.sid: n for n in every_item(account.list_numbers, sid)}
    finally:
        account.close()


def test_services_list_as_lines_json_and_csv(tmp_path, capsys):
    path, sids, _ = sandbox(tmp_path)
    code, out, err = run(capsys, "--sandbox", str(path), "services", "list")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].split() == ["SID", "UNIQUE_NAME", "POOL", "UNRESERVED", "RESERVED", "IN_USE"]
    assert lines[2].split() == [sids["deliveries"], "deliveries", "120", "110/500", "10/5,000", "0"]
    # the world flags after the command work too, as in twilio-cli
    code, out, _ = run(capsys, "services", "list", "--json", "--sandbox", str(path))
    assert code == 0 and [parse_service(s).unique_name for s in json.loads(out)] == [
        "support-line", "deliveries", "marketplace-eu"]
    code, out, _ = run(capsys, "services", "list", "--csv", "--sandbox", str(path))
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[2]["unreserved"] == "430" and rows[2]["reserved"] == "20"


def test_numbers_list_filters_by_state_and_writes_twilios_json(tmp_path, capsys):
    path, sids, _ = sandbox(tmp_path)
    code, out, err = run(capsys, "--sandbox", str(path), "numbers", "list", "--service", "deliveries", "--reserved")
    assert (code, err) == (0, "")
    lines = out.splitlines()[1:]
    assert len(lines) == 10 and all(line.split()[2] == "reserved" for line in lines)
    code, out, _ = run(capsys, "--sandbox", str(path), "numbers", "list", "--service", sids["deliveries"],
                       "--free", "--json")
    numbers = [parse_number(d) for d in json.loads(out)]
    assert len(numbers) == 110 and not any(n.is_reserved or n.in_use for n in numbers)
    code, out, _ = run(capsys, "--sandbox", str(path), "numbers", "list", "--service", "support-line", "--csv")
    assert [r["sid"] for r in csv.DictReader(io.StringIO(out))] == list(pool_of(path, sids["support-line"]))
    code, _, err = run(capsys, "--sandbox", str(path), "numbers", "list", "--service", "nope")
    assert code == 1
    one_line_error(err, "no Service 'nope'", "support-line, deliveries, marketplace-eu")


def test_reserve_unreserve_remove_one_line_each_with_twilios_code_and_exit_1_if_any_failed(tmp_path, capsys):
    path, sids, _ = sandbox(tmp_path)
    svc = sids["support-line"]
    first, second = list(pool_of(path, svc))[:2]
    missing = "PN" + "0" * 32
    code, out, err = run(capsys, "--sandbox", str(path), "numbers", "reserve", "--service", svc, first, missing)
    assert code == 1
    ok, fail = out.splitlines()
    assert ok.split()[:2] == ["ok", first] and ok.split()[-1] == "reserved"
    assert fail.split()[:3] == ["fail", missing, "20404"]
    assert "support-line: 1 of 2 reserved, 1 failed" in err
    assert pool_of(path, svc)[first].is_reserved
    code, out, _ = run(capsys, "--sandbox", str(path), "numbers", "unreserve", "--service", svc, first)
    assert code == 0 and out.split()[-1] == "unreserved" and not pool_of(path, svc)[first].is_reserved
    code, out, _ = run(capsys, "--sandbox", str(path), "numbers", "remove", "--service", svc, second)
    assert code == 0 and out.split() == ["ok", second, "removed"] and second not in pool_of(path, svc)


def test_read_only_refuses_every_change_before_anything_is_sent(tmp_path, capsys):
    path, sids, _ = sandbox(tmp_path)
    before = pool_of(path, sids["support-line"])
    for argv in (["numbers", "reserve", "--service", "support-line", *list(before)[:1]],
                 ["numbers", "add", "--service", "support-line", "+14155555000"],
                 ["numbers", "remove", "--service", "support-line", *list(before)[:1], "--read-only"]):
        flags = [] if "--read-only" in argv else ["--read-only"]
        code, out, err = run(capsys, "--sandbox", str(path), *flags, *argv)
        assert code == 2 and out == ""
        one_line_error(err, "--read-only is set; nothing was sent")
    assert pool_of(path, sids["support-line"]) == before
    code, _, _ = run(capsys, "--sandbox", str(path), "--read-only", "numbers", "list", "--service", "support-line")
    assert code == 0  # reading is what read-only is for


def test_a_bulk_add_of_500_from_a_file_is_one_write_on_a_sandbox(tmp_path, capsys, monkeypatch):
    path, sids, spare = sandbox(tmp_path, spare=500)
    listing = tmp_path / "numbers.txt"
    listing.write_text("# numbers for the new pool\n" + "\n".join(spare) + "\n\n")
    writes: list[str] = []
    real = store.atomic_write
    monkeypatch.setattr(store, "atomic_write", lambda p, data: (writes.append(str(p)), real(p, data)))
    code, out, err = run(capsys, "--sandbox", str(path), "numbers", "add", "--service", "marketplace-eu",
                         "--from", str(listing), "--reserved")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 500 and all(line.startswith("ok") for line in lines)
    assert lines[0].split()[1] == spare[0] and lines[0].split()[-1] == "added"
    assert "marketplace-eu: 500 of 500 added" in err
    assert len([w for w in writes if sids["marketplace-eu"] in w]) == 1  # one transaction: one pool write
    pool = pool_of(path, sids["marketplace-eu"])
    assert len(pool) == 950 and sum(n.is_reserved for n in pool.values()) == 520
    # again: every one is now refused with Twilio's code, and the command says so
    code, out, err = run(capsys, "--sandbox", str(path), "numbers", "add", "--service", "marketplace-eu",
                         "--from", str(listing))
    assert code == 1 and all(line.split()[2] == "80104" for line in out.splitlines())
    assert "0 of 500 added, 500 failed" in err


def test_live_against_the_sandbox_server_over_twilios_wire(tmp_path, capsys, monkeypatch):
    path, sids, spare = sandbox(tmp_path, spare=3)
    with serving(path) as server:
        monkeypatch.setenv("TWILIO_ACCOUNT_SID", server.account_sid)
        monkeypatch.setenv("TWILIO_AUTH_TOKEN", server.auth_token)
        live = ["--live", "--base-url", server.base_url]
        code, out, err = run(capsys, *live, "services", "list")
        assert code == 0 and f"{sids['deliveries']}  deliveries" in " ".join(out.split("\n"))
        exported = tmp_path / "spare.csv"
        exported.write_text("phone_number\n" + "\n".join(spare) + "\n")
        code, out, err = run(capsys, *live, "numbers", "add", "--service", "support-line", "--from", str(exported),
                             "+14155559999")
        assert code == 1
        assert [line.split()[0] for line in out.splitlines()] == ["fail", "ok", "ok", "ok"]  # arguments first
        assert out.splitlines()[0].split()[1:3] == ["+14155559999", "21422"]  # not the account's
        code, out, _ = run(capsys, *live, "numbers", "list", "--service", "support-line", "--json")
        listed = [parse_number(d) for d in json.loads(out)]
        assert code == 0 and {n.phone_number for n in listed} >= set(spare) and len(listed) == 11
        code, out, _ = run(capsys, *live, "numbers", "reserve", "--service", "support-line",
                           *[n.sid for n in listed if n.phone_number in spare])
        assert code == 0 and len(out.splitlines()) == 3
    assert sum(n.is_reserved for n in pool_of(path, sids["support-line"]).values()) == 5


def test_the_installed_command_prints_help_for_scripts(tmp_path):
    command = Path(sys.executable).with_name("proxy-pool")
    done = subprocess.run([str(command), "numbers", "add", "--help"], capture_output=True, text=True, check=True)
    assert "--from FILE" in done.stdout and "--reserved" in done.stdout and "--sandbox PATH" in done.stdout
