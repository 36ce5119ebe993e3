"""Proxy's number selection, over plain data: which pool number a participant gets.

For a participant given only an Identifier (the sandbox's documented order; Twilio documents
no tie-break), the candidates narrow in this order and the first empty step answers:
  1. the pool's numbers; none at all: 80205
  2. of the identifier's country (a region sharing +1 or +44 without numbers of its own
     in the pool uses US / GB numbers); none: 80203
  3. under a narrower geo-match level (North America only; rules.geo_key): area-code, the
     identifier's area code; overlay and radius, its region (state, province or territory, as
     phonenumbers' geocoder places area codes: sandbox/geo.py); none: 80206
  4. able to carry the session's mode (voice-only: voice; message-only: SMS;
     voice-and-message: both); none: 80201 (voice modes) / 80202 (message-only)
  5. unreserved; none: 80207
  6. not already held by this identifier in another active session; none: 80208
     (80206 under area-code, overlay or radius matching)
then the best by: under radius, the identifier's own area code first (the nearest the sandbox
knows); then prefer-sticky: the number it had most recently first / avoid-sticky: numbers it
never had first (then the least recently had); then the fewest active sessions other than this
one; then the longest in the pool (earliest added).
An explicit ProxyIdentifier / ProxyIdentifierSid must name a number of the pool (80605).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sandbox import rules
from tui.core.errors import ProxyError
from tui.core.phone import InvalidNumber, iso_country, parse_e164
from tui.core.resources import DEFAULT_GEO_MATCH_LEVEL, DEFAULT_NUMBER_SELECTION_BEHAVIOR


@dataclass(frozen=True, slots=True)
class Candidate:
    """A pool number as selection sees it."""

    sid: str
    phone_number: str
    country: str | None
    voice: bool
    sms: bool
    reserved: bool
    order: int  # position in the pool: lower = added earlier

    @classmethod
    def from_record(cls, doc_id: int | str, doc: Mapping[str, Any]) -> Candidate:
        caps = doc.get("capabilities") or {}
        return cls(
            sid=doc["sid"], phone_number=doc["phone_number"],
            country=doc.get("iso_country") or iso_country(doc["phone_number"]),
            voice=bool(caps.get("voice")), sms=bool(caps.get("sms")),
            reserved=bool(doc.get("is_reserved")), order=int(doc_id),
        )


def select_number(
    candidates: list[Candidate],
    *,
    identifier: str,
    mode: str,
    geo_match_level: str = DEFAULT_GEO_MATCH_LEVEL,
    behavior: str = DEFAULT_NUMBER_SELECTION_BEHAVIOR,
    held: set[str] | frozenset[str] = frozenset(),
    history: dict[str, int] | None = None,
    in_use: Mapping[str, int] | None = None,
    own: set[str] | frozenset[str] = frozenset(),
) -> Candidate:
    """The proxy number for `identifier`, or the ProxyError saying why there is none.

    held: number sids this identifier holds in other active sessions; history: number sid
    -> how recently it had it (higher = later); in_use: number sid -> active sessions
    holding it; own: the numbers this session already holds (counted in in_use, so
    choosing one of them adds no load).
    """
    history = history or {}
    in_use = in_use or {}
    rules.no_proxies_for_service(len(candidates))
    country = rules.match_country(iso_country(identifier), {c.country for c in candidates if c.country})
    matches = [c for c in candidates if c.country == country]
    rules.no_proxy_for_country(len(matches), country, identifier)
    by_area = rules.uses_area_code(geo_match_level, identifier)
    npa = rules.area_code(identifier)
    if by_area:
        key = rules.geo_key(geo_match_level, identifier, iso_country(identifier))
        assert key is not None
        matches = [c for c in matches if rules.geo_key(geo_match_level, c.phone_number, c.country) == key]
        rules.no_proxy_for_area(len(matches), rules.geo_label(geo_match_level, key), identifier)
    need = rules.required_capabilities(mode)
    voice, sms = "voice" in need, "sms" in need
    matches = [c for c in matches if (c.voice or not voice) and (c.sms or not sms)]
    rules.no_capable_proxy(len(matches), mode)
    matches = [c for c in matches if not c.reserved]
    rules.no_unreserved_proxy(len(matches))
    matches = [c for c in matches if c.sid not in held]
    rules.no_unused_proxy(len(matches), identifier, by_area)
    avoid = behavior == "avoid-sticky"
    nearest = geo_match_level == "radius"

    def rank(c: Candidate) -> tuple:
        last = history.get(c.sid)
        if avoid:
            sticky = (0, 0) if last is None else (1, last)
        else:
            sticky = (1, 0) if last is None else (0, -last)
        distance = nearest and rules.area_code(c.phone_number) != npa
        return (distance, sticky, in_use.get(c.sid, 0) - (c.sid in own), c.order)

    return min(matches, key=rank)


def explicit_number(by_sid: Mapping[str, Candidate], by_phone: Mapping[str, Candidate],
                    sid: str | None, phone: str | None) -> Candidate:
    """ProxyIdentifierSid and/or ProxyIdentifier: must be in this pool (80605); reserved is allowed."""
    found: Candidate | None = None
    if sid:
        rules.check_proxy_sid_form(sid)
        found = by_sid.get(sid)
        rules.check_explicit_proxy(found is not None, sid)
    if phone:
        try:
            e164 = parse_e164(str(phone))
        except InvalidNumber:
            e164 = str(phone)
        match = by_phone.get(e164)
        rules.check_explicit_proxy(match is not None, str(phone))
        if found is not None and match is not found:
            raise ProxyError(80701, 400, "Parameter Validation Failed: ProxyIdentifier and ProxyIdentifierSid "
                                         "name different numbers")
        found = match
    if found is None:  # neither given: the caller selects instead
        raise ProxyError(80701, 400, "Parameter Validation Failed: give ProxyIdentifier or ProxyIdentifierSid")
    return found
