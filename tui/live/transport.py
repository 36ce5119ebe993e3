"""The HTTP transport under LiveBackend, apart from the resources: one httpx.AsyncClient, pacing,
retries, and every failure turned into a ProxyError.

- One httpx.AsyncClient a backend: keep-alive, explicit timeouts, Basic auth, our User-Agent,
  no redirects.
- Every failure is a ProxyError: Twilio's error body as sent; a body that is not Twilio's
  JSON, and a network failure (code 20503, "Service unavailable", status 503: our documented
  choice), get a clear message of their own.
- How a request may be sent again is its Resend: reads, idempotent changes and deletes are
  retried on 429, 503 and network errors with exponential backoff and jitter, bounded in tries
  and time, honouring Retry-After. A create is never resent blindly: after an ambiguous failure
  the caller's look-up says whether it took effect.
- Every request waits for its slot in a rate limiter: at most 30 a second per endpoint.
- Each retry is announced (`on_retry`, a Retrying) before its wait, so the user is told.
- The secret stays in the httpx auth object: never in a URL, message, log record or repr.
No Textual here (below the seam).
"""

from __future__ import annotations

import asyncio
import email.utils
import enum
import hashlib
import random
import re
import socket
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from tui import __version__
from tui.core.errors import ERROR_TITLES, ProxyError
from tui.core.wire import parse_error
from tui.live.credentials import Credentials, check_ca_file, check_pin

USER_AGENT = f"proxy-pool/{__version__}"
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]
#: looks for the effect of a create whose answer was lost: its body, or None if it did not happen
Confirm = Callable[[], Awaitable[dict[str, Any] | None]]

# status -> code, for error answers that are not Twilio's JSON
_STATUS_CODES = {401: 20003, 403: 20403, 404: 20404, 429: 20429, 503: 20503}
_SID_IN_PATH = re.compile(r"[A-Z]{2}[0-9a-fA-F]{32}")
# the request never left: any request may be sent again
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# the request may have reached Twilio: only what Resend allows may be sent again blindly
_AMBIGUOUS = (httpx.ReadTimeout, httpx.WriteTimeout, httpx.ReadError, httpx.WriteError,
              httpx.RemoteProtocolError)


class Resend(enum.Enum):
    """How a request may be sent again when its answer is lost or refused for now (429, 503)."""

    READ = "read"              # changes nothing: send again freely
    IDEMPOTENT = "idempotent"  # the same change twice is the change once (a reservation): send again freely
    DELETE = "delete"          # send again freely; a 404 after a lost answer means the lost one deleted it
    CONFIRM_FIRST = "confirm first"  # a create (or a change that is not idempotent): look before resending

    @property
    def blind(self) -> bool:
        """May it go again after an ambiguous failure without looking first?"""
        return self is not Resend.CONFIRM_FIRST

    @property
    def gone_is_done(self) -> bool:
        """Is a 404 after an ambiguous attempt the earlier attempt's success?"""
        return self is Resend.DELETE


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


@dataclass(frozen=True)
class Retrying:
    """A request about to be sent again: what the user is told while it waits."""

    method: str
    endpoint: str  # the path with its SIDs as {sid}: the endpoint Twilio counts against
    attempt: int  # the try that failed
    tries: int
    delay: float  # seconds until the next try
    reason: str

    @property
    def text(self) -> str:
        return (f"{self.reason}: {self.method} {self.endpoint} goes again in {self.delay:.1f} s "
                f"(try {self.attempt + 1} of {self.tries})")


def retry_reason(error: ProxyError, status: int | None) -> str:
    """Why a request is being sent again, in the user's words."""
    if status == 429:
        return "Twilio asked to slow down (429, too many requests)"
    if status == 503:
        return "Twilio is unavailable for now (503)"
    return error.message.split(";")[0]  # the network's own words ("The connection to … dropped …")


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


def retry_after(response: httpx.Response) -> float | None:
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


class Transport:
    """Sends one request at a time as its Resend allows and answers its JSON body.

    `transport` (an httpx transport: ASGITransport, respx's mock), `sleep`, `clock` and `rng`
    are injectable so tests run against the sandbox server in-process and never actually wait.
    """

    def __init__(self, credentials: Credentials, *, transport: httpx.AsyncBaseTransport | None = None,
                 timeout: httpx.Timeout = DEFAULT_TIMEOUT, retry: RetryPolicy | None = None, rate: float = 30.0,
                 sleep: Sleep = asyncio.sleep, clock: Clock = time.monotonic,
                 rng: Callable[[], float] = random.random):
        self._credentials = credentials  # its repr masks the SIDs and leaves the secret out
        self.retry = retry or RetryPolicy()
        self._sleep, self._clock, self._rng = sleep, clock, rng
        self.limiter = RateLimiter(rate, clock=clock, sleep=sleep)
        self.on_retry: Callable[[Retrying], None] | None = None  # told before each retry's wait
        self.client = httpx.AsyncClient(
            auth=httpx.BasicAuth(credentials.username, credentials.secret),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            timeout=timeout,
            limits=httpx.Limits(max_connections=20, max_keepalive_connections=10, keepalive_expiry=30.0),
            follow_redirects=False,  # a redirect would carry the credentials somewhere unplanned
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"Transport(credentials={self._credentials!r}, retry={self.retry!r})"

    async def aclose(self) -> None:
        await self.client.aclose()

    async def request(self, method: str, url: str, *, params: Mapping[str, Any] | None = None,
                      data: Mapping[str, Any] | None = None, resend: Resend = Resend.READ,
                      confirm: Confirm | None = None) -> Any:
        """Send one request; send it again as `resend` allows; return the JSON body (None for 204).

        Resend.CONFIRM_FIRST: after an ambiguous failure `confirm` looks for the created
        resource, and its body is returned when found.
        """
        start = self._clock()
        ambiguous = False
        attempt = 0
        while True:
            attempt += 1
            wait = status = None
            try:
                response = await self._send(method, url, params, data)
            except httpx.TransportError as exc:
                error = self._network_error(exc, url)
                if is_unverified(exc):
                    raise error from None  # another try meets the same certificate
                if isinstance(exc, _NOT_SENT):
                    pass
                elif isinstance(exc, _AMBIGUOUS):
                    ambiguous = True
                    if not resend.blind:
                        found = await self._confirm(confirm, error)
                        if found is not None:
                            return found
                else:
                    raise error from None  # e.g. an unsupported URL scheme: retrying cannot help
            else:
                if response.status_code < 400:
                    return self._json(response)
                status = response.status_code
                error = self._error(response)
                if resend.gone_is_done and ambiguous and error.code == 20404:
                    return None  # an earlier attempt that lost its answer did delete it
                if not resend.blind and ambiguous:
                    found = await self._confirm(confirm, error)
                    if found is not None:
                        return found
                if response.status_code not in (429, 503):
                    raise error
                if not resend.blind and response.status_code == 503:
                    ambiguous = True  # a 503 may come from a server that acted before it failed
                    found = await self._confirm(confirm, error)
                    if found is not None:
                        return found
                wait = retry_after(response)
            delay = wait if wait is not None else self.retry.backoff(attempt, self._rng)
            elapsed = self._clock() - start
            if attempt >= self.retry.tries or elapsed + delay > self.retry.total_time:
                raise self._gave_up(error, attempt)
            if self.on_retry is not None:
                self.on_retry(Retrying(method, endpoint_key(method, url).partition(" ")[2], attempt,
                                       self.retry.tries, delay, retry_reason(error, status)))
            await self._sleep(delay)

    async def _send(self, method: str, url: str, params: Mapping[str, Any] | None,
                    data: Mapping[str, Any] | None) -> httpx.Response:
        await self.limiter.acquire(endpoint_key(method, url))
        return await self.client.request(method, url, params=params, data=data)

    async def _confirm(self, confirm: Confirm | None, error: ProxyError) -> dict[str, Any] | None:
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

    @staticmethod
    def _gave_up(error: ProxyError, attempt: int) -> ProxyError:
        if attempt <= 1:
            return error
        return ProxyError(error.code, error.status, f"{error.message} (gave up after {attempt} tries)",
                          error.more_info)

    def _network_error(self, exc: httpx.TransportError, url: str) -> ProxyError:
        host = urlsplit(url).netloc
        if is_unverified(exc):
            return ProxyError(20503, 503, f"Cannot verify the server at {host}: its certificate is not one this app "
                                          f"trusts ({self.scrub(str(exc))}); nothing was sent. For a class's sandbox "
                                          "server, start the app with --ca-file CERT or --pin SHA256 as its trainer "
                                          "printed them")
        if isinstance(exc, httpx.TimeoutException):
            what = "connecting" if isinstance(exc, httpx.ConnectTimeout) else "waiting for an answer"
            message = f"Timed out {what} to {host}"
        elif isinstance(exc, httpx.ConnectError):
            message = f"Could not connect to {host} ({self.scrub(str(exc)) or 'connection failed'})"
        elif isinstance(exc, _AMBIGUOUS):
            message = f"The connection to {host} dropped before it answered"
        else:
            message = f"Could not send the request to {host} ({type(exc).__name__})"
        return ProxyError(20503, 503, f"{message}; check the network connection")

    def scrub(self, text: str) -> str:
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
                error.message, error.more_info = self.scrub(error.message), self.scrub(error.more_info)
                error.args = (f"{error.code}: {error.message}",)
                return error
        code = _STATUS_CODES.get(status, 20500)
        kind = response.headers.get("Content-Type", "").split(";")[0] or "no content type"
        return ProxyError(code, status, f"{ERROR_TITLES.get(code, 'Error')}: HTTP {status} from "
                                        f"{response.url.netloc.decode()} without Twilio's error body ({kind})")

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            kind = response.headers.get("Content-Type", "").split(";")[0] or "no content type"
            raise ProxyError(20500, response.status_code,
                             f"Internal Server Error: {response.url.netloc.decode()} answered HTTP "
                             f"{response.status_code} with a body that is not JSON ({kind})") from None


# -- trusting a server with its own certificate: --ca-file and --pin ----------------------------------

def is_unverified(exc: BaseException) -> bool:
    """A TLS handshake refused because the server's certificate could not be verified."""
    return isinstance(exc, httpx.ConnectError) and "CERTIFICATE_VERIFY_FAILED" in str(exc)


def fingerprint(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


def server_certificate(host: str, port: int, timeout: float = 5.0) -> bytes:
    """The certificate a TLS server presents (DER), read without trusting it and without sending
    anything else: what a pin is checked against before any credential is sent."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection((host, port), timeout=timeout) as raw, \
            context.wrap_socket(raw, server_hostname=host) as tls:
        der = tls.getpeercert(binary_form=True)
    if not der:
        raise ssl.SSLError("the server sent no certificate")
    return der


class PinnedTransport(httpx.AsyncBaseTransport):
    """https to servers whose certificate has the pinned SHA-256 fingerprint, and no other.

    Before the first request to a host, its certificate is read (nothing sent) and checked against
    the pin; then that certificate alone is trusted for the host (the pin names it, so the host
    name is not checked): a server that later shows another certificate fails the handshake."""

    def __init__(self, pin: str, **options: Any):
        self.pin = check_pin(pin)
        self.options = options
        self._trusted: dict[tuple[str, int], httpx.AsyncHTTPTransport] = {}
        self._plain = httpx.AsyncHTTPTransport(**options)  # http (loopback only, as check_base_url allows)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme != "https":
            return await self._plain.handle_async_request(request)
        key = (request.url.host, request.url.port or 443)
        inner = self._trusted.get(key)
        if inner is None:
            try:
                der = await asyncio.to_thread(server_certificate, *key)
            except (OSError, ssl.SSLError) as exc:
                raise httpx.ConnectError(f"{type(exc).__name__}: {exc}", request=request) from None
            found = fingerprint(der)
            if found != self.pin:
                shown = ":".join(found[i:i + 2] for i in range(0, 64, 2)).upper()
                raise ProxyError(20503, 503, f"Cannot verify the server at {key[0]}:{key[1]}: its certificate's "
                                             f"SHA-256 fingerprint is {shown}, not the --pin given; nothing was "
                                             "sent. Ask the trainer for the fingerprint the server printed")
            context = ssl.create_default_context(cadata=der)
            context.check_hostname = False
            inner = self._trusted[key] = httpx.AsyncHTTPTransport(verify=context, **self.options)
        return await inner.handle_async_request(request)

    async def aclose(self) -> None:
        for inner in [self._plain, *self._trusted.values()]:
            await inner.aclose()


def trusted_transport(*, ca_file: str | None = None, pin: str | None = None) -> httpx.AsyncBaseTransport:
    """The httpx transport for --ca-file (trust that CA, host names checked) or --pin (that certificate)."""
    limits = httpx.Limits(max_connections=20, max_keepalive_connections=10, keepalive_expiry=30.0)
    if pin:
        return PinnedTransport(pin, limits=limits)
    context = ssl.create_default_context(cafile=check_ca_file(ca_file or ""))
    return httpx.AsyncHTTPTransport(verify=context, limits=limits)
