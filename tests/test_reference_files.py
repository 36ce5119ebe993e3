"""The copies of Twilio's reference files in tests/reference are the project's shared ones."""

from __future__ import annotations

from pathlib import Path

from tests.reference_files import ERROR_CODES, MESSAGING_SPEC, NUMBERS_SPEC, PROXY_SPEC, REFERENCE, reference

SHARED = Path(__file__).resolve().parents[2] / "shared" / "reference"


def test_reference_copies_are_twilios_descriptions():
    proxy, numbers, errors = reference(PROXY_SPEC), reference(NUMBERS_SPEC), reference(ERROR_CODES)
    messaging = reference(MESSAGING_SPEC)
    assert proxy["servers"] == [{"url": "https://proxy.twilio.com"}]
    assert "/v1/Services/{ServiceSid}/PhoneNumbers" in proxy["paths"]
    assert "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json" in numbers["paths"]
    assert messaging["servers"] == [{"url": "https://messaging.twilio.com"}]
    assert "/v1/Services/{ServiceSid}/PhoneNumbers" in messaging["paths"]
    assert {e["code"] for e in errors["proxy"]} >= {80101, 80622, 80611}


def test_reference_copies_match_the_shared_ones():
    """Where the project's shared reference sits beside the repo (CI, developers), the copies equal it."""
    names = sorted(p.name for p in REFERENCE.iterdir())
    assert names == sorted([PROXY_SPEC, NUMBERS_SPEC, MESSAGING_SPEC, ERROR_CODES, "README.md"])
    if SHARED.is_dir():
        for name in names:
            assert (REFERENCE / name).read_bytes() == (SHARED / name).read_bytes(), f"{name} differs from {SHARED}"
