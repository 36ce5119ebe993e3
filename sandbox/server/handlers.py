"""The handlers: each reads its parameters from a Call, asks the account, and renders the
answer in Twilio's wire format (tui.core.wire). Each runs in a worker thread under the
backend's one lock, with the account current at that moment (a reset swaps it)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from sandbox import rules
from sandbox.account import SandboxAccount
from sandbox.backend import SandboxBackend
from sandbox.server.requests import PAGING_PARAMS, Call, ttl_for
from sandbox.server.responses import FastJSONResponse as JSONResponse
from tui.core.errors import ProxyError, echo
from tui.core.messaging import MESSAGING_SERVICE_FIELDS
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
    render_message_interaction,
    render_proxy_page,
)

# Service create/update parameters: UniqueName -> unique_name, DefaultTtl -> default_ttl, ...
SERVICE_PARAMS = form_names(SERVICE_FIELDS)
# Messaging v1 Service parameters: FriendlyName -> friendly_name, UseInboundWebhookOnNumber -> ...
MESSAGING_PARAMS = form_names(MESSAGING_SERVICE_FIELDS)

# IncomingPhoneNumbers parameters the spec knows but the sandbox does not keep: refused with
# a clear message rather than silently dropped.
UNKEPT_NUMBER_PARAMS = (
    "ApiVersion", "SmsApplicationSid", "SmsFallbackMethod", "SmsFallbackUrl", "SmsMethod", "SmsUrl",
    "StatusCallback", "StatusCallbackMethod", "VoiceApplicationSid", "VoiceCallerIdLookup",
    "VoiceFallbackMethod", "VoiceFallbackUrl", "VoiceMethod", "VoiceUrl", "EmergencyStatus",
    "EmergencyAddressSid", "TrunkSid", "IdentitySid", "AddressSid", "VoiceReceiveMode", "BundleSid",
)
NUMBER_FILTERS = ("Beta", "FriendlyName", "Origin", "PhoneNumber")

SESSION_CREATE_PARAMS = ("UniqueName", "DateExpiry", "Ttl", "Mode", "Status", "Participants")
SESSION_UPDATE_PARAMS = ("DateExpiry", "Ttl", "Status")
PARTICIPANT_PARAMS = ("Identifier", "FriendlyName", "ProxyIdentifier", "ProxyIdentifierSid")


def proxy_list(call: Call, path: str, key: str, page: Page[Any], renderer: Any = render,
               base: str | None = None) -> JSONResponse:
    """A v1 list page (Proxy's, or Messaging's with `base` = call.messaging_base)."""
    base = base or call.base
    items = [renderer(item, base) for item in page.items]
    return JSONResponse(render_proxy_page(items, key, page, base=base, path=path,
                                          page_token=call.params.get("PageToken")))


def created(resource: Any, call: Call, base: str | None = None) -> JSONResponse:
    return JSONResponse(render(resource, base or call.base), status_code=201)


def one(resource: Any, call: Call, base: str | None = None) -> JSONResponse:
    return JSONResponse(render(resource, base or call.base))



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
            mode=p.get("Mode"), status=p.get("Status"), participants=p.get("Participants"),
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
        session = account.update_session(call.path["service_sid"], call.path["sid"], status=call.params.get("Status"),
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

    # -- a Session's Interactions and a Participant's MessageInteractions -------------------------

    def list_interactions(self, account: SandboxAccount, call: Call) -> Response:
        call.known(*PAGING_PARAMS)
        service_sid, session_sid = call.path["service_sid"], call.path["session_sid"]
        page = account.list_interactions(service_sid, session_sid, call.params.get("PageSize"), call.page_token())
        return proxy_list(call, f"/v1/Services/{service_sid}/Sessions/{session_sid}/Interactions", "interactions",
                          page)

    def fetch_interaction(self, account: SandboxAccount, call: Call) -> Response:
        call.known()
        p = call.path
        return one(account.get_interaction(p["service_sid"], p["session_sid"], p["sid"]), call)

    def delete_interaction(self, account: SandboxAccount, call: Call) -> Response:
        call.known()
        p = call.path
        account.delete_interaction(p["service_sid"], p["session_sid"], p["sid"])
        return Response(status_code=204)

    def create_message_interaction(self, account: SandboxAccount, call: Call) -> Response:
        call.known("Body", "MediaUrl")
        p = call.path
        made = account.create_message_interaction(p["service_sid"], p["session_sid"], p["participant_sid"],
                                                  body=call.params.get("Body"), media_url=call.params.get("MediaUrl"))
        # the spec's CreateMessageInteraction answers 200 (its only documented status)
        return JSONResponse(render_message_interaction(made, call.base))

    def list_message_interactions(self, account: SandboxAccount, call: Call) -> Response:
        call.known(*PAGING_PARAMS)
        p = call.path
        page = account.list_message_interactions(p["service_sid"], p["session_sid"], p["participant_sid"],
                                                 call.params.get("PageSize"), call.page_token())
        path = (f"/v1/Services/{p['service_sid']}/Sessions/{p['session_sid']}/Participants/"
                f"{p['participant_sid']}/MessageInteractions")
        return proxy_list(call, path, "interactions", page, render_message_interaction)

    def fetch_message_interaction(self, account: SandboxAccount, call: Call) -> Response:
        call.known()
        p = call.path
        found = account.get_message_interaction(p["service_sid"], p["session_sid"], p["participant_sid"], p["sid"])
        return JSONResponse(render_message_interaction(found, call.base))

    # -- Messaging v1: Services and their PhoneNumbers (under tui.core.wire.MESSAGING_PREFIX) ---------------------

    def list_messaging_services(self, account: SandboxAccount, call: Call) -> Response:
        call.known(*PAGING_PARAMS)
        page = account.list_messaging_services(call.params.get("PageSize"), call.page_token())
        return proxy_list(call, "/v1/Services", "services", page, base=call.messaging_base)

    def create_messaging_service(self, account: SandboxAccount, call: Call) -> Response:
        call.known(*MESSAGING_PARAMS)
        fields = {MESSAGING_PARAMS[k]: v for k, v in call.params.items()}
        friendly_name = fields.pop("friendly_name", None)
        return created(account.create_messaging_service(friendly_name, **fields), call, call.messaging_base)

    def fetch_messaging_service(self, account: SandboxAccount, call: Call) -> Response:
        call.known()
        return one(account.get_messaging_service(call.path["sid"]), call, call.messaging_base)

    def update_messaging_service(self, account: SandboxAccount, call: Call) -> Response:
        call.known(*MESSAGING_PARAMS)
        fields = {MESSAGING_PARAMS[k]: v for k, v in call.params.items()}
        return one(account.update_messaging_service(call.path["sid"], **fields), call, call.messaging_base)

    def delete_messaging_service(self, account: SandboxAccount, call: Call) -> Response:
        call.known()
        account.delete_messaging_service(call.path["sid"])
        return Response(status_code=204)

    def list_messaging_numbers(self, account: SandboxAccount, call: Call) -> Response:
        call.known(*PAGING_PARAMS)
        service_sid = call.path["service_sid"]
        page = account.list_messaging_numbers(service_sid, call.params.get("PageSize"), call.page_token())
        return proxy_list(call, f"/v1/Services/{service_sid}/PhoneNumbers", "phone_numbers", page,
                          base=call.messaging_base)

    def add_messaging_number(self, account: SandboxAccount, call: Call) -> Response:
        call.known("PhoneNumberSid")
        if "PhoneNumberSid" not in call.params:
            raise ProxyError(20422, 400, "Invalid Parameter: PhoneNumberSid is required")
        number = account.add_messaging_number(call.path["service_sid"], call.params["PhoneNumberSid"])
        return created(number, call, call.messaging_base)

    def fetch_messaging_number(self, account: SandboxAccount, call: Call) -> Response:
        call.known()
        return one(account.get_messaging_number(call.path["service_sid"], call.path["sid"]), call,
                   call.messaging_base)

    def remove_messaging_number(self, account: SandboxAccount, call: Call) -> Response:
        call.known()
        account.remove_messaging_number(call.path["service_sid"], call.path["sid"])
        return Response(status_code=204)

    # -- the account's own numbers (2010 API IncomingPhoneNumbers) -----------------------------

    def list_account_numbers(self, account: SandboxAccount, call: Call) -> Response:
        """Filtered as the 2010 API is (each filter exact; PhoneNumber a whole E.164 number here)."""
        call.known(*PAGING_PARAMS, *NUMBER_FILTERS)
        p = call.params
        kept: dict[str, str] = {name: p[name] for name in NUMBER_FILTERS if name in p}
        e164 = None
        if "PhoneNumber" in p:
            try:
                e164 = parse_e164(p["PhoneNumber"])
            except InvalidNumber:
                raise ProxyError(20422, 400, f"Invalid Parameter: the sandbox filters by a whole E.164 number "
                                             f"(e.g. +14155550100), not {echo(p['PhoneNumber'])}") from None
            kept["PhoneNumber"] = e164
        beta = rules.parse_bool(p["Beta"], "Beta", code=20422) if "Beta" in p else None
        page = account.list_account_numbers(p.get("PageSize"), call.page_token(), phone_number=e164,
                                            friendly_name=p.get("FriendlyName"), beta=beta, origin=p.get("Origin"))
        items = [render_account_number(n) for n in page.items]
        return JSONResponse(render_api2010_page(items, "incoming_phone_numbers", page,
                                                path=account_numbers_path(account.account_sid),
                                                page_token=p.get("PageToken"), filters=kept))

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
