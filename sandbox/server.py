"""The sandbox over HTTP, in Twilio's exact wire format.

Proxy v1 (Services, PhoneNumbers, Sessions, Participants) under /v1/... and the 2010 API's IncomingPhoneNumbers
under /2010-04-01/Accounts/{AccountSid}/..., so Twilio's own clients, curl and the live
backend can all talk to the offline sandbox. This module only translates HTTP to calls on
the SAME SandboxBackend/SandboxAccount the app uses (every rule stays in sandbox/rules.py)
and renders with tui.core.wire. Every failure answers Twilio's error body.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import copy
import logging
import math
import random
import socket
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

import phonenumbers
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox import rules
from sandbox.account import SandboxAccount
from sandbox.backend import SandboxBackend
from tui.core.errors import ProxyError
from tui.core.phone import InvalidNumber, parse_e164
from tui.core.resources import SERVICE_FIELDS
from tui.core.seam import Page
from tui.core.sids import is_sid
from tui.core.wire import parse_date, render, render_account_number, render_error

log = logging.getLogger("proxy_pool.sandbox.server")

MAX_BODY = 64 * 1024  # form bodies here are a few hundred bytes; refuse anything absurd
PAGING_PARAMS = ("PageSize", "Page", "PageToken")


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


# Service create/update parameters: UniqueName -> unique_name, DefaultTtl -> default_ttl, ...
SERVICE_PARAMS = {_pascal(name): name for name in SERVICE_FIELDS}

# IncomingPhoneNumbers parameters the spec knows but the sandbox does not keep: refused with
# a clear message rather than silently dropped.
UNKEPT_NUMBER_PARAMS = (
    "ApiVersion", "SmsApplicationSid", "SmsFallbackMethod", "SmsFallbackUrl", "SmsMethod", "SmsUrl",
    "StatusCallback", "StatusCallbackMethod", "VoiceApplicationSid", "VoiceCallerIdLookup",
    "VoiceFallbackMethod", "VoiceFallbackUrl", "VoiceMethod", "VoiceUrl", "EmergencyStatus",
    "EmergencyAddressSid", "TrunkSid", "IdentitySid", "AddressSid", "VoiceReceiveMode", "BundleSid",
)
UNSUPPORTED_NUMBER_FILTERS = ("Beta", "FriendlyName", "Origin")

# Form names that may be given more than once (a list): a session create's Participants,
# one JSON object each, as twilio-python sends them.
REPEATABLE = frozenset({"Participants"})
SESSION_CREATE_PARAMS = ("UniqueName", "DateExpiry", "Ttl", "Mode", "Status", "Participants")
SESSION_UPDATE_PARAMS = ("DateExpiry", "Ttl", "Status")
PARTICIPANT_PARAMS = ("Identifier", "FriendlyName", "ProxyIdentifier", "ProxyIdentifierSid")

# Area codes a generated number may come from when no AreaCode is asked for.
DEFAULT_AREA_CODES = ("415", "212", "312", "206", "512", "617", "303", "404")


def unauthorized() -> ProxyError:
    return ProxyError(20003, 401, "Authenticate: the AccountSid or AuthToken was incorrect")


def route_error(exc: HTTPException, request: Request) -> ProxyError:
    if exc.status_code == 405:
        return ProxyError(20004, 405, f"Method not allowed: {request.method} {request.url.path}")
    if exc.status_code == 404:
        return rules.not_found(request.url.path)
    return ProxyError(20422, 400, f"Invalid request: {exc.detail}")


def error_response(exc: ProxyError, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(render_error(exc), status_code=exc.status, headers=headers)


# -- reading a request ----------------------------------------------------------------------

def parse_form(text: str, what: str) -> dict[str, Any]:
    """PascalCase name=value pairs; malformed text or a repeated name is 20422.
    A REPEATABLE name's value is always a list."""
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True, errors="strict")
    except ValueError as exc:  # includes bad UTF-8 in a %-escape
        raise ProxyError(20422, 400, f"Invalid Parameter: the {what} is malformed ({exc})") from None
    params: dict[str, Any] = {}
    for name, value in pairs:
        if name in REPEATABLE:
            params.setdefault(name, []).append(value)
            continue
        if name in params:
            raise ProxyError(20422, 400, f"Invalid Parameter: {name} is given more than once")
        params[name] = value
    return params


async def read_params(request: Request) -> dict[str, Any]:
    """The query string's parameters, plus the form body's on POST."""
    params = parse_form(request.url.query, "query string") if request.url.query else {}
    if request.method == "POST":
        body = await request.body()
        if len(body) > MAX_BODY:
            raise ProxyError(20422, 400, f"Invalid Parameter: the body is over {MAX_BODY} bytes")
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
                    raise ProxyError(20422, 400, f"Invalid Parameter: {name} is given more than once")
                params[name] = value
    return params


def basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        username, sep, password = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (username, password) if sep else None


def check_known(params: dict[str, str], allowed: tuple[str, ...] | set[str]) -> None:
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ProxyError(20001, 400, f"Unknown parameters: {', '.join(unknown)}")


def page_token(params: dict[str, str]) -> str | None:
    """Page=N&PageToken=PA123 back to the seam's opaque token "N:PA123"."""
    token = params.get("PageToken")
    if not token:
        return None
    page = params.get("Page") or "0"
    if not page.isdigit():
        raise ProxyError(20422, 400, f"Invalid Parameter: Page must be a whole number, not {page!r}")
    return f"{int(page)}:{token}"


def split_token(token: str) -> tuple[int, str]:
    """The seam's token "N:PA123" as the wire's Page=N, PageToken=PA123."""
    page, _, rest = token.partition(":")
    return int(page), rest


@dataclass(frozen=True, slots=True)
class Call:
    """One authenticated request as a handler sees it (handlers run under the backend's lock)."""

    params: dict[str, Any]  # str values; a REPEATABLE name's value is a list of str
    path: dict[str, str]
    base: str  # absolute base URL for links: --public-url or the request's own host


# -- list pages ------------------------------------------------------------------------------

def proxy_page(call: Call, path: str, key: str, page: Page, items: list[dict[str, Any]]) -> dict[str, Any]:
    """A Proxy v1 list page with Twilio's meta; tokens travel as Page=N&PageToken=..."""
    size = page.page_size

    def url(page_no: int, token: str | None = None) -> str:
        query = {"PageSize": size, "Page": page_no}
        if token:
            query["PageToken"] = token
        return f"{call.base}{path}?{urlencode(query)}"

    def link(token: str | None) -> str | None:
        return url(*split_token(token)) if token else None

    return {
        key: items,
        "meta": {
            "page": page.page,
            "page_size": size,
            "first_page_url": url(0),
            "previous_page_url": link(page.previous_token),
            "next_page_url": link(page.next_token),
            "url": url(page.page, call.params.get("PageToken")),
            "key": key,
        },
    }


def api2010_page(call: Call, path: str, key: str, page: Page, items: list[dict[str, Any]],
                 filters: dict[str, str] | None = None) -> dict[str, Any]:
    """A 2010 API list page: its own paging keys, URIs relative to the host (filters kept in them)."""
    size = page.page_size

    def uri(page_no: int, token: str | None = None) -> str:
        query: dict[str, Any] = {**(filters or {}), "PageSize": size, "Page": page_no}
        if token:
            query["PageToken"] = token
        return f"{path}?{urlencode(query)}"

    def link(token: str | None) -> str | None:
        return uri(*split_token(token)) if token else None

    start = page.page * size
    return {
        "first_page_uri": uri(0),
        "end": start + max(len(items) - 1, 0),
        "next_page_uri": link(page.next_token),
        "page": page.page,
        "page_size": size,
        "previous_page_uri": link(page.previous_token),
        "start": start,
        "uri": uri(page.page, call.params.get("PageToken")),
        key: items,
    }


# -- session fields ---------------------------------------------------------------------------

def ttl_for(params: dict[str, Any], now: datetime) -> str | None:
    """The Ttl to hand the sandbox: DateExpiry, when given, overrides Ttl (as the spec says).

    The sandbox keeps a session's expiry as a Ttl counted from now (its sessions have no
    interactions), so a DateExpiry becomes the whole seconds from now (the account's clock) until it."""
    expiry = params.get("DateExpiry")
    if expiry in (None, ""):
        return params.get("Ttl")
    try:
        when = parse_date(expiry)
    except (TypeError, ValueError):
        when = None
    if when is None:
        raise ProxyError(20422, 400, f"Invalid Parameter: DateExpiry {expiry!r} is not an ISO 8601 date "
                                     "(e.g. 2030-01-02T03:04:05Z)")
    seconds = math.ceil((when - now).total_seconds())
    if seconds <= 0:
        raise ProxyError(20422, 400, f"Invalid Parameter: DateExpiry {expiry} is not in the future")
    return str(seconds)


# -- provisioning a number (what buying one on Twilio does) ----------------------------------

def generate_numbers(area_code: str | None, rng: random.Random) -> Iterator[str]:
    """Valid North American numbers, in the area code asked for or a common one."""
    for _ in range(200):
        area = area_code or rng.choice(DEFAULT_AREA_CODES)
        candidate = f"+1{area}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
        if phonenumbers.is_valid_number(phonenumbers.parse(candidate, None)):
            yield candidate


def provision(account: SandboxAccount, params: dict[str, str], rng: random.Random):
    """POST IncomingPhoneNumbers.json: the PhoneNumber given, or one generated (in AreaCode)."""
    kept = [name for name in UNKEPT_NUMBER_PARAMS if name in params]
    if kept:
        raise ProxyError(
            20422, 400, f"Invalid Parameter: the sandbox does not keep {', '.join(kept)}; leave "
            f"{'it' if len(kept) == 1 else 'them'} out",
        )
    check_known(params, {"PhoneNumber", "AreaCode", "FriendlyName"})
    friendly = params.get("FriendlyName") or None
    if params.get("PhoneNumber"):
        if "AreaCode" in params:
            raise ProxyError(80701, 400, "Parameter Validation Failed: give PhoneNumber or AreaCode, not both")
        return account.buy_number(params["PhoneNumber"], friendly_name=friendly)
    area = params.get("AreaCode")
    if area is not None and not (len(area) == 3 and area.isdigit()):
        raise ProxyError(21452, 400, f"No phone numbers found in area code {area!r} (three digits, e.g. 415)")
    for candidate in generate_numbers(area, rng):
        with contextlib.suppress(ProxyError):  # already owned: try another (buy_number says so)
            return account.buy_number(candidate, friendly_name=friendly)
    raise ProxyError(21452, 400, f"No phone numbers found in area code {area or 'any'}")


# -- the application -------------------------------------------------------------------------

class SandboxAPI:
    """The handlers. Each runs in a worker thread under the backend's one lock, with the
    account current at that moment (a reset swaps it)."""

    def __init__(self, backend: SandboxBackend, public_url: str | None):
        self.backend = backend
        self.public_url = public_url.rstrip("/") if public_url else None
        self.rng = random.Random()

    # the wrapper every route goes through: read, authenticate, run, render, never crash
    def endpoint(self, handler: Callable[[SandboxAccount, Call], Response], *,
                 account_in_path: bool = False, locked: bool = True) -> Callable:
        async def asgi_endpoint(request: Request) -> Response:
            try:
                creds = basic_credentials(request)
                try:
                    params = await read_params(request)
                    bad_input: ProxyError | None = None
                except ProxyError as exc:
                    params, bad_input = {}, exc
                base = self.public_url or str(request.base_url).rstrip("/")
                call = Call(params=params, path=dict(request.path_params), base=base)

                def run() -> Response:
                    account = self.backend.account
                    if creds is None or not account.check_credentials(*creds):
                        raise unauthorized()
                    if account_in_path and call.path.get("account_sid") != account.account_sid:
                        raise unauthorized()
                    if bad_input is not None:
                        raise bad_input
                    return handler(account, call)

                if locked:
                    return await run_in_threadpool(self.backend.call, run)
                return await run_in_threadpool(run)
            except ProxyError as exc:
                headers = {"WWW-Authenticate": 'Basic realm="Twilio API"'} if exc.status == 401 else None
                return error_response(exc, headers)
            except Exception as exc:  # the catch-all: a Twilio-shaped 500, one log line, no traceback out
                log.error("internal error answering %s %s: %s: %s", request.method, request.url.path,
                          type(exc).__name__, exc)
                return error_response(ProxyError(
                    20500, 500, f"Internal Server Error: the sandbox could not answer ({type(exc).__name__}); "
                    "see the server's log",
                ))

        return asgi_endpoint

    # -- Services ----------------------------------------------------------------------------

    def list_services(self, account: SandboxAccount, call: Call) -> Response:
        check_known(call.params, PAGING_PARAMS)
        page = account.list_services(call.params.get("PageSize"), page_token(call.params))
        items = [render(s, call.base) for s in page.items]
        return JSONResponse(proxy_page(call, "/v1/Services", "services", page, items))

    def create_service(self, account: SandboxAccount, call: Call) -> Response:
        check_known(call.params, SERVICE_PARAMS)
        fields = {SERVICE_PARAMS[k]: v for k, v in call.params.items()}
        unique_name = fields.pop("unique_name", None)
        service = account.create_service(unique_name, **fields)
        return JSONResponse(render(service, call.base), status_code=201)

    def fetch_service(self, account: SandboxAccount, call: Call) -> Response:
        check_known(call.params, ())
        return JSONResponse(render(account.get_service(call.path["sid"]), call.base))

    def update_service(self, account: SandboxAccount, call: Call) -> Response:
        check_known(call.params, SERVICE_PARAMS)
        fields = {SERVICE_PARAMS[k]: v for k, v in call.params.items()}
        service = account.update_service(call.path["sid"], **fields)
        return JSONResponse(render(service, call.base))

    def delete_service(self, account: SandboxAccount, call: Call) -> Response:
        check_known(call.params, ())
        account.delete_service(call.path["sid"])
        return Response(status_code=204)

    # -- a Service's pool (PhoneNumbers) -------------------------------------------------------

    def list_numbers(self, account: SandboxAccount, call: Call) -> Response:
        check_known(call.params, PAGING_PARAMS)
        service_sid = call.path["service_sid"]
        page = account.list_numbers(service_sid, call.params.get("PageSize"), page_token(call.params))
        items = [render(n, call.base) for n in page.items]
        return JSONResponse(proxy_page(call, f"/v1/Services/{service_sid}/PhoneNumbers", "phone_numbers",
                                       page, items))

    def add_number(self, account: SandboxAccount, call: Call) -> Response:
        check_known(call.params, ("Sid", "PhoneNumber", "IsReserved"))
        is_reserved = rules.parse_bool(call.params.get("IsReserved", "false"), "IsReserved")
        number = account.add_number(call.path["service_sid"], sid=call.params.get("Sid") or None,
                                    phone_number=call.params.get("PhoneNumber") or None, is_reserved=is_reserved)
        return JSONResponse(render(number, call.base), status_code=201)

    def fetch_number(self, account: SandboxAccount, call: Call) -> Response:
        check_known(call.params, ())
        number = account.get_number(call.path["service_sid"], call.path["sid"])
        return JSONResponse(render(number, call.base))

    def update_number(self, account: SandboxAccount, call: Call) -> Response:
        check_known(call.params, ("IsReserved",))
        service_sid, sid = call.path["service_sid"], call.path["sid"]
        if "IsReserved" not in call.params:
            number = account.get_number(service_sid, sid)
        else:
            number = account.set_reserved(service_sid, sid, rules.parse_bool(call.params["IsReserved"], "IsReserved"))
        return JSONResponse(render(number, call.base))

    def remove_number(self, account: SandboxAccount, call: Call) -> Response:
        check_known(call.params, ())
        account.remove_number(call.path["service_sid"], call.path["sid"])
        return Response(status_code=204)

    # -- a Service's Sessions ----------------------------------------------------------------------

    def list_sessions(self, account: SandboxAccount, call: Call) -> Response:
        check_known(call.params, PAGING_PARAMS)
        service_sid = call.path["service_sid"]
        page = account.list_sessions(service_sid, call.params.get("PageSize"), page_token(call.params))
        items = [render(s, call.base) for s in page.items]
        return JSONResponse(proxy_page(call, f"/v1/Services/{service_sid}/Sessions", "sessions", page, items))

    def create_session(self, account: SandboxAccount, call: Call) -> Response:
        check_known(call.params, SESSION_CREATE_PARAMS)
        p = call.params
        # each Participants item is one JSON object's text; the sandbox reads and checks it
        session = account.create_session(
            call.path["service_sid"], unique_name=p.get("UniqueName") or None, ttl=ttl_for(p, account.clock()),
            mode=p.get("Mode") or None, status=p.get("Status") or None, participants=p.get("Participants"),
        )
        return JSONResponse(render(session, call.base), status_code=201)

    def fetch_session(self, account: SandboxAccount, call: Call) -> Response:
        check_known(call.params, ())
        # the path's Sid may be the session's UniqueName, as Twilio allows, "/" included (the route
        # takes the rest of the path); a SID followed by more path is a resource not served here
        service_sid, sid = call.path["service_sid"], call.path["sid"]
        head, slash, _ = sid.partition("/")
        if slash and is_sid(head, "KC"):
            raise rules.not_found(f"/v1/Services/{service_sid}/Sessions/{sid}")
        return JSONResponse(render(account.get_session(service_sid, sid), call.base))

    def update_session(self, account: SandboxAccount, call: Call) -> Response:
        check_known(call.params, SESSION_UPDATE_PARAMS)
        session = account.update_session(call.path["service_sid"], call.path["sid"],
                                         status=call.params.get("Status") or None,
                                         ttl=ttl_for(call.params, account.clock()))
        return JSONResponse(render(session, call.base))

    def delete_session(self, account: SandboxAccount, call: Call) -> Response:
        check_known(call.params, ())
        account.delete_session(call.path["service_sid"], call.path["sid"])
        return Response(status_code=204)

    # -- a Session's Participants ------------------------------------------------------------------

    def list_participants(self, account: SandboxAccount, call: Call) -> Response:
        check_known(call.params, PAGING_PARAMS)
        service_sid, session_sid = call.path["service_sid"], call.path["session_sid"]
        page = account.list_participants(service_sid, session_sid, call.params.get("PageSize"),
                                         page_token(call.params))
        items = [render(x, call.base) for x in page.items]
        path = f"/v1/Services/{service_sid}/Sessions/{session_sid}/Participants"
        return JSONResponse(proxy_page(call, path, "participants", page, items))

    def add_participant(self, account: SandboxAccount, call: Call) -> Response:
        check_known(call.params, PARTICIPANT_PARAMS)
        p = call.params
        participant = account.add_participant(
            call.path["service_sid"], call.path["session_sid"], identifier=p.get("Identifier"),
            friendly_name=p.get("FriendlyName"), proxy_identifier=p.get("ProxyIdentifier") or None,
            proxy_identifier_sid=p.get("ProxyIdentifierSid") or None,
        )
        return JSONResponse(render(participant, call.base), status_code=201)

    def fetch_participant(self, account: SandboxAccount, call: Call) -> Response:
        check_known(call.params, ())
        participant = account.get_participant(call.path["service_sid"], call.path["session_sid"], call.path["sid"])
        return JSONResponse(render(participant, call.base))

    def remove_participant(self, account: SandboxAccount, call: Call) -> Response:
        check_known(call.params, ())
        account.remove_participant(call.path["service_sid"], call.path["session_sid"], call.path["sid"])
        # the spec's DeleteParticipant answers 200 (its only documented status), with no body
        return Response(status_code=200)

    # -- the account's own numbers (2010 API IncomingPhoneNumbers) -----------------------------

    def list_account_numbers(self, account: SandboxAccount, call: Call) -> Response:
        filters = [name for name in UNSUPPORTED_NUMBER_FILTERS if name in call.params]
        if filters:
            raise ProxyError(20422, 400, f"Invalid Parameter: the sandbox does not filter by {', '.join(filters)}")
        check_known(call.params, (*PAGING_PARAMS, "PhoneNumber"))
        path = f"/2010-04-01/Accounts/{account.account_sid}/IncomingPhoneNumbers.json"
        if "PhoneNumber" in call.params:
            wanted = call.params["PhoneNumber"]
            try:
                e164 = parse_e164(wanted)
            except InvalidNumber:
                raise ProxyError(20422, 400, f"Invalid Parameter: the sandbox filters by a whole E.164 number "
                                             f"(e.g. +14155550100), not {wanted!r}") from None
            size = rules.page_size(call.params.get("PageSize"))
            sid = account.number_by_phone.get(e164)
            # one number at most: everything is on page 0
            found = [account.get_account_number(sid)] if sid and not call.params.get("PageToken") else []
            page = Page(found, 0, size)
            items = [render_account_number(n) for n in page.items]
            return JSONResponse(api2010_page(call, path, "incoming_phone_numbers", page, items,
                                             filters={"PhoneNumber": e164}))
        page = account.list_account_numbers(call.params.get("PageSize"), page_token(call.params))
        items = [render_account_number(n) for n in page.items]
        return JSONResponse(api2010_page(call, path, "incoming_phone_numbers", page, items))

    def buy_number(self, account: SandboxAccount, call: Call) -> Response:
        return JSONResponse(render_account_number(provision(account, call.params, self.rng)), status_code=201)

    def fetch_account_number(self, account: SandboxAccount, call: Call) -> Response:
        check_known(call.params, ())
        return JSONResponse(render_account_number(account.get_account_number(call.path["sid"])))

    def release_number(self, account: SandboxAccount, call: Call) -> Response:
        check_known(call.params, ())
        account.release_number(call.path["sid"])
        return Response(status_code=204)

    # -- the sandbox's own control -------------------------------------------------------------

    def reset(self, account: SandboxAccount, call: Call) -> Response:
        """Restore the seeded state. Runs outside backend.call: reset takes the lock itself."""
        check_known(call.params, ())
        self.backend.reset()
        fresh = self.backend.account
        return JSONResponse({"account_sid": fresh.account_sid, "origin": fresh.meta.get("origin")})

    def routes(self) -> list[Route]:
        ep = self.endpoint
        svc = "/v1/Services"
        pool = "/v1/Services/{service_sid}/PhoneNumbers"
        sessions = "/v1/Services/{service_sid}/Sessions"
        members = sessions + "/{session_sid}/Participants"
        ipn = "/2010-04-01/Accounts/{account_sid}/IncomingPhoneNumbers"
        return [
            Route(svc, ep(self.list_services), methods=["GET"]),
            Route(svc, ep(self.create_service), methods=["POST"]),
            Route(svc + "/{sid}", ep(self.fetch_service), methods=["GET"]),
            Route(svc + "/{sid}", ep(self.update_service), methods=["POST"]),
            Route(svc + "/{sid}", ep(self.delete_service), methods=["DELETE"]),
            Route(pool, ep(self.list_numbers), methods=["GET"]),
            Route(pool, ep(self.add_number), methods=["POST"]),
            Route(pool + "/{sid}", ep(self.fetch_number), methods=["GET"]),
            Route(pool + "/{sid}", ep(self.update_number), methods=["POST"]),
            Route(pool + "/{sid}", ep(self.remove_number), methods=["DELETE"]),
            Route(sessions, ep(self.list_sessions), methods=["GET"]),
            Route(sessions, ep(self.create_session), methods=["POST"]),
            Route(sessions + "/{sid}", ep(self.update_session), methods=["POST"]),
            Route(sessions + "/{sid}", ep(self.delete_session), methods=["DELETE"]),
            Route(members, ep(self.list_participants), methods=["GET"]),
            Route(members, ep(self.add_participant), methods=["POST"]),
            Route(members + "/{sid}", ep(self.fetch_participant), methods=["GET"]),
            Route(members + "/{sid}", ep(self.remove_participant), methods=["DELETE"]),
            # after the Participants routes: a fetch by UniqueName may hold "/"
            Route(sessions + "/{sid:path}", ep(self.fetch_session), methods=["GET"]),
            Route(ipn + ".json", ep(self.list_account_numbers, account_in_path=True), methods=["GET"]),
            Route(ipn + ".json", ep(self.buy_number, account_in_path=True), methods=["POST"]),
            Route(ipn + "/{sid}.json", ep(self.fetch_account_number, account_in_path=True), methods=["GET"]),
            Route(ipn + "/{sid}.json", ep(self.release_number, account_in_path=True), methods=["DELETE"]),
            Route("/sandbox/reset", ep(self.reset, locked=False), methods=["POST"]),
        ]


def create_app(backend: SandboxBackend, *, public_url: str | None = None) -> Starlette:
    """The sandbox's HTTP face. `public_url` makes absolute links (else the request's host)."""
    api = SandboxAPI(backend, public_url)

    async def on_route_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return error_response(route_error(exc, request))

    async def on_crash(request: Request, exc: Exception) -> Response:
        log.error("internal error answering %s %s: %s", request.method, request.url.path, type(exc).__name__)
        return error_response(ProxyError(20500, 500, "Internal Server Error: see the server's log"))

    app = Starlette(routes=api.routes(), exception_handlers={HTTPException: on_route_error, Exception: on_crash})
    app.router.redirect_slashes = False  # /v1/Services/ is a Twilio-shaped 404, not a redirect
    app.state.api = api
    return app


# -- `proxy-pool sandbox serve` -----------------------------------------------------------------

def _listen(host: str, port: int) -> socket.socket:
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                         flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def serve_command(args: Any) -> int:
    """Serve the sandbox at args.path on args.host:args.port until SIGINT/SIGTERM."""
    import uvicorn

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            with super().capture_signals():
                yield
                # uvicorn re-raises the signal after its graceful stop; we have stopped cleanly
                # and still need to release the sandbox, so the process exits 0 instead
                getattr(self, "_captured_signals", []).clear()

    try:
        backend = SandboxBackend(args.path)
    except ProxyError as exc:
        print(f"proxy-pool: error: {exc.message}", file=sys.stderr)
        return 1
    try:
        try:
            sock = _listen(args.host, args.port)
        except OSError as exc:
            print(f"proxy-pool: error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}",
                  file=sys.stderr)
            return 1
        port = sock.getsockname()[1]
        app = create_app(backend, public_url=args.public_url)
        print(f"Serving sandbox {backend.path} at {_url(args.host, port)}")
        print(f"TWILIO_ACCOUNT_SID={backend.account_sid}")
        print(f"TWILIO_AUTH_TOKEN={backend.account.meta['auth_token']}", flush=True)
        if args.public_url:
            print(f"links point at {args.public_url}", file=sys.stderr)
        print("Press Ctrl+C to stop.", file=sys.stderr, flush=True)
        # uvicorn's own log config, with the access log moved to stderr: stdout holds only the
        # three lines above (a script can read them); the access log shows no headers, so no credential
        log_config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
        log_config["handlers"]["access"]["stream"] = "ext://sys.stderr"
        config = uvicorn.Config(app, lifespan="off", log_level="info", access_log=True, log_config=log_config,
                                timeout_graceful_shutdown=5)
        with contextlib.suppress(KeyboardInterrupt):
            Server(config).run(sockets=[sock])
        sock.close()
        return 0
    finally:
        backend.close()  # waits for an operation in flight, then releases the sandbox lock
