"""Twilio's reference files the tests check against, kept in tests/reference/.

They are copies of the project's shared reference (Twilio's official OpenAPI descriptions of Proxy v1 and
of IncomingPhoneNumbers and Messaging v1 Services, twilio/twilio-oai tag 2.6.7, MIT; and Twilio's public error catalogue trimmed to
the codes a Proxy client meets), so the suite runs from a plain clone. A test fails if one matches
../shared/reference no longer (see test_reference_copies_match_the_shared_ones).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

REFERENCE = Path(__file__).resolve().parent / "reference"
PROXY_SPEC = "twilio_proxy_v1.json"
NUMBERS_SPEC = "twilio_api_v2010_incoming_phone_numbers.json"
MESSAGING_SPEC = "twilio_messaging_v1_services.json"
ERROR_CODES = "twilio-error-codes.json"


@functools.cache
def reference(name: str) -> dict[str, Any]:
    """One reference file, parsed (callers must not mutate it: copy first)."""
    return json.loads((REFERENCE / name).read_text())
