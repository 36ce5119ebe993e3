"""End to end: the installed `proxy-pool` command in a real terminal (tmux), driven with send-keys.

Opens a Service, toggles a reservation, removes a number (confirming), quits; then reads the
sandbox file to check both changes were saved. tmux is installed with apt-get when missing
and we are root; otherwise the test fails saying so (it is never skipped).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from sandbox.account import SandboxAccount
from tests.app_fixtures import build_app_sandbox, service_sid
from tests.paging import every_item

SIZE = ("130", "36")


def ensure_tmux() -> str:
    found = shutil.which("tmux")
    if found:
        return found
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "tmux"], check=True, capture_output=True,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        found = shutil.which("tmux")
    if not found:
        pytest.fail("tmux is not installed and cannot be installed here (not root): "
                    "install it with `apt-get install tmux` and run the test again")
    return found


class Terminal:
    def __init__(self, tmux: str):
        self.tmux = tmux
        self.socket = f"pp-e2e-{uuid.uuid4().hex[:8]}"

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        # COLUMNS/LINES (pytest may set them) would override the real terminal size in the app
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        return subprocess.run([self.tmux, "-L", self.socket, *args], capture_output=True, text=True, check=check,
                              env=env)

    def start(self, command: list[str], status_file: Path) -> None:
        # The pane's shell writes the command's exit status to a file when it ends: tmux here
        # sometimes never reaps a pane's process (a zombie, even a bare Textual app's), so
        # #{pane_dead_status} can stay empty.
        self.status_file = status_file
        quoted = " ".join(f"'{part}'" for part in command)
        self.run("new-session", "-d", "-s", "app", "-x", SIZE[0], "-y", SIZE[1],
                 f"{quoted}; echo $? > '{status_file}'")
        self.run("set-option", "-t", "app", "remain-on-exit", "on")

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "app", check=False).stdout

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.screen()
            if text in shown:
                return shown
            time.sleep(0.05)
        raise AssertionError(f"{text!r} never appeared; the screen was:\n{self.screen()}")

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", "app", *keys)

    def exited(self, timeout: float = 20.0) -> str:
        """The command's exit status, as the shell of start() wrote it (a signal is 128 + its number)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.status_file.exists() and self.status_file.read_text().strip():
                return self.status_file.read_text().strip()
            time.sleep(0.05)
        raise AssertionError(f"the app did not exit; the screen was:\n{self.screen()}")

    def kill(self) -> None:
        self.run("kill-server", check=False)


def test_installed_command_in_tmux(tmp_path):
    tmux = ensure_tmux()
    command = Path(sys.executable).with_name("proxy-pool")
    assert command.exists(), f"the proxy-pool command is not installed next to {sys.executable}"
    path = tmp_path / "sandbox.json"
    account = build_app_sandbox(path)
    service = service_sid(account, "support-line")
    first, second = account.list_numbers(service, 2).items
    assert not first.is_reserved
    masked = f"AC…{account.account_sid[-4:]}"
    account.close()

    term = Terminal(tmux)
    try:
        term.start([str(command), "--sandbox", str(path)], tmp_path / "exit-status")
        term.wait_for("support-line")
        term.wait_for(f"SANDBOX {masked} {path}")
        term.keys("Enter")  # open support-line, the first Service
        term.wait_for("numbers 1–8 of 8")
        term.keys("r")  # reserve the first number
        term.wait_for("3/5,000")  # the reserved gauge counts it once saved
        term.keys("Down", "d")
        shown = term.wait_for("Remove number")
        assert "+1 415-555-0001" in shown and "support-line" in shown and "in_use: 0" in shown
        term.keys("y")
        term.wait_for("numbers 1–7 of 7")
        term.keys("q")
        assert term.exited() == "0"
        assert "Traceback" not in term.screen()
    finally:
        term.kill()

    account = SandboxAccount.open(path)
    try:
        pool = {n.sid: n for n in account.list_numbers(service, 50).items}
        assert pool[first.sid].is_reserved
        assert second.sid not in pool and len(pool) == 7
    finally:
        account.close()


def test_sort_filter_and_export_typed_in_command_mode_in_tmux(tmp_path):
    """`:sort in_use desc`, `:filter reserved` and `:export` typed at a real terminal (each line
    arrives in one burst: it must all reach the command line), then the file written."""
    import csv

    tmux = ensure_tmux()
    command = Path(sys.executable).with_name("proxy-pool")
    path = tmp_path / "sandbox.json"
    account = build_app_sandbox(path)
    service = service_sid(account, "marketplace-eu")  # no default TTL: the sessions last
    numbers = every_item(account.list_numbers, service)
    busy = numbers[440]  # a reserved number on page 9, held by two real sessions: in_use 2
    for identifier in ("+14155550901", "+14155550902"):
        account.create_session(service, participants=[{"identifier": identifier, "proxy_identifier_sid": busy.sid}])
    account.close()
    out = tmp_path / "reserved.csv"

    term = Terminal(tmux)
    try:
        term.start([str(command), "--sandbox", str(path)], tmp_path / "exit-status")
        term.wait_for("marketplace-eu")
        term.keys("Down", "Down", "Enter")
        term.wait_for("numbers 1–50 of 450")
        term.keys(":", "sort in_use desc", "Enter")
        shown = term.wait_for("sorted by in_use desc")
        first_row = next(line for line in shown.splitlines() if "+1 " in line or "+44 " in line)
        assert busy.sid in first_row and " 2 " in first_row
        term.keys(":", "filter reserved", "Enter")
        term.wait_for("20 of 450 shown (reserved)")
        term.keys(":", f"export {out}", "Enter")
        term.wait_for("Wrote 20 numbers")
        term.keys("q")
        assert term.exited() == "0"
        assert "Traceback" not in term.screen()
    finally:
        term.kill()
    rows = list(csv.DictReader(out.open()))
    assert [r["sid"] for r in rows][0] == busy.sid and len(rows) == 20 and {r["is_reserved"] for r in rows} == {"true"}
