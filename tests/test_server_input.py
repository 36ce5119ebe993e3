"""The sandbox server against bad input, as an attacker would send it: no 500, ever.

Every parameter is parsed strictly (ASCII digits, bounded lengths, bounded JSON depth); each
failure is Twilio's 400 with a clear message, the request's own text cut short in it, and
nothing changed. Credentials are checked before a body is read; a body over the limit is refused
while it arrives; a client that hangs up mid-body is not an internal error in the log.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import AsyncIterator

import httpx
import pytest

from sandbox.backend import SandboxBackend
from sandbox.build import build_sandbox
from sandbox.server.app import create_app
from sandbox.server.requests import MAX_BODY
from tests import spec_check as spec
from tests.conformance import account_state


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.json"
    build_sandbox(path, kind="demo").close()
    return path


class Target:
    """The demo sandbox served in-process, with real SIDs to aim at."""

    def __init__(self, backend: SandboxBackend, client: httpx.AsyncClient):
        self.backend = backend
        self.client = client
        account = backend.account
        self.auth = (account.account_sid, account.meta["auth_token"])
        service = account.service_named("tradepost-buyer-seller")  # country matching: any US caller
        self.service = service.sid
        self.number = account.list_numbers(service.sid, 1).items[0].sid
        self.session = account.create_session(service.sid, participants=[{"Identifier": "+14155550100"}]).sid
        self.participant = account.list_participants(service.sid, self.session).items[0].sid
        self.messaging = account.list_messaging_services().items[0].sid

    def state(self) -> dict:
        return account_state(self.backend.account)

    def list_paths(self) -> list[str]:
        s, kc, kp, mg = self.service, self.session, self.participant, self.messaging
        ac = self.backend.account.account_sid
        return [
            "/v1/Services", f"/v1/Services/{s}/PhoneNumbers", f"/v1/Services/{s}/Sessions",
            f"/v1/Services/{s}/Sessions/{kc}/Participants", f"/v1/Services/{s}/Sessions/{kc}/Interactions",
            f"/v1/Services/{s}/Sessions/{kc}/Participants/{kp}/MessageInteractions",
            "/messaging/v1/Services", f"/messaging/v1/Services/{mg}/PhoneNumbers",
            f"/2010-04-01/Accounts/{ac}/IncomingPhoneNumbers.json",
        ]


@pytest.fixture
async def target(demo_template, tmp_path) -> AsyncIterator[Target]:
    import shutil

    path = tmp_path / "demo.json"
    shutil.copy(demo_template, path)
    shutil.copytree(f"{demo_template}.d", f"{path}.d")
    backend = SandboxBackend(path)
    auth = (backend.account_sid, backend.account.meta["auth_token"])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(create_app(backend)), base_url="http://sandbox.test",
                                 auth=auth, event_hooks={"response": [spec.validate_hook]}) as client:
        yield Target(backend, client)
    backend.close()


def refused(response: httpx.Response, code: int, status: int = 400) -> str:
    body = response.json()
    assert (response.status_code, body["code"]) == (status, code), body
    assert len(body["message"]) <= 400, "the request's text came back whole"
    return body["message"]


# -- numbers in any list's paging ----------------------------------------------------------------

@pytest.mark.parametrize("page", ["²", "٣", "１", " 1", "+1", "-1", "1e3", "1" * 5000])
async def test_a_page_that_is_not_ascii_digits_is_400_on_every_list(target, page):
    before = target.state()
    for path in target.list_paths():
        message = refused(await target.client.get(path, params={"Page": page, "PageToken": "PA1"}), 20422)
        assert "Page" in message
    assert target.state() == before


@pytest.mark.parametrize("size", ["٣", "１０", " 5", "+5", "5.0", "9" * 5000, "0"])
async def test_a_page_size_that_is_not_ascii_digits_is_400_on_every_list(target, size):
    for path in target.list_paths():
        refused(await target.client.get(path, params={"PageSize": size}), 20422)


@pytest.mark.parametrize("token", ["٣:PA1", "1:PA٣", "1:PX1", "1:PA", ":PA1", "1:PA" + "9" * 5000, "x" * 5000])
async def test_a_page_token_this_server_never_gave_is_400(target, token):
    for path in target.list_paths():
        refused(await target.client.get(path, params={"Page": "1", "PageToken": token}), 20422)


# -- bodies: JSON depth, lengths, numbers --------------------------------------------------------------

async def test_a_participants_item_nested_thousands_deep_is_400(target):
    before = target.state()
    for item in ("[" * 2000 + "]" * 2000, '{"Identifier": ' + "{" * 4000, '{"Identifier": ["+14155550100"]}'):
        response = await target.client.post(f"/v1/Services/{target.service}/Sessions", data={"Participants": item})
        refused(response, 80701)
    assert target.state() == before


@pytest.mark.parametrize(("path", "form", "code"), [
    ("/v1/Services", {"UniqueName": "x", "DefaultTtl": "٣"}, 80701),
    ("/v1/Services", {"UniqueName": "x", "DefaultTtl": "9" * 40}, 80701),
    ("/v1/Services", {"UniqueName": "x" * 4000}, 80701),
    ("/v1/Services", {"UniqueName": "x", "CallbackUrl": "https://x/" + "a" * 4090}, 20422),
    ("{sessions}", {"Ttl": "١٠"}, 80701),
    ("{sessions}", {"Ttl": "99999999999999"}, 80701),
    ("{sessions}", {"DateExpiry": "0001-01-01T00:00:00-23:59"}, 20422),
    ("{sessions}", {"DateExpiry": "9999-12-31T23:59:59Z"}, 20422),
    ("{sessions}", {"DateExpiry": "Tue, 99 Foo 2030 99:99:99 +0000"}, 20422),
    ("{sessions}", {"UniqueName": "\x00" * 300}, 80701),
    ("{numbers}", {"AreaCode": "٤١٥"}, 21452),
    ("{numbers}", {"PhoneNumber": "+1" + "4" * 4000}, 21421),
    ("{numbers}", {"PhoneNumber": "+1" + "4" * 5000}, 20422),
    ("{numbers}", {"PhoneNumber": "+1" + "4" * 40}, 21421),
    ("{numbers}", {"FriendlyName": "x" * 65}, 20422),
    ("{pool}", {"Sid": "PN" + "0" * 4000}, 80407),
    ("{pool}", {"Sid": "PN" + "0" * 5000}, 20422),
    ("{pool}", {"Sid": "PN" + "٣" * 32}, 80407),
    ("{pool}", {"IsReserved": "٣", "Sid": "PN" + "0" * 32}, 80701),
    ("{message}", {"Body": "x", "MediaUrl": "https://example.com/cat.gif"}, 80701),
    ("/messaging/v1/Services", {"FriendlyName": "x", "ValidityPeriod": "٣٦"}, 20422),
    ("/messaging/v1/Services", {"FriendlyName": "x" * 65}, 20422),
    ("{ms_numbers}", {"PhoneNumberSid": "PN" + "x" * 32}, 21421),
    ("{ms_numbers}", {}, 20422),
    ("/v1/Services", {"Unique\u202eName": "x"}, 20001),
    ("/v1/Services", {"U" * 3000: "x"}, 20001),
])
async def test_every_bad_value_is_a_400_naming_it_and_changes_nothing(target, path, form, code):
    ac = target.backend.account.account_sid
    path = (path.replace("{sessions}", f"/v1/Services/{target.service}/Sessions")
            .replace("{numbers}", f"/2010-04-01/Accounts/{ac}/IncomingPhoneNumbers.json")
            .replace("{pool}", f"/v1/Services/{target.service}/PhoneNumbers")
            .replace("{message}", f"/v1/Services/{target.service}/Sessions/{target.session}/Participants/"
                                  f"{target.participant}/MessageInteractions")
            .replace("{ms_numbers}", f"/messaging/v1/Services/{target.messaging}/PhoneNumbers"))
    before = target.state()
    refused(await target.client.post(path, data=form), code)
    assert target.state() == before


async def test_a_path_full_of_garbage_is_a_404_that_does_not_repeat_it_whole(target):
    message = refused(await target.client.get("/v1/Services/" + "%C3%A9" * 3000), 20404, 404)
    assert len(message) < 200


# -- credentials first, the body bounded while it is read ------------------------------------------------

class RawCall:
    """One request straight into the ASGI app, counting how much of the body the server pulled."""

    def __init__(self, chunks: list[bytes], *, disconnect_after: int | None = None):
        self.chunks = chunks
        self.disconnect_after = disconnect_after
        self.pulled = 0
        self.sent: list[dict] = []

    async def receive(self) -> dict:
        if self.disconnect_after is not None and self.pulled >= self.disconnect_after:
            return {"type": "http.disconnect"}
        chunk = self.chunks[self.pulled]
        self.pulled += 1
        return {"type": "http.request", "body": chunk, "more_body": self.pulled < len(self.chunks)}

    async def send(self, message: dict) -> None:
        self.sent.append(message)

    async def run(self, app, path: str, headers: dict[str, str]) -> tuple[int, dict]:
        scope = {"type": "http", "http_version": "1.1", "method": "POST", "scheme": "http", "path": path,
                 "raw_path": path.encode(), "query_string": b"", "root_path": "",
                 "headers": [(k.lower().encode(), v.encode("latin-1")) for k, v in headers.items()],
                 "server": ("sandbox.test", 80), "client": ("127.0.0.1", 5555)}
        await app(scope, self.receive, self.send)
        status = next(m["status"] for m in self.sent if m["type"] == "http.response.start")
        body = b"".join(m.get("body", b"") for m in self.sent if m["type"] == "http.response.body")
        return status, json.loads(body) if body else {}


def basic(sid: str, token: str) -> str:
    return "Basic " + base64.b64encode(f"{sid}:{token}".encode()).decode()


FORM = "application/x-www-form-urlencoded"


async def test_a_stranger_s_body_is_never_read(target):
    app = create_app(target.backend)
    chunks = [b"UniqueName=intruder" + b"x" * 1000] * 50
    for header in (None, basic(target.auth[0], "wrong"), "Basic " + "é" * 10, "Basic !!!"):
        call = RawCall(chunks)
        headers = {"content-type": FORM, **({"authorization": header} if header else {})}
        status, body = await call.run(app, "/v1/Services", headers)
        assert (status, body["code"]) == (401, 20003) and call.pulled == 0


async def test_a_body_over_the_limit_is_refused_while_it_arrives(target):
    app = create_app(target.backend)
    before = target.state()
    chunk = b"UniqueName=" + b"x" * 16_000
    call = RawCall([chunk] * 1000)  # 16 MB, no Content-Length
    status, body = await call.run(app, "/v1/Services", {"authorization": basic(*target.auth), "content-type": FORM})
    assert (status, body["code"]) == (400, 20422) and f"{MAX_BODY:,} bytes" in body["message"]
    assert call.pulled <= MAX_BODY // len(chunk) + 2  # stopped just past the limit, not at the end
    said_too_big = RawCall([b"UniqueName=x"])
    status, body = await said_too_big.run(app, "/v1/Services", {"authorization": basic(*target.auth),
                                                                "content-type": FORM, "content-length": "9999999"})
    assert (status, body["code"]) == (400, 20422) and said_too_big.pulled == 0
    assert target.state() == before


async def test_a_client_hanging_up_mid_body_is_no_internal_error(target, caplog):
    app = create_app(target.backend)
    before = target.state()
    call = RawCall([b"UniqueName=half", b"way"], disconnect_after=1)
    with caplog.at_level(logging.INFO, logger="proxy_pool.sandbox.server"):
        await call.run(app, "/v1/Services", {"authorization": basic(*target.auth), "content-type": FORM})
    assert "internal error" not in caplog.text and "went away" in caplog.text
    assert not any(r.levelno >= logging.WARNING for r in caplog.records)
    assert target.state() == before
