"""LiveBackend over respx: Twilio's wire format from the official spec's examples, errors,
retries, ambiguous creates, paging, hosts, pacing, and secrets kept out of every text."""

from __future__ import annotations

import argparse
import asyncio
import base64
import copy
import json
import logging
from urllib.parse import parse_qs

import httpx
import pytest

from sandbox.account import SandboxAccount
from sandbox.backend import SandboxBackend
from sandbox.server.app import create_app
from tests.reference_files import PROXY_SPEC, reference
from tui import __version__
from tui.core.errors import ProxyError
from tui.live.client import LiveBackend, backend_from_args
from tui.live.credentials import Credentials, CredentialsError
from tui.live.transport import RateLimiter, Resend

SPEC = reference(PROXY_SPEC)

AC = "AC" + "a" * 32          # the spec examples' account
KS = "KS" + "a" * 32
PN = "PN" + "a" * 32
TOKEN = "tok-5e1f0c9a7b3d2468"
BASIC = base64.b64encode(f"{AC}:{TOKEN}".encode()).decode()
PROXY = "https://proxy.twilio.com/v1"
NUMBERS = f"https://api.twilio.com/2010-04-01/Accounts/{AC}/IncomingPhoneNumbers.json"


def example(path: str, method: str, status: str) -> dict:
    examples = SPEC["paths"][path][method]["responses"][status]["content"]["application/json"]["examples"]
    return copy.deepcopy(next(iter(examples.values()))["value"])


def number_json(sid: str = PN, *, is_reserved: bool = False, in_use: int = 0, phone: str = "+14155550100") -> dict:
    body = example("/v1/Services/{ServiceSid}/PhoneNumbers/{Sid}", "get", "200")
    body.update(sid=sid, is_reserved=is_reserved, in_use=in_use, phone_number=phone)
    return body


def twilio_error(code: int, status: int, message: str) -> dict:
    return {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status}


class FakeClock:
    """Time that moves only when someone sleeps: tests never wait."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def backend(clock):
    """A live backend whose waits are fake; pacing off (its own tests turn it on)."""
    live = LiveBackend(Credentials(AC, AC, TOKEN), sleep=clock.sleep, clock=clock.now, rng=lambda: 0.5,
                       rate=1e9)
    yield live
    await live.aclose()


def assert_no_secret(*texts: object) -> None:
    for text in texts:
        for shown in (str(text), repr(text)):
            assert TOKEN not in shown and BASIC not in shown, shown


def assert_clean_error(error: ProxyError) -> None:
    assert_no_secret(error, error.message, error.more_info, *error.args)
    assert "\n" not in str(error)


# -- the wire format ----------------------------------------------------------------------

async def test_lists_services_and_numbers_from_the_spec_examples(backend, respx_mock):
    services = example("/v1/Services", "get", "200")
    services["services"] = [example("/v1/Services", "post", "201")]
    route = respx_mock.get(f"{PROXY}/Services").respond(200, json=services)
    respx_mock.get(f"{PROXY}/Services/{KS}/PhoneNumbers").respond(
        200, json=example("/v1/Services/{ServiceSid}/PhoneNumbers", "get", "200"))

    page = await backend.list_services(page_size=20)
    request = route.calls.last.request
    assert request.url.params["PageSize"] == "20"
    assert request.headers["User-Agent"] == f"proxy-pool/{__version__}"
    assert request.headers["Authorization"] == f"Basic {BASIC}"
    assert [s.unique_name for s in page.items] == ["My Service"]
    assert page.items[0].default_ttl == 3600 and page.next_token is None and page.previous_token is None

    numbers = await backend.list_numbers(KS)
    assert [n.sid for n in numbers.items] == [PN]
    assert numbers.items[0].capabilities.sms and not numbers.items[0].capabilities.voice


async def test_create_and_update_send_pascal_case_forms_with_true_false(backend, respx_mock):
    create = respx_mock.post(f"{PROXY}/Services").respond(201, json=example("/v1/Services", "post", "201"))
    update = respx_mock.post(f"{PROXY}/Services/{KS}").respond(200, json=example("/v1/Services", "post", "201"))
    reserve = respx_mock.post(f"{PROXY}/Services/{KS}/PhoneNumbers/{PN}").respond(
        200, json=example("/v1/Services/{ServiceSid}/PhoneNumbers/{Sid}", "post", "200"))
    add = respx_mock.post(f"{PROXY}/Services/{KS}/PhoneNumbers").respond(
        201, json=example("/v1/Services/{ServiceSid}/PhoneNumbers", "post", "201"))

    service = await backend.create_service("My Service", default_ttl=3600, geo_match_level="area-code",
                                           callback_url=None)
    assert service.sid == KS
    assert parse_qs(create.calls.last.request.content.decode()) == {
        "UniqueName": ["My Service"], "DefaultTtl": ["3600"], "GeoMatchLevel": ["area-code"]}
    assert create.calls.last.request.headers["Content-Type"] == "application/x-www-form-urlencoded"

    await backend.update_service(KS, number_selection_behavior="avoid-sticky", out_of_session_callback_url="https://x")
    assert parse_qs(update.calls.last.request.content.decode()) == {
        "NumberSelectionBehavior": ["avoid-sticky"], "OutOfSessionCallbackUrl": ["https://x"]}

    assert (await backend.set_reserved(KS, PN, True)).is_reserved
    assert reserve.calls.last.request.content == b"IsReserved=true"

    await backend.add_number(KS, phone_number="+14155550100")
    assert parse_qs(add.calls.last.request.content.decode()) == {
        "PhoneNumber": ["+14155550100"], "IsReserved": ["false"]}


async def test_deletes_answer_none_on_204(backend, respx_mock):
    route = respx_mock.delete(f"{PROXY}/Services/{KS}/PhoneNumbers/{PN}").respond(204)
    assert await backend.remove_number(KS, PN) is None
    respx_mock.delete(f"{PROXY}/Services/{KS}").respond(204)
    assert await backend.delete_service(KS) is None
    assert route.call_count == 1


# -- errors -----------------------------------------------------------------------------------

async def test_bad_credentials_are_20003(backend, respx_mock):
    respx_mock.get(f"{PROXY}/Services").respond(401, json=twilio_error(20003, 401, "Authenticate"))
    with pytest.raises(ProxyError) as info:
        await backend.list_services()
    assert (info.value.code, info.value.status, info.value.message) == (20003, 401, "Authenticate")
    assert info.value.more_info == "https://www.twilio.com/docs/errors/20003"
    assert_clean_error(info.value)
    assert respx_mock.calls.call_count == 1  # never retried


async def test_unknown_resource_is_20404(backend, respx_mock):
    respx_mock.get(f"{PROXY}/Services/{KS}").respond(
        404, json=twilio_error(20404, 404, f"The requested resource /Services/{KS} was not found"))
    with pytest.raises(ProxyError) as info:
        await backend.get_service(KS)
    assert (info.value.code, info.value.status) == (20404, 404)
    assert KS in info.value.message
    assert_clean_error(info.value)


async def test_a_pool_rule_error_comes_through_as_sent(backend, respx_mock):
    respx_mock.post(f"{PROXY}/Services/{KS}/PhoneNumbers").respond(
        400, json=twilio_error(80104, 400, "Phone Number Already In Service"))
    with pytest.raises(ProxyError) as info:
        await backend.add_number(KS, sid=PN)
    assert (info.value.code, info.value.status) == (80104, 400)
    assert respx_mock.calls.call_count == 1


@pytest.mark.parametrize("status, body, content_type, code", [
    (200, b"<html>maintenance</html>", "text/html", 20500),
    (502, b"<html>Bad Gateway</html>", "text/html", 20500),
    (503, b"", "text/plain", 20503),
    (401, b"Unauthorized", "text/plain", 20003),
    (500, b'{"code": "not-a-number", "status": 500}', "application/json", 20500),
])
async def test_a_body_that_is_not_twilios_json_is_a_clear_error(backend, respx_mock, status, body, content_type,
                                                               code):
    respx_mock.get(f"{PROXY}/Services/{KS}").respond(status, content=body, headers={"Content-Type": content_type})
    with pytest.raises(ProxyError) as info:
        await backend.get_service(KS)
    assert info.value.code == code
    assert "proxy.twilio.com" in info.value.message
    assert_clean_error(info.value)


@pytest.mark.parametrize("body", [{"unexpected": True}, [1, 2], {"meta": {"key": "services"}}])
async def test_json_of_the_wrong_shape_is_a_clear_error(backend, respx_mock, body):
    respx_mock.get(f"{PROXY}/Services").respond(200, json=body)
    with pytest.raises(ProxyError) as info:
        await backend.list_services()
    assert info.value.code == 20500 and "not the resource expected" in info.value.message


async def test_a_server_that_echoes_the_secret_does_not_put_it_on_screen(backend, respx_mock):
    body = twilio_error(20003, 401, f"bad password {TOKEN} for {AC}")
    body["more_info"] += f"?password={TOKEN}"
    respx_mock.get(f"{PROXY}/Services").respond(401, json=body)
    with pytest.raises(ProxyError) as info:
        await backend.list_services()
    assert "[secret]" in info.value.message
    assert_clean_error(info.value)


# -- retries ---------------------------------------------------------------------------------------

async def test_429_then_success_honours_retry_after(backend, respx_mock, clock):
    route = respx_mock.get(f"{PROXY}/Services/{KS}").mock(side_effect=[
        httpx.Response(429, json=twilio_error(20429, 429, "Too Many Requests"), headers={"Retry-After": "3"}),
        httpx.Response(429, json=twilio_error(20429, 429, "Too Many Requests")),
        httpx.Response(200, json=example("/v1/Services", "post", "201")),
    ])
    service = await backend.get_service(KS)
    assert service.sid == KS and route.call_count == 3
    # Retry-After as asked, then exponential backoff with jitter (rng 0.5: 3/4 of the 1 s step)
    assert clock.sleeps == [3.0, 0.75]


async def test_each_retry_is_told_before_its_wait_with_why_when_and_which_try(backend, respx_mock, clock):
    told = []
    backend.watch_retries(told.append)
    respx_mock.get(f"{PROXY}/Services/{KS}").mock(side_effect=[
        httpx.Response(429, json=twilio_error(20429, 429, "Too Many Requests"), headers={"Retry-After": "3"}),
        httpx.Response(503, json=twilio_error(20503, 503, "Service unavailable")),
        httpx.ReadError("connection reset"),
        httpx.Response(200, json=example("/v1/Services", "post", "201")),
    ])
    await backend.get_service(KS)
    assert [(t.attempt, t.delay) for t in told] == list(zip([1, 2, 3], clock.sleeps, strict=True))
    assert told[0].text == ("Twilio asked to slow down (429, too many requests): GET /v1/Services/{sid} goes "
                            "again in 3.0 s (try 2 of 4)")
    assert told[1].reason == "Twilio is unavailable for now (503)"
    assert told[2].reason == "The connection to proxy.twilio.com dropped before it answered"
    assert not any(KS in t.text or TOKEN in t.text for t in told)  # the path's SIDs are placeholders
    told.clear()
    respx_mock.get(f"{PROXY}/Services").respond(503, json=twilio_error(20503, 503, "Service unavailable"))
    with pytest.raises(ProxyError):
        await backend.list_services()
    assert [t.attempt for t in told] == [1, 2, 3]  # the last try is not followed by a retry to tell of


async def test_503_until_the_tries_run_out(backend, respx_mock, clock):
    route = respx_mock.get(f"{PROXY}/Services").respond(503, json=twilio_error(20503, 503, "Service unavailable"))
    with pytest.raises(ProxyError) as info:
        await backend.list_services()
    assert (info.value.code, info.value.status) == (20503, 503)
    assert "gave up after 4 tries" in info.value.message
    assert route.call_count == backend.transport.retry.tries == 4
    assert clock.sleeps == [0.375, 0.75, 1.5]  # doubling, each half fixed and half jitter
    assert_clean_error(info.value)


async def test_retries_stop_at_the_time_budget(backend, respx_mock, clock):
    route = respx_mock.get(f"{PROXY}/Services").respond(
        429, json=twilio_error(20429, 429, "Too Many Requests"), headers={"Retry-After": "600"})
    with pytest.raises(ProxyError) as info:
        await backend.list_services()
    assert info.value.code == 20429 and route.call_count == 1 and clock.sleeps == []


async def test_read_timeouts_are_retried_then_reported(backend, respx_mock, clock):
    route = respx_mock.get(f"{PROXY}/Services/{KS}").mock(side_effect=[
        httpx.ReadTimeout("timed out"), httpx.Response(200, json=example("/v1/Services", "post", "201"))])
    assert (await backend.get_service(KS)).sid == KS and route.call_count == 2

    respx_mock.get(f"{PROXY}/Services").mock(side_effect=httpx.ReadTimeout("timed out"))
    with pytest.raises(ProxyError) as info:
        await backend.list_services()
    assert (info.value.code, info.value.status) == (20503, 503)
    assert "Timed out waiting for an answer to proxy.twilio.com" in info.value.message
    assert_clean_error(info.value)


async def test_connection_refused_is_a_clear_network_error(backend, respx_mock):
    respx_mock.get(f"{PROXY}/Services").mock(side_effect=httpx.ConnectError("[Errno 111] Connection refused"))
    with pytest.raises(ProxyError) as info:
        await backend.list_services()
    assert info.value.code == 20503
    assert "Could not connect to proxy.twilio.com" in info.value.message and "network" in info.value.message
    assert respx_mock.calls.call_count == 4


async def test_reservation_changes_are_idempotent_and_retried(backend, respx_mock):
    route = respx_mock.post(f"{PROXY}/Services/{KS}/PhoneNumbers/{PN}").mock(side_effect=[
        httpx.ReadError("connection reset"), httpx.Response(200, json=number_json(is_reserved=True))])
    assert (await backend.set_reserved(KS, PN, True)).is_reserved
    assert route.call_count == 2


async def test_a_delete_whose_answer_was_lost_and_then_404s_did_delete(backend, respx_mock):
    route = respx_mock.delete(f"{PROXY}/Services/{KS}/PhoneNumbers/{PN}").mock(side_effect=[
        httpx.ReadTimeout("timed out"), httpx.Response(404, json=twilio_error(20404, 404, "Not Found"))])
    assert await backend.remove_number(KS, PN) is None
    assert route.call_count == 2

    respx_mock.delete(f"{PROXY}/Services/{KS}").respond(404, json=twilio_error(20404, 404, "Not Found"))
    with pytest.raises(ProxyError) as info:  # a plain 404 stays a 404
        await backend.delete_service(KS)
    assert info.value.code == 20404


async def test_session_reads_and_participant_deletes_are_retried(backend, respx_mock):
    kc, kp = "KC" + "a" * 32, "KP" + "a" * 32
    unavailable = httpx.Response(503, json=twilio_error(20503, 503, "Service unavailable"))
    body = example("/v1/Services/{ServiceSid}/Sessions/{Sid}", "get", "200")
    get = respx_mock.get(f"{PROXY}/Services/{KS}/Sessions/{kc}").mock(side_effect=[
        unavailable, httpx.ReadTimeout("timed out"), httpx.Response(200, json=body)])
    assert (await backend.get_session(KS, kc)).sid == body["sid"]
    assert get.call_count == 3
    delete = respx_mock.delete(f"{PROXY}/Services/{KS}/Sessions/{kc}/Participants/{kp}").mock(side_effect=[
        httpx.ReadTimeout("timed out"), httpx.Response(404, json=twilio_error(20404, 404, "Not Found"))])
    assert await backend.remove_participant(KS, kc, kp) is None  # the lost first attempt did delete it
    assert delete.call_count == 2


# -- creates are never retried blindly ---------------------------------------------------------------

async def test_an_add_that_timed_out_but_was_applied_is_reported_as_done(backend, respx_mock):
    post = respx_mock.post(f"{PROXY}/Services/{KS}/PhoneNumbers").mock(side_effect=httpx.ReadTimeout("timed out"))
    check = respx_mock.get(f"{PROXY}/Services/{KS}/PhoneNumbers/{PN}").respond(
        200, json=number_json(is_reserved=True))
    number = await backend.add_number(KS, sid=PN, is_reserved=True)
    assert number.sid == PN and number.is_reserved
    assert post.call_count == 1 and check.call_count == 1


async def test_an_add_by_phone_number_is_confirmed_through_the_accounts_numbers(backend, respx_mock):
    post = respx_mock.post(f"{PROXY}/Services/{KS}/PhoneNumbers").mock(side_effect=httpx.RemoteProtocolError("eof"))
    owned = respx_mock.get(NUMBERS, params={"PhoneNumber": "+14155550100"}).respond(200, json={
        "incoming_phone_numbers": [{"sid": PN, "account_sid": AC, "phone_number": "+14155550100"}],
        "next_page_uri": None, "page": 0, "page_size": 50})
    respx_mock.get(f"{PROXY}/Services/{KS}/PhoneNumbers/{PN}").respond(200, json=number_json())
    number = await backend.add_number(KS, phone_number="+1 415 555 0100")
    assert number.phone_number == "+14155550100"
    assert post.call_count == 1 and owned.call_count == 1


async def test_an_add_that_timed_out_and_was_not_applied_is_sent_again(backend, respx_mock):
    post = respx_mock.post(f"{PROXY}/Services/{KS}/PhoneNumbers").mock(side_effect=[
        httpx.ReadTimeout("timed out"), httpx.Response(201, json=number_json())])
    check = respx_mock.get(f"{PROXY}/Services/{KS}/PhoneNumbers/{PN}").respond(
        404, json=twilio_error(20404, 404, "Not Found"))
    assert (await backend.add_number(KS, sid=PN)).sid == PN
    assert post.call_count == 2 and check.call_count == 1  # checked before sending again


async def test_an_add_refused_with_503_is_checked_before_it_is_sent_again(backend, respx_mock):
    post = respx_mock.post(f"{PROXY}/Services/{KS}/PhoneNumbers").mock(side_effect=[
        httpx.Response(503, json=twilio_error(20503, 503, "Service unavailable")),
        httpx.Response(201, json=number_json())])
    check = respx_mock.get(f"{PROXY}/Services/{KS}/PhoneNumbers/{PN}").respond(
        404, json=twilio_error(20404, 404, "Not Found"))
    assert (await backend.add_number(KS, sid=PN)).sid == PN
    assert post.call_count == 2 and check.call_count == 1


async def test_an_add_that_never_left_is_sent_again_without_a_check(backend, respx_mock):
    post = respx_mock.post(f"{PROXY}/Services/{KS}/PhoneNumbers").mock(side_effect=[
        httpx.ConnectError("refused"), httpx.Response(429, json=twilio_error(20429, 429, "Too Many Requests")),
        httpx.Response(201, json=number_json())])
    check = respx_mock.get(f"{PROXY}/Services/{KS}/PhoneNumbers/{PN}").respond(200, json=number_json())
    assert (await backend.add_number(KS, sid=PN)).sid == PN
    assert post.call_count == 3 and check.call_count == 0


async def test_an_add_whose_outcome_cannot_be_checked_says_so(backend, respx_mock):
    respx_mock.post(f"{PROXY}/Services/{KS}/PhoneNumbers").mock(side_effect=httpx.ReadTimeout("timed out"))
    respx_mock.get(f"{PROXY}/Services/{KS}/PhoneNumbers/{PN}").mock(side_effect=httpx.ConnectError("down"))
    with pytest.raises(ProxyError) as info:
        await backend.add_number(KS, sid=PN)
    assert info.value.code == 20503
    assert "may or may not have taken effect" in info.value.message
    assert respx_mock.routes[0].call_count == 1  # the create itself went out once
    assert_clean_error(info.value)


async def test_a_service_create_that_timed_out_but_was_applied_is_found_by_name(backend, respx_mock):
    post = respx_mock.post(f"{PROXY}/Services").mock(side_effect=httpx.ReadTimeout("timed out"))
    listing = example("/v1/Services", "get", "200")
    listing["services"] = [example("/v1/Services", "post", "201")]
    respx_mock.get(f"{PROXY}/Services").respond(200, json=listing)
    service = await backend.create_service("My Service")
    assert service.sid == KS and post.call_count == 1


def services_page(next_url: str | None) -> dict:
    body = example("/v1/Services", "get", "200")
    body["services"], body["meta"]["next_page_url"] = [], next_url
    return body


async def test_a_lost_create_looks_through_at_most_100_pages_then_is_sent_again(backend, respx_mock):
    post = respx_mock.post(f"{PROXY}/Services").mock(side_effect=[
        httpx.ReadTimeout("timed out"), httpx.Response(201, json=example("/v1/Services", "post", "201"))])

    def endless(request: httpx.Request) -> httpx.Response:  # every page has a new next page
        n = int(request.url.params.get("Page", 0)) + 1
        return httpx.Response(200, json=services_page(f"{PROXY}/Services?PageSize=100&Page={n}&PageToken=PA{n}"))

    listing = respx_mock.get(f"{PROXY}/Services").mock(side_effect=endless)
    assert (await backend.create_service("My Service")).sid == KS
    assert listing.call_count == 100 and post.call_count == 2
    assert listing.calls[0].request.url.params["PageSize"] == "100"


async def test_a_lost_create_whose_look_up_pages_in_a_circle_says_it_may_exist(backend, respx_mock):
    post = respx_mock.post(f"{PROXY}/Services").mock(side_effect=httpx.ReadTimeout("timed out"))
    listing = respx_mock.get(f"{PROXY}/Services").respond(
        200, json=services_page(f"{PROXY}/Services?PageSize=100&Page=1&PageToken=PA1"))
    with pytest.raises(ProxyError) as info:
        await backend.create_service("My Service")
    assert "may or may not have taken effect, and checking failed (20500" in info.value.message
    assert "same page" in info.value.message
    assert post.call_count == 1 and listing.call_count == 2
    assert_clean_error(info.value)


async def test_a_lost_create_never_follows_a_look_up_page_to_another_host(backend, respx_mock):
    post = respx_mock.post(f"{PROXY}/Services").mock(side_effect=httpx.ReadTimeout("timed out"))
    respx_mock.get(f"{PROXY}/Services").respond(200, json=services_page("https://evil.example.com/v1/Services"))
    with pytest.raises(ProxyError) as info:
        await backend.create_service("My Service")
    assert "checking failed (20422" in info.value.message
    assert post.call_count == 1
    assert [str(c.request.url.host) for c in respx_mock.calls] == ["proxy.twilio.com", "proxy.twilio.com"]


@pytest.mark.parametrize("resend, blind, gone_is_done", [
    (Resend.READ, True, False),
    (Resend.IDEMPOTENT, True, False),
    (Resend.DELETE, True, True),
    (Resend.CONFIRM_FIRST, False, False),
])
def test_each_resend_says_how_a_request_may_go_again(resend, blind, gone_is_done):
    assert (resend.blind, resend.gone_is_done) == (blind, gone_is_done)


# -- paging ---------------------------------------------------------------------------------------------

async def test_paging_follows_next_and_previous_page_urls_verbatim(backend, respx_mock):
    first = example("/v1/Services/{ServiceSid}/PhoneNumbers", "get", "200")
    # odd parameter order and an extra one: the client must not rebuild the URL
    next_url = f"{PROXY}/Services/{KS}/PhoneNumbers?PageToken=PAxyz&Page=1&PageSize=2&Extra=%2B1"
    first["meta"]["next_page_url"] = next_url
    second = copy.deepcopy(first)
    second["meta"].update(page=1, next_page_url=None, previous_page_url=f"{PROXY}/Services/{KS}/PhoneNumbers?Page=0")
    second["phone_numbers"] = [number_json("PN" + "b" * 32)]
    follow = respx_mock.get(next_url).respond(200, json=second)  # first: the other route would match it too
    respx_mock.get(f"{PROXY}/Services/{KS}/PhoneNumbers", params={"PageSize": "2"}).respond(200, json=first)

    page = await backend.list_numbers(KS, page_size=2)
    assert page.next_token == next_url
    page2 = await backend.list_numbers(KS, page_size=2, page_token=page.next_token)
    assert follow.call_count == 1 and str(respx_mock.calls.last.request.url) == next_url
    assert page2.page == 1 and [n.sid for n in page2.items] == ["PN" + "b" * 32]
    assert page2.next_token is None and page2.previous_token == f"{PROXY}/Services/{KS}/PhoneNumbers?Page=0"


async def test_a_page_token_for_another_host_is_refused_without_sending_credentials(backend, respx_mock):
    with pytest.raises(ProxyError) as info:
        await backend.list_numbers(KS, page_token="https://evil.example.com/v1/Services?Page=1")
    assert info.value.code == 20422
    assert respx_mock.calls.call_count == 0


async def test_page_links_on_twilios_hosts_stay_on_the_chosen_hosts(respx_mock):
    """Region/Edge rewrite a link as every other URL; behind --base-url (a recording proxy that
    passes Twilio's bodies through) the link is followed on the base, never on Twilio's host."""
    regional = LiveBackend(Credentials(AC, AC, TOKEN, region="ie1", edge="dublin"), rate=1e9)
    based = LiveBackend(Credentials(AC, AC, TOKEN), base_url="https://rec.example.com", rate=1e9)
    empty = example("/v1/Services", "get", "200")
    there = respx_mock.get("https://proxy.dublin.ie1.twilio.com/v1/Services?Page=1&PageToken=PA1").respond(
        200, json=empty)
    here = respx_mock.get("https://rec.example.com/v1/Services?Page=1&PageToken=PA1").respond(200, json=empty)
    token = "https://proxy.twilio.com/v1/Services?Page=1&PageToken=PA1"
    await regional.list_services(page_token=token)
    await based.list_services(page_token=token)
    await regional.aclose()
    await based.aclose()
    assert there.call_count == 1 and here.call_count == 1


async def test_account_numbers_page_with_the_2010_apis_relative_uris(backend, respx_mock):
    uri = f"/2010-04-01/Accounts/{AC}/IncomingPhoneNumbers.json?PageSize=1&Page=1&PageToken=PA1"
    respx_mock.get(NUMBERS, params={"PageSize": "1"}).respond(200, json={
        "incoming_phone_numbers": [{"sid": PN, "account_sid": AC, "phone_number": "+14155550100",
                                    "date_created": "Thu, 30 Jul 2015 20:00:00 +0000",
                                    "capabilities": {"voice": True, "sms": True, "mms": False, "fax": False}}],
        "next_page_uri": uri, "previous_page_uri": None, "page": 0, "page_size": 1})
    page = await backend.list_account_numbers(page_size=1)
    assert page.items[0].phone_number == "+14155550100" and page.items[0].service_sid is None
    assert page.items[0].date_created.year == 2015
    assert page.next_token == f"https://api.twilio.com{uri}"


async def test_pool_stats_pages_the_whole_pool_and_counts(backend, respx_mock):
    def page(items, next_url):
        body = example("/v1/Services/{ServiceSid}/PhoneNumbers", "get", "200")
        body["phone_numbers"], body["meta"]["next_page_url"] = items, next_url
        return body

    next_url = f"{PROXY}/Services/{KS}/PhoneNumbers?PageSize=100&Page=1&PageToken=PA2"
    respx_mock.get(next_url).respond(200, json=page([number_json("PN" + "3" * 32, is_reserved=True)], None))
    first = respx_mock.get(f"{PROXY}/Services/{KS}/PhoneNumbers", params={"PageSize": "100"}).respond(
        200, json=page([number_json("PN" + "1" * 32, is_reserved=True, in_use=2),
                        number_json("PN" + "2" * 32)], next_url))
    stats = await backend.pool_stats(KS)
    assert (stats.reserved, stats.unreserved, stats.in_use_numbers) == (2, 1, 1)
    assert first.call_count == 1


async def test_pool_stats_stops_when_a_server_pages_in_a_loop(backend, respx_mock):
    body = example("/v1/Services/{ServiceSid}/PhoneNumbers", "get", "200")
    body["meta"]["next_page_url"] = f"{PROXY}/Services/{KS}/PhoneNumbers?PageSize=100&Page=1"
    respx_mock.get(f"{PROXY}/Services/{KS}/PhoneNumbers").respond(200, json=body)
    with pytest.raises(ProxyError) as info:
        await backend.pool_stats(KS)
    assert info.value.code == 20500 and "same page" in info.value.message
    assert respx_mock.calls.call_count == 2


# -- hosts ----------------------------------------------------------------------------------------------

async def test_region_and_edge_send_every_call_to_the_regional_hosts(respx_mock):
    live = LiveBackend(Credentials(AC, AC, TOKEN, region="au1", edge="sydney"), rate=1e9)
    proxy = respx_mock.get("https://proxy.sydney.au1.twilio.com/v1/Services").respond(
        200, json=example("/v1/Services", "get", "200"))
    numbers = respx_mock.get(f"https://api.sydney.au1.twilio.com/2010-04-01/Accounts/{AC}/IncomingPhoneNumbers.json")
    numbers.respond(200, json={"incoming_phone_numbers": [], "next_page_uri": None})
    await live.list_services()
    await live.list_account_numbers()
    await live.aclose()
    assert proxy.call_count == 1 and numbers.call_count == 1


@pytest.mark.parametrize("from_env", [False, True])
async def test_base_url_replaces_both_hosts(respx_mock, from_env):
    env = {"TWILIO_ACCOUNT_SID": AC, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_REGION": "au1"}
    args = argparse.Namespace(profile=None, base_url=None if from_env else "http://127.0.0.1:8765/")
    if from_env:
        env["PROXY_POOL_BASE_URL"] = "http://127.0.0.1:8765"
    live = backend_from_args(args, env, rate=1e9)
    assert live.kind == "live" and live.account_sid == AC
    proxy = respx_mock.get("http://127.0.0.1:8765/v1/Services/" + KS).respond(
        200, json=example("/v1/Services", "post", "201"))
    numbers = respx_mock.get(f"http://127.0.0.1:8765/2010-04-01/Accounts/{AC}/IncomingPhoneNumbers.json").respond(
        200, json={"incoming_phone_numbers": [], "next_page_uri": None})
    await live.get_service(KS)
    await live.list_account_numbers()
    await live.aclose()
    assert proxy.call_count == 1 and numbers.call_count == 1
    assert proxy.calls.last.request.headers["Authorization"] == f"Basic {BASIC}"


def test_backend_from_args_without_credentials_says_what_to_set():
    with pytest.raises(CredentialsError) as info:
        backend_from_args(argparse.Namespace(profile=None, base_url=None), {})
    assert "TWILIO_ACCOUNT_SID" in str(info.value) and "TWILIO_AUTH_TOKEN" in str(info.value)


# -- pacing -------------------------------------------------------------------------------------------------

async def test_the_rate_limiter_spaces_requests_per_endpoint(clock):
    limiter = RateLimiter(30.0, clock=clock.now, sleep=clock.sleep)
    start = clock.t
    await asyncio.gather(*(limiter.acquire("POST /v1/Services/{sid}/PhoneNumbers") for _ in range(91)))
    assert clock.t - start == pytest.approx(90 / 30)  # 91 requests: 3 s, never more than 30 a second
    moved = clock.t
    await limiter.acquire("GET /v1/Services")  # another endpoint does not queue behind them
    assert clock.t == moved


async def test_bulk_adds_are_paced_under_30_a_second(respx_mock, clock):
    live = LiveBackend(Credentials(AC, AC, TOKEN), sleep=clock.sleep, clock=clock.now)
    route = respx_mock.post(f"{PROXY}/Services/{KS}/PhoneNumbers").respond(201, json=number_json())
    start = clock.t
    await asyncio.gather(*(live.add_number(KS, sid=PN) for _ in range(61)))
    await live.aclose()
    assert route.call_count == 61
    assert clock.t - start == pytest.approx(60 / 30)  # 61 requests: 2 s


# -- secrets ------------------------------------------------------------------------------------------------

async def test_no_repr_shows_a_secret(backend):
    assert_no_secret(backend, backend.transport, backend.transport.client, backend._credentials, backend.hosts)
    assert "AC…aaaa" in repr(backend)


async def test_httpx_debug_logs_never_carry_the_auth_header(caplog, clock):
    """A real loopback server, so httpx and httpcore log everything they do at DEBUG."""
    seen: list[bytes] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        seen.append(head)
        body = json.dumps(twilio_error(20003, 401, "Authenticate")).encode()
        writer.write(b"HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n"
                     b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    caplog.set_level(logging.DEBUG)
    live = LiveBackend(Credentials(AC, AC, TOKEN), base_url=f"http://127.0.0.1:{port}")
    try:
        with pytest.raises(ProxyError) as info:
            await live.list_services()
    finally:
        await live.aclose()
        server.close()
        await server.wait_closed()
    assert info.value.code == 20003
    assert f"Basic {BASIC}".encode() in seen[0]  # the secret did travel, in the header only
    loggers = {r.name.split(".")[0] for r in caplog.records}
    assert {"httpx", "httpcore"} <= loggers
    for record in caplog.records:
        assert_no_secret(record.getMessage(), record.args)


# -- against the sandbox server (in-process): lost answers of creates that did take effect -------------

class LoseAnswers(httpx.AsyncBaseTransport):
    """Passes requests to the server, then loses the answer of the first `count` POSTs, as a
    connection that drops after the server acted."""

    def __init__(self, inner: httpx.AsyncBaseTransport, count: int):
        self.inner, self.count = inner, count
        self.sent: list[str] = []  # "METHOD path", in order

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(f"{request.method} {request.url.path}")
        response = await self.inner.handle_async_request(request)
        if request.method == "POST" and self.count > 0:
            self.count -= 1
            await response.aclose()
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return response


@pytest.fixture
async def served(tmp_path, clock):
    """A sandbox account, its HTTP server, and a factory of LiveBackends that lose some answers."""
    sandbox = SandboxBackend(SandboxAccount.create(tmp_path / "sandbox.json"))
    meta = sandbox.account.meta
    made: list[LiveBackend] = []

    def make(lose: int) -> LiveBackend:
        transport = LoseAnswers(httpx.ASGITransport(app=create_app(sandbox)), lose)
        live = LiveBackend(Credentials(meta["account_sid"], meta["account_sid"], meta["auth_token"]),
                           base_url="http://127.0.0.1", transport=transport, sleep=clock.sleep, clock=clock.now)
        made.append(live)
        make.sent = transport.sent  # the last backend's requests, for tests that count look-ups
        return live

    yield sandbox, make
    for live in made:
        await live.aclose()
    sandbox.close()


@pytest.mark.parametrize("by", ["sid", "phone_number"])
async def test_an_add_whose_answer_was_lost_is_confirmed_against_the_server(served, by):
    sandbox, make = served
    ks = sandbox.call(sandbox.account.create_service, "pool")
    owned = sandbox.call(sandbox.account.buy_number, "+14155550123")
    live = make(lose=1)
    target = {"sid": owned.sid} if by == "sid" else {"phone_number": owned.phone_number}
    number = await live.add_number(ks.sid, **target, is_reserved=True)
    assert (number.sid, number.is_reserved) == (owned.sid, True)
    stats = sandbox.call(sandbox.account.pool_stats, ks.sid)
    assert (stats.reserved, stats.unreserved) == (1, 0)  # added once, and reported as added
    pool = f"/v1/Services/{ks.sid}/PhoneNumbers"
    # confirmed cheaply: by SID, or through the server's PhoneNumber filter; never by paging the pool
    looked_up = [f"GET {pool}/{owned.sid}"] if by == "sid" else [
        f"GET /2010-04-01/Accounts/{sandbox.account_sid}/IncomingPhoneNumbers.json", f"GET {pool}/{owned.sid}"]
    assert make.sent == [f"POST {pool}", *looked_up]


async def test_a_service_create_whose_answer_was_lost_is_confirmed_against_the_server(served):
    sandbox, make = served
    service = await make(lose=1).create_service("support", default_ttl=60)
    assert service.unique_name == "support" and service.default_ttl == 60
    assert [s.sid for s in sandbox.call(sandbox.account.list_services, 100, None).items] == [service.sid]


def session_pool(sandbox: SandboxBackend) -> tuple[str, str]:
    """Arrange: a Service whose pool holds one US number; its sid and the number's sid."""
    ks = sandbox.call(sandbox.account.create_service, "rides")
    owned = sandbox.call(sandbox.account.buy_number, "+14155550123")
    sandbox.call(sandbox.account.add_number, ks.sid, sid=owned.sid)
    return ks.sid, owned.sid


async def test_a_session_create_whose_answer_was_lost_is_confirmed_by_unique_name(served):
    sandbox, make = served
    ks, pn = session_pool(sandbox)
    session = await make(lose=1).create_session(ks, unique_name="Ride #7/b", participants=[
        {"identifier": "+1 415 555 1001"}, {"Identifier": "+14155551002", "FriendlyName": "driver"}])
    assert session.unique_name == "Ride #7/b"
    stored = sandbox.call(sandbox.account.list_sessions, ks, 100, None).items
    assert [s.sid for s in stored] == [session.sid]  # made once, and reported as made
    assert sandbox.call(sandbox.account.get_number, ks, pn).in_use == 1
    sessions = f"/v1/Services/{ks}/Sessions"
    assert make.sent == [f"POST {sessions}", f"GET {sessions}/Ride #7/b"]  # one look-up by name


async def test_a_session_create_without_a_name_is_never_sent_twice(served):
    sandbox, make = served
    ks, _ = session_pool(sandbox)
    with pytest.raises(ProxyError) as info:
        await make(lose=1).create_session(ks, ttl=60)
    assert "may or may not have taken effect" in info.value.message
    assert sandbox.account.meta["auth_token"] not in f"{info.value!r} {info.value.message} {info.value.more_info}"
    assert len(sandbox.call(sandbox.account.list_sessions, ks, 100, None).items) == 1  # the lost one, only
    assert make.sent == [f"POST /v1/Services/{ks}/Sessions"]


async def test_a_participant_add_whose_answer_was_lost_is_confirmed_by_identifier(served):
    sandbox, make = served
    ks, pn = session_pool(sandbox)
    kc = sandbox.call(sandbox.account.create_session, ks).sid
    member = await make(lose=1).add_participant(ks, kc, identifier="+1 (415) 555-1001", friendly_name="rider")
    assert (member.identifier, member.proxy_identifier_sid, member.friendly_name) == ("+14155551001", pn, "rider")
    assert len(sandbox.call(sandbox.account.list_participants, ks, kc, 100, None).items) == 1
    assert sandbox.call(sandbox.account.get_number, ks, pn).in_use == 1
    members = f"/v1/Services/{ks}/Sessions/{kc}/Participants"
    assert make.sent == [f"POST {members}", f"GET {members}"]


async def test_a_close_whose_answer_was_lost_is_reported_closed_not_80608(served):
    sandbox, make = served
    ks, pn = session_pool(sandbox)
    kc = sandbox.call(sandbox.account.create_session, ks, participants=[{"identifier": "+14155551001"}]).sid
    closed = await make(lose=1).update_session(ks, kc, status="closed")
    assert closed.status == "closed" and closed.date_ended is not None
    assert sandbox.call(sandbox.account.get_number, ks, pn).in_use == 0
    assert make.sent == [f"POST /v1/Services/{ks}/Sessions/{kc}", f"GET /v1/Services/{ks}/Sessions/{kc}"]


async def test_the_server_rejects_a_wrong_token_as_20003(served):
    sandbox, _ = served
    live = LiveBackend(Credentials(sandbox.account_sid, sandbox.account_sid, TOKEN), base_url="http://127.0.0.1",
                       transport=httpx.ASGITransport(app=create_app(sandbox)))
    with pytest.raises(ProxyError) as info:
        await live.list_account_numbers()
    await live.aclose()
    assert (info.value.code, info.value.status) == (20003, 401)
    assert_clean_error(info.value)


async def test_a_failed_messaging_read_is_a_note_and_leaves_no_read_running(backend, respx_mock, tmp_path):
    """One Messaging Service's numbers fail at once while another's are still on their way: the index
    is given up with a note only once every read it started has ended (none goes on behind the app)."""
    from tui.core.wire import render_messaging_service

    account = SandboxAccount.create(tmp_path / "s.json")
    made = [account.create_messaging_service(name) for name in ("first", "second")]
    account.close()
    base = "https://messaging.twilio.com/v1/Services"
    respx_mock.get(base).respond(200, json={
        "services": [render_messaging_service(s) for s in made],
        "meta": {"page": 0, "page_size": 100, "key": "services", "next_page_url": None}})
    respx_mock.get(f"{base}/{made[0].sid}/PhoneNumbers").respond(
        404, json=twilio_error(20404, 404, "The requested resource was not found"))
    ended: list[str] = []

    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.05)
        ended.append(made[1].sid)
        return httpx.Response(200, json={"phone_numbers": [], "meta": {
            "page": 0, "page_size": 100, "key": "phone_numbers", "next_page_url": None}})

    respx_mock.get(f"{base}/{made[1].sid}/PhoneNumbers").mock(side_effect=slow)
    index = await backend.messaging_index()
    assert index.note and "20404" in index.note
    assert ended == [made[1].sid]  # the slow read had ended before the index was given up
