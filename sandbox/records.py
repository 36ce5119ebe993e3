"""Store records <-> resources, written once.

A record is what a sandbox file keeps (TinyDB documents: plain JSON, dates in ISO 8601);
a resource is what the seam answers (tui.core.resources). Every record is made here and
every resource is made from one here; the account and the ledgers never build either.
"""

from __future__ import annotations

import functools
import json
from datetime import datetime, timedelta
from typing import Any

from tui.core.messaging import MessagingLink, MessagingNumber, MessagingService
from tui.core.phone import iso_country
from tui.core.resources import (
    DEFAULT_GEO_MATCH_LEVEL,
    DEFAULT_NUMBER_SELECTION_BEHAVIOR,
    AccountNumber,
    Capabilities,
    PhoneNumber,
    Service,
)
from tui.core.sessions import Interaction, Participant, Session
from tui.core.wire import iso8601, messaging_capabilities, parse_date

Record = dict[str, Any]

DEFAULT_CAPABILITIES = {"voice": True, "sms": True, "mms": False, "fax": False}

# Service fields kept as given (None when not set); default_ttl and the two enumerations have defaults.
_SERVICE_URLS = ("callback_url", "intercept_callback_url", "out_of_session_callback_url", "chat_instance_sid")


def capabilities(data: dict[str, Any] | None) -> Capabilities:
    data = data or {}
    return _capabilities(bool(data.get("voice")), bool(data.get("sms")), bool(data.get("mms")), bool(data.get("fax")))


@functools.cache
def _capabilities(voice: bool, sms: bool, mms: bool, fax: bool) -> Capabilities:
    """One shared (frozen) value per combination, of 16: a page of 50 numbers made 50 of them."""
    return Capabilities(voice=voice, sms=sms, mms=mms, fax=fax)


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


# Sandboxes made before the spec's enum was followed may hold "extended-area-code" (older prose docs
# name it; the spec does not): it reads as "overlay", the spec's level nearest to what it meant.
LEGACY_GEO_MATCH_LEVELS = {"extended-area-code": "overlay"}


def geo_match_level(doc: Record) -> str:
    level = doc.get("geo_match_level") or DEFAULT_GEO_MATCH_LEVEL
    return LEGACY_GEO_MATCH_LEVELS.get(level, level)


def service(doc: Record, account_sid: str) -> Service:
    return Service(
        sid=doc["sid"],
        unique_name=doc["unique_name"],
        account_sid=account_sid,
        date_created=parse_date(doc["date_created"]),
        date_updated=parse_date(doc["date_updated"]),
        default_ttl=doc.get("default_ttl", 0),
        number_selection_behavior=doc.get("number_selection_behavior", DEFAULT_NUMBER_SELECTION_BEHAVIOR),
        geo_match_level=geo_match_level(doc),
        **{name: doc.get(name) for name in _SERVICE_URLS},
    )


def selection_settings(doc: Record) -> tuple[str, str]:
    """(geo_match_level, number_selection_behavior) of a Service record, defaults applied."""
    return geo_match_level(doc), doc.get("number_selection_behavior") or DEFAULT_NUMBER_SELECTION_BEHAVIOR


# -- the account's own numbers -----------------------------------------------------------------------

def owned_record(sid: str, e164: str, spec: dict[str, Any], now: datetime) -> Record:
    """A number the account owns (bought): `spec` may give friendly_name and capabilities."""
    stamp = iso8601(now)
    return {
        "sid": sid,
        "phone_number": e164,
        "friendly_name": spec.get("friendly_name") or e164,
        "capabilities": spec.get("capabilities") or dict(DEFAULT_CAPABILITIES),
        "date_created": stamp,
        "date_updated": stamp,
    }


def account_number(doc: Record, account_sid: str, service_sid: str | None,
                   messaging: MessagingLink | None = None) -> AccountNumber:
    return AccountNumber(
        sid=doc["sid"],
        account_sid=account_sid,
        phone_number=doc["phone_number"],
        date_created=parse_date(doc["date_created"]),
        date_updated=parse_date(doc["date_updated"]),
        friendly_name=doc.get("friendly_name"),
        capabilities=capabilities(doc.get("capabilities")),
        messaging=messaging,
        service_sid=service_sid,
    )


# -- Messaging Services and their numbers ---------------------------------------------------------

MESSAGING_RECORD_FIELDS = (
    "friendly_name", "inbound_request_url", "inbound_method", "fallback_url", "fallback_method", "status_callback",
    "sticky_sender", "mms_converter", "smart_encoding", "scan_message_content", "fallback_to_long_code",
    "area_code_geomatch", "validity_period", "synchronous_validation", "usecase", "us_app_to_person_registered",
    "use_inbound_webhook_on_number",
)


def messaging_service_record(sid: str, fields: dict[str, Any], now: datetime) -> Record:
    """A new Messaging Service: `fields` are checked create fields; the rest are Twilio's defaults."""
    stamp = iso8601(now)
    defaults = MessagingService(sid, "", "", now, now)
    kept = {name: fields.get(name, getattr(defaults, name)) for name in MESSAGING_RECORD_FIELDS}
    return {"sid": sid, **kept, "date_created": stamp, "date_updated": stamp}


def messaging_service(doc: Record, account_sid: str) -> MessagingService:
    return MessagingService(
        sid=doc["sid"], account_sid=account_sid, date_created=parse_date(doc["date_created"]),
        date_updated=parse_date(doc["date_updated"]), **{name: doc[name] for name in MESSAGING_RECORD_FIELDS},
    )


def messaging_link(doc: Record) -> MessagingLink:
    return MessagingLink(doc["sid"], doc["friendly_name"], bool(doc["use_inbound_webhook_on_number"]))


def messaging_member_record(number_sid: str, service_sid: str, now: datetime) -> Record:
    """A number's place in a Messaging Service's sender pool (the number itself is the owned record)."""
    stamp = iso8601(now)
    return {"sid": number_sid, "service_sid": service_sid, "date_created": stamp, "date_updated": stamp}


def messaging_number(member: Record, owned: Record, account_sid: str) -> MessagingNumber:
    return MessagingNumber(
        sid=member["sid"], account_sid=account_sid, service_sid=member["service_sid"],
        phone_number=owned["phone_number"], date_created=parse_date(member["date_created"]),
        date_updated=parse_date(member["date_updated"]), country_code=iso_country(owned["phone_number"]),
        capabilities=messaging_capabilities(capabilities(owned.get("capabilities"))),
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


def number(doc: Record, account_sid: str, service_sid: str, in_use: int,
           messaging: MessagingLink | None = None) -> PhoneNumber:
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
        messaging=messaging,
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
        friendly_name=doc.get("friendly_name"), date_deleted=parse_date(doc.get("date_deleted")),
    )


# -- interactions ---------------------------------------------------------------------------------------

SENT = "sent"  # the spec's example status of a message interaction just created


def message_interaction_record(sid: str, session_sid: str, participant_sid: str, body: str, message_sid: str,
                               now: datetime) -> Record:
    """A message sent through the API to one participant: the outbound side only (Twilio: "the inbound
    properties for the Interaction will always be empty"); the message is sent at once."""
    stamp = iso8601(now)
    return {
        "sid": sid, "session_sid": session_sid, "participant_sid": participant_sid, "type": "message",
        "data": json.dumps({"body": body}),
        "inbound_participant_sid": None, "inbound_resource_sid": None, "inbound_resource_status": None,
        "inbound_resource_type": None, "outbound_participant_sid": participant_sid,
        "outbound_resource_sid": message_sid, "outbound_resource_status": SENT, "outbound_resource_type": "Message",
        "date_created": stamp, "date_updated": stamp,
    }


def interaction(doc: Record, account_sid: str, service_sid: str) -> Interaction:
    return Interaction(
        sid=doc["sid"], session_sid=doc["session_sid"], service_sid=service_sid, account_sid=account_sid,
        date_created=parse_date(doc["date_created"]), date_updated=parse_date(doc["date_updated"]),
        type=doc["type"], data=doc.get("data"), participant_sid=doc.get("participant_sid"),
        inbound_participant_sid=doc.get("inbound_participant_sid"),
        inbound_resource_sid=doc.get("inbound_resource_sid"),
        inbound_resource_status=doc.get("inbound_resource_status"),
        inbound_resource_type=doc.get("inbound_resource_type"),
        outbound_participant_sid=doc.get("outbound_participant_sid"),
        outbound_resource_sid=doc.get("outbound_resource_sid"),
        outbound_resource_status=doc.get("outbound_resource_status"),
        outbound_resource_type=doc.get("outbound_resource_type"),
    )
