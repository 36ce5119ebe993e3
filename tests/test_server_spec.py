"""The sandbox server's responses against Twilio's own OpenAPI descriptions.

Every response these tests provoke goes through `check_response`: a success is validated
with openapi-core against tests/reference/twilio_proxy_v1.json (or the IncomingPhoneNumbers
description beside it), status code included; a failure must be exactly Twilio's error body
with a code from Twilio's catalogue. The other server test modules use the same checker.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import httpx
import jsonschema
import pytest

from sandbox import scenarios
from sandbox.backend import SandboxBackend
from sandbox.build import build_sandbox
from sandbox.server.app import create_app
from tests.spec_check import check_response, validate_hook
from tui.core import wire


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory) -> Path:
    """The demo sandbox, built once per module (copying it is faster than building it)."""
    path = tmp_path_factory.mktemp("demo") / "demo.json"
    build_sandbox(path, kind="demo").close()
    return path


def copy_sandbox(template: Path, folder: Path) -> Path:
    path = folder / template.name
    shutil.copy(template, path)
    shutil.copytree(f"{template}.d", f"{path}.d")
    return path


@pytest.fixture
async def served(demo_template, tmp_path) -> AsyncIterator[tuple[httpx.AsyncClient, SandboxBackend]]:
    """The demo sandbox served in-process; every response checked against the spec."""
    backend = SandboxBackend(copy_sandbox(demo_template, tmp_path))
    auth = (backend.account_sid, backend.account.meta["auth_token"])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(create_app(backend)), base_url="http://sandbox.test",
                                 auth=auth, event_hooks={"response": [validate_hook]}) as client:
        yield client, backend
    backend.close()


def numbers_path(backend: SandboxBackend, suffix: str = ".json") -> str:
    return f"/2010-04-01/Accounts/{backend.account_sid}/IncomingPhoneNumbers{suffix}"


async def test_every_served_operation_answers_as_the_spec_says(served):
    client, backend = served
    listed = await client.get("/v1/Services", params={"PageSize": 2})
    assert listed.status_code == 200
    following = await client.get(listed.json()["meta"]["next_page_url"])
    assert following.status_code == 200 and following.json()["meta"]["previous_page_url"]
    assert (await client.get(following.json()["meta"]["previous_page_url"])).status_code == 200

    made = await client.post("/v1/Services", data={
        "UniqueName": "spec-check", "DefaultTtl": "600", "CallbackUrl": "https://example.com/cb",
        "GeoMatchLevel": "area-code", "NumberSelectionBehavior": "avoid-sticky",
        "InterceptCallbackUrl": "https://example.com/i", "OutOfSessionCallbackUrl": "https://example.com/o",
        "ChatInstanceSid": "IS" + "a" * 32,
    })
    assert made.status_code == 201
    service = made.json()["sid"]
    assert (await client.get(f"/v1/Services/{service}")).status_code == 200
    assert (await client.post(f"/v1/Services/{service}", data={"DefaultTtl": "60"})).status_code == 200

    bought = await client.post(numbers_path(backend), data={"AreaCode": "646", "FriendlyName": "spec"})
    assert bought.status_code == 201
    generated = await client.post(numbers_path(backend))
    assert generated.status_code == 201
    assert (await client.get(numbers_path(backend, f"/{bought.json()['sid']}.json"))).status_code == 200
    owned = await client.get(numbers_path(backend), params={"PageSize": 20})
    assert owned.status_code == 200 and owned.json()["next_page_uri"]
    assert (await client.get(owned.json()["next_page_uri"])).status_code == 200

    pool = f"/v1/Services/{service}/PhoneNumbers"
    added = await client.post(pool, data={"Sid": bought.json()["sid"], "IsReserved": "true"})
    assert added.status_code == 201
    by_number = await client.post(pool, data={"PhoneNumber": generated.json()["phone_number"]})
    assert by_number.status_code == 201
    number = f"{pool}/{added.json()['sid']}"
    assert (await client.get(number)).status_code == 200
    assert (await client.post(number, data={"IsReserved": "false"})).status_code == 200
    assert (await client.get(pool, params={"PageSize": 1})).status_code == 200
    demo_service = listed.json()["services"][0]["sid"]
    assert (await client.get(f"/v1/Services/{demo_service}/PhoneNumbers")).status_code == 200

    assert (await client.delete(number)).status_code == 204
    assert (await client.delete(numbers_path(backend, f"/{bought.json()['sid']}.json"))).status_code == 204
    assert (await client.delete(f"/v1/Services/{service}")).status_code == 204
    assert (await client.post("/sandbox/reset")).status_code == 200


FAILURES = [
    # (method, path template, form, expected status, expected code)
    ("GET", "/v1/Services/KS" + "0" * 32, None, 404, 20404),
    ("GET", "/v1/Nothing", None, 404, 20404),
    ("PUT", "/v1/Services", None, 405, 20004),
    ("POST", "/v1/Services", {"DefaultTtl": "60"}, 400, 80701),
    ("POST", "/v1/Services", {"UniqueName": "x", "Colour": "red"}, 400, 20001),
    ("POST", "/v1/Services", {"UniqueName": "x", "GeoMatchLevel": "planet"}, 400, 80701),
    ("POST", "/v1/Services", {"UniqueName": "ridealong-rider-driver"}, 400, 80602),
    ("GET", "/v1/Services?PageSize=1001", None, 400, 20007),
    ("GET", "/v1/Services?PageSize=2&Page=1&PageToken=nonsense", None, 400, 20422),
    ("POST", "{pool}", {}, 400, 80701),
    ("POST", "{pool}", {"Sid": "PN123"}, 400, 80407),
    ("POST", "{pool}", {"PhoneNumber": "555-0100"}, 400, 21421),
    ("POST", "{pool}", {"Sid": "PN" + "0" * 32}, 404, 80301),
    ("POST", "{pool}", {"PhoneNumber": "+14155550100"}, 400, 21422),
    ("POST", "{pool}", {"Sid": "{pooled}"}, 400, 80104),
    ("POST", "{pool}/{pooled}", {"IsReserved": "maybe"}, 400, 80701),
    ("GET", "{pool}/PN" + "0" * 32, None, 404, 20404),
    ("DELETE", "{numbers}/{pooled}.json", None, 400, 21422),
    ("POST", "{numbers}.json", {"PhoneNumber": "+1415"}, 400, 21421),
    ("POST", "{numbers}.json", {"AreaCode": "99"}, 400, 21452),
    ("GET", "/2010-04-01/Accounts/AC" + "0" * 32 + "/IncomingPhoneNumbers.json", None, 401, 20003),
]


@pytest.mark.parametrize(("method", "template", "form", "status", "code"), FAILURES,
                         ids=[f"{f[0]}-{f[4]}-{i}" for i, f in enumerate(FAILURES)])
async def test_every_failure_is_twilio_s_error_body(served, method, template, form, status, code):
    client, backend = served
    service = backend.account.list_services(50).items[0]
    pooled = backend.account.list_numbers(service.sid, 1).items[0].sid

    def fill(text: str) -> str:
        return (text.replace("{pool}", f"/v1/Services/{service.sid}/PhoneNumbers")
                .replace("{numbers}", numbers_path(backend, "")).replace("{pooled}", pooled))

    data = {k: fill(v) for k, v in form.items()} if form is not None else None
    response = await client.request(method, fill(template), data=data)
    body = response.json()
    assert (response.status_code, body["code"]) == (status, code), body


async def test_the_checker_refuses_a_response_the_spec_forbids(served):
    """The validation is not vacuous: a wrong field type, a wrong status, a non-Twilio error all fail."""
    client, backend = served
    good = await client.get(f"/v1/Services/{backend.account.list_services(1).items[0].sid}")
    bad_body = httpx.Response(200, json={**good.json(), "default_ttl": "soon"}, request=good.request)
    with pytest.raises(Exception, match="default_ttl|soon|not valid"):
        check_response(bad_body)
    with pytest.raises(Exception):  # noqa: B017 - openapi-core's "unknown status" error
        check_response(httpx.Response(202, json=good.json(), request=good.request))
    with pytest.raises(AssertionError):
        check_response(httpx.Response(404, text="Not Found", request=good.request))
    with pytest.raises(jsonschema.ValidationError):
        check_response(httpx.Response(404, json={"detail": "Not Found"}, request=good.request))



# -- Sessions and Participants --------------------------------------------------------------------

US_NUMBERS = ("+19072000001", "+19072000002", "+19072000003")  # Alaska: no demo number is there
CALLER, DRIVER, THIRD = "+19072001001", "+19072001002", "+19072001003"


def session_pool(backend: SandboxBackend) -> tuple[str, list[str]]:
    """Arrange: a Service whose pool holds three fresh US numbers (all unreserved)."""
    account = backend.account
    service = account.create_service("spec-sessions")
    bought = account.buy_numbers([{"phone_number": n} for n in US_NUMBERS])
    account.add_numbers_bulk(service.sid, [(n.sid, False) for n in bought])
    return service.sid, [n.sid for n in bought]


async def test_sessions_and_participants_answer_as_the_spec_says(served):
    client, backend = served
    service, numbers = session_pool(backend)
    sessions = f"/v1/Services/{service}/Sessions"
    # Participants as twilio-python sends them: the field repeated, one JSON object each
    made = await client.post(sessions, data={
        "UniqueName": "Ride #42/a", "Ttl": "600", "Mode": "voice-and-message", "Status": "open",
        "Participants": [json.dumps({"Identifier": CALLER, "FriendlyName": "rider"}),
                         json.dumps({"Identifier": DRIVER, "ProxyIdentifierSid": numbers[2]})],
    })
    assert made.status_code == 201, made.json()
    session = made.json()
    assert (session["unique_name"], session["ttl"], session["status"]) == ("Ride #42/a", 600, "open")
    assert session["url"] == f"http://sandbox.test{sessions}/{session['sid']}"
    members = f"{sessions}/{session['sid']}/Participants"
    listed = (await client.get(members)).json()
    assert {p["identifier"]: p["proxy_identifier_sid"] for p in listed["participants"]}[DRIVER] == numbers[2]
    assert listed["meta"]["key"] == "participants"
    assert backend.account.get_number(service, numbers[2]).in_use == 1

    by_name = await client.get(f"{sessions}/{quote('Ride #42/a', safe='')}")
    assert by_name.status_code == 200 and by_name.json()["sid"] == session["sid"]
    later = await client.post(sessions, data={"DateExpiry": "2999-01-01T00:00:00Z", "Mode": "message-only"})
    assert later.status_code == 201 and later.json()["date_expiry"] == "2999-01-01T00:00:00Z"
    first = await client.get(sessions, params={"PageSize": 1})
    assert [s["sid"] for s in first.json()["sessions"]] == [session["sid"]]
    second = await client.get(first.json()["meta"]["next_page_url"])
    assert [s["sid"] for s in second.json()["sessions"]] == [later.json()["sid"]]

    one = f"{sessions}/{session['sid']}"
    assert (await client.post(one, data={"Ttl": "60"})).json()["ttl"] == 60
    closed = await client.post(one, data={"Status": "closed"})
    assert closed.status_code == 200 and closed.json()["date_ended"]
    assert backend.account.get_number(service, numbers[2]).in_use == 0
    assert (await client.post(one, data={"Status": "in-progress"})).json()["status"] == "in-progress"

    other = f"{sessions}/{later.json()['sid']}/Participants"
    added = await client.post(other, data={"Identifier": THIRD, "FriendlyName": "third"})
    assert added.status_code == 201 and added.json()["proxy_identifier"] in US_NUMBERS
    member = f"{other}/{added.json()['sid']}"
    assert (await client.get(member)).json()["friendly_name"] == "third"
    gone = await client.delete(member)
    assert (gone.status_code, gone.content) == (200, b"")  # the spec's DeleteParticipant: 200, no body
    kept = await client.get(member)  # a soft delete: it stays with its session, date_deleted set
    assert kept.status_code == 200 and kept.json()["date_deleted"]
    assert (await client.delete(one)).status_code == 204
    assert [s.sid for s in backend.account.list_sessions(service).items] == [later.json()["sid"]]
    assert all(backend.account.get_number(service, n).in_use == 0 for n in numbers)


SESSION_FAILURES = [
    # (method, path under the Service's Sessions, form, expected status, expected code)
    ("GET", "/KC" + "0" * 32, None, 404, 20404),
    ("GET", "/no-such-name", None, 404, 80308),
    ("POST", "", {"UniqueName": "taken"}, 400, 80603),
    ("POST", "", {"Mode": "fax-only"}, 400, 80701),
    ("POST", "", {"Status": "closed"}, 400, 80608),
    ("POST", "", {"Ttl": "-5"}, 400, 80701),
    ("POST", "", {"Colour": "red"}, 400, 20001),
    ("POST", "", {"DateExpiry": "next week"}, 400, 20422),
    ("POST", "", {"DateExpiry": "2001-01-01T00:00:00Z"}, 400, 20422),
    ("POST", "", {"Participants": "not json"}, 400, 80701),
    ("POST", "", {"Participants": [json.dumps({"Identifier": CALLER})] * 2}, 400, 80103),
    ("POST", "", {"Participants": [json.dumps({"Identifier": n}) for n in (CALLER, DRIVER, THIRD)]}, 400, 80609),
    ("POST", "", {"Participants": json.dumps({"Identifier": "+442071838750"})}, 400, 80203),
    ("POST", "/{open}", {"Status": "open"}, 400, 80608),
    ("POST", "/{open}", {"Slot": "3"}, 400, 20001),
    ("DELETE", "/KC" + "0" * 32, None, 404, 20404),
    ("POST", "/{open}/Participants", {}, 400, 80701),
    ("POST", "/{open}/Participants", {"Identifier": "call me"}, 400, 80404),
    ("POST", "/{open}/Participants", {"Identifier": CALLER}, 400, 80103),
    ("POST", "/{open}/Participants", {"Identifier": DRIVER, "ProxyIdentifierSid": "PN" + "0" * 32}, 400, 80605),
    ("POST", "/{open}/Participants", {"Identifier": DRIVER, "Colour": "red"}, 400, 20001),
    ("POST", "/{closed}/Participants", {"Identifier": DRIVER}, 400, 80607),
    ("GET", "/{open}/Participants/KP" + "0" * 32, None, 404, 20404),
    ("DELETE", "/{open}/Participants/KP" + "0" * 32, None, 404, 20404),
    ("PUT", "/{open}/Participants", None, 405, 20004),
]


@pytest.mark.parametrize(("method", "template", "form", "status", "code"), SESSION_FAILURES,
                         ids=[f"{f[0]}-{f[4]}-{i}" for i, f in enumerate(SESSION_FAILURES)])
async def test_every_session_failure_is_twilio_s_error_body_and_changes_nothing(
        served, method, template, form, status, code):
    client, backend = served
    account = backend.account
    service, _ = session_pool(backend)
    opened = account.create_session(service, unique_name="taken", participants=[{"identifier": CALLER}])
    closed = account.update_session(service, account.create_session(service).sid, status="closed")
    before = [(wire.render(s), [wire.render(p) for p in account.list_participants(service, s.sid).items])
              for s in account.list_sessions(service).items]
    path = f"/v1/Services/{service}/Sessions" + template.replace("{open}", opened.sid).replace("{closed}", closed.sid)
    response = await client.request(method, path, data=form)
    body = response.json()
    assert (response.status_code, body["code"]) == (status, code), body
    after = [(wire.render(s), [wire.render(p) for p in account.list_participants(service, s.sid).items])
             for s in account.list_sessions(service).items]
    assert after == before


# -- Interactions and Messaging v1 ----------------------------------------------------------------------

async def test_interactions_answer_as_the_spec_says(served):
    client, backend = served
    service, _ = session_pool(backend)
    sessions = f"/v1/Services/{service}/Sessions"
    made = (await client.post(sessions, data={"Participants": [json.dumps({"Identifier": CALLER}),
                                                                json.dumps({"Identifier": DRIVER})]})).json()
    members = (await client.get(f"{sessions}/{made['sid']}/Participants")).json()["participants"]
    kp = members[1]["sid"]
    messages = f"{sessions}/{made['sid']}/Participants/{kp}/MessageInteractions"
    sent = await client.post(messages, data={"Body": "Your driver is 2 minutes away"})
    assert sent.status_code == 200  # the spec's CreateMessageInteraction: 200
    body = sent.json()
    assert (body["participant_sid"], body["outbound_participant_sid"], body["type"]) == (kp, kp, "message")
    assert json.loads(body["data"]) == {"body": "Your driver is 2 minutes away"}
    second = (await client.post(messages, data={"Body": "Here"})).json()
    page = (await client.get(messages, params={"PageSize": 1})).json()
    assert [i["sid"] for i in page["interactions"]] == [body["sid"]] and page["meta"]["key"] == "interactions"
    assert (await client.get(page["meta"]["next_page_url"])).json()["interactions"][0]["sid"] == second["sid"]
    assert (await client.get(f"{messages}/{body['sid']}")).json()["url"] == f"http://sandbox.test{messages}/{body['sid']}"
    interactions = f"{sessions}/{made['sid']}/Interactions"
    listed = (await client.get(interactions)).json()
    assert [i["sid"] for i in listed["interactions"]] == [body["sid"], second["sid"]]
    assert "participant_sid" not in listed["interactions"][0]  # the session's view has no such field
    assert (await client.get(f"{interactions}/{body['sid']}")).status_code == 200
    assert (await client.get(f"{sessions}/{made['sid']}")).json()["status"] == "in-progress"
    gone = await client.delete(f"{interactions}/{body['sid']}")
    assert (gone.status_code, gone.content) == (204, b"")
    assert (await client.get(f"{messages}/{body['sid']}")).status_code == 404


async def test_messaging_services_answer_as_the_spec_says(served):
    client, backend = served
    listed = await client.get("/messaging/v1/Services", params={"PageSize": 1})
    assert listed.status_code == 200 and listed.json()["meta"]["next_page_url"].startswith(
        "http://sandbox.test/messaging/v1/Services?")
    assert (await client.get(listed.json()["meta"]["next_page_url"])).status_code == 200
    made = await client.post("/messaging/v1/Services", data={
        "FriendlyName": "Pickup alerts", "InboundRequestUrl": "https://example.com/in", "InboundMethod": "GET",
        "FallbackUrl": "https://example.com/fb", "FallbackMethod": "POST", "StatusCallback": "https://example.com/st",
        "StickySender": "false", "MmsConverter": "true", "SmartEncoding": "false", "ScanMessageContent": "enable",
        "FallbackToLongCode": "true", "AreaCodeGeomatch": "false", "ValidityPeriod": "600",
        "SynchronousValidation": "true", "Usecase": "notifications", "UseInboundWebhookOnNumber": "false",
    })
    assert made.status_code == 201
    ms = made.json()
    assert (ms["inbound_method"], ms["validity_period"], ms["sticky_sender"]) == ("GET", 600, False)
    one = f"/messaging/v1/Services/{ms['sid']}"
    assert ms["url"] == f"http://sandbox.test{one}"
    assert (await client.get(one)).json()["friendly_name"] == "Pickup alerts"
    assert (await client.post(one, data={"UseInboundWebhookOnNumber": "true"})).json()["use_inbound_webhook_on_number"]
    pool_number = backend.account.list_numbers(backend.account.services()[2].sid, 1).items[0]
    added = await client.post(f"{one}/PhoneNumbers", data={"PhoneNumberSid": pool_number.sid})
    assert added.status_code == 201 and added.json()["phone_number"] == pool_number.phone_number
    numbers = (await client.get(f"{one}/PhoneNumbers")).json()
    assert [n["sid"] for n in numbers["phone_numbers"]] == [pool_number.sid]
    assert (await client.get(f"{one}/PhoneNumbers/{pool_number.sid}")).json()["service_sid"] == ms["sid"]
    assert (await client.delete(f"{one}/PhoneNumbers/{pool_number.sid}")).status_code == 204
    assert (await client.delete(one)).status_code == 204
    assert (await client.get(one)).status_code == 404


MESSAGING_FAILURES = [
    ("GET", "/messaging/v1/Services/MG" + "0" * 32, None, 404, 20404),
    ("POST", "/messaging/v1/Services", {}, 400, 20422),
    ("POST", "/messaging/v1/Services", {"FriendlyName": "x", "InboundMethod": "PUT"}, 400, 20422),
    ("POST", "/messaging/v1/Services", {"FriendlyName": "x", "Colour": "red"}, 400, 20001),
    ("POST", "{ms}/PhoneNumbers", {"PhoneNumberSid": "{in_other}"}, 400, 21712),
    ("POST", "{ms}/PhoneNumbers", {"PhoneNumberSid": "PN123"}, 400, 21421),
    ("GET", "{ms}/PhoneNumbers/PN" + "0" * 32, None, 404, 20404),
    ("PUT", "/messaging/v1/Services", None, 405, 20004),
    ("DELETE", "/2010-04-01/Accounts/{ac}/IncomingPhoneNumbers/{pooled}.json", None, 400, 21422),
]


@pytest.mark.parametrize(("method", "template", "form", "status", "code"), MESSAGING_FAILURES,
                         ids=[f"{f[0]}-{f[4]}-{i}" for i, f in enumerate(MESSAGING_FAILURES)])
async def test_every_messaging_failure_is_twilio_s_error_body(served, method, template, form, status, code):
    client, backend = served
    account = backend.account
    first, second = account.list_messaging_services().items
    in_other = account.list_messaging_numbers(second.sid).items[0].sid
    pooled = account.list_numbers(account.services()[0].sid, 1).items[0].sid

    def fill(text: str) -> str:
        return (text.replace("{ms}", f"/messaging/v1/Services/{first.sid}").replace("{in_other}", in_other)
                .replace("{ac}", account.account_sid).replace("{pooled}", pooled))

    response = await client.request(method, fill(template), data={k: fill(v) for k, v in (form or {}).items()} or None)
    assert (response.status_code, response.json()["code"]) == (status, code), response.json()


# -- whole sandboxes, listed through every list route -------------------------------------------------------

async def list_everything(client: httpx.AsyncClient, backend: SandboxBackend) -> int:
    """Follow every page of every list the server has for this sandbox; returns how many records came."""
    async def follow(path: str, key: str) -> list[dict]:
        records, url = [], path + ("&" if "?" in path else "?") + "PageSize=100"
        while url:
            body = (await client.get(url)).json()
            records += body[key]
            url = body["meta"]["next_page_url"] if "meta" in body else body["next_page_uri"]
        return records

    count = 0
    for service in await follow("/v1/Services", "services"):
        sid = service["sid"]
        count += 1 + len(await follow(f"/v1/Services/{sid}/PhoneNumbers", "phone_numbers"))
        for session in await follow(f"/v1/Services/{sid}/Sessions", "sessions"):
            base = f"/v1/Services/{sid}/Sessions/{session['sid']}"
            count += 1 + len(await follow(f"{base}/Interactions", "interactions"))
            for member in await follow(f"{base}/Participants", "participants"):
                count += 1 + len(await follow(f"{base}/Participants/{member['sid']}/MessageInteractions",
                                              "interactions"))
    for ms in await follow("/messaging/v1/Services", "services"):
        count += 1 + len(await follow(f"/messaging/v1/Services/{ms['sid']}/PhoneNumbers", "phone_numbers"))
    count += len(await follow(numbers_path(backend), "incoming_phone_numbers"))
    return count


@pytest.mark.parametrize("name", sorted(scenarios.SCENARIOS))
async def test_every_scenario_listed_through_the_server_is_the_spec_s(name, tmp_path):
    """Each training scenario as its trainees meet it: every record through every list route, spec-valid."""
    backend = SandboxBackend(build_sandbox(tmp_path / "s.json", kind="scenario", scenario=name))
    account = backend.account
    auth = (account.account_sid, account.meta["auth_token"])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(create_app(backend)), base_url="http://sandbox.test",
                                 auth=auth, event_hooks={"response": [validate_hook]}) as client:
        count = await list_everything(client, backend)
    backend.close()
    assert count > 10


@pytest.mark.parametrize("kind", ["demo", "scale"])
async def test_a_whole_sandbox_listed_through_the_server_is_the_spec_s(kind, demo_template, tmp_path):
    """Every record of a demo and a (one full pool) scale sandbox, with sessions, participants and
    interactions made by the sandbox's own rules, through every list route: each page spec-valid."""
    if kind == "demo":
        backend = SandboxBackend(copy_sandbox(demo_template, tmp_path))
    else:
        backend = SandboxBackend(build_sandbox(tmp_path / "scale.json", kind="scale", scale=1))
    account = backend.account
    service = account.services()[-1]
    callers = [f"+1907200{i:04d}" for i in range(6)] if kind == "demo" else [f"+1415200{i:04d}" for i in range(6)]
    account.update_service(service.sid, geo_match_level="country")
    for i in range(3):
        made = account.create_session(service.sid, participants=[{"Identifier": callers[2 * i]},
                                                                  {"Identifier": callers[2 * i + 1]}])
        member = account.list_participants(service.sid, made.sid).items[0]
        account.create_message_interaction(service.sid, made.sid, member.sid, body=f"hello {i}")
    account.update_session(service.sid, made.sid, status="closed")
    auth = (account.account_sid, account.meta["auth_token"])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(create_app(backend)), base_url="http://sandbox.test",
                                 auth=auth, event_hooks={"response": [validate_hook]}) as client:
        count = await list_everything(client, backend)
    backend.close()
    assert count > (5500 * 2 if kind == "scale" else 600)
