"""Conformance rows for Sessions, Participants and Proxy's number selection, through the seam.

Every test runs over every backend in tests/backends.py's SESSION_BACKENDS (the
`session_world` fixture). The action under test goes through `world.backend`;
`world.arrange(...)` is used only to arrange state and to check that a rejected call
changed nothing. Each rejection asserts Twilio's code, the HTTP status, and that the
account (sessions, participants, every number's in_use) is exactly as before.
Rows: tests/reference/README.md, "Sessions and number selection".
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from sandbox.account import SandboxAccount
from sandbox.sessions import CLOSED_BY_TTL
from tests.backends import BACKENDS, SESSION_BACKENDS
from tests.clock import FakeClock
from tests.conformance import account_state, rejected
from tests.reference_files import PROXY_SPEC, reference
from tui.core import wire
from tui.core.seam import SessionBackend
from tui.core.sessions import Participant, Session

ALICE, BOB, CAROL = "+14155551001", "+14155551002", "+12065551003"
VOICE = {"voice": True, "sms": False, "mms": False, "fax": False}
SMS = {"voice": False, "sms": True, "mms": False, "fax": False}


@pytest.fixture(params=SESSION_BACKENDS, ids=SESSION_BACKENDS)
async def session_world(request, tmp_path):
    """A backend that runs sessions (parametrized over SESSION_BACKENDS) and the sandbox behind it."""
    async with BACKENDS[request.param](tmp_path) as world:
        yield world


# -- arranging state ------------------------------------------------------------------------

def us(area: str, count: int, start: int = 0) -> list[str]:
    """Valid US numbers of one area code (exchange 2xx)."""
    return [f"+1{area}2{i // 10_000:02d}{i % 10_000:04d}" for i in range(start, start + count)]


def pool(world, phones: list[str], *, reserved: int = 0, name: str = "pool", caps: dict | None = None,
         **fields) -> tuple[str, list[str]]:
    """Arrange: a Service whose pool holds these numbers (the first `reserved` reserved).
    Returns the Service sid and the number sids, in pool order."""
    acct = world.account
    svc = world.arrange(acct.create_service, name, **fields)
    spec = {"capabilities": caps} if caps else {}
    owned = world.arrange(acct.buy_numbers, [{"phone_number": p, **spec} for p in phones])
    if owned:
        world.arrange(acct.add_numbers_bulk, svc.sid, [(n.sid, i < reserved) for i, n in enumerate(owned)])
    return svc.sid, [n.sid for n in owned]


def add_to_pool(world, service_sid: str, phones: list[str], caps: dict | None = None) -> list[str]:
    spec = {"capabilities": caps} if caps else {}
    owned = world.arrange(world.account.buy_numbers, [{"phone_number": p, **spec} for p in phones])
    world.arrange(world.account.add_numbers_bulk, service_sid, [(n.sid, False) for n in owned])
    return [n.sid for n in owned]




async def proxy_of(world, service_sid: str, session: Session) -> dict[str, str]:
    """identifier -> proxy number of a session's participants."""
    page = await world.backend.list_participants(service_sid, session.sid)
    return {p.identifier: p.proxy_identifier for p in page.items}


async def in_use(world, service_sid: str, number_sid: str) -> int:
    return (await world.backend.get_number(service_sid, number_sid)).in_use


# -- the wire form ----------------------------------------------------------------------------

def test_models_carry_exactly_the_spec_fields():
    schemas = reference(PROXY_SPEC)["components"]["schemas"]
    from datetime import UTC, datetime
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    s = Session("KC" + "a" * 32, "KS" + "b" * 32, "AC" + "c" * 32, now, now, unique_name="x", ttl=60,
                date_expiry=now + timedelta(seconds=60))
    p = Participant("KP" + "d" * 32, s.sid, s.service_sid, s.account_sid, ALICE, now, now,
                    proxy_identifier=BOB, proxy_identifier_sid="PN" + "e" * 32)
    assert set(wire.render(s)) == set(schemas["proxy.v1.service.session"]["properties"])
    assert set(wire.render(p)) == set(schemas["proxy.v1.service.session.participant"]["properties"])
    assert wire.parse_session(wire.render(s)) == s
    assert wire.parse_participant(wire.render(p)) == p


async def test_the_backend_runs_sessions(session_world):
    assert isinstance(session_world.backend, SessionBackend)


# -- sessions ---------------------------------------------------------------------------------

async def test_create_fetch_list_update_delete_a_session(session_world):
    w = session_world
    svc, _ = pool(w, us("415", 2), default_ttl=600)
    s = await w.backend.create_session(svc, unique_name="Order #1234")
    assert (s.status, s.mode, s.ttl, s.unique_name) == ("open", "voice-and-message", 600, "Order #1234")
    assert s.date_expiry == s.date_created + timedelta(seconds=600)
    assert (await w.backend.get_session(svc, s.sid)) == s
    assert (await w.backend.get_session(svc, "Order #1234")).sid == s.sid  # Twilio fetches by UniqueName too
    s2 = await w.backend.create_session(svc, ttl=0, mode="message-only")
    assert s2.date_expiry is None and s2.mode == "message-only"
    assert [x.sid for x in (await w.backend.list_sessions(svc)).items] == [s.sid, s2.sid]
    changed = await w.backend.update_session(svc, s.sid, ttl=60)
    assert changed.ttl == 60 and changed.date_expiry is not None
    closed = await w.backend.update_session(svc, s.sid, status="closed")
    assert closed.status == "closed" and closed.date_ended is not None
    reopened = await w.backend.update_session(svc, s.sid, status="in-progress")
    assert reopened.status == "in-progress" and reopened.date_ended is None
    await w.backend.delete_session(svc, s.sid)
    assert [x.sid for x in (await w.backend.list_sessions(svc)).items] == [s2.sid]


async def test_session_unique_name_is_unique_in_the_service_80603(session_world):
    w = session_world
    svc, _ = pool(w, us("415", 1))
    await w.backend.create_session(svc, unique_name="job-1")
    await rejected(w, w.backend.create_session(svc, unique_name="job-1"), 80603, 400)
    other, _ = pool(w, [], name="other")
    assert (await w.backend.create_session(other, unique_name="job-1")).unique_name == "job-1"


@pytest.mark.parametrize(("start", "to"), [
    ("open", "open"), ("open", "in-progress"), ("in-progress", "in-progress"), ("closed", "closed"),
    ("closed", "open"), ("open", "failed"), ("closed", "unknown"),
])
async def test_status_changes_outside_the_table_80608(session_world, start, to):
    w = session_world
    svc, _ = pool(w, us("415", 1))
    s = await w.backend.create_session(svc, status="in-progress" if start == "in-progress" else None)
    if start == "closed":
        await w.backend.update_session(svc, s.sid, status="closed")
    await rejected(w, w.backend.update_session(svc, s.sid, status=to), 80608, 400)


async def test_a_session_is_created_open_or_in_progress_80608(session_world):
    w = session_world
    svc, _ = pool(w, us("415", 1))
    await rejected(w, w.backend.create_session(svc, status="closed"), 80608, 400)


async def test_bad_session_parameters_80701(session_world):
    w = session_world
    svc, _ = pool(w, us("415", 1))
    await rejected(w, w.backend.create_session(svc, mode="video"), 80701, 400)
    await rejected(w, w.backend.create_session(svc, ttl=-5), 80701, 400)
    await rejected(w, w.backend.create_session(svc, unique_name="x" * 192), 80701, 400)


async def test_unknown_session_and_participant_20404(session_world):
    w = session_world
    svc, _ = pool(w, us("415", 1))
    s = await w.backend.create_session(svc)
    ghost = "KC" + "0" * 32
    await rejected(w, w.backend.get_session(svc, ghost), 20404, 404)
    await rejected(w, w.backend.update_session(svc, ghost, status="closed"), 20404, 404)
    await rejected(w, w.backend.delete_session(svc, ghost), 20404, 404)
    await rejected(w, w.backend.add_participant(svc, ghost, identifier=ALICE), 20404, 404)
    await rejected(w, w.backend.get_participant(svc, s.sid, "KP" + "0" * 32), 20404, 404)
    await rejected(w, w.backend.get_session(svc, "no such name"), 80308, 404)
    await rejected(w, w.backend.create_session("KS" + "0" * 32), 20404, 404)


# -- participants -----------------------------------------------------------------------------

async def test_participants_add_list_fetch_remove(session_world):
    w = session_world
    svc, (n1, _) = pool(w, us("415", 2))
    s = await w.backend.create_session(svc)
    a = await w.backend.add_participant(svc, s.sid, identifier=ALICE, friendly_name="Alice")
    assert (a.identifier, a.friendly_name, a.proxy_identifier_sid) == (ALICE, "Alice", n1)
    assert (await w.backend.get_participant(svc, s.sid, a.sid)) == a
    assert [p.sid for p in (await w.backend.list_participants(svc, s.sid)).items] == [a.sid]
    assert await in_use(w, svc, n1) == 1
    await w.backend.remove_participant(svc, s.sid, a.sid)
    assert await in_use(w, svc, n1) == 0


async def test_a_deleted_participant_stays_with_its_session_and_cannot_come_back_80103(session_world):
    """The spec's DeleteParticipant: "a soft-delete. The participant remains associated with the session
    and cannot be re-added." It keeps its record (date_deleted set), holds no number, frees its place."""
    w = session_world
    svc, (n1, n2) = pool(w, us("415", 2))
    s = await w.backend.create_session(svc, participants=[{"Identifier": ALICE}])
    (alice,) = (await w.backend.list_participants(svc, s.sid)).items
    await w.backend.remove_participant(svc, s.sid, alice.sid)
    gone = await w.backend.get_participant(svc, s.sid, alice.sid)
    assert gone.date_deleted is not None and gone.proxy_identifier_sid == alice.proxy_identifier_sid
    assert [p.sid for p in (await w.backend.list_participants(svc, s.sid)).items] == [alice.sid]
    assert await in_use(w, svc, alice.proxy_identifier_sid) == 0
    await w.backend.remove_participant(svc, s.sid, alice.sid)  # again: nothing more happens
    assert (await w.backend.get_participant(svc, s.sid, alice.sid)).date_deleted == gone.date_deleted
    await rejected(w, w.backend.add_participant(svc, s.sid, identifier=ALICE), 80103, 400)
    # her place is free again: two more may join (the deleted one does not count), a third may not
    for who in (BOB, CAROL):
        assert (await w.backend.add_participant(svc, s.sid, identifier=who)).proxy_identifier_sid in (n1, n2)
    await rejected(w, w.backend.add_participant(svc, s.sid, identifier="+14155551004"), 80609, 400)
    await rejected(w, w.backend.create_message_interaction(svc, s.sid, alice.sid, body="hi"), 80903, 400)


async def test_at_most_two_participants_80609(session_world):
    w = session_world
    svc, _ = pool(w, us("415", 3))
    s = await w.backend.create_session(svc, participants=[{"Identifier": ALICE}, {"Identifier": BOB}])
    await rejected(w, w.backend.add_participant(svc, s.sid, identifier=CAROL), 80609, 400)
    three = [{"Identifier": ALICE}, {"Identifier": BOB}, {"Identifier": CAROL}]
    await rejected(w, w.backend.create_session(svc, participants=three), 80609, 400)


async def test_same_identifier_twice_in_a_session_80103(session_world):
    w = session_world
    svc, _ = pool(w, us("415", 3))
    s = await w.backend.create_session(svc, participants=[{"Identifier": ALICE}])
    await rejected(w, w.backend.add_participant(svc, s.sid, identifier=ALICE), 80103, 400)
    twice = [{"Identifier": ALICE}, {"identifier": ALICE}]
    await rejected(w, w.backend.create_session(svc, participants=twice), 80103, 400)


async def test_identifier_must_be_a_phone_number_80404(session_world):
    w = session_world
    svc, _ = pool(w, us("415", 1))
    s = await w.backend.create_session(svc)
    await rejected(w, w.backend.add_participant(svc, s.sid, identifier="not a number"), 80404, 400)


async def test_participants_join_active_sessions_only_80607(session_world):
    w = session_world
    svc, _ = pool(w, us("415", 1))
    s = await w.backend.create_session(svc)
    await w.backend.update_session(svc, s.sid, status="closed")
    await rejected(w, w.backend.add_participant(svc, s.sid, identifier=ALICE), 80607, 400)


async def test_a_failing_participant_leaves_no_session(session_world):
    w = session_world
    svc, _ = pool(w, us("415", 1))
    await w.backend.create_session(svc, participants=[{"Identifier": ALICE}])
    # ALICE holds the only number: a new session for her cannot be made, and none is left behind
    await rejected(w, w.backend.create_session(svc, unique_name="x", participants=[{"Identifier": BOB},
                                                                                   {"Identifier": ALICE}]),
                   80208, 400)


# -- explicit proxy numbers -------------------------------------------------------------------

async def test_explicit_proxy_must_be_in_the_pool_80605(session_world):
    w = session_world
    svc, _ = pool(w, us("415", 1))
    _, (foreign,) = pool(w, us("212", 1), name="other")
    s = await w.backend.create_session(svc)
    await rejected(w, w.backend.add_participant(svc, s.sid, identifier=ALICE, proxy_identifier=us("212", 1)[0]),
                   80605, 400)
    await rejected(w, w.backend.add_participant(svc, s.sid, identifier=ALICE, proxy_identifier_sid=foreign),
                   80605, 400)


async def test_explicit_proxy_may_be_reserved(session_world):
    w = session_world
    svc, (reserved, _) = pool(w, us("415", 2), reserved=1)
    s = await w.backend.create_session(svc)
    p = await w.backend.add_participant(svc, s.sid, identifier=ALICE, proxy_identifier_sid=reserved)
    assert p.proxy_identifier_sid == reserved and p.proxy_identifier == us("415", 1)[0]
    assert await in_use(w, svc, reserved) == 1
    q = await w.backend.add_participant(svc, s.sid, identifier=BOB, proxy_identifier=us("415", 1)[0])
    assert q.proxy_identifier_sid == reserved
    assert await in_use(w, svc, reserved) == 1  # one session, however many of its participants hold it


async def test_explicit_proxy_already_held_by_the_identifier_conflicts_80623(session_world):
    w = session_world
    svc, (n1, _) = pool(w, us("415", 2))
    await w.backend.create_session(svc, participants=[{"Identifier": ALICE, "ProxyIdentifierSid": n1}])
    s2 = await w.backend.create_session(svc)
    await rejected(w, w.backend.add_participant(svc, s2.sid, identifier=ALICE, proxy_identifier_sid=n1), 80623, 409)
    # someone else may share it
    assert (await w.backend.add_participant(svc, s2.sid, identifier=BOB, proxy_identifier_sid=n1)).proxy_identifier_sid == n1


async def test_reopening_rechecks_the_invariant_80623(session_world):
    w = session_world
    svc, (n1,) = pool(w, us("415", 1))
    s1 = await w.backend.create_session(svc, participants=[{"Identifier": ALICE}])
    await w.backend.update_session(svc, s1.sid, status="closed")
    await w.backend.create_session(svc, participants=[{"Identifier": ALICE}])  # takes n1 again
    await rejected(w, w.backend.update_session(svc, s1.sid, status="in-progress"), 80623, 409)
    assert await in_use(w, svc, n1) == 1


async def test_reopening_a_session_whose_number_left_the_pool_80605(session_world):
    w = session_world
    svc, (n1,) = pool(w, us("415", 1))
    s1 = await w.backend.create_session(svc, participants=[{"Identifier": ALICE}])
    await w.backend.update_session(svc, s1.sid, status="closed")
    await w.backend.remove_number(svc, n1)
    await rejected(w, w.backend.update_session(svc, s1.sid, status="in-progress"), 80605, 400)


# -- number selection: no candidate -------------------------------------------------------------

async def test_empty_pool_80205(session_world):
    w = session_world
    svc, _ = pool(w, [])
    s = await w.backend.create_session(svc)
    await rejected(w, w.backend.add_participant(svc, s.sid, identifier=ALICE), 80205, 400)


async def test_no_number_for_the_country_80203(session_world):
    w = session_world
    svc, _ = pool(w, ["+447400123456"])
    s = await w.backend.create_session(svc)
    await rejected(w, w.backend.add_participant(svc, s.sid, identifier=ALICE), 80203, 400)


async def test_overlay_matches_every_area_code_of_the_identifier_s_region_80206(session_world):
    """overlay: a number of any area code in the identifier's region (state or province, as phonenumbers'
    geocoder places the area code): 628 (San Francisco's overlay) and 213 (Los Angeles) serve a 415 caller;
    New York's 212 does not, and a caller of a region the pool lacks is 80206."""
    w = session_world
    svc, (ny, sf_overlay, la) = pool(w, [us("212", 1)[0], us("628", 1)[0], us("213", 1)[0]],
                                     geo_match_level="overlay")
    s = await w.backend.create_session(svc)
    first = await w.backend.add_participant(svc, s.sid, identifier=ALICE)  # 415: California
    assert first.proxy_identifier_sid == sf_overlay  # the earliest added of California's two
    s2 = await w.backend.create_session(svc, participants=[{"Identifier": ALICE}])
    assert (await w.backend.list_participants(svc, s2.sid)).items[0].proxy_identifier_sid == la
    s3 = await w.backend.create_session(svc)
    await rejected(w, w.backend.add_participant(svc, s3.sid, identifier=ALICE), 80206, 400)  # both held
    error = await rejected(w, w.backend.add_participant(svc, s3.sid, identifier="+16045551234"), 80203, 400)
    assert "CA" in error.message  # a Canadian caller: no Canadian number at all
    assert (await w.backend.add_participant(svc, s3.sid, identifier="+16465551234")).proxy_identifier_sid == ny
    texas = await w.backend.create_session(svc)
    error = await rejected(w, w.backend.add_participant(svc, texas.sid, identifier="+15125551234"), 80206, 400)
    assert "US-TX" in error.message


async def test_radius_prefers_the_identifier_s_own_area_code_then_its_region(session_world):
    """radius: overlay's candidates, nearest first (the same area code before the rest of the region)."""
    w = session_world
    svc, (la, sf) = pool(w, [us("213", 1)[0], us("415", 1)[0]], geo_match_level="radius",
                         number_selection_behavior="avoid-sticky")
    s = await w.backend.create_session(svc, participants=[{"Identifier": ALICE}])  # 415
    assert (await w.backend.list_participants(svc, s.sid)).items[0].proxy_identifier_sid == sf
    s2 = await w.backend.create_session(svc, participants=[{"Identifier": ALICE}])
    assert (await w.backend.list_participants(svc, s2.sid)).items[0].proxy_identifier_sid == la
    other = await w.backend.create_session(svc, participants=[{"Identifier": "+12135550100"}])
    assert (await w.backend.list_participants(svc, other.sid)).items[0].proxy_identifier_sid == la


async def test_geo_match_level_is_exactly_the_spec_s_enum(session_world):
    w = session_world
    for level in ("area-code", "overlay", "radius", "country"):
        made = await w.backend.create_service(f"geo-{level}", geo_match_level=level)
        assert (await w.backend.get_service(made.sid)).geo_match_level == level
    for level in ("extended-area-code", "Area-Code", "", "country "):
        error = await rejected(w, w.backend.create_service("geo-bad", geo_match_level=level), 80701, 400)
        assert "area-code, overlay, radius, country" in error.message


async def test_area_code_matching_80206(session_world):
    w = session_world
    svc, _ = pool(w, us("212", 2), geo_match_level="area-code")
    s = await w.backend.create_session(svc)
    await rejected(w, w.backend.add_participant(svc, s.sid, identifier=ALICE), 80206, 400)  # 415 vs 212
    p = await w.backend.add_participant(svc, s.sid, identifier="+12125551212")
    assert p.proxy_identifier.startswith("+1212")


async def test_area_code_matches_all_held_80206(session_world):
    w = session_world
    svc, _ = pool(w, us("415", 1) + us("212", 1), geo_match_level="area-code")
    await w.backend.create_session(svc, participants=[{"Identifier": ALICE}])
    s = await w.backend.create_session(svc)
    await rejected(w, w.backend.add_participant(svc, s.sid, identifier=ALICE), 80206, 400)


async def test_area_code_matching_is_north_american_only(session_world):
    w = session_world
    svc, _ = pool(w, ["+447400123456"], geo_match_level="area-code")
    s = await w.backend.create_session(svc)
    assert (await w.backend.add_participant(svc, s.sid, identifier="+447400999999")).proxy_identifier == "+447400123456"


async def test_voice_modes_need_voice_numbers_80201(session_world):
    w = session_world
    svc, _ = pool(w, us("415", 1), caps=SMS)
    add_to_pool(w, svc, us("415", 1, start=1), caps=VOICE)
    s = await w.backend.create_session(svc)  # voice-and-message: voice and SMS on one number
    await rejected(w, w.backend.add_participant(svc, s.sid, identifier=ALICE), 80201, 400)
    voice = await w.backend.create_session(svc, mode="voice-only")
    assert (await w.backend.add_participant(svc, voice.sid, identifier=ALICE)).proxy_identifier == us("415", 1, 1)[0]


async def test_voice_only_without_voice_numbers_80201(session_world):
    w = session_world
    svc, _ = pool(w, us("415", 2), caps=SMS)
    s = await w.backend.create_session(svc, mode="voice-only")
    await rejected(w, w.backend.add_participant(svc, s.sid, identifier=ALICE), 80201, 400)


async def test_message_only_needs_sms_numbers_80202(session_world):
    w = session_world
    svc, _ = pool(w, us("415", 2), caps=VOICE)
    s = await w.backend.create_session(svc, mode="message-only")
    await rejected(w, w.backend.add_participant(svc, s.sid, identifier=ALICE), 80202, 400)


async def test_only_reserved_numbers_match_80207(session_world):
    w = session_world
    svc, _ = pool(w, us("415", 2) + ["+447400123456"], reserved=2)
    s = await w.backend.create_session(svc)
    await rejected(w, w.backend.add_participant(svc, s.sid, identifier=ALICE), 80207, 400)


async def test_every_match_held_by_the_identifier_80208(session_world):
    w = session_world
    svc, numbers = pool(w, us("415", 3))
    held = set()
    for _ in range(3):
        s = await w.backend.create_session(svc, participants=[{"Identifier": ALICE}])
        held.update((await proxy_of(w, svc, s)).values())
    assert len(held) == 3  # three sessions at once: three different numbers
    s = await w.backend.create_session(svc)
    await rejected(w, w.backend.add_participant(svc, s.sid, identifier=ALICE), 80208, 400)
    # someone else is fine: people may share numbers
    assert (await w.backend.add_participant(svc, s.sid, identifier=BOB)).proxy_identifier_sid == numbers[0]


# -- number selection: the choice -----------------------------------------------------------------

async def test_shared_dialling_codes(session_world):
    w = session_world
    svc, _ = pool(w, us("415", 1) + ["+447400123456"])
    s = await w.backend.create_session(svc)
    assert (await w.backend.add_participant(svc, s.sid, identifier="+12423591234")).proxy_identifier == us("415", 1)[0]
    assert (await w.backend.add_participant(svc, s.sid, identifier="+447797912345")).proxy_identifier == "+447400123456"
    # an island with numbers of its own in the pool uses them
    (bs,) = add_to_pool(w, svc, ["+12423591235"])
    s2 = await w.backend.create_session(svc)
    assert (await w.backend.add_participant(svc, s2.sid, identifier="+12423591234")).proxy_identifier_sid == bs
    # Canada is not an island: no Canadian number, no candidate
    await rejected(w, w.backend.add_participant(svc, s2.sid, identifier="+16135550123"), 80203, 400)


async def test_least_in_use_then_earliest_added(session_world):
    w = session_world
    svc, (n1, n2, n3) = pool(w, us("415", 3))
    first = await w.backend.create_session(svc, participants=[{"Identifier": ALICE}, {"Identifier": BOB}])
    assert set((await proxy_of(w, svc, first)).values()) == {us("415", 1)[0]}  # a pair shares a number
    second = await w.backend.create_session(svc, participants=[{"Identifier": CAROL}])
    assert (await proxy_of(w, svc, second))[CAROL] == us("415", 1, 1)[0]  # n2: least in use, then earliest
    assert [await in_use(w, svc, n) for n in (n1, n2, n3)] == [1, 1, 0]


async def test_prefer_sticky_reuses_the_number_it_had(session_world):
    w = session_world
    svc, (n1, n2, n3) = pool(w, us("415", 3))
    keep = await w.backend.create_session(svc, participants=[{"Identifier": BOB}])  # n1 busy
    old = await w.backend.create_session(svc, participants=[{"Identifier": ALICE}])  # ALICE gets n2
    assert (await w.backend.list_participants(svc, old.sid)).items[0].proxy_identifier_sid == n2
    await w.backend.update_session(svc, old.sid, status="closed")
    await w.backend.delete_session(svc, keep.sid)  # now n1 is idle and added earlier
    again = await w.backend.create_session(svc, participants=[{"Identifier": ALICE}])
    assert (await w.backend.list_participants(svc, again.sid)).items[0].proxy_identifier_sid == n2


async def test_avoid_sticky_prefers_numbers_it_never_had(session_world):
    w = session_world
    svc, (n1, n2) = pool(w, us("415", 2), number_selection_behavior="avoid-sticky")
    old = await w.backend.create_session(svc, participants=[{"Identifier": ALICE}])
    assert (await w.backend.list_participants(svc, old.sid)).items[0].proxy_identifier_sid == n1
    await w.backend.update_session(svc, old.sid, status="closed")
    again = await w.backend.create_session(svc, participants=[{"Identifier": ALICE}])
    assert (await w.backend.list_participants(svc, again.sid)).items[0].proxy_identifier_sid == n2


# -- in_use and removal ---------------------------------------------------------------------------

async def test_in_use_follows_open_close_reopen_delete(session_world):
    w = session_world
    svc, (n1,) = pool(w, us("415", 1))
    s = await w.backend.create_session(svc, participants=[{"Identifier": ALICE}, {"Identifier": BOB}])
    assert await in_use(w, svc, n1) == 1
    await w.backend.update_session(svc, s.sid, status="closed")
    assert await in_use(w, svc, n1) == 0
    await w.backend.update_session(svc, s.sid, status="in-progress")
    assert await in_use(w, svc, n1) == 1
    assert (await w.backend.pool_stats(svc)).in_use_numbers == 1
    await w.backend.delete_session(svc, s.sid)
    assert await in_use(w, svc, n1) == 0


async def test_a_busy_number_is_drained_then_removed_80611(session_world):
    w = session_world
    svc, (n1,) = pool(w, us("415", 1))
    s = await w.backend.create_session(svc, participants=[{"Identifier": ALICE}])
    await w.backend.set_reserved(svc, n1, True)
    await rejected(w, w.backend.remove_number(svc, n1), 80611, 400)
    await w.backend.update_session(svc, s.sid, status="closed")
    await w.backend.remove_number(svc, n1)
    assert (await w.backend.list_numbers(svc)).items == []


async def test_a_session_expires_after_its_ttl_and_can_be_reopened(session_world):
    """Time on the sandbox's (fake) clock: at its expiry a session closes as Twilio closes it,
    its number leaves in_use and can be removed; a re-open counts the TTL afresh."""
    w = session_world
    clock = FakeClock()
    w.arrange(setattr, w.account, "clock", clock)
    svc, (n1,) = pool(w, us("415", 1))
    s = await w.backend.create_session(svc, ttl=60, participants=[{"Identifier": ALICE}])
    assert s.date_expiry == s.date_created + timedelta(seconds=60)
    await rejected(w, w.backend.remove_number(svc, n1), 80611, 400)
    clock.advance(60)
    gone = await w.backend.get_session(svc, s.sid)
    assert (gone.status, gone.closed_reason, gone.date_ended) == ("closed", CLOSED_BY_TTL, s.date_expiry)
    assert [x.status for x in (await w.backend.list_sessions(svc)).items] == ["closed"]
    assert await in_use(w, svc, n1) == 0
    back = await w.backend.update_session(svc, s.sid, status="in-progress")
    assert (back.status, back.date_ended, back.date_expiry) == ("in-progress", None,
                                                              clock.now + timedelta(seconds=60))
    assert await in_use(w, svc, n1) == 1
    clock.advance(60)
    await w.backend.remove_number(svc, n1)  # expired again: no 80611
    assert (await w.backend.list_numbers(svc)).items == []


async def test_sessions_survive_reopening_the_sandbox(tmp_path):
    acct = SandboxAccount.create(tmp_path / "s.json")
    svc = acct.create_service("p")
    owned = acct.buy_numbers([{"phone_number": p} for p in us("415", 2)])
    acct.add_numbers_bulk(svc.sid, [(n.sid, False) for n in owned])
    s = acct.create_session(svc.sid, unique_name="kept", participants=[{"Identifier": ALICE}])
    closed = acct.create_session(svc.sid, participants=[{"Identifier": BOB}])
    acct.update_session(svc.sid, closed.sid, status="closed")
    before = account_state(acct)
    acct.close()
    again = SandboxAccount.open(tmp_path / "s.json")
    try:
        assert account_state(again) == before
        assert again.get_session(svc.sid, "kept").sid == s.sid
        assert again.sessions.in_use_counts() == {owned[0].sid: 1}
    finally:
        again.close()


# -- interactions: messages through a session ---------------------------------------------------------

async def test_a_message_interaction_is_recorded_and_moves_an_open_session_in_progress(session_world):
    w = session_world
    clock = FakeClock()
    w.arrange(setattr, w.account, "clock", clock)
    svc, _ = pool(w, us("415", 2))
    s = await w.backend.create_session(svc, ttl=600, participants=[{"Identifier": ALICE}, {"Identifier": BOB}])
    assert s.status == "open" and s.date_last_interaction is None
    bob = next(p for p in (await w.backend.list_participants(svc, s.sid)).items if p.identifier == BOB)
    clock.advance(30)
    sent = await w.backend.create_message_interaction(svc, s.sid, bob.sid, body="Your driver is here")
    assert sent.sid.startswith("KI") and sent.type == "message" and sent.participant_sid == bob.sid
    assert json.loads(sent.data) == {"body": "Your driver is here"}
    assert (sent.outbound_participant_sid, sent.outbound_resource_type, sent.outbound_resource_status) == (
        bob.sid, "Message", "sent")
    assert sent.outbound_resource_sid.startswith("SM")
    assert (sent.inbound_participant_sid, sent.inbound_resource_sid, sent.inbound_resource_status) == (None,) * 3
    moved = await w.backend.get_session(svc, s.sid)
    assert (moved.status, moved.date_last_interaction) == ("in-progress", clock.now)
    assert moved.date_expiry == clock.now + timedelta(seconds=600)  # the TTL counts from the last interaction
    assert await w.backend.get_message_interaction(svc, s.sid, bob.sid, sent.sid) == sent
    assert [i.sid for i in (await w.backend.list_message_interactions(svc, s.sid, bob.sid)).items] == [sent.sid]
    listed = (await w.backend.list_interactions(svc, s.sid)).items
    assert [i.sid for i in listed] == [sent.sid] and listed[0].data == sent.data
    assert await w.backend.get_interaction(svc, s.sid, sent.sid) == listed[0]
    # the other participant's MessageInteractions do not hold it
    alice = next(p for p in (await w.backend.list_participants(svc, s.sid)).items if p.identifier == ALICE)
    assert (await w.backend.list_message_interactions(svc, s.sid, alice.sid)).items == []
    await rejected(w, w.backend.get_message_interaction(svc, s.sid, alice.sid, sent.sid), 20404, 404)
    await w.backend.delete_interaction(svc, s.sid, sent.sid)
    await rejected(w, w.backend.get_interaction(svc, s.sid, sent.sid), 20404, 404)
    assert (await w.backend.list_message_interactions(svc, s.sid, bob.sid)).items == []
    assert (await w.backend.get_session(svc, s.sid)).status == "in-progress"  # it stays in progress


async def test_messages_go_through_active_message_sessions_only_80607_80910(session_world):
    w = session_world
    svc, _ = pool(w, us("415", 3))
    closed = await w.backend.create_session(svc, participants=[{"Identifier": ALICE}])
    (alice,) = (await w.backend.list_participants(svc, closed.sid)).items
    await w.backend.update_session(svc, closed.sid, status="closed")
    await rejected(w, w.backend.create_message_interaction(svc, closed.sid, alice.sid, body="hi"), 80607, 400)
    voice = await w.backend.create_session(svc, mode="voice-only", participants=[{"Identifier": BOB}])
    (bob,) = (await w.backend.list_participants(svc, voice.sid)).items
    await rejected(w, w.backend.create_message_interaction(svc, voice.sid, bob.sid, body="hi"), 80910, 400)
    texts = await w.backend.create_session(svc, mode="message-only", participants=[{"Identifier": CAROL}])
    (carol,) = (await w.backend.list_participants(svc, texts.sid)).items
    for body in ("", "x" * 1601):
        await rejected(w, w.backend.create_message_interaction(svc, texts.sid, carol.sid, body=body), 80701, 400)
    assert len((await w.backend.create_message_interaction(svc, texts.sid, carol.sid, body="x" * 1600)).data) > 1600


async def test_unknown_interactions_are_20404_and_a_session_delete_takes_its_interactions(session_world):
    w = session_world
    svc, _ = pool(w, us("415", 2))
    s = await w.backend.create_session(svc, participants=[{"Identifier": ALICE}])
    (alice,) = (await w.backend.list_participants(svc, s.sid)).items
    ghost = "KI" + "0" * 32
    await rejected(w, w.backend.get_interaction(svc, s.sid, ghost), 20404, 404)
    await rejected(w, w.backend.delete_interaction(svc, s.sid, ghost), 20404, 404)
    await rejected(w, w.backend.get_interaction(svc, s.sid, "not-a-sid"), 20404, 404)
    await rejected(w, w.backend.get_message_interaction(svc, s.sid, alice.sid, ghost), 20404, 404)
    await rejected(w, w.backend.create_message_interaction(svc, s.sid, "KP" + "0" * 32, body="hi"), 20404, 404)
    sent = await w.backend.create_message_interaction(svc, s.sid, alice.sid, body="hello")
    await w.backend.delete_session(svc, s.sid)
    await rejected(w, w.backend.get_interaction(svc, s.sid, sent.sid), 20404, 404)
    assert w.account.interactions.books[svc].doc_of == {}
