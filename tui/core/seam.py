"""The seam between the app and its backends: the Backend protocols, the Page they answer,
and the one loop that follows a list's pages (every whole-list read in the product uses it).

Every backend (the offline sandbox, the live Twilio API) implements Backend; the app only
ever talks to this protocol. Every failure is a tui.core.errors.ProxyError.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, runtime_checkable

from tui.core.errors import ProxyError
from tui.core.resources import (
    DEFAULT_PAGE_SIZE,
    MAX_RECORDS_PER_PAGE,
    AccountNumber,
    PhoneNumber,
    PoolStats,
    Service,
)

if TYPE_CHECKING:
    from tui.core.messaging import MessagingIndex, MessagingNumber, MessagingService
    from tui.core.sessions import Interaction, Participant, Session

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list. Tokens are opaque: pass them back to get the neighbour page."""

    items: list[T]
    page: int = 0
    page_size: int = DEFAULT_PAGE_SIZE
    next_token: str | None = None
    previous_token: str | None = None


async def every_page(list_page: Callable[..., Awaitable[Page[T]]], *args: Any,
                     page_size: int = MAX_RECORDS_PER_PAGE,
                     first: Awaitable[Page[T]] | None = None) -> AsyncIterator[Page[T]]:
    """Every page of a list, first to last: `list_page(*args, page_size, token)` is a backend's
    list method; `first`, the first page's read when it is already under way. A server whose
    next token leads back to a page already read (paging in a circle) is a ProxyError, never
    an endless loop."""
    seen: set[str] = set()
    token: str | None = None
    while True:
        if first is not None:
            page, first = await first, None
        else:
            page = await list_page(*args, page_size, token)
        yield page
        token = page.next_token
        if not token:
            return
        if token in seen:
            raise ProxyError(20500, 500, "Internal Server Error: the list's pages lead back to the same page")
        seen.add(token)


async def every_item(list_page: Callable[..., Awaitable[Page[T]]], *args: Any,
                     page_size: int = MAX_RECORDS_PER_PAGE) -> AsyncIterator[T]:
    """Every record of a list, page by page (see every_page)."""
    async for page in every_page(list_page, *args, page_size=page_size):
        for item in page.items:
            yield item


async def all_items(list_page: Callable[..., Awaitable[Page[T]]], *args: Any,
                    page_size: int = MAX_RECORDS_PER_PAGE) -> list[T]:
    """The whole list at once."""
    return [item async for item in every_item(list_page, *args, page_size=page_size)]


@runtime_checkable
class Backend(Protocol):
    """What the app needs from a Twilio Proxy account, live or sandboxed."""

    #: "sandbox" or "live": shown in the header so nobody mistakes one for the other.
    kind: str

    @property
    def account_sid(self) -> str: ...

    async def list_services(self, page_size: int = DEFAULT_PAGE_SIZE,
                            page_token: str | None = None) -> Page[Service]: ...

    async def get_service(self, sid: str) -> Service: ...

    async def create_service(self, unique_name: str, **fields: Any) -> Service: ...

    async def update_service(self, sid: str, **fields: Any) -> Service: ...

    async def delete_service(self, sid: str) -> None: ...

    async def list_numbers(
        self, service_sid: str, page_size: int = DEFAULT_PAGE_SIZE, page_token: str | None = None
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
        self, page_size: int = DEFAULT_PAGE_SIZE, page_token: str | None = None
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
        self, service_sid: str, page_size: int = DEFAULT_PAGE_SIZE, page_token: str | None = None
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
        self, service_sid: str, session_sid: str, page_size: int = DEFAULT_PAGE_SIZE,
        page_token: str | None = None
    ) -> Page[Participant]: ...

    async def get_participant(self, service_sid: str, session_sid: str, sid: str) -> Participant: ...

    async def remove_participant(self, service_sid: str, session_sid: str, sid: str) -> None: ...


@runtime_checkable
class InteractionBackend(SessionBackend, Protocol):
    """A backend that also keeps a session's Interactions: messages sent to a Participant through
    its MessageInteractions (Proxy v1's last six operations)."""

    async def create_message_interaction(self, service_sid: str, session_sid: str, participant_sid: str, *,
                                         body: str) -> Interaction: ...

    async def list_message_interactions(self, service_sid: str, session_sid: str, participant_sid: str,
                                        page_size: int = DEFAULT_PAGE_SIZE,
                                        page_token: str | None = None) -> Page[Interaction]: ...

    async def get_message_interaction(self, service_sid: str, session_sid: str, participant_sid: str,
                                      sid: str) -> Interaction: ...

    async def list_interactions(self, service_sid: str, session_sid: str, page_size: int = DEFAULT_PAGE_SIZE,
                                page_token: str | None = None) -> Page[Interaction]: ...

    async def get_interaction(self, service_sid: str, session_sid: str, sid: str) -> Interaction: ...

    async def delete_interaction(self, service_sid: str, session_sid: str, sid: str) -> None: ...


@runtime_checkable
class MessagingBackend(Protocol):
    """The account's Messaging v1 Services and their sender pools: the other side of 80601 (a number
    in a Messaging Service cannot join a Proxy pool; the reverse order is allowed)."""

    async def list_messaging_services(self, page_size: int = DEFAULT_PAGE_SIZE,
                                      page_token: str | None = None) -> Page[MessagingService]: ...

    async def get_messaging_service(self, sid: str) -> MessagingService: ...

    async def create_messaging_service(self, friendly_name: str, **fields: Any) -> MessagingService: ...

    async def update_messaging_service(self, sid: str, **fields: Any) -> MessagingService: ...

    async def delete_messaging_service(self, sid: str) -> None: ...

    async def list_messaging_numbers(self, service_sid: str, page_size: int = DEFAULT_PAGE_SIZE,
                                     page_token: str | None = None) -> Page[MessagingNumber]: ...

    async def get_messaging_number(self, service_sid: str, sid: str) -> MessagingNumber: ...

    async def add_messaging_number(self, service_sid: str, phone_number_sid: str) -> MessagingNumber: ...

    async def remove_messaging_number(self, service_sid: str, sid: str) -> None: ...

    async def messaging_index(self) -> MessagingIndex:
        """Which Messaging Service each number is in (the live backend reads it once a session and
        keeps it; a failure to read it is an index with a note, never an exception)."""
        ...


@runtime_checkable
class OwnedCount(Protocol):
    """A backend that knows how many numbers the account owns without listing them (the sandbox;
    Twilio has no such count, so live pages IncomingPhoneNumbers: 55,000 numbers were 550 calls)."""

    async def owned_count(self) -> int: ...


# -- bulk changes over many pool numbers -------------------------------------------------------------
# A backend that can make many changes as one transaction (the sandbox) implements BulkBackend; any
# other is asked one number at a time. `each_outcome` is the one loop both the app and the
# `proxy-pool numbers` commands use.

@runtime_checkable
class BulkBackend(Protocol):
    """Many pool changes in one transaction for their successes. Each outcome, in the order asked, is
    the PhoneNumber (add, reserve) or None (remove), or the ProxyError that refused that one."""

    async def bulk_add(self, service_sid: str,
                       entries: list[tuple[str | None, str | None, bool]]) -> list[Any]: ...

    async def bulk_set_reserved(self, service_sid: str, sids: list[str], is_reserved: bool) -> list[Any]: ...

    async def bulk_remove(self, service_sid: str, sids: list[str]) -> list[Any]: ...


BULK_OPERATIONS = ("add", "reserve", "unreserve", "remove")


async def each_outcome(backend: Any, operation: str, service_sid: str,
                       items: list[Any]) -> AsyncIterator[list[tuple[Any, Any]]]:
    """(item, outcome) pairs of `operation` over `items`: SIDs (reserve, unreserve, remove) or
    (SID, E.164, reserved?) entries (add). A BulkBackend answers all at once (one batch); any other
    backend one item a batch. An outcome is a resource, None (removed), or the exception that
    refused that item; a failure of the whole transaction is raised."""
    if operation not in BULK_OPERATIONS:
        raise ValueError(f"no bulk operation {operation!r}")
    if isinstance(backend, BulkBackend):
        if operation == "add":
            outcomes = await backend.bulk_add(service_sid, items)
        elif operation == "remove":
            outcomes = await backend.bulk_remove(service_sid, items)
        else:
            outcomes = await backend.bulk_set_reserved(service_sid, items, operation == "reserve")
        yield list(zip(items, outcomes, strict=True))
        return
    for item in items:
        try:
            if operation == "add":
                sid, phone_number, is_reserved = item
                outcome: Any = await backend.add_number(service_sid, sid=sid, phone_number=phone_number,
                                                        is_reserved=is_reserved)
            elif operation == "remove":
                outcome = await backend.remove_number(service_sid, item)
            else:
                outcome = await backend.set_reserved(service_sid, item, operation == "reserve")
        except Exception as exc:  # noqa: BLE001 - one item's refusal (or network failure) is its outcome
            outcome = exc
        yield [(item, outcome)]
