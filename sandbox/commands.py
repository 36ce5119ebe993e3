"""`proxy-pool sandbox init|show|serve`: make, summarise and serve sandbox files.

build_sandbox() is the one way a sandbox file gets made: this command, the app's
first run (the default sandbox) and the HTTP server's reset all call it.
Every failure reaches the user as one line, `proxy-pool: error: ...`, and exit 1.
"""

from __future__ import annotations

import os
import random
import sys
from argparse import Namespace
from pathlib import Path

from sandbox import store
from sandbox.account import SandboxAccount
from tui.core.errors import ProxyError
from tui.core.resources import RESERVED_LIMIT, UNRESERVED_LIMIT

KINDS = ("demo", "empty", "scale")


class CommandError(Exception):
    """A user-facing failure: the message is printed as is."""


def build_sandbox(path: str | Path, *, kind: str, seed: int = 7, scale: int | None = None,
                  overwrite: bool = False) -> SandboxAccount:
    """Create the sandbox file at `path` and fill it: "demo", "empty" or "scale" (`scale` full pools).

    Returns the open account (the caller closes it). Raises StoreError (a ProxyError)
    when the file cannot be made, and ValueError for a bad kind or scale.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown sandbox kind {kind!r} (one of {', '.join(KINDS)})")
    if kind == "scale" and (scale is None or scale < 1):
        raise ValueError(f"--scale needs a number of Services of at least 1, not {scale}")
    path = Path(path)
    if overwrite and path.exists():
        # build beside it, then swap it in: a failure on the way (a full disk) keeps the old sandbox
        store.read_json_file(path, store.FORMAT)  # refuse a foreign file before any work
        probe = store.SandboxLock(path)
        probe.acquire()  # and one another process holds (SandboxInUse names it)
        probe.release()
        built = path.with_name(f".{path.name}.building-{os.getpid()}")
        try:
            _build(built, kind, seed, scale).close()
            store.install(built, path)
        finally:
            store.discard(built)
        return SandboxAccount.open(path)
    return _build(path, kind, seed, scale)


def _build(path: Path, kind: str, seed: int, scale: int | None) -> SandboxAccount:
    origin = {"kind": kind, "seed": seed, "scale": scale if kind == "scale" else None}
    # the seeded generator makes the account's SIDs repeatable too
    account = SandboxAccount.create(path, origin=origin, rng=random.Random(seed))
    try:
        if kind == "demo":
            from sandbox.demo import populate_demo

            populate_demo(account, seed)
        elif kind == "scale":
            from sandbox.scale import populate_scale

            populate_scale(account, scale, seed)
    except BaseException:
        account.close()
        store.discard(path)  # never leave a half-made sandbox behind
        raise
    return account


# -- the command --------------------------------------------------------------------

def run(args: Namespace) -> int:
    """Run one `proxy-pool sandbox ...` action; 0 on success, 1 with a one-line error."""
    actions = {"init": _init, "show": _show, "serve": _serve}
    try:
        return actions[args.sandbox_command](args)
    except (CommandError, ValueError) as exc:
        return _fail(str(exc))
    except ProxyError as exc:  # StoreError, SandboxInUse: the message names the file and the cause
        return _fail(exc.message)
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        return _fail(f"cannot use{where}: {exc.strerror or exc}")
    except KeyboardInterrupt:
        return _fail("interrupted")


def _fail(message: str) -> int:
    print(f"proxy-pool: error: {' '.join(message.split())}", file=sys.stderr)
    return 1


def _check_path(path: Path) -> None:
    if path.is_dir():
        raise CommandError(f"{path} is a folder, not a sandbox file")


def _init(args: Namespace) -> int:
    path = Path(args.path)
    _check_path(path)
    kind = "empty" if args.empty else "scale" if args.scale is not None else "demo"
    account = build_sandbox(path, kind=kind, seed=args.seed, scale=args.scale, overwrite=args.force)
    try:
        services = len(account.service_doc)
        pooled = len(account.pool_of)
        owned = len(account.number_doc)
    finally:
        account.close()
    what = {"demo": "demo", "empty": "empty", "scale": f"scale ({args.scale} full pools)"}[kind]
    print(f"Created {what} sandbox {path}: {services} Service{'s' if services != 1 else ''}, "
          f"{pooled:,} pool numbers, {owned:,} owned numbers (seed {args.seed}).")
    print(f"Summary: proxy-pool sandbox show {path}    Open it: proxy-pool --sandbox {path}")
    return 0


def _show(args: Namespace) -> int:
    path = Path(args.path)
    _check_path(path)
    account = SandboxAccount.open(path)
    try:
        print(summary(account))
    finally:
        account.close()
    return 0


def _serve(args: Namespace) -> int:
    try:
        from sandbox.server import serve_command
    except ModuleNotFoundError as exc:
        if exc.name != "sandbox.server":
            raise
        raise CommandError("sandbox serve is not available in this build") from None
    return serve_command(args)


# -- the summary ----------------------------------------------------------------------

def _warn_mark() -> str:
    """⚠ where the terminal can print it, ! where it cannot."""
    try:
        "⚠".encode(sys.stdout.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return "!"
    return "⚠"


def summary(account: SandboxAccount) -> str:
    """A per-Service table: numbers, reserved and unreserved against Twilio's limits."""
    mark = _warn_mark()
    services = []
    token = None
    while True:
        page = account.list_services(100, token)
        services.extend(page.items)
        token = page.next_token
        if not token:
            break
    rows = [("Service (unique name)", "SID", "Numbers", f"Reserved / {RESERVED_LIMIT:,}",
             f"Unreserved / {UNRESERVED_LIMIT:,}")]
    warned = False
    for service in services:
        stats = account.pool_stats(service.sid)
        reserved = f"{stats.reserved:,}" + (f" {mark}" if stats.reserved_warning else "")
        unreserved = f"{stats.unreserved:,}" + (f" {mark}" if stats.unreserved_warning else "")
        warned = warned or stats.warning
        rows.append((service.unique_name, service.sid, f"{stats.total:,}", reserved, unreserved))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    right = (False, False, True, True, True)

    def line(row: tuple[str, ...]) -> str:
        cells = [c.rjust(w) if r else c.ljust(w) for c, w, r in zip(row, widths, right, strict=True)]
        return "  ".join(cells).rstrip()

    meta = account.meta
    origin = meta.get("origin") or {}
    spare = [sid for sid in account.number_doc if sid not in account.pool_of]
    in_messaging = sum(1 for sid in spare if account.get_account_number(sid).messaging_service_sid)
    out = [
        f"Sandbox {account.path}",
        f"Account {account.account_sid}  ({origin.get('kind', 'unknown')} sandbox"
        + (f", seed {origin['seed']}" if origin.get("seed") is not None else "") + ")",
        "",
    ]
    if services:
        out.append(line(rows[0]))
        out.append("  ".join("-" * w for w in widths))
        out.extend(line(row) for row in rows[1:])
    else:
        out.append("No Services.")
    out.append("")
    out.append(f"{len(services)} Service{'s' if len(services) != 1 else ''}; "
               f"{len(spare):,} owned number{'s' if len(spare) != 1 else ''} in no pool"
               + (f" ({in_messaging} in a Messaging Service)" if in_messaging else "") + ".")
    if warned:
        out.append(f"{mark} at or above 85 % of Twilio's limit (warning 80624).")
    return "\n".join(out)


__all__ = ["build_sandbox", "run", "summary"]
