"""Messaging v1 Services and their numbers as plain data, and the link the app shows on a Proxy
number that is also in one. Their Twilio JSON is tui.core.wire's. Apart from tui.core.resources:
the first screen needs none of them, and a frozen dataclass costs ~1 ms to make at import."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# Each tuple is exactly the spec's enum (tests/reference/*.json), in the spec's order.
MESSAGING_METHODS = ("GET", "POST")  # inbound_method, fallback_method
SCAN_MESSAGE_CONTENTS = ("inherit", "enable", "disable")
# usecase is a free string in the spec; its description names these values
MESSAGING_USECASES = ("notifications", "marketing", "verification", "discussion", "poll", "undeclared")
MESSAGING_POOL_LIMIT = 400  # Twilio's default Messaging Service number pool size (error 21714)


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
