"""Twilio's resources as plain data (Proxy v1's, the account's numbers, Messaging v1 Services and
their numbers), their enumerations (exactly the specs'), the limits and the page sizes. Their
Twilio JSON is tui.core.wire's; nothing here knows the wire."""

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
# Each tuple is exactly the spec's enum (tests/reference/*.json), in the spec's order; a value
# outside one is refused with a 400 and never emitted.
NUMBER_SELECTION_BEHAVIORS = ("avoid-sticky", "prefer-sticky")
DEFAULT_NUMBER_SELECTION_BEHAVIOR = "prefer-sticky"
GEO_MATCH_LEVELS = ("area-code", "overlay", "radius", "country")
DEFAULT_GEO_MATCH_LEVEL = "country"
SESSION_STATUSES = ("open", "in-progress", "closed", "failed", "unknown")
ACTIVE_STATUSES = frozenset({"open", "in-progress"})  # they hold their proxy numbers (in_use)
DEFAULT_SESSION_STATUS = "open"
SESSION_MODES = ("message-only", "voice-only", "voice-and-message")
DEFAULT_SESSION_MODE = "voice-and-message"
INTERACTION_TYPES = ("message", "voice", "unknown")
INTERACTION_RESOURCE_STATUSES = (
    "accepted", "answered", "busy", "canceled", "completed", "deleted", "delivered", "delivery-unknown", "failed",
    "in-progress", "initiated", "no-answer", "queued", "received", "receiving", "ringing", "scheduled", "sending",
    "sent", "undelivered", "unknown",
)
# Messaging v1 Services
MESSAGING_METHODS = ("GET", "POST")  # inbound_method, fallback_method
SCAN_MESSAGE_CONTENTS = ("inherit", "enable", "disable")
# usecase is a free string in the spec; its description names these values
MESSAGING_USECASES = ("notifications", "marketing", "verification", "discussion", "poll", "undeclared")
MESSAGING_POOL_LIMIT = 400  # Twilio's default Messaging Service number pool size (error 21714)
MAX_MESSAGE_BODY = 1600  # characters of an SMS body Twilio sends (longer is refused)

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
class MessagingLink:
    """The Messaging Service a number is also in, as the app shows it (not on Twilio's Proxy or
    2010 resources: the backend fills it in from Messaging v1)."""

    sid: str
    friendly_name: str
    #: the Service defers inbound messages to the number's own webhook ("Defer to sender's webhook");
    #: when False the number's inbound messages go to the Messaging Service and stop reaching Proxy
    use_inbound_webhook_on_number: bool = False

    @property
    def label(self) -> str:
        return self.friendly_name or self.sid


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


@dataclass(frozen=True, slots=True)
class Interaction:
    """An Interaction (KI…) of a Session: one message (or call) through the session's numbers.

    A message interaction created through the API (a Participant's MessageInteractions) has
    `participant_sid` (the participant it was sent to) and no inbound side.
    """

    sid: str
    session_sid: str
    service_sid: str
    account_sid: str
    date_created: datetime
    date_updated: datetime
    type: str = "message"
    data: str | None = None  # a JSON string: {"body": "..."} for a message
    participant_sid: str | None = None
    inbound_participant_sid: str | None = None
    inbound_resource_sid: str | None = None
    inbound_resource_status: str | None = None
    inbound_resource_type: str | None = None
    inbound_resource_url: str | None = None
    outbound_participant_sid: str | None = None
    outbound_resource_sid: str | None = None
    outbound_resource_status: str | None = None
    outbound_resource_type: str | None = None
    outbound_resource_url: str | None = None


@dataclass(frozen=True, slots=True)
class MessagingService:
    """A Messaging v1 Service (MG…): a sender pool for messages (the A2P 10DLC side of the seed)."""

    sid: str
    account_sid: str
    friendly_name: str
    date_created: datetime
    date_updated: datetime
    inbound_request_url: str | None = None
    inbound_method: str = "POST"
    fallback_url: str | None = None
    fallback_method: str = "POST"
    status_callback: str | None = None
    sticky_sender: bool = True
    mms_converter: bool = True
    smart_encoding: bool = True
    scan_message_content: str = "inherit"
    fallback_to_long_code: bool = False
    area_code_geomatch: bool = True
    validity_period: int = 36000
    synchronous_validation: bool = False
    usecase: str = "undeclared"
    us_app_to_person_registered: bool = False
    use_inbound_webhook_on_number: bool = False

    @property
    def link(self) -> MessagingLink:
        return MessagingLink(self.sid, self.friendly_name, self.use_inbound_webhook_on_number)


# Messaging Service fields a create/update accepts, as the seam names them (snake_case).
MESSAGING_SERVICE_FIELDS = (
    "friendly_name", "inbound_request_url", "inbound_method", "fallback_url", "fallback_method",
    "status_callback", "sticky_sender", "mms_converter", "smart_encoding", "scan_message_content",
    "fallback_to_long_code", "area_code_geomatch", "validity_period", "synchronous_validation", "usecase",
    "use_inbound_webhook_on_number",
)


@dataclass(frozen=True, slots=True)
class MessagingNumber:
    """A phone number in a Messaging Service's sender pool (Messaging v1 PhoneNumber: the same
    PN… SID as the account's IncomingPhoneNumber)."""

    sid: str
    account_sid: str
    service_sid: str
    phone_number: str
    date_created: datetime
    date_updated: datetime
    country_code: str | None = None
    capabilities: tuple[str, ...] = ()  # "MMS", "SMS", "Voice" as Messaging v1 spells them


@dataclass(frozen=True, slots=True)
class MessagingIndex:
    """Which Messaging Service each of the account's numbers is in (number SID -> its link), as the
    app needs it to show and to refuse 80601 before Twilio does. `note` says why it may be
    incomplete (the live backend could not read Messaging v1): then nothing is refused early."""

    by_number: dict[str, MessagingLink] = field(default_factory=dict)
    note: str | None = None

    def of(self, number_sid: str) -> MessagingLink | None:
        return self.by_number.get(number_sid)
