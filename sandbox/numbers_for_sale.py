"""Buying numbers for a sandbox account by area code or by country, as a trainee building a
pool from nothing does (the app's account numbers screen). The numbers are valid for their
country (phonenumbers) and not owned yet; their SIDs come from the account's own generator."""

from __future__ import annotations

import random

import phonenumbers

from sandbox.account import SandboxAccount
from sandbox.scenarios import Numbers
from tui.core.errors import ProxyError
from tui.core.resources import AccountNumber

MAX_AT_ONCE = 50


def check_request(area_code: str | None, country: str | None, count: int) -> None:
    """Exactly one of an area code (three digits) or a country (ISO code), 1 to 50 numbers."""
    if bool(area_code) == bool(country):
        raise ProxyError(80701, 400, "Parameter Validation Failed: give an area code (e.g. 415) or a country "
                                     "(e.g. GB), not both and not neither")
    if area_code and not (len(area_code) == 3 and area_code.isdigit()):
        raise ProxyError(21452, 400, f"No phone numbers found in area code {area_code!r} (three digits, e.g. 415)")
    if country and not (len(country) == 2 and phonenumbers.country_code_for_region(country.upper())):
        raise ProxyError(21452, 400, f"No phone numbers found for country {country!r} (an ISO code, e.g. US, GB)")
    if not 1 <= count <= MAX_AT_ONCE:
        raise ProxyError(80701, 400, f"Parameter Validation Failed: buy 1 to {MAX_AT_ONCE} numbers at once")


def buy(account: SandboxAccount, *, area_code: str | None = None, country: str | None = None, count: int = 1,
        rng: random.Random | None = None) -> list[AccountNumber]:
    """`count` new numbers in one durable write (all or none)."""
    check_request(area_code, country, count)
    draw = Numbers(rng or random.Random())
    draw.taken |= account.owned_phone_numbers()
    region = (country or "US").upper()
    try:
        if area_code:
            region = phonenumbers.region_code_for_number(phonenumbers.parse(f"+1{area_code}2345678", None)) or "US"
            numbers = [draw.nanp(area_code, region) for _ in range(count)]
        else:
            numbers = [draw.country(region) for _ in range(count)]
    except (ValueError, phonenumbers.NumberParseException):
        where = f"area code {area_code}" if area_code else f"country {region}"
        raise ProxyError(21452, 400, f"No phone numbers found in {where}") from None
    label = f"Bought {area_code or region}"
    return account.buy_numbers([{"phone_number": e164, "friendly_name": f"{label} {i + 1:02d}"}
                                for i, e164 in enumerate(numbers)])
