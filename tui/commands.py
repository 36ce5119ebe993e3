"""`proxy-pool services ...` and `proxy-pool numbers ...`: the pool for scripts, on either backend.

    proxy-pool services list [--json|--csv]
    proxy-pool numbers list --service KS… [--reserved|--unreserved|--in-use|--free] [--json|--csv]
    proxy-pool numbers add --service KS… (NUMBER|SID)... | --from FILE [--reserved]
    proxy-pool numbers reserve|unreserve|remove --service KS… SID...

The backend is chosen exactly as the app chooses it (--sandbox PATH, --live, --profile,
--base-url, the environment). A change prints one line per number, `ok` or `fail` with Twilio's
code and message, and the command exits 1 if any failed; --read-only refuses every change before
anything is sent. On a sandbox a command's changes are one transaction for its successes (one
write); live, one request a number at Twilio's pace. --json is Twilio's wire format.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from tui.core.resources import Service

# The parser is built at every launch of the app: what running a command needs is imported when it runs.

CHANGES = ("add", "reserve", "unreserve", "remove")
STATE_FLAGS = (("reserved", "the reserved numbers"), ("unreserved", "the unreserved numbers"),
               ("in_use", "the numbers in active sessions"), ("free", "unreserved and in no active session"))


class CommandFailed(Exception):
    """A command that cannot run at all; str() is its one line."""


# -- the parser (called by tui/cli.py) ----------------------------------------------------------------


def world_flags() -> argparse.ArgumentParser:
    """The app's world flags, accepted after the command too (`numbers list --sandbox x.json`)."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--sandbox", metavar="PATH", default=argparse.SUPPRESS, help="the sandbox file at PATH")
    parent.add_argument("--live", action="store_true", default=argparse.SUPPRESS, help="the live Twilio API")
    parent.add_argument("--read-only", action="store_true", default=argparse.SUPPRESS,
                        help="refuse every change, before anything is sent")
    parent.add_argument("--profile", metavar="NAME", default=argparse.SUPPRESS, help="a twilio-cli profile (live)")
    parent.add_argument("--base-url", metavar="URL", default=argparse.SUPPRESS,
                        help="send live API calls to URL instead of Twilio's hosts")
    return parent


def _format_flags(parser: argparse.ArgumentParser) -> None:
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_const", const="json", dest="format",
                     help="Twilio's JSON (an array of resources)")
    out.add_argument("--csv", action="store_const", const="csv", dest="format", help="CSV with a header line")


def add_parsers(sub: Any) -> None:
    """The `services` and `numbers` commands, under the main parser's subcommands."""
    flags = world_flags()
    services = sub.add_parser("services", help="list the account's Proxy Services (for scripts)",
                              description="The account's Proxy Services, for scripts.")
    ssub = services.add_subparsers(dest="services_command", metavar="ACTION", required=True)
    listing = ssub.add_parser("list", parents=[flags], help="every Service with its pool's counts",
                              description="Every Proxy Service with its pool's counts: one line each.")
    _format_flags(listing)

    numbers = sub.add_parser("numbers", help="list and change a Service's pool numbers (for scripts)",
                             description="List and change a Proxy Service's pool numbers, one line per number.")
    nsub = numbers.add_subparsers(dest="numbers_command", metavar="ACTION", required=True)
    lst = nsub.add_parser("list", parents=[flags], help="the pool's numbers",
                          description="Every number of a Service's pool, in the pool's order.")
    lst.add_argument("--service", required=True, metavar="KS…", help="the Service: its SID or unique name")
    state = lst.add_mutually_exclusive_group()
    for name, what in STATE_FLAGS:
        state.add_argument(f"--{name.replace('_', '-')}", action="store_const", const=name, dest="state",
                           help=f"only {what}")
    _format_flags(lst)

    add = nsub.add_parser("add", parents=[flags], help="add numbers to the pool",
                          description="Add the account's numbers to a Service's pool, by E.164 number or PN SID.")
    add.add_argument("--service", required=True, metavar="KS…", help="the Service: its SID or unique name")
    add.add_argument("targets", nargs="*", metavar="NUMBER|SID", help="E.164 numbers or PN SIDs")
    add.add_argument("--from", dest="from_file", metavar="FILE",
                     help="one number or SID a line (- reads stdin; a CSV's first column, as `numbers list --csv` "
                          "writes it, will do)")
    add.add_argument("--reserved", action="store_true", help="add them reserved")
    for name, what in (("reserve", "reserve numbers"), ("unreserve", "unreserve numbers"),
                       ("remove", "remove numbers from the pool")):
        change = nsub.add_parser(name, parents=[flags], help=what, description=f"{what.capitalize()}, by PN SID.")
        change.add_argument("--service", required=True, metavar="KS…", help="the Service: its SID or unique name")
        change.add_argument("sids", nargs="+", metavar="SID", help="PN SIDs")


# -- running --------------------------------------------------------------------------------------------


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    import asyncio

    out, err = out or sys.stdout, err or sys.stderr
    change = args.command == "numbers" and args.numbers_command in CHANGES
    if change and getattr(args, "read_only", False):
        print(f"proxy-pool: error: `numbers {args.numbers_command}` changes the account and --read-only is set; "
              "nothing was sent", file=err)
        return 2
    try:
        entries = read_entries(args) if change and args.numbers_command == "add" else []
    except CommandFailed as exc:
        print(f"proxy-pool: error: {exc}", file=err)
        return 2
    from tui.launch import LaunchError, choose_backend, close_backend

    try:
        backend, note = choose_backend(args)
        backend = getattr(backend, "open_deferred", lambda: backend)()
    except LaunchError as exc:
        print(f"proxy-pool: error: {exc}", file=err)
        return 1
    if note:
        print(f"proxy-pool: {note}", file=err)
    try:
        return asyncio.run(_run(args, backend, entries, out, err))
    except CommandFailed as exc:
        print(f"proxy-pool: error: {exc}", file=err)
        return 1
    finally:
        close_backend(backend)


async def _run(args: argparse.Namespace, backend: Any, entries: list[tuple[str | None, str | None, bool]],
               out: TextIO, err: TextIO) -> int:
    from tui.core.errors import ProxyError

    try:
        if args.command == "services":
            return await list_services(backend, args.format, out)
        service = await find_service(backend, args.service)
        action = args.numbers_command
        if action == "list":
            return await list_numbers(backend, service, args.state, args.format, out)
        items: list[Any] = entries if action == "add" else list(args.sids)
        return await change_numbers(backend, service, action, items, out, err)
    except ProxyError as exc:
        raise CommandFailed(f"{exc.code}: {exc.message}") from None


async def find_service(backend: Any, wanted: str) -> Service:
    """The Service a --service names: its SID, or its unique name."""
    from tui.core.seam import all_items

    if wanted.startswith("KS") and len(wanted) == 34:
        return await backend.get_service(wanted)
    services = await all_items(backend.list_services)
    found = [s for s in services if s.unique_name == wanted or s.sid == wanted]
    if not found:
        names = ", ".join(s.unique_name for s in services) or "none"
        raise CommandFailed(f"no Service {wanted!r} (the account's: {names})")
    return found[0]


def _table(rows: Iterable[Iterable[Any]], header: list[str]) -> str:
    table = [header] + [[str(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
                     for row in table) + "\n"


async def list_services(backend: Any, fmt: str | None, out: TextIO) -> int:
    import csv
    import io
    import json

    from tui.core.seam import all_items
    from tui.core.wire import render_service

    services = await all_items(backend.list_services)
    stats = {s.sid: await backend.pool_stats(s.sid) for s in services}
    if fmt == "json":
        out.write(json.dumps([render_service(s) for s in services], indent=2) + "\n")
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(("sid", "unique_name", "pool", "unreserved", "reserved", "in_use_numbers"))
        for s in services:
            st = stats[s.sid]
            writer.writerow((s.sid, s.unique_name, st.total, st.unreserved, st.reserved, st.in_use_numbers))
        out.write(buffer.getvalue())
    else:
        out.write(_table(([s.sid, s.unique_name, f"{stats[s.sid].total:,}",
                           f"{stats[s.sid].unreserved:,}/{stats[s.sid].unreserved_limit:,}",
                           f"{stats[s.sid].reserved:,}/{stats[s.sid].reserved_limit:,}",
                           stats[s.sid].in_use_numbers] for s in services),
                         ["SID", "UNIQUE_NAME", "POOL", "UNRESERVED", "RESERVED", "IN_USE"]))
    return 0


async def list_numbers(backend: Any, service: Service, state: str | None, fmt: str | None, out: TextIO) -> int:
    from tui.core.resources import MAX_RECORDS_PER_PAGE, PhoneNumber
    from tui.core.seam import all_items
    from tui.state.export import render_csv, render_json
    from tui.state.pool_query import parse_filter

    numbers: list[PhoneNumber] = await all_items(backend.list_numbers, service.sid, page_size=MAX_RECORDS_PER_PAGE)
    if state:
        numbers = list(filter(parse_filter([state]).matcher(), numbers))
    if fmt == "json":
        out.write(render_json(numbers))
    elif fmt == "csv":
        out.write(render_csv(numbers))
    else:
        out.write(_table(([n.sid, n.phone_number, "reserved" if n.is_reserved else "-", n.in_use,
                           n.iso_country or "?", n.friendly_name or ""] for n in numbers),
                         ["SID", "PHONE_NUMBER", "RESERVED", "IN_USE", "COUNTRY", "FRIENDLY_NAME"]))
    return 0


def read_entries(args: argparse.Namespace) -> list[tuple[str | None, str | None, bool]]:
    """`numbers add`'s numbers: the arguments, then the file's lines; each (SID, E.164, reserved?)."""
    words = list(args.targets)
    if args.from_file:
        try:
            text = sys.stdin.read() if args.from_file == "-" else Path(args.from_file).expanduser().read_text()
        except OSError as exc:
            raise CommandFailed(f"cannot read {args.from_file}: {exc.strerror or exc}") from None
        for line in text.splitlines():
            word = line.split(",")[0].strip().strip('"')
            if word and not word.startswith("#") and word.lower() not in ("sid", "phone_number"):
                words.append(word)
    if not words:
        raise CommandFailed("numbers add: give numbers or SIDs, or --from FILE")
    return [(w, None, args.reserved) if w[:2].upper() == "PN" else (None, w, args.reserved) for w in words]


async def change_numbers(backend: Any, service: Service, action: str, items: list[Any], out: TextIO,
                         err: TextIO) -> int:
    from contextlib import aclosing

    from tui.core.resources import PhoneNumber
    from tui.core.seam import each_outcome

    ok = failed = 0
    done = {"add": "added", "reserve": "reserved", "unreserve": "unreserved", "remove": "removed"}[action]
    async with aclosing(each_outcome(backend, action, service.sid, items)) as batches:
        async for batch in batches:
            for item, outcome in batch:
                asked = (item[0] or item[1]) if action == "add" else item
                if isinstance(outcome, BaseException):
                    failed += 1
                    code = getattr(outcome, "code", None)
                    message = getattr(outcome, "message", None) or str(outcome) or type(outcome).__name__
                    out.write(f"fail  {asked}  {code or '-'}  {message}\n")
                else:
                    ok += 1
                    known = [outcome.sid, outcome.phone_number] if isinstance(outcome, PhoneNumber) else []
                    out.write("  ".join(["ok   ", asked, *(x for x in known if x != asked), done]) + "\n")
            out.flush()
    total = ok + failed
    print(f"{service.unique_name}: {ok} of {total} {done}" + (f", {failed} failed" if failed else ""), file=err)
    return 1 if failed else 0

