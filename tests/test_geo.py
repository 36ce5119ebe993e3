"""Where a North American number is (sandbox/geo.py): the region of its area code, from phonenumbers'
geocoder, as the overlay and radius geo-match levels use it."""

from __future__ import annotations

import pytest

from sandbox import capacity, geo, rules
from sandbox.capacity import PoolNumber


def test_the_kept_table_is_what_the_installed_geocoder_says():
    """sandbox/nanp_regions.py is made by `python -m sandbox.geo`: after a phonenumbers upgrade that moves
    an area code, this fails until it is made again."""
    assert geo.TABLE.read_text() == geo.render_table(geo.build_regions())


@pytest.mark.parametrize(("e164", "country", "region"), [
    ("+14155550100", "US", "US-CA"), ("+16285550100", "US", "US-CA"), ("+12135550100", "US", "US-CA"),
    ("+12125550100", "US", "US-NY"), ("+19175550100", "US", "US-NY"), ("+12025550100", "US", "US-DC"),
    ("+14165550100", "CA", "CA-ON"), ("+16475550100", "CA", "CA-ON"), ("+19025550100", "CA", "CA-NS/PE"),
    ("+12423591234", "BS", "BS"),  # outside the US and Canada: the country
    ("+18005550100", "US", None),  # toll-free: the geocoder places it nowhere
    ("+447400123456", "GB", None),  # not North American
])
def test_the_region_of_a_number(e164, country, region):
    assert geo.region_of(e164, country) == region


@pytest.mark.parametrize(("description", "region"), [
    ("California", "US-CA"), ("Los Angeles, CA", "US-CA"), ("Washington D.C.", "US-DC"),
    ("Washington State", "US-WA"), ("Etobicoke, ON", "CA-ON"), ("British Colombia", "CA-BC"),
    ("Northwest Territories/Nunavut/Yukon", "CA-NT/NU/YT"), ("Nassau", None), ("", None),
])
def test_geocoder_descriptions_become_iso_regions(description, region):
    assert geo.normalise(description) == region


def test_each_level_s_key_is_what_a_candidate_must_share():
    assert rules.geo_key("country", "+14155550100", "US") is None
    assert rules.geo_key("area-code", "+14155550100", "US") == "415"
    assert rules.geo_key("overlay", "+14155550100", "US") == rules.geo_key("radius", "+12135550100", "US") == "US-CA"
    assert rules.geo_key("overlay", "+18005550100", "US") == "area 800"  # placed nowhere: its own area code
    assert rules.geo_key("overlay", "+447400123456", "GB") is None  # narrower levels: North America only


def test_capacity_groups_follow_the_region_under_overlay():
    pool = [PoolNumber("+16285550100"), PoolNumber("+12135550100"), PoolNumber("+12125550100")]
    active = [("+14155550101", "KC1"), ("+14155550101", "KC2"), ("+13105550102", "KC3")]
    needs = {(n.country, n.area_code): (n.needed, n.have) for n in capacity.needed_now(active, pool, "overlay")}
    assert needs == {("US", "US-CA"): (2, 2)}  # both Californians are served by the two Californian numbers
    by_area = {(n.country, n.area_code): n.have for n in capacity.needed_now(active, pool, "area-code")}
    assert by_area == {("US", "415"): 0, ("US", "310"): 0}
