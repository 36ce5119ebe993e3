"""LiveBackend: the seam (tui.core.seam.Backend) over Twilio's real API, with httpx.

Proxy v1 (Services, PhoneNumbers, Sessions, Participants) at https://proxy.twilio.com/v1 and the account's
numbers at https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json,
both replaceable by one --base-url (the sandbox server, a recording proxy).

- One httpx.AsyncClient a backend: keep-alive, explicit timeouts, Basic auth,
  form-encoded PascalCase bodies, booleans as "true"/"false".
- Every failure is a ProxyError: Twilio's error body as sent; a body that is not
  Twilio's JSON, and a network failure (code 20503, "Service unavailable", status 503:
  our documented choice), get a clear message of their own.
- Reads, deletes and reservation changes (idempotent) are retried on 429, 503 and
  network errors with exponential backoff and jitter, bounded in tries and time,
  honouring Retry-After. A create is never retried blindly: after an ambiguous
  failure it first checks whether the create took effect (a Service by UniqueName, a
  pool number by SID or phone number, a Session by UniqueName, a Participant by its
  Identifier among the session's); a session created without a UniqueName cannot be
  found again, so that failure says the session may exist. A session's status change
  (closed -> closed is 80608) is checked the same way before it is sent again.
- Every request waits for its slot in a rate limiter: at most 30 a second per endpoint.
- Secrets stay in the httpx auth object: never in a URL, message, log record or repr.
No Textual here (below the seam).
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import os
import random
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from tui import __version__
from tui.core.errors import ERROR_TITLES, ProxyError
from tui.core.phone import InvalidNumber, parse_e164
from tui.core.resources import AccountNumber, Participant, PhoneNumber, PoolStats, Service, Session
from tui.core.seam import Page
from tui.core.sids import mask_sid
from tui.core.wire import (
    parse_account_number,
    parse_error,
    parse_number,
    parse_participant,
    parse_service,
    parse_session,
)
from tui.live.credentials import (
    Credentials,
    CredentialsError,
    Hosts,
    load_credentials,
    regional_url,
)

__all__ = ["CredentialsError", "LiveBackend", "RateLimiter", "RetryPolicy", "backend_from_args"]

USER_AGENT = f"proxy-pool/{__version__}"
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
STATS_PAGE_SIZE = 100  # Proxy lists return at most 100 records a page
MAX_SCAN_PAGES = 100   # bounds the look-ups that confirm an ambiguous create

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]

# status -> code, for error answers that are not Twilio's JSON
_STATUS_CODES = {401: 20003, 403: 20403, 404: 20404, 429: 20429, 503: 20503}
_SID_IN_PATH = re.compile(r"[A-Z]{2}[0-9a-fA-F]{32}")
# the request never left: any method may be sent again
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# the request may have reached Twilio: only a read or an idempotent change may be sent again blindly
_AMBIGUOUS = (httpx.ReadTimeout, httpx.WriteTimeout, httpx.ReadError, httpx.WriteError,
              httpx.RemoteProtocolError)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries: at most `tries` attempts and `total_time` seconds, delays doubling from `base_delay`."""

    tries: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    total_time: float = 25.0

    def backoff(self, retry: int, rng: Callable[[], float] = random.random) -> float:
        """Exponential with "equal jitter": half the step fixed, half random, so clients spread out."""
        step = min(self.max_delay, self.base_delay * 2 ** (retry - 1))
        return step / 2 + rng() * step / 2


class RateLimiter:
    """At most `rate` requests a second per endpoint: each request waits for its own slot.

    Twilio allows 30 requests/s per endpoint; bulk operations (adding or reserving many
    numbers) are paced here instead of meeting 429s.
    """

    def __init__(self, rate: float = 30.0, *, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep):
        self.interval = 1.0 / rate
        self._clock, self._sleep = clock, sleep
        self._next: dict[str, float] = {}

    async def acquire(self, key: str) -> None:
        now = self._clock()
        slot = max(now, self._next.get(key, now))
        self._next[key] = slot + self.interval  # claimed before awaiting: safe for concurrent tasks
        if slot > now:
            await self._sleep(slot - now)


def endpoint_key(method: str, url: str) -> str:
    """GET /v1/Services/{sid}/PhoneNumbers: the endpoint a request counts against."""
    return f"{method} {_SID_IN_PATH.sub('{sid}', urlsplit(url).path)}"


def _pascal(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def _form(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Twilio's request form: PascalCase names, booleans "true"/"false", None left out."""
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if value is None:
            continue
        out[_pascal(name)] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return out


def _participant_item(spec: Any) -> str:
    """One item of a session create's Participants, as Twilio takes it: a JSON object with
    PascalCase keys (Identifier, FriendlyName, ProxyIdentifier, ProxyIdentifierSid)."""
    if isinstance(spec, Mapping):
        return json.dumps({_pascal(str(k)): v for k, v in spec.items() if v is not None})
    return spec if isinstance(spec, str) else json.dumps(spec)


def _identifier(text: Any) -> str:
    """An Identifier as Twilio stores it (E.164), to recognise it in a list."""
    try:
        return parse_e164(str(text))
    except InvalidNumber:
        return str(text)


def _retry_after(response: httpx.Response) -> float | None:
    """Retry-After in seconds (delta or HTTP date), when present and sane."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


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
        self.retry = retry or RetryPolicy()
        self._sleep, self._clock, self._rng = sleep, clock, rng
        self.limiter = RateLimiter(rate, clock=clock, sleep=sleep)
        self._timeout = timeout
        self._client = httpx.AsyncClient(
            auth=httpx.BasicAuth(credentials.username, credentials.secret),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            timeout=timeout,
            limits=httpx.Limits(max_connections=20, max_keepalive_connections=10, keepalive_expiry=30.0),
            follow_redirects=False,  # a redirect would carry the credentials somewhere unplanned
            transport=transport,
        )

    def __repr__(self) -> str:
        return (f"LiveBackend(account={mask_sid(self.account_sid)!r}, proxy={self.hosts.proxy!r}, "
                f"api={self.hosts.api!r}, source={self._credentials.source!r})")

    @property
    def account_sid(self) -> str:
        return self._credentials.account_sid

    async def aclose(self) -> None:
        await self._client.aclose()

    # -- URLs -----------------------------------------------------------------------------

    def _proxy(self, path: str) -> str:
        return f"{self.hosts.proxy}/v1{path}"

    def _numbers_url(self) -> str:
        return f"{self.hosts.api}/2010-04-01/Accounts/{self.account_sid}/IncomingPhoneNumbers.json"

    def _origins(self) -> set[str]:
        return {_origin(self.hosts.proxy), _origin(self.hosts.api)}

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
        if _origin(url) not in self._origins():
            raise ProxyError(20422, 400, "Invalid Parameter: this page link belongs to another connection; "
                                         "reload the list")
        return url

    # -- one request, with retries ------------------------------------------------------------

    async def _send(self, method: str, url: str, params: Mapping[str, Any] | None,
                    data: Mapping[str, Any] | None) -> httpx.Response:
        await self.limiter.acquire(endpoint_key(method, url))
        return await self._client.request(method, url, params=params, data=data)

    async def _call(self, method: str, url: str, *, params: Mapping[str, Any] | None = None,
                    data: Mapping[str, Any] | None = None, mode: str = "read",
                    confirm: Callable[[], Awaitable[dict[str, Any] | None]] | None = None) -> Any:
        """Send one request; retry as `mode` allows; return the JSON body (None for 204).

        mode: "read" (GET), "update" (idempotent POST), "delete", or "create" (never
        resent blindly: after an ambiguous failure `confirm` looks for the created
        resource and its body is returned when found).
        """
        start = self._clock()
        ambiguous = False
        attempt = 0
        while True:
            attempt += 1
            retry_after = None
            try:
                response = await self._send(method, url, params, data)
            except httpx.TransportError as exc:
                error = self._network_error(exc, url, attempt)
                if isinstance(exc, _NOT_SENT):
                    pass
                elif isinstance(exc, _AMBIGUOUS):
                    ambiguous = True
                    if mode == "create":
                        found = await self._confirm(confirm, error)
                        if found is not None:
                            return found
                else:
                    raise error from None  # e.g. an unsupported URL scheme: retrying cannot help
            else:
                if response.status_code < 400:
                    return self._json(response)
                error = self._error(response)
                if mode == "delete" and ambiguous and error.code == 20404:
                    return None  # an earlier attempt that lost its answer did delete it
                if mode == "create" and ambiguous:
                    found = await self._confirm(confirm, error)
                    if found is not None:
                        return found
                if response.status_code not in (429, 503):
                    raise error
                if mode == "create" and response.status_code == 503:
                    ambiguous = True
                    found = await self._confirm(confirm, error)
                    if found is not None:
                        return found
                retry_after = _retry_after(response)
            delay = retry_after if retry_after is not None else self.retry.backoff(attempt, self._rng)
            elapsed = self._clock() - start
            if attempt >= self.retry.tries or elapsed + delay > self.retry.total_time:
                raise self._gave_up(error, attempt)
            await self._sleep(delay)

    async def _confirm(self, confirm: Callable[[], Awaitable[dict[str, Any] | None]] | None,
                       error: ProxyError) -> dict[str, Any] | None:
        """Did the create whose answer was lost take effect? The created body, None if not.

        If we cannot tell, the user is told to look before trying again, never left guessing.
        """
        if confirm is None:  # nothing to look it up by
            raise ProxyError(error.code, error.status,
                             f"{error.message}. The request may or may not have taken effect; look at the list "
                             "before trying again", error.more_info) from None
        try:
            return await confirm()
        except ProxyError as check:
            raise ProxyError(
                error.code, error.status,
                f"{error.message}. The request may or may not have taken effect, and checking failed "
                f"({check.code}: {check.message}); look at the list before trying again",
            ) from None

    def _gave_up(self, error: ProxyError, attempt: int) -> ProxyError:
        if attempt <= 1:
            return error
        return ProxyError(error.code, error.status, f"{error.message} (gave up after {attempt} tries)",
                          error.more_info)

    def _network_error(self, exc: httpx.TransportError, url: str, attempt: int) -> ProxyError:
        host = urlsplit(url).netloc
        if isinstance(exc, httpx.TimeoutException):
            what = "connecting" if isinstance(exc, httpx.ConnectTimeout) else "waiting for an answer"
            message = f"Timed out {what} to {host}"
        elif isinstance(exc, httpx.ConnectError):
            message = f"Could not connect to {host} ({self._scrub(str(exc)) or 'connection failed'})"
        elif isinstance(exc, _AMBIGUOUS):
            message = f"The connection to {host} dropped before it answered"
        else:
            message = f"Could not send the request to {host} ({type(exc).__name__})"
        return ProxyError(20503, 503, f"{message}; check the network connection")

    def _scrub(self, text: str) -> str:
        """A server that echoes a request back must not put the secret on screen."""
        secret = self._credentials.secret
        return text.replace(secret, "[secret]") if secret and secret in text else text

    def _error(self, response: httpx.Response) -> ProxyError:
        status = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and body.get("code") is not None:
            try:
                error = parse_error(body, status)
            except (TypeError, ValueError):
                pass
            else:
                error.message, error.more_info = self._scrub(error.message), self._scrub(error.more_info)
                error.args = (f"{error.code}: {error.message}",)
                return error
        code = _STATUS_CODES.get(status, 20500)
        kind = response.headers.get("Content-Type", "").split(";")[0] or "no content type"
        return ProxyError(code, status, f"{ERROR_TITLES.get(code, 'Error')}: HTTP {status} from "
                                        f"{response.url.netloc.decode()} without Twilio's error body ({kind})")

    def _json(self, response: httpx.Response) -> Any:
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            kind = response.headers.get("Content-Type", "").split(";")[0] or "no content type"
            raise ProxyError(20500, response.status_code,
                             f"Internal Server Error: {response.url.netloc.decode()} answered HTTP "
                             f"{response.status_code} with a body that is not JSON ({kind})") from None

    def _parse(self, parse: Callable[[dict[str, Any]], Any], body: Any) -> Any:
        try:
            return parse(body)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ProxyError(20500, 500, f"Internal Server Error: the response is not the resource expected "
                                         f"({type(exc).__name__}: {self._scrub(str(exc))[:80]})") from None

    async def _list(self, url: str, params: Mapping[str, Any] | None,
                    parse: Callable[[dict[str, Any]], Any], key: str) -> Page[Any]:
        body = await self._call("GET", url, params=params)

        def page(body: dict[str, Any]) -> Page[Any]:
            if "meta" in body:  # Proxy v1: meta with absolute URLs
                meta = body["meta"]
                items = [parse(item) for item in body[meta.get("key") or key]]
                return Page(items, int(meta.get("page") or 0), int(meta.get("page_size") or len(items)),
                            meta.get("next_page_url") or None, meta.get("previous_page_url") or None)
            # the 2010 API: top-level paging with URIs relative to the API host
            items = [parse(item) for item in body[key]]
            return Page(items, int(body.get("page") or 0), int(body.get("page_size") or len(items)),
                        self._absolute(body.get("next_page_uri")), self._absolute(body.get("previous_page_uri")))

        return self._parse(page, body)

    def _absolute(self, uri: str | None) -> str | None:
        if not uri:
            return None
        if "://" in uri:
            return uri
        return f"{self.hosts.api}/{uri.lstrip('/')}"  # as twilio-python's Domain.absolute_url

    # -- Services ---------------------------------------------------------------------------------

    async def list_services(self, page_size: int = 50, page_token: str | None = None) -> Page[Service]:
        if page_token:
            return await self._list(self._page_url(page_token), None, parse_service, "services")
        return await self._list(self._proxy("/Services"), {"PageSize": page_size}, parse_service,
                                "services")

    async def get_service(self, sid: str) -> Service:
        body = await self._call("GET", self._proxy(f"/Services/{sid}"))
        return self._parse(parse_service, body)

    async def create_service(self, unique_name: str, **fields: Any) -> Service:
        async def confirm() -> dict[str, Any] | None:
            return await self._find_service(unique_name)

        body = await self._call("POST", self._proxy("/Services"), data=_form({"unique_name": unique_name, **fields}),
                                mode="create", confirm=confirm)
        return self._parse(parse_service, body)

    async def _find_service(self, unique_name: str) -> dict[str, Any] | None:
        return await self._scan(self._proxy("/Services"), "services",
                                lambda item: item.get("unique_name") == unique_name)

    async def _scan(self, url: str, key: str, match: Callable[[dict[str, Any]], bool]) -> dict[str, Any] | None:
        """The first raw item of a Proxy list that matches, paging (100 a page, bounded) to find it."""
        next_url: str | None = url
        params: dict[str, Any] | None = {"PageSize": STATS_PAGE_SIZE}
        for _ in range(MAX_SCAN_PAGES):
            if next_url is None:
                break
            body = await self._call("GET", next_url, params=params)
            if not isinstance(body, dict):
                return None
            meta = body.get("meta") or {}
            for item in body.get(meta.get("key") or key) or []:
                if isinstance(item, dict) and match(item):
                    return item
            next_url, params = meta.get("next_page_url"), None
        return None

    async def update_service(self, sid: str, **fields: Any) -> Service:
        body = await self._call("POST", self._proxy(f"/Services/{sid}"), data=_form(fields), mode="update")
        return self._parse(parse_service, body)

    async def delete_service(self, sid: str) -> None:
        await self._call("DELETE", self._proxy(f"/Services/{sid}"), mode="delete")

    # -- pool numbers --------------------------------------------------------------------------------

    async def list_numbers(self, service_sid: str, page_size: int = 50,
                           page_token: str | None = None) -> Page[PhoneNumber]:
        if page_token:
            return await self._list(self._page_url(page_token), None, parse_number, "phone_numbers")
        return await self._list(self._proxy(f"/Services/{service_sid}/PhoneNumbers"), {"PageSize": page_size},
                                parse_number, "phone_numbers")

    async def get_number(self, service_sid: str, sid: str) -> PhoneNumber:
        body = await self._call("GET", self._proxy(f"/Services/{service_sid}/PhoneNumbers/{sid}"))
        return self._parse(parse_number, body)

    async def add_number(self, service_sid: str, *, sid: str | None = None, phone_number: str | None = None,
                         is_reserved: bool = False) -> PhoneNumber:
        async def confirm() -> dict[str, Any] | None:
            return await self._find_pool_number(service_sid, sid, phone_number)

        form = _form({"sid": sid, "phone_number": phone_number, "is_reserved": is_reserved})
        body = await self._call("POST", self._proxy(f"/Services/{service_sid}/PhoneNumbers"), data=form,
                                mode="create", confirm=confirm)
        return self._parse(parse_number, body)

    async def _fetch_number_body(self, service_sid: str, sid: str) -> dict[str, Any] | None:
        try:
            return await self._call("GET", self._proxy(f"/Services/{service_sid}/PhoneNumbers/{sid}"))
        except ProxyError as exc:
            if exc.status == 404:
                return None
            raise

    async def _find_pool_number(self, service_sid: str, sid: str | None,
                                phone_number: str | None) -> dict[str, Any] | None:
        """The pool number an ambiguous add may have created: by SID directly; by phone number
        through the account's numbers (a Proxy PhoneNumber keeps its IncomingPhoneNumber SID),
        or by paging the pool when the server cannot filter the account's numbers."""
        if sid:
            return await self._fetch_number_body(service_sid, sid)
        if not phone_number:
            return None
        try:
            wanted = parse_e164(phone_number)
        except InvalidNumber:
            return None  # Twilio refuses it (21421): nothing was created
        try:
            body = await self._call("GET", self._numbers_url(), params={"PhoneNumber": wanted, "PageSize": 50})
        except ProxyError as exc:
            if exc.status != 400:
                raise
            body = None  # a server that cannot filter by PhoneNumber (the sandbox): look in the pool instead
        items = body.get("incoming_phone_numbers") if isinstance(body, dict) else None
        if isinstance(items, list):
            for item in items:
                if isinstance(item, dict) and item.get("phone_number") == wanted and item.get("sid"):
                    return await self._fetch_number_body(service_sid, item["sid"])
            if all(isinstance(item, dict) and item.get("phone_number") == wanted for item in items):
                return None  # the filter was honoured: the account does not own it, nothing was created
        return await self._scan(self._proxy(f"/Services/{service_sid}/PhoneNumbers"), "phone_numbers",
                                lambda item: item.get("phone_number") == wanted)

    async def set_reserved(self, service_sid: str, sid: str, is_reserved: bool) -> PhoneNumber:
        body = await self._call("POST", self._proxy(f"/Services/{service_sid}/PhoneNumbers/{sid}"),
                                data=_form({"is_reserved": bool(is_reserved)}), mode="update")
        return self._parse(parse_number, body)

    async def remove_number(self, service_sid: str, sid: str) -> None:
        await self._call("DELETE", self._proxy(f"/Services/{service_sid}/PhoneNumbers/{sid}"), mode="delete")

    async def pool_stats(self, service_sid: str) -> PoolStats:
        """Twilio has no pool-count endpoint: this pages the whole pool (PageSize=100) and
        counts is_reserved and in_use. A full pool (5,500 numbers) is 55 paced requests."""
        reserved = unreserved = busy = 0
        page = await self.list_numbers(service_sid, STATS_PAGE_SIZE)
        seen: set[str] = set()
        while True:
            for number in page.items:
                if number.is_reserved:
                    reserved += 1
                else:
                    unreserved += 1
                busy += number.in_use > 0
            if not page.next_token:
                break
            if page.next_token in seen:  # a server that pages in a circle must not hang the app
                raise ProxyError(20500, 500, "Internal Server Error: the pool's pages lead back to the same page")
            seen.add(page.next_token)
            page = await self.list_numbers(service_sid, STATS_PAGE_SIZE, page.next_token)
        return PoolStats(service_sid, reserved=reserved, unreserved=unreserved, in_use_numbers=busy)

    # -- Sessions ----------------------------------------------------------------------------------------

    def _sessions(self, service_sid: str, sid: str | None = None) -> str:
        url = self._proxy(f"/Services/{service_sid}/Sessions")
        # a session may be named by its UniqueName, which can hold any character
        return f"{url}/{quote(sid, safe='')}" if sid is not None else url

    async def _session_body(self, service_sid: str, sid: str) -> dict[str, Any] | None:
        """The session (by SID or UniqueName), or None when there is none."""
        try:
            return await self._call("GET", self._sessions(service_sid, sid))
        except ProxyError as exc:
            if exc.status == 404:
                return None
            raise

    async def create_session(self, service_sid: str, *, unique_name: str | None = None, ttl: int | None = None,
                             mode: str | None = None, status: str | None = None,
                             participants: list[dict[str, Any]] | None = None) -> Session:
        form = _form({"unique_name": unique_name, "ttl": ttl, "mode": mode, "status": status})
        if participants:
            form["Participants"] = [_participant_item(p) for p in participants]  # sent as repeated fields

        async def confirm() -> dict[str, Any] | None:
            return await self._session_body(service_sid, unique_name) if unique_name else None

        body = await self._call("POST", self._sessions(service_sid), data=form, mode="create",
                                confirm=confirm if unique_name else None)
        return self._parse(parse_session, body)

    async def get_session(self, service_sid: str, sid: str) -> Session:
        return self._parse(parse_session, await self._call("GET", self._sessions(service_sid, sid)))

    async def list_sessions(self, service_sid: str, page_size: int = 50,
                            page_token: str | None = None) -> Page[Session]:
        if page_token:
            return await self._list(self._page_url(page_token), None, parse_session, "sessions")
        return await self._list(self._sessions(service_sid), {"PageSize": page_size}, parse_session,
                                "sessions")

    async def update_session(self, service_sid: str, sid: str, *, status: str | None = None,
                             ttl: int | None = None) -> Session:
        async def confirm() -> dict[str, Any] | None:
            body = await self._session_body(service_sid, sid)
            if not isinstance(body, dict):
                return None
            done = (status is None or body.get("status") == status) and (ttl is None or body.get("ttl") == int(ttl))
            return body if done else None

        # not idempotent (closing a closed session is 80608): after a lost answer, look before resending
        body = await self._call("POST", self._sessions(service_sid, sid), data=_form({"status": status, "ttl": ttl}),
                                mode="create", confirm=confirm)
        return self._parse(parse_session, body)

    async def delete_session(self, service_sid: str, sid: str) -> None:
        await self._call("DELETE", self._sessions(service_sid, sid), mode="delete")

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

        form = _form({"identifier": identifier, "friendly_name": friendly_name, "proxy_identifier": proxy_identifier,
                      "proxy_identifier_sid": proxy_identifier_sid})
        body = await self._call("POST", url, data=form, mode="create", confirm=confirm)
        return self._parse(parse_participant, body)

    async def list_participants(self, service_sid: str, session_sid: str, page_size: int = 50,
                                page_token: str | None = None) -> Page[Participant]:
        if page_token:
            return await self._list(self._page_url(page_token), None, parse_participant, "participants")
        return await self._list(self._participants(service_sid, session_sid), {"PageSize": page_size},
                                parse_participant, "participants")

    async def get_participant(self, service_sid: str, session_sid: str, sid: str) -> Participant:
        body = await self._call("GET", self._participants(service_sid, session_sid, sid))
        return self._parse(parse_participant, body)

    async def remove_participant(self, service_sid: str, session_sid: str, sid: str) -> None:
        await self._call("DELETE", self._participants(service_sid, session_sid, sid), mode="delete")

    # -- the account's own numbers ----------------------------------------------------------------------

    async def list_account_numbers(self, page_size: int = 50,
                                   page_token: str | None = None) -> Page[AccountNumber]:
        """IncomingPhoneNumbers. AccountNumber.service_sid stays None: Twilio does not say which
        Proxy Service holds a number, and finding out would cost a scan of every pool."""
        if page_token:
            return await self._list(self._page_url(page_token), None, parse_account_number,
                                    "incoming_phone_numbers")
        return await self._list(self._numbers_url(), {"PageSize": page_size}, parse_account_number,
                                "incoming_phone_numbers")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def backend_from_args(args: Any, env: Mapping[str, str] | None = None, **options: Any) -> LiveBackend:
    """The LiveBackend the command line asks for: credentials from --profile or the
    environment, hosts from --base-url / PROXY_POOL_BASE_URL or TWILIO_REGION/TWILIO_EDGE.

    Raises CredentialsError (a one-line message saying what to set) when it cannot start.
    """
    env = os.environ if env is None else env
    credentials = load_credentials(getattr(args, "profile", None), env)
    base_url = getattr(args, "base_url", None) or (env.get("PROXY_POOL_BASE_URL") or "").strip() or None
    return LiveBackend(credentials, base_url=base_url, **options)
