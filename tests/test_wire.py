"""tui.core.wire, property by property: every resource -> Twilio JSON -> resource is the identity,
every rendered resource is valid against Twilio's official description, both list envelopes
come back as the page they were rendered from, and the form codec is Twilio's."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from tests.spec_check import check_resource
from tui.core import wire
from tui.core.errors import ProxyError
from tui.core.resources import (
    GEO_MATCH_LEVELS,
    NUMBER_SELECTION_BEHAVIORS,
    SESSION_MODES,
    SESSION_STATUSES,
    AccountNumber,
    Capabilities,
    MessagingLink,
    Participant,
    PhoneNumber,
    Service,
    Session,
)
from tui.core.seam import Page

HEX = "0123456789abcdef"
E164 = ("+14155550100", "+12125550123", "+447700900123", "+61412345678", "+4915112345678", "+16135550188")
URLS = ("https://example.com/proxy/callback", "https://rides.example.com/hooks?x=1", "http://127.0.0.1:8765/cb")


def sid(prefix: str) -> st.SearchStrategy[str]:
    return st.text(HEX, min_size=32, max_size=32).map(lambda h: prefix + h)


# whole seconds in UTC: the precision Twilio's dates carry
dates = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31),
                     timezones=st.just(UTC)).map(lambda d: d.replace(microsecond=0))
names = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)
maybe = st.none().__or__
capabilities = st.builds(Capabilities, st.booleans(), st.booleans(), st.booleans(), st.booleans())

services = st.builds(
    Service, sid=sid("KS"), unique_name=names, account_sid=sid("AC"), date_created=dates, date_updated=dates,
    default_ttl=st.integers(0, 10**7), number_selection_behavior=st.sampled_from(NUMBER_SELECTION_BEHAVIORS),
    geo_match_level=st.sampled_from(GEO_MATCH_LEVELS), callback_url=maybe(st.sampled_from(URLS)),
    intercept_callback_url=maybe(st.sampled_from(URLS)), out_of_session_callback_url=maybe(st.sampled_from(URLS)),
    chat_instance_sid=maybe(sid("IS")),
)
numbers = st.builds(
    PhoneNumber, sid=sid("PN"), account_sid=sid("AC"), service_sid=sid("KS"), phone_number=st.sampled_from(E164),
    date_created=dates, date_updated=dates, friendly_name=maybe(names), iso_country=maybe(st.sampled_from(["US", "GB"])),
    capabilities=capabilities, is_reserved=st.booleans(), in_use=st.integers(0, 1000),
)
account_numbers = st.builds(
    AccountNumber, sid=sid("PN"), account_sid=sid("AC"), phone_number=st.sampled_from(E164),
    date_created=dates, date_updated=dates, friendly_name=maybe(names), capabilities=capabilities,
)
sessions = st.builds(
    Session, sid=sid("KC"), service_sid=sid("KS"), account_sid=sid("AC"), date_created=dates, date_updated=dates,
    unique_name=maybe(names), status=st.sampled_from(SESSION_STATUSES), mode=st.sampled_from(SESSION_MODES),
    ttl=st.integers(0, 10**7), date_started=maybe(dates), date_ended=maybe(dates),
    date_last_interaction=maybe(dates), date_expiry=maybe(dates), closed_reason=maybe(names),
)
participants = st.builds(
    Participant, sid=sid("KP"), session_sid=sid("KC"), service_sid=sid("KS"), account_sid=sid("AC"),
    identifier=st.sampled_from(E164), date_created=dates, date_updated=dates,
    proxy_identifier=maybe(st.sampled_from(E164)), proxy_identifier_sid=maybe(sid("PN")),
    friendly_name=maybe(names), date_deleted=maybe(dates),
)
bases = st.sampled_from([wire.PROXY_BASE_URL, "http://127.0.0.1:8765", "https://proxy.dublin.ie1.twilio.com"])


def through_json(data: dict) -> dict:
    """What a client receives: the JSON text, parsed again."""
    return json.loads(json.dumps(data))


@given(services, bases)
def test_a_service_comes_back_from_its_json_and_the_json_is_the_specs(service, base):
    data = through_json(wire.render_service(service, base))
    assert wire.parse_service(data) == service
    check_resource(data, "proxy.v1.service")
    assert data["url"] == f"{base}/v1/Services/{service.sid}"


@given(numbers, bases)
def test_a_pool_number_comes_back_from_its_json_and_the_json_is_the_specs(number, base):
    data = through_json(wire.render_number(number, base))
    assert wire.parse_number(data) == number
    check_resource(data, "proxy.v1.service.phone_number")


links = st.builds(MessagingLink, sid("MG"), names, st.booleans())


@given(account_numbers, st.none() | links, st.none() | sid("KS"))
def test_an_account_number_comes_back_from_its_json_and_the_json_is_the_specs(number, messaging, pool):
    data = through_json(wire.render_account_number(number))
    assert wire.parse_account_number(data) == number
    check_resource(data, "api.v2010.account.incoming_phone_number")
    # what the sandbox knows beside Twilio's resource never travels on the wire
    annotated = replace(number, messaging=messaging, service_sid=pool)
    assert wire.render_account_number(annotated) == wire.render_account_number(number)


@given(numbers, links)
def test_a_pool_number_s_messaging_service_never_travels_on_the_proxy_wire(number, messaging):
    assert wire.render_number(replace(number, messaging=messaging)) == wire.render_number(number)


@given(sessions, bases)
def test_a_session_comes_back_from_its_json_and_the_json_is_the_specs(session, base):
    data = through_json(wire.render_session(session, base))
    assert wire.parse_session(data) == session
    check_resource(data, "proxy.v1.service.session")


@given(participants, bases)
def test_a_participant_comes_back_from_its_json_and_the_json_is_the_specs(participant, base):
    data = through_json(wire.render_participant(participant, base))
    assert wire.parse_participant(data) == participant
    check_resource(data, "proxy.v1.service.session.participant")


@given(st.sampled_from(sorted({20003, 20404, 80101, 80611, 80622, 21421})), st.integers(400, 599), maybe(names))
def test_an_error_body_comes_back_as_the_same_error(code, status, message):
    error = ProxyError(code, status, message)
    back = wire.parse_error(through_json(wire.render_error(error)), 500)
    assert (back.code, back.status, back.message, back.more_info) == (code, status, error.message, error.more_info)


# -- list envelopes ------------------------------------------------------------------------------

tokens = st.none() | st.tuples(st.integers(0, 50), st.sampled_from(["PA", "PB"]), st.integers(1, 10**6)).map(
    lambda t: f"{t[0]}:{t[1]}{t[2]}")


@given(st.lists(numbers, max_size=4), st.integers(0, 40), st.integers(1, 100), tokens, tokens, bases)
def test_a_proxy_page_comes_back_with_its_items_and_links(items, page_no, size, next_token, previous_token, base):
    page = Page(items, page_no, size, next_token, previous_token)
    path = "/v1/Services/KS" + "a" * 32 + "/PhoneNumbers"
    body = through_json(wire.render_proxy_page([wire.render_number(n, base) for n in items], "phone_numbers",
                                               page, base=base, path=path))
    back = wire.parse_page(body, "phone_numbers", wire.parse_number)
    assert (back.items, back.page, back.page_size) == (items, page_no, size)
    for token, link in ((next_token, back.next_token), (previous_token, back.previous_token)):
        if token is None:
            assert link is None
        else:  # the link carries the token as Twilio's Page and PageToken, on the same base and path
            number, cut = wire.split_token(token)
            assert link.startswith(f"{base}{path}?") and f"Page={number}" in link and f"PageToken={cut}" in link
            assert f"PageSize={size}" in link


@given(st.lists(account_numbers, max_size=4), st.integers(0, 40), st.integers(1, 100), tokens, tokens)
def test_a_2010_page_comes_back_with_its_items_and_absolute_links(items, page_no, size, next_token, previous_token):
    page = Page(items, page_no, size, next_token, previous_token)
    path = wire.account_numbers_path("AC" + "b" * 32)
    body = through_json(wire.render_api2010_page([wire.render_account_number(n) for n in items],
                                                 "incoming_phone_numbers", page, path=path,
                                                 filters={"PhoneNumber": "+14155550100"}))
    assert body["start"] == page_no * size and "meta" not in body
    back = wire.parse_page(body, "incoming_phone_numbers", wire.parse_account_number, "https://api.example.com")
    assert (back.items, back.page, back.page_size) == (items, page_no, size)
    for token, link in ((next_token, back.next_token), (previous_token, back.previous_token)):
        if token is None:
            assert link is None
        else:  # relative URIs become absolute on the API's host; the filter stays in them
            assert link.startswith(f"https://api.example.com{path}?") and "PhoneNumber=%2B14155550100" in link


@given(st.integers(0, 10**4), st.text("PAB0123456789", min_size=1, max_size=12))
def test_a_seam_token_is_twilios_page_and_page_token(page_no, page_token):
    assert wire.split_token(wire.join_token(page_no, page_token)) == (page_no, page_token)
    assert wire.join_token(str(page_no), None) is None  # no PageToken: the first page


def test_a_page_number_that_is_not_a_number_is_refused():
    try:
        wire.join_token("two", "PA12")
    except ProxyError as exc:
        assert exc.code == 20422 and "Page" in exc.message
    else:
        raise AssertionError("Page=two was accepted")


# -- the form codec --------------------------------------------------------------------------------

def test_the_form_is_pascal_case_with_booleans_as_words_and_no_nones():
    assert wire.to_form({"unique_name": "rides", "default_ttl": 60, "is_reserved": True, "sid": None,
                         "proxy_identifier_sid": "PN1"}) == {
        "UniqueName": "rides", "DefaultTtl": "60", "IsReserved": "true", "ProxyIdentifierSid": "PN1"}
    assert wire.to_form({"is_reserved": False}) == {"IsReserved": "false"}
    assert wire.form_names(["out_of_session_callback_url"]) == {"OutOfSessionCallbackUrl": "out_of_session_callback_url"}


@given(st.fixed_dictionaries({}, optional={
    "identifier": st.sampled_from(E164), "friendly_name": names, "proxy_identifier": st.sampled_from(E164),
    "proxy_identifier_sid": sid("PN")}))
def test_a_participants_item_goes_as_pascal_case_json_and_comes_back(spec):
    text = wire.render_participant_item(spec)
    assert all(key[0].isupper() for key in json.loads(text))
    assert wire.parse_participant_item(text) == spec
    assert wire.parse_participant_item(spec) == spec  # the seam's own names are accepted too


def test_a_participants_item_that_is_not_an_object_or_names_an_unknown_field_is_refused():
    for item, code in (("[1, 2]", 80701), ("{not json", 80701), ({"Identity": "+14155550100"}, 20001)):
        try:
            wire.parse_participant_item(item)
        except ProxyError as exc:
            assert exc.code == code, item
        else:
            raise AssertionError(f"{item!r} was accepted")
