"""Reading a request as Twilio's API does: PascalCase form parameters (query string and
form body), Basic credentials, and the parameters a handler knows.

Everything here is strict, because anything may arrive: the body is refused once it passes
MAX_BODY while it is read (never buffered whole first), every value is bounded (MAX_VALUE),
and every failure is Twilio's 400 naming the parameter, with the request's own text cut
(tui.core.errors.echo)."""

from __future__ import annotations

import base64
import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from sandbox import rules
from tui.core.errors import ProxyError, echo
from tui.core.wire import MESSAGING_PREFIX, join_token, parse_date

MAX_BODY = 64 * 1024  # form bodies here are a few hundred bytes; refuse anything absurd
MAX_VALUE = 4096  # characters of one parameter's value (a message Body is at most 1,600)
PAGING_PARAMS = ("PageSize", "Page", "PageToken")

# Form names that may be given more than once (a list): a session create's Participants,
# one JSON object each, as twilio-python sends them; a message's MediaUrl.
REPEATABLE = frozenset({"Participants", "MediaUrl"})


@dataclass(frozen=True, slots=True)
class Call:
    """One authenticated request as a handler sees it (handlers run under the backend's lock)."""

    params: dict[str, Any]  # str values; a REPEATABLE name's value is a list of str
    path: dict[str, str]
    base: str  # absolute base URL for links: --public-url or the request's own host

    def known(self, *allowed: str) -> None:
        """Refuse (20001) any parameter this handler does not take."""
        rules.check_known_fields(self.params, allowed)

    def page_token(self) -> str | None:
        """The request's Page and PageToken as the seam's one token."""
        return join_token(self.params.get("Page"), self.params.get("PageToken"))

    @property
    def messaging_base(self) -> str:
        """Messaging v1's base URL on this server (links of Messaging resources)."""
        return self.base + MESSAGING_PREFIX


def parse_form(text: str, what: str) -> dict[str, Any]:
    """PascalCase name=value pairs; malformed text or a repeated name is 20422.
    A REPEATABLE name's value is always a list."""
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True, errors="strict")
    except ValueError as exc:  # includes bad UTF-8 in a %-escape
        raise ProxyError(20422, 400, f"Invalid Parameter: the {what} is malformed ({exc})") from None
    params: dict[str, Any] = {}
    for name, value in pairs:
        if len(value) > MAX_VALUE:
            raise ProxyError(20422, 400, f"Invalid Parameter: {echo(name)} is longer than {MAX_VALUE:,} characters")
        if name in REPEATABLE:
            params.setdefault(name, []).append(value)
            continue
        if name in params:
            raise ProxyError(20422, 400, f"Invalid Parameter: {echo(name)} is given more than once")
        params[name] = value
    return params


def too_big() -> ProxyError:
    return ProxyError(20422, 400, f"Invalid Parameter: the body is over {MAX_BODY:,} bytes")


async def read_body(request: Request) -> bytes:
    """The body, refused (20422) as soon as it passes MAX_BODY: a Content-Length over it is refused
    before a byte is read, and a body without one is counted while it arrives. A client that hangs
    up on the way raises starlette's ClientDisconnect (the endpoint lets it go quietly)."""
    length = request.headers.get("content-length")
    if length is not None:
        if not re.fullmatch(r"[0-9]{1,12}", length.strip()):
            raise ProxyError(20422, 400, f"Invalid Parameter: Content-Length {echo(length)} is not a number")
        if int(length) > MAX_BODY:
            raise too_big()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise too_big()
        chunks.append(chunk)
    return b"".join(chunks)


async def read_params(request: Request) -> dict[str, Any]:
    """The query string's parameters, plus the form body's on POST."""
    # the raw query string, as request.url.query would give it (without building the whole URL)
    query = request.scope.get("query_string", b"").decode()
    params = parse_form(query, "query string") if query else {}
    if request.method == "POST":
        body = await read_body(request)
        if body.strip():
            ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if ctype != "application/x-www-form-urlencoded":
                raise ProxyError(
                    20422, 400, "Invalid Parameter: the body must be application/x-www-form-urlencoded "
                    f"(PascalCase names), not {ctype or 'untyped'}",
                )
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                raise ProxyError(20422, 400, "Invalid Parameter: the body is not UTF-8") from None
            for name, value in parse_form(text, "body").items():
                if name in params and name in REPEATABLE:
                    params[name] += value
                    continue
                if name in params:
                    raise ProxyError(20422, 400, f"Invalid Parameter: {echo(name)} is given more than once")
                params[name] = value
    return params


def basic_credentials(request: Request) -> tuple[str, str] | None:
    return basic_credentials_from_header(request.headers.get("authorization", ""))


def basic_credentials_from_header(header: str) -> tuple[str, str] | None:
    """(username, password) of an Authorization: Basic header, or None."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:  # binascii.Error, a non-ASCII header (plain ValueError), bad UTF-8: all ValueErrors
        username, sep, password = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
    except ValueError:
        return None
    return (username, password) if sep else None


def ttl_for(params: dict[str, Any], now: datetime) -> str | None:
    """The Ttl to hand the sandbox: DateExpiry, when given, overrides Ttl (as the spec says).

    The sandbox keeps a session's expiry as a Ttl counted from now (the last interaction is now
    when the session is made or changed), so a DateExpiry becomes the whole seconds from now
    (the account's clock) until it."""
    expiry = params.get("DateExpiry")
    if expiry in (None, ""):
        return params.get("Ttl")  # "" too: the account refuses it (Ttl is an integer)
    try:
        when = parse_date(expiry)
    except (TypeError, ValueError, OverflowError, IndexError):  # parsedate_to_datetime raises any of them
        when = None
    if when is None:
        raise ProxyError(20422, 400, f"Invalid Parameter: DateExpiry {echo(expiry)} is not an ISO 8601 date "
                                     "(e.g. 2030-01-02T03:04:05Z)")
    seconds = math.ceil((when - now).total_seconds())
    if seconds <= 0:
        raise ProxyError(20422, 400, f"Invalid Parameter: DateExpiry {echo(expiry)} is not in the future")
    if seconds > rules.MAX_SECONDS:
        raise ProxyError(20422, 400, f"Invalid Parameter: DateExpiry {echo(expiry)} is more than "
                                     f"{rules.MAX_SECONDS:,} seconds away")
    return str(seconds)
