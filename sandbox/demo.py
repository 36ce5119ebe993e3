"""A realistic demo account, the same for the same seed.

Three Proxy Services (a rideshare, a food-delivery and a marketplace pool) with about
300 numbers across US, CA, GB, AU and DE, some reserved, plus 60 owned numbers in no
pool, and two Messaging Services (Messaging v1): "Order alerts", which does not defer to
its numbers' webhooks, and "Verification codes", which does. Six spares are in them (so
80601 can be met), and so is one pool number each (the reverse order, which Twilio allows:
the one in "Order alerts" shows the app's warning that its inbound messages no longer reach
Proxy). Every number is generated from real numbering plans and checked with phonenumbers:
valid, and in the intended country. Everything is written in a handful of durable writes,
so `init` is quick.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import phonenumbers

from sandbox.account import SandboxAccount
from tui.core.sids import new_sid

# National prefixes per country and city: (city, prefixes, digits after the prefix).
# US/CA: area code + exchange (first digit 2-9); others: real mobile and city ranges.
PLANS: dict[str, list[tuple[str, tuple[str, ...], int]]] = {
    "US": [
        ("San Francisco", ("415", "628"), 7), ("New York", ("212", "646", "917"), 7),
        ("Chicago", ("312", "773"), 7), ("Seattle", ("206",), 7), ("Austin", ("512", "737"), 7),
        ("Boston", ("617",), 7), ("Los Angeles", ("213", "310", "323"), 7), ("Miami", ("305", "786"), 7),
    ],
    "CA": [
        ("Toronto", ("416", "647"), 7), ("Vancouver", ("604", "778"), 7),
        ("Montreal", ("514", "438"), 7), ("Calgary", ("403",), 7), ("Ottawa", ("613",), 7),
    ],
    "GB": [
        ("London", ("74", "75", "77", "78", "79"), 8), ("Manchester", ("74", "75", "77", "78"), 8),
        ("London", ("2079", "2038"), 6), ("Manchester", ("161",), 7), ("Birmingham", ("121",), 7),
    ],
    "AU": [
        ("Sydney", ("41", "42", "43", "45"), 7), ("Melbourne", ("40", "41", "47"), 7),
        ("Sydney", ("29",), 7), ("Melbourne", ("39",), 7), ("Brisbane", ("73",), 7),
    ],
    "DE": [
        ("Berlin", ("151", "160", "176"), 8), ("Berlin", ("170", "171"), 7), ("Munich", ("152", "172"), 8),
        ("Berlin", ("30",), 8), ("Munich", ("89",), 8), ("Hamburg", ("40",), 8),
    ],
}

# Capability mixes as Twilio reports them: MMS exists in North America only.
VOICE_SMS = {"voice": True, "sms": True, "mms": False, "fax": False}
VOICE_SMS_MMS = {"voice": True, "sms": True, "mms": True, "fax": False}
SMS_ONLY = {"voice": False, "sms": True, "mms": False, "fax": False}
VOICE_ONLY = {"voice": True, "sms": False, "mms": False, "fax": False}


@dataclass(frozen=True)
class PoolPlan:
    unique_name: str
    label: str  # short word used in the numbers' friendly names
    fields: dict
    countries: dict[str, int]  # country -> how many numbers
    reserved_share: float


POOLS = (
    PoolPlan(
        "ridealong-rider-driver", "Rides",
        {"number_selection_behavior": "prefer-sticky", "geo_match_level": "area-code", "default_ttl": 3600,
         "callback_url": "https://rides.example.com/proxy/callback",
         "intercept_callback_url": "https://rides.example.com/proxy/intercept"},
        {"US": 80, "CA": 30}, 0.10,
    ),
    PoolPlan(
        "dashbite-courier-contact", "Courier",
        {"number_selection_behavior": "avoid-sticky", "geo_match_level": "overlay",
         "default_ttl": 7200, "callback_url": "https://dashbite.example.com/hooks/proxy",
         "out_of_session_callback_url": "https://dashbite.example.com/hooks/proxy/out-of-session"},
        {"US": 45, "CA": 10, "GB": 25, "AU": 20}, 0.15,
    ),
    PoolPlan(
        "tradepost-buyer-seller", "Market",
        {"number_selection_behavior": "prefer-sticky", "geo_match_level": "country", "default_ttl": 86400,
         "callback_url": "https://tradepost.example.com/api/proxy-events"},
        {"GB": 30, "DE": 30, "AU": 15, "US": 15}, 0.20,
    ),
)

SPARE_COUNTRIES = {"US": 25, "CA": 10, "GB": 10, "AU": 8, "DE": 7}  # owned, in no pool
SPARE_PURPOSES = ("Support line", "Spare", "Ops on-call", "Marketing", "Legacy IVR", "Test")
MESSAGING_SPARES = 6  # of the spares, how many belong to a Messaging Service
# (friendly name, use_inbound_webhook_on_number, usecase): the demo's Messaging Services
MESSAGING_SERVICES = (("Order alerts", False, "notifications"), ("Verification codes", True, "verification"))


class _Numbers:
    """Draws distinct valid numbers for a country from its plans."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.taken: set[str] = set()

    def draw(self, country: str) -> tuple[str, str]:
        """(E.164 number, city) valid in `country` and not drawn before."""
        code = phonenumbers.country_code_for_region(country)
        for _ in range(1000):
            city, prefixes, digits = self.rng.choice(PLANS[country])
            prefix = self.rng.choice(prefixes)
            if country in ("US", "CA"):
                # exchange 2-9, never 555 (fictional) and never N11 (service codes)
                exchange = f"{self.rng.randint(2, 9)}{self.rng.randint(0, 9)}{self.rng.randint(0, 9)}"
                if exchange == "555" or exchange[1:] == "11":
                    continue
                national = prefix + exchange + f"{self.rng.randrange(10_000):04d}"
            else:
                national = prefix + "".join(str(self.rng.randint(0, 9)) for _ in range(digits))
            text = f"+{code}{national}"
            number = phonenumbers.parse(text, None)
            if (
                text not in self.taken
                and phonenumbers.is_valid_number(number)
                and phonenumbers.region_code_for_number(number) == country
            ):
                self.taken.add(text)
                return text, city
        raise RuntimeError(f"cannot draw a valid {country} number")  # a broken plan table


def _capabilities(rng: random.Random, country: str, city_number_is_landline: bool) -> dict[str, bool]:
    if city_number_is_landline:
        return dict(VOICE_ONLY) if rng.random() < 0.35 else dict(VOICE_SMS)
    roll = rng.random()
    if roll < 0.12:
        return dict(SMS_ONLY)
    if roll < 0.18:
        return dict(VOICE_ONLY)
    if roll < 0.35 and country in ("US", "CA"):
        return dict(VOICE_SMS_MMS)
    return dict(VOICE_SMS)


def _is_landline(e164: str) -> bool:
    return phonenumbers.number_type(phonenumbers.parse(e164, None)) == phonenumbers.PhoneNumberType.FIXED_LINE


def _national(e164: str) -> str:
    """Twilio's default friendly name: the number in national form, e.g. (415) 234-5678."""
    return phonenumbers.format_number(phonenumbers.parse(e164, None), phonenumbers.PhoneNumberFormat.NATIONAL)


def populate_demo(account: SandboxAccount, seed: int) -> None:
    """Fill an empty account with the demo data for `seed` (same seed, same data).

    Number SIDs come from the seed (a generator of their own); Proxy and Messaging Service
    SIDs from the account's own generator (SandboxAccount.create(rng=random.Random(seed))
    makes those repeatable too, as build_sandbox does).
    """
    rng = random.Random(f"proxy-pool-demo:{seed}")
    draw = _Numbers(rng)
    specs: list[dict] = []
    members: list[tuple[int, list[tuple[str, bool]]]] = []

    for i, plan in enumerate(POOLS):
        entries: list[tuple[str, bool]] = []
        per_city: dict[str, int] = {}
        for country, count in plan.countries.items():
            for _ in range(count):
                e164, city = draw.draw(country)
                per_city[city] = per_city.get(city, 0) + 1
                sid = new_sid("PN", rng)
                specs.append({
                    "sid": sid, "phone_number": e164,
                    "friendly_name": f"{plan.label} {city} {per_city[city]:02d}",
                    "capabilities": _capabilities(rng, country, _is_landline(e164)),
                })
                entries.append((sid, rng.random() < plan.reserved_share))
        members.append((i, entries))

    spares: list[dict] = []
    for country, count in SPARE_COUNTRIES.items():
        for _ in range(count):
            e164, city = draw.draw(country)
            purpose = rng.choice(SPARE_PURPOSES)
            name = _national(e164) if rng.random() < 0.4 else f"{purpose} {city}"
            spares.append({
                "sid": new_sid("PN", rng), "phone_number": e164, "friendly_name": name,
                "capabilities": _capabilities(rng, country, _is_landline(e164)),
            })
    # a few SMS-capable spares send notifications through a Messaging Service (so 80601 can be met)
    in_messaging = [s for s in spares if s["capabilities"]["sms"]][:MESSAGING_SPARES]
    for n, spec in enumerate(in_messaging):
        spec["friendly_name"] = MESSAGING_SERVICES[n % 2][0] + f" {n // 2 + 1:02d}"
    specs.extend(spares)

    services = [account.create_service(plan.unique_name, **plan.fields) for plan in POOLS]
    account.buy_numbers(specs)
    for i, entries in members:
        account.add_numbers_bulk(services[i].sid, entries)
    messaging = [account.create_messaging_service(name, use_inbound_webhook_on_number=defers, usecase=usecase)
                 for name, defers, usecase in MESSAGING_SERVICES]
    for n, spec in enumerate(in_messaging):
        account.add_messaging_number(messaging[n % 2].sid, spec["sid"])
    # the reverse order: a pool number joins a Messaging Service (food delivery's in the one that does
    # not defer to the number's webhook: its inbound messages stop reaching Proxy, and the app says so)
    for service, ms in ((services[1], messaging[0]), (services[0], messaging[1])):
        first_sms = next(n for n in account.list_numbers(service.sid, 100).items if n.capabilities.sms)
        account.add_messaging_number(ms.sid, first_sms.sid)


