"""The conformance suite: Twilio Proxy's pool rules, row by row, through the seam.

Every test runs against every backend in tests/backends.py (the `world` fixture). The
action under test always goes through `world.backend`; `world.arrange(...)` and
`world.account` (the sandbox behind the backend) are used only to arrange state and
to check that a rejected call changed nothing. Each rejection asserts Twilio's code,
the HTTP status, and that the account is exactly as before.
Rows: tests/reference/README.md, "Pool rules".
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from tests.conformance import rejected
from tests.paging import every_item as _everything
from tui.core import wire
from tui.core.resources import AccountNumber, Service

# -- arranging state ------------------------------------------------------------------

def us_numbers(count: int, start: int = 0, area: str = "415") -> list[str]:
    """Distinct valid US numbers in E.164 (exchange 2xx of a real area code)."""
    return [f"+1{area}{200 + i // 10_000:03d}{i % 10_000:04d}" for i in range(start, start + count)]


def buy(world, count: int, *, start: int = 0, area: str = "415", **spec) -> list[AccountNumber]:
    """Arrange: `count` numbers owned by the account, in one write."""
    specs = [{"phone_number": n, **spec} for n in us_numbers(count, start, area)]
    return world.arrange(world.account.buy_numbers, specs)


def service(world, name: str = "pool", **fields) -> Service:
    return world.arrange(world.account.create_service, name, **fields)


def fill(world, service_sid: str, *, reserved: int = 0, unreserved: int = 0,
         area: str = "212") -> list[tuple[str, bool]]:
    """Arrange: a pool holding this many reserved and unreserved numbers (two writes).
    Returns (sid, is_reserved) in pool order: the reserved ones first."""
    owned = buy(world, reserved + unreserved, area=area)
    entries = [(n.sid, i < reserved) for i, n in enumerate(owned)]
    world.arrange(world.account.add_numbers_bulk, service_sid, entries)
    return entries





# -- 80701 / 80407 / 21421: the create arguments -----------------------------------------

async def test_80701_add_needs_exactly_one_of_sid_or_phone_number(world):
    ks = service(world)
    owned = buy(world, 1)[0]
    await rejected(world, world.backend.add_number(ks.sid), 80701, 400)
    await rejected(
        world, world.backend.add_number(ks.sid, sid=owned.sid, phone_number=owned.phone_number), 80701, 400
    )


@pytest.mark.parametrize("bad_sid", ["PN123", "KS" + "a" * 32, "PN" + "g" * 32, "pn" + "a" * 32])
async def test_80407_sid_must_be_pn_and_32_hex(world, bad_sid):
    ks = service(world)
    buy(world, 1)
    await rejected(world, world.backend.add_number(ks.sid, sid=bad_sid), 80407, 400)


@pytest.mark.parametrize("bad_number", ["4152345678", "+1415", "+1 415 234 5678", "+10000000000", "call me"])
async def test_21421_phone_number_must_be_valid_e164(world, bad_number):
    ks = service(world)
    buy(world, 1)
    await rejected(world, world.backend.add_number(ks.sid, phone_number=bad_number), 21421, 400)


# -- 80301 / 21422: only the account's own numbers ---------------------------------------

async def test_80301_unknown_number_sid_is_404(world):
    ks = service(world)
    buy(world, 1)
    await rejected(world, world.backend.add_number(ks.sid, sid="PN" + "0" * 32), 80301, 404)


async def test_21422_number_not_owned_is_400(world):
    ks = service(world)
    buy(world, 1)
    not_owned = us_numbers(1, start=500)[0]
    await rejected(world, world.backend.add_number(ks.sid, phone_number=not_owned), 21422, 400)


async def test_owned_number_is_added_by_sid_or_by_phone_number(world):
    ks = service(world)
    first, second = buy(world, 2)
    by_sid = await world.backend.add_number(ks.sid, sid=first.sid)
    by_number = await world.backend.add_number(ks.sid, phone_number=second.phone_number, is_reserved=True)
    assert (by_sid.sid, by_sid.phone_number, by_sid.is_reserved) == (first.sid, first.phone_number, False)
    assert (by_number.sid, by_number.is_reserved) == (second.sid, True)
    assert by_sid.service_sid == ks.sid and by_sid.iso_country == "US"
    assert [n.sid for n in (await world.backend.list_numbers(ks.sid)).items] == [first.sid, second.sid]


# -- 80101 / 80104: one Service per number, once ------------------------------------------

async def test_80101_number_in_another_service(world):
    a, b = service(world, "a"), service(world, "b")
    owned = buy(world, 1)[0]
    await world.backend.add_number(a.sid, sid=owned.sid)
    await rejected(world, world.backend.add_number(b.sid, sid=owned.sid), 80101, 400)
    await rejected(world, world.backend.add_number(b.sid, phone_number=owned.phone_number), 80101, 400)


async def test_80104_number_twice_in_the_same_service(world):
    ks = service(world)
    owned = buy(world, 1)[0]
    await world.backend.add_number(ks.sid, sid=owned.sid)
    await rejected(world, world.backend.add_number(ks.sid, sid=owned.sid), 80104, 400)
    await rejected(world, world.backend.add_number(ks.sid, phone_number=owned.phone_number, is_reserved=True),
                   80104, 400)


# -- 80601: Messaging Service numbers ------------------------------------------------------

def messaging_service(world, name: str = "Order alerts", **fields):
    """Arrange: a Messaging Service (Messaging v1) of the account."""
    return world.arrange(world.account.create_messaging_service, name, **fields)


def in_messaging(world, count: int = 1, *, start: int = 0, name: str = "Order alerts", **fields):
    """Arrange: `count` owned numbers in a (new) Messaging Service; returns (service, numbers)."""
    ms = messaging_service(world, name, **fields)
    owned = buy(world, count, start=start)
    for number in owned:
        world.arrange(world.account.add_messaging_number, ms.sid, number.sid)
    return ms, owned


async def test_80601_number_in_a_messaging_service_cannot_join_a_pool(world):
    ks = service(world)
    _, (owned,) = in_messaging(world)
    await rejected(world, world.backend.add_number(ks.sid, sid=owned.sid), 80601, 400)
    await rejected(world, world.backend.add_number(ks.sid, phone_number=owned.phone_number), 80601, 400)


async def test_80601_reverse_order_is_allowed(world):
    """A pooled number may join a Messaging Service afterwards (through Messaging v1), and stays in the pool."""
    ks = service(world)
    owned = buy(world, 1)[0]
    ms = messaging_service(world)
    await world.backend.add_number(ks.sid, sid=owned.sid)
    member = await world.backend.add_messaging_number(ms.sid, owned.sid)
    assert (member.sid, member.service_sid, member.phone_number) == (owned.sid, ms.sid, owned.phone_number)
    number = await world.backend.get_number(ks.sid, owned.sid)
    assert number.messaging == ms.link and not number.messaging.use_inbound_webhook_on_number
    # it stays usable in the pool; only leaving and coming back is refused
    assert (await world.backend.set_reserved(ks.sid, owned.sid, True)).is_reserved
    await world.backend.remove_number(ks.sid, owned.sid)
    await rejected(world, world.backend.add_number(ks.sid, sid=owned.sid), 80601, 400)
    # out of the Messaging Service, it may join again
    await world.backend.remove_messaging_number(ms.sid, owned.sid)
    assert (await world.backend.add_number(ks.sid, sid=owned.sid)).messaging is None


async def test_the_80601_preview_knows_each_number_s_messaging_service(world):
    """What the add dialog shows and refuses before Twilio does, on every backend: the account's
    numbers carry the Messaging Service they are in, by name, and whether it defers to them."""
    ms, (alert,) = in_messaging(world, name="Order alerts")
    codes, (code,) = in_messaging(world, start=10, name="Verification codes", use_inbound_webhook_on_number="true")
    free = buy(world, 1, start=20)[0]
    listed = {n.sid: n for n in (await world.backend.list_account_numbers()).items}
    assert listed[alert.sid].messaging == ms.link and listed[alert.sid].messaging_service_sid == ms.sid
    assert listed[code.sid].messaging.friendly_name == "Verification codes"
    assert listed[code.sid].messaging.use_inbound_webhook_on_number
    assert listed[free.sid].messaging is None
    index = await world.backend.messaging_index()
    assert index.note is None and index.by_number == {alert.sid: ms.link, code.sid: codes.link}


# -- Messaging v1: the other side of the seed's rule ---------------------------------------------------

async def test_messaging_services_are_made_kept_changed_and_deleted(world):
    made = await world.backend.create_messaging_service("Order alerts", usecase="notifications",
                                                        inbound_request_url="https://example.com/in")
    assert made.sid.startswith("MG") and made.account_sid == world.account.account_sid
    # Twilio's defaults: it does not defer to its numbers' webhooks until told to
    assert (made.use_inbound_webhook_on_number, made.inbound_method, made.validity_period) == (False, "POST", 36000)
    assert await world.backend.get_messaging_service(made.sid) == made
    changed = await world.backend.update_messaging_service(made.sid, use_inbound_webhook_on_number=True,
                                                           friendly_name="Order alerts (US)")
    assert (changed.use_inbound_webhook_on_number, changed.friendly_name) == (True, "Order alerts (US)")
    others = [(await world.backend.create_messaging_service(f"ms-{i}")).sid for i in range(3)]
    seen, token = [], None
    while True:
        page = await world.backend.list_messaging_services(page_size=2, page_token=token)
        seen += [m.sid for m in page.items]
        token = page.next_token
        if not token:
            break
    assert seen == [made.sid, *others]
    owned = buy(world, 2)
    for n in owned:
        await world.backend.add_messaging_number(made.sid, n.sid)
    assert [n.sid for n in (await world.backend.list_messaging_numbers(made.sid)).items] == [n.sid for n in owned]
    await world.backend.delete_messaging_service(made.sid)
    await rejected(world, world.backend.get_messaging_service(made.sid), 20404, 404)
    # its numbers stay the account's, in no Messaging Service
    assert all(n.messaging is None for n in (await world.backend.list_account_numbers()).items)


async def test_messaging_numbers_are_added_fetched_and_removed(world):
    ms = messaging_service(world)
    first, second = buy(world, 2)
    added = await world.backend.add_messaging_number(ms.sid, first.sid)
    assert (added.country_code, added.capabilities) == ("US", ("SMS", "Voice"))
    assert await world.backend.get_messaging_number(ms.sid, first.sid) == added
    await rejected(world, world.backend.get_messaging_number(ms.sid, second.sid), 20404, 404)
    await world.backend.remove_messaging_number(ms.sid, first.sid)
    await rejected(world, world.backend.remove_messaging_number(ms.sid, first.sid), 20404, 404)
    assert (await world.backend.list_messaging_numbers(ms.sid)).items == []


async def test_21712_a_number_is_in_one_messaging_service(world):
    one, (owned,) = in_messaging(world, name="one")
    other = messaging_service(world, "other")
    await rejected(world, world.backend.add_messaging_number(other.sid, owned.sid), 21712, 400)
    await rejected(world, world.backend.add_messaging_number(one.sid, owned.sid), 21712, 400)


async def test_21715_a_messaging_number_can_send_messages(world):
    ms = messaging_service(world)
    voice_only = buy(world, 1, capabilities={"voice": True, "sms": False, "mms": False, "fax": False})[0]
    await rejected(world, world.backend.add_messaging_number(ms.sid, voice_only.sid), 21715, 400)


async def test_21714_a_messaging_service_holds_at_most_400_numbers(world):
    ms, _ = in_messaging(world, 400)
    extra = buy(world, 1, start=900)[0]
    await rejected(world, world.backend.add_messaging_number(ms.sid, extra.sid), 21714, 400)


async def test_21421_only_the_account_s_own_numbers_join_a_messaging_service(world):
    ms = messaging_service(world)
    await rejected(world, world.backend.add_messaging_number(ms.sid, "PN123"), 21421, 400)
    await rejected(world, world.backend.add_messaging_number(ms.sid, UNKNOWN_PN), 21421, 400)
    await rejected(world, world.backend.add_messaging_number("MG" + "0" * 32, buy(world, 1)[0].sid), 20404, 404)


@pytest.mark.parametrize(("fields", "what"), [
    ({"inbound_method": "PUT"}, "InboundMethod"), ({"validity_period": "0"}, "ValidityPeriod"),
    ({"validity_period": "٣"}, "ValidityPeriod"), ({"scan_message_content": "maybe"}, "ScanMessageContent"),
    ({"use_inbound_webhook_on_number": "yes"}, "UseInboundWebhookOnNumber"), ({"usecase": "spam"}, "Usecase"),
])
async def test_20422_messaging_service_parameters_are_the_spec_s(world, fields, what):
    error = await rejected(world, world.backend.create_messaging_service("x", **fields), 20422, 400)
    assert what in error.message
    await rejected(world, world.backend.create_messaging_service(""), 20422, 400)


# -- 80622 / 80624: the pool limits --------------------------------------------------------

async def test_80622_create_over_the_unreserved_limit(world):
    ks = service(world)
    fill(world, ks.sid, unreserved=500)
    extra = buy(world, 2)
    await rejected(world, world.backend.add_number(ks.sid, sid=extra[0].sid), 80622, 400)
    # the limits are separate: a reserved number still fits
    assert (await world.backend.add_number(ks.sid, sid=extra[1].sid, is_reserved=True)).is_reserved


async def test_80622_create_over_the_reserved_limit(world):
    ks = service(world)
    fill(world, ks.sid, reserved=5000)
    extra = buy(world, 2)
    await rejected(world, world.backend.add_number(ks.sid, sid=extra[0].sid, is_reserved=True), 80622, 400)
    assert not (await world.backend.add_number(ks.sid, sid=extra[1].sid)).is_reserved


async def test_80622_reservation_change_over_either_limit(world):
    ks = service(world)
    entries = fill(world, ks.sid, reserved=5000, unreserved=500)
    stats = await world.backend.pool_stats(ks.sid)
    assert (stats.reserved, stats.unreserved) == (5000, 500)
    reserved = await world.backend.get_number(ks.sid, entries[0][0])
    unreserved = await world.backend.get_number(ks.sid, entries[-1][0])
    assert reserved.is_reserved and not unreserved.is_reserved
    await rejected(world, world.backend.set_reserved(ks.sid, reserved.sid, False), 80622, 400)
    await rejected(world, world.backend.set_reserved(ks.sid, unreserved.sid, True), 80622, 400)
    # setting the value a number already has is not a change and is allowed
    assert (await world.backend.set_reserved(ks.sid, reserved.sid, True)).is_reserved


async def test_80624_warning_at_85_percent_of_either_limit(world):
    """Not an error: pool_stats flags it, and the add that reaches it succeeds."""
    ks = service(world)
    fill(world, ks.sid, reserved=4249, unreserved=424)
    stats = await world.backend.pool_stats(ks.sid)
    assert (stats.reserved, stats.unreserved, stats.warning) == (4249, 424, False)
    one, two = buy(world, 2)
    await world.backend.add_number(ks.sid, sid=one.sid)
    stats = await world.backend.pool_stats(ks.sid)
    assert (stats.unreserved, stats.unreserved_warning, stats.reserved_warning, stats.warning) == (
        425, True, False, True)
    await world.backend.add_number(ks.sid, sid=two.sid, is_reserved=True)
    stats = await world.backend.pool_stats(ks.sid)
    assert (stats.reserved, stats.reserved_warning) == (4250, True)
    assert (stats.reserved_limit, stats.unreserved_limit) == (5000, 500)


# -- 80611: numbers in active sessions ---------------------------------------------------------

async def test_80611_number_in_use_cannot_be_removed_until_it_drains(world):
    ks = service(world)
    owned = buy(world, 1)[0]
    await world.backend.add_number(ks.sid, sid=owned.sid)
    # arrange: an open session whose participant got this number (the pool's only one) as proxy
    session = world.arrange(world.account.create_session, ks.sid, unique_name="order-1042")
    participant = world.arrange(world.account.add_participant, ks.sid, session.sid, identifier="+12124567890")
    assert participant.proxy_identifier_sid == owned.sid
    assert (await world.backend.get_number(ks.sid, owned.sid)).in_use == 1
    assert (await world.backend.pool_stats(ks.sid)).in_use_numbers == 1
    await rejected(world, world.backend.remove_number(ks.sid, owned.sid), 80611, 400)
    # reserve it, let it drain (the session closes), then remove it
    assert (await world.backend.set_reserved(ks.sid, owned.sid, True)).is_reserved
    world.arrange(world.account.update_session, ks.sid, session.sid, status="closed")
    assert (await world.backend.get_number(ks.sid, owned.sid)).in_use == 0
    await world.backend.remove_number(ks.sid, owned.sid)
    assert (await world.backend.list_numbers(ks.sid)).items == []


# -- 20404: unknown things ---------------------------------------------------------------------

UNKNOWN_KS = "KS" + "0" * 32
UNKNOWN_PN = "PN" + "0" * 32


async def test_20404_unknown_service(world):
    owned = buy(world, 1)[0]
    backend = world.backend
    for call in (
        backend.get_service(UNKNOWN_KS),
        backend.get_service("not-a-sid"),
        backend.update_service(UNKNOWN_KS, default_ttl=60),
        backend.delete_service(UNKNOWN_KS),
        backend.list_numbers(UNKNOWN_KS),
        backend.get_number(UNKNOWN_KS, owned.sid),
        backend.add_number(UNKNOWN_KS, sid=owned.sid),
        backend.set_reserved(UNKNOWN_KS, owned.sid, True),
        backend.remove_number(UNKNOWN_KS, owned.sid),
        backend.pool_stats(UNKNOWN_KS),
    ):
        await rejected(world, call, 20404, 404)


async def test_20404_unknown_number_in_a_service(world):
    ks, other = service(world, "a"), service(world, "b")
    owned, elsewhere = buy(world, 2)  # owned but in no pool; and one in another pool
    await world.backend.add_number(other.sid, sid=elsewhere.sid)
    backend = world.backend
    for sid in (UNKNOWN_PN, owned.sid, elsewhere.sid):
        await rejected(world, backend.get_number(ks.sid, sid), 20404, 404)
        await rejected(world, backend.set_reserved(ks.sid, sid, True), 20404, 404)
        await rejected(world, backend.remove_number(ks.sid, sid), 20404, 404)


# -- 20007 and paging ---------------------------------------------------------------------------

async def test_20007_page_size_over_1000(world):
    ks = service(world)
    fill(world, ks.sid, unreserved=3)
    await rejected(world, world.backend.list_numbers(ks.sid, page_size=1001), 20007, 400)
    await rejected(world, world.backend.list_services(page_size=1001), 20007, 400)
    await rejected(world, world.backend.list_account_numbers(page_size=1001), 20007, 400)
    assert len((await world.backend.list_numbers(ks.sid, page_size=1000)).items) == 3


async def test_paging_default_50_and_at_most_100_a_page(world):
    ks = service(world)
    fill(world, ks.sid, reserved=30, unreserved=200)
    first = await world.backend.list_numbers(ks.sid)
    assert len(first.items) == 50 and first.page_size == 50
    assert first.previous_token is None and first.next_token
    for size in (100, 101, 1000):
        page = await world.backend.list_numbers(ks.sid, page_size=size)
        assert len(page.items) == 100
    assert len((await world.backend.list_account_numbers()).items) == 50


@pytest.mark.parametrize("size", [1, 37, 50, 100])
async def test_paging_every_number_once_forward_and_back(world, size):
    ks = service(world)
    fill(world, ks.sid, reserved=40, unreserved=113)
    expected = [n.sid for n in world.arrange(_everything, world.account.list_numbers, ks.sid)]
    assert len(expected) == 153
    pages = []
    page = await world.backend.list_numbers(ks.sid, page_size=size)
    pages.append([n.sid for n in page.items])
    while page.next_token:
        page = await world.backend.list_numbers(ks.sid, page_size=size, page_token=page.next_token)
        pages.append([n.sid for n in page.items])
    assert [sid for p in pages for sid in p] == expected  # every number once, in a stable order
    assert all(len(p) == size for p in pages[:-1]) and 0 < len(pages[-1]) <= size
    back = [[n.sid for n in page.items]]
    while page.previous_token:
        page = await world.backend.list_numbers(ks.sid, page_size=size, page_token=page.previous_token)
        back.append([n.sid for n in page.items])
    assert back == pages[::-1]
    again = await world.backend.list_numbers(ks.sid, page_size=size)
    assert [n.sid for n in again.items] == pages[0]


async def test_paging_services_and_account_numbers(world):
    made = [service(world, f"pool-{i}").sid for i in range(5)]
    buy(world, 7)
    seen, token = [], None
    while True:
        page = await world.backend.list_services(page_size=2, page_token=token)
        seen.extend(s.sid for s in page.items)
        token = page.next_token
        if not token:
            break
    assert seen == made
    owned, token = [], None
    while True:
        page = await world.backend.list_account_numbers(page_size=3, page_token=token)
        owned.extend(n.phone_number for n in page.items)
        token = page.next_token
        if not token:
            break
    assert owned == us_numbers(7)


async def test_paging_stays_stable_while_the_pool_changes(world):
    ks = service(world)
    fill(world, ks.sid, unreserved=120)
    first = await world.backend.list_numbers(ks.sid, page_size=50)
    # a number on the first page leaves and a new one arrives; the next page neither skips nor repeats
    await world.backend.remove_number(ks.sid, first.items[0].sid)
    newcomer = buy(world, 1, start=900)[0]
    await world.backend.add_number(ks.sid, sid=newcomer.sid)
    rest, token = [], first.next_token
    while token:
        page = await world.backend.list_numbers(ks.sid, page_size=50, page_token=token)
        rest.extend(n.sid for n in page.items)
        token = page.next_token
    first_sids = [n.sid for n in first.items]
    assert not set(rest) & set(first_sids)
    assert len(rest) == 71 and rest[-1] == newcomer.sid


# -- 80602: Service UniqueName ---------------------------------------------------------------

async def test_80602_unique_name_is_unique(world):
    a = service(world, "rides")
    b = service(world, "food")
    await rejected(world, world.backend.create_service("rides"), 80602, 400)
    await rejected(world, world.backend.update_service(b.sid, unique_name="rides"), 80602, 400)
    # keeping one's own name, and reusing a freed one, are fine
    assert (await world.backend.update_service(a.sid, unique_name="rides")).unique_name == "rides"
    await world.backend.delete_service(a.sid)
    assert (await world.backend.create_service("rides")).unique_name == "rides"


async def test_service_create_and_update_through_the_seam(world):
    created = await world.backend.create_service(
        "dispatch", number_selection_behavior="avoid-sticky", geo_match_level="area-code", default_ttl=600,
        callback_url="https://example.com/cb",
    )
    assert created.sid.startswith("KS") and created.account_sid == world.account.account_sid
    fetched = await world.backend.get_service(created.sid)
    assert fetched == created
    assert (fetched.number_selection_behavior, fetched.geo_match_level, fetched.default_ttl) == (
        "avoid-sticky", "area-code", 600)
    await rejected(world, world.backend.create_service("x", geo_match_level="planet"), 80701, 400)
    await rejected(world, world.backend.create_service(""), 80701, 400)


async def test_deleting_a_service_releases_its_numbers(world):
    a, b = service(world, "a"), service(world, "b")
    owned = buy(world, 1)[0]
    await world.backend.add_number(a.sid, sid=owned.sid)
    await world.backend.delete_service(a.sid)
    assert (await world.backend.add_number(b.sid, sid=owned.sid)).service_sid == b.sid


# -- dates and in_use ---------------------------------------------------------------------------

async def _next_second(after: datetime) -> None:
    """Wait until the clock's whole second is past `after` (Twilio's dates have 1 s resolution)."""
    while datetime.now(UTC).replace(microsecond=0) <= after:
        await asyncio.sleep(0.05)


async def test_date_updated_moves_on_change(world):
    ks = await world.backend.create_service("dates")
    owned = buy(world, 1)[0]
    number = await world.backend.add_number(ks.sid, sid=owned.sid)
    assert ks.date_created == ks.date_updated and number.date_created == number.date_updated
    assert ks.date_created.tzinfo is not None
    await _next_second(max(ks.date_updated, number.date_updated))
    changed = await world.backend.set_reserved(ks.sid, owned.sid, True)
    assert changed.date_updated > number.date_updated and changed.date_created == number.date_created
    renamed = await world.backend.update_service(ks.sid, default_ttl=120)
    assert renamed.date_updated > ks.date_updated and renamed.date_created == ks.date_created
    assert (await world.backend.get_number(ks.sid, owned.sid)).date_updated == changed.date_updated


async def test_in_use_is_present_and_zero_without_sessions(world):
    ks = service(world)
    fill(world, ks.sid, reserved=2, unreserved=3)
    page = await world.backend.list_numbers(ks.sid)
    assert [n.in_use for n in page.items] == [0] * 5
    assert all(wire.render(n)["in_use"] == 0 for n in page.items)
    stats = await world.backend.pool_stats(ks.sid)
    assert (stats.reserved, stats.unreserved, stats.in_use_numbers) == (2, 3, 0)
