"""The `proxy-pool` command: argument parsing and the choice of backend.

    proxy-pool                         the app on the default sandbox (or live with credentials)
    proxy-pool --sandbox PATH          the app on a given sandbox file
    proxy-pool --live                  the app on the live Twilio API
    proxy-pool sandbox init|show|serve|scenarios|reset   manage sandbox files (and run a class)
    proxy-pool services list           the account's Services, for scripts (tui/commands.py)
    proxy-pool numbers list|add|reserve|unreserve|remove   a pool's numbers, for scripts
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from tui import __version__


def positive_int(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 1000:
        raise argparse.ArgumentTypeError("must be between 1 and 1000")
    return value


COMMANDS = ("sandbox", "services", "numbers")


class _NotTheAppsLine(Exception):
    """The app's parser alone cannot read this line (parse_args builds the whole one then)."""


class _AppParser(argparse.ArgumentParser):
    def error(self, message: str):  # type: ignore[override]
        raise _NotTheAppsLine(message)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line read. A line that only launches the app (no command word, no help asked) is
    read by the top-level parser alone: building the commands' parsers was ~9 ms of every launch.
    Anything that parser does not take whole (a command, an error, a stray word) is read by the
    whole parser, so help, errors and usage are exactly the whole parser's."""
    words = sys.argv[1:] if argv is None else list(argv)
    if not any(w in COMMANDS or w.startswith(("-h", "--h")) for w in words):
        try:
            return build_parser(commands=False).parse_args(words)
        except _NotTheAppsLine:
            pass
    return build_parser().parse_args(words)


def build_parser(commands: bool = True) -> argparse.ArgumentParser:
    """The whole parser; commands=False: the top level only (command None), which raises
    _NotTheAppsLine instead of printing an error."""
    parser = (argparse.ArgumentParser if commands else _AppParser)(
        prog="proxy-pool",
        description=(
            "Manage Twilio Proxy phone-number pools in the terminal: browse Services, page through "
            "pools, reserve, add and remove numbers, and see the pool limits before Twilio enforces them. "
            "Runs against the live Twilio API or an offline sandbox that behaves like Twilio."
        ),
        epilog=(
            "With no Twilio credentials in the environment the app opens the default sandbox "
            "(made with demo data on first run). Live credentials: TWILIO_ACCOUNT_SID with "
            "TWILIO_AUTH_TOKEN, or with TWILIO_API_KEY and TWILIO_API_SECRET."
        ),
    )
    parser.add_argument("--version", action="version", version=f"proxy-pool {__version__}")
    world = parser.add_mutually_exclusive_group()
    world.add_argument("--sandbox", metavar="PATH", help="open the sandbox file at PATH")
    world.add_argument("--live", action="store_true", help="use the live Twilio API (needs credentials)")
    parser.add_argument("--read-only", action="store_true",
                        help="browse only: no action that changes the account is available")
    parser.add_argument("--page-size", type=positive_int, default=50, metavar="N",
                        help="numbers per page in a pool (default 50)")
    parser.add_argument("--profile", metavar="NAME", help="read credentials from a twilio-cli profile (live)")
    parser.add_argument("--base-url", metavar="URL",
                        help="send live API calls to URL instead of Twilio's hosts (env PROXY_POOL_BASE_URL)")
    add_trust_options(parser)
    if not commands:
        parser.set_defaults(command=None)
        return parser

    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sandbox = sub.add_parser("sandbox", help="make, inspect and serve sandbox files",
                             description="Make, inspect and serve offline sandbox files.")
    ssub = sandbox.add_subparsers(dest="sandbox_command", metavar="ACTION", required=True)

    init = ssub.add_parser("init", help="create a sandbox file",
                           description="Create a sandbox file: a demo account, an empty one, or N full pools.")
    init.add_argument("path", metavar="PATH")
    kind = init.add_mutually_exclusive_group()
    kind.add_argument("--demo", action="store_true", help="a realistic demo account (the default)")
    kind.add_argument("--empty", action="store_true", help="an account with no Services")
    kind.add_argument("--scale", type=int, metavar="N",
                      help="N Services, each with a full pool (500 unreserved + 5,000 reserved)")
    kind.add_argument("--scenario", metavar="NAME",
                      help="a training scenario (proxy-pool sandbox scenarios lists them)")
    kind.add_argument("--from-live", action="store_true",
                      help="copy the live account's Services, pools and numbers (not its sessions); "
                           "credentials as the app reads them")
    init.add_argument("--seed", type=int, default=7, help="seed for the generated data (default 7)")
    init.add_argument("--force", action="store_true", help="replace an existing sandbox file at PATH")
    add_live_source_options(init)

    show = ssub.add_parser("show", help="summarise a sandbox file",
                           description="Print a per-Service summary of a sandbox file.")
    show.add_argument("path", metavar="PATH")

    serve = ssub.add_parser("serve", help="serve a sandbox over HTTP in Twilio's wire format",
                            description="Serve a sandbox file over HTTP, in Twilio's exact wire format.")
    serve.add_argument("path", metavar="PATH")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8765, help="port to bind (default 8765)")
    serve.add_argument("--public-url", metavar="URL", help="base URL to put in links (default: the request's host)")
    add_class_options(serve)
    add_network_options(serve)

    ssub.add_parser("scenarios", help="list the training scenarios",
                    description="List the training scenarios, one line each.")
    reset = ssub.add_parser("reset", help="reset a sandbox (or a class folder) to its seeded state",
                            description="Make a sandbox again in its seeded state (its scenario or demo, "
                                        "the same seed, the same SIDs and credentials); a class folder: "
                                        "every trainee's.")
    reset.add_argument("path", metavar="PATH")
    add_script_commands(sub)
    return parser


def add_script_commands(sub: argparse._SubParsersAction) -> None:
    """`services` and `numbers`: the pool for scripts (tui/commands.py), with the app's world flags."""
    from tui.commands import add_parsers

    add_parsers(sub)


# -- a training class: trust of a TLS server, serving a class, copying a live account -----------------

def add_trust_options(parser: argparse.ArgumentParser, default: object = None) -> None:
    """How the app trusts an https --base-url that is not Twilio's (a class server's own certificate)."""
    parser.add_argument("--ca-file", metavar="PATH", default=default,
                        help="trust the server's certificate through this CA (PEM), e.g. a class server's cert.pem")
    parser.add_argument("--pin", metavar="SHA256", default=default,
                        help="trust exactly the server certificate with this SHA-256 fingerprint (printed by "
                             "sandbox serve)")


def add_live_source_options(parser: argparse.ArgumentParser) -> None:
    """The live account `init --from-live` reads (given here or before `sandbox`)."""
    parser.add_argument("--profile", metavar="NAME", default=argparse.SUPPRESS,
                        help="with --from-live: a twilio-cli profile")
    parser.add_argument("--base-url", metavar="URL", default=argparse.SUPPRESS,
                        help="with --from-live: the API base URL (default Twilio's)")
    add_trust_options(parser, default=argparse.SUPPRESS)


def _condition(name: str) -> Any:
    """The argparse type `name` of sandbox/server/conditions.py, imported when a flag is given: the
    server stack (and the wire mapping under it) is not read at every launch of the app."""
    def parse(text: str) -> Any:
        from sandbox.server import conditions

        return getattr(conditions, name)(text)

    parse.__name__ = name.replace("_", " ")  # argparse's "invalid ... value" names it
    return parse


def add_network_options(serve: argparse.ArgumentParser) -> None:
    """Twilio's worst days for a team testing its integration (sandbox/server/conditions.py)."""
    serve.add_argument("--latency", metavar="MS[:JITTER]", type=_condition("latency"),
                       help="delay every answer by MS milliseconds, plus or minus a uniform JITTER")
    serve.add_argument("--rate-limit", metavar="N", nargs="?", const=30, type=_condition("rate_limit"),
                       help="per endpoint, at most 5*N requests in any 5 s (N a second on average; 30 when "
                            "given alone), then 429 with Twilio's 20429 body and Retry-After in seconds")
    serve.add_argument("--fail", metavar="RATE", type=_condition("fail_rate"),
                       help="that share of requests (0-1) never reaches the sandbox: half answered 503 "
                            "(20503), half with the connection dropped; seeded by --fail-seed")
    serve.add_argument("--fail-seed", metavar="N", type=int, default=0,
                       help="seed of the requests --fail picks (default 0)")


def add_class_options(serve: argparse.ArgumentParser) -> None:
    serve.add_argument("--class", dest="class_size", type=int, metavar="N",
                       help="serve N isolated trainee accounts from the folder PATH (made if missing), one "
                            "shared scenario; prints their credentials and writes PATH/credentials.csv")
    serve.add_argument("--scenario", metavar="NAME", help="with --class: the class's scenario (default demo)")
    serve.add_argument("--seed", type=int, default=7, help="with --class: the scenario's seed (default 7)")
    serve.add_argument("--force", action="store_true",
                       help="with --class: make every trainee's sandbox again (their work is lost)")
    serve.add_argument("--tls-cert", metavar="PEM", help="speak TLS with this certificate (with --tls-key); "
                       "beyond 127.0.0.1 without one, a self-signed certificate is made and its fingerprint printed")
    serve.add_argument("--tls-key", metavar="PEM", help="the private key of --tls-cert")


def run_sandbox(args: argparse.Namespace) -> int:
    from sandbox import commands

    if not getattr(args, "from_live", False):
        return commands.run(args)
    from tui.launch import LaunchError, close_backend, open_live

    try:
        source = open_live(args)
    except LaunchError as exc:
        print(f"proxy-pool: error: {exc}", file=sys.stderr)
        return 1
    try:
        return commands.run(args, source=source)
    finally:
        close_backend(source)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.command == "sandbox":
        return run_sandbox(args)
    if args.command in ("services", "numbers"):
        from tui.commands import run

        return run(args)
    from tui.launch import run_app

    return run_app(args)


if __name__ == "__main__":
    sys.exit(main())
