"""Twilio's own OpenAPI descriptions as a checker of HTTP responses (the sandbox server's).

`check_response` validates a success with openapi-core against tests/reference/twilio_proxy_v1.json
(or the IncomingPhoneNumbers or Messaging v1 description beside it), status code included; a failure
must be exactly Twilio's error body with a code from Twilio's catalogue (or one of the few Twilio
codes the trimmed catalogue leaves out: tui.core.errors.OTHER_TITLES). The descriptions are used
exactly as Twilio publishes them: no deviation is patched in. Every server test module and the
conformance suite's HTTP worlds use it.
"""

from __future__ import annotations

import functools
from typing import Any

import httpx
import jsonschema
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_schema_validator import OAS30Validator, oas30_format_checker

from tests.reference_files import ERROR_CODES, MESSAGING_SPEC, NUMBERS_SPEC, PROXY_SPEC, reference
from tui.core.errors import OTHER_TITLES
from tui.core.wire import MESSAGING_PREFIX

# Twilio's real codes the trimmed catalogue leaves out: a wrong HTTP method, Messaging v1's pool rules.
EXTRA_CODES = set(OTHER_TITLES)

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


# where a path starts on the server -> (Twilio's host, what the spec's paths start with, the spec)
DOMAINS = {
    MESSAGING_PREFIX + "/v1/": ("https://messaging.twilio.com", MESSAGING_SPEC),
    "/v1/": ("https://proxy.twilio.com", PROXY_SPEC),
    "/2010-04-01/": ("https://api.twilio.com", NUMBERS_SPEC),
}


@functools.cache
def specs() -> dict[str, OpenAPI]:
    return {prefix: OpenAPI.from_dict(reference_file(name)) for prefix, (_, name) in DOMAINS.items()}


def check_resource(data: dict[str, Any], schema: str) -> None:
    """Fail unless `data` is a valid instance of the named component schema (OpenAPI 3.0 rules:
    nullable, formats) of the Proxy, Messaging or IncomingPhoneNumbers description."""
    name = {"proxy": PROXY_SPEC, "messaging": MESSAGING_SPEC}.get(schema.split(".")[0], NUMBERS_SPEC)
    spec = reference_file(name)
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
    prefix = next((p for p in DOMAINS if path.startswith(p)), None)
    assert prefix, f"{request.method} {path} answered {response.status_code} outside Twilio's API"
    host = DOMAINS[prefix][0]
    raw_path = request.url.raw_path.decode("ascii").partition("?")[0]  # still %-encoded: "/" in a name stays one segment
    if prefix.startswith(MESSAGING_PREFIX):
        raw_path = raw_path[len(MESSAGING_PREFIX):]  # Messaging v1's own paths, on its own host
    openapi_request = MockRequest(host, request.method, raw_path, args=dict(request.url.params))
    openapi_response = MockResponse(response.content, status_code=response.status_code,
                                    headers=dict(response.headers), content_type=ctype or None)
    specs()[prefix].validate_response(openapi_request, openapi_response)


async def validate_hook(response: httpx.Response) -> None:
    await response.aread()
    check_response(response)
