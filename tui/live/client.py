"""LiveBackend: the seam (tui.core.seam.Backend) over Twilio's real API, the resources only;
tui.live.transport sends the requests, tui.core.wire maps every body.

Proxy v1 (Services, PhoneNumbers, Sessions, Participants, Interactions) at https://proxy.twilio.com/v1,
the account's numbers at https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json
and Messaging v1 Services at https://messaging.twilio.com/v1, all replaceable by one --base-url (the
sandbox server, a recording proxy; Messaging v1 is then at <base>/messaging, as the sandbox serves it).

With `read_messaging` (the command line's backend has it), the account's Messaging Services and
their numbers are read once a session, the first time a number is shown, and kept (every change
made through this backend drops them, so the next read is fresh): each pool and account number
then carries the Messaging Service it is in, and the app refuses 80601 before Twilio does. If
they cannot be read (a key without Messaging access, a network failure) the index is empty with
a note saying so, and nothing is refused early.

A create is never resent blindly: after an ambiguous failure it first checks whether the
create took effect (a Service by UniqueName, a pool number by SID or phone number, a Session
by UniqueName, a Participant by its Identifier among the session's); a session created
without a UniqueName cannot be found again, so that failure says the session may exist. A
session's status change (closed -> closed is 80608) is checked the same way before it is
sent again. Page tokens are the next/previous page URLs, followed only to our own hosts.
No Textual here (below the seam).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import httpx

from tui.core.errors import ProxyError
from tui.core.messaging import MessagingIndex, MessagingLink, MessagingNumber, MessagingService
from tui.core.phone import InvalidNumber, parse_e164
from tui.core.resources import MAX_RECORDS_PER_PAGE, AccountNumber, PhoneNumber, PoolStats, Service
from tui.core.seam import Page, all_items, every_item, every_page
from tui.core.sessions import Interaction, Participant, Session
from tui.core.sids import mask_sid
from tui.core.wire import (
    MESSAGING_BASE_URL,
    MESSAGING_PREFIX,
    page_items,
    parse_account_number,
    parse_interaction,
    parse_messaging_number,
    parse_messaging_service,
    parse_number,
    parse_page,
    parse_participant,
    parse_service,
    parse_session,
    render_participant_item,
    to_form,
)
from tui.live.credentials import Credentials, Hosts, load_credentials, regional_url
from tui.live.transport import DEFAULT_TIMEOUT, Clock, Resend, Retrying, RetryPolicy, Sleep, Transport

__all__ = ["LiveBackend", "backend_from_args"]

T = TypeVar("T")

MAX_SCAN_PAGES = 100   # bounds the look-ups that confirm an ambiguous create
_WRONG_SHAPE = (KeyError, TypeError, ValueError, AttributeError)  # what parsing a body of another shape raises


def _identifier(text: Any) -> str:
    """An Identifier as Twilio stores it (E.164), to recognise it in a list."""
    try:
        return parse_e164(str(text))
    except InvalidNumber:
        return str(text)


def _raw(item: Any) -> Any:
    """A list record kept as Twilio's JSON (the look-ups match raw items)."""
    return item


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class LiveBackend:
    """The live Twilio account behind the seam.

    `transport` (an httpx transport: ASGITransport, respx's mock), `sleep`, `clock`
    and `rng` are injectable so tests run against the sandbox server in-process and
    never actually wait.
    """

    kind = "live"

    def __init__(self, credentials: Credentials, *, base_url: str | None = None,
                 transport: httpx.AsyncBaseTransport | None = None, timeout: httpx.Timeout = DEFAULT_TIMEOUT,
                 retry: RetryPolicy | None = None, rate: float = 30.0, sleep: Sleep = asyncio.sleep,
                 clock: Clock = time.monotonic, rng: Callable[[], float] = random.random,
                 read_messaging: bool = False):
        self._credentials = credentials
        # mark numbers with their Messaging Service (costs Messaging v1 reads and access to it)
        self.read_messaging = read_messaging
        self.hosts = Hosts.resolve(credentials.region, credentials.edge, base_url)
        # Messaging v1 has a host of its own; one --base-url serves it under /messaging (as the sandbox does)
        self.messaging_host = (self.hosts.proxy + MESSAGING_PREFIX if self.hosts.overridden
                               else regional_url(MESSAGING_BASE_URL, credentials.region, credentials.edge))
        self.transport = Transport(credentials, transport=transport, timeout=timeout, retry=retry, rate=rate,
                                   sleep=sleep, clock=clock, rng=rng)
        self._messaging: MessagingIndex | None = None  # read once a session (messaging_index)
        self._messaging_lock = asyncio.Lock()
        self._prefetch: asyncio.Future | None = None  # the index, read beside the first Services list

    def __repr__(self) -> str:
        return (f"LiveBackend(account={mask_sid(self.account_sid)!r}, proxy={self.hosts.proxy!r}, "
                f"api={self.hosts.api!r}, source={self._credentials.source!r})")

    @property
    def account_sid(self) -> str:
        return self._credentials.account_sid

    async def aclose(self) -> None:
        if self._prefetch is not None and not self._prefetch.done():
            self._prefetch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._prefetch
        await self.transport.aclose()

    def watch_retries(self, callback: Callable[[Retrying], None] | None) -> None:
        """Tell `callback` of each request about to be sent again (429, 503, a lost connection)."""
        self.transport.on_retry = callback

    # -- URLs -----------------------------------------------------------------------------

    def _proxy(self, path: str) -> str:
        return f"{self.hosts.proxy}/v1{path}"

    def _numbers_url(self) -> str:
        return f"{self.hosts.api}/2010-04-01/Accounts/{self.account_sid}/IncomingPhoneNumbers.json"

    def _page_url(self, token: str) -> str:
        """A page token is the next/previous page URL Twilio gave us: followed verbatim,
        but only to our own hosts (the credentials go with it)."""
        url = token if self.hosts.overridden else regional_url(token, self._credentials.region,
                                                                self._credentials.edge)
        parts = urlsplit(url)
        if self.hosts.overridden and (parts.hostname or "").endswith("twilio.com"):
            # a recording proxy that passes Twilio's bodies through: stay on the chosen base (Messaging's
            # pages under its /messaging path)
            base = urlsplit(self.messaging_host if parts.hostname.startswith("messaging.") else self.hosts.proxy)
            url = parts._replace(scheme=base.scheme, netloc=base.netloc, path=base.path + parts.path).geturl()
        if _origin(url) not in {_origin(self.hosts.proxy), _origin(self.hosts.api), _origin(self.messaging_host)}:
            raise ProxyError(20422, 400, "Invalid Parameter: this page link belongs to another connection; "
                                         "reload the list")
        return url

    # -- bodies to resources ----------------------------------------------------------------------

    def _parse(self, parse: Callable[[Any], T], body: Any) -> T:
        try:
            return parse(body)
        except _WRONG_SHAPE as exc:
            raise ProxyError(20500, 500, f"Internal Server Error: the response is not the resource expected "
                                         f"({type(exc).__name__}: {self.transport.scrub(str(exc))[:80]})") from None

    async def _get(self, url: str, parse: Callable[[Any], T]) -> T:
        return self._parse(parse, await self.transport.request("GET", url))

    async def _page_body(self, url: str, page_size: int, page_token: str | None) -> Any:
        """The body of a list's first page at `url`, or of the page a token names."""
        if page_token:
            url, params = self._page_url(page_token), None
        else:
            params = {"PageSize": page_size}
        return await self.transport.request("GET", url, params=params)

    async def _list(self, url: str, page_size: int, page_token: str | None,
                    parse: Callable[[Mapping[str, Any]], T], key: str) -> Page[T]:
        body = await self._page_body(url, page_size, page_token)
        return self._parse(lambda b: parse_page(b, key, parse, self.hosts.api), body)

    async def _raw_page(self, url: str, key: str, page_size: int, page_token: str | None) -> Page[Any]:
        """A page of raw records, for the look-ups that match Twilio's JSON."""
        body = await self._page_body(url, page_size, page_token)
        try:
            return parse_page(body, key, _raw, self.hosts.api)
        except _WRONG_SHAPE:
            return Page([])  # not a list page: nothing to find in it, and no next page

    async def _scan(self, url: str, key: str, match: Callable[[dict[str, Any]], bool]) -> dict[str, Any] | None:
        """The first raw item of a Proxy list that matches, paging (100 a page, bounded) to find it."""
        pages = every_page(self._raw_page, url, key, page_size=MAX_RECORDS_PER_PAGE)
        async with contextlib.aclosing(pages):
            read = 0
            async for page in pages:
                for item in page.items:
                    if isinstance(item, dict) and match(item):
                        return item
                read += 1
                if read >= MAX_SCAN_PAGES:
                    break
        return None

    async def _found(self, url: str) -> dict[str, Any] | None:
        """The body at `url`, or None when there is none (404)."""
        try:
            return await self.transport.request("GET", url)
        except ProxyError as exc:
            if exc.status == 404:
                return None
            raise

    # -- Services ---------------------------------------------------------------------------------

    async def list_services(self, page_size: int = 50, page_token: str | None = None) -> Page[Service]:
        if self.read_messaging and self._prefetch is None:
            # read while the user looks at the Services and their counts: the first pool page
            # opened then needs one round trip, not three (Messaging Services, their numbers, the page)
            self._prefetch = asyncio.ensure_future(self.messaging_index())
        return await self._list(self._proxy("/Services"), page_size, page_token, parse_service, "services")

    async def get_service(self, sid: str) -> Service:
        return await self._get(self._proxy(f"/Services/{sid}"), parse_service)

    async def create_service(self, unique_name: str, **fields: Any) -> Service:
        async def confirm() -> dict[str, Any] | None:
            return await self._scan(self._proxy("/Services"), "services",
                                    lambda item: item.get("unique_name") == unique_name)

        body = await self.transport.request("POST", self._proxy("/Services"),
                                            data=to_form({"unique_name": unique_name, **fields}),
                                            resend=Resend.CONFIRM_FIRST, confirm=confirm)
        return self._parse(parse_service, body)

    async def update_service(self, sid: str, **fields: Any) -> Service:
        body = await self.transport.request("POST", self._proxy(f"/Services/{sid}"), data=to_form(fields),
                                            resend=Resend.IDEMPOTENT)
        return self._parse(parse_service, body)

    async def delete_service(self, sid: str) -> None:
        await self.transport.request("DELETE", self._proxy(f"/Services/{sid}"), resend=Resend.DELETE)

    # -- pool numbers --------------------------------------------------------------------------------

    def _pool(self, service_sid: str, sid: str | None = None) -> str:
        url = self._proxy(f"/Services/{service_sid}/PhoneNumbers")
        return f"{url}/{sid}" if sid else url

    async def list_numbers(self, service_sid: str, page_size: int = 50,
                           page_token: str | None = None) -> Page[PhoneNumber]:
        if not self.read_messaging:
            return await self._pool_page(service_sid, page_size, page_token)
        # side by side: a pool opened before the index is read waits for the longer of the two
        page, index = await asyncio.gather(self._pool_page(service_sid, page_size, page_token),
                                           self.messaging_index())
        return replace(page, items=[_linked(n, index.of(n.sid)) for n in page.items])

    async def get_number(self, service_sid: str, sid: str) -> PhoneNumber:
        return await self._with_messaging(await self._get(self._pool(service_sid, sid), parse_number))

    async def _with_messaging(self, number: PhoneNumber) -> PhoneNumber:
        if not self.read_messaging:
            return number
        return _linked(number, (await self.messaging_index()).of(number.sid))

    async def add_number(self, service_sid: str, *, sid: str | None = None, phone_number: str | None = None,
                         is_reserved: bool = False) -> PhoneNumber:
        async def confirm() -> dict[str, Any] | None:
            return await self._find_pool_number(service_sid, sid, phone_number)

        form = to_form({"sid": sid, "phone_number": phone_number, "is_reserved": is_reserved})
        body = await self.transport.request("POST", self._pool(service_sid), data=form,
                                            resend=Resend.CONFIRM_FIRST, confirm=confirm)
        return await self._with_messaging(self._parse(parse_number, body))

    async def _find_pool_number(self, service_sid: str, sid: str | None,
                                phone_number: str | None) -> dict[str, Any] | None:
        """The pool number an ambiguous add may have created: by SID directly; by phone number
        through the account's numbers (a Proxy PhoneNumber keeps its IncomingPhoneNumber SID),
        or by paging the pool when the server cannot filter the account's numbers."""
        if sid:
            return await self._found(self._pool(service_sid, sid))
        if not phone_number:
            return None
        try:
            wanted = parse_e164(phone_number)
        except InvalidNumber:
            return None  # Twilio refuses it (21421): nothing was created
        owned = await self._account_numbers_with(wanted)
        if owned is not None:
            for item in owned:
                if isinstance(item, dict) and item.get("phone_number") == wanted and item.get("sid"):
                    return await self._found(self._pool(service_sid, item["sid"]))
            if all(isinstance(item, dict) and item.get("phone_number") == wanted for item in owned):
                return None  # the filter was honoured: the account does not own it, nothing was created
        return await self._scan(self._pool(service_sid), "phone_numbers",
                                lambda item: item.get("phone_number") == wanted)

    async def _account_numbers_with(self, phone_number: str) -> list[Any] | None:
        """The account's numbers as raw records, filtered by PhoneNumber; None when the server
        cannot filter (400, as the sandbox) or did not answer with a list of them."""
        key = "incoming_phone_numbers"
        try:
            body = await self.transport.request("GET", self._numbers_url(),
                                                params={"PhoneNumber": phone_number, "PageSize": 50})
        except ProxyError as exc:
            if exc.status != 400:
                raise
            return None
        if not isinstance(body, dict) or not isinstance(body.get(key), list):
            return None
        return page_items(body, key)

    async def set_reserved(self, service_sid: str, sid: str, is_reserved: bool) -> PhoneNumber:
        body = await self.transport.request("POST", self._pool(service_sid, sid),
                                            data=to_form({"is_reserved": bool(is_reserved)}),
                                            resend=Resend.IDEMPOTENT)
        return await self._with_messaging(self._parse(parse_number, body))

    async def remove_number(self, service_sid: str, sid: str) -> None:
        await self.transport.request("DELETE", self._pool(service_sid, sid), resend=Resend.DELETE)

    async def pool_stats(self, service_sid: str) -> PoolStats:
        """Twilio has no pool-count endpoint: this pages the whole pool (PageSize=100) and
        counts is_reserved and in_use. A full pool (5,500 numbers) is 55 paced requests."""
        reserved = unreserved = busy = 0
        async for number in every_item(self._pool_page, service_sid, page_size=MAX_RECORDS_PER_PAGE):
            if number.is_reserved:
                reserved += 1
            else:
                unreserved += 1
            busy += number.in_use > 0
        return PoolStats(service_sid, reserved=reserved, unreserved=unreserved, in_use_numbers=busy)

    async def _pool_page(self, service_sid: str, page_size: int, page_token: str | None) -> Page[PhoneNumber]:
        """A pool page as Twilio sends it (the counts need no Messaging Services)."""
        return await self._list(self._pool(service_sid), page_size, page_token, parse_number, "phone_numbers")

    # -- Sessions ----------------------------------------------------------------------------------------

    def _sessions(self, service_sid: str, sid: str | None = None) -> str:
        url = self._proxy(f"/Services/{service_sid}/Sessions")
        # a session may be named by its UniqueName, which can hold any character
        return f"{url}/{quote(sid, safe='')}" if sid is not None else url

    async def create_session(self, service_sid: str, *, unique_name: str | None = None, ttl: int | None = None,
                             mode: str | None = None, status: str | None = None,
                             participants: list[dict[str, Any]] | None = None) -> Session:
        form = to_form({"unique_name": unique_name, "ttl": ttl, "mode": mode, "status": status})
        if participants:
            form["Participants"] = [render_participant_item(p) for p in participants]  # sent as repeated fields
        async def confirm() -> dict[str, Any] | None:
            return await self._found(self._sessions(service_sid, unique_name)) if unique_name else None

        # without a UniqueName a lost create cannot be found again: the failure says it may exist
        body = await self.transport.request("POST", self._sessions(service_sid), data=form,
                                            resend=Resend.CONFIRM_FIRST, confirm=confirm if unique_name else None)
        return self._parse(parse_session, body)

    async def get_session(self, service_sid: str, sid: str) -> Session:
        return await self._get(self._sessions(service_sid, sid), parse_session)

    async def list_sessions(self, service_sid: str, page_size: int = 50,
                            page_token: str | None = None) -> Page[Session]:
        return await self._list(self._sessions(service_sid), page_size, page_token, parse_session, "sessions")

    async def update_session(self, service_sid: str, sid: str, *, status: str | None = None,
                             ttl: int | None = None) -> Session:
        async def confirm() -> dict[str, Any] | None:
            body = await self._found(self._sessions(service_sid, sid))
            if not isinstance(body, dict):
                return None
            done = (status is None or body.get("status") == status) and (ttl is None or body.get("ttl") == int(ttl))
            return body if done else None

        # not idempotent (closing a closed session is 80608): after a lost answer, look before resending
        body = await self.transport.request("POST", self._sessions(service_sid, sid),
                                            data=to_form({"status": status, "ttl": ttl}),
                                            resend=Resend.CONFIRM_FIRST, confirm=confirm)
        return self._parse(parse_session, body)

    async def delete_session(self, service_sid: str, sid: str) -> None:
        await self.transport.request("DELETE", self._sessions(service_sid, sid), resend=Resend.DELETE)

    # -- Participants ----------------------------------------------------------------------------------

    def _participants(self, service_sid: str, session_sid: str, sid: str | None = None) -> str:
        url = f"{self._sessions(service_sid, session_sid)}/Participants"
        return f"{url}/{sid}" if sid else url

    async def add_participant(self, service_sid: str, session_sid: str, *, identifier: str,
                              friendly_name: str | None = None, proxy_identifier: str | None = None,
                              proxy_identifier_sid: str | None = None) -> Participant:
        url = self._participants(service_sid, session_sid)
        wanted = _identifier(identifier)

        async def confirm() -> dict[str, Any] | None:
            # one identifier appears at most once in a session (80103): its presence is our create
            return await self._scan(url, "participants", lambda item: item.get("identifier") == wanted)

        form = to_form({"identifier": identifier, "friendly_name": friendly_name,
                        "proxy_identifier": proxy_identifier, "proxy_identifier_sid": proxy_identifier_sid})
        body = await self.transport.request("POST", url, data=form, resend=Resend.CONFIRM_FIRST, confirm=confirm)
        return self._parse(parse_participant, body)

    async def list_participants(self, service_sid: str, session_sid: str, page_size: int = 50,
                                page_token: str | None = None) -> Page[Participant]:
        return await self._list(self._participants(service_sid, session_sid), page_size, page_token,
                                parse_participant, "participants")

    async def get_participant(self, service_sid: str, session_sid: str, sid: str) -> Participant:
        return await self._get(self._participants(service_sid, session_sid, sid), parse_participant)

    async def remove_participant(self, service_sid: str, session_sid: str, sid: str) -> None:
        await self.transport.request("DELETE", self._participants(service_sid, session_sid, sid),
                                     resend=Resend.DELETE)

    # -- Interactions: a session's messages -------------------------------------------------------------

    def _interactions(self, service_sid: str, session_sid: str, sid: str | None = None) -> str:
        url = f"{self._sessions(service_sid, session_sid)}/Interactions"
        return f"{url}/{sid}" if sid else url

    def _message_interactions(self, service_sid: str, session_sid: str, participant_sid: str,
                              sid: str | None = None) -> str:
        url = f"{self._participants(service_sid, session_sid, participant_sid)}/MessageInteractions"
        return f"{url}/{sid}" if sid else url

    async def create_message_interaction(self, service_sid: str, session_sid: str, participant_sid: str, *,
                                         body: str) -> Interaction:
        """Send a message to one participant. Nothing identifies a lost one afterwards (no UniqueName):
        an ambiguous failure says the message may have been sent, and it is never resent blindly."""
        answer = await self.transport.request(
            "POST", self._message_interactions(service_sid, session_sid, participant_sid),
            data=to_form({"body": body}), resend=Resend.CONFIRM_FIRST, confirm=None)
        return self._parse(parse_interaction, answer)

    async def list_message_interactions(self, service_sid: str, session_sid: str, participant_sid: str,
                                        page_size: int = 50, page_token: str | None = None) -> Page[Interaction]:
        return await self._list(self._message_interactions(service_sid, session_sid, participant_sid), page_size,
                                page_token, parse_interaction, "interactions")

    async def get_message_interaction(self, service_sid: str, session_sid: str, participant_sid: str,
                                      sid: str) -> Interaction:
        return await self._get(self._message_interactions(service_sid, session_sid, participant_sid, sid),
                               parse_interaction)

    async def list_interactions(self, service_sid: str, session_sid: str, page_size: int = 50,
                                page_token: str | None = None) -> Page[Interaction]:
        return await self._list(self._interactions(service_sid, session_sid), page_size, page_token,
                                parse_interaction, "interactions")

    async def get_interaction(self, service_sid: str, session_sid: str, sid: str) -> Interaction:
        return await self._get(self._interactions(service_sid, session_sid, sid), parse_interaction)

    async def delete_interaction(self, service_sid: str, session_sid: str, sid: str) -> None:
        await self.transport.request("DELETE", self._interactions(service_sid, session_sid, sid),
                                     resend=Resend.DELETE)

    # -- Messaging v1: Services and their sender pools ----------------------------------------------------

    def _msg(self, path: str) -> str:
        return f"{self.messaging_host}/v1{path}"

    async def list_messaging_services(self, page_size: int = 50,
                                      page_token: str | None = None) -> Page[MessagingService]:
        return await self._list(self._msg("/Services"), page_size, page_token, parse_messaging_service, "services")

    async def get_messaging_service(self, sid: str) -> MessagingService:
        return await self._get(self._msg(f"/Services/{sid}"), parse_messaging_service)

    async def create_messaging_service(self, friendly_name: str, **fields: Any) -> MessagingService:
        # FriendlyName is not unique: a lost create cannot be told from another Service, so it is not resent
        body = await self.transport.request("POST", self._msg("/Services"),
                                            data=to_form({"friendly_name": friendly_name, **fields}),
                                            resend=Resend.CONFIRM_FIRST, confirm=None)
        self._messaging = None
        return self._parse(parse_messaging_service, body)

    async def update_messaging_service(self, sid: str, **fields: Any) -> MessagingService:
        body = await self.transport.request("POST", self._msg(f"/Services/{sid}"), data=to_form(fields),
                                            resend=Resend.IDEMPOTENT)
        self._messaging = None
        return self._parse(parse_messaging_service, body)

    async def delete_messaging_service(self, sid: str) -> None:
        await self.transport.request("DELETE", self._msg(f"/Services/{sid}"), resend=Resend.DELETE)
        self._messaging = None

    def _msg_numbers(self, service_sid: str, sid: str | None = None) -> str:
        url = self._msg(f"/Services/{service_sid}/PhoneNumbers")
        return f"{url}/{sid}" if sid else url

    async def list_messaging_numbers(self, service_sid: str, page_size: int = 50,
                                     page_token: str | None = None) -> Page[MessagingNumber]:
        return await self._list(self._msg_numbers(service_sid), page_size, page_token, parse_messaging_number,
                                "phone_numbers")

    async def get_messaging_number(self, service_sid: str, sid: str) -> MessagingNumber:
        return await self._get(self._msg_numbers(service_sid, sid), parse_messaging_number)

    async def add_messaging_number(self, service_sid: str, phone_number_sid: str) -> MessagingNumber:
        async def confirm() -> dict[str, Any] | None:  # a number joins one Messaging Service: look for it there
            return await self._found(self._msg_numbers(service_sid, phone_number_sid))

        body = await self.transport.request("POST", self._msg_numbers(service_sid),
                                            data={"PhoneNumberSid": phone_number_sid},
                                            resend=Resend.CONFIRM_FIRST, confirm=confirm)
        self._messaging = None
        return self._parse(parse_messaging_number, body)

    async def remove_messaging_number(self, service_sid: str, sid: str) -> None:
        await self.transport.request("DELETE", self._msg_numbers(service_sid, sid), resend=Resend.DELETE)
        self._messaging = None

    async def messaging_index(self) -> MessagingIndex:
        """Every Messaging Service and its numbers, read once (pages of 100) and kept for the session;
        a failure is an empty index with a note (today's behaviour: Twilio refuses 80601 itself)."""
        if self._messaging is not None:
            return self._messaging
        async with self._messaging_lock:
            if self._messaging is None:
                self._messaging = await self._read_messaging()
        return self._messaging

    async def _read_messaging(self) -> MessagingIndex:
        by_number: dict[str, MessagingLink] = {}
        try:
            services = [s async for s in every_item(self.list_messaging_services, page_size=MAX_RECORDS_PER_PAGE)]
            # each Service's numbers side by side: one round trip for all of them (paced per endpoint);
            # every read is awaited before a failure is raised, so none goes on after the index is given up
            numbers = await asyncio.gather(*(all_items(self.list_messaging_numbers, s.sid, page_size=MAX_RECORDS_PER_PAGE)
                                             for s in services), return_exceptions=True)
            for service, found in zip(services, numbers, strict=True):
                if isinstance(found, BaseException):
                    raise found
                by_number.update((number.sid, service.link) for number in found)
        except Exception as exc:  # noqa: BLE001 - whatever it is, adding numbers must go on without it
            cause = f"{exc.code}: {exc.message}" if isinstance(exc, ProxyError) else type(exc).__name__
            return MessagingIndex({}, note=f"Messaging Services could not be read ({cause}); numbers in a "
                                           "Messaging Service are not marked, and Twilio refuses adding one "
                                           "to a pool itself (80601)")
        return MessagingIndex(by_number)

    # -- the account's own numbers ----------------------------------------------------------------------

    async def list_account_numbers(self, page_size: int = 50,
                                   page_token: str | None = None) -> Page[AccountNumber]:
        """IncomingPhoneNumbers, each with the Messaging Service it is in (read once, see
        messaging_index). AccountNumber.service_sid stays None: Twilio does not say which Proxy
        Service holds a number, and finding out would cost a scan of every pool."""
        page = await self._list(self._numbers_url(), page_size, page_token, parse_account_number,
                                "incoming_phone_numbers")
        if not self.read_messaging:
            return page
        index = await self.messaging_index()
        return replace(page, items=[replace(n, messaging=index.of(n.sid)) for n in page.items])


def _linked(number: PhoneNumber, link: MessagingLink | None) -> PhoneNumber:
    return number if number.messaging == link else replace(number, messaging=link)


def backend_from_args(args: Any, env: Mapping[str, str] | None = None, **options: Any) -> LiveBackend:
    """The LiveBackend the command line asks for: credentials from --profile or the
    environment, hosts from --base-url / PROXY_POOL_BASE_URL or TWILIO_REGION/TWILIO_EDGE.

    Raises CredentialsError (a one-line message saying what to set) when it cannot start.
    """
    env = os.environ if env is None else env
    credentials = load_credentials(getattr(args, "profile", None), env)
    base_url = getattr(args, "base_url", None) or (env.get("PROXY_POOL_BASE_URL") or "").strip() or None
    return LiveBackend(credentials, base_url=base_url, **{"read_messaging": True, **options})
