"""Scale data: N Services, each with a full pool (500 unreserved + 5,000 reserved).

`proxy-pool sandbox init PATH --scale N` uses it; so does the benchmark. Numbers are
valid US and Canadian (NANP) numbers, deterministic for a seed; the whole set is bought
in one durable write and each pool is filled in one more.
"""

from __future__ import annotations

import random

import phonenumbers

from sandbox.account import SandboxAccount
from tui.core.resources import RESERVED_LIMIT, UNRESERVED_LIMIT
from tui.core.sids import new_sid

UNRESERVED = UNRESERVED_LIMIT
POOL_SIZE = RESERVED_LIMIT + UNRESERVED_LIMIT

# Area codes in service in the US and Canada (Canadian ones make iso_country CA).
AREA_CODES = {
    **dict.fromkeys((201, 202, 206, 212, 213, 214, 303, 305, 310, 312, 404, 408, 415, 503, 510, 512, 602,
                     612, 617, 619, 646, 650, 702, 703, 704, 713, 718, 720, 773, 801, 818), "US"),
    **dict.fromkeys((403, 416, 514, 604, 613, 905), "CA"),
}
CAPABILITIES = (
    {"voice": True, "sms": True, "mms": True, "fax": False},
    {"voice": True, "sms": True, "mms": False, "fax": False},
    {"voice": True, "sms": False, "mms": False, "fax": False},
)


def scale_numbers(count: int, seed: int) -> list[str]:
    """`count` distinct valid NANP numbers in E.164, the same for the same seed."""
    rng = random.Random(seed)
    areas = sorted(AREA_CODES)
    seen: set[int] = set()
    out: list[str] = []
    while len(out) < count:
        area = rng.choice(areas)
        exchange = rng.randrange(200, 1000)
        if exchange % 100 == 11 or exchange == 555:  # N11 service codes and 555 are never assigned
            continue
        national = area * 10_000_000 + exchange * 10_000 + rng.randrange(10_000)
        if national in seen:
            continue
        # checked against the area code's own region: as strict as is_valid_number, three times faster
        number = phonenumbers.PhoneNumber(country_code=1, national_number=national)
        if not phonenumbers.is_valid_number_for_region(number, AREA_CODES[area]):
            continue
        seen.add(national)
        out.append(f"+1{national}")
    return out


def populate_scale(account: SandboxAccount, n: int, seed: int) -> None:
    """Add n Services named scale-01…, each with a full pool of fresh numbers."""
    if n < 0:
        raise ValueError("the number of Services must be 0 or more")
    # the SIDs' own generator: the account's (random.Random(seed), build_sandbox) would repeat its
    # AC, auth token and KS hex as the first PN SIDs
    rng = random.Random(f"proxy-pool-scale-sids:{seed}")
    numbers = scale_numbers(n * POOL_SIZE, seed)
    specs = [
        {
            "sid": new_sid("PN", rng),
            "phone_number": e164,
            "friendly_name": f"Scale {i // POOL_SIZE + 1:02d} line {i % POOL_SIZE + 1}",
            "capabilities": CAPABILITIES[i % len(CAPABILITIES)],
        }
        for i, e164 in enumerate(numbers)
    ]
    if specs:
        account.buy_numbers(specs)
    for s in range(n):
        service = account.create_service(f"scale-{s + 1:02d}")
        chunk = specs[s * POOL_SIZE:(s + 1) * POOL_SIZE]
        # the first 500 unreserved, the rest reserved: a full pool on both counts
        account.add_numbers_bulk(service.sid, [(spec["sid"], i >= UNRESERVED) for i, spec in enumerate(chunk)])
