"""The seam between the app and its backends: the Backend protocol and ProxyError.

Every backend (the offline sandbox, the live Twilio API) implements Backend;
the app only ever talks to this protocol. No Textual here (below the seam).
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from tui.models import AccountNumber, Page, Participant, PhoneNumber, PoolStats, Service, Session

# Twilio's titles for the codes this product meets (a subset of Twilio's public
# catalogue; tests check every entry against tests/reference/twilio-error-codes.json).
ERROR_TITLES: dict[int, str] = {
    20001: "Unknown parameters",
    20003: "Permission Denied",
    20007: "Page size too large",
    20404: "Not Found",
    20422: "Invalid Parameter",
    20429: "Too Many Requests",
    20500: "Internal Server Error",
    20503: "Service unavailable",
    21421: "Phone Number is invalid",
    21422: "PhoneNumber is not available",
    80101: "Number Already Added to Another Service",
    80103: "Participant Already In Session",
    80104: "Phone Number Already In Service",
    80201: "No Available Voice Proxy",
    80202: "No Available Message Proxy",
    80203: "No Available Proxy For Country",
    80205: "No Proxies For Service",
    80206: "No Available Proxy",
    80207: "No unreserved numbers in proxy pool.",
    80208: "No Available Unused Proxy",
    80301: "Not Found Phone Number SID",
    80308: "Session with the unique name not found.",
    80404: "Participant Identifier Invalid",
    80407: "Phone Number Sid Invalid",
    80408: "Service Sid Invalid",
    80409: "Session Sid Invalid",
    80501: "Storage Operation Failed",
    80506: "Service Creation is restricted for new customers",
    80601: "Phone Number Not Available",
    80602: "Non Unique Service Name",
    80603: "Non Unique Session Name",
    80605: "Proxy Identifier Not In Service",
    80607: "Session Closed",
    80608: "Session Status Invalid",
    80609: "Too Many Added Participants",
    80611: "Proxy Number In Active Sessions",
    80622: "Maximum Pool Size Error",
    80623: "Duplicate Participant Request",
    80624: "Approaching Maximium Number Pool Size",
    80701: "Parameter Validation Failed",
}

# Codes that are warnings, not errors (Twilio logs them; the request succeeds).
WARNING_CODES = frozenset({80624})


def more_info_url(code: int) -> str:
    return f"https://www.twilio.com/docs/errors/{code}"


class ProxyError(Exception):
    """Every failure a backend reports: Twilio's code, HTTP status, message and more_info.

    Built only from public facts; it never carries credentials.
    """

    def __init__(self, code: int, status: int, message: str | None = None, more_info: str | None = None):
        self.code = int(code)
        self.status = int(status)
        self.message = message or ERROR_TITLES.get(self.code, "Error")
        self.more_info = more_info or more_info_url(self.code)
        super().__init__(f"{self.code}: {self.message}")

    def __repr__(self) -> str:
        return f"ProxyError(code={self.code}, status={self.status}, message={self.message!r})"

    def to_twilio(self) -> dict[str, Any]:
        """Twilio's error body."""
        return {"code": self.code, "message": self.message, "more_info": self.more_info, "status": self.status}

    @classmethod
    def from_twilio(cls, body: dict[str, Any], status: int) -> ProxyError:
        return cls(
            code=int(body.get("code") or 20500),
            status=int(body.get("status") or status),
            message=str(body.get("message") or "") or None,
            more_info=body.get("more_info"),
        )


@runtime_checkable
class Backend(Protocol):
    """What the app needs from a Twilio Proxy account, live or sandboxed."""

    #: "sandbox" or "live": shown in the header so nobody mistakes one for the other.
    kind: str

    @property
    def account_sid(self) -> str: ...

    async def list_services(self, page_size: int = 50, page_token: str | None = None) -> Page[Service]: ...

    async def get_service(self, sid: str) -> Service: ...

    async def create_service(self, unique_name: str, **fields: Any) -> Service: ...

    async def update_service(self, sid: str, **fields: Any) -> Service: ...

    async def delete_service(self, sid: str) -> None: ...

    async def list_numbers(
        self, service_sid: str, page_size: int = 50, page_token: str | None = None
    ) -> Page[PhoneNumber]: ...

    async def get_number(self, service_sid: str, sid: str) -> PhoneNumber: ...

    async def add_number(
        self,
        service_sid: str,
        *,
        sid: str | None = None,
        phone_number: str | None = None,
        is_reserved: bool = False,
    ) -> PhoneNumber: ...

    async def set_reserved(self, service_sid: str, sid: str, is_reserved: bool) -> PhoneNumber: ...

    async def remove_number(self, service_sid: str, sid: str) -> None: ...

    async def list_account_numbers(
        self, page_size: int = 50, page_token: str | None = None
    ) -> Page[AccountNumber]: ...

    async def pool_stats(self, service_sid: str) -> PoolStats: ...

    async def aclose(self) -> None: ...


@runtime_checkable
class SessionBackend(Backend, Protocol):
    """A backend that also runs Sessions and Participants (the pool in motion).

    Kept apart from Backend until every backend has these methods, so an
    isinstance(x, Backend) check never depends on them.
    `participants` items are dicts with identifier, friendly_name, proxy_identifier,
    proxy_identifier_sid (Twilio's PascalCase names are accepted too).
    """

    async def create_session(
        self,
        service_sid: str,
        *,
        unique_name: str | None = None,
        ttl: int | None = None,
        mode: str | None = None,
        status: str | None = None,
        participants: list[dict[str, Any]] | None = None,
    ) -> Session: ...

    async def get_session(self, service_sid: str, sid: str) -> Session: ...

    async def list_sessions(
        self, service_sid: str, page_size: int = 50, page_token: str | None = None
    ) -> Page[Session]: ...

    async def update_session(
        self, service_sid: str, sid: str, *, status: str | None = None, ttl: int | None = None
    ) -> Session: ...

    async def delete_session(self, service_sid: str, sid: str) -> None: ...

    async def add_participant(
        self,
        service_sid: str,
        session_sid: str,
        *,
        identifier: str,
        friendly_name: str | None = None,
        proxy_identifier: str | None = None,
        proxy_identifier_sid: str | None = None,
    ) -> Participant: ...

    async def list_participants(
        self, service_sid: str, session_sid: str, page_size: int = 50, page_token: str | None = None
    ) -> Page[Participant]: ...

    async def get_participant(self, service_sid: str, session_sid: str, sid: str) -> Participant: ...

    async def remove_participant(self, service_sid: str, session_sid: str, sid: str) -> None: ...


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
