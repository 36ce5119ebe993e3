"""Twilio's wire format, written once: every resource to and from its JSON (Proxy v1, the 2010
API's IncomingPhoneNumbers, Messaging v1 Services and their PhoneNumbers), both list-page
envelopes (v1's `meta`, the 2010 API's top-level keys) both ways, error bodies, dates, and
the one form codec (PascalCase names, booleans as "true"/"false").

The live client parses with it, the sandbox server renders with it, and the tests check
both directions against Twilio's official OpenAPI descriptions.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

from tui.core.errors import ProxyError, echo
from tui.core.messaging import MessagingNumber, MessagingService
from tui.core.phone import number_type
from tui.core.resources import (
    DEFAULT_GEO_MATCH_LEVEL,
    DEFAULT_NUMBER_SELECTION_BEHAVIOR,
    AccountNumber,
    Capabilities,
    PhoneNumber,
    Service,
)
from tui.core.seam import Page
from tui.core.sessions import DEFAULT_SESSION_MODE, DEFAULT_SESSION_STATUS, Interaction, Participant, Session

T = TypeVar("T")

PROXY_BASE_URL = "https://proxy.twilio.com"
API_BASE_URL = "https://api.twilio.com"
MESSAGING_BASE_URL = "https://messaging.twilio.com"
API_VERSION = "2010-04-01"
# Proxy v1 and Messaging v1 both have /v1/Services: a server that serves both on one base serves
# Messaging v1 under this path (client.messaging.base_url = "<base>/messaging" in twilio-python)
MESSAGING_PREFIX = "/messaging"

# -- dates -------------------------------------------------------------------------------------


def utcnow() -> datetime:
    """Now in UTC, to the whole second: the precision Twilio's dates carry."""
    return datetime.now(UTC).replace(microsecond=0)


# Both conversions are cached: a page of 50 numbers converts 100 stamps each way, most of them
# alike (strftime and fromisoformat were a fifth of a served page's time); datetimes are immutable.
@functools.lru_cache(maxsize=4096)
def iso8601(dt: datetime | None) -> str | None:
    """Proxy v1's form: 2015-07-30T20:00:00Z."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if dt else None


def rfc2822(dt: datetime | None) -> str | None:
    """The 2010 API's form: Thu, 30 Jul 2015 20:00:00 +0000."""
    return format_datetime(dt.astimezone(UTC)).replace("-0000", "+0000") if dt else None


@functools.lru_cache(maxsize=4096)
def parse_date(text: str | None) -> datetime | None:
    """Either wire form back to an aware datetime."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return parsedate_to_datetime(text).astimezone(UTC)


def _stamp(text: str | None) -> datetime:
    """A date a resource always has; a body without it gets now."""
    return parse_date(text) or utcnow()


# -- the form codec: requests are PascalCase, form-encoded ---------------------------------------


def pascal(name: str) -> str:
    """default_ttl -> DefaultTtl: the seam's snake_case name as Twilio's request parameter."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def form_names(names: Iterable[str]) -> dict[str, str]:
    """PascalCase parameter -> snake_case name, for reading a request's known parameters."""
    return {pascal(name): name for name in names}


def to_form(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Twilio's request form: PascalCase names, booleans "true"/"false", None left out."""
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if value is None:
            continue
        out[pascal(name)] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return out


def wire_bool(value: Any) -> bool:
    """A response's boolean: JSON true/false, or the strings "true"/"false" as some examples have."""
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)


# A session create's Participants: each item one JSON object, PascalCase keys.
PARTICIPANT_ITEM_FIELDS = ("identifier", "friendly_name", "proxy_identifier", "proxy_identifier_sid")
_PARTICIPANT_ITEM_NAMES = {**{n: n for n in PARTICIPANT_ITEM_FIELDS}, **form_names(PARTICIPANT_ITEM_FIELDS)}


def render_participant_item(spec: Any) -> str:
    """One Participants item as Twilio takes it: a JSON object with PascalCase keys."""
    if isinstance(spec, Mapping):
        return json.dumps({pascal(str(k)): v for k, v in spec.items() if v is not None})
    return spec if isinstance(spec, str) else json.dumps(spec)


MAX_JSON_DEPTH = 8  # a Participants item is one flat object: deeper nesting is refused before parsing
_JSON_OPENERS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[{]|[\]}]')


def json_depth(text: str) -> int:
    """How deeply JSON text nests its arrays and objects (strings skipped), without parsing it:
    json.loads of thousands of nested brackets raises RecursionError, so the depth is checked first."""
    depth = deepest = 0
    for token in _JSON_OPENERS.finditer(text):
        mark = token.group()
        if mark in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif mark in "]}":
            depth -= 1
    return deepest


def parse_participant_item(spec: Any) -> dict[str, Any]:
    """One Participants item (a dict with the seam's or Twilio's names, or its JSON text) as the
    seam's snake_case fields, empty values left out; 80701 if it is not an object of strings,
    20001 for a name it does not know."""
    if isinstance(spec, str):
        if json_depth(spec) > MAX_JSON_DEPTH:
            raise ProxyError(80701, 400, f"Parameter Validation Failed: Participants item {echo(spec)} nests "
                                         f"deeper than {MAX_JSON_DEPTH} levels (it is one JSON object)")
        try:
            spec = json.loads(spec)
        except (ValueError, RecursionError):
            raise ProxyError(80701, 400, f"Parameter Validation Failed: Participants item {echo(spec)} is not JSON") from None
    if not isinstance(spec, dict):
        raise ProxyError(80701, 400, f"Parameter Validation Failed: Participants item {echo(spec)} is not an object")
    unknown = sorted(str(k) for k in spec if k not in _PARTICIPANT_ITEM_NAMES)
    if unknown:
        raise ProxyError(20001, 400, f"Unknown parameters: {echo(', '.join(unknown))[1:-1]}")
    for key, value in spec.items():
        if value is not None and not isinstance(value, str):
            raise ProxyError(80701, 400, f"Parameter Validation Failed: Participants item's {key} must be a "
                                         f"string, not {echo(value)}")
    return {_PARTICIPANT_ITEM_NAMES[k]: v for k, v in spec.items() if v not in (None, "")}


# -- URLs of the resources -------------------------------------------------------------------------


def service_url(base: str, sid: str) -> str:
    return f"{base}/v1/Services/{sid}"


def number_url(base: str, service_sid: str, sid: str) -> str:
    return f"{service_url(base, service_sid)}/PhoneNumbers/{sid}"


def session_url(base: str, service_sid: str, sid: str) -> str:
    return f"{service_url(base, service_sid)}/Sessions/{sid}"


def participant_url(base: str, service_sid: str, session_sid: str, sid: str) -> str:
    return f"{session_url(base, service_sid, session_sid)}/Participants/{sid}"


def interaction_url(base: str, service_sid: str, session_sid: str, sid: str) -> str:
    return f"{session_url(base, service_sid, session_sid)}/Interactions/{sid}"


def message_interaction_url(base: str, service_sid: str, session_sid: str, participant_sid: str, sid: str) -> str:
    return f"{participant_url(base, service_sid, session_sid, participant_sid)}/MessageInteractions/{sid}"


def messaging_service_url(base: str, sid: str) -> str:
    """`base` is Messaging v1's host (https://messaging.twilio.com, or a server's base + /messaging)."""
    return f"{base}/v1/Services/{sid}"


def messaging_number_url(base: str, service_sid: str, sid: str) -> str:
    return f"{messaging_service_url(base, service_sid)}/PhoneNumbers/{sid}"


def account_numbers_path(account_sid: str) -> str:
    """The 2010 API's IncomingPhoneNumbers list, relative to its host."""
    return f"/{API_VERSION}/Accounts/{account_sid}/IncomingPhoneNumbers.json"


def account_number_uri(account_sid: str, sid: str) -> str:
    return f"/{API_VERSION}/Accounts/{account_sid}/IncomingPhoneNumbers/{sid}.json"


# -- resources ---------------------------------------------------------------------------------------


def render_capabilities(caps: Capabilities) -> dict[str, bool]:
    return {"fax": caps.fax, "mms": caps.mms, "sms": caps.sms, "voice": caps.voice}


def parse_capabilities(data: Mapping[str, Any] | None) -> Capabilities:
    data = data or {}

    # Proxy's own examples also use the long names (sms_outbound, voice_inbound)
    def has(name: str) -> bool:
        return any(wire_bool(v) for k, v in data.items() if k == name or k.startswith(name + "_"))

    return Capabilities(voice=has("voice"), sms=has("sms"), mms=has("mms"), fax=has("fax"))


def render_service(service: Service, base: str = PROXY_BASE_URL) -> dict[str, Any]:
    url = service_url(base, service.sid)
    return {
        "sid": service.sid,
        "unique_name": service.unique_name,
        "account_sid": service.account_sid,
        "chat_instance_sid": service.chat_instance_sid,
        "callback_url": service.callback_url,
        "default_ttl": service.default_ttl,
        "number_selection_behavior": service.number_selection_behavior,
        "geo_match_level": service.geo_match_level,
        "intercept_callback_url": service.intercept_callback_url,
        "out_of_session_callback_url": service.out_of_session_callback_url,
        "date_created": iso8601(service.date_created),
        "date_updated": iso8601(service.date_updated),
        "url": url,
        "links": {"sessions": f"{url}/Sessions", "phone_numbers": f"{url}/PhoneNumbers"},
    }


def parse_service(data: Mapping[str, Any]) -> Service:
    return Service(
        sid=data["sid"],
        unique_name=data.get("unique_name") or "",
        account_sid=data.get("account_sid") or "",
        date_created=_stamp(data.get("date_created")),
        date_updated=_stamp(data.get("date_updated")),
        default_ttl=int(data.get("default_ttl") or 0),
        number_selection_behavior=data.get("number_selection_behavior") or DEFAULT_NUMBER_SELECTION_BEHAVIOR,
        geo_match_level=data.get("geo_match_level") or DEFAULT_GEO_MATCH_LEVEL,
        callback_url=data.get("callback_url"),
        intercept_callback_url=data.get("intercept_callback_url"),
        out_of_session_callback_url=data.get("out_of_session_callback_url"),
        chat_instance_sid=data.get("chat_instance_sid"),
    )


def render_number(number: PhoneNumber, base: str = PROXY_BASE_URL) -> dict[str, Any]:
    return {
        "sid": number.sid,
        "account_sid": number.account_sid,
        "service_sid": number.service_sid,
        "date_created": iso8601(number.date_created),
        "date_updated": iso8601(number.date_updated),
        "phone_number": number.phone_number,
        "friendly_name": number.friendly_name,
        "iso_country": number.iso_country,
        "capabilities": render_capabilities(number.capabilities),
        "url": number_url(base, number.service_sid, number.sid),
        "is_reserved": number.is_reserved,
        "in_use": number.in_use,
    }


def parse_number(data: Mapping[str, Any]) -> PhoneNumber:
    return PhoneNumber(
        sid=data["sid"],
        account_sid=data.get("account_sid") or "",
        service_sid=data.get("service_sid") or "",
        phone_number=data.get("phone_number") or "",
        date_created=_stamp(data.get("date_created")),
        date_updated=_stamp(data.get("date_updated")),
        friendly_name=data.get("friendly_name"),
        iso_country=data.get("iso_country"),
        capabilities=parse_capabilities(data.get("capabilities")),
        is_reserved=wire_bool(data.get("is_reserved")),
        in_use=int(data.get("in_use") or 0),
    )


def render_account_number(number: AccountNumber) -> dict[str, Any]:
    """An IncomingPhoneNumber: exactly the 2010 spec's fields (it has `type` and no subresource_uris);
    the settings the sandbox does not keep carry Twilio's defaults for a fresh number."""
    return {
        "account_sid": number.account_sid,
        "address_sid": None,
        "address_requirements": "none",
        "api_version": API_VERSION,
        "beta": False,
        "capabilities": render_capabilities(number.capabilities),
        "date_created": rfc2822(number.date_created),
        "date_updated": rfc2822(number.date_updated),
        "friendly_name": number.friendly_name,
        "identity_sid": None,
        "phone_number": number.phone_number,
        "origin": "twilio",
        "sid": number.sid,
        "sms_application_sid": None,  # the spec's pattern (AP + 32 hex) admits null, not ""
        "sms_fallback_method": "POST",
        "sms_fallback_url": "",
        "sms_method": "POST",
        "sms_url": "",
        "status_callback": "",
        "status_callback_method": "POST",
        "trunk_sid": None,
        "uri": account_number_uri(number.account_sid, number.sid),
        "voice_receive_mode": "voice",
        "voice_application_sid": None,
        "voice_caller_id_lookup": False,
        "voice_fallback_method": "POST",
        "voice_fallback_url": None,
        "voice_method": "POST",
        "voice_url": None,
        "emergency_status": "Inactive",
        "emergency_address_sid": None,
        "emergency_address_status": "unregistered",
        "bundle_sid": None,
        "status": "in-use",
        "type": number_type(number.phone_number),
    }


def parse_account_number(data: Mapping[str, Any]) -> AccountNumber:
    return AccountNumber(
        sid=data["sid"],
        account_sid=data.get("account_sid") or "",
        phone_number=data.get("phone_number") or "",
        date_created=_stamp(data.get("date_created")),
        date_updated=_stamp(data.get("date_updated")),
        friendly_name=data.get("friendly_name"),
        capabilities=parse_capabilities(data.get("capabilities")),
    )


def render_session(session: Session, base: str = PROXY_BASE_URL) -> dict[str, Any]:
    url = session_url(base, session.service_sid, session.sid)
    return {
        "sid": session.sid,
        "service_sid": session.service_sid,
        "account_sid": session.account_sid,
        "date_started": iso8601(session.date_started),
        "date_ended": iso8601(session.date_ended),
        "date_last_interaction": iso8601(session.date_last_interaction),
        "date_expiry": iso8601(session.date_expiry),
        "unique_name": session.unique_name,
        "status": session.status,
        "closed_reason": session.closed_reason,
        "ttl": session.ttl,
        "mode": session.mode,
        "date_created": iso8601(session.date_created),
        "date_updated": iso8601(session.date_updated),
        "url": url,
        "links": {"interactions": f"{url}/Interactions", "participants": f"{url}/Participants"},
    }


def parse_session(data: Mapping[str, Any]) -> Session:
    return Session(
        sid=data["sid"],
        service_sid=data.get("service_sid") or "",
        account_sid=data.get("account_sid") or "",
        date_created=_stamp(data.get("date_created")),
        date_updated=_stamp(data.get("date_updated")),
        unique_name=data.get("unique_name"),
        status=data.get("status") or DEFAULT_SESSION_STATUS,
        mode=data.get("mode") or DEFAULT_SESSION_MODE,
        ttl=int(data.get("ttl") or 0),
        date_started=parse_date(data.get("date_started")),
        date_ended=parse_date(data.get("date_ended")),
        date_last_interaction=parse_date(data.get("date_last_interaction")),
        date_expiry=parse_date(data.get("date_expiry")),
        closed_reason=data.get("closed_reason") or None,
    )


def render_participant(participant: Participant, base: str = PROXY_BASE_URL) -> dict[str, Any]:
    p = participant
    url = participant_url(base, p.service_sid, p.session_sid, p.sid)
    return {
        "sid": p.sid,
        "session_sid": p.session_sid,
        "service_sid": p.service_sid,
        "account_sid": p.account_sid,
        "friendly_name": p.friendly_name,
        "identifier": p.identifier,
        "proxy_identifier": p.proxy_identifier,
        "proxy_identifier_sid": p.proxy_identifier_sid,
        "date_deleted": iso8601(p.date_deleted),
        "date_created": iso8601(p.date_created),
        "date_updated": iso8601(p.date_updated),
        "url": url,
        "links": {"message_interactions": f"{url}/MessageInteractions"},
    }


def parse_participant(data: Mapping[str, Any]) -> Participant:
    return Participant(
        sid=data["sid"],
        session_sid=data.get("session_sid") or "",
        service_sid=data.get("service_sid") or "",
        account_sid=data.get("account_sid") or "",
        identifier=data.get("identifier") or "",
        date_created=_stamp(data.get("date_created")),
        date_updated=_stamp(data.get("date_updated")),
        proxy_identifier=data.get("proxy_identifier"),
        proxy_identifier_sid=data.get("proxy_identifier_sid"),
        friendly_name=data.get("friendly_name"),
        date_deleted=parse_date(data.get("date_deleted")),
    )


# The spec's inbound_/outbound_resource_status admit only their enum (no null), though Twilio's own
# examples show null for the side a message interaction does not have: the key is left out then.
_INTERACTION_SIDES = ("inbound_participant_sid", "inbound_resource_sid", "inbound_resource_status",
                      "inbound_resource_type", "inbound_resource_url", "outbound_participant_sid",
                      "outbound_resource_sid", "outbound_resource_status", "outbound_resource_type",
                      "outbound_resource_url")
_NOT_NULLABLE = frozenset({"inbound_resource_status", "outbound_resource_status"})


def _interaction_body(i: Interaction, url: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "sid": i.sid, "session_sid": i.session_sid, "service_sid": i.service_sid, "account_sid": i.account_sid,
        "data": i.data, "type": i.type,
    }
    for name in _INTERACTION_SIDES:
        value = getattr(i, name)
        if value is not None or name not in _NOT_NULLABLE:
            body[name] = value
    body.update(date_created=iso8601(i.date_created), date_updated=iso8601(i.date_updated), url=url)
    return body


def render_interaction(interaction: Interaction, base: str = PROXY_BASE_URL) -> dict[str, Any]:
    """A Session's Interaction (Sessions/{KC}/Interactions/{KI})."""
    i = interaction
    return _interaction_body(i, interaction_url(base, i.service_sid, i.session_sid, i.sid))


def render_message_interaction(interaction: Interaction, base: str = PROXY_BASE_URL) -> dict[str, Any]:
    """The same interaction as its Participant's MessageInteraction (with participant_sid)."""
    i = interaction
    url = message_interaction_url(base, i.service_sid, i.session_sid, i.participant_sid or "", i.sid)
    body = _interaction_body(i, url)
    return {**body, "participant_sid": i.participant_sid}


def parse_interaction(data: Mapping[str, Any]) -> Interaction:
    """Either view (an Interaction or a MessageInteraction) back to the resource."""
    return Interaction(
        sid=data["sid"], session_sid=data.get("session_sid") or "", service_sid=data.get("service_sid") or "",
        account_sid=data.get("account_sid") or "", date_created=_stamp(data.get("date_created")),
        date_updated=_stamp(data.get("date_updated")), type=data.get("type") or "message", data=data.get("data"),
        participant_sid=data.get("participant_sid"),
        **{name: data.get(name) for name in _INTERACTION_SIDES},
    )


# Messaging v1's links on a Service, as Twilio's resource has them (only phone_numbers is served here)
MESSAGING_LINKS = ("phone_numbers", "short_codes", "alpha_senders", "messages", "us_app_to_person",
                   "us_app_to_person_usecases", "channel_senders", "destination_alpha_senders")
_LINK_PATHS = {"phone_numbers": "PhoneNumbers", "short_codes": "ShortCodes", "alpha_senders": "AlphaSenders",
               "messages": "Messages", "us_app_to_person": "Compliance/Usa2p",
               "us_app_to_person_usecases": "Compliance/Usa2p/Usecases", "channel_senders": "ChannelSenders",
               "destination_alpha_senders": "DestinationAlphaSenders"}
_MESSAGING_FIELDS = ("inbound_request_url", "inbound_method", "fallback_url", "fallback_method", "status_callback",
                     "sticky_sender", "mms_converter", "smart_encoding", "scan_message_content",
                     "fallback_to_long_code", "area_code_geomatch", "validity_period", "synchronous_validation",
                     "usecase", "us_app_to_person_registered", "use_inbound_webhook_on_number")
_MESSAGING_BOOLEANS = frozenset({"sticky_sender", "mms_converter", "smart_encoding", "fallback_to_long_code",
                                 "area_code_geomatch", "synchronous_validation", "us_app_to_person_registered",
                                 "use_inbound_webhook_on_number"})


def render_messaging_service(service: MessagingService, base: str = MESSAGING_BASE_URL) -> dict[str, Any]:
    url = messaging_service_url(base, service.sid)
    return {
        "sid": service.sid, "account_sid": service.account_sid, "friendly_name": service.friendly_name,
        "date_created": iso8601(service.date_created), "date_updated": iso8601(service.date_updated),
        **{name: getattr(service, name) for name in _MESSAGING_FIELDS},
        "url": url,
        "links": {name: f"{url}/{_LINK_PATHS[name]}" for name in MESSAGING_LINKS},
    }


def parse_messaging_service(data: Mapping[str, Any]) -> MessagingService:
    defaults = MessagingService("", "", "", utcnow(), utcnow())
    fields: dict[str, Any] = {}
    for name in _MESSAGING_FIELDS:
        value = data.get(name)
        if value is None:
            fields[name] = getattr(defaults, name)
        elif name in _MESSAGING_BOOLEANS:
            fields[name] = wire_bool(value)
        elif name == "validity_period":
            fields[name] = int(value)
        else:
            fields[name] = value
    # a URL Twilio has not set is null; a method, an enum or a flag missing keeps Twilio's default
    for name in ("inbound_request_url", "fallback_url", "status_callback"):
        fields[name] = data.get(name)
    return MessagingService(
        sid=data["sid"], account_sid=data.get("account_sid") or "", friendly_name=data.get("friendly_name") or "",
        date_created=_stamp(data.get("date_created")), date_updated=_stamp(data.get("date_updated")), **fields,
    )


def render_messaging_number(number: MessagingNumber, base: str = MESSAGING_BASE_URL) -> dict[str, Any]:
    return {
        "sid": number.sid, "account_sid": number.account_sid, "service_sid": number.service_sid,
        "date_created": iso8601(number.date_created), "date_updated": iso8601(number.date_updated),
        "phone_number": number.phone_number, "country_code": number.country_code,
        "capabilities": list(number.capabilities), "url": messaging_number_url(base, number.service_sid, number.sid),
    }


def parse_messaging_number(data: Mapping[str, Any]) -> MessagingNumber:
    return MessagingNumber(
        sid=data["sid"], account_sid=data.get("account_sid") or "", service_sid=data.get("service_sid") or "",
        phone_number=data.get("phone_number") or "", date_created=_stamp(data.get("date_created")),
        date_updated=_stamp(data.get("date_updated")), country_code=data.get("country_code"),
        capabilities=tuple(str(c) for c in data.get("capabilities") or ()),
    )


def messaging_capabilities(caps: Capabilities) -> tuple[str, ...]:
    """A number's capabilities as Messaging v1 lists them: "MMS", "SMS", "Voice" (in that order)."""
    return tuple(name for name, on in (("MMS", caps.mms), ("SMS", caps.sms), ("Voice", caps.voice)) if on)


_RENDERERS: dict[type, Callable[..., dict[str, Any]]] = {
    Service: render_service, PhoneNumber: render_number, Session: render_session, Participant: render_participant,
    Interaction: render_interaction, MessagingService: render_messaging_service,
    MessagingNumber: render_messaging_number,
}


def render(resource: Any, base: str = PROXY_BASE_URL) -> dict[str, Any]:
    """Any resource's Twilio JSON (v1 links under `base`: Proxy's, or Messaging's for its resources)."""
    if isinstance(resource, AccountNumber):
        return render_account_number(resource)
    return _RENDERERS[type(resource)](resource, base)


# -- errors ----------------------------------------------------------------------------------------------


def render_error(error: ProxyError) -> dict[str, Any]:
    """Twilio's error body."""
    return {"code": error.code, "message": error.message, "more_info": error.more_info, "status": error.status}


def parse_error(body: Mapping[str, Any], status: int) -> ProxyError:
    return ProxyError(
        code=int(body.get("code") or 20500),
        status=int(body.get("status") or status),
        message=str(body.get("message") or "") or None,
        more_info=body.get("more_info"),
    )


# -- list pages ------------------------------------------------------------------------------------------
# Twilio pages with Page=N&PageToken=PA…; a server's seam carries the pair as one opaque token "N:PA…".


_ASCII_NUMBER = re.compile(r"[0-9]{1,9}")  # str.isdigit() also takes "²" and "٣", which int() refuses or reads


def join_token(page: str | int | None, page_token: str | None) -> str | None:
    """The wire's Page and PageToken as one seam token (None: the first page)."""
    text = str(page if page not in (None, "") else 0)
    if not _ASCII_NUMBER.fullmatch(text):
        raise ProxyError(20422, 400, f"Invalid Parameter: Page must be a whole number (ASCII digits), not {echo(text)}")
    if not page_token:
        return None
    return f"{int(text)}:{page_token}"


def split_token(token: str) -> tuple[int, str]:
    """A seam token "N:PA123" as the wire's Page=N, PageToken=PA123."""
    page, _, rest = token.partition(":")
    return int(page), rest


def _paging_query(size: int, page_no: int, token: str | None, filters: Mapping[str, Any] | None = None) -> str:
    query: dict[str, Any] = {**(filters or {}), "PageSize": size, "Page": page_no}
    if token:
        query["PageToken"] = token
    return urlencode(query)


def render_proxy_page(items: list[dict[str, Any]], key: str, page: Page[Any], *, base: str, path: str,
                      page_token: str | None = None) -> dict[str, Any]:
    """A Proxy v1 list page with Twilio's `meta` (absolute URLs); `page_token` is the request's PageToken."""
    size = page.page_size

    def url(page_no: int, token: str | None = None) -> str:
        return f"{base}{path}?{_paging_query(size, page_no, token)}"

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
            "url": url(page.page, page_token),
            "key": key,
        },
    }


def render_api2010_page(items: list[dict[str, Any]], key: str, page: Page[Any], *, path: str,
                        page_token: str | None = None, filters: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A 2010 API list page: paging keys at the top, URIs relative to the host (filters kept in them)."""
    size = page.page_size

    def uri(page_no: int, token: str | None = None) -> str:
        return f"{path}?{_paging_query(size, page_no, token, filters)}"

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
        "uri": uri(page.page, page_token),
        key: items,
    }


def parse_page(body: Mapping[str, Any], key: str, parse: Callable[[Mapping[str, Any]], T],
               api_base: str = API_BASE_URL) -> Page[T]:
    """Either envelope back to a Page whose tokens are the next/previous page URLs (absolute: the
    2010 API's relative URIs are joined to `api_base`, as twilio-python's Domain.absolute_url)."""
    if "meta" in body:  # Proxy v1
        meta = body["meta"]
        items = [parse(item) for item in body[meta.get("key") or key]]
        return Page(items, int(meta.get("page") or 0), int(meta.get("page_size") or len(items)),
                    meta.get("next_page_url") or None, meta.get("previous_page_url") or None)

    def absolute(uri: str | None) -> str | None:
        if not uri:
            return None
        return uri if "://" in uri else f"{api_base}/{uri.lstrip('/')}"

    items = [parse(item) for item in body[key]]
    return Page(items, int(body.get("page") or 0), int(body.get("page_size") or len(items)),
                absolute(body.get("next_page_uri")), absolute(body.get("previous_page_uri")))


def page_items(body: Mapping[str, Any], key: str) -> list[Any]:
    """A list page's raw records, whichever envelope it uses."""
    meta = body.get("meta")
    if isinstance(meta, Mapping):
        key = meta.get("key") or key
    items = body.get(key)
    return items if isinstance(items, list) else []
