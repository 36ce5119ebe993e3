"""One Service's pool, a page at a time: reserve, remove, add, mark, filter.

Pages are cached by position with the token that fetches each; the next page is
prefetched as soon as one is shown, so `n` usually costs nothing. A mutation shows
at once (optimistically) and rolls back if the backend refuses.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from tui.core.phone import format_international
from tui.core.resources import PhoneNumber, PoolStats, Service
from tui.screens.messages import (
    BackendFailed,
    BulkOutcome,
    NumberAdded,
    NumberRemoved,
    PageFailed,
    PageLoaded,
    PoolScanned,
    RemoveFailed,
    ReservationFailed,
    ReservationSaved,
    StatsLoaded,
)
from tui.screens.pool_traffic import PoolTrafficActions
from tui.widgets.cells import capabilities_tag, drain_status, format_ttl, in_use_cell, mark_cell
from tui.widgets.gauge import PoolGauges
from tui.widgets.number_detail import NumberDetail
from tui.widgets.pool_table import Column, PoolTable
from tui.widgets.world_bar import WorldBar, WorldInfo

COLUMNS = [
    Column("", "mark", 1), Column("Number", "number", 17), Column("Friendly name", "friendly", 22),
    Column("Country", "country", 7), Column("Caps", "caps", 7), Column("Reserved", "reserved", 9),
    Column("In use", "in_use", 6), Column("SID", "sid", 34), Column("Added", "added", 10),
]

# Keys that change the account: not registered at all under --read-only.
MUTATING_BINDINGS = (
    ("r", "toggle_reserved", "Reserve/unreserve"),
    ("d,delete", "remove", "Remove"),
    ("a", "add", "Add number"),
)
# The pool in motion (tui/screens/pool_traffic.py): in the palette and the help, not in the
# footer (it is full at 130 columns).
TRAFFIC_BINDINGS = (("v", "sessions", "Sessions holding the number"), ("s", "simulate", "Simulate traffic"))
DRAIN_BINDING = ("D", "drain", "Drain (reserve, remove at in_use 0)")  # mutating


def matches(number: PhoneNumber, needle: str) -> bool:
    """The filter: number (typed in any formatting), friendly name or country."""
    if needle and all(ch.isdigit() or ch in "+-() ." for ch in needle):
        digits = "".join(ch for ch in needle if ch.isdigit())
        return bool(digits) and digits in number.phone_number
    low = needle.lower()
    return low in (number.friendly_name or "").lower() or low == (number.iso_country or "").lower() \
        or low in format_international(number.phone_number)


class PoolScreen(PoolTrafficActions, Screen):
    AUTO_FOCUS = "#numbers"
    BINDINGS = [
        Binding("n", "next_page", "Next page"),
        Binding("p", "previous_page", "Prev page"),
        Binding("space", "mark", "Mark"),
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("escape", "back", "Back"),
        Binding("ctrl+r", "refresh", "Refresh", show=False),
    ]

    def __init__(self, service: Service, world: WorldInfo, page_size: int, stats: PoolStats | None = None):
        super().__init__()
        self.service = service
        self.world = world
        self.page_size = page_size
        self.stats = stats
        if not world.read_only:
            for keys, action, description in MUTATING_BINDINGS:
                self._bindings.bind(keys, action, description)
        for keys, action, description in TRAFFIC_BINDINGS + (() if world.read_only else (DRAIN_BINDING,)):
            self._bindings.bind(keys, action, description, show=False)
        # server pages: index -> numbers; index -> the token that fetches it (known once the one before loaded)
        self.pages: dict[int, list[PhoneNumber]] = {}
        self.tokens: dict[int, str | None] = {0: None}
        self.last_index: int | None = None
        self.in_flight: set[int] = set()
        self.generation = 0
        self.index = 0
        self.waiting_for: int | None = 0
        self.cursor_on_show: int | str = "top"
        self.stride = page_size
        # marks, reservation changes in flight, rows on screen
        self.marks: dict[str, PhoneNumber] = {}
        self.pending: dict[str, int] = {}
        self.rows: list[PhoneNumber] = []
        # the filter searches the whole pool (scanned once, a page at a time)
        self.filter_text = ""
        self.scan: list[PhoneNumber] | None = None
        self.scan_done = False
        self.found: list[PhoneNumber] = []
        self.filter_index = 0
        # draining numbers and their polls (tui/screens/pool_traffic.py)
        self.draining: dict[str, Any] = {}
        self.polling: set[str] = set()
        self.refresh_on_resume = False

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        s = self.service
        yield WorldBar(self.world, f"Services › {s.unique_name}")
        yield Static(
            f"[b]{s.unique_name}[/b]  {s.sid}   number selection: {s.number_selection_behavior}   "
            f"geo match: {s.geo_match_level}   default TTL: {format_ttl(s.default_ttl)}",
            id="service-summary", markup=True,
        )
        yield PoolGauges(id="gauges")
        yield Input(placeholder="Filter the pool by number, friendly name or country (enter: keep, escape: clear)",
                    id="filter")
        yield PoolTable(COLUMNS, id="numbers")
        yield Static("", id="pager")
        yield NumberDetail(id="detail")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(PoolTable)
        if self.stats:
            self.query_one(PoolGauges).show(self.stats)
        table.focus()
        table.loading = True
        self.request(0, prefetch=False)
        self.app.load_stats(self, self.service.sid)
        self.update_pager()

    # -- loading pages ---------------------------------------------------------------------------

    def request(self, index: int, prefetch: bool) -> None:
        if index in self.in_flight or index not in self.tokens:
            return
        self.in_flight.add(index)
        self.app.load_page(self, self.service.sid, index, self.tokens[index], prefetch, self.generation)

    def prefetch(self) -> None:
        following = self.index + 1
        if following in self.tokens and following not in self.pages:
            self.request(following, prefetch=True)

    def goto(self, index: int, cursor: int | str = "top") -> None:
        if self.filter_text:
            self.goto_found(index, cursor)
            return
        if index < 0:
            self.notify("This is the first page.", timeout=2)
            return
        if self.last_index is not None and index > self.last_index:
            self.notify("This is the last page.", timeout=2)
            return
        if index in self.pages:
            self.index = index
            self.show(self.pages[index], cursor)
            self.prefetch()
        elif index in self.tokens:
            self.waiting_for = index
            self.cursor_on_show = cursor
            self.query_one(PoolTable).loading = True
            self.request(index, prefetch=False)
            self.update_pager()

    def on_page_loaded(self, message: PageLoaded) -> None:
        if message.tag != self.generation:
            return
        self.in_flight.discard(message.index)
        if not message.numbers and message.index > 0 and not message.next_token:
            # the pool shrank under this page: it no longer exists
            self.last_index = message.index - 1
            self.tokens.pop(message.index, None)
            if self.waiting_for == message.index:
                self.waiting_for = None
                self.goto(message.index - 1, "bottom")
            return
        self.pages[message.index] = message.numbers
        if message.index == 0 and message.next_token:
            self.stride = len(message.numbers)
        if message.next_token:
            self.tokens[message.index + 1] = message.next_token
            if self.last_index == message.index:
                self.last_index = None
        else:
            self.last_index = message.index
        if self.waiting_for == message.index:
            self.waiting_for = None
            self.index = message.index
            self.query_one(PoolTable).loading = False
            if not self.filter_text:
                self.show(message.numbers, self.cursor_on_show)
            self.prefetch()
        else:
            self.update_pager()

    def on_page_failed(self, message: PageFailed) -> None:
        if message.tag != self.generation:
            return
        self.in_flight.discard(message.index)
        if message.prefetch:
            return  # the page is asked for again when someone wants to see it
        self.waiting_for = None
        self.query_one(PoolTable).loading = False
        self.notify(f"Loading page {message.index + 1}: {message.report.text}", title=message.report.title,
                    severity="error", timeout=10)
        self.update_pager()

    def reload(self, cursor: int | str | None = None) -> None:
        """Drop every cached page after a change and fetch the current one again (tokens stay valid)."""
        self.generation += 1
        self.pages.clear()
        self.in_flight.clear()
        self.tokens = {i: t for i, t in self.tokens.items() if i <= self.index}
        self.last_index = None
        self.waiting_for = self.index
        self.cursor_on_show = self.query_one(PoolTable).cursor_row if cursor is None else cursor
        self.request(self.index, prefetch=False)

    def on_stats_loaded(self, message: StatsLoaded) -> None:
        before = self.stats
        self.stats = message.stats
        self.query_one(PoolGauges).show(message.stats)
        if before is not None and message.stats.warning and not before.warning:
            which = "reserved" if message.stats.reserved_warning else "unreserved"
            self.notify(f"The pool's {which} numbers are at 85 % of Twilio's limit.",
                        title="80624: Approaching Maximum Number Pool Size", severity="warning", timeout=8)
        self.update_pager()

    def on_backend_failed(self, message: BackendFailed) -> None:
        self.app.notify_error(message.action, message.error)

    # -- the table ---------------------------------------------------------------------------------

    def cells(self, number: PhoneNumber) -> tuple:
        return (
            mark_cell(number.sid in self.marks),
            format_international(number.phone_number),
            (number.friendly_name or "")[:28],
            number.iso_country or "?",
            capabilities_tag(number.capabilities),
            self.reserved_text(number),
            in_use_cell(number),
            number.sid,
            number.date_created.strftime("%Y-%m-%d"),
        )

    def show(self, rows: list[PhoneNumber], cursor: int | str = "top") -> None:
        table = self.query_one(PoolTable)
        self.rows = list(rows)
        table.clear()
        table.add_rows([(number.sid, list(self.cells(number))) for number in self.rows])
        if self.rows:
            row = 0 if cursor == "top" else len(self.rows) - 1 if cursor == "bottom" else int(cursor)
            table.move_cursor(row=max(0, min(row, len(self.rows) - 1)), animate=False)
        table.loading = False
        self.update_pager()
        self.update_detail()

    def highlighted(self) -> PhoneNumber | None:
        table = self.query_one(PoolTable)
        if not self.rows or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def update_detail(self) -> None:
        number = self.highlighted()
        self.query_one(NumberDetail).show(number, bool(number and number.sid in self.marks),
                                          drain_status(number) if number and number.sid in self.draining else None)

    def on_pool_table_row_highlighted(self, event: PoolTable.RowHighlighted) -> None:
        self.update_detail()

    def update_pager(self) -> None:
        parts: list[str] = []
        if self.filter_text:
            scanned = len(self.scan or [])
            state = "" if self.scan_done else f", searching… {scanned:,} scanned"
            pages = max(1, -(-len(self.found) // self.page_size))
            parts.append(f"Filter {self.filter_text!r}: {len(self.found):,} match{'es' if len(self.found) != 1 else ''}"
                         f"{state}")
            parts.append(f"page {self.filter_index + 1} of {pages}")
        elif self.waiting_for is not None and self.waiting_for not in self.pages and not self.rows:
            parts.append(f"Loading page {self.waiting_for + 1}…")
        else:
            total = self.stats.total if self.stats else None
            pages = max(1, -(-total // self.stride)) if total is not None else None
            first = self.index * self.stride + 1
            last = first + len(self.rows) - 1
            parts.append(f"Page {self.index + 1}" + (f" of {pages:,}" if pages else ""))
            span = f"numbers {first:,}–{last:,}" if self.rows else "no numbers"
            parts.append(span + (f" of {total:,}" if total is not None else ""))
            if self.waiting_for is not None:
                parts.append(f"loading page {self.waiting_for + 1}…")
            elif self.index + 1 in self.pages:
                parts.append("next page ready")
            elif self.last_index == self.index:
                parts.append("last page")
        if self.marks:
            parts.append(f"{len(self.marks)} marked (r/d act on them, escape clears)")
        self.query_one("#pager", Static).update(" · ".join(parts))

    def apply(self, number: PhoneNumber) -> None:
        """Put a changed number everywhere it is shown or cached."""
        for page in self.pages.values():
            for i, old in enumerate(page):
                if old.sid == number.sid:
                    page[i] = number
        for seq in (self.scan or [], self.found, self.rows):
            for i, old in enumerate(seq):
                if old.sid == number.sid:
                    seq[i] = number
        if number.sid in self.marks:
            self.marks[number.sid] = number
        table = self.query_one(PoolTable)
        if number.sid in table.rows:
            table.update_cell(number.sid, "reserved", self.reserved_text(number))
            table.update_cell(number.sid, "in_use", in_use_cell(number))
            table.update_cell(number.sid, "mark", mark_cell(number.sid in self.marks))
        self.update_detail()

    def forget(self, number: PhoneNumber) -> None:
        """A removed number leaves every cache and the table."""
        for page in self.pages.values():
            page[:] = [n for n in page if n.sid != number.sid]
        for seq in (self.scan, self.found, self.rows):
            if seq is not None:
                seq[:] = [n for n in seq if n.sid != number.sid]
        self.marks.pop(number.sid, None)
        table = self.query_one(PoolTable)
        if number.sid in table.rows:
            table.remove_row(number.sid)
        self.update_detail()

    # -- paging keys ---------------------------------------------------------------------------------

    def action_next_page(self) -> None:
        self.goto((self.filter_index if self.filter_text else self.index) + 1)

    def action_previous_page(self) -> None:
        self.goto((self.filter_index if self.filter_text else self.index) - 1)

    def on_pool_table_edge_reached(self, message: PoolTable.EdgeReached) -> None:
        current = self.filter_index if self.filter_text else self.index
        self.goto(current + message.direction, "top" if message.direction > 0 else "bottom")

    def action_refresh(self) -> None:
        self.scan = None if not self.filter_text else self.scan
        self.reload()
        self.app.load_stats(self, self.service.sid)

    # -- filter -----------------------------------------------------------------------------------------

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "filter":
            return
        self.filter_text = event.value.strip()
        if not self.filter_text:
            self.show(self.pages.get(self.index, self.rows))
            return
        if self.scan is None:
            self.scan, self.scan_done = [], False
            self.app.scan_pool(self, self.service.sid)
        self.refilter(keep_page=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(PoolTable).focus()

    def refilter(self, keep_page: bool) -> None:
        self.found = [n for n in (self.scan or []) if matches(n, self.filter_text)]
        if not keep_page:
            self.filter_index = 0
        self.goto_found(self.filter_index)

    def goto_found(self, index: int, cursor: int | str = "top") -> None:
        pages = max(1, -(-len(self.found) // self.page_size))
        if index < 0 or index >= pages:
            self.notify("This is the " + ("first" if index < 0 else "last") + " page of matches.", timeout=2)
            return
        self.filter_index = index
        start = index * self.page_size
        self.show(self.found[start:start + self.page_size], cursor)

    def on_pool_scanned(self, message: PoolScanned) -> None:
        if self.scan is None:
            return
        self.scan.extend(message.numbers)
        self.scan_done = message.done
        if not self.filter_text:
            return
        before = len(self.found)
        self.found = [n for n in self.scan if matches(n, self.filter_text)]
        shown_full = before >= (self.filter_index + 1) * self.page_size
        if not shown_full and len(self.found) != before:
            cursor = self.query_one(PoolTable).cursor_row if self.rows else "top"
            self.goto_found(self.filter_index, cursor)
        else:
            self.update_pager()

    def clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""
        box.display = False
        self.filter_text = ""
        self.scan, self.found, self.scan_done = None, [], False
        self.app.workers.cancel_group(self.app, "scan")
        self.query_one(PoolTable).focus()
        self.show(self.pages.get(self.index, []))

    # -- marks and back --------------------------------------------------------------------------------

    def action_mark(self) -> None:
        number = self.highlighted()
        if number is None:
            return
        if number.sid in self.marks:
            del self.marks[number.sid]
        else:
            self.marks[number.sid] = number
        self.apply(number)
        self.query_one(PoolTable).action_cursor_down()
        self.update_pager()

    def action_back(self) -> None:
        if self.filter_text or self.query_one("#filter", Input).display:
            self.clear_filter()
        elif self.marks:
            marked = list(self.marks.values())
            self.marks.clear()
            for number in marked:
                self.apply(number)
            self.update_pager()
        else:
            self.stop_all_drains()
            self.app.pop_screen()

    # -- reservation ------------------------------------------------------------------------------------

    def action_toggle_reserved(self) -> None:
        if self.marks:
            self.confirm_bulk("reserve")
            return
        number = self.highlighted()
        if number is not None:
            self.change_reservation(number, not number.is_reserved)

    def change_reservation(self, number: PhoneNumber, is_reserved: bool) -> None:
        """Show the change at once; the worker saves it and a refusal rolls it back."""
        self.pending[number.sid] = self.pending.get(number.sid, 0) + 1
        self.apply(replace(number, is_reserved=is_reserved))
        if self.stats and number.is_reserved != is_reserved:
            step = 1 if is_reserved else -1
            self.stats = replace(self.stats, reserved=self.stats.reserved + step,
                                 unreserved=self.stats.unreserved - step)
            self.query_one(PoolGauges).show(self.stats)
        self.app.set_reserved(self, number, is_reserved)

    def _settled(self, sid: str) -> None:
        left = self.pending.get(sid, 0) - 1
        if left > 0:
            self.pending[sid] = left
        else:
            self.pending.pop(sid, None)

    def on_reservation_saved(self, message: ReservationSaved) -> None:
        self._settled(message.number.sid)
        self.apply(message.number)
        self.app.load_stats(self, self.service.sid)

    def on_reservation_failed(self, message: ReservationFailed) -> None:
        self._settled(message.previous.sid)
        self.apply(message.previous)
        report = message.report
        self.notify(f"{format_international(message.previous.phone_number)} is unchanged. {report.text}",
                    title=report.title, severity="error", timeout=10)
        self.app.load_stats(self, self.service.sid)

    # -- removal -----------------------------------------------------------------------------------------

    def action_remove(self) -> None:
        from tui.screens.confirm import ConfirmScreen

        if self.marks:
            self.confirm_bulk("remove")
            return
        number = self.highlighted()
        if number is None:
            return
        if number.in_use:
            sessions = f"{number.in_use} active session{'s' if number.in_use != 1 else ''}"
            in_use = (f"in_use: {number.in_use}. It is in {sessions}: Twilio refuses to remove it "
                      "(80611) until they end. D drains it: reserved now, removed once in_use is 0.")
        else:
            in_use = "in_use: 0. No active session uses it."
        body = (f"Remove {format_international(number.phone_number)} ({number.sid}) from the pool of "
                f"Service {self.service.unique_name} ({self.service.sid})?\n\n{in_use}\n\n"
                "The number stays in your account; only its place in this pool goes.")

        def answered(yes: bool | None) -> None:
            if yes:
                self.app.remove_number(self, number)

        self.app.push_screen(ConfirmScreen("Remove number", body, yes="Remove", danger=True), answered)

    def on_number_removed(self, message: NumberRemoved) -> None:
        self.forget(message.number)
        self.notify(f"Removed {format_international(message.number.phone_number)} from "
                    f"{self.service.unique_name}.", timeout=4)
        self.app.load_stats(self, self.service.sid)
        if not self.filter_text:
            self.reload()
        self.update_pager()

    def on_remove_failed(self, message: RemoveFailed) -> None:
        from tui.screens.confirm import ConfirmScreen

        number, report = message.number, message.report
        self.notify(f"{format_international(number.phone_number)} was not removed. {report.text}",
                    title=report.title, severity="error", timeout=10)
        if report.code != 80611:
            return
        current = next((n for n in self.rows if n.sid == number.sid), number)
        if current.sid in self.draining:
            return
        reserve = "It is already reserved, so no new session gets it" if current.is_reserved else \
            "It is reserved at once, so no new session gets it"
        body = (f"{report.title}\n{report.message}\n{report.more_info}\n\n"
                f"Drain {format_international(number.phone_number)} now? {reserve}; once its sessions end "
                "(in_use 0) it is removed from the pool. The wait shows in its row; D cancels.")

        def answered(yes: bool | None) -> None:
            if yes:
                self.start_drain(current)

        self.app.push_screen(ConfirmScreen("Number in use: not removed", body, yes="Drain it", no="Leave it"),
                             answered)

    # -- adding -------------------------------------------------------------------------------------------

    def action_add(self) -> None:
        from tui.screens.add_number import AddNumberScreen, AddRequest

        def answered(request: AddRequest | None) -> None:
            if request is not None:
                self.app.add_number(self, self.service.sid, sid=request.sid, phone_number=request.phone_number,
                                    is_reserved=request.is_reserved)

        self.app.push_screen(AddNumberScreen(self.service, self.app.service_names), answered)

    def on_number_added(self, message: NumberAdded) -> None:
        number = message.number
        state = "reserved" if number.is_reserved else "unreserved"
        self.notify(f"Added {format_international(number.phone_number)} to {self.service.unique_name} ({state}).",
                    timeout=4)
        if self.scan is not None and self.scan_done:
            self.scan.append(number)
            if self.filter_text:
                self.refilter(keep_page=True)
        self.app.load_stats(self, self.service.sid)
        self.reload()

    # -- bulk ------------------------------------------------------------------------------------------------

    def confirm_bulk(self, operation: str) -> None:
        from tui.screens.bulk import BulkScreen
        from tui.screens.confirm import ConfirmScreen

        numbers = list(self.marks.values())
        reserve = any(not n.is_reserved for n in numbers)
        if operation == "remove":
            verb = "Remove"
            busy = sum(1 for n in numbers if n.in_use)
            note = (f"\n\n{busy} of them {'is' if busy == 1 else 'are'} in active sessions; Twilio refuses "
                    "those (80611)." if busy else "")
            question = f"Remove {len(numbers)} marked numbers from Service {self.service.unique_name}?{note}"
        else:
            verb = "Reserve" if reserve else "Unreserve"
            question = f"{verb} {len(numbers)} marked numbers in Service {self.service.unique_name}?"
        listing = "\n".join(f"  {format_international(n.phone_number)}  {n.sid}  in_use {n.in_use}"
                            for n in numbers[:8])
        more = f"\n  … and {len(numbers) - 8} more" if len(numbers) > 8 else ""
        body = f"{question}\n\n{listing}{more}"

        def finished(outcomes: list[BulkOutcome] | None) -> None:
            for outcome in outcomes or []:
                if not outcome.ok:
                    continue
                self.marks.pop(outcome.number.sid, None)
                if operation == "remove":
                    self.forget(outcome.number)
                else:
                    self.apply(outcome.number)
            self.scan = None if not self.filter_text else self.scan
            self.app.load_stats(self, self.service.sid)
            self.reload()
            self.update_pager()

        def answered(yes: bool | None) -> None:
            if yes:
                self.app.push_screen(BulkScreen(operation, numbers, reserve), finished)

        self.app.push_screen(ConfirmScreen(f"{verb} {len(numbers)} numbers", body, yes=verb,
                                           danger=operation == "remove"), answered)
