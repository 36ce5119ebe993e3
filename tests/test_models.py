"""The models' Twilio JSON both ways, checked against Twilio's official spec; SIDs; E.164;
and the error titles against Twilio's catalogue. The reference files are copies in
tests/reference (see tests/reference_files.py)."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from tests.reference_files import reference
from tui.core import wire
from tui.core.errors import ERROR_TITLES, ProxyError
from tui.core.phone import InvalidNumber, format_international, iso_country, parse_e164
from tui.core.resources import AccountNumber, Capabilities, PhoneNumber, PoolStats, Service
from tui.core.sids import is_sid, mask_sid, new_sid


@pytest.fixture(scope="module")
def proxy_spec() -> dict:
    return reference("twilio_proxy_v1.json")


@pytest.fixture(scope="module")
def api_spec() -> dict:
    return reference("twilio_api_v2010_incoming_phone_numbers.json")


def examples(spec: dict, path: str, method: str, status: str) -> list[dict]:
    content = spec["paths"][path][method]["responses"][status]["content"]["application/json"]
    found = [example["value"] for example in content.get("examples", {}).values()]
    assert found, f"no example for {method.upper()} {path} {status}"
    return found


NOW = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
KS, PN, AC = "KS" + "1" * 32, "PN" + "2" * 32, "AC" + "3" * 32


def a_service(**fields) -> Service:
    return Service(sid=KS, unique_name="rides", account_sid=AC, date_created=NOW, date_updated=NOW, **fields)


def a_number(**fields) -> PhoneNumber:
    return PhoneNumber(sid=PN, account_sid=AC, service_sid=KS, phone_number="+14152345678",
                       date_created=NOW, date_updated=NOW, **fields)


# -- field names: exactly the spec's --------------------------------------------------------

def test_service_json_has_exactly_the_specs_fields(proxy_spec):
    fields = list(proxy_spec["components"]["schemas"]["proxy.v1.service"]["properties"])
    assert sorted(wire.render(a_service())) == sorted(fields)


def test_phone_number_json_has_exactly_the_specs_fields(proxy_spec):
    fields = list(proxy_spec["components"]["schemas"]["proxy.v1.service.phone_number"]["properties"])
    assert sorted(wire.render(a_number())) == sorted(fields)


def test_account_number_json_has_exactly_the_specs_fields(api_spec):
    schema = api_spec["components"]["schemas"]["api.v2010.account.incoming_phone_number"]
    number = AccountNumber(sid=PN, account_sid=AC, phone_number="+447412345678", date_created=NOW,
                           date_updated=NOW, friendly_name="Courier London 01")
    data = wire.render(number)
    assert sorted(data) == sorted(schema["properties"])
    assert set(data["capabilities"]) == set(schema["properties"]["capabilities"]["properties"])
    assert data["date_created"] == "Wed, 04 Mar 2026 05:06:07 +0000"  # RFC 2822, as the 2010 API writes dates
    assert data["type"] == "mobile" and data["uri"].endswith(f"/IncomingPhoneNumbers/{PN}.json")


def test_capabilities_json_has_the_specs_fields(proxy_spec):
    schema = proxy_spec["components"]["schemas"]["proxy.v1.service.phone_number"]["properties"]["capabilities"]
    assert set(wire.render_capabilities(Capabilities())) == set(schema["properties"])


# -- the spec's example bodies parse --------------------------------------------------------

@pytest.mark.parametrize("path,method,status", [
    ("/v1/Services", "post", "201"), ("/v1/Services/{Sid}", "get", "200"), ("/v1/Services/{Sid}", "post", "200"),
])
def test_spec_service_examples_parse_and_render_back(proxy_spec, path, method, status):
    for body in examples(proxy_spec, path, method, status):
        service = wire.parse_service(body)
        assert service.sid == body["sid"] and service.unique_name == body["unique_name"]
        assert service.default_ttl == 3600 and service.chat_instance_sid == body["chat_instance_sid"]
        assert service.date_created == datetime(2015, 7, 30, 20, 0, tzinfo=UTC)
        assert wire.render(service) == body  # round trip: the very same JSON


@pytest.mark.parametrize("path,method,status", [
    ("/v1/Services/{ServiceSid}/PhoneNumbers", "post", "201"),
    ("/v1/Services/{ServiceSid}/PhoneNumbers/{Sid}", "get", "200"),
    ("/v1/Services/{ServiceSid}/PhoneNumbers/{Sid}", "post", "200"),
])
def test_spec_phone_number_examples_parse_and_render_back(proxy_spec, path, method, status):
    for body in examples(proxy_spec, path, method, status):
        number = wire.parse_number(body)
        assert (number.sid, number.service_sid, number.iso_country) == (body["sid"], body["service_sid"], "US")
        assert number.is_reserved is body["is_reserved"] and number.in_use == 0
        # the spec's examples use Proxy's long capability names
        assert number.capabilities == Capabilities(voice=False, sms=True, mms=False, fax=False)
        back = wire.render(number)
        assert {k: v for k, v in back.items() if k != "capabilities"} == {
            k: v for k, v in body.items() if k != "capabilities"}


def test_spec_list_examples_parse(proxy_spec):
    (services,) = examples(proxy_spec, "/v1/Services", "get", "200")
    assert services["services"] == [] and services["meta"]["key"] == "services"
    (pool,) = examples(proxy_spec, "/v1/Services/{ServiceSid}/PhoneNumbers", "get", "200")
    numbers = [wire.parse_number(item) for item in pool[pool["meta"]["key"]]]
    assert [n.sid for n in numbers] == ["PN" + "a" * 32]


def test_spec_incoming_phone_number_examples_parse(api_spec):
    bodies = examples(api_spec, "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json", "get", "200")
    for body in bodies:
        number = wire.parse_account_number(body)
        assert (number.phone_number, number.friendly_name, number.iso_country) == (
            "+18089255327", "(808) 925-5327", "US")
        assert number.capabilities == Capabilities(voice=True, sms=False, mms=True, fax=False)
        assert number.date_created == datetime(2015, 7, 30, 23, 19, 4, tzinfo=UTC)


def test_booleans_travel_as_strings_too():
    body = wire.render(a_number(is_reserved=True)) | {"is_reserved": "true", "in_use": "2"}
    parsed = wire.parse_number(body)
    assert parsed.is_reserved is True and parsed.in_use == 2
    assert wire.parse_number(body | {"is_reserved": "false"}).is_reserved is False


def test_models_round_trip():
    service = a_service(default_ttl=600, number_selection_behavior="avoid-sticky", geo_match_level="area-code",
                        callback_url="https://example.com/cb")
    assert wire.parse_service(wire.render(service)) == service
    number = a_number(friendly_name="Rides Boston 01", iso_country="US", is_reserved=True, in_use=3,
                      capabilities=Capabilities(voice=True, sms=False, mms=True))
    assert wire.parse_number(wire.render(number)) == number
    assert wire.render(number)["url"] == f"https://proxy.twilio.com/v1/Services/{KS}/PhoneNumbers/{PN}"
    assert wire.render(service, "http://127.0.0.1:8765")["links"]["phone_numbers"] == (
        f"http://127.0.0.1:8765/v1/Services/{KS}/PhoneNumbers")


# -- SIDs ------------------------------------------------------------------------------------

@pytest.mark.parametrize("value,prefix,ok", [
    ("PN" + "0123456789abcdef" * 2, "PN", True),
    ("PN" + "0123456789ABCDEF" * 2, "PN", True),
    ("KS" + "a" * 32, "PN", False),
    ("PN" + "a" * 31, "PN", False),
    ("PN" + "a" * 33, "PN", False),
    ("PN" + "g" * 32, "PN", False),
    (" PN" + "a" * 32, "PN", False),
    ("pn" + "a" * 32, "PN", False),
    (None, "PN", False),
    (12, "PN", False),
])
def test_is_sid(value, prefix, ok):
    assert is_sid(value, prefix) is ok


def test_new_sid_is_valid_unique_and_repeatable_with_a_seed():
    made = {new_sid("KS") for _ in range(200)}
    assert len(made) == 200 and all(is_sid(s, "KS") for s in made)
    first = [new_sid("PN", random.Random(5)) for _ in range(2)]
    assert first[0] == first[1] and is_sid(first[0], "PN")
    assert new_sid("PN", random.Random(6)) != first[0]


def test_mask_sid_keeps_prefix_and_last_four():
    assert mask_sid("AC" + "0" * 28 + "1a2b") == "AC…1a2b"
    assert mask_sid(None) == "" and mask_sid("") == ""


# -- E.164 and countries ------------------------------------------------------------------

@pytest.mark.parametrize("text,region,e164", [
    ("+14152345678", None, "+14152345678"),
    ("+1 (415) 234-5678", None, "+14152345678"),
    ("(415) 234-5678", "US", "+14152345678"),
    ("020 7946 0123", "GB", "+442079460123"),
    ("0151 12345678", "DE", "+4915112345678"),
])
def test_parse_e164(text, region, e164):
    assert parse_e164(text, region) == e164


@pytest.mark.parametrize("text", ["", "   ", "4152345678", "+1415", "+10000000000", "hello", "+44 20 7946 012"])
def test_parse_e164_refuses_bad_numbers(text):
    with pytest.raises(InvalidNumber):
        parse_e164(text)


@pytest.mark.parametrize("number,country", [
    ("+14152345678", "US"),
    ("+14162345678", "CA"),
    ("+18762345678", "JM"),  # +1 shared by the NANP: Jamaica
    ("+18092345678", "DO"),
    ("+17872345678", "PR"),
    ("+442079460123", "GB"),
    ("+441534123456", "JE"),  # +44 shared: Jersey
    ("+441481234567", "GG"),
    ("+441624234567", "IM"),
    ("+61412345678", "AU"),
    ("+4915112345678", "DE"),
    ("+99912345", None),
    ("not a number", None),
])
def test_iso_country_resolves_shared_dialling_codes(number, country):
    assert iso_country(number) == country


def test_format_international_for_people():
    assert format_international("+14152345678") == "+1 415-234-5678"
    assert format_international("garbage") == "garbage"


# -- pool stats --------------------------------------------------------------------------------

@pytest.mark.parametrize("reserved,unreserved,r_warn,u_warn", [
    (4249, 424, False, False), (4250, 0, True, False), (0, 425, False, True), (5000, 500, True, True),
])
def test_pool_stats_warn_at_85_percent(reserved, unreserved, r_warn, u_warn):
    stats = PoolStats(KS, reserved=reserved, unreserved=unreserved)
    assert (stats.reserved_warning, stats.unreserved_warning, stats.warning) == (r_warn, u_warn, r_warn or u_warn)
    assert stats.total == reserved + unreserved


# -- errors ----------------------------------------------------------------------------------------

def test_every_error_title_matches_twilios_catalogue():
    catalogue = reference("twilio-error-codes.json")
    titles = {entry["code"]: entry["message"] for group in ("proxy", "platform") for entry in catalogue[group]}
    wrong = {code: (title, titles.get(code)) for code, title in ERROR_TITLES.items() if titles.get(code) != title}
    assert not wrong, f"ERROR_TITLES differ from Twilio's catalogue (ours, Twilio's): {wrong}"


def test_proxy_error_twilio_body_both_ways():
    error = ProxyError(80622, 400)
    body = wire.render_error(error)
    assert body == {"code": 80622, "message": "Maximum Pool Size Error",
                    "more_info": "https://www.twilio.com/docs/errors/80622", "status": 400}
    back = wire.parse_error(body, 400)
    assert (back.code, back.status, back.message, back.more_info) == (80622, 400, body["message"], body["more_info"])
    assert "80622" in str(error) and "ProxyError(code=80622" in repr(error)
    assert wire.parse_error({}, 503).code == 20500 and wire.parse_error({}, 503).status == 503
