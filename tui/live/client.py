"""LiveBackend: the seam (tui.core.seam.Backend) over Twilio's real API, the resources only;
tui.live.transport sends the requests, tui.core.wire maps every body.

Proxy v1 (Services, PhoneNumbers, Sessions, Participants) at https://proxy.twilio.com/v1 and the account's
numbers at https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json,
both replaceable by one --base-url (the sandbox server, a recording proxy).

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
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import httpx

from tui.core.errors import ProxyError
from tui.core.phone import InvalidNumber, parse_e164
from tui.core.resources import (
    MAX_RECORDS_PER_PAGE,
    AccountNumber,
    Participant,
    PhoneNumber,
    PoolStats,
    Service,
    Session,
)
from tui.core.seam import Page, every_item, every_page
from tui.core.sids import mask_sid
from tui.core.wire import (
    page_items,
    parse_account_number,
    parse_number,
    parse_page,
    parse_participant,
    parse_service,
    parse_session,
    render_participant_item,
    to_form,
)
from tui.live.credentials import Credentials, Hosts, load_credentials, regional_url
from tui.live.transport import DEFAULT_TIMEOUT, Clock, Resend, RetryPolicy, Sleep, Transport

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
                 clock: Clock = time.monotonic, rng: Callable[[], float] = random.random):
        self._credentials = credentials
        self.hosts = Hosts.resolve(credentials.region, credentials.edge, base_url)
        self.transport = Transport(credentials, transport=transport, timeout=timeout, retry=retry, rate=rate,
                                   sleep=sleep, clock=clock, rng=rng)

    def __repr__(self) -> str:
        return (f"LiveBackend(account={mask_sid(self.account_sid)!r}, proxy={self.hosts.proxy!r}, "
                f"api={self.hosts.api!r}, source={self._credentials.source!r})")

    @property
    def account_sid(self) -> str:
        return self._credentials.account_sid

    async def aclose(self) -> None:
        await self.transport.aclose()

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
            # a recording proxy that passes Twilio's bodies through: stay on the chosen base
            base = urlsplit(self.hosts.proxy)
            url = parts._replace(scheme=base.scheme, netloc=base.netloc).geturl()
        if _origin(url) not in {_origin(self.hosts.proxy), _origin(self.hosts.api)}:
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
        return await self._list(self._pool(service_sid), page_size, page_token, parse_number, "phone_numbers")

    async def get_number(self, service_sid: str, sid: str) -> PhoneNumber:
        return await self._get(self._pool(service_sid, sid), parse_number)

    async def add_number(self, service_sid: str, *, sid: str | None = None, phone_number: str | None = None,
                         is_reserved: bool = False) -> PhoneNumber:
        async def confirm() -> dict[str, Any] | None:
            return await self._find_pool_number(service_sid, sid, phone_number)

        form = to_form({"sid": sid, "phone_number": phone_number, "is_reserved": is_reserved})
        body = await self.transport.request("POST", self._pool(service_sid), data=form,
                                            resend=Resend.CONFIRM_FIRST, confirm=confirm)
        return self._parse(parse_number, body)

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
        return self._parse(parse_number, body)

    async def remove_number(self, service_sid: str, sid: str) -> None:
        await self.transport.request("DELETE", self._pool(service_sid, sid), resend=Resend.DELETE)

    async def pool_stats(self, service_sid: str) -> PoolStats:
        """Twilio has no pool-count endpoint: this pages the whole pool (PageSize=100) and
        counts is_reserved and in_use. A full pool (5,500 numbers) is 55 paced requests."""
        reserved = unreserved = busy = 0
        async for number in every_item(self.list_numbers, service_sid, page_size=MAX_RECORDS_PER_PAGE):
            if number.is_reserved:
                reserved += 1
            else:
                unreserved += 1
            busy += number.in_use > 0
        return PoolStats(service_sid, reserved=reserved, unreserved=unreserved, in_use_numbers=busy)

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

    # -- the account's own numbers ----------------------------------------------------------------------

    async def list_account_numbers(self, page_size: int = 50,
                                   page_token: str | None = None) -> Page[AccountNumber]:
        """IncomingPhoneNumbers. AccountNumber.service_sid stays None: Twilio does not say which
        Proxy Service holds a number, and finding out would cost a scan of every pool."""
        return await self._list(self._numbers_url(), page_size, page_token, parse_account_number,
                                "incoming_phone_numbers")


def backend_from_args(args: Any, env: Mapping[str, str] | None = None, **options: Any) -> LiveBackend:
    """The LiveBackend the command line asks for: credentials from --profile or the
    environment, hosts from --base-url / PROXY_POOL_BASE_URL or TWILIO_REGION/TWILIO_EDGE.

    Raises CredentialsError (a one-line message saying what to set) when it cannot start.
    """
    env = os.environ if env is None else env
    credentials = load_credentials(getattr(args, "profile", None), env)
    base_url = getattr(args, "base_url", None) or (env.get("PROXY_POOL_BASE_URL") or "").strip() or None
    return LiveBackend(credentials, base_url=base_url, **options)
