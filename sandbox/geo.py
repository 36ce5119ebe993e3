"""Where a North American number is: the region (state, province or territory) of its area code,
for the `overlay` and `radius` geo-match levels (sandbox/selection.py).

The regions come from phonenumbers' geocoder, which names the place of every North American
number prefix ("California", "Los Angeles, CA", "Etobicoke, ON"). Loading the geocoder costs
~100 MB and 0.35 s, so its answer for every US and Canadian area code is kept in
sandbox/nanp_regions.py, made by `python -m sandbox.geo` (tests/test_geo.py checks it still
matches the installed phonenumbers). A number outside the US and Canada is its own country's
region (the Bahamas, Jamaica, ... each have one or two area codes).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

US_STATES = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA", "Colorado": "CO",
    "Connecticut": "CT", "Delaware": "DE", "Florida": "FL", "Georgia": "GA", "Hawaii": "HI", "Idaho": "ID",
    "Illinois": "IL", "Indiana": "IN", "Iowa": "IA", "Kansas": "KS", "Kentucky": "KY", "Louisiana": "LA",
    "Maine": "ME", "Maryland": "MD", "Massachusetts": "MA", "Michigan": "MI", "Minnesota": "MN",
    "Mississippi": "MS", "Missouri": "MO", "Montana": "MT", "Nebraska": "NE", "Nevada": "NV",
    "New Hampshire": "NH", "New Jersey": "NJ", "New Mexico": "NM", "New York": "NY", "North Carolina": "NC",
    "North Dakota": "ND", "Ohio": "OH", "Oklahoma": "OK", "Oregon": "OR", "Pennsylvania": "PA",
    "Rhode Island": "RI", "South Carolina": "SC", "South Dakota": "SD", "Tennessee": "TN", "Texas": "TX",
    "Utah": "UT", "Vermont": "VT", "Virginia": "VA", "Washington State": "WA", "Washington": "WA",
    "Washington D.C.": "DC", "West Virginia": "WV", "Wisconsin": "WI", "Wyoming": "WY",
}
CA_PROVINCES = {
    "Alberta": "AB", "British Columbia": "BC", "British Colombia": "BC", "Manitoba": "MB",
    "New Brunswick": "NB", "Newfoundland and Labrador": "NL", "Nova Scotia": "NS", "Ontario": "ON",
    "Prince Edward Island": "PE", "Quebec": "QC", "Saskatchewan": "SK", "Northwest Territories": "NT",
    "Nunavut": "NU", "Yukon": "YT",
}
_CITY = re.compile(r", ([A-Z]{2})$")
TABLE = Path(__file__).with_name("nanp_regions.py")


def normalise(description: str) -> str | None:
    """A geocoder description as an ISO 3166-2 region: "Los Angeles, CA" and "California" -> "US-CA";
    an area code shared by provinces -> both ("Nova Scotia/Prince Edward Island" -> "CA-NS/PE");
    anything else (an island, a town outside the US and Canada) -> None."""
    match = _CITY.search(description)
    if match:
        code = match.group(1)
        if code in US_STATES.values():
            return f"US-{code}"
        return f"CA-{code}" if code in CA_PROVINCES.values() else None
    if description in US_STATES:
        return f"US-{US_STATES[description]}"
    parts = description.split("/")
    if parts and all(p in CA_PROVINCES for p in parts):
        return "CA-" + "/".join(CA_PROVINCES[p] for p in parts)
    return None


def build_regions() -> dict[str, str]:
    """Area code -> region, from phonenumbers' geocoder: the region most of the area code's
    prefixes name (its own entry, when the geocoder has one, decides)."""
    from phonenumbers.geodata import GEOCODE_DATA  # ~100 MB: only when the table is rebuilt

    votes: dict[str, Counter[str]] = {}
    own: dict[str, str] = {}
    for prefix, names in GEOCODE_DATA.items():
        if not prefix.startswith("1") or len(prefix) < 4:
            continue
        region = normalise(names.get("en", ""))
        if region is None:
            continue
        npa = prefix[1:4]
        if len(prefix) == 4:
            own[npa] = region
        votes.setdefault(npa, Counter())[region] += 1
    return {npa: own.get(npa) or counts.most_common(1)[0][0] for npa, counts in sorted(votes.items())}


def render_table(regions: dict[str, str]) -> str:
    lines = ['"""North American area code -> region (ISO 3166-2), from phonenumbers\' geocoder.',
             "", "Made by `python -m sandbox.geo`; do not edit by hand.", '"""', "", "REGIONS = {"]
    items = list(regions.items())
    for start in range(0, len(items), 6):
        lines.append("    " + " ".join(f'"{npa}": "{region}",' for npa, region in items[start:start + 6]))
    lines.append("}")
    return "\n".join(lines) + "\n"


_regions: dict[str, str] | None = None


def area_region(npa: str) -> str | None:
    """The US or Canadian region of an area code ("415" -> "US-CA"), None when the geocoder has none."""
    global _regions
    if _regions is None:
        from sandbox.nanp_regions import REGIONS

        _regions = REGIONS
    return _regions.get(npa)


def region_of(e164: str, country: str | None) -> str | None:
    """The region a North American number is in: its area code's state or province in the US and
    Canada, its own country elsewhere in +1; None outside North America or when unknown."""
    if not (e164.startswith("+1") and len(e164) == 12):
        return None
    if country in ("US", "CA"):
        return area_region(e164[2:5])
    return country


if __name__ == "__main__":
    TABLE.write_text(render_table(build_regions()))
    print(f"wrote {TABLE}")
