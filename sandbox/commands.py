"""`proxy-pool sandbox init|show|serve|scenarios|reset`: make, summarise, serve and reset sandbox files.

Sandboxes are made by sandbox/build.py (scenarios: sandbox/scenarios.py; a copy of a live account:
sandbox/copy.py, handed its source by the CLI), served by sandbox/server/ (a class: classroom.py,
TLS beyond this machine: tls.py). Every failure reaches the user as one line,
`proxy-pool: error: ...`, and exit 1.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import signal
import socket
import sys
from argparse import Namespace
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sandbox.account import SandboxAccount
from sandbox.backend import SandboxBackend
from sandbox.build import build_sandbox, rebuild
from sandbox.store import SandboxFiles
from tui.core.errors import ProxyError
from tui.core.resources import RESERVED_LIMIT, UNRESERVED_LIMIT


class CommandError(Exception):
    """A user-facing failure: the message is printed as is."""


# -- the command --------------------------------------------------------------------

def run(args: Namespace, source: Any = None) -> int:
    """Run one `proxy-pool sandbox ...` action; 0 on success, 1 with a one-line error.
    `source`: the live backend `init --from-live` copies (the CLI opens it: the sandbox never
    imports the live client)."""
    actions = {"init": _init, "show": _show, "serve": _serve, "scenarios": _scenarios, "reset": _reset}
    try:
        if getattr(args, "from_live", False):
            return _init_from_live(args, source)
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


def _kind(args: Namespace) -> str:
    if getattr(args, "scenario", None):
        return "scenario"
    return "empty" if args.empty else "scale" if args.scale is not None else "demo"


def _init(args: Namespace) -> int:
    path = Path(args.path)
    _check_path(path)
    kind = _kind(args)
    account = build_sandbox(path, kind=kind, seed=args.seed, scale=args.scale, overwrite=args.force,
                            scenario=getattr(args, "scenario", None))
    try:
        services, pooled, owned = account.counts()
    finally:
        account.close()
    what = {"demo": "demo", "empty": "empty", "scale": f"scale ({args.scale} full pools)",
            "scenario": f"scenario {getattr(args, 'scenario', None)}"}[kind]
    print(f"Created {what} sandbox {path}: {services} Service{'s' if services != 1 else ''}, "
          f"{pooled:,} pool numbers, {owned:,} owned numbers (seed {args.seed}).")
    print(f"Summary: proxy-pool sandbox show {path}    Open it: proxy-pool --sandbox {path}")
    return 0


def _scenarios(args: Namespace) -> int:
    from sandbox.scenarios import SCENARIOS

    width = max(len(name) for name in SCENARIOS)
    for scenario in SCENARIOS.values():
        print(f"{scenario.name.ljust(width)}  {scenario.summary}")
    print("\nBuild one: proxy-pool sandbox init PATH --scenario NAME [--seed N]")
    return 0


def _reset(args: Namespace) -> int:
    """The sandbox at PATH (or every trainee's of a class folder) made again in its seeded state."""
    path = Path(args.path)
    targets = sorted(path.glob("trainee-*.json")) if path.is_dir() else [path]
    if not targets:
        raise CommandError(f"{path} is a folder with no trainee sandboxes (trainee-01.json, ...)")
    for target in targets:
        origin = dict(files_meta(target).get("origin") or {"kind": "empty"})
        account = rebuild(target, origin)
        try:
            services, pooled, owned = account.counts()
        finally:
            account.close()
        what = origin.get("scenario") or origin.get("kind")
        print(f"Reset {target} to its seeded state ({what}, seed {origin.get('seed', 7)}): "
              f"{services} Service{'s' if services != 1 else ''}, {pooled:,} pool numbers, {owned:,} owned numbers.")
    return 0


def files_meta(path: Path) -> dict[str, Any]:
    """A sandbox's meta (its SID, its origin), read without the lock."""
    from sandbox.files import FORMAT, META, read_json_file

    return dict(read_json_file(path, FORMAT)[META]["1"])


def _init_from_live(args: Namespace, source: Any) -> int:
    import asyncio

    from sandbox.copy import copy_account

    path = Path(args.path)
    _check_path(path)
    if source is None:
        raise CommandError("--from-live needs live credentials (TWILIO_ACCOUNT_SID with a token or key)")

    def progress(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    copied = asyncio.run(copy_account(source, path, overwrite=args.force, progress=progress))
    print(f"Copied the live account into sandbox {path}: {copied.services} Service"
          f"{'s' if copied.services != 1 else ''}, {copied.pooled:,} pool numbers, {copied.owned:,} owned numbers "
          f"(sessions are not copied). The copy has its own account SID and token.")
    print(f"Summary: proxy-pool sandbox show {path}    Open it: proxy-pool --sandbox {path}")
    return 0


def _show(args: Namespace) -> int:
    """A summary read without the writer's lock: it works while the app (or a server) has the sandbox."""
    from sandbox.files import holder

    path = Path(args.path)
    _check_path(path)
    pid = holder(path)
    account = SandboxAccount(SandboxFiles.snapshot(path))
    try:
        print(summary(account))
    finally:
        account.close()
    if pid is not None:
        who = f"process {pid}" if pid else "another process"
        print(f"(The sandbox is open in {who}; this view was read without its lock and may be a moment old.)")
    return 0


def _serve(args: Namespace) -> int:
    """Serve the sandbox at args.path on args.host:args.port until SIGINT/SIGTERM."""
    try:
        import uvicorn  # noqa: F401 - checked here: the build may lack it

        import sandbox.server.app  # noqa: F401
    except ModuleNotFoundError as exc:
        raise CommandError(f"sandbox serve is not available in this build ({exc.name})") from None

    with _early_stop() as stop:
        return _serve_class(args, stop) if getattr(args, "class_size", None) else _serve_one(args, stop)


class EarlyStop:
    """A SIGINT/SIGTERM that came before uvicorn took the signals over: kept, not raised at an
    arbitrary point, so a script that stops a server as soon as it printed its URL gets a clean
    shutdown, a released sandbox and exit 0."""

    def __init__(self) -> None:
        self.requested = False

    def __call__(self, signum: int, frame: Any) -> None:
        self.requested = True


@contextlib.contextmanager
def _early_stop() -> Iterator[EarlyStop]:
    stop = EarlyStop()
    before = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


def _serve_one(args: Namespace, stop: EarlyStop) -> int:
    """One sandbox file on one server."""
    from sandbox.server.app import create_app

    if getattr(args, "scenario", None) or getattr(args, "force", False):
        raise CommandError("--scenario and --force go with --class N (a class's sandboxes); to serve a scenario "
                           "alone, make it first: proxy-pool sandbox init PATH --scenario NAME")
    tls = _server_tls(args, Path(f"{args.path}.tls"))
    backend = SandboxBackend(args.path)  # a ProxyError (locked, corrupt, missing) is one line
    try:
        sock = _listen(args)
        port = sock.getsockname()[1]
        app = with_conditions(create_app(backend, public_url=args.public_url), args)
        url = base_url(args.host, port, tls is not None)
        print(f"Serving sandbox {backend.path} at {url}")
        print(f"TWILIO_ACCOUNT_SID={backend.account_sid}")
        print(f"TWILIO_AUTH_TOKEN={backend.account.meta['auth_token']}")
        # each Twilio domain's base, one line each (client.proxy / .api / .messaging.base_url)
        for name, domain_url in domain_base_urls(args.public_url or url).items():
            print(f"{name}={domain_url}")
        sys.stdout.flush()
        if args.public_url:
            print(f"links point at {args.public_url}", file=sys.stderr)
        _say_tls(tls)
        _run_server(app, sock, tls, stop)
        return 0
    finally:
        backend.close()  # waits for an operation in flight, then releases the sandbox lock


def with_conditions(app: Any, args: Namespace) -> Any:
    """The server behind --latency, --rate-limit and --fail, when any is given (said on stderr)."""
    from sandbox.server.conditions import Conditions, NetworkConditions

    mean, jitter = getattr(args, "latency", None) or (0.0, 0.0)
    conditions = Conditions(mean, jitter, getattr(args, "rate_limit", None), getattr(args, "fail", None) or 0.0,
                            getattr(args, "fail_seed", 0))
    if not conditions:
        return app
    print(f"Network conditions: {conditions.describe()}", file=sys.stderr, flush=True)
    return NetworkConditions(app, conditions)


def _listen(args: Namespace) -> socket.socket:
    try:
        return listen(args.host, args.port)
    except OSError as exc:
        raise CommandError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None


def _server_tls(args: Namespace, folder: Path) -> Any:
    from sandbox.server import tls

    return tls.for_server(args.host, getattr(args, "tls_cert", None), getattr(args, "tls_key", None), folder)


def _say_tls(tls: Any) -> None:
    """How trainees trust this server (stderr: stdout keeps the lines a script reads)."""
    if tls is None:
        return
    print(f"TLS certificate {tls.cert} ({tls.how})", file=sys.stderr)
    print(f"SHA-256 fingerprint {tls.fingerprint}", file=sys.stderr)
    print(f"Trust it in the app with --pin {tls.fingerprint.replace(':', '')} or --ca-file {tls.cert}",
          file=sys.stderr, flush=True)


def _run_server(app: Any, sock: socket.socket, tls: Any, stop: EarlyStop) -> None:
    """Serve `app` on `sock` (over TLS when given) until SIGINT/SIGTERM."""
    import uvicorn

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            with super().capture_signals():
                self.should_exit = self.should_exit or stop.requested  # a stop while starting
                print("Press Ctrl+C to stop.", file=sys.stderr, flush=True)
                yield
                # uvicorn re-raises the signal after its graceful stop; we have stopped cleanly
                # and still need to release the sandbox, so the process exits 0 instead
                getattr(self, "_captured_signals", []).clear()

    # uvicorn's own log config, with the access log moved to stderr: stdout holds only the
    # lines a script reads; the access log shows no headers, so no credential
    log_config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    log_config["handlers"]["access"]["stream"] = "ext://sys.stderr"
    config = uvicorn.Config(app, lifespan="off", http="httptools", log_level="info", access_log=True, log_config=log_config,
                            timeout_graceful_shutdown=5, **(tls.uvicorn_options() if tls else {}))
    from sandbox.server.conditions import QuietDrops

    logging.getLogger("uvicorn.error").addFilter(QuietDrops())  # --fail's drops: one line, no traceback
    Server(config).run(sockets=[sock])
    sock.close()


def _serve_class(args: Namespace, stop: EarlyStop) -> int:
    """N trainee accounts on one server (sandbox/server/classroom.py), a credentials table and its CSV."""
    from sandbox.server import classroom

    folder = Path(args.path)
    kind = "scenario" if getattr(args, "scenario", None) else "demo"
    tls = _server_tls(args, folder / "tls")
    paths, made = classroom.prepare(folder, args.class_size, kind=kind, scenario=getattr(args, "scenario", None),
                                    seed=args.seed, force=args.force)
    backends = classroom.open_class(paths)
    try:
        sock = _listen(args)
        url = args.public_url or base_url(args.host, sock.getsockname()[1], tls is not None)
        people = classroom.trainees(backends)
        csv_path = classroom.write_credentials(folder, people, url, tls.fingerprint if tls else None)
        what = getattr(args, "scenario", None) or "demo"
        print(f"Serving a class of {len(people)} ({what}, seed {args.seed}; "
              f"{'made now' if made else 'kept from before'}) from {folder} at {url}")
        print(classroom.credentials_table(people))
        for name, domain_url in domain_base_urls(url).items():  # the same for every trainee
            print(f"{name}={domain_url}")
        print(f"Credentials written to {csv_path}", flush=True)
        print(f"Each trainee: TWILIO_ACCOUNT_SID=… TWILIO_AUTH_TOKEN=… proxy-pool --live --base-url {url}"
              + (f" --pin {tls.fingerprint.replace(':', '')}" if tls else ""), file=sys.stderr)
        _say_tls(tls)
        _run_server(with_conditions(classroom.ClassRoom(backends, args.public_url), args), sock, tls, stop)
        return 0
    finally:
        for backend in backends:
            backend.close()


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


def base_url(host: str, port: int, tls: bool = False) -> str:
    scheme = "https" if tls else "http"
    return f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"


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


def _origin_label(origin: dict[str, Any]) -> str:
    if origin.get("kind") == "scenario":
        return f"scenario {origin.get('scenario')}"
    if origin.get("kind") == "copy":
        return f"copy of live account {origin.get('source', '')}, {origin.get('copied', '')}"
    return str(origin.get("kind", "unknown"))


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
        f"Account {account.account_sid}  ({_origin_label(origin)} sandbox"
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


