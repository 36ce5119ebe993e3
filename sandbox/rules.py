"""Twilio Proxy's pool rules, each written once, as plain functions over plain data.

Every function either returns quietly or raises ProxyError with Twilio's code and
HTTP status (the rules table in the reference README). The sandbox backend and the
sandbox HTTP server both reach the rules through here; neither re-implements one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sandbox import geo
from tui.core.errors import ProxyError, echo
from tui.core.messaging import (
    MESSAGING_METHODS,
    MESSAGING_POOL_LIMIT,
    MESSAGING_USECASES,
    SCAN_MESSAGE_CONTENTS,
)
from tui.core.phone import InvalidNumber, parse_e164
from tui.core.resources import (
    DEFAULT_PAGE_SIZE,
    GEO_MATCH_LEVELS,
    MAX_PAGE_SIZE,
    MAX_RECORDS_PER_PAGE,
    NUMBER_SELECTION_BEHAVIORS,
    RESERVED_LIMIT,
    UNRESERVED_LIMIT,
)
from tui.core.sessions import ACTIVE_STATUSES, MAX_MESSAGE_BODY, SESSION_MODES, SESSION_STATUSES
from tui.core.sids import is_sid

MAX_SECONDS = 10**11  # a Ttl or DefaultTtl (about 3,000 years): any more and the expiry is past year 9999
MAX_NAME = 191  # UniqueName (Services and Sessions)


def not_found(what: str) -> ProxyError:
    return ProxyError(20404, 404, f"The requested resource {echo(what, 120)[1:-1]} was not found")


# -- values, parsed strictly ----------------------------------------------------------
# str.isdigit() and int() take "²", "٣", " 5", "+5" and 10,000 digits; Twilio's integers are ASCII digits.

_WHOLE = re.compile(r"[0-9]{1,12}")


def whole_number(value: object, name: str, *, code: int = 80701, low: int = 0, high: int = MAX_SECONDS) -> int:
    """A parameter that is a whole number in [low, high], written in ASCII digits (an int passes as is)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        number = None
    elif isinstance(value, int):
        number = value
    else:
        number = int(value) if _WHOLE.fullmatch(value) else None
    if number is None or not low <= number <= high:
        prefix = "Parameter Validation Failed" if code == 80701 else "Invalid Parameter"
        raise ProxyError(code, 400, f"{prefix}: {name} must be a whole number from {low:,} to {high:,}, "
                                    f"not {echo(value)}")
    return number


def one_of(value: object, allowed: tuple[str, ...], name: str, code: int = 80701) -> str:
    """An enumerated parameter: exactly one of the spec's values."""
    if not isinstance(value, str) or value not in allowed:
        prefix = "Parameter Validation Failed" if code == 80701 else "Invalid Parameter"
        raise ProxyError(code, 400, f"{prefix}: {name} must be one of {', '.join(allowed)}, not {echo(value)}")
    return value


# -- paging ---------------------------------------------------------------------

def page_size(requested: int | str | None) -> int:
    """The records a page holds: 50 by default, at most 100; over 1000 is 20007, under 1 20422."""
    if requested is None or requested == "":
        return DEFAULT_PAGE_SIZE
    if isinstance(requested, int) and not isinstance(requested, bool):
        size = requested
    elif isinstance(requested, str) and _WHOLE.fullmatch(requested):
        size = int(requested)
    else:
        raise ProxyError(20422, 400, f"Invalid Parameter: PageSize must be a whole number, not {echo(requested)}")
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
        raise ProxyError(20001, 400, f"Unknown parameters: {echo(', '.join(map(str, unknown)), 120)[1:-1]}")


def check_unique_name(unique_name: str | None, taken_by: str | None, own_sid: str | None = None) -> None:
    """UniqueName is required on create and unique in the account (80602)."""
    if unique_name is None or not isinstance(unique_name, str) or not unique_name.strip():
        raise ProxyError(80701, 400, "Parameter Validation Failed: UniqueName is required")
    if len(unique_name) > MAX_NAME:
        raise ProxyError(80701, 400, f"Parameter Validation Failed: UniqueName is longer than {MAX_NAME} characters")
    if taken_by is not None and taken_by != own_sid:
        raise ProxyError(80602, 400, f"Non Unique Service Name: {echo(unique_name)} is already used by {taken_by}")


MAX_URL = 2048  # a callback URL's characters
# an absolute http(s) URL of RFC 3986's characters (the responses' "format": "uri"): no spaces, no
# quotes or braces, every % an escape
_URL = re.compile(r"https?://[A-Za-z0-9\-._~!$&'()*+,;=:@\[\]]+(?:[/?#][A-Za-z0-9\-._~!$&'()*+,;=:@/?#\[\]%]*)?")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def check_url(value: object, name: str, code: int = 80701) -> str:
    """A callback URL: an absolute http(s) URL of at most 2,048 characters (the specs' "format": "uri";
    the sandbox never calls it). An empty one is refused too: it is not a URI."""
    if not isinstance(value, str) or len(value) > MAX_URL or not _URL.fullmatch(value) or _BAD_ESCAPE.search(value):
        prefix = "Parameter Validation Failed" if code == 80701 else "Invalid Parameter"
        raise ProxyError(code, 400, f"{prefix}: {name} must be an absolute http(s) URL of at most {MAX_URL:,} "
                                    f"characters, not {echo(value)}")
    return value


def check_service_fields(fields: dict) -> dict:
    """Enumerations, numbers and URLs of a Service create/update; returns them with DefaultTtl an int."""
    out = dict(fields)
    if "number_selection_behavior" in fields:
        one_of(fields["number_selection_behavior"], NUMBER_SELECTION_BEHAVIORS, "NumberSelectionBehavior")
    if "geo_match_level" in fields:
        one_of(fields["geo_match_level"], GEO_MATCH_LEVELS, "GeoMatchLevel")
    if "default_ttl" in fields:
        out["default_ttl"] = whole_number(fields["default_ttl"], "DefaultTtl")
    for name, param in (("callback_url", "CallbackUrl"), ("intercept_callback_url", "InterceptCallbackUrl"),
                        ("out_of_session_callback_url", "OutOfSessionCallbackUrl")):
        if name in fields:
            out[name] = check_url(fields[name], param)
    chat = fields.get("chat_instance_sid")
    if chat and not is_sid(chat, "IS"):
        raise ProxyError(80701, 400, f"Parameter Validation Failed: ChatInstanceSid {echo(chat)} is not IS "
                                     "followed by 32 hex digits")
    return out


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
            raise ProxyError(80407, 400, f"Phone Number Sid Invalid: {echo(sid)} is not PN followed by 32 hex digits")
        return None
    return check_e164(phone_number)


def check_e164(phone_number: str | None) -> str:
    """A PhoneNumber parameter: a valid number written in E.164 (21421 otherwise)."""
    if not isinstance(phone_number, str) or len(phone_number) > 32:
        raise ProxyError(21421, 400, f"Phone Number is invalid: {echo(phone_number)} is not an E.164 number")
    try:
        e164 = parse_e164(phone_number)
    except InvalidNumber:
        raise ProxyError(21421, 400, f"Phone Number is invalid: {echo(phone_number)} is not a valid number in "
                                     "E.164 form (e.g. +14155550100)") from None
    if e164 != phone_number:
        raise ProxyError(21421, 400, f"Phone Number is invalid: {echo(phone_number)} is not in E.164 form ({e164})")
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
            80601, 400, f"Phone Number Not Available: {phone_number} is in Messaging Service {messaging_service_sid}; "
            "remove it from the Messaging Service first (a pool number may join a Messaging Service afterwards)",
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
    """An AreaCode to buy in: three ASCII digits (21452 otherwise)."""
    if area_code is not None and not re.fullmatch(r"[2-9][0-9]{2}", area_code):
        raise ProxyError(21452, 400, f"No phone numbers found in area code {echo(area_code)} (three digits, e.g. 415)")


def no_number_for_sale(area_code: str | None) -> ProxyError:
    return ProxyError(21452, 400, f"No phone numbers found in area code {area_code or 'any'}")


def check_friendly_name_of_number(name: object) -> None:
    """An IncomingPhoneNumber's FriendlyName: at most 64 characters (Twilio's limit)."""
    if name is not None and (not isinstance(name, str) or len(name) > 64):
        raise ProxyError(20422, 400, "Invalid Parameter: FriendlyName is at most 64 characters")


def check_account_number_deletable(service_sid: str | None, phone_number: str) -> None:
    """The sandbox refuses to release an account number that is still in a pool (21422): Twilio
    documents nothing for it, and a pool number may be in active sessions (in_use)."""
    if service_sid:
        raise ProxyError(
            21422, 400, f"PhoneNumber is not available: {phone_number} is in Proxy Service {service_sid}; "
            "remove it from the pool first, then release it",
        )


def parse_bool(value: object, name: str, code: int = 80701) -> bool:
    """Booleans travel as the strings true/false."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    prefix = "Parameter Validation Failed" if code == 80701 else "Invalid Parameter"
    raise ProxyError(code, 400, f"{prefix}: {name} must be true or false, not {echo(value)}")


# -- Messaging Services (Messaging v1) ------------------------------------------------------
# Messaging v1 is not Proxy: its parameter errors are the platform's 20422, its pool rules
# Twilio's 217xx Messaging codes.

MESSAGING_URLS = {"inbound_request_url": "InboundRequestUrl", "fallback_url": "FallbackUrl",
                  "status_callback": "StatusCallback"}
MESSAGING_FLAGS = {"sticky_sender": "StickySender", "mms_converter": "MmsConverter",
                   "smart_encoding": "SmartEncoding", "fallback_to_long_code": "FallbackToLongCode",
                   "area_code_geomatch": "AreaCodeGeomatch", "synchronous_validation": "SynchronousValidation",
                   "use_inbound_webhook_on_number": "UseInboundWebhookOnNumber"}


def check_messaging_fields(fields: dict, *, creating: bool) -> dict:
    """A Messaging Service create/update, checked and typed (booleans, the validity period)."""
    out = dict(fields)
    name = fields.get("friendly_name")
    if creating or "friendly_name" in fields:
        if not isinstance(name, str) or not name.strip():
            raise ProxyError(20422, 400, "Invalid Parameter: FriendlyName is required")
        if len(name) > 64:
            raise ProxyError(20422, 400, "Invalid Parameter: FriendlyName is at most 64 characters")
    for field, param in MESSAGING_URLS.items():
        if field in fields:
            out[field] = check_url(fields[field], param, code=20422)
    for field, param in (("inbound_method", "InboundMethod"), ("fallback_method", "FallbackMethod")):
        if field in fields:
            one_of(fields[field], MESSAGING_METHODS, param, code=20422)
    if "scan_message_content" in fields:
        one_of(fields["scan_message_content"], SCAN_MESSAGE_CONTENTS, "ScanMessageContent", code=20422)
    if "usecase" in fields:
        one_of(fields["usecase"], MESSAGING_USECASES, "Usecase", code=20422)
    for field, param in MESSAGING_FLAGS.items():
        if field in fields:
            out[field] = parse_bool(fields[field], param, code=20422)
    if "validity_period" in fields:
        out["validity_period"] = whole_number(fields["validity_period"], "ValidityPeriod", code=20422,
                                              low=1, high=36000)
    return out


def check_messaging_service_sid(sid: object) -> None:
    if not isinstance(sid, str) or not is_sid(sid, "MG"):
        raise ProxyError(20422, 400, f"Invalid Parameter: {echo(sid)} is not a Messaging Service SID (MG + 32 hex)")


def check_messaging_number_sid(sid: object) -> str:
    """A PhoneNumberSid to add to a Messaging Service: PN + 32 hex (21421, Twilio's code for it)."""
    if not isinstance(sid, str) or not is_sid(sid, "PN"):
        raise ProxyError(21421, 400, f"Phone Number is invalid: PhoneNumberSid {echo(sid)} is not PN followed "
                                     "by 32 hex digits")
    return sid


def check_messaging_owned(found: bool, sid: str) -> None:
    if not found:
        raise ProxyError(21421, 400, f"Phone Number is invalid: {sid} is not a number of this account")


def check_not_in_other_messaging_service(current: str | None, target: str, phone_number: str) -> None:
    """A number is in at most one Messaging Service (21712); adding it again to its own is refused too."""
    if current is None:
        return
    where = "this Messaging Service already" if current == target else f"Messaging Service {current}"
    raise ProxyError(21712, 400, f"Phone Number or Short Code is associated with another Messaging Service: "
                                 f"{phone_number} is in {where}; remove it there first")


def check_messaging_capable(sms: bool, mms: bool, phone_number: str) -> None:
    """A Messaging Service sends messages: the number must be SMS- or MMS-capable (21715)."""
    if not (sms or mms):
        raise ProxyError(21715, 400, f"Phone Number Does Not Have Correct Messaging Service Capabilities: "
                                     f"{phone_number} is neither SMS- nor MMS-capable")


def check_messaging_room(count: int) -> None:
    """At most 400 numbers a Messaging Service (Twilio's default limit, 21714)."""
    if count >= MESSAGING_POOL_LIMIT:
        raise ProxyError(21714, 400, f"Messaging Service Number Pool size limit reached: it has "
                                     f"{MESSAGING_POOL_LIMIT} numbers")


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


def check_interaction_sid(sid: str, where: str) -> None:
    if not is_sid(sid, "KI"):
        raise not_found(f"{where}/{sid}")


def session_name_not_found(name: str) -> ProxyError:
    return ProxyError(80308, 404, f"Session with the unique name not found: {echo(name)}")


def check_session_unique_name(unique_name: str | None, taken_by: str | None, own_sid: str | None = None) -> None:
    """Optional, at most 191 characters, unique among the Service's sessions (80603)."""
    if unique_name is None:
        return
    if not isinstance(unique_name, str) or len(unique_name) > MAX_NAME:
        raise ProxyError(80701, 400, f"Parameter Validation Failed: UniqueName is longer than {MAX_NAME} characters")
    if taken_by is not None and taken_by != own_sid:
        raise ProxyError(80603, 400, f"Non Unique Session Name: {echo(unique_name)} is already used by {taken_by}")


def check_session_mode(mode: str) -> None:
    one_of(mode, SESSION_MODES, "Mode")


def check_ttl(ttl: object) -> int:
    """Seconds, a whole number from 0 (no expiry) to MAX_SECONDS."""
    return whole_number(ttl, "Ttl")


def check_status_value(status: str) -> None:
    one_of(status, SESSION_STATUSES, "Status")


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
    if identifier is None or not isinstance(identifier, str) or not identifier.strip():
        raise ProxyError(80701, 400, "Parameter Validation Failed: Identifier is required")
    text = identifier.strip()
    if len(text) > MAX_NAME:
        raise ProxyError(80404, 400, f"Participant Identifier Invalid: longer than {MAX_NAME} characters")
    try:
        return parse_e164(text)
    except InvalidNumber:
        raise ProxyError(80404, 400, f"Participant Identifier Invalid: {echo(text)} is not a valid phone number "
                                     "(use E.164, e.g. +14155550100)") from None


def check_friendly_name(name: str | None) -> None:
    if name is not None and (not isinstance(name, str) or len(name) > 255):
        raise ProxyError(80701, 400, "Parameter Validation Failed: FriendlyName is longer than 255 characters")


def check_session_accepts_participants(status: str, session_sid: str) -> None:
    """Participants join active sessions only (80607, Twilio's "Session Closed")."""
    if status not in ACTIVE_STATUSES:
        raise ProxyError(80607, 400, f"Session Closed: session {session_sid} is {status}; re-open it first")


def check_participant_room(count: int) -> None:
    """At most two participants a session (80609); a deleted one no longer counts."""
    if count >= MAX_PARTICIPANTS:
        raise ProxyError(80609, 400, f"Too Many Added Participants: a session has at most {MAX_PARTICIPANTS}")


def check_not_in_session(identifier: str, present: bool) -> None:
    """The same identifier cannot be in one session twice (80103), nor come back once deleted (Twilio's
    participant delete is a soft delete: the participant stays with the session and cannot be re-added)."""
    if present:
        raise ProxyError(80103, 400, f"Participant Already In Session: {identifier} is (or was) in this session; "
                                     "a deleted participant cannot be re-added")


def check_explicit_proxy(found: bool, what: str) -> None:
    """An explicit ProxyIdentifier/ProxyIdentifierSid must be in the Service's pool (80605); reserved is fine."""
    if not found:
        raise ProxyError(80605, 400, f"Proxy Identifier Not In Service: {echo(what)[1:-1]} is not in this "
                                     "Service's pool")


def check_proxy_sid_form(sid: str) -> None:
    if not is_sid(sid, "PN"):
        raise ProxyError(80407, 400, f"Phone Number Sid Invalid: {echo(sid)} is not PN followed by 32 hex digits")


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


# Below country level, each geo-match level narrows North American numbers only (Twilio: "more
# specific areas than country are only available in North America"); elsewhere it is country.
#   area-code  the identifier's own area code
#   overlay    every area code of the identifier's region: its state, province or territory as
#              phonenumbers' geocoder places the area code (sandbox/geo.py); 415 and 628 (San
#              Francisco's overlay) match, and so does 213 (Los Angeles, CA); outside the US and
#              Canada the region is the country. An area code the geocoder does not place (a
#              toll-free one) matches itself only.
#   radius     the numbers overlay matches, nearest first: the identifier's own area code before
#              the rest of its region (the sandbox has no distances, only area codes and regions)
NARROWING_LEVELS = frozenset({"area-code", "overlay", "radius"})


def uses_area_code(geo_match_level: str, identifier: str) -> bool:
    """Does the level narrow this identifier's candidates below its country (North America only)?"""
    return geo_match_level in NARROWING_LEVELS and area_code(identifier) is not None


def geo_key(geo_match_level: str, e164: str, country: str | None) -> str | None:
    """What a pool number must share with the identifier under the level (after the country):
    the area code under area-code, the region under overlay and radius; None: nothing more."""
    npa = area_code(e164)
    if npa is None or geo_match_level not in NARROWING_LEVELS:
        return None
    if geo_match_level == "area-code":
        return npa
    return geo.region_of(e164, country) or f"area {npa}"


def geo_label(geo_match_level: str, key: str) -> str:
    """How an error names what did not match: "area code 415" or "region US-CA"."""
    if geo_match_level == "area-code":
        return f"area code {key}"
    return key.replace("area ", "area code ") if key.startswith("area ") else f"region {key}"


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


def no_proxy_for_area(count: int, where: str, identifier: str) -> None:
    """Area-code, overlay or radius matching: no pool number where the identifier is (80206)."""
    if count == 0:
        raise ProxyError(
            80206, 400,
            f"No Available Proxy: no number meets the Service's GeoMatchLevel for {identifier} ({where})",
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
    session: 80206 under area-code, overlay or radius matching (its text names the GeoMatchLevel),
    else 80208."""
    if count == 0:
        if by_area_code:
            raise ProxyError(
                80206, 400,
                f"No Available Proxy: every number meeting the Service's GeoMatchLevel for {identifier} is "
                "already in use by it in other active sessions",
            )
        raise ProxyError(
            80208, 400,
            f"No Available Unused Proxy: every matching number is already in use by {identifier} in other "
            "active sessions; add numbers or close one of its sessions",
        )


# -- interactions (a Participant's MessageInteractions) -----------------------------------------

def check_message_body(body: object, media: object) -> str:
    """A message interaction's Body: required, at most 1,600 characters; MediaUrl is reserved by Twilio
    ("not currently supported") and refused rather than dropped."""
    if media not in (None, "", []):
        raise ProxyError(80701, 400, "Parameter Validation Failed: MediaUrl is reserved by Twilio and not "
                                     "supported; send a Body")
    if not isinstance(body, str) or not body:
        raise ProxyError(80701, 400, "Parameter Validation Failed: Body is required")
    if len(body) > MAX_MESSAGE_BODY:
        raise ProxyError(80701, 400, f"Parameter Validation Failed: Body is longer than {MAX_MESSAGE_BODY:,} characters")
    return body


def check_session_takes_messages(status: str, mode: str, session_sid: str) -> None:
    """Messages go through active sessions only (80607, Twilio's "Session Closed"), and not through a
    voice-only one (80910)."""
    if status not in ACTIVE_STATUSES:
        raise ProxyError(80607, 400, f"Session Closed: session {session_sid} is {status}; re-open it to send")
    if mode == "voice-only":
        raise ProxyError(80910, 400, f"Message To Voice Only Session Rejected: session {session_sid} is voice-only")


def check_participant_present(deleted: bool, participant_sid: str) -> None:
    """A deleted participant receives nothing (80903)."""
    if deleted:
        raise ProxyError(80903, 400, f"Unknown Participant: {participant_sid} was removed from the session")
