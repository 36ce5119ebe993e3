"""The sandbox over HTTP: auth, bad input, paging, provisioning, reset, and `sandbox serve`.

In-process through httpx's ASGI transport; one test runs a real server process on a
loopback port (and curl, when the machine has it). Every response is checked against
Twilio's descriptions by the spec module's checker.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import signal
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from sandbox import commands
from sandbox.account import SandboxAccount
from sandbox.backend import SandboxBackend
from sandbox.build import build_sandbox
from sandbox.files import SandboxInUse, StoreError
from sandbox.scale import scale_numbers
from sandbox.server.app import create_app
from tests import server_process
from tests import spec_check as spec

OTHER_ACCOUNT = "AC" + "0" * 32


class Served:
    """An in-process server over a fresh sandbox, with the account behind it for arranging."""

    def __init__(self, backend: SandboxBackend, client: httpx.AsyncClient):
        self.backend = backend
        self.client = client

    @property
    def account(self) -> SandboxAccount:
        return self.backend.account

    @property
    def auth(self) -> tuple[str, str]:
        return self.account.account_sid, self.account.meta["auth_token"]

    def numbers(self, suffix: str = ".json") -> str:
        return f"/2010-04-01/Accounts/{self.account.account_sid}/IncomingPhoneNumbers{suffix}"

    def pool(self, service_sid: str) -> str:
        return f"/v1/Services/{service_sid}/PhoneNumbers"


async def serve(backend: SandboxBackend, public_url: str | None = None) -> AsyncIterator[Served]:
    app = create_app(backend, public_url=public_url)
    auth = (backend.account_sid, backend.account.meta["auth_token"])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://sandbox.test", auth=auth,
                                 event_hooks={"response": [spec.validate_hook]}) as client:
        yield Served(backend, client)
    backend.close()


@pytest.fixture
async def served(tmp_path) -> AsyncIterator[Served]:
    """An empty sandbox (origin "empty", seed 7) served in-process."""
    async for s in serve(SandboxBackend(build_sandbox(tmp_path / "s.json", kind="empty"))):
        yield s


def fill_pool(account: SandboxAccount, unique_name: str, count: int, *, reserved: bool = False):
    """A Service with `count` fresh numbers in its pool (bought and added in two durable writes)."""
    taken = account.owned_phone_numbers()
    numbers = [n for n in scale_numbers(count + len(taken) + 10, seed=len(taken)) if n not in taken]
    bought = account.buy_numbers([{"phone_number": n} for n in numbers[:count]])
    service = account.create_service(unique_name)
    account.add_numbers_bulk(service.sid, [(n.sid, reserved) for n in bought])
    return service, bought


# -- authentication ------------------------------------------------------------------------------

def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


BAD_AUTH = {
    "none": None,
    "wrong token": "WRONG",
    "wrong account": "OTHER",
    "bearer": "Bearer abc",
    "not base64": "Basic %%%",
    "no colon": "Basic " + base64.b64encode(b"justone").decode(),
}


@pytest.mark.parametrize("case", list(BAD_AUTH))
async def test_bad_credentials_are_401_20003_and_change_nothing(served, case):
    sid, token = served.auth
    header = {"WRONG": basic(sid, token + "x"), "OTHER": basic(OTHER_ACCOUNT, token)}.get(BAD_AUTH[case],
                                                                                        BAD_AUTH[case])
    headers = {"Authorization": header} if header else {}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(create_app(served.backend)),
                                 base_url="http://sandbox.test",
                                 event_hooks={"response": [spec.validate_hook]}) as anonymous:
        response = await anonymous.post("/v1/Services", data={"UniqueName": "intruder"}, headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == 20003
    assert response.headers["www-authenticate"].startswith("Basic")
    assert served.account.list_services().items == []


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
async def test_a_foreign_account_sid_in_the_path_is_refused(served, method):
    bought = served.account.buy_number("+14155550123")
    path = (f"/2010-04-01/Accounts/{OTHER_ACCOUNT}/IncomingPhoneNumbers"
            + (f"/{bought.sid}.json" if method != "POST" else ".json"))
    response = await served.client.request(method, path, data={"AreaCode": "415"} if method == "POST" else None)
    assert (response.status_code, response.json()["code"]) == (401, 20003)
    assert [n.sid for n in served.account.list_account_numbers().items] == [bought.sid]


# -- bad input -----------------------------------------------------------------------------------

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
MALFORMED = {
    "a field without =": (b"UniqueName", FORM, 20422),
    "bad UTF-8 escape": (b"UniqueName=%FF%FE", FORM, 20422),
    "raw bytes": (b"UniqueName=\xff\xfe", FORM, 20422),
    "JSON": (json.dumps({"UniqueName": "x"}).encode(), {"Content-Type": "application/json"}, 20422),
    "untyped": (b"UniqueName=x", {"Content-Type": ""}, 20422),
    "repeated name": (b"UniqueName=a&UniqueName=b", FORM, 20422),
    "huge": (b"UniqueName=" + b"x" * 70_000, FORM, 20422),
    "unknown parameter": (b"UniqueName=x&Colour=red", FORM, 20001),
    "snake_case name": (b"unique_name=x", FORM, 20001),
}


@pytest.mark.parametrize("case", list(MALFORMED))
async def test_malformed_bodies_are_twilio_errors_and_change_nothing(served, case):
    body, headers, code = MALFORMED[case]
    response = await served.client.post("/v1/Services", content=body, headers=headers)
    assert (response.status_code, response.json()["code"]) == (400, code)
    assert served.account.list_services().items == []


async def test_unknown_query_parameters_are_20001(served):
    response = await served.client.get("/v1/Services", params={"Colour": "red"})
    assert (response.status_code, response.json()["code"]) == (400, 20001)
    assert "Colour" in response.json()["message"]


@pytest.mark.parametrize("path", ["/", "/v2/Services", "/v1/Services/", "/v1/Sessions", "/v1/Services/KS1/Nope",
                                  "/2010-04-01/Accounts.json", "/2010-04-01/Accounts/{AC}/Calls.json",
                                  "/2010-04-01/Accounts/{AC}/IncomingPhoneNumbers/Local.json"])
async def test_unknown_paths_are_20404(served, path):
    response = await served.client.get(path.replace("{AC}", served.account.account_sid))
    assert (response.status_code, response.json()["code"]) == (404, 20404)


@pytest.mark.parametrize(("method", "path"), [("PUT", "/v1/Services"), ("PATCH", "/v1/Services/KS1"),
                                              ("DELETE", "/v1/Services"), ("GET", "/sandbox/reset")])
async def test_wrong_methods_are_405(served, method, path):
    response = await served.client.request(method, path)
    assert (response.status_code, response.json()["code"]) == (405, 20004)


async def test_an_unexpected_failure_is_a_twilio_500_without_details(served, monkeypatch, caplog):
    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire at /secret/place")

    monkeypatch.setattr(SandboxAccount, "list_services", explode)
    response = await served.client.get("/v1/Services")
    assert (response.status_code, response.json()["code"]) == (500, 20500)
    assert "secret" not in response.text
    assert "RuntimeError" in caplog.text and "Traceback" not in caplog.text


async def test_a_storage_failure_is_80501_and_nothing_is_acknowledged(served, monkeypatch):
    def refuse(*args, **kwargs):
        raise StoreError("cannot write sandbox file s.json: No space left on device; nothing was changed")

    monkeypatch.setattr(SandboxAccount, "create_service", refuse)
    response = await served.client.post("/v1/Services", data={"UniqueName": "full-disk"})
    assert (response.status_code, response.json()["code"]) == (500, 80501)
    assert "No space left" in response.json()["message"]


# -- the rules through HTTP --------------------------------------------------------------------

async def test_the_pool_rules_answer_through_http(served):
    account = served.account
    full, _ = fill_pool(account, "full", 500)
    other = account.create_service("other")
    spare = account.buy_number("+14155550142")
    pooled = account.list_numbers(full.sid, 1).items[0]

    async def add(service_sid: str, **form: str) -> httpx.Response:
        return await served.client.post(served.pool(service_sid), data=form)

    assert (await add(full.sid, Sid=spare.sid)).json()["code"] == 80622  # 500 unreserved already
    reserved = await add(full.sid, Sid=spare.sid, IsReserved="true")
    assert reserved.status_code == 201 and reserved.json()["is_reserved"] is True
    assert (await add(other.sid, Sid=pooled.sid)).json()["code"] == 80101
    assert (await add(full.sid, PhoneNumber=pooled.phone_number)).json()["code"] == 80104
    assert (await add(other.sid, Sid=spare.sid, PhoneNumber=spare.phone_number)).json()["code"] == 80701
    # unreserving the spare would make 501 unreserved
    unreserve = await served.client.post(f"{served.pool(full.sid)}/{spare.sid}", data={"IsReserved": "false"})
    assert unreserve.json()["code"] == 80622
    assert account.get_number(full.sid, spare.sid).is_reserved is True
    assert (await served.client.delete(f"{served.pool(full.sid)}/{spare.sid}")).status_code == 204
    assert account.pool_stats(full.sid).reserved == 0


async def test_an_update_without_is_reserved_changes_nothing(served):
    service, bought = fill_pool(served.account, "svc", 1)
    response = await served.client.post(f"{served.pool(service.sid)}/{bought[0].sid}")
    assert response.status_code == 200 and response.json()["is_reserved"] is False


async def test_deleting_a_service_releases_its_numbers_but_keeps_them_owned(served):
    service, bought = fill_pool(served.account, "going", 3)
    assert (await served.client.delete(f"/v1/Services/{service.sid}")).status_code == 204
    assert (await served.client.get(f"/v1/Services/{service.sid}")).status_code == 404
    fetched = await served.client.get(served.numbers(f"/{bought[0].sid}.json"))
    assert fetched.json()["phone_number"] == bought[0].phone_number
    assert (await served.client.delete(served.numbers(f"/{bought[0].sid}.json"))).status_code == 204


# -- IncomingPhoneNumbers: provisioning and release ---------------------------------------------

async def test_provisioning_numbers(served):
    given = await served.client.post(served.numbers(), data={"PhoneNumber": "+442071838750", "FriendlyName": "UK"})
    assert given.status_code == 201
    assert (given.json()["phone_number"], given.json()["friendly_name"]) == ("+442071838750", "UK")
    in_area = await served.client.post(served.numbers(), data={"AreaCode": "646"})
    assert in_area.json()["phone_number"].startswith("+1646")
    anything = await served.client.post(served.numbers())
    assert anything.status_code == 201
    owned = {n.phone_number for n in served.account.list_account_numbers().items}
    assert owned == {given.json()["phone_number"], in_area.json()["phone_number"], anything.json()["phone_number"]}

    again = await served.client.post(served.numbers(), data={"PhoneNumber": "+442071838750"})
    assert (again.status_code, again.json()["code"]) == (400, 21422)
    unkept = await served.client.post(served.numbers(), data={"AreaCode": "415", "VoiceUrl": "https://x.test"})
    assert unkept.json()["code"] == 20422 and "VoiceUrl" in unkept.json()["message"]
    filtered = await served.client.get(served.numbers(), params={"PhoneNumber": "+1646"})
    assert filtered.json()["code"] == 20422
    named = (await served.client.get(served.numbers(), params={"FriendlyName": "UK"})).json()
    assert [n["sid"] for n in named["incoming_phone_numbers"]] == [given.json()["sid"]]
    assert "FriendlyName=UK" in named["uri"]
    assert len(served.account.list_account_numbers().items) == 3


async def test_incoming_numbers_filter_by_one_exact_phone_number(served):
    given = (await served.client.post(served.numbers(), data={"PhoneNumber": "+442071838750"})).json()
    await served.client.post(served.numbers(), data={"AreaCode": "646"})
    found = (await served.client.get(served.numbers(), params={"PhoneNumber": "+44 20 7183 8750"})).json()
    assert [n["sid"] for n in found["incoming_phone_numbers"]] == [given["sid"]]
    assert "PhoneNumber=%2B442071838750" in found["first_page_uri"] and found["next_page_uri"] is None
    absent = (await served.client.get(served.numbers(), params={"PhoneNumber": "+14155550199"})).json()
    assert absent["incoming_phone_numbers"] == []
    wildcard = await served.client.get(served.numbers(), params={"PhoneNumber": "+1646*******"})
    assert (wildcard.status_code, wildcard.json()["code"]) == (400, 20422)
    assert "whole E.164" in wildcard.json()["message"]


async def test_a_number_in_a_pool_cannot_be_released(served):
    service, bought = fill_pool(served.account, "svc", 1)
    refused = await served.client.delete(served.numbers(f"/{bought[0].sid}.json"))
    assert (refused.status_code, refused.json()["code"]) == (400, 21422)
    assert service.sid in refused.json()["message"]
    assert served.account.get_account_number(bought[0].sid).service_sid == service.sid
    assert (await served.client.delete(f"{served.pool(service.sid)}/{bought[0].sid}")).status_code == 204
    assert (await served.client.delete(served.numbers(f"/{bought[0].sid}.json"))).status_code == 204
    assert (await served.client.get(served.numbers(f"/{bought[0].sid}.json"))).status_code == 404


# -- paging ------------------------------------------------------------------------------------

async def follow(client: httpx.AsyncClient, url: str, key: str, next_key) -> list[dict]:
    items: list[dict] = []
    while url:
        body = (await client.get(url)).json()
        items += body[key]
        url = next_key(body)
    return items


async def test_proxy_pages_carry_twilio_s_meta_and_reach_every_number_once(served):
    service, bought = fill_pool(served.account, "paged", 230)
    first = (await served.client.get(served.pool(service.sid), params={"PageSize": 100})).json()
    meta = first["meta"]
    base = f"http://sandbox.test/v1/Services/{service.sid}/PhoneNumbers"
    assert meta["key"] == "phone_numbers" and meta["page"] == 0 and meta["page_size"] == 100
    assert meta["first_page_url"] == meta["url"] == f"{base}?PageSize=100&Page=0"
    assert meta["previous_page_url"] is None
    assert meta["next_page_url"].startswith(f"{base}?PageSize=100&Page=1&PageToken=PA")
    second = (await served.client.get(meta["next_page_url"])).json()
    assert second["meta"]["page"] == 1 and second["meta"]["url"] == meta["next_page_url"]
    back = (await served.client.get(second["meta"]["previous_page_url"])).json()
    assert [n["sid"] for n in back["phone_numbers"]] == [n["sid"] for n in first["phone_numbers"]]

    seen = await follow(served.client, f"{served.pool(service.sid)}?PageSize=7", "phone_numbers",
                        lambda body: body["meta"]["next_page_url"])
    assert sorted(n["sid"] for n in seen) == sorted(n.sid for n in bought)


async def test_the_2010_api_pages_with_its_own_keys(served):
    bought = served.account.buy_numbers([{"phone_number": n} for n in scale_numbers(45, 3)])
    first = (await served.client.get(served.numbers(), params={"PageSize": 20})).json()
    path = served.numbers()
    assert set(first) == {"first_page_uri", "end", "next_page_uri", "page", "page_size", "previous_page_uri",
                          "start", "uri", "incoming_phone_numbers"}
    assert (first["start"], first["end"], first["page"], first["page_size"]) == (0, 19, 0, 20)
    assert first["uri"] == first["first_page_uri"] == f"{path}?PageSize=20&Page=0"
    assert first["next_page_uri"].startswith(f"{path}?PageSize=20&Page=1&PageToken=PA")
    last = (await served.client.get(
        (await served.client.get(first["next_page_uri"])).json()["next_page_uri"])).json()
    assert (last["start"], last["end"], last["page"], last["next_page_uri"]) == (40, 44, 2, None)
    seen = await follow(served.client, f"{path}?PageSize=20", "incoming_phone_numbers",
                        lambda body: body["next_page_uri"])
    assert sorted(n["sid"] for n in seen) == sorted(n.sid for n in bought)


@pytest.mark.parametrize(("size", "status", "code"), [("0", 400, 20422), ("ten", 400, 20422),
                                                      ("1001", 400, 20007)])
async def test_bad_page_sizes(served, size, status, code):
    response = await served.client.get("/v1/Services", params={"PageSize": size})
    assert (response.status_code, response.json()["code"]) == (status, code)


async def test_links_use_the_public_url_when_given(tmp_path):
    backend = SandboxBackend(build_sandbox(tmp_path / "s.json", kind="empty"))
    async for s in serve(backend, public_url="https://sandbox.example.com/"):
        service, _ = fill_pool(s.account, "svc", 3)
        body = (await s.client.get(s.pool(service.sid), params={"PageSize": 2})).json()
        assert body["meta"]["next_page_url"].startswith(f"https://sandbox.example.com/v1/Services/{service.sid}/")
        assert body["phone_numbers"][0]["url"].startswith("https://sandbox.example.com/v1/Services/")
        fetched = (await s.client.get(f"/v1/Services/{service.sid}")).json()
        assert fetched["links"]["phone_numbers"] == f"https://sandbox.example.com/v1/Services/{service.sid}/PhoneNumbers"


async def test_links_follow_each_request_s_own_host(served, monkeypatch):
    """The base URL is remembered per Host (app.Endpoints.base_of): one host's links never reach another's,
    also past the few it remembers."""
    from sandbox.server import app

    monkeypatch.setattr(app, "MAX_BASES", 2)
    service = served.account.create_service("svc")
    for host in ["one.test", "two.test:8080", "three.test", "one.test", "four.test", "two.test:8080"]:
        body = (await served.client.get(f"/v1/Services/{service.sid}", headers={"Host": host})).json()
        assert body["url"] == f"http://{host}/v1/Services/{service.sid}"
        page = (await served.client.get("/v1/Services", params={"PageSize": 1}, headers={"Host": host})).json()
        assert page["meta"]["first_page_url"] == f"http://{host}/v1/Services?PageSize=1&Page=0"


# -- reset ---------------------------------------------------------------------------------------

async def test_reset_restores_the_seeded_demo_and_keeps_the_credentials(tmp_path):
    path = tmp_path / "demo.json"
    backend = SandboxBackend(build_sandbox(path, kind="demo"))
    async for s in serve(backend):
        before = (await s.client.get("/v1/Services")).json()["services"]
        made = await s.client.post("/v1/Services", data={"UniqueName": "scratch"})
        gone = before[0]["sid"]
        assert (await s.client.delete(f"/v1/Services/{gone}")).status_code == 204

        reset = await s.client.post("/sandbox/reset")
        assert reset.status_code == 200 and reset.json()["origin"]["kind"] == "demo"
        after = (await s.client.get("/v1/Services")).json()["services"]  # same credentials still work
        assert [x["sid"] for x in after] == [x["sid"] for x in before]
        assert made.json()["sid"] not in {x["sid"] for x in after}
        with pytest.raises(SandboxInUse):  # the server still holds the sandbox
            SandboxAccount.open(path)
    reopened = SandboxAccount.open(path)  # and released it on close
    assert [x.sid for x in reopened.list_services().items] == [x["sid"] for x in before]
    reopened.close()


async def test_reset_needs_the_credentials(served):
    served.account.create_service("keep-me")
    response = await served.client.post("/sandbox/reset", auth=(served.account.account_sid, "nope"))
    assert (response.status_code, response.json()["code"]) == (401, 20003)
    assert [x.unique_name for x in served.account.list_services().items] == ["keep-me"]


# -- `proxy-pool sandbox serve` ----------------------------------------------------------------

def serve_args(path: Path, port: int = 0) -> argparse.Namespace:
    return argparse.Namespace(sandbox_command="serve", path=str(path), host="127.0.0.1", port=port, public_url=None)


def test_serve_refuses_a_missing_a_corrupt_and_a_locked_file(tmp_path, capsys):
    missing = tmp_path / "missing.json"
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text("{not json")
    locked = tmp_path / "locked.json"
    holder = build_sandbox(locked, kind="empty")
    try:
        for path, words in ((missing, "no sandbox"), (corrupt, "corrupt"), (locked, "in use")):
            assert commands.run(serve_args(path)) == 1
            out, err = capsys.readouterr()
            assert out == ""
            assert err.count("\n") == 1 and err.startswith("proxy-pool: error: ") and words in err, err
    finally:
        holder.close()


def test_serve_refuses_a_busy_port_and_releases_the_sandbox(tmp_path, capsys):
    import socket

    path = tmp_path / "s.json"
    build_sandbox(path, kind="empty").close()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        assert commands.run(serve_args(path, busy.getsockname()[1])) == 1
    err = capsys.readouterr().err
    assert err.startswith("proxy-pool: error: cannot listen on 127.0.0.1:") and err.count("\n") == 1
    SandboxAccount.open(path).close()  # not left locked


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_real_server_process_with_curl_and_httpx(tmp_path, stop_signal):
    path = tmp_path / "demo.json"
    build_sandbox(path, kind="demo").close()
    server = server_process.start(path)
    try:
        assert server.base_url.startswith("http://127.0.0.1:")
        with httpx.Client(base_url=server.base_url, auth=server.auth,
                          event_hooks={"response": [lambda r: (r.read(), spec.check_response(r))]}) as client:
            services = client.get("/v1/Services").json()["services"]
            assert len(services) == 3
            made = client.post("/v1/Services", data={"UniqueName": "made-over-http"})
            assert made.status_code == 201
            assert client.get("/v1/Services", auth=(server.account_sid, "wrong")).status_code == 401
        curl = shutil.which("curl")
        if curl:  # the README's curl examples, as a trainee would type them
            listed = subprocess.run([curl, "-s", "-u", f"{server.account_sid}:{server.auth_token}",
                                     f"{server.base_url}/v1/Services?PageSize=1"],
                                    capture_output=True, text=True, timeout=30, check=True)
            assert json.loads(listed.stdout)["meta"]["page_size"] == 1
            created = subprocess.run([curl, "-s", "-u", f"{server.account_sid}:{server.auth_token}",
                                      f"{server.base_url}/v1/Services", "-d", "UniqueName=made-by-curl"],
                                     capture_output=True, text=True, timeout=30, check=True)
            assert json.loads(created.stdout)["unique_name"] == "made-by-curl"
        assert server.stop(stop_signal) == 0
    finally:
        if server.proc.poll() is None:
            server.stop(signal.SIGKILL)
    stdout = server.stdout.read_text().splitlines()
    base = server.base_url
    # a script reads these: the credentials and each Twilio domain's base, one NAME=value line each
    assert stdout[1:] == [f"TWILIO_ACCOUNT_SID={server.account_sid}", f"TWILIO_AUTH_TOKEN={server.auth_token}",
                          f"TWILIO_PROXY_BASE_URL={base}", f"TWILIO_API_BASE_URL={base}",
                          f"TWILIO_MESSAGING_BASE_URL={base}/messaging"]
    assert server.account_sid.startswith("AC")
    assert server.auth_token not in server.stderr.read_text()  # the token is printed once, on stdout
    reopened = SandboxAccount.open(path)  # the lock was released, and what was acknowledged is there
    names = {s.unique_name for s in reopened.list_services().items}
    reopened.close()
    assert "made-over-http" in names and ("made-by-curl" in names or not shutil.which("curl"))



def test_a_stop_while_the_server_starts_is_a_clean_stop(tmp_path, monkeypatch, capsys):
    # Ctrl+C arriving after the socket is bound and before uvicorn serves (here: at the bind)
    # is not an "interrupted" error but the stop the user asked for: exit 0, the sandbox released
    path = tmp_path / "s.json"
    build_sandbox(path, kind="empty").close()
    bind = commands.listen

    def bind_then_interrupt(host, port):
        sock = bind(host, port)
        os.kill(os.getpid(), signal.SIGINT)
        return sock

    monkeypatch.setattr(commands, "listen", bind_then_interrupt)
    assert commands.run(serve_args(path)) == 0
    out, err = capsys.readouterr()
    assert "interrupted" not in err and "Traceback" not in err
    assert "Press Ctrl+C to stop." in err and "Finished server process" in err  # served, then shut down
    SandboxAccount.open(path).close()  # not left locked


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_server_stopped_as_soon_as_it_printed_its_url_stops_cleanly(tmp_path, stop_signal):
    # a script that starts a server, reads its lines and stops it at once
    path = tmp_path / "s.json"
    build_sandbox(path, kind="empty").close()
    server = server_process.start(path)
    assert server.stop(stop_signal) == 0, server.output()
    assert "Traceback" not in server.output()
    SandboxAccount.open(path).close()  # not left locked
