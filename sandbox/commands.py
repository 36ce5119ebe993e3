"""`proxy-pool sandbox init|show|serve`: make, summarise and serve sandbox files.

Sandboxes are made by sandbox/build.py, served by sandbox/server/. Every failure reaches the
user as one line, `proxy-pool: error: ...`, and exit 1.
"""

from __future__ import annotations

import contextlib
import copy
import socket
import sys
from argparse import Namespace
from collections.abc import Iterator
from pathlib import Path

from sandbox.account import SandboxAccount
from sandbox.backend import SandboxBackend
from sandbox.build import build_sandbox
from tui.core.errors import ProxyError
from tui.core.resources import RESERVED_LIMIT, UNRESERVED_LIMIT


class CommandError(Exception):
    """A user-facing failure: the message is printed as is."""


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
        services, pooled, owned = account.counts()
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
    """Serve the sandbox at args.path on args.host:args.port until SIGINT/SIGTERM."""
    try:
        import uvicorn

        from sandbox.server.app import create_app
    except ModuleNotFoundError as exc:
        raise CommandError(f"sandbox serve is not available in this build ({exc.name})") from None

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            with super().capture_signals():
                yield
                # uvicorn re-raises the signal after its graceful stop; we have stopped cleanly
                # and still need to release the sandbox, so the process exits 0 instead
                getattr(self, "_captured_signals", []).clear()

    backend = SandboxBackend(args.path)  # a ProxyError (locked, corrupt, missing) is one line
    try:
        try:
            sock = listen(args.host, args.port)
        except OSError as exc:
            raise CommandError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
        port = sock.getsockname()[1]
        app = create_app(backend, public_url=args.public_url)
        print(f"Serving sandbox {backend.path} at {base_url(args.host, port)}")
        print(f"TWILIO_ACCOUNT_SID={backend.account_sid}")
        print(f"TWILIO_AUTH_TOKEN={backend.account.meta['auth_token']}")
        # each Twilio domain's base, one line each (client.proxy / .api / .messaging.base_url)
        for name, url in domain_base_urls(args.public_url or base_url(args.host, port)).items():
            print(f"{name}={url}")
        sys.stdout.flush()
        if args.public_url:
            print(f"links point at {args.public_url}", file=sys.stderr)
        print("Press Ctrl+C to stop.", file=sys.stderr, flush=True)
        # uvicorn's own log config, with the access log moved to stderr: stdout holds only the
        # lines above (a script can read them); the access log shows no headers, so no credential
        log_config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
        log_config["handlers"]["access"]["stream"] = "ext://sys.stderr"
        config = uvicorn.Config(app, lifespan="off", log_level="info", access_log=True, log_config=log_config,
                                timeout_graceful_shutdown=5)
        with contextlib.suppress(KeyboardInterrupt):
            Server(config).run(sockets=[sock])
        sock.close()
        return 0
    finally:
        backend.close()  # waits for an operation in flight, then releases the sandbox lock


def listen(host: str, port: int) -> socket.socket:
    """A bound listening socket for the server (port 0: a free one)."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                         flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock


def base_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def domain_base_urls(base: str) -> dict[str, str]:
    """The base URL of each Twilio domain the server answers as (Messaging v1 under its prefix)."""
    from tui.core.wire import MESSAGING_PREFIX

    base = base.rstrip("/")
    return {"TWILIO_PROXY_BASE_URL": base, "TWILIO_API_BASE_URL": base,
            "TWILIO_MESSAGING_BASE_URL": base + MESSAGING_PREFIX}


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
    services = account.services()
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
    spare = account.spare_numbers()
    in_messaging = sum(1 for n in spare if n.messaging_service_sid)
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


