"""The handlers: each reads its parameters from a Call, asks the account, and renders the
answer in Twilio's wire format (tui.core.wire). Each runs in a worker thread under the
backend's one lock, with the account current at that moment (a reset swaps it)."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from sandbox import rules
from sandbox.account import SandboxAccount
from sandbox.backend import SandboxBackend
from sandbox.server.requests import PAGING_PARAMS, Call, ttl_for
from tui.core.errors import ProxyError
from tui.core.phone import InvalidNumber, parse_e164
from tui.core.resources import SERVICE_FIELDS
from tui.core.seam import Page
from tui.core.sids import is_sid
from tui.core.wire import (
    account_numbers_path,
    form_names,
    render,
    render_account_number,
    render_api2010_page,
    render_proxy_page,
)

# Service create/update parameters: UniqueName -> unique_name, DefaultTtl -> default_ttl, ...
SERVICE_PARAMS = form_names(SERVICE_FIELDS)

# IncomingPhoneNumbers parameters the spec knows but the sandbox does not keep: refused with
# a clear message rather than silently dropped.
UNKEPT_NUMBER_PARAMS = (
    "ApiVersion", "SmsApplicationSid", "SmsFallbackMethod", "SmsFallbackUrl", "SmsMethod", "SmsUrl",
    "StatusCallback", "StatusCallbackMethod", "VoiceApplicationSid", "VoiceCallerIdLookup",
    "VoiceFallbackMethod", "VoiceFallbackUrl", "VoiceMethod", "VoiceUrl", "EmergencyStatus",
    "EmergencyAddressSid", "TrunkSid", "IdentitySid", "AddressSid", "VoiceReceiveMode", "BundleSid",
)
UNSUPPORTED_NUMBER_FILTERS = ("Beta", "FriendlyName", "Origin")

SESSION_CREATE_PARAMS = ("UniqueName", "DateExpiry", "Ttl", "Mode", "Status", "Participants")
SESSION_UPDATE_PARAMS = ("DateExpiry", "Ttl", "Status")
PARTICIPANT_PARAMS = ("Identifier", "FriendlyName", "ProxyIdentifier", "ProxyIdentifierSid")


def proxy_list(call: Call, path: str, key: str, page: Page[Any]) -> JSONResponse:
    items = [render(item, call.base) for item in page.items]
    return JSONResponse(render_proxy_page(items, key, page, base=call.base, path=path,
                                          page_token=call.params.get("PageToken")))


def created(resource: Any, call: Call) -> JSONResponse:
    return JSONResponse(render(resource, call.base), status_code=201)


def one(resource: Any, call: Call) -> JSONResponse:
    return JSONResponse(render(resource, call.base))


class Handlers:
    def __init__(self, backend: SandboxBackend):
        self.backend = backend

    # -- Services ----------------------------------------------------------------------------

    def list_services(self, account: SandboxAccount, call: Call) -> Response:
        call.known(*PAGING_PARAMS)
        page = account.list_services(call.params.get("PageSize"), call.page_token())
        return proxy_list(call, "/v1/Services", "services", page)

    def create_service(self, account: SandboxAccount, call: Call) -> Response:
        call.known(*SERVICE_PARAMS)
        fields = {SERVICE_PARAMS[k]: v for k, v in call.params.items()}
        unique_name = fields.pop("unique_name", None)
        return created(account.create_service(unique_name, **fields), call)

    def fetch_service(self, account: SandboxAccount, call: Call) -> Response:
        call.known()
        return one(account.get_service(call.path["sid"]), call)

    def update_service(self, account: SandboxAccount, call: Call) -> Response:
        call.known(*SERVICE_PARAMS)
        fields = {SERVICE_PARAMS[k]: v for k, v in call.params.items()}
        return one(account.update_service(call.path["sid"], **fields), call)

    def delete_service(self, account: SandboxAccount, call: Call) -> Response:
        call.known()
        account.delete_service(call.path["sid"])
        return Response(status_code=204)

    # -- a Service's pool (PhoneNumbers) -------------------------------------------------------

    def list_numbers(self, account: SandboxAccount, call: Call) -> Response:
        call.known(*PAGING_PARAMS)
        service_sid = call.path["service_sid"]
        page = account.list_numbers(service_sid, call.params.get("PageSize"), call.page_token())
        return proxy_list(call, f"/v1/Services/{service_sid}/PhoneNumbers", "phone_numbers", page)

    def add_number(self, account: SandboxAccount, call: Call) -> Response:
        call.known("Sid", "PhoneNumber", "IsReserved")
        is_reserved = rules.parse_bool(call.params.get("IsReserved", "false"), "IsReserved")
        number = account.add_number(call.path["service_sid"], sid=call.params.get("Sid") or None,
                                    phone_number=call.params.get("PhoneNumber") or None, is_reserved=is_reserved)
        return created(number, call)

    def fetch_number(self, account: SandboxAccount, call: Call) -> Response:
        call.known()
        return one(account.get_number(call.path["service_sid"], call.path["sid"]), call)

    def update_number(self, account: SandboxAccount, call: Call) -> Response:
        call.known("IsReserved")
        service_sid, sid = call.path["service_sid"], call.path["sid"]
        if "IsReserved" not in call.params:
            return one(account.get_number(service_sid, sid), call)
        reserved = rules.parse_bool(call.params["IsReserved"], "IsReserved")
        return one(account.set_reserved(service_sid, sid, reserved), call)

    def remove_number(self, account: SandboxAccount, call: Call) -> Response:
        call.known()
        account.remove_number(call.path["service_sid"], call.path["sid"])
        return Response(status_code=204)

    # -- a Service's Sessions ----------------------------------------------------------------------

    def list_sessions(self, account: SandboxAccount, call: Call) -> Response:
        call.known(*PAGING_PARAMS)
        service_sid = call.path["service_sid"]
        page = account.list_sessions(service_sid, call.params.get("PageSize"), call.page_token())
        return proxy_list(call, f"/v1/Services/{service_sid}/Sessions", "sessions", page)

    def create_session(self, account: SandboxAccount, call: Call) -> Response:
        call.known(*SESSION_CREATE_PARAMS)
        p = call.params
        # each Participants item is one JSON object's text; the sandbox reads and checks it
        session = account.create_session(
            call.path["service_sid"], unique_name=p.get("UniqueName") or None, ttl=ttl_for(p, account.clock()),
            mode=p.get("Mode") or None, status=p.get("Status") or None, participants=p.get("Participants"),
        )
        return created(session, call)

    def fetch_session(self, account: SandboxAccount, call: Call) -> Response:
        call.known()
        # the path's Sid may be the session's UniqueName, as Twilio allows, "/" included (the route
        # takes the rest of the path); a SID followed by more path is a resource not served here
        service_sid, sid = call.path["service_sid"], call.path["sid"]
        head, slash, _ = sid.partition("/")
        if slash and is_sid(head, "KC"):
            raise rules.not_found(f"/v1/Services/{service_sid}/Sessions/{sid}")
        return one(account.get_session(service_sid, sid), call)

    def update_session(self, account: SandboxAccount, call: Call) -> Response:
        call.known(*SESSION_UPDATE_PARAMS)
        session = account.update_session(call.path["service_sid"], call.path["sid"],
                                         status=call.params.get("Status") or None,
                                         ttl=ttl_for(call.params, account.clock()))
        return one(session, call)

    def delete_session(self, account: SandboxAccount, call: Call) -> Response:
        call.known()
        account.delete_session(call.path["service_sid"], call.path["sid"])
        return Response(status_code=204)

    # -- a Session's Participants ------------------------------------------------------------------

    def list_participants(self, account: SandboxAccount, call: Call) -> Response:
        call.known(*PAGING_PARAMS)
        service_sid, session_sid = call.path["service_sid"], call.path["session_sid"]
        page = account.list_participants(service_sid, session_sid, call.params.get("PageSize"), call.page_token())
        return proxy_list(call, f"/v1/Services/{service_sid}/Sessions/{session_sid}/Participants", "participants",
                          page)

    def add_participant(self, account: SandboxAccount, call: Call) -> Response:
        call.known(*PARTICIPANT_PARAMS)
        p = call.params
        participant = account.add_participant(
            call.path["service_sid"], call.path["session_sid"], identifier=p.get("Identifier"),
            friendly_name=p.get("FriendlyName"), proxy_identifier=p.get("ProxyIdentifier") or None,
            proxy_identifier_sid=p.get("ProxyIdentifierSid") or None,
        )
        return created(participant, call)

    def fetch_participant(self, account: SandboxAccount, call: Call) -> Response:
        call.known()
        return one(account.get_participant(call.path["service_sid"], call.path["session_sid"], call.path["sid"]),
                   call)

    def remove_participant(self, account: SandboxAccount, call: Call) -> Response:
        call.known()
        account.remove_participant(call.path["service_sid"], call.path["session_sid"], call.path["sid"])
        # the spec's DeleteParticipant answers 200 (its only documented status), with no body
        return Response(status_code=200)

    # -- the account's own numbers (2010 API IncomingPhoneNumbers) -----------------------------

    def list_account_numbers(self, account: SandboxAccount, call: Call) -> Response:
        filters = [name for name in UNSUPPORTED_NUMBER_FILTERS if name in call.params]
        if filters:
            raise ProxyError(20422, 400, f"Invalid Parameter: the sandbox does not filter by {', '.join(filters)}")
        call.known(*PAGING_PARAMS, "PhoneNumber")
        path = account_numbers_path(account.account_sid)
        kept: dict[str, str] = {}
        if "PhoneNumber" in call.params:
            wanted = call.params["PhoneNumber"]
            try:
                e164 = parse_e164(wanted)
            except InvalidNumber:
                raise ProxyError(20422, 400, f"Invalid Parameter: the sandbox filters by a whole E.164 number "
                                             f"(e.g. +14155550100), not {wanted!r}") from None
            found = account.owned_number_for(e164)
            # one number at most: everything is on page 0
            items = [found] if found and not call.params.get("PageToken") else []
            page = Page(items, 0, rules.page_size(call.params.get("PageSize")))
            kept = {"PhoneNumber": e164}
        else:
            page = account.list_account_numbers(call.params.get("PageSize"), call.page_token())
        items = [render_account_number(n) for n in page.items]
        return JSONResponse(render_api2010_page(items, "incoming_phone_numbers", page, path=path,
                                                page_token=call.params.get("PageToken"), filters=kept))

    def buy_number(self, account: SandboxAccount, call: Call) -> Response:
        """POST IncomingPhoneNumbers.json: the PhoneNumber given, or one generated (in AreaCode)."""
        kept = [name for name in UNKEPT_NUMBER_PARAMS if name in call.params]
        if kept:
            raise ProxyError(
                20422, 400, f"Invalid Parameter: the sandbox does not keep {', '.join(kept)}; leave "
                f"{'it' if len(kept) == 1 else 'them'} out",
            )
        call.known("PhoneNumber", "AreaCode", "FriendlyName")
        p = call.params
        number = account.buy_number(p.get("PhoneNumber") or None, area_code=p.get("AreaCode"),
                                    friendly_name=p.get("FriendlyName") or None)
        return JSONResponse(render_account_number(number), status_code=201)

    def fetch_account_number(self, account: SandboxAccount, call: Call) -> Response:
        call.known()
        return JSONResponse(render_account_number(account.get_account_number(call.path["sid"])))

    def release_number(self, account: SandboxAccount, call: Call) -> Response:
        call.known()
        account.release_number(call.path["sid"])
        return Response(status_code=204)

    # -- the sandbox's own control -------------------------------------------------------------

    def reset(self, account: SandboxAccount, call: Call) -> Response:
        """Restore the seeded state. Runs outside backend.call: reset takes the lock itself."""
        call.known()
        self.backend.reset()
        fresh = self.backend.account
        return JSONResponse({"account_sid": fresh.account_sid, "origin": fresh.meta.get("origin")})
