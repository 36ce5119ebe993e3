"""Twilio Proxy's pool rules, each written once, as plain functions over plain data.

Every function either returns quietly or raises ProxyError with Twilio's code and
HTTP status (the rules table in the reference README). The sandbox backend and the
sandbox HTTP server both reach the rules through here; neither re-implements one.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.core.errors import ProxyError
from tui.core.phone import InvalidNumber, parse_e164
from tui.core.resources import (
    ACTIVE_STATUSES,
    DEFAULT_GEO_MATCH_LEVEL,
    DEFAULT_PAGE_SIZE,
    GEO_MATCH_LEVELS,
    MAX_PAGE_SIZE,
    MAX_RECORDS_PER_PAGE,
    NUMBER_SELECTION_BEHAVIORS,
    RESERVED_LIMIT,
    SESSION_MODES,
    SESSION_STATUSES,
    UNRESERVED_LIMIT,
)
from tui.core.sids import is_sid


def not_found(what: str) -> ProxyError:
    return ProxyError(20404, 404, f"The requested resource {what} was not found")


# -- paging ---------------------------------------------------------------------

def page_size(requested: int | str | None) -> int:
    """The records a page holds: 50 by default, at most 100; over 1000 (or under 1) is 20007."""
    if requested is None or requested == "":
        return DEFAULT_PAGE_SIZE
    try:
        size = int(requested)
    except (TypeError, ValueError):
        raise ProxyError(20422, 400, f"PageSize must be a whole number, not {requested!r}") from None
    if size > MAX_PAGE_SIZE:
        raise ProxyError(20007, 400, f"Page size too large: {size} (at most {MAX_PAGE_SIZE})")
    if size < 1:
        raise ProxyError(20422, 400, f"PageSize must be at least 1, not {size}")
    return min(size, MAX_RECORDS_PER_PAGE)


# -- Services -------------------------------------------------------------------

def check_known_fields(fields: dict, allowed: tuple[str, ...] | set[str] | dict) -> None:
    """Parameters a request may not carry: 20001, naming them."""
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise ProxyError(20001, 400, f"Unknown parameters: {', '.join(unknown)}")


def check_unique_name(unique_name: str | None, taken_by: str | None, own_sid: str | None = None) -> None:
    """UniqueName is required on create and unique in the account (80602)."""
    if unique_name is None or not str(unique_name).strip():
        raise ProxyError(80701, 400, "Parameter Validation Failed: UniqueName is required")
    if len(unique_name) > 191:
        raise ProxyError(80701, 400, "Parameter Validation Failed: UniqueName is longer than 191 characters")
    if taken_by is not None and taken_by != own_sid:
        raise ProxyError(80602, 400, f"Non Unique Service Name: {unique_name!r} is already used by {taken_by}")


def check_service_fields(fields: dict) -> None:
    """Enumerations and numbers of a Service create/update."""
    nsb = fields.get("number_selection_behavior")
    if nsb is not None and nsb not in NUMBER_SELECTION_BEHAVIORS:
        raise ProxyError(80701, 400, f"Parameter Validation Failed: NumberSelectionBehavior {nsb!r}")
    gml = fields.get("geo_match_level")
    if gml is not None and gml not in GEO_MATCH_LEVELS:
        raise ProxyError(80701, 400, f"Parameter Validation Failed: GeoMatchLevel {gml!r}")
    ttl = fields.get("default_ttl")
    if ttl is not None:
        try:
            ok = int(ttl) >= 0
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise ProxyError(80701, 400, f"Parameter Validation Failed: DefaultTtl {ttl!r}")
    chat = fields.get("chat_instance_sid")
    if chat and not is_sid(chat, "IS"):
        raise ProxyError(80701, 400, f"Parameter Validation Failed: ChatInstanceSid {chat!r}")


# -- adding a number to a pool ----------------------------------------------------

@dataclass(frozen=True, slots=True)
class PoolCounts:
    reserved: int
    unreserved: int


def check_add_arguments(sid: str | None, phone_number: str | None) -> str | None:
    """Exactly one of Sid or PhoneNumber (80701), each well formed (80407, 21421).

    Returns the E.164 form of phone_number when that was given.
    """
    if bool(sid) == bool(phone_number):
        raise ProxyError(80701, 400, "Parameter Validation Failed: give exactly one of Sid or PhoneNumber")
    if sid:
        if not is_sid(sid, "PN"):
            raise ProxyError(80407, 400, f"Phone Number Sid Invalid: {sid!r} is not PN followed by 32 hex digits")
        return None
    try:
        e164 = parse_e164(phone_number or "")
    except InvalidNumber as exc:
        raise ProxyError(21421, 400, f"Phone Number is invalid: {exc}") from None
    if e164 != phone_number:
        raise ProxyError(21421, 400, f"Phone Number is invalid: {phone_number!r} is not in E.164 form ({e164})")
    return e164


def check_owned(found: bool, sid: str | None, phone_number: str | None) -> None:
    """The number must be one of the account's own (80301 by Sid, 21422 by number)."""
    if found:
        return
    if sid:
        raise ProxyError(80301, 404, f"Not Found Phone Number SID: {sid} is not a number of this account")
    raise ProxyError(21422, 400, f"PhoneNumber is not available: {phone_number} is not a number of this account")


def check_not_pooled(current_service: str | None, target_service: str, phone_number: str) -> None:
    """At most one Service per number (80101); not twice in the same one (80104)."""
    if current_service is None:
        return
    if current_service == target_service:
        raise ProxyError(80104, 400, f"Phone Number Already In Service: {phone_number} is already in this pool")
    raise ProxyError(
        80101, 400, f"Number Already Added to Another Service: {phone_number} is in Service {current_service}"
    )


def check_not_in_messaging_service(messaging_service_sid: str | None, phone_number: str) -> None:
    """A number in a Messaging Service cannot join a pool (80601); the reverse order is allowed."""
    if messaging_service_sid:
        raise ProxyError(
            80601, 400, f"Phone Number Not Available: {phone_number} is in Messaging Service {messaging_service_sid}"
        )


def check_room(counts: PoolCounts, is_reserved: bool) -> None:
    """At most 500 unreserved and 5,000 reserved numbers per Service (80622)."""
    if is_reserved and counts.reserved >= RESERVED_LIMIT:
        raise ProxyError(
            80622, 400, f"Maximum Pool Size Error: the pool already has {RESERVED_LIMIT:,} reserved numbers"
        )
    if not is_reserved and counts.unreserved >= UNRESERVED_LIMIT:
        raise ProxyError(
            80622, 400, f"Maximum Pool Size Error: the pool already has {UNRESERVED_LIMIT:,} unreserved numbers"
        )


def check_reservation_change(counts: PoolCounts, was_reserved: bool, is_reserved: bool) -> None:
    """A reservation change moves a number between the two limits (80622 when full)."""
    if was_reserved != is_reserved:
        check_room(counts, is_reserved)


# -- removing a number ------------------------------------------------------------

def check_removable(in_use: int, phone_number: str) -> None:
    """A number in active sessions cannot be removed (80611): reserve it, let it drain."""
    if in_use > 0:
        raise ProxyError(
            80611,
            400,
            f"Proxy Number In Active Sessions: {phone_number} is in {in_use} active session"
            f"{'s' if in_use != 1 else ''}; reserve it, let it drain, then remove it",
        )


def check_not_owned(e164: str, owned: bool) -> None:
    """Buying a number the account already owns (21422)."""
    if owned:
        raise ProxyError(21422, 400, f"PhoneNumber is not available: {e164} is already owned")


def check_buy_arguments(area_code: str | None) -> None:
    """A purchase names a PhoneNumber or an AreaCode, not both (80701)."""
    if area_code is not None:
        raise ProxyError(80701, 400, "Parameter Validation Failed: give PhoneNumber or AreaCode, not both")


def check_area_code(area_code: str | None) -> None:
    """An AreaCode to buy in: three digits (21452 otherwise)."""
    if area_code is not None and not (len(area_code) == 3 and area_code.isdigit()):
        raise ProxyError(21452, 400, f"No phone numbers found in area code {area_code!r} (three digits, e.g. 415)")


def no_number_for_sale(area_code: str | None) -> ProxyError:
    return ProxyError(21452, 400, f"No phone numbers found in area code {area_code or 'any'}")


def check_messaging_service_sid(sid: str | None) -> None:
    if sid is not None and not is_sid(sid, "MG"):
        raise ProxyError(20422, 400, f"Invalid Parameter: {sid!r} is not a Messaging Service SID")


def check_account_number_deletable(service_sid: str | None, phone_number: str) -> None:
    """The sandbox refuses to release an account number that is still in a pool."""
    if service_sid:
        raise ProxyError(
            21422, 400, f"PhoneNumber is not available: {phone_number} is in Proxy Service {service_sid}"
        )


def parse_bool(value: object, name: str) -> bool:
    """Booleans travel as the strings true/false."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ProxyError(80701, 400, f"Parameter Validation Failed: {name} must be true or false, not {value!r}")


# -- sessions and participants ------------------------------------------------------
# Twilio documents the codes but not most HTTP statuses, nor the order of the checks:
# the order below is the sandbox's documented choice (see the reference README).

MAX_PARTICIPANTS = 2

# (from, to) status changes Twilio allows (80608 lists them): close an active
# session, or re-open a closed one as in-progress.
SESSION_TRANSITIONS = frozenset({("open", "closed"), ("in-progress", "closed"), ("closed", "in-progress")})

# +1 and +44 are shared by several regions; one without numbers of its own in the
# pool borrows the home region's numbers (+1 islands -> US; GG/IM/JE -> GB).
SHARED_CODE_HOME = {"GG": "GB", "IM": "GB", "JE": "GB"}
NANP_OWN_COUNTRIES = frozenset({"US", "CA"})


def is_active(status: str) -> bool:
    return status in ACTIVE_STATUSES


def check_session_sid(sid: str, service_sid: str) -> None:
    if not is_sid(sid, "KC"):
        raise not_found(f"/Services/{service_sid}/Sessions/{sid}")


def check_participant_sid(sid: str, service_sid: str, session_sid: str) -> None:
    if not is_sid(sid, "KP"):
        raise not_found(f"/Services/{service_sid}/Sessions/{session_sid}/Participants/{sid}")


def session_name_not_found(name: str) -> ProxyError:
    return ProxyError(80308, 404, f"Session with the unique name not found: {name!r}")


def check_session_unique_name(unique_name: str | None, taken_by: str | None, own_sid: str | None = None) -> None:
    """Optional, at most 191 characters, unique among the Service's sessions (80603)."""
    if unique_name is None:
        return
    if len(unique_name) > 191:
        raise ProxyError(80701, 400, "Parameter Validation Failed: UniqueName is longer than 191 characters")
    if taken_by is not None and taken_by != own_sid:
        raise ProxyError(80603, 400, f"Non Unique Session Name: {unique_name!r} is already used by {taken_by}")


def check_session_mode(mode: str) -> None:
    if mode not in SESSION_MODES:
        raise ProxyError(80701, 400, f"Parameter Validation Failed: Mode {mode!r} (one of {', '.join(SESSION_MODES)})")


def check_ttl(ttl: object) -> int:
    """Seconds, a whole number >= 0 (0: no expiry)."""
    try:
        value = int(ttl)  # type: ignore[call-overload]
        ok = value >= 0 and str(ttl).strip().lstrip("+").isdigit()
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ProxyError(80701, 400, f"Parameter Validation Failed: Ttl must be a whole number of seconds, not {ttl!r}")
    return value


def check_status_value(status: str) -> None:
    if status not in SESSION_STATUSES:
        raise ProxyError(
            80701, 400, f"Parameter Validation Failed: Status {status!r} (one of {', '.join(SESSION_STATUSES)})"
        )


def check_initial_status(status: str) -> None:
    """A session starts active: open (the default) or in-progress."""
    check_status_value(status)
    if status not in ACTIVE_STATUSES:
        raise ProxyError(80608, 400, f"Session Status Invalid: a session cannot be created {status}")


def check_status_change(current: str, new: str) -> None:
    """open/in-progress -> closed; closed -> in-progress (re-open); anything else 80608."""
    check_status_value(new)
    if (current, new) not in SESSION_TRANSITIONS:
        raise ProxyError(
            80608, 400,
            f"Session Status Invalid: {current} -> {new} is not supported; close with open or in-progress -> "
            "closed, re-open with closed -> in-progress",
        )


def check_identifier(identifier: object) -> str:
    """A participant's Identifier: a phone number, returned in E.164 (80404 otherwise)."""
    if identifier is None or not str(identifier).strip():
        raise ProxyError(80701, 400, "Parameter Validation Failed: Identifier is required")
    text = str(identifier).strip()
    if len(text) > 191:
        raise ProxyError(80404, 400, "Participant Identifier Invalid: longer than 191 characters")
    try:
        return parse_e164(text)
    except InvalidNumber as exc:
        raise ProxyError(80404, 400, f"Participant Identifier Invalid: {exc} (use E.164, e.g. +14155550100)") from None


def check_friendly_name(name: str | None) -> None:
    if name is not None and len(name) > 255:
        raise ProxyError(80701, 400, "Parameter Validation Failed: FriendlyName is longer than 255 characters")


def check_session_accepts_participants(status: str, session_sid: str) -> None:
    """Participants join active sessions only (80607, Twilio's "Session Closed")."""
    if status not in ACTIVE_STATUSES:
        raise ProxyError(80607, 400, f"Session Closed: session {session_sid} is {status}; re-open it first")


def check_participant_room(count: int) -> None:
    """At most two participants a session (80609)."""
    if count >= MAX_PARTICIPANTS:
        raise ProxyError(80609, 400, f"Too Many Added Participants: a session has at most {MAX_PARTICIPANTS}")


def check_not_in_session(identifier: str, present: bool) -> None:
    """The same identifier cannot be in one session twice (80103)."""
    if present:
        raise ProxyError(80103, 400, f"Participant Already In Session: {identifier} is already in this session")


def check_explicit_proxy(found: bool, what: str) -> None:
    """An explicit ProxyIdentifier/ProxyIdentifierSid must be in the Service's pool (80605); reserved is fine."""
    if not found:
        raise ProxyError(80605, 400, f"Proxy Identifier Not In Service: {what} is not in this Service's pool")


def check_proxy_sid_form(sid: str) -> None:
    if not is_sid(sid, "PN"):
        raise ProxyError(80407, 400, f"Phone Number Sid Invalid: {sid!r} is not PN followed by 32 hex digits")


def check_not_held(identifier: str, phone_number: str, held_in: str | None) -> None:
    """The core invariant: one identifier never holds the same proxy number in two active
    sessions. A request that would break it conflicts (80623, 409)."""
    if held_in is not None:
        raise ProxyError(
            80623, 409,
            f"Duplicate Participant Request: {identifier} already holds {phone_number} in active session {held_in}",
        )


# -- number selection: where a proxy number must come from -----------------------------------

def match_country(identifier_country: str | None, pool_countries: set[str]) -> str | None:
    """The pool country an identifier's proxy number must come from.

    Its own country when the pool holds numbers of it; otherwise a region sharing a
    dialling code falls back to its home: +1 regions other than US/CA -> US, GG/IM/JE -> GB.
    """
    if identifier_country is None or identifier_country in pool_countries:
        return identifier_country
    if identifier_country in SHARED_CODE_HOME:
        return SHARED_CODE_HOME[identifier_country]
    if identifier_country not in NANP_OWN_COUNTRIES and _is_nanp_region(identifier_country):
        return "US"
    return identifier_country


def _is_nanp_region(region: str) -> bool:
    import phonenumbers

    return phonenumbers.country_code_for_region(region) == 1


def area_code(e164: str) -> str | None:
    """The North American area code (NPA) of a +1 number; None elsewhere."""
    return e164[2:5] if e164.startswith("+1") and len(e164) == 12 else None


def uses_area_code(geo_match_level: str, identifier: str) -> bool:
    """Area-code matching applies in North America only. The sandbox has no overlay or
    distance data, so extended-area-code, overlay and radius match the area code too."""
    return geo_match_level != DEFAULT_GEO_MATCH_LEVEL and area_code(identifier) is not None


def required_capabilities(mode: str) -> tuple[str, ...]:
    return {"voice-only": ("voice",), "message-only": ("sms",)}.get(mode, ("voice", "sms"))


def no_proxies_for_service(count: int) -> None:
    """An empty pool (80205)."""
    if count == 0:
        raise ProxyError(80205, 400, "No Proxies For Service: this Service's pool has no numbers")


def no_proxy_for_country(count: int, country: str | None, identifier: str) -> None:
    """No pool number (reserved or not) in the identifier's country (80203)."""
    if count == 0:
        raise ProxyError(
            80203, 400, f"No Available Proxy For Country: the pool has no number for {identifier} ({country or '?'})"
        )


def no_proxy_for_area(count: int, npa: str | None, identifier: str) -> None:
    """Area-code matching: no pool number in the identifier's area code (80206)."""
    if count == 0:
        raise ProxyError(
            80206, 400,
            f"No Available Proxy: no number meets the Service's GeoMatchLevel for {identifier} (area code {npa})",
        )


def no_capable_proxy(count: int, mode: str) -> None:
    """No matching number can carry the session's mode: 80201 for voice modes (voice-and-message
    needs voice and SMS on one number), 80202 for message-only."""
    if count == 0:
        if mode == "message-only":
            raise ProxyError(80202, 400, "No Available Message Proxy: no matching pool number is SMS-capable")
        need = "voice-capable" if mode == "voice-only" else "both voice- and SMS-capable"
        raise ProxyError(80201, 400, f"No Available Voice Proxy: no matching pool number is {need}")


def no_unreserved_proxy(count: int) -> None:
    """Every matching number is reserved (80207): reserved numbers are only assigned explicitly."""
    if count == 0:
        raise ProxyError(80207, 400, "No unreserved numbers in proxy pool: every matching number is reserved")


def no_unused_proxy(count: int, identifier: str, by_area_code: bool) -> None:
    """Every matching unreserved number is already held by this identifier in another active
    session: 80206 under area-code matching (its text names the GeoMatchLevel), else 80208."""
    if count == 0:
        if by_area_code:
            raise ProxyError(
                80206, 400,
                f"No Available Proxy: every number in {identifier}'s area code is already in use by it in "
                "other active sessions",
            )
        raise ProxyError(
            80208, 400,
            f"No Available Unused Proxy: every matching number is already in use by {identifier} in other "
            "active sessions; add numbers or close one of its sessions",
        )
