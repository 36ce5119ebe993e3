"""Twilio's official Python library as a client of a real `proxy-pool sandbox serve` process.

Every served operation goes through `twilio.rest.Client` with only its base URLs pointed at
the sandbox (edge and region unset), and every response it receives is checked against
Twilio's descriptions. The sandbox holds one full pool (500 unreserved + 5,000 reserved),
paged through with page_size=50.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from sandbox.build import build_sandbox
from tests import server_process
from tests import spec_check as spec
from tui.core.resources import RESERVED_LIMIT, UNRESERVED_LIMIT


class CheckedHttpClient(TwilioHttpClient):
    """The library's own HTTP client, with each response checked against the spec on arrival."""

    def __init__(self) -> None:
        super().__init__()
        self.requests = 0

    def request(self, method, url, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False):
        response = super().request(method, url, params=params, data=data, headers=headers, auth=auth,
                                   timeout=timeout, allow_redirects=allow_redirects)
        self.requests += 1
        request = httpx.Request(method.upper(), url, params=params or None)
        spec.check_response(httpx.Response(response.status_code, content=response.text.encode(),
                                           headers=dict(response.headers), request=request))
        return response


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[server_process.ServerProcess]:
    """A server process over a sandbox holding one full pool ("scale-01", 5,500 numbers)."""
    path = tmp_path_factory.mktemp("twilio") / "pool.json"
    build_sandbox(path, kind="scale", scale=1).close()
    with server_process.serving(path) as running:
        yield running


@pytest.fixture
def client(server) -> Client:
    twilio = Client(server.account_sid, server.auth_token, http_client=CheckedHttpClient())
    twilio.proxy.base_url = server.base_url
    twilio.api.base_url = server.base_url
    return twilio


def twilio_error(call) -> TwilioRestException:
    with pytest.raises(TwilioRestException) as caught:
        call()
    return caught.value


def test_services_crud(client):
    services = client.proxy.v1.services
    made = services.create(unique_name="twilio-crud", default_ttl=600, geo_match_level="area-code",
                           number_selection_behavior="avoid-sticky", callback_url="https://example.com/cb")
    assert made.sid.startswith("KS") and made.default_ttl == 600 and made.geo_match_level == "area-code"
    assert services(made.sid).fetch().unique_name == "twilio-crud"
    updated = services(made.sid).update(unique_name="twilio-crud-2", default_ttl=60)
    assert (updated.unique_name, updated.default_ttl, updated.number_selection_behavior) == (
        "twilio-crud-2", 60, "avoid-sticky")
    assert made.sid in {s.sid for s in services.list()}
    assert twilio_error(lambda: services.create(unique_name="twilio-crud-2")).code == 80602
    assert services(made.sid).delete() is True
    gone = twilio_error(lambda: services(made.sid).fetch())
    assert (gone.status, gone.code) == (404, 20404)


def test_incoming_phone_numbers(client):
    numbers = client.api.v2010.account.incoming_phone_numbers
    given = numbers.create(phone_number="+14155550177", friendly_name="front desk")
    assert (given.phone_number, given.friendly_name) == ("+14155550177", "front desk")
    in_area = numbers.create(area_code="512")
    assert in_area.phone_number.startswith("+1512")
    assert numbers(given.sid).fetch().phone_number == "+14155550177"
    listed = numbers.list(limit=120, page_size=50)  # three pages, followed through next_page_uri
    assert len(listed) == len({n.sid for n in listed}) == 120
    assert twilio_error(lambda: numbers.create(phone_number="+14155550177")).code == 21422
    assert twilio_error(lambda: numbers.create(phone_number="0800 not a number")).code == 21421
    assert numbers(in_area.sid).delete() is True
    assert twilio_error(lambda: numbers(in_area.sid).fetch()).status == 404


def test_pool_numbers(client):
    owned = client.api.v2010.account.incoming_phone_numbers
    first = owned.create(area_code="206")
    second = owned.create(area_code="206")
    service = client.proxy.v1.services.create(unique_name="twilio-pool")
    pool = client.proxy.v1.services(service.sid).phone_numbers

    by_sid = pool.create(sid=first.sid, is_reserved=True)
    assert (by_sid.sid, by_sid.is_reserved, by_sid.in_use) == (first.sid, True, 0)
    by_number = pool.create(phone_number=second.phone_number)
    assert (by_number.sid, by_number.is_reserved, by_number.iso_country) == (second.sid, False, "US")
    assert pool(first.sid).fetch().phone_number == first.phone_number
    assert pool(first.sid).update(is_reserved=False).is_reserved is False
    assert {n.sid for n in pool.list()} == {first.sid, second.sid}

    assert twilio_error(lambda: pool.create(sid=first.sid)).code == 80104
    assert twilio_error(lambda: pool.create(sid="PN123")).code == 80407
    refused = twilio_error(lambda: owned(first.sid).delete())
    assert (refused.status, refused.code) == (400, 21422)

    assert pool(first.sid).delete() is True
    assert {n.sid for n in pool.list()} == {second.sid}
    assert owned(first.sid).delete() is True
    client.proxy.v1.services(service.sid).delete()


def test_a_full_pool_pages_with_page_size_50_every_number_once(client):
    service = next(s for s in client.proxy.v1.services.list() if s.unique_name == "scale-01")
    http = client.http_client
    before = http.requests
    numbers = list(client.proxy.v1.services(service.sid).phone_numbers.stream(page_size=50))
    assert http.requests - before == (UNRESERVED_LIMIT + RESERVED_LIMIT) // 50  # 110 pages, no extra
    sids = [n.sid for n in numbers]
    assert len(sids) == len(set(sids)) == UNRESERVED_LIMIT + RESERVED_LIMIT
    assert sum(not n.is_reserved for n in numbers) == UNRESERVED_LIMIT
    assert sum(n.is_reserved for n in numbers) == RESERVED_LIMIT


def test_wrong_credentials_are_refused(server):
    stranger = Client(server.account_sid, "not-the-token", http_client=CheckedHttpClient())
    stranger.proxy.base_url = server.base_url
    refused = twilio_error(lambda: stranger.proxy.v1.services.create(unique_name="intruder"))
    assert (refused.status, refused.code) == (401, 20003)
    stranger.api.base_url = server.base_url
    foreign = twilio_error(lambda: stranger.api.v2010.accounts("AC" + "0" * 32).incoming_phone_numbers.create())
    assert (foreign.status, foreign.code) == (401, 20003)


def test_sessions_and_participants(client):
    owned = client.api.v2010.account.incoming_phone_numbers
    numbers = [owned.create(area_code="907"), owned.create(area_code="907")]
    service = client.proxy.v1.services.create(unique_name="twilio-sessions")
    proxy = client.proxy.v1.services(service.sid)
    for n in numbers:
        proxy.phone_numbers.create(sid=n.sid)
    sessions = proxy.sessions

    # create with participants: twilio-python sends each as a JSON object in a repeated field
    ride = sessions.create(unique_name="Ride 1", ttl=600, mode="voice-and-message", participants=[
        {"Identifier": "+19072001001", "FriendlyName": "rider"},
        {"Identifier": "+19072001002", "ProxyIdentifierSid": numbers[1].sid}])
    assert (ride.sid[:2], ride.unique_name, ride.ttl, ride.status) == ("KC", "Ride 1", 600, "open")
    members = sessions(ride.sid).participants.list()
    assert {p.identifier for p in members} == {"+19072001001", "+19072001002"}
    assert {p.proxy_identifier_sid for p in members} <= {n.sid for n in numbers}
    assert sessions("Ride 1").fetch().sid == ride.sid  # fetched by UniqueName
    assert proxy.phone_numbers(numbers[1].sid).fetch().in_use == 1

    later = sessions.create(mode="message-only")
    third = sessions(later.sid).participants.create(identifier="+19072001003", friendly_name="third")
    assert third.proxy_identifier in {n.phone_number for n in numbers}
    assert sessions(later.sid).participants(third.sid).fetch().friendly_name == "third"
    assert [s.sid for s in sessions.list(page_size=1)] == [ride.sid, later.sid]  # two pages of one

    closed = sessions(ride.sid).update(status="closed")
    assert closed.status == "closed" and closed.date_ended is not None
    assert proxy.phone_numbers(numbers[1].sid).fetch().in_use == 0
    assert twilio_error(lambda: sessions(ride.sid).update(status="open")).code == 80608
    assert twilio_error(lambda: sessions.create(unique_name="Ride 1")).code == 80603
    assert twilio_error(lambda: sessions(ride.sid).participants.create(identifier="+19072001004")).code == 80607

    assert sessions(later.sid).participants(third.sid).delete() is True
    # Twilio's soft delete: still listed, with date_deleted, holding no number
    (kept,) = sessions(later.sid).participants.list()
    assert kept.sid == third.sid and kept.date_deleted is not None
    assert sessions(ride.sid).delete() is True
    assert twilio_error(lambda: sessions(ride.sid).fetch()).status == 404
    sessions(later.sid).delete()
    for n in numbers:
        proxy.phone_numbers(n.sid).delete()
    proxy.delete()


def test_messaging_services_and_their_numbers(client, server):
    """client.messaging.base_url is the server's printed TWILIO_MESSAGING_BASE_URL (<base>/messaging)."""
    client.messaging.base_url = server.messaging_base_url
    services = client.messaging.v1.services
    made = services.create(friendly_name="Twilio alerts", usecase="notifications", validity_period=600)
    assert made.sid.startswith("MG") and made.use_inbound_webhook_on_number is False and made.validity_period == 600
    assert services(made.sid).fetch().friendly_name == "Twilio alerts"
    assert services(made.sid).update(use_inbound_webhook_on_number=True).use_inbound_webhook_on_number is True
    assert made.sid in {s.sid for s in services.list(page_size=1)}  # followed through next_page_url

    owned = client.api.v2010.account.incoming_phone_numbers
    spare, pooled = owned.create(area_code="208"), owned.create(area_code="208")
    ks = client.proxy.v1.services.create(unique_name="twilio-messaging")
    client.proxy.v1.services(ks.sid).phone_numbers.create(sid=pooled.sid)
    numbers = services(made.sid).phone_numbers
    added = numbers.create(phone_number_sid=spare.sid)
    assert (added.sid, added.phone_number, added.country_code) == (spare.sid, spare.phone_number, "US")
    assert set(added.capabilities) == {"SMS", "Voice"}
    assert numbers.create(phone_number_sid=pooled.sid).sid == pooled.sid  # a pool number may join (80601's reverse)
    assert {n.sid for n in numbers.list()} == {spare.sid, pooled.sid}
    assert numbers(spare.sid).fetch().service_sid == made.sid
    refused = twilio_error(lambda: client.proxy.v1.services(ks.sid).phone_numbers.create(sid=spare.sid))
    assert (refused.status, refused.code) == (400, 80601)
    assert twilio_error(lambda: services.create(friendly_name="other").phone_numbers.create(
        phone_number_sid=spare.sid)).code == 21712
    assert numbers(spare.sid).delete() is True
    assert services(made.sid).delete() is True
    assert twilio_error(lambda: services(made.sid).fetch()).status == 404
    client.proxy.v1.services(ks.sid).delete()


def test_interactions_and_message_interactions(client):
    owned = client.api.v2010.account.incoming_phone_numbers
    number = owned.create(area_code="907")
    ks = client.proxy.v1.services.create(unique_name="twilio-interactions")
    proxy = client.proxy.v1.services(ks.sid)
    proxy.phone_numbers.create(sid=number.sid)
    session = proxy.sessions.create(participants=[{"Identifier": "+19072001001"}, {"Identifier": "+19072001002"}])
    rider = proxy.sessions(session.sid).participants.list()[0]
    sent = proxy.sessions(session.sid).participants(rider.sid).message_interactions.create(body="Arriving now")
    assert sent.sid.startswith("KI") and sent.type == "message" and sent.participant_sid == rider.sid
    assert sent.outbound_resource_status == "sent" and sent.inbound_resource_status is None
    assert proxy.sessions(session.sid).fetch().status == "in-progress"
    mine = proxy.sessions(session.sid).participants(rider.sid).message_interactions
    assert [i.sid for i in mine.list()] == [sent.sid] and mine(sent.sid).fetch().data == sent.data
    interactions = proxy.sessions(session.sid).interactions
    assert [i.sid for i in interactions.list()] == [sent.sid]
    assert interactions(sent.sid).fetch().outbound_participant_sid == rider.sid
    assert interactions(sent.sid).delete() is True
    assert interactions.list() == []
    proxy.sessions(session.sid).update(status="closed")
    closed = twilio_error(lambda: mine.create(body="late"))
    assert (closed.status, closed.code) == (400, 80607)
    proxy.sessions(session.sid).delete()
    proxy.phone_numbers(number.sid).delete()
    proxy.delete()
