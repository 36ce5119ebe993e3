"""Twilio Proxy's pool rules, each written once, as plain functions over plain data.

Every function either returns quietly or raises ProxyError with Twilio's code and
HTTP status (the rules table in the reference README). The sandbox backend and the
sandbox HTTP server both reach the rules through here; neither re-implements one.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.backend import ProxyError
from tui.models import (
    GEO_MATCH_LEVELS,
    NUMBER_SELECTION_BEHAVIORS,
    RESERVED_LIMIT,
    UNRESERVED_LIMIT,
    WARN_RATIO,
    InvalidNumber,
    is_sid,
    parse_e164,
)

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000  # the spec's bound; over it is 20007
MAX_RECORDS_PER_PAGE = 100  # Proxy lists return at most 100 records a page


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

def check_service_sid(sid: str) -> None:
    if not is_sid(sid, "KS"):
        raise not_found(f"/Services/{sid}")


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


def near_limit(counts: PoolCounts) -> bool:
    """At 85 % of either limit: Twilio's 80624 warning (the request still succeeds)."""
    return counts.reserved >= WARN_RATIO * RESERVED_LIMIT or counts.unreserved >= WARN_RATIO * UNRESERVED_LIMIT


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
