"""run_app: which backend the app starts on, and one clear line (never a traceback) when it cannot."""

from __future__ import annotations

import sys
import types

import platformdirs
import pytest

from sandbox.backend import SandboxBackend
from tests.app_fixtures import build_app_sandbox
from tui import launch
from tui.app import ProxyPoolApp
from tui.cli import build_parser


@pytest.fixture
def started(monkeypatch):
    """Replace the terminal run with a record of the app that would have started."""
    apps: list[ProxyPoolApp] = []

    def fake_run(self, *args, **kwargs):
        apps.append(self)
        self.seen = {"world": self.world, "page_size": self.page_size, "note": self.startup_note,
                     "backend_kind": self.backend.kind, "sandbox": str(getattr(self.backend, "path", ""))}

    monkeypatch.setattr(ProxyPoolApp, "run", fake_run)
    return apps


def run(argv, capsys):
    code = launch.run_app(build_parser().parse_args(argv))
    return code, capsys.readouterr().err


def test_sandbox_path_opens_that_file_with_options(tmp_path, started, capsys):
    build_app_sandbox(tmp_path / "s.json").close()
    code, err = run(["--sandbox", str(tmp_path / "s.json"), "--read-only", "--page-size", "20"], capsys)
    assert code == 0 and err == ""
    seen = started[0].seen
    assert seen["sandbox"] == str(tmp_path / "s.json") and seen["page_size"] == 20
    assert seen["world"].read_only and seen["world"].kind == "sandbox"
    assert started[0].calm_errors
    # the file is released on exit: it opens again at once
    SandboxBackend(tmp_path / "s.json").close()


@pytest.mark.parametrize("problem", ["missing", "corrupt", "locked", "folder"])
def test_a_sandbox_that_cannot_be_opened_is_one_line_and_exit_1(tmp_path, started, capsys, problem):
    path = tmp_path / "s.json"
    holder = None
    if problem == "corrupt":
        path.write_text("{not json")
    elif problem == "locked":
        build_app_sandbox(path).close()
        holder = SandboxBackend(path)
    elif problem == "folder":
        path.mkdir()
    try:
        code, err = run(["--sandbox", str(path)], capsys)
    finally:
        if holder:
            holder.close()
    assert code == 1 and not started
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("proxy-pool: error: ") and str(path) in lines[0]
    assert "Traceback" not in err
    expected = {"missing": "no sandbox at", "corrupt": "corrupt", "locked": "in use by", "folder": "folder"}
    assert expected[problem] in lines[0]


def test_live_without_credentials_says_what_to_set(tmp_path, started, capsys):
    code, err = run(["--live"], capsys)
    assert code == 1 and not started
    assert err.startswith("proxy-pool: error: ") and len(err.splitlines()) == 1
    assert "TWILIO_ACCOUNT_SID" in err


def test_live_when_the_live_backend_is_missing_is_a_clear_error(monkeypatch, started, capsys):
    monkeypatch.setitem(sys.modules, "tui.live.client", None)  # import fails as if it did not exist
    code, err = run(["--live"], capsys)
    assert code == 1 and "the live backend is not available" in err and "--sandbox" in err


def test_credentials_in_the_environment_choose_live(monkeypatch, started, capsys):
    made = []

    class FakeLive:
        kind = "live"
        account_sid = "AC" + "a" * 28 + "1234"

        async def aclose(self):
            made.append("closed")

    fake = types.ModuleType("tui.live.client")
    fake.backend_from_args = lambda args: made.append(args) or FakeLive()
    monkeypatch.setitem(sys.modules, "tui.live.client", fake)
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", FakeLive.account_sid)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "not-a-real-token")
    code, err = run([], capsys)
    assert code == 0 and started[0].seen["world"].kind == "live"
    assert started[0].seen["world"].label == "AC…1234"
    assert "not-a-real-token" not in err and made[-1] == "closed"


def test_no_flags_no_credentials_creates_the_demo_sandbox_once_and_says_so(started, capsys):
    path = platformdirs.user_data_path("proxy-pool") / "sandbox.json"
    assert not path.exists()  # conftest points the data folder at a temporary one
    code, err = run([], capsys)
    assert code == 0 and path.exists()
    assert f"Created a demo sandbox at {path}" in err
    assert started[0].seen["note"] and str(path) in started[0].seen["note"]
    assert started[0].seen["sandbox"] == str(path)
    # the second run opens it and says nothing
    code, err = run([], capsys)
    assert code == 0 and err == "" and started[1].seen["note"] is None
    account = SandboxBackend(path).account
    try:
        assert account.list_services(50).items  # the demo has Services
    finally:
        account.close()


APP_LINES = [[], ["--sandbox", "s.json"], ["--live", "--read-only", "--page-size", "20"],
             ["--sand", "s.json", "--read"], ["--sandbox", "s.json", "--ca-file", "ca.pem", "--pin", "ab",
                                              "--base-url", "http://h", "--profile", "p"]]
OTHER_LINES = [["--page-size", "0"], ["bogus"], ["--sandbox"], ["--sandbox", "a", "--live"], ["--pin"],
               ["-h"], ["--he"], ["--version"], ["sandbox", "show", "x.json"], ["--sandbox", "x", "services", "list"],
               ["numbers", "list", "--service", "KS1"]]


@pytest.mark.parametrize("argv", APP_LINES + OTHER_LINES, ids=" ".join)
def test_the_app_line_reads_as_the_whole_parser_reads_it(argv, capsys):
    """parse_args reads a line that only launches the app with the top-level parser alone: the same
    namespace, and for anything else (commands, help, errors) exactly the whole parser's output."""
    from tui.cli import parse_args

    def outcome(parse):
        try:
            found = vars(parse(list(argv)))
        except SystemExit as exc:
            found = exc.code
        out = capsys.readouterr()
        return found, out.out, out.err

    assert outcome(parse_args) == outcome(lambda line: build_parser().parse_args(line))
