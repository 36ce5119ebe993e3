"""Twilio's resources of a pool as plain data (Proxy v1's Services and their numbers, the account's
numbers, a pool's counts), their enumerations (exactly the spec's), the limits and the page sizes.
Sessions are tui.core.sessions', Messaging Services tui.core.messaging's. Their Twilio JSON is
tui.core.wire's; nothing here knows the wire."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from tui.core.phone import iso_country

if TYPE_CHECKING:
    from tui.core.messaging import MessagingLink

# -- the pool limits (Twilio's 80622) and the warning (80624) ----------------------------------
UNRESERVED_LIMIT = 500
RESERVED_LIMIT = 5000
WARN_RATIO = 0.85

# -- page sizes ---------------------------------------------------------------------------------
DEFAULT_PAGE_SIZE = 50  # Twilio's PageSize default
MAX_PAGE_SIZE = 1000  # the spec's bound; over it is 20007
MAX_RECORDS_PER_PAGE = 100  # Proxy lists return at most 100 records a page: every whole-list read asks for it

# -- enumerations and their defaults --------------------------------------------------------------
# Each tuple is exactly the spec's enum (tests/reference/*.json), in the spec's order; a value
# outside one is refused with a 400 and never emitted.
NUMBER_SELECTION_BEHAVIORS = ("avoid-sticky", "prefer-sticky")
DEFAULT_NUMBER_SELECTION_BEHAVIOR = "prefer-sticky"
GEO_MATCH_LEVELS = ("area-code", "overlay", "radius", "country")
DEFAULT_GEO_MATCH_LEVEL = "country"

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
    """A number in a Service's pool (Proxy's PhoneNumber resource, PN…).

    `messaging` is not on Twilio's resource (the wire never carries it): the Messaging Service the
    number is also in, filled in by the backend (the live one from its cached Messaging reads).
    """

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
    messaging: MessagingLink | None = None


@dataclass(frozen=True, slots=True)
class AccountNumber:
    """One of the account's own numbers (an IncomingPhoneNumber of the 2010 API).

    `messaging` and `service_sid` are not on Twilio's resource (the wire never carries them):
    the Messaging Service the number is in (80601 needs it; the sandbox knows it, the live
    backend reads Messaging v1 for it) and the Proxy Service whose pool holds the number (the
    sandbox fills it in; the live backend leaves it None).
    """

    sid: str
    account_sid: str
    phone_number: str
    date_created: datetime
    date_updated: datetime
    friendly_name: str | None = None
    capabilities: Capabilities = field(default_factory=Capabilities)
    messaging: MessagingLink | None = None
    service_sid: str | None = None

    @property
    def iso_country(self) -> str | None:
        return iso_country(self.phone_number)

    @property
    def messaging_service_sid(self) -> str | None:
        return self.messaging.sid if self.messaging else None


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


