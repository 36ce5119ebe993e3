"""What the pool screen says: the pager line and the bodies of its confirmations.

Plain functions of plain data (no widgets), so tui/screens/pool.py keeps to the Textual glue.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.core.phone import format_international
from tui.core.resources import PhoneNumber, Service
from tui.screens.messages import ErrorReport
from tui.state.page_cache import PageCache
from tui.state.pool_filter import PoolFilter

BULK_LISTED = 8  # marked numbers a bulk confirmation names


def sessions_phrase(count: int) -> str:
    return f"{count} active session{'s' if count != 1 else ''}"


def pager_text(cache: PageCache, pool_filter: PoolFilter, total: int | None, shown: int, marked: int) -> str:
    """The line under the table: which page, which numbers, what is loading; the marks."""
    parts: list[str] = []
    if pool_filter.active:
        parts.append(pool_filter.summary())
    elif cache.waiting_for is not None and cache.waiting_for not in cache.pages and not shown:
        parts.append(f"Loading page {cache.waiting_for + 1}…")
    else:
        pages = cache.page_count(total) if total is not None else None
        first = cache.first_position()
        last = first + shown - 1
        parts.append(f"Page {cache.index + 1}" + (f" of {pages:,}" if pages else ""))
        span = f"numbers {first:,}–{last:,}" if shown else "no numbers"
        parts.append(span + (f" of {total:,}" if total is not None else ""))
        if cache.waiting_for is not None:
            parts.append(f"loading page {cache.waiting_for + 1}…")
        elif cache.next_ready():
            parts.append("next page ready")
        elif cache.at_last():
            parts.append("last page")
    if marked:
        parts.append(f"{marked} marked (r/d act on them, escape clears)")
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

    operation: str  # "remove" or "reserve"
    numbers: list[PhoneNumber]
    reserve: bool  # for "reserve": reserve them (any is unreserved) or unreserve them all
    verb: str
    body: str


def bulk_plan(operation: str, numbers: list[PhoneNumber], service: Service) -> BulkPlan:
    reserve = any(not n.is_reserved for n in numbers)
    if operation == "remove":
        verb = "Remove"
        busy = sum(1 for n in numbers if n.in_use)
        note = (f"\n\n{busy} of them {'is' if busy == 1 else 'are'} in active sessions; Twilio refuses "
                "those (80611)." if busy else "")
        question = f"Remove {len(numbers)} marked numbers from Service {service.unique_name}?{note}"
    else:
        verb = "Reserve" if reserve else "Unreserve"
        question = f"{verb} {len(numbers)} marked numbers in Service {service.unique_name}?"
    listing = "\n".join(f"  {format_international(n.phone_number)}  {n.sid}  in_use {n.in_use}"
                        for n in numbers[:BULK_LISTED])
    more = f"\n  … and {len(numbers) - BULK_LISTED} more" if len(numbers) > BULK_LISTED else ""
    return BulkPlan(operation, numbers, reserve, verb, f"{question}\n\n{listing}{more}")
