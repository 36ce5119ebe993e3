"""Proxy's resources as plain data, their enumerations (exactly the spec's), the limits and
the page sizes. Their Twilio JSON is tui.core.wire's; nothing here knows the wire."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from tui.core.phone import iso_country

# -- the pool limits (Twilio's 80622) and the warning (80624) ----------------------------------
UNRESERVED_LIMIT = 500
RESERVED_LIMIT = 5000
WARN_RATIO = 0.85

# -- page sizes ---------------------------------------------------------------------------------
DEFAULT_PAGE_SIZE = 50  # Twilio's PageSize default
MAX_PAGE_SIZE = 1000  # the spec's bound; over it is 20007
MAX_RECORDS_PER_PAGE = 100  # Proxy lists return at most 100 records a page: every whole-list read asks for it

# -- enumerations and their defaults --------------------------------------------------------------
NUMBER_SELECTION_BEHAVIORS = ("prefer-sticky", "avoid-sticky")
DEFAULT_NUMBER_SELECTION_BEHAVIOR = "prefer-sticky"
GEO_MATCH_LEVELS = ("country", "area-code", "extended-area-code", "overlay", "radius")
DEFAULT_GEO_MATCH_LEVEL = "country"
SESSION_STATUSES = ("open", "in-progress", "closed", "failed", "unknown")
ACTIVE_STATUSES = frozenset({"open", "in-progress"})  # they hold their proxy numbers (in_use)
DEFAULT_SESSION_STATUS = "open"
SESSION_MODES = ("message-only", "voice-only", "voice-and-message")
DEFAULT_SESSION_MODE = "voice-and-message"

# Service fields a create/update accepts, as the seam names them (snake_case).
SERVICE_FIELDS = (
    "unique_name",
    "default_ttl",
    "callback_url",
    "geo_match_level",
    "number_selection_behavior",
    "intercept_callback_url",
    "out_of_session_callback_url",
    "chat_instance_sid",
)


@dataclass(frozen=True, slots=True)
class Capabilities:
    voice: bool = True
    sms: bool = True
    mms: bool = False
    fax: bool = False


@dataclass(frozen=True, slots=True)
class Service:
    """A Proxy Service (KS…): one pool of numbers and how sessions pick from it."""

    sid: str
    unique_name: str
    account_sid: str
    date_created: datetime
    date_updated: datetime
    default_ttl: int = 0
    number_selection_behavior: str = DEFAULT_NUMBER_SELECTION_BEHAVIOR
    geo_match_level: str = DEFAULT_GEO_MATCH_LEVEL
    callback_url: str | None = None
    intercept_callback_url: str | None = None
    out_of_session_callback_url: str | None = None
    chat_instance_sid: str | None = None


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


@dataclass(frozen=True, slots=True)
class AccountNumber:
    """One of the account's own numbers (an IncomingPhoneNumber of the 2010 API).

    `messaging_service_sid` and `service_sid` are not on Twilio's resource (the wire never
    carries them): the sandbox fills them in (80601 needs the first; the second is the Proxy
    Service whose pool holds the number); the live backend leaves them None.
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
    status: str = DEFAULT_SESSION_STATUS
    mode: str = DEFAULT_SESSION_MODE
    ttl: int = 0
    date_started: datetime | None = None
    date_ended: datetime | None = None
    date_last_interaction: datetime | None = None
    date_expiry: datetime | None = None
    closed_reason: str | None = None

    @property
    def is_active(self) -> bool:
        """Open and in-progress sessions hold their proxy numbers (they count in `in_use`)."""
        return self.status in ACTIVE_STATUSES


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
