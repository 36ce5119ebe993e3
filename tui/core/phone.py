"""Phone numbers: E.164 parsing, the ISO country, Twilio's number type, a form for people.

phonenumbers is imported inside the functions that use it: it costs 25-40 ms, and the app's
first screen (and the sandbox's open) needs no phone-number parsing.
"""

from __future__ import annotations


class InvalidNumber(ValueError):
    """Text that is not a valid phone number."""


def parse_e164(text: str, region: str | None = None) -> str:
    """The E.164 form of `text`, or InvalidNumber.

    Strict E.164 (a leading +) unless a default `region` is given for national input.
    """
    raw = (text or "").strip()
    if not raw:
        raise InvalidNumber("empty phone number")
    if region is None and not raw.startswith("+"):
        raise InvalidNumber(f"{raw!r} is not in E.164 form (it must start with + and the country code)")
    import phonenumbers

    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidNumber(f"{raw!r} is not a phone number: {exc._msg}") from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidNumber(f"{raw!r} is not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def iso_country(e164: str) -> str | None:
    """The ISO country of a number (shared dialling codes resolve to the real region)."""
    import phonenumbers

    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(e164, None)) or None
    except phonenumbers.NumberParseException:
        return None


def number_type(e164: str) -> str:
    """Twilio's IncomingPhoneNumber `type`: local, mobile or toll-free."""
    import phonenumbers

    try:
        kind = phonenumbers.number_type(phonenumbers.parse(e164, None))
    except phonenumbers.NumberParseException:
        return "local"
    if kind == phonenumbers.PhoneNumberType.TOLL_FREE:
        return "toll-free"
    return "mobile" if kind == phonenumbers.PhoneNumberType.MOBILE else "local"


def format_international(e164: str) -> str:
    """+14155550100 -> +1 415-555-0100, for people; the wire keeps E.164."""
    import phonenumbers

    try:
        return phonenumbers.format_number(
            phonenumbers.parse(e164, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
    except phonenumbers.NumberParseException:
        return e164
