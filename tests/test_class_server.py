"""A class on one server: `proxy-pool sandbox serve PATH --class 2` on 127.0.0.2, as if it were the
trainer's machine, speaking TLS with a self-signed certificate made on the spot. Trainees use
Twilio's Python client (trusting the printed certificate) and the app's live backend (--pin or
--ca-file); one trainee's credentials never read or change another's account."""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import re
import ssl
import stat
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from sandbox import scenarios
from tests.server_process import command
from tui.core.errors import ProxyError
from tui.core.seam import all_items

HOST = "127.0.0.2"


@dataclass
class ClassServer:
    proc: subprocess.Popen
    url: str
    folder: Path
    out: Path
    err: Path
    rows: list[dict[str, str]]

    @property
    def cert(self) -> Path:
        return self.folder / "tls" / "cert.pem"

    def trust(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))

    def fingerprint(self) -> str:
        return hashlib.sha256(ssl.PEM_cert_to_DER_cert(self.cert.read_text())).hexdigest()


def start_class(folder: Path, *args: str, timeout: float = 60) -> ClassServer:
    logs = folder.parent / f"{folder.name}.logs"
    logs.mkdir(exist_ok=True)
    out, err = logs / "stdout.txt", logs / "stderr.txt"
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        proc = subprocess.Popen([*command(), "sandbox", "serve", str(folder), "--port", "0", *args],
                                stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.monotonic() + timeout
    while "Credentials written to" not in out.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            raise AssertionError(f"the class server did not start:\n{out.read_text()}{err.read_text()}")
        time.sleep(0.05)
    while "Press Ctrl+C" not in err.read_text():  # the TLS lines come just before
        time.sleep(0.05)
    url = re.search(r"https://\S+", out.read_text().splitlines()[0]).group(0)
    with open(folder / "credentials.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    return ClassServer(proc, url, folder, out, err, rows)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[ClassServer]:
    folder = tmp_path_factory.mktemp("class") / "room"
    running = start_class(folder, "--class", "2", "--scenario", "messaging-conflict", "--host", HOST)
    try:
        yield running
    finally:
        running.proc.terminate()
        running.proc.wait(15)


def twilio_for(server: ClassServer, sid: str, token: str) -> Client:
    client = Client(sid, token)
    session = client.http_client.session
    session.trust_env = False  # not the machine's CA bundle (REQUESTS_CA_BUNDLE)...
    session.verify = str(server.cert)  # ...but the class's certificate, as a trainee does
    client.proxy.base_url = client.api.base_url = server.url
    return client


def twilio_error(call) -> TwilioRestException:
    with pytest.raises(TwilioRestException) as caught:
        call()
    return caught.value


def test_the_trainer_gets_a_table_a_csv_and_a_fingerprint(server):
    out, err = server.out.read_text(), server.err.read_text()
    assert server.url.startswith(f"https://{HOST}:")
    assert [r["trainee"] for r in server.rows] == ["trainee-01", "trainee-02"]
    a, b = server.rows
    assert a["TWILIO_ACCOUNT_SID"] != b["TWILIO_ACCOUNT_SID"] and a["TWILIO_AUTH_TOKEN"] != b["TWILIO_AUTH_TOKEN"]
    for row in server.rows:  # the printed table is the CSV
        assert f"{row['trainee']}  {row['TWILIO_ACCOUNT_SID']}  {row['TWILIO_AUTH_TOKEN']}" in out
        assert row["base_url"] == server.url and row["pin"].replace(":", "").lower() == server.fingerprint()
    assert stat.S_IMODE((server.folder / "credentials.csv").stat().st_mode) == 0o600  # it holds tokens
    assert stat.S_IMODE((server.folder / "tls" / "key.pem").stat().st_mode) == 0o600
    assert "self-signed, made now" in err and f"--pin {server.fingerprint().upper()}" in err
    assert sorted(p.name for p in server.folder.glob("trainee-*.json")) == ["trainee-01.json", "trainee-02.json"]


def test_trainees_are_isolated_and_reset_only_their_own(server):
    (a_row, b_row) = server.rows
    a = twilio_for(server, a_row["TWILIO_ACCOUNT_SID"], a_row["TWILIO_AUTH_TOKEN"])
    b = twilio_for(server, b_row["TWILIO_ACCOUNT_SID"], b_row["TWILIO_AUTH_TOKEN"])
    a_service = a.proxy.v1.services.list()[0]
    b_service = b.proxy.v1.services.list()[0]
    assert a_service.unique_name == b_service.unique_name == scenarios.CONFLICT  # one shared scenario
    assert a_service.sid != b_service.sid  # in accounts of their own
    # another trainee's Service is not there for me; another's AccountSid in the path is refused
    assert twilio_error(lambda: a.proxy.v1.services(b_service.sid).fetch()).code == 20404
    def raw(sid: str, token: str, path: str) -> tuple[int, int | None]:
        answer = httpx.get(f"{server.url}{path}", auth=(sid, token), verify=server.trust())
        return answer.status_code, answer.json().get("code")

    a_sid, a_token, b_sid, b_token = (a_row["TWILIO_ACCOUNT_SID"], a_row["TWILIO_AUTH_TOKEN"],
                                      b_row["TWILIO_ACCOUNT_SID"], b_row["TWILIO_AUTH_TOKEN"])
    numbers = "/2010-04-01/Accounts/{}/IncomingPhoneNumbers.json"
    assert raw(a_sid, a_token, numbers.format(a_sid))[0] == 200
    assert raw(a_sid, a_token, numbers.format(b_sid)) == (401, 20003)  # another's AccountSid in the path
    assert raw("AC" + "0" * 32, "x" * 32, "/v1/Services") == (401, 20003)  # nobody's
    assert raw(a_sid, b_token, "/v1/Services") == (401, 20003)  # A's SID with B's token
    assert raw(a_sid, a_token, f"/v1/Services/{b_service.sid}/PhoneNumbers") == (404, 20404)

    # each trainee changes their own pool
    def add_free(client: Client, row: dict[str, str], service_sid: str) -> int:
        free = [n for n in client.api.v2010.accounts(row["TWILIO_ACCOUNT_SID"]).incoming_phone_numbers.list()
                if n.friendly_name.startswith("Spare")]
        client.proxy.v1.services(service_sid).phone_numbers.create(sid=free[0].sid)
        return len(client.proxy.v1.services(service_sid).phone_numbers.list())

    assert add_free(a, a_row, a_service.sid) == 21
    assert add_free(b, b_row, b_service.sid) == 21
    # A resets: A is back to 20, B keeps its change, and both keep their credentials
    reset = httpx.post(f"{server.url}/sandbox/reset", verify=server.trust(),
                       auth=(a_row["TWILIO_ACCOUNT_SID"], a_row["TWILIO_AUTH_TOKEN"]))
    assert reset.status_code == 200 and reset.json()["account_sid"] == a_row["TWILIO_ACCOUNT_SID"]
    assert len(a.proxy.v1.services(a.proxy.v1.services.list()[0].sid).phone_numbers.list()) == 20
    assert len(b.proxy.v1.services(b_service.sid).phone_numbers.list()) == 21
    for client in (a, b):
        client.http_client.session.close()  # no keep-alive left for the server's graceful stop to wait on


def live_args(server: ClassServer, **trust: str | None) -> argparse.Namespace:
    return argparse.Namespace(profile=None, base_url=server.url, ca_file=trust.get("ca_file"), pin=trust.get("pin"))


async def services_through_the_app(server: ClassServer, monkeypatch, **trust: str | None) -> list:
    from tui.launch import open_live

    row = server.rows[1]
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", row["TWILIO_ACCOUNT_SID"])
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", row["TWILIO_AUTH_TOKEN"])
    monkeypatch.delenv("TWILIO_API_KEY", raising=False)
    backend = open_live(live_args(server, **trust))
    try:
        return await all_items(backend.list_services)
    finally:
        await backend.aclose()


async def test_the_app_trusts_the_server_by_pin_or_ca_file(server, monkeypatch):
    pin = server.fingerprint()
    by_pin = await services_through_the_app(server, monkeypatch, pin=":".join(pin[i:i + 2] for i in range(0, 64, 2)))
    by_ca = await services_through_the_app(server, monkeypatch, ca_file=str(server.cert))
    assert [s.unique_name for s in by_pin] == [s.unique_name for s in by_ca] == [scenarios.CONFLICT]


async def test_the_app_says_clearly_when_it_cannot_verify_the_server(server, monkeypatch):
    with pytest.raises(ProxyError) as untrusted:
        await services_through_the_app(server, monkeypatch)
    assert untrusted.value.message.startswith(f"Cannot verify the server at {HOST}:")
    assert "--ca-file CERT or --pin SHA256" in untrusted.value.message
    assert server.rows[1]["TWILIO_AUTH_TOKEN"] not in untrusted.value.message
    with pytest.raises(ProxyError) as wrong:
        await services_through_the_app(server, monkeypatch, pin="ab" * 32)
    assert "SHA-256 fingerprint is" in wrong.value.message and "nothing was sent" in wrong.value.message
    from tui.launch import LaunchError, open_live

    with pytest.raises(LaunchError, match="--pin must be a SHA-256 fingerprint"):
        open_live(live_args(server, pin="12:34"))


def test_a_restarted_class_keeps_its_credentials_and_certificate(server, tmp_path):
    folder = tmp_path / "again"
    first = start_class(folder, "--class", "1", "--scenario", "empty", "--host", HOST)
    first.proc.terminate()
    assert first.proc.wait(15) == 0
    again = start_class(folder, "--class", "1", "--scenario", "empty", "--host", HOST)
    try:
        kept = ("trainee", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "pin")  # the port is a new free one
        assert [[r[k] for k in kept] for r in again.rows] == [[r[k] for k in kept] for r in first.rows]
        assert "kept from before" in again.out.read_text()
        assert "kept from an earlier run" in again.err.read_text()
    finally:
        again.proc.terminate()
        again.proc.wait(15)
    other = subprocess.run([*command(), "sandbox", "serve", str(folder), "--class", "1", "--scenario", "in-use",
                            "--port", "0"], capture_output=True, text=True, timeout=60)
    assert other.returncode == 1 and "holds another class (empty, seed 7)" in other.stderr
    assert other.stderr.count("\n") == 1
