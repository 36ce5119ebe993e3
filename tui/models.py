"""Proxy's resources as plain data, and their Twilio JSON form both ways.

This module owns the mapping between Twilio's wire format (snake_case JSON with
the official spec's field names) and the models: the live client parses with
it, the sandbox server renders with it. No Textual here (below the seam).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any, Generic, TypeVar

# phonenumbers is imported inside the functions that use it: it costs 25-40 ms, and the
# app's first screen (and the sandbox's open) needs no phone-number parsing.

PROXY_BASE_URL = "https://proxy.twilio.com"
API_BASE_URL = "https://api.twilio.com"

UNRESERVED_LIMIT = 500
RESERVED_LIMIT = 5000
WARN_RATIO = 0.85

NUMBER_SELECTION_BEHAVIORS = ("prefer-sticky", "avoid-sticky")
GEO_MATCH_LEVELS = ("country", "area-code", "extended-area-code", "overlay", "radius")

_SID_RE = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")


# -- SIDs ---------------------------------------------------------------------

def is_sid(value: object, prefix: str) -> bool:
    """True when value is `prefix` followed by 32 hex digits (Twilio's SID form)."""
    return isinstance(value, str) and value.startswith(prefix) and bool(_SID_RE.match(value))


def new_sid(prefix: str, rng: Any = None) -> str:
    """A fresh SID; `rng` (a random.Random) makes it deterministic for demo data."""
    digits = f"{rng.getrandbits(128):032x}" if rng is not None else secrets.token_hex(16)
    return prefix + digits


def mask_sid(sid: str | None) -> str:
    """A SID shown as its prefix and last 4 characters: AC…1a2b."""
    if not sid:
        return ""
    return f"{sid[:2]}…{sid[-4:]}" if len(sid) > 6 else sid


# -- phone numbers ------------------------------------------------------------

class InvalidNumber(ValueError):
    """Text that is not a valid phone number."""


def parse_e164(text: str, region: str | None = None) -> str:
    """The E.164 form of `text`, or InvalidNumber.

    Strict E.164 (a leading +) unless a default `region` is given for national input.
    """
    raw = (text or "").strip()
    if not raw:
        raise InvalidNumber("empty phone number")
    if region is None and not raw.startswith("+"):
        raise InvalidNumber(f"{raw!r} is not in E.164 form (it must start with + and the country code)")
    import phonenumbers

    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidNumber(f"{raw!r} is not a phone number: {exc._msg}") from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidNumber(f"{raw!r} is not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def is_strict_e164(text: str) -> bool:
    """True when text is already a valid number written exactly in E.164."""
    try:
        return parse_e164(text) == text
    except InvalidNumber:
        return False


def iso_country(e164: str) -> str | None:
    """The ISO country of a number (shared dialling codes resolve to the real region)."""
    import phonenumbers

    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(e164, None)) or None
    except phonenumbers.NumberParseException:
        return None


def number_type(e164: str) -> str:
    """Twilio's IncomingPhoneNumber `type`: local, mobile or toll-free."""
    import phonenumbers

    try:
        kind = phonenumbers.number_type(phonenumbers.parse(e164, None))
    except phonenumbers.NumberParseException:
        return "local"
    if kind == phonenumbers.PhoneNumberType.TOLL_FREE:
        return "toll-free"
    return "mobile" if kind == phonenumbers.PhoneNumberType.MOBILE else "local"


def format_international(e164: str) -> str:
    """+14155550100 -> +1 415-555-0100, for people; the wire keeps E.164."""
    import phonenumbers

    try:
        return phonenumbers.format_number(
            phonenumbers.parse(e164, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
    except phonenumbers.NumberParseException:
        return e164


# -- dates ----------------------------------------------------------------------

def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def iso8601(dt: datetime | None) -> str | None:
    """Proxy v1's form: 2015-07-30T20:00:00Z."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if dt else None


def rfc2822(dt: datetime | None) -> str | None:
    """The 2010 API's form: Thu, 30 Jul 2015 20:00:00 +0000."""
    return format_datetime(dt.astimezone(UTC)).replace("-0000", "+0000") if dt else None


def parse_date(text: str | None) -> datetime | None:
    """Either wire form back to an aware datetime."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return parsedate_to_datetime(text).astimezone(UTC)


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)


# -- resources ------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Capabilities:
    voice: bool = True
    sms: bool = True
    mms: bool = False
    fax: bool = False

    def to_twilio(self) -> dict[str, bool]:
        return {"fax": self.fax, "mms": self.mms, "sms": self.sms, "voice": self.voice}

    @classmethod
    def from_twilio(cls, data: dict[str, Any] | None) -> Capabilities:
        data = data or {}
        # Proxy's own examples also use the long names (sms_outbound, voice_inbound)
        def has(name: str) -> bool:
            return any(_bool(v) for k, v in data.items() if k == name or k.startswith(name + "_"))

        return cls(voice=has("voice"), sms=has("sms"), mms=has("mms"), fax=has("fax"))

    def short(self) -> str:
        """voice/sms/mms/fax as a compact tag for tables: V S M -."""
        return " ".join(
            flag if on else "-"
            for flag, on in (("V", self.voice), ("S", self.sms), ("M", self.mms), ("F", self.fax))
        )


@dataclass(frozen=True, slots=True)
class Service:
    sid: str
    unique_name: str
    account_sid: str
    date_created: datetime
    date_updated: datetime
    default_ttl: int = 0
    number_selection_behavior: str = "prefer-sticky"
    geo_match_level: str = "country"
    callback_url: str | None = None
    intercept_callback_url: str | None = None
    out_of_session_callback_url: str | None = None
    chat_instance_sid: str | None = None

    def url(self, base: str = PROXY_BASE_URL) -> str:
        return f"{base}/v1/Services/{self.sid}"

    def to_twilio(self, base: str = PROXY_BASE_URL) -> dict[str, Any]:
        url = self.url(base)
        return {
            "sid": self.sid,
            "unique_name": self.unique_name,
            "account_sid": self.account_sid,
            "chat_instance_sid": self.chat_instance_sid,
            "callback_url": self.callback_url,
            "default_ttl": self.default_ttl,
            "number_selection_behavior": self.number_selection_behavior,
            "geo_match_level": self.geo_match_level,
            "intercept_callback_url": self.intercept_callback_url,
            "out_of_session_callback_url": self.out_of_session_callback_url,
            "date_created": iso8601(self.date_created),
            "date_updated": iso8601(self.date_updated),
            "url": url,
            "links": {"sessions": f"{url}/Sessions", "phone_numbers": f"{url}/PhoneNumbers"},
        }

    @classmethod
    def from_twilio(cls, data: dict[str, Any]) -> Service:
        return cls(
            sid=data["sid"],
            unique_name=data.get("unique_name") or "",
            account_sid=data.get("account_sid") or "",
            date_created=parse_date(data.get("date_created")) or utcnow(),
            date_updated=parse_date(data.get("date_updated")) or utcnow(),
            default_ttl=int(data.get("default_ttl") or 0),
            number_selection_behavior=data.get("number_selection_behavior") or "prefer-sticky",
            geo_match_level=data.get("geo_match_level") or "country",
            callback_url=data.get("callback_url"),
            intercept_callback_url=data.get("intercept_callback_url"),
            out_of_session_callback_url=data.get("out_of_session_callback_url"),
            chat_instance_sid=data.get("chat_instance_sid"),
        )


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    """A number in a Service's pool (Proxy's PhoneNumber resource, PN…)."""

    sid: str
    account_sid: str
    service_sid: str
    phone_number: str
    date_created: datetime
    date_updated: datetime
    friendly_name: str | None = None
    iso_country: str | None = None
    capabilities: Capabilities = field(default_factory=Capabilities)
    is_reserved: bool = False
    in_use: int = 0

    def url(self, base: str = PROXY_BASE_URL) -> str:
        return f"{base}/v1/Services/{self.service_sid}/PhoneNumbers/{self.sid}"

    def to_twilio(self, base: str = PROXY_BASE_URL) -> dict[str, Any]:
        return {
            "sid": self.sid,
            "account_sid": self.account_sid,
            "service_sid": self.service_sid,
            "date_created": iso8601(self.date_created),
            "date_updated": iso8601(self.date_updated),
            "phone_number": self.phone_number,
            "friendly_name": self.friendly_name,
            "iso_country": self.iso_country,
            "capabilities": self.capabilities.to_twilio(),
            "url": self.url(base),
            "is_reserved": self.is_reserved,
            "in_use": self.in_use,
        }

    @classmethod
    def from_twilio(cls, data: dict[str, Any]) -> PhoneNumber:
        return cls(
            sid=data["sid"],
            account_sid=data.get("account_sid") or "",
            service_sid=data.get("service_sid") or "",
            phone_number=data.get("phone_number") or "",
            date_created=parse_date(data.get("date_created")) or utcnow(),
            date_updated=parse_date(data.get("date_updated")) or utcnow(),
            friendly_name=data.get("friendly_name"),
            iso_country=data.get("iso_country"),
            capabilities=Capabilities.from_twilio(data.get("capabilities")),
            is_reserved=_bool(data.get("is_reserved")),
            in_use=int(data.get("in_use") or 0),
        )


@dataclass(frozen=True, slots=True)
class AccountNumber:
    """One of the account's own numbers (an IncomingPhoneNumber of the 2010 API).

    `messaging_service_sid` is not on Twilio's IncomingPhoneNumber resource; the
    sandbox keeps it to enforce 80601, and the live backend leaves it None.
    `service_sid` is the Proxy Service whose pool holds it, when known.
    """

    sid: str
    account_sid: str
    phone_number: str
    date_created: datetime
    date_updated: datetime
    friendly_name: str | None = None
    capabilities: Capabilities = field(default_factory=Capabilities)
    messaging_service_sid: str | None = None
    service_sid: str | None = None

    @property
    def iso_country(self) -> str | None:
        return iso_country(self.phone_number)

    def uri(self) -> str:
        return f"/2010-04-01/Accounts/{self.account_sid}/IncomingPhoneNumbers/{self.sid}.json"

    def to_twilio(self) -> dict[str, Any]:
        caps = self.capabilities
        return {
            "account_sid": self.account_sid,
            "address_sid": None,
            "address_requirements": "none",
            "api_version": "2010-04-01",
            "beta": False,
            "capabilities": {"voice": caps.voice, "sms": caps.sms, "mms": caps.mms, "fax": caps.fax},
            "date_created": rfc2822(self.date_created),
            "date_updated": rfc2822(self.date_updated),
            "friendly_name": self.friendly_name,
            "identity_sid": None,
            "phone_number": self.phone_number,
            "origin": "twilio",
            "sid": self.sid,
            "sms_application_sid": None,  # the spec's pattern (AP + 32 hex) admits null, not ""
            "sms_fallback_method": "POST",
            "sms_fallback_url": "",
            "sms_method": "POST",
            "sms_url": "",
            "status_callback": "",
            "status_callback_method": "POST",
            "trunk_sid": None,
            "uri": self.uri(),
            "voice_receive_mode": "voice",
            "voice_application_sid": None,
            "voice_caller_id_lookup": False,
            "voice_fallback_method": "POST",
            "voice_fallback_url": None,
            "voice_method": "POST",
            "voice_url": None,
            "emergency_status": "Inactive",
            "emergency_address_sid": None,
            "emergency_address_status": "unregistered",
            "bundle_sid": None,
            "status": "in-use",
            # exactly the 2010 spec's fields: it has `type` and no subresource_uris
            "type": number_type(self.phone_number),
        }

    @classmethod
    def from_twilio(cls, data: dict[str, Any]) -> AccountNumber:
        return cls(
            sid=data["sid"],
            account_sid=data.get("account_sid") or "",
            phone_number=data.get("phone_number") or "",
            date_created=parse_date(data.get("date_created")) or utcnow(),
            date_updated=parse_date(data.get("date_updated")) or utcnow(),
            friendly_name=data.get("friendly_name"),
            capabilities=Capabilities.from_twilio(data.get("capabilities")),
        )


@dataclass(frozen=True, slots=True)
class PoolStats:
    """A pool's counts against Twilio's limits (500 unreserved, 5,000 reserved)."""

    service_sid: str
    reserved: int
    unreserved: int
    in_use_numbers: int = 0
    reserved_limit: int = RESERVED_LIMIT
    unreserved_limit: int = UNRESERVED_LIMIT

    @property
    def total(self) -> int:
        return self.reserved + self.unreserved

    @property
    def reserved_warning(self) -> bool:
        """At 85 % of the reserved limit (Twilio's 80624 warning)."""
        return self.reserved >= WARN_RATIO * self.reserved_limit

    @property
    def unreserved_warning(self) -> bool:
        return self.unreserved >= WARN_RATIO * self.unreserved_limit

    @property
    def warning(self) -> bool:
        return self.reserved_warning or self.unreserved_warning


@dataclass(frozen=True, slots=True)
class Session:
    """A Proxy Session (KC…): two participants talking through pool numbers."""

    sid: str
    service_sid: str
    account_sid: str
    date_created: datetime
    date_updated: datetime
    unique_name: str | None = None
    status: str = "open"  # open | in-progress | closed | failed | unknown
    mode: str = "voice-and-message"  # message-only | voice-only | voice-and-message
    ttl: int = 0
    date_started: datetime | None = None
    date_ended: datetime | None = None
    date_last_interaction: datetime | None = None
    date_expiry: datetime | None = None
    closed_reason: str | None = None

    @property
    def is_active(self) -> bool:
        """Open and in-progress sessions hold their proxy numbers (they count in `in_use`)."""
        return self.status in ("open", "in-progress")

    def url(self, base: str = PROXY_BASE_URL) -> str:
        return f"{base}/v1/Services/{self.service_sid}/Sessions/{self.sid}"

    def to_twilio(self, base: str = PROXY_BASE_URL) -> dict[str, Any]:
        url = self.url(base)
        return {
            "sid": self.sid,
            "service_sid": self.service_sid,
            "account_sid": self.account_sid,
            "date_started": iso8601(self.date_started),
            "date_ended": iso8601(self.date_ended),
            "date_last_interaction": iso8601(self.date_last_interaction),
            "date_expiry": iso8601(self.date_expiry),
            "unique_name": self.unique_name,
            "status": self.status,
            "closed_reason": self.closed_reason,
            "ttl": self.ttl,
            "mode": self.mode,
            "date_created": iso8601(self.date_created),
            "date_updated": iso8601(self.date_updated),
            "url": url,
            "links": {"interactions": f"{url}/Interactions", "participants": f"{url}/Participants"},
        }

    @classmethod
    def from_twilio(cls, data: dict[str, Any]) -> Session:
        return cls(
            sid=data["sid"],
            service_sid=data.get("service_sid") or "",
            account_sid=data.get("account_sid") or "",
            date_created=parse_date(data.get("date_created")) or utcnow(),
            date_updated=parse_date(data.get("date_updated")) or utcnow(),
            unique_name=data.get("unique_name"),
            status=data.get("status") or "open",
            mode=data.get("mode") or "voice-and-message",
            ttl=int(data.get("ttl") or 0),
            date_started=parse_date(data.get("date_started")),
            date_ended=parse_date(data.get("date_ended")),
            date_last_interaction=parse_date(data.get("date_last_interaction")),
            date_expiry=parse_date(data.get("date_expiry")),
            closed_reason=data.get("closed_reason") or None,
        )


@dataclass(frozen=True, slots=True)
class Participant:
    """A Participant (KP…) of a Session: its own number (identifier) and the pool
    number it reaches its partner through (proxy_identifier)."""

    sid: str
    session_sid: str
    service_sid: str
    account_sid: str
    identifier: str
    date_created: datetime
    date_updated: datetime
    proxy_identifier: str | None = None
    proxy_identifier_sid: str | None = None
    friendly_name: str | None = None
    date_deleted: datetime | None = None

    def url(self, base: str = PROXY_BASE_URL) -> str:
        return f"{base}/v1/Services/{self.service_sid}/Sessions/{self.session_sid}/Participants/{self.sid}"

    def to_twilio(self, base: str = PROXY_BASE_URL) -> dict[str, Any]:
        url = self.url(base)
        return {
            "sid": self.sid,
            "session_sid": self.session_sid,
            "service_sid": self.service_sid,
            "account_sid": self.account_sid,
            "friendly_name": self.friendly_name,
            "identifier": self.identifier,
            "proxy_identifier": self.proxy_identifier,
            "proxy_identifier_sid": self.proxy_identifier_sid,
            "date_deleted": iso8601(self.date_deleted),
            "date_created": iso8601(self.date_created),
            "date_updated": iso8601(self.date_updated),
            "url": url,
            "links": {"message_interactions": f"{url}/MessageInteractions"},
        }

    @classmethod
    def from_twilio(cls, data: dict[str, Any]) -> Participant:
        return cls(
            sid=data["sid"],
            session_sid=data.get("session_sid") or "",
            service_sid=data.get("service_sid") or "",
            account_sid=data.get("account_sid") or "",
            identifier=data.get("identifier") or "",
            date_created=parse_date(data.get("date_created")) or utcnow(),
            date_updated=parse_date(data.get("date_updated")) or utcnow(),
            proxy_identifier=data.get("proxy_identifier"),
            proxy_identifier_sid=data.get("proxy_identifier_sid"),
            friendly_name=data.get("friendly_name"),
            date_deleted=parse_date(data.get("date_deleted")),
        )


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list. Tokens are opaque: pass them back to get the neighbour page."""

    items: list[T]
    page: int = 0
    page_size: int = 50
    next_token: str | None = None
    previous_token: str | None = None


def as_dict(obj: Any) -> dict[str, Any]:
    return asdict(obj)


__all__ = [
    "AccountNumber", "Capabilities", "InvalidNumber", "Page", "Participant", "PhoneNumber", "PoolStats", "Service",
    "Session", "format_international", "is_sid", "iso_country", "mask_sid", "new_sid", "parse_e164", "replace",
]
