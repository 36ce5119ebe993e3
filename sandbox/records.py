"""Store records <-> resources, written once.

A record is what a sandbox file keeps (TinyDB documents: plain JSON, dates in ISO 8601);
a resource is what the seam answers (tui.core.resources). Every record is made here and
every resource is made from one here; the account and the ledgers never build either.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tui.core.phone import iso_country
from tui.core.resources import (
    DEFAULT_GEO_MATCH_LEVEL,
    DEFAULT_NUMBER_SELECTION_BEHAVIOR,
    AccountNumber,
    Capabilities,
    Participant,
    PhoneNumber,
    Service,
    Session,
)
from tui.core.wire import iso8601, parse_date

Record = dict[str, Any]

DEFAULT_CAPABILITIES = {"voice": True, "sms": True, "mms": False, "fax": False}

# Service fields kept as given (None when not set); default_ttl and the two enumerations have defaults.
_SERVICE_URLS = ("callback_url", "intercept_callback_url", "out_of_session_callback_url", "chat_instance_sid")


def capabilities(data: dict[str, Any] | None) -> Capabilities:
    data = data or {}
    return Capabilities(voice=bool(data.get("voice")), sms=bool(data.get("sms")),
                        mms=bool(data.get("mms")), fax=bool(data.get("fax")))


# -- Services --------------------------------------------------------------------------------------

def service_record(sid: str, unique_name: str, fields: dict[str, Any], now: datetime) -> Record:
    """A new Service; `fields` are checked create fields (None values left out)."""
    stamp = iso8601(now)
    return {
        "sid": sid,
        "unique_name": unique_name,
        "default_ttl": int(fields.get("default_ttl", 0)),
        "number_selection_behavior": fields.get("number_selection_behavior", DEFAULT_NUMBER_SELECTION_BEHAVIOR),
        "geo_match_level": fields.get("geo_match_level", DEFAULT_GEO_MATCH_LEVEL),
        **{name: fields.get(name) for name in _SERVICE_URLS},
        "date_created": stamp,
        "date_updated": stamp,
    }


def service(doc: Record, account_sid: str) -> Service:
    return Service(
        sid=doc["sid"],
        unique_name=doc["unique_name"],
        account_sid=account_sid,
        date_created=parse_date(doc["date_created"]),
        date_updated=parse_date(doc["date_updated"]),
        default_ttl=doc.get("default_ttl", 0),
        number_selection_behavior=doc.get("number_selection_behavior", DEFAULT_NUMBER_SELECTION_BEHAVIOR),
        geo_match_level=doc.get("geo_match_level", DEFAULT_GEO_MATCH_LEVEL),
        **{name: doc.get(name) for name in _SERVICE_URLS},
    )


def selection_settings(doc: Record) -> tuple[str, str]:
    """(geo_match_level, number_selection_behavior) of a Service record, defaults applied."""
    return (doc.get("geo_match_level") or DEFAULT_GEO_MATCH_LEVEL,
            doc.get("number_selection_behavior") or DEFAULT_NUMBER_SELECTION_BEHAVIOR)


# -- the account's own numbers -----------------------------------------------------------------------

def owned_record(sid: str, e164: str, spec: dict[str, Any], now: datetime) -> Record:
    """A number the account owns (bought): `spec` may give friendly_name, capabilities, messaging_service_sid."""
    stamp = iso8601(now)
    return {
        "sid": sid,
        "phone_number": e164,
        "friendly_name": spec.get("friendly_name") or e164,
        "capabilities": spec.get("capabilities") or dict(DEFAULT_CAPABILITIES),
        "messaging_service_sid": spec.get("messaging_service_sid"),
        "date_created": stamp,
        "date_updated": stamp,
    }


def account_number(doc: Record, account_sid: str, service_sid: str | None) -> AccountNumber:
    return AccountNumber(
        sid=doc["sid"],
        account_sid=account_sid,
        phone_number=doc["phone_number"],
        date_created=parse_date(doc["date_created"]),
        date_updated=parse_date(doc["date_updated"]),
        friendly_name=doc.get("friendly_name"),
        capabilities=capabilities(doc.get("capabilities")),
        messaging_service_sid=doc.get("messaging_service_sid"),
        service_sid=service_sid,
    )


# -- pool numbers ---------------------------------------------------------------------------------------

def pool_number_record(owned: Record, is_reserved: bool, now: datetime) -> Record:
    """An owned number's place in a pool: its own fields copied, plus the reservation."""
    stamp = iso8601(now)
    return {
        "sid": owned["sid"],
        "phone_number": owned["phone_number"],
        "friendly_name": owned.get("friendly_name"),
        "iso_country": iso_country(owned["phone_number"]),
        "capabilities": dict(owned.get("capabilities") or {}),
        "is_reserved": bool(is_reserved),
        "date_created": stamp,
        "date_updated": stamp,
    }


def number(doc: Record, account_sid: str, service_sid: str, in_use: int) -> PhoneNumber:
    return PhoneNumber(
        sid=doc["sid"],
        account_sid=account_sid,
        service_sid=service_sid,
        phone_number=doc["phone_number"],
        date_created=parse_date(doc["date_created"]),
        date_updated=parse_date(doc["date_updated"]),
        friendly_name=doc.get("friendly_name"),
        iso_country=doc.get("iso_country"),
        capabilities=capabilities(doc.get("capabilities")),
        is_reserved=doc["is_reserved"],
        in_use=in_use,
    )


# -- sessions and participants -----------------------------------------------------------------------------

def expiry(start: datetime, ttl: int) -> str | None:
    """When a session with this ttl (seconds; 0 = never), counted from `start`, closes."""
    return iso8601(start + timedelta(seconds=ttl)) if ttl else None


def session_record(sid: str, unique_name: str | None, status: str, mode: str, ttl: int, now: datetime) -> Record:
    stamp = iso8601(now)
    return {
        "sid": sid, "unique_name": unique_name, "status": status, "mode": mode, "ttl": ttl,
        "date_started": stamp, "date_ended": None, "date_last_interaction": None,
        "date_expiry": expiry(now, ttl), "closed_reason": None,
        "date_created": stamp, "date_updated": stamp,
    }


def session(doc: Record, account_sid: str, service_sid: str) -> Session:
    return Session(
        sid=doc["sid"], service_sid=service_sid, account_sid=account_sid,
        date_created=parse_date(doc["date_created"]), date_updated=parse_date(doc["date_updated"]),
        unique_name=doc.get("unique_name"), status=doc["status"], mode=doc["mode"], ttl=doc.get("ttl", 0),
        date_started=parse_date(doc.get("date_started")), date_ended=parse_date(doc.get("date_ended")),
        date_last_interaction=parse_date(doc.get("date_last_interaction")),
        date_expiry=parse_date(doc.get("date_expiry")), closed_reason=doc.get("closed_reason"),
    )


def participant_record(sid: str, session_sid: str, identifier: str, friendly_name: str | None,
                       proxy_phone: str, proxy_sid: str, now: datetime) -> Record:
    stamp = iso8601(now)
    return {
        "sid": sid, "session_sid": session_sid, "identifier": identifier, "friendly_name": friendly_name,
        "proxy_identifier": proxy_phone, "proxy_identifier_sid": proxy_sid,
        "date_created": stamp, "date_updated": stamp,
    }


def participant(doc: Record, account_sid: str, service_sid: str) -> Participant:
    return Participant(
        sid=doc["sid"], session_sid=doc["session_sid"], service_sid=service_sid,
        account_sid=account_sid, identifier=doc["identifier"],
        date_created=parse_date(doc["date_created"]), date_updated=parse_date(doc["date_updated"]),
        proxy_identifier=doc.get("proxy_identifier"), proxy_identifier_sid=doc.get("proxy_identifier_sid"),
        friendly_name=doc.get("friendly_name"),
    )
