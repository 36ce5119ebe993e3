"""`proxy-pool sandbox init PATH --from-live`: a sandbox copied from a live account, with the sandbox
server standing in for Twilio (`--base-url`, credentials in the environment as the app reads them)."""

from __future__ import annotations

from sandbox.account import SandboxAccount
from sandbox.build import build_sandbox
from sandbox.files import sandbox_files
from tests import server_process
from tui.cli import main


def test_a_live_account_is_copied_read_only_without_sessions_or_credentials(tmp_path, monkeypatch, capsys):
    live_path = tmp_path / "live.json"
    live = build_sandbox(live_path, kind="demo", seed=7)
    rides = live.services()[0]
    held = live.list_numbers(rides.sid, 5).items[3]
    live.create_session(rides.sid, unique_name="a-real-person", participants=[
        {"identifier": "+14155550100", "proxy_identifier_sid": held.sid}])
    expected = {s.unique_name: (s, sorted((n.sid, n.phone_number, n.is_reserved)
                                          for n in live.list_numbers(s.sid, 1000).items)) for s in live.services()}
    owned = live.owned_phone_numbers()
    live.close()
    before = {f: f.read_bytes() for f in sandbox_files(live_path)}

    with server_process.serving(live_path) as twilio:
        monkeypatch.setenv("TWILIO_ACCOUNT_SID", twilio.account_sid)
        monkeypatch.setenv("TWILIO_AUTH_TOKEN", twilio.auth_token)
        monkeypatch.delenv("TWILIO_API_KEY", raising=False)
        copy_path = tmp_path / "copy.json"
        assert main(["sandbox", "init", str(copy_path), "--from-live", "--base-url", twilio.base_url]) == 0
        out, err = capsys.readouterr()
        assert "Copied the live account" in out and "sessions are not copied" in out
        assert "Service 3/3 tradepost-buyer-seller" in err  # progress, as it goes
        # a second copy over it needs --force, and says so in one line
        assert main(["sandbox", "init", str(copy_path), "--from-live", "--base-url", twilio.base_url]) == 1
        assert "pass --force" in capsys.readouterr().err
    assert {f: f.read_bytes() for f in sandbox_files(live_path)} == before  # the live side was only read

    copy = SandboxAccount.open(copy_path)
    try:
        assert copy.account_sid != twilio.account_sid and copy.meta["auth_token"] != twilio.auth_token
        for path in sandbox_files(copy_path):
            assert twilio.auth_token not in path.read_text()  # the live credentials are never written
        assert copy.owned_phone_numbers() == owned
        for service in copy.services():
            original, numbers = expected[service.unique_name]
            for setting in ("default_ttl", "number_selection_behavior", "geo_match_level", "callback_url",
                            "intercept_callback_url", "out_of_session_callback_url"):
                assert getattr(service, setting) == getattr(original, setting), setting
            assert sorted((n.sid, n.phone_number, n.is_reserved)
                          for n in copy.list_numbers(service.sid, 1000).items) == numbers
            assert copy.list_sessions(service.sid, 50).items == []  # people's numbers stay behind
        assert copy.meta["origin"]["kind"] == "copy"
    finally:
        copy.close()
    assert main(["sandbox", "show", str(copy_path)]) == 0
    assert "copy of live account AC…" in capsys.readouterr().out


def test_from_live_without_credentials_is_one_line(tmp_path, monkeypatch, capsys):
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_KEY", "TWILIO_API_SECRET"):
        monkeypatch.delenv(name, raising=False)
    assert main(["sandbox", "init", str(tmp_path / "c.json"), "--from-live"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("proxy-pool: error: No Twilio credentials") and err.count("\n") == 1
    assert not (tmp_path / "c.json").exists()
