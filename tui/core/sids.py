"""Twilio's SIDs: a two-letter prefix and 32 hex digits (AC account, KS Service, PN number, ...)."""

from __future__ import annotations

import re
from typing import Any

_SID_RE = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")


def is_sid(value: object, prefix: str) -> bool:
    """True when value is `prefix` followed by 32 hex digits (Twilio's SID form)."""
    return isinstance(value, str) and value.startswith(prefix) and bool(_SID_RE.match(value))


def new_sid(prefix: str, rng: Any = None) -> str:
    """A fresh SID; `rng` (a random.Random) makes it deterministic for demo data."""
    if rng is not None:
        return prefix + f"{rng.getrandbits(128):032x}"
    import secrets  # here: with hmac and hashlib, ~2 ms of a launch that makes no SID

    return prefix + secrets.token_hex(16)


def mask_sid(sid: str | None) -> str:
    """A SID shown as its prefix and last 4 characters: AC…1a2b."""
    if not sid:
        return ""
    return f"{sid[:2]}…{sid[-4:]}" if len(sid) > 6 else sid
