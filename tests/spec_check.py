"""Twilio's own OpenAPI descriptions as a checker of HTTP responses (the sandbox server's).

`check_response` validates a success with openapi-core against tests/reference/twilio_proxy_v1.json
(or the IncomingPhoneNumbers description beside it), status code included; a failure must be
exactly Twilio's error body with a code from Twilio's catalogue. Every server test module and the
conformance suite's HTTP worlds use it.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

import httpx
import jsonschema
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_schema_validator import OAS30Validator, oas30_format_checker

from tests.reference_files import ERROR_CODES, NUMBERS_SPEC, PROXY_SPEC, reference

# Twilio's real code for a wrong HTTP method; the trimmed catalogue leaves it out.
EXTRA_CODES = {20004}

ERROR_BODY = {
    "type": "object",
    "required": ["code", "message", "more_info", "status"],
    "additionalProperties": False,
    "properties": {
        "code": {"type": "integer"},
        "message": {"type": "string", "minLength": 1},
        "more_info": {"type": "string", "pattern": r"^https://www\.twilio\.com/docs/errors/\d+$"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
    },
}


def reference_file(name: str) -> dict[str, Any]:
    return reference(name)


@functools.cache
def proxy_description() -> dict[str, Any]:
    proxy = copy.deepcopy(reference_file(PROXY_SPEC))
    # One documented deviation: Twilio's Proxy docs (and the rules README) list geo_match_level
    # "extended-area-code", which the spec's enum omits; the sandbox accepts and returns it.
    proxy["components"]["schemas"]["service_enum_geo_match_level"]["enum"].append("extended-area-code")
    return proxy


@functools.cache
def specs() -> dict[str, OpenAPI]:
    return {
        "/v1/": OpenAPI.from_dict(proxy_description()),
        "/2010-04-01/": OpenAPI.from_dict(reference_file(NUMBERS_SPEC)),
    }


def check_resource(data: dict[str, Any], schema: str) -> None:
    """Fail unless `data` is a valid instance of the named component schema (OpenAPI 3.0 rules:
    nullable, formats) of the Proxy description, or of the IncomingPhoneNumbers one."""
    spec = proxy_description() if schema.startswith("proxy.") else reference_file(NUMBERS_SPEC)
    root = {**spec["components"]["schemas"][schema], "components": spec["components"]}
    OAS30Validator(root, format_checker=oas30_format_checker).validate(data)


@functools.cache
def known_codes() -> frozenset[int]:
    catalogue = reference_file(ERROR_CODES)
    codes = {entry["code"] for part in catalogue.values() if isinstance(part, list) for entry in part}
    return frozenset(codes | EXTRA_CODES)


def check_response(response: httpx.Response) -> None:
    """Fail unless `response` is what Twilio's description says (or Twilio's error body)."""
    request = response.request
    path = request.url.path
    ctype = response.headers.get("content-type", "")
    if response.status_code >= 400:
        assert ctype.startswith("application/json"), f"{path}: error is {ctype}: {response.text[:200]}"
        body = response.json()
        jsonschema.validate(body, ERROR_BODY)
        assert body["status"] == response.status_code, body
        assert body["code"] in known_codes(), f"code {body['code']} is not one of Twilio's"
        assert body["more_info"].endswith(f"/{body['code']}"), body
        return
    if path.startswith("/sandbox/"):  # the sandbox's own control, not part of Twilio's API
        return
    prefix = next((p for p in specs() if path.startswith(p)), None)
    assert prefix, f"{request.method} {path} answered {response.status_code} outside Twilio's API"
    host = "https://proxy.twilio.com" if prefix == "/v1/" else "https://api.twilio.com"
    raw_path = request.url.raw_path.decode("ascii").partition("?")[0]  # still %-encoded: "/" in a name stays one segment
    openapi_request = MockRequest(host, request.method, raw_path, args=dict(request.url.params))
    openapi_response = MockResponse(response.content, status_code=response.status_code,
                                    headers=dict(response.headers), content_type=ctype or None)
    specs()[prefix].validate_response(openapi_request, openapi_response)


async def validate_hook(response: httpx.Response) -> None:
    await response.aread()
    check_response(response)
