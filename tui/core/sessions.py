"""Proxy's Sessions, their Participants and Interactions as plain data, with their enumerations
(exactly the spec's). Their Twilio JSON is tui.core.wire's. Apart from tui.core.resources (the
pool's resources): the first screen shows neither, and a frozen dataclass costs ~1 ms to make at
import."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# Each tuple is exactly the spec's enum (tests/reference/*.json), in the spec's order; a value
# outside one is refused with a 400 and never emitted.
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
MAX_MESSAGE_BODY = 1600  # characters of an SMS body Twilio sends (longer is refused)


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
