"""A sandbox copied from a live account: `proxy-pool sandbox init PATH --from-live`.

Reads through the seam only (the CLI hands in a LiveBackend; the sandbox never imports the live
client), and only reads: the account's Proxy Services with their settings, every pool number with
its reservation, and the account's own numbers. Sessions are not copied: they carry people's
numbers. The copy is a new account with its own SID and auth token (random, never the live ones);
the live credentials are never written. Number SIDs stay the live ones, so a trainer can tell
which is which; Services get the copy's own SIDs (a sandbox makes them).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sandbox.account import SandboxAccount
from sandbox.build import build_with
from tui.core.errors import ProxyError
from tui.core.resources import AccountNumber, PhoneNumber, Service
from tui.core.seam import Backend, all_items
from tui.core.sids import mask_sid

SERVICE_SETTINGS = ("default_ttl", "number_selection_behavior", "geo_match_level", "callback_url",
                    "intercept_callback_url", "out_of_session_callback_url", "chat_instance_sid")


@dataclass(frozen=True, slots=True)
class Copied:
    services: int
    pooled: int
    owned: int


def _capabilities(number: AccountNumber | PhoneNumber) -> dict[str, bool]:
    c = number.capabilities
    return {"voice": c.voice, "sms": c.sms, "mms": c.mms, "fax": c.fax}


async def read_live(source: Backend, progress: Callable[[str], None]) -> tuple[
        list[AccountNumber], list[tuple[Service, list[PhoneNumber]]]]:
    """Everything the copy needs, read (and only read) from `source`."""
    progress(f"Reading the account {mask_sid(source.account_sid)}'s numbers…")
    owned = await all_items(source.list_account_numbers)
    progress(f"  {len(owned):,} numbers. Reading its Proxy Services…")
    services = await all_items(source.list_services)
    pools = []
    for i, service in enumerate(services, start=1):
        numbers = await all_items(source.list_numbers, service.sid)
        progress(f"  Service {i}/{len(services)} {service.unique_name}: {len(numbers):,} pool numbers")
        pools.append((service, numbers))
    return owned, pools


def write_copy(account: SandboxAccount, owned: list[AccountNumber],
               pools: list[tuple[Service, list[PhoneNumber]]], progress: Callable[[str], None]) -> None:
    specs: dict[str, dict[str, Any]] = {}
    for n in owned:
        # (Messaging Service membership is not on IncomingPhoneNumbers: Twilio keeps it in Messaging v1)
        specs[n.sid] = {"sid": n.sid, "phone_number": n.phone_number, "friendly_name": n.friendly_name,
                        "capabilities": _capabilities(n)}
    for _, numbers in pools:  # a pool number the owned list did not show (it should): owned in the copy too
        for n in numbers:
            specs.setdefault(n.sid, {"sid": n.sid, "phone_number": n.phone_number, "friendly_name": n.friendly_name,
                                     "capabilities": _capabilities(n)})
    if specs:
        account.buy_numbers(list(specs.values()))
    for service, numbers in pools:
        fields = {name: getattr(service, name) for name in SERVICE_SETTINGS if getattr(service, name) is not None}
        try:
            copy = account.create_service(service.unique_name, **fields)
        except ProxyError as exc:  # a setting the sandbox does not take (outside the spec): say so, keep the rest
            progress(f"  {service.unique_name}: {exc.message}; copied with the sandbox's defaults for it")
            copy = account.create_service(service.unique_name, default_ttl=service.default_ttl)
        account.add_numbers_bulk(copy.sid, [(n.sid, n.is_reserved) for n in numbers])


async def copy_account(source: Backend, path: Path, *, overwrite: bool = False,
                       progress: Callable[[str], None] = lambda line: None) -> Copied:
    """Copy the live account behind `source` into a new sandbox at `path` (see the module)."""
    owned, pools = await read_live(source, progress)
    origin = {"kind": "copy", "source": mask_sid(source.account_sid),
              "copied": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}

    def make(target: Path) -> SandboxAccount:
        # a fresh generator: the copy's account SID and token are its own, random
        account = SandboxAccount.create(target, origin=origin, rng=random.Random())
        try:
            write_copy(account, owned, pools, progress)
        except BaseException:
            account.close()
            from sandbox import files

            files.discard(target)
            raise
        return account

    progress(f"Writing the sandbox {path}…")
    account = build_with(path, make, overwrite=overwrite)
    try:
        services, pooled, count = account.counts()
    finally:
        account.close()
    return Copied(services, pooled, count)
