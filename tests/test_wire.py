"""tui.core.wire, property by property: every resource -> Twilio JSON -> resource is the identity,
every rendered resource is valid against Twilio's official description, both list envelopes
come back as the page they were rendered from, and the form codec is Twilio's."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.reference_files import MESSAGING_SPEC, PROXY_SPEC, reference
from tests.spec_check import check_resource
from tui.core import wire
from tui.core.errors import ProxyError
from tui.core.messaging import (
    MESSAGING_METHODS,
    SCAN_MESSAGE_CONTENTS,
    MessagingLink,
    MessagingNumber,
    MessagingService,
)
from tui.core.resources import (
    GEO_MATCH_LEVELS,
    NUMBER_SELECTION_BEHAVIORS,
    AccountNumber,
    Capabilities,
    PhoneNumber,
    Service,
)
from tui.core.seam import Page
from tui.core.sessions import (
    INTERACTION_RESOURCE_STATUSES,
    INTERACTION_TYPES,
    SESSION_MODES,
    SESSION_STATUSES,
    Interaction,
    Participant,
    Session,
)

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


interactions = st.builds(
    Interaction, sid=sid("KI"), session_sid=sid("KC"), service_sid=sid("KS"), account_sid=sid("AC"),
    date_created=dates, date_updated=dates, type=st.sampled_from(INTERACTION_TYPES),
    data=maybe(st.sampled_from(['{"body": "hello"}', '{"duration": "5"}'])), participant_sid=sid("KP"),
    inbound_participant_sid=maybe(sid("KP")), inbound_resource_sid=maybe(sid("SM")),
    inbound_resource_status=maybe(st.sampled_from(INTERACTION_RESOURCE_STATUSES)),
    inbound_resource_type=maybe(st.sampled_from(["Message", "Call"])), inbound_resource_url=maybe(st.sampled_from(URLS)),
    outbound_participant_sid=maybe(sid("KP")), outbound_resource_sid=maybe(sid("SM")),
    outbound_resource_status=maybe(st.sampled_from(INTERACTION_RESOURCE_STATUSES)),
    outbound_resource_type=maybe(st.just("Message")), outbound_resource_url=maybe(st.sampled_from(URLS)),
)
messaging_services = st.builds(
    MessagingService, sid=sid("MG"), account_sid=sid("AC"), friendly_name=names, date_created=dates,
    date_updated=dates, inbound_request_url=maybe(st.sampled_from(URLS)), inbound_method=st.sampled_from(MESSAGING_METHODS),
    fallback_url=maybe(st.sampled_from(URLS)), fallback_method=st.sampled_from(MESSAGING_METHODS),
    status_callback=maybe(st.sampled_from(URLS)), sticky_sender=st.booleans(), mms_converter=st.booleans(),
    smart_encoding=st.booleans(), scan_message_content=st.sampled_from(SCAN_MESSAGE_CONTENTS),
    fallback_to_long_code=st.booleans(), area_code_geomatch=st.booleans(), validity_period=st.integers(1, 36000),
    synchronous_validation=st.booleans(), usecase=st.sampled_from(["notifications", "marketing", "undeclared"]),
    us_app_to_person_registered=st.booleans(), use_inbound_webhook_on_number=st.booleans(),
)
messaging_numbers = st.builds(
    MessagingNumber, sid=sid("PN"), account_sid=sid("AC"), service_sid=sid("MG"), phone_number=st.sampled_from(E164),
    date_created=dates, date_updated=dates, country_code=maybe(st.sampled_from(["US", "GB"])),
    capabilities=st.lists(st.sampled_from(["MMS", "SMS", "Voice"]), unique=True).map(tuple),
)
messaging_bases = st.sampled_from([wire.MESSAGING_BASE_URL, "http://127.0.0.1:8765/messaging"])


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


@given(interactions, bases)
def test_an_interaction_comes_back_from_both_its_views_and_each_is_the_specs(interaction, base):
    data = through_json(wire.render_interaction(interaction, base))
    assert wire.parse_interaction(data) == replace(interaction, participant_sid=None)  # not in this view
    check_resource(data, "proxy.v1.service.session.interaction")
    assert data["url"].endswith(f"/Sessions/{interaction.session_sid}/Interactions/{interaction.sid}")
    message = through_json(wire.render_message_interaction(interaction, base))
    assert wire.parse_interaction(message) == interaction
    check_resource(message, "proxy.v1.service.session.participant.message_interaction")
    assert message["url"].endswith(f"/Participants/{interaction.participant_sid}/MessageInteractions/{interaction.sid}")
    # the spec's statuses admit no null: a side the interaction does not have leaves its status out
    assert ("inbound_resource_status" in data) == (interaction.inbound_resource_status is not None)


@given(messaging_services, messaging_bases)
def test_a_messaging_service_comes_back_from_its_json_and_the_json_is_the_specs(service, base):
    data = through_json(wire.render_messaging_service(service, base))
    assert wire.parse_messaging_service(data) == service
    check_resource(data, "messaging.v1.service")
    assert data["links"]["phone_numbers"] == f"{base}/v1/Services/{service.sid}/PhoneNumbers"
    assert set(data) == set(reference(MESSAGING_SPEC)["components"]["schemas"]["messaging.v1.service"]["properties"])


@given(messaging_numbers, messaging_bases)
def test_a_messaging_number_comes_back_from_its_json_and_the_json_is_the_specs(number, base):
    data = through_json(wire.render_messaging_number(number, base))
    assert wire.parse_messaging_number(data) == number
    check_resource(data, "messaging.v1.service.phone_number")


def test_every_enumeration_is_exactly_the_spec_s():
    proxy = reference(PROXY_SPEC)["components"]["schemas"]
    messaging = reference(MESSAGING_SPEC)["components"]["schemas"]
    assert GEO_MATCH_LEVELS == tuple(proxy["service_enum_geo_match_level"]["enum"])
    assert NUMBER_SELECTION_BEHAVIORS == tuple(proxy["service_enum_number_selection_behavior"]["enum"])
    assert SESSION_STATUSES == tuple(proxy["session_enum_status"]["enum"])
    assert SESSION_MODES == tuple(proxy["session_enum_mode"]["enum"])
    assert INTERACTION_TYPES == tuple(proxy["interaction_enum_type"]["enum"])
    assert INTERACTION_RESOURCE_STATUSES == tuple(proxy["interaction_enum_resource_status"]["enum"])
    assert SCAN_MESSAGE_CONTENTS == tuple(messaging["service_enum_scan_message_content"]["enum"])
    assert MESSAGING_METHODS == tuple(messaging["messaging.v1.service"]["properties"]["inbound_method"]["enum"])


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


@pytest.mark.parametrize("page", ["two", "²", "٣", " 1", "+1", "-1", "1" * 5000])
def test_a_page_number_that_is_not_ascii_digits_is_refused(page):
    with pytest.raises(ProxyError) as info:
        wire.join_token(page, "PA12")
    assert info.value.code == 20422 and "Page" in info.value.message and len(info.value.message) < 200


def test_a_participants_item_nested_thousands_deep_is_refused_before_it_is_parsed():
    for text in ("[" * 100_000, '{"Identifier": ' + "[" * 50 + "]" * 50 + "}"):
        with pytest.raises(ProxyError) as info:
            wire.parse_participant_item(text)
        assert info.value.code == 80701 and len(info.value.message) < 200
    with pytest.raises(ProxyError, match="must be a string"):
        wire.parse_participant_item('{"Identifier": 14155550100}')


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
