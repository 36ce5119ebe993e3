"""Live credentials: the environment, twilio-cli profiles, Region/Edge hosts and --base-url."""

from __future__ import annotations

import json

import pytest

from tui.live.credentials import (
    CredentialsError,
    Hosts,
    check_base_url,
    from_environment,
    from_profile,
    load_credentials,
    regional_url,
)

AC = "AC" + "1" * 31 + "a"
SK = "SK" + "2" * 31 + "b"
TOKEN = "tok-3f9c2e7d41b05a8c"
SECRET = "sec-9b1d44e0c7f2a635"


def every_text(obj) -> str:
    return f"{obj!s} {obj!r}"


def test_auth_token_from_the_environment():
    creds = from_environment({"TWILIO_ACCOUNT_SID": AC, "TWILIO_AUTH_TOKEN": TOKEN})
    assert (creds.account_sid, creds.username, creds.secret) == (AC, AC, TOKEN)
    assert TOKEN not in every_text(creds)


@pytest.mark.parametrize("secret_var", ["TWILIO_API_SECRET", "TWILIO_API_KEY_SECRET"])
def test_api_key_from_the_environment_wins_over_the_auth_token(secret_var):
    env = {"TWILIO_ACCOUNT_SID": AC, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_API_KEY": SK, secret_var: SECRET}
    creds = from_environment(env)
    assert (creds.account_sid, creds.username, creds.secret) == (AC, SK, SECRET)
    assert SECRET not in every_text(creds) and TOKEN not in every_text(creds)


@pytest.mark.parametrize("env, says", [
    ({}, "TWILIO_ACCOUNT_SID"),
    ({"TWILIO_ACCOUNT_SID": AC}, "TWILIO_AUTH_TOKEN"),
    ({"TWILIO_AUTH_TOKEN": TOKEN}, "TWILIO_ACCOUNT_SID"),
    ({"TWILIO_ACCOUNT_SID": AC, "TWILIO_API_KEY": SK}, "TWILIO_API_SECRET"),
    ({"TWILIO_ACCOUNT_SID": "AC-not-a-sid", "TWILIO_AUTH_TOKEN": TOKEN}, "32 hex digits"),
    ({"TWILIO_ACCOUNT_SID": AC, "TWILIO_API_KEY": "key", "TWILIO_API_SECRET": SECRET}, "SK followed by"),
])
def test_missing_or_wrong_credentials_say_what_to_set(env, says):
    with pytest.raises(CredentialsError) as info:
        from_environment(env)
    message = str(info.value)
    assert says in message
    assert "\n" not in message
    assert TOKEN not in message and SECRET not in message


def test_no_credentials_mentions_profile_and_sandbox():
    with pytest.raises(CredentialsError) as info:
        load_credentials(None, {})
    assert "--profile" in str(info.value) and "--sandbox" in str(info.value)


def write_config(tmp_path, config) -> object:
    path = tmp_path / ".twilio-cli" / "config.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config))
    return path


def test_a_twilio_cli_profile_gives_key_secret_region_and_edge(tmp_path):
    path = write_config(tmp_path, {
        "profiles": {"prod": {"accountSid": AC, "apiKey": SK, "apiSecret": SECRET, "region": "au1"}},
        "edge": "sydney", "activeProfile": "prod",
    })
    creds = from_profile("prod", config_path=path, env={})
    assert (creds.account_sid, creds.username, creds.secret) == (AC, SK, SECRET)
    assert (creds.region, creds.edge) == ("au1", "sydney")
    assert "prod" in creds.source and SECRET not in every_text(creds)
    # --profile wins over the environment, as twilio-cli's -p does
    env = {"TWILIO_ACCOUNT_SID": AC, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_EDGE": "dublin"}
    creds = load_credentials("prod", env, config_path=path)
    assert creds.username == SK and creds.edge == "dublin"


def test_the_default_config_is_read_from_the_home_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    write_config(tmp_path, {"profiles": {"dev": {"accountSid": AC, "apiKey": SK, "apiSecret": SECRET}}})
    assert from_profile("dev", env={}).username == SK


def test_a_keychain_profile_says_so_and_what_to_set(tmp_path):
    path = write_config(tmp_path, {"projects": [{"id": "old", "accountSid": AC}], "activeProject": "old"})
    with pytest.raises(CredentialsError) as info:
        from_profile("old", config_path=path, env={})
    message = str(info.value)
    assert "keychain" in message
    assert "TWILIO_API_KEY" in message and "TWILIO_API_SECRET" in message
    assert AC not in message  # the SID is shown masked: AC…111a
    assert AC[-4:] in message


def test_an_unknown_profile_lists_the_known_ones(tmp_path):
    path = write_config(tmp_path, {"profiles": {"prod": {"accountSid": AC, "apiKey": SK, "apiSecret": SECRET}},
                                   "projects": [{"id": "old", "accountSid": AC}]})
    with pytest.raises(CredentialsError) as info:
        from_profile("staging", config_path=path, env={})
    assert "staging" in str(info.value) and "old, prod" in str(info.value)
    assert SECRET not in str(info.value)


def test_missing_and_broken_config_files_are_clear(tmp_path):
    with pytest.raises(CredentialsError, match="No twilio-cli configuration"):
        from_profile("prod", config_path=tmp_path / "nope.json", env={})
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(CredentialsError, match="Cannot read"):
        from_profile("prod", config_path=broken, env={})


def test_a_profile_without_its_secret_names_the_field(tmp_path):
    path = write_config(tmp_path, {"profiles": {"p": {"accountSid": AC, "apiKey": SK}}})
    with pytest.raises(CredentialsError, match="apiSecret"):
        from_profile("p", config_path=path, env={})


# -- hosts: exactly twilio-python's ClientBase.get_hostname ------------------------------

@pytest.mark.parametrize("url, region, edge", [
    ("https://proxy.twilio.com/v1/Services", None, None),
    ("https://proxy.twilio.com/v1/Services", "au1", None),
    ("https://proxy.twilio.com/v1/Services", None, "sydney"),
    ("https://proxy.twilio.com/v1/Services", "au1", "sydney"),
    ("https://api.twilio.com/2010-04-01/Accounts/AC1.json?PageSize=5", "ie1", "dublin"),
    ("https://proxy.au1.twilio.com/v1/Services", None, "sydney"),
    ("https://proxy.sydney.au1.twilio.com/v1/Services", "ie1", None),
    ("https://proxy.sydney.au1.twilio.com/v1/Services", None, None),
])
def test_region_and_edge_rewrite_hosts_as_twilio_python_does(url, region, edge):
    from twilio.base.client_base import ClientBase

    client = ClientBase("ACx", "secret", region=region, edge=edge, environment={})
    assert regional_url(url, region, edge) == client.get_hostname(url)


def test_hosts_from_region_edge_and_base_url():
    assert Hosts.resolve() == Hosts("https://proxy.twilio.com", "https://api.twilio.com")
    assert Hosts.resolve("au1", "sydney") == Hosts("https://proxy.sydney.au1.twilio.com",
                                                   "https://api.sydney.au1.twilio.com")
    assert Hosts.resolve(None, "dublin").proxy == "https://proxy.dublin.us1.twilio.com"
    one = Hosts.resolve("au1", "sydney", "http://127.0.0.1:8765/")
    assert (one.proxy, one.api, one.overridden) == ("http://127.0.0.1:8765", "http://127.0.0.1:8765", True)


@pytest.mark.parametrize("url, says", [
    ("ftp://example.com", "http(s) URL"),
    ("127.0.0.1:8765", "http(s) URL"),
    ("https://user:pw@example.com", "user name or password"),
    ("https://example.com/?x=1", "query"),
    ("http://example.com", "plain http"),
])
def test_bad_base_urls_are_refused_with_a_reason(url, says):
    with pytest.raises(CredentialsError, match=says.replace("(", r"\(").replace(")", r"\)")):
        check_base_url(url)
    if "pw" in url:
        with pytest.raises(CredentialsError) as info:
            check_base_url(url)
        assert "pw" not in str(info.value)


@pytest.mark.parametrize("url", ["http://localhost:8765", "http://127.0.0.1:9/", "https://rec.example.com/twilio",
                                 "http://[::1]:8765"])
def test_good_base_urls_are_kept_without_a_trailing_slash(url):
    assert check_base_url(url) == url.rstrip("/")
