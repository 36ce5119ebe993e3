"""What the pool screen says: the pager line and the bodies of its confirmations.

Plain functions of plain data (no widgets), so tui/screens/pool.py keeps to the Textual glue.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.core.phone import format_international
from tui.core.resources import PhoneNumber, Service
from tui.screens.messages import ErrorReport
from tui.state.pool_view import PoolView

BULK_LISTED = 8  # marked numbers a bulk confirmation names

# What a key that changes the account says under --read-only (it does nothing else).
READ_ONLY_KEYS = {
    "reserve": "r would reserve or unreserve",
    "remove": "d would remove",
    "add": "a would add a number",
    "drain": "D would drain",
    "messaging": "M would add to a Messaging Service",
}


def read_only_text(what: str) -> str:
    return f"{READ_ONLY_KEYS[what]}: this app was started with --read-only, so nothing changes the account."


def sessions_phrase(count: int) -> str:
    return f"{count} active session{'s' if count != 1 else ''}"


def numbers_phrase(count: int) -> str:
    return f"{count:,} number{'s' if count != 1 else ''}"


def pager_text(view: PoolView, total_hint: int | None, marked: int, read_only: bool = False) -> str:
    """The line under the table: which page and numbers, the filter (N of M shown), the sort, how
    far the read of the pool has got; the marks."""
    shown = view.shown()
    rows = len(view.rows())
    parts: list[str] = []
    if view.streaming and not rows:
        parts.append(f"Loading page {view.page + 1}…" if view.page else "Loading the pool…")
    else:
        page = f"Page {view.page + 1}" + ("" if view.streaming else f" of {view.page_count():,}")
        first = view.first_position()
        span = f"numbers {first:,}–{first + rows - 1:,}" if rows else "no numbers"
        if view.query.active:
            parts += [page, f"{span} · {len(shown):,} of {len(view.numbers):,} shown ({view.query.describe()})"]
        else:
            parts += [page, span + ("" if view.streaming else f" of {len(view.numbers):,}")]
        if view.done and view.page == view.page_count() - 1 and view.page_count() > 1:
            parts.append("last page")
    if view.sort is not None:
        parts.append(view.sort.describe())
    if not view.done:
        expected = f"{total_hint:,}" if total_hint else "?"
        verb = "refreshing" if view.refreshing else "loading"
        parts.append(f"{verb} {view.read_so_far:,} of {expected} numbers")
    elif view.failed_read:
        parts.append(f"the read stopped at {numbers_phrase(len(view.numbers))} (ctrl+r reads again)")
    if marked:
        act = ":filter marked shows them" if read_only else "r/d act on them"
        parts.append(f"{marked} marked ({act}, escape clears)")
    return " · ".join(parts)


def remove_body(number: PhoneNumber, service: Service) -> str:
    if number.in_use:
        in_use = (f"in_use: {number.in_use}. It is in {sessions_phrase(number.in_use)}: Twilio refuses to remove "
                  "it (80611) until they end. D drains it: reserved now, removed once in_use is 0.")
    else:
        in_use = "in_use: 0. No active session uses it."
    return (f"Remove {format_international(number.phone_number)} ({number.sid}) from the pool of "
            f"Service {service.unique_name} ({service.sid})?\n\n{in_use}\n\n"
            "The number stays in your account; only its place in this pool goes.")


def drain_offer_body(number: PhoneNumber, report: ErrorReport) -> str:
    """After Twilio refused a removal (80611): the error, and the offer to drain the number."""
    reserve = "It is already reserved, so no new session gets it" if number.is_reserved else \
        "It is reserved at once, so no new session gets it"
    return (f"{report.title}\n{report.message}\n{report.more_info}\n\n"
            f"Drain {format_international(number.phone_number)} now? {reserve}; once its sessions end "
            "(in_use 0) it is removed from the pool. The wait shows in its row; D cancels.")


def drain_body(number: PhoneNumber, service: Service) -> str:
    return (f"Drain {format_international(number.phone_number)} ({number.sid}) from Service "
            f"{service.unique_name}?\n\n"
            f"It is reserved now, so no new session gets it. It is in {sessions_phrase(number.in_use)}; once none "
            "holds it (in_use 0) it is removed from the pool. The wait shows in its row; D again cancels.")


@dataclass(frozen=True, slots=True)
class BulkPlan:
    """A bulk operation on the marked numbers, as its confirmation puts it."""

    operation: str  # "reserve", "unreserve" or "remove"
    numbers: list[PhoneNumber]  # the ones it changes
    skipped: int  # marked, but already as the operation would leave them
    verb: str
    title: str
    body: str


def bulk_plan(operation: str, marked: list[PhoneNumber], service: Service) -> BulkPlan:
    """r on marks: when any is unreserved, reserve those (the reserved ones stay as they are);
    when all are reserved, unreserve them all. d: remove them all."""
    if operation == "remove":
        numbers, skipped, verb = marked, 0, "Remove"
        busy = sum(1 for n in numbers if n.in_use)
        note = (f"\n\n{busy} of them {'is' if busy == 1 else 'are'} in active sessions; Twilio refuses "
                "those (80611)." if busy else "")
        question = f"Remove {numbers_phrase(len(numbers))} from Service {service.unique_name}?{note}"
    else:
        unreserved = [n for n in marked if not n.is_reserved]
        operation = "reserve" if unreserved else "unreserve"
        numbers = unreserved or marked
        skipped = len(marked) - len(numbers)
        verb = "Reserve" if unreserved else "Unreserve"
        question = f"{verb} {numbers_phrase(len(numbers))} in Service {service.unique_name}?"
        if skipped:
            question += f" {skipped:,} already reserved {'stays' if skipped == 1 else 'stay'} as {'it is' if skipped == 1 else 'they are'}."
    title = f"{verb.lower()} {len(numbers):,}" + (f", {skipped:,} already reserved" if skipped else "")
    listing = "\n".join(f"  {format_international(n.phone_number)}  {n.sid}  in_use {n.in_use}"
                        for n in numbers[:BULK_LISTED])
    more = f"\n  … and {len(numbers) - BULK_LISTED:,} more" if len(numbers) > BULK_LISTED else ""
    return BulkPlan(operation, numbers, skipped, verb, title[0].upper() + title[1:], f"{question}\n\n{listing}{more}")
