"""Live credentials and hosts, read the way Twilio's own tools read them.

- Environment: TWILIO_ACCOUNT_SID with TWILIO_API_KEY and TWILIO_API_SECRET (or
  TWILIO_API_KEY_SECRET), or with TWILIO_AUTH_TOKEN. An API key wins when both are
  set, as in twilio-cli (it is the narrower credential).
- `--profile NAME`: a twilio-cli profile in ~/.twilio-cli/config.json. Current
  twilio-cli keeps the key and secret there ("profiles"); older versions kept the
  secret in the system keychain ("projects"), which this app does not read: it says so.
- TWILIO_REGION / TWILIO_EDGE rewrite the hosts exactly as twilio-python's
  ClientBase.get_hostname does; `--base-url` / PROXY_POOL_BASE_URL replace both hosts.

Nothing here writes credentials anywhere, and no secret reaches a message or a repr.
No Textual here (below the seam).
"""

from __future__ import annotations

import ipaddress
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tui.core.sids import is_sid, mask_sid
from tui.core.wire import API_BASE_URL, PROXY_BASE_URL

ENV_VARS = "set TWILIO_ACCOUNT_SID with TWILIO_API_KEY and TWILIO_API_SECRET (or TWILIO_AUTH_TOKEN)"
ENV_HELP = f"{ENV_VARS}, or use --profile NAME for a twilio-cli profile; --sandbox PATH works offline"


class CredentialsError(Exception):
    """The live backend cannot start: a one-line message saying what to set. Never holds a secret."""


@dataclass(frozen=True)
class Credentials:
    """Who we are to Twilio: the account, the Basic-auth username (AC… or SK…) and its secret."""

    account_sid: str
    username: str
    secret: str = field(repr=False)
    region: str | None = None
    edge: str | None = None
    source: str = "environment"

    def __repr__(self) -> str:
        return (f"Credentials(account_sid={mask_sid(self.account_sid)!r}, username={mask_sid(self.username)!r}, "
                f"source={self.source!r}, region={self.region!r}, edge={self.edge!r})")

    __str__ = __repr__


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _checked(account_sid: str | None, username: str | None, secret: str | None, *, where: str,
             key_name: str, secret_name: str) -> tuple[str, str, str]:
    """Validate the three parts; messages name the setting, never its secret value."""
    if not account_sid:
        raise CredentialsError(f"No Twilio account SID in {where}: {ENV_HELP}.")
    if not is_sid(account_sid, "AC"):
        raise CredentialsError(f"The account SID in {where} is not AC followed by 32 hex digits: {ENV_HELP}.")
    if not username or not is_sid(username, "AC" if username.startswith("AC") else "SK"):
        raise CredentialsError(f"{key_name} in {where} is not an API key SID (SK followed by 32 hex digits).")
    if not secret:
        raise CredentialsError(f"{key_name} is set in {where} but its secret is not: set {secret_name}.")
    return account_sid, username, secret


def from_environment(env: Mapping[str, str] | None = None) -> Credentials:
    env = os.environ if env is None else env
    account_sid = _clean(env.get("TWILIO_ACCOUNT_SID"))
    api_key = _clean(env.get("TWILIO_API_KEY"))
    token = _clean(env.get("TWILIO_AUTH_TOKEN"))
    region, edge = _clean(env.get("TWILIO_REGION")), _clean(env.get("TWILIO_EDGE"))
    if not account_sid and not api_key and not token:
        raise CredentialsError(f"No Twilio credentials: {ENV_HELP}.")
    if api_key:
        secret = _clean(env.get("TWILIO_API_SECRET")) or _clean(env.get("TWILIO_API_KEY_SECRET"))
        sid, user, secret = _checked(account_sid, api_key, secret, where="the environment",
                                     key_name="TWILIO_API_KEY",
                                     secret_name="TWILIO_API_SECRET (or TWILIO_API_KEY_SECRET)")
    else:
        if not token:
            raise CredentialsError(
                "TWILIO_ACCOUNT_SID is set but no secret is: set TWILIO_AUTH_TOKEN, or TWILIO_API_KEY "
                "and TWILIO_API_SECRET."
            )
        sid, user, secret = _checked(account_sid, account_sid, token, where="the environment",
                                     key_name="TWILIO_ACCOUNT_SID", secret_name="TWILIO_AUTH_TOKEN")
    return Credentials(sid, user, secret, region=region, edge=edge, source="environment")


def twilio_cli_config_path() -> Path:
    return Path.home() / ".twilio-cli" / "config.json"


def from_profile(name: str, *, config_path: Path | None = None,
                 env: Mapping[str, str] | None = None) -> Credentials:
    """A twilio-cli profile. Region comes from the profile, edge from TWILIO_EDGE or the config (as twilio-cli)."""
    env = os.environ if env is None else env
    path = config_path or twilio_cli_config_path()
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CredentialsError(
            f"No twilio-cli configuration at {path} (profile {name!r}): run `twilio profiles:create`, "
            f"or {ENV_VARS} instead."
        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise CredentialsError(f"Cannot read the twilio-cli configuration {path}: {reason}.") from None
    if not isinstance(config, dict):
        raise CredentialsError(f"The twilio-cli configuration {path} is not a JSON object.")
    edge = _clean(env.get("TWILIO_EDGE")) or _clean(config.get("edge") if isinstance(config.get("edge"), str)
                                                     else None)
    profiles = config.get("profiles") if isinstance(config.get("profiles"), dict) else {}
    legacy = [p for p in config.get("projects") or [] if isinstance(p, dict)]
    profile = profiles.get(name)
    if isinstance(profile, dict):
        sid, user, secret = _checked(
            _clean(profile.get("accountSid")), _clean(profile.get("apiKey")), _clean(profile.get("apiSecret")),
            where=f"twilio-cli profile {name!r}", key_name="apiKey", secret_name="apiSecret (twilio profiles:create)",
        )
        return Credentials(sid, user, secret, region=_clean(profile.get("region")), edge=edge,
                           source=f"twilio-cli profile {name!r}")
    old = next((p for p in legacy if p.get("id") == name), None)
    if old is not None:
        sid = old.get("accountSid") or ""
        shown = mask_sid(sid) if is_sid(sid, "AC") else "your account SID"
        raise CredentialsError(
            f"twilio-cli profile {name!r} keeps its secret in the system keychain, which proxy-pool does not "
            f"read: set TWILIO_ACCOUNT_SID ({shown}) with TWILIO_API_KEY and TWILIO_API_SECRET, "
            f"or re-create the profile with `twilio profiles:create`."
        )
    known = sorted(set(profiles) | {str(p.get("id")) for p in legacy if p.get("id")})
    listed = ", ".join(known) if known else "none"
    raise CredentialsError(f"No twilio-cli profile named {name!r} in {path} (profiles there: {listed}).")


def load_credentials(profile: str | None = None, env: Mapping[str, str] | None = None, *,
                     config_path: Path | None = None) -> Credentials:
    """--profile first (as twilio-cli's -p), else the environment."""
    if profile:
        return from_profile(profile, config_path=config_path, env=env)
    return from_environment(env)


# -- hosts ---------------------------------------------------------------------------

def regional_url(url: str, region: str | None, edge: str | None) -> str:
    """twilio-python's ClientBase.get_hostname: product[.edge][.region].twilio.com.

    An edge without a region means region us1; a host that already names an edge or
    region keeps the one the settings do not override.
    """
    if not edge and not region:
        return url
    parts = urlsplit(url)
    pieces = parts.netloc.split(".")
    prefix, suffix = pieces[0], ".".join(pieces[-2:])
    host_region = host_edge = None
    if len(pieces) == 4:  # product.region.twilio.com
        host_region = pieces[1]
    elif len(pieces) == 5:  # product.edge.region.twilio.com
        host_edge, host_region = pieces[1], pieces[2]
    edge = edge or host_edge
    region = region or host_region or (edge and "us1")
    netloc = ".".join(p for p in (prefix, edge, region, suffix) if p)
    return urlunsplit(parts._replace(netloc=netloc))


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(url: str) -> str:
    """A --base-url the credentials may be sent to: http(s), a host, no userinfo, query or fragment.

    Plain http only to a loopback address (the sandbox server), so a secret never crosses a network unencrypted.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CredentialsError(f"--base-url must be an http(s) URL with a host, like http://127.0.0.1:8765 "
                               f"(got {parts.scheme or 'no scheme'}).")
    if parts.username or parts.password:
        raise CredentialsError("--base-url must not contain a user name or password: set credentials in the "
                               "environment instead.")
    if parts.query or parts.fragment:
        raise CredentialsError("--base-url must not have a query or fragment.")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise CredentialsError(f"--base-url uses plain http to {parts.hostname}: use https, or a loopback "
                               f"address (127.0.0.1, localhost) for a local sandbox server.")
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


@dataclass(frozen=True)
class Hosts:
    """Where the two APIs live: Proxy v1 and the 2010 API (the account's numbers)."""

    proxy: str = PROXY_BASE_URL
    api: str = API_BASE_URL
    overridden: bool = False

    @classmethod
    def resolve(cls, region: str | None = None, edge: str | None = None, base_url: str | None = None) -> Hosts:
        if base_url:
            base = check_base_url(base_url)
            return cls(proxy=base, api=base, overridden=True)
        return cls(proxy=regional_url(PROXY_BASE_URL, region, edge), api=regional_url(API_BASE_URL, region, edge))


# -- trusting a server with its own certificate (a class's sandbox server) -------------------

def check_pin(pin: str) -> str:
    """A SHA-256 certificate fingerprint as 64 hex digits (colons and case as the user likes)."""
    digits = pin.replace(":", "").replace(" ", "").lower()
    if len(digits) != 64 or any(c not in "0123456789abcdef" for c in digits):
        raise CredentialsError("--pin must be a SHA-256 fingerprint: 64 hex digits (colons allowed), as "
                               "proxy-pool sandbox serve prints it.")
    return digits


def check_ca_file(path: str) -> str:
    file = Path(path).expanduser()
    if not file.is_file():
        raise CredentialsError(f"--ca-file {path}: no such file (the PEM certificate the server's trainer gave).")
    return str(file)
