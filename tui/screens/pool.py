"""One Service's pool, a page at a time: reserve, remove, add, mark, filter; and the pool in
motion: v (the sessions holding a number), s (Simulate), D (drain).

Pages are cached by position with the token that fetches each (tui/state/page_cache.py);
the next page is prefetched as soon as one is shown, so `n` usually costs nothing. A
mutation shows at once (optimistically) and rolls back if the backend refuses.

Draining, as Twilio advises for a number in use: reserve it (no new session gets it), wait
until its in_use reaches 0, then remove it. The wait shows in the row and the detail pane;
a timer asks a worker to read the number every app.drain_poll_seconds; D again cancels.

The screen's state lives in plain objects it owns (tui/state); the texts of its pager and
its confirmations in tui/screens/pool_texts.py. What is left here is the Textual glue.
"""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from tui.core.phone import format_international
from tui.core.resources import PhoneNumber, PoolStats, Service
from tui.screens.add_number import AddNumberScreen, AddRequest
from tui.screens.bulk import BulkScreen
from tui.screens.confirm import ConfirmScreen
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
from tui.screens.pool_texts import (
    BulkPlan,
    bulk_plan,
    drain_body,
    drain_offer_body,
    pager_text,
    remove_body,
)
from tui.screens.sessions_view import SessionsViewScreen
from tui.screens.traffic_messages import DrainFailed, DrainFinished, DrainProgress
from tui.state.drains import Drains
from tui.state.marks import Marks
from tui.state.page_cache import Arrival, PageCache, Where
from tui.state.pending import PendingReservations, stats_after
from tui.state.pool_filter import PoolFilter, Redraw
from tui.widgets.cells import (
    capabilities_tag,
    drain_status,
    format_ttl,
    friendly_cell,
    in_use_cell,
    mark_cell,
    reserved_cell,
)
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
# The pool in motion: in the palette and the help, not in the footer (it is full at 130 columns).
TRAFFIC_BINDINGS = (("v", "sessions", "Sessions holding the number"), ("s", "simulate", "Simulate traffic"))
DRAIN_BINDING = ("D", "drain", "Drain (reserve, remove at in_use 0)")  # mutating
MESSAGING_BINDING = ("M", "add_to_messaging", "Add to Messaging Service…")  # mutating, sandbox only


class PoolScreen(Screen):
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
        for keys, action, description in TRAFFIC_BINDINGS + (() if world.read_only else (DRAIN_BINDING,
                                                                                        MESSAGING_BINDING)):
            self._bindings.bind(keys, action, description, show=False)
        self.cache = PageCache(page_size)  # the server's pages
        self.filter = PoolFilter(page_size)  # the whole-pool filter
        self.marks = Marks()
        self.pending = PendingReservations()  # reservation changes shown, not yet saved
        self.drains = Drains()
        self.rows: list[PhoneNumber] = []  # the rows on screen
        self.refresh_on_resume = False  # back from Simulate: in_use changed everywhere

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
        if self.cache.start(index):
            self.app.load_page(self, self.service.sid, index, self.cache.token(index), prefetch,
                               self.cache.generation)

    def prefetch(self) -> None:
        following = self.cache.prefetch_index()
        if following is not None:
            self.request(following, prefetch=True)

    def goto(self, index: int, cursor: int | str = "top") -> None:
        if self.filter.active:
            self.goto_found(index, cursor)
            return
        where = self.cache.locate(index)
        if where is Where.BEFORE_FIRST:
            self.notify("This is the first page.", timeout=2)
        elif where is Where.AFTER_LAST:
            self.notify("This is the last page.", timeout=2)
        elif where is Where.CACHED:
            self.cache.index = index
            self.show(self.cache.pages[index], cursor)
            self.prefetch()
        elif where is Where.FETCH:
            self.cache.wait_for(index, cursor)
            self.query_one(PoolTable).loading = True
            self.request(index, prefetch=False)
            self.update_pager()

    def on_page_loaded(self, message: PageLoaded) -> None:
        if not self.cache.is_current(message.tag):
            return
        arrival = self.cache.loaded(message.index, message.numbers, message.next_token)
        if arrival is Arrival.GONE_WHILE_WAITING:
            self.goto(message.index - 1, "bottom")
        elif arrival is Arrival.SHOW:
            self.query_one(PoolTable).loading = False
            if not self.filter.active:
                self.show(message.numbers, self.cache.cursor_on_show)
            self.prefetch()
        elif arrival is Arrival.STORED:
            self.update_pager()

    def on_page_failed(self, message: PageFailed) -> None:
        if not self.cache.is_current(message.tag):
            return
        if not self.cache.failed(message.index, message.prefetch):
            return  # a prefetch: the page is asked for again when someone wants to see it
        self.query_one(PoolTable).loading = False
        self.notify(f"Loading page {message.index + 1}: {message.report.text}", title=message.report.title,
                    severity="error", timeout=10)
        self.update_pager()

    def reload(self, cursor: int | str | None = None) -> None:
        """Drop every cached page after a change and fetch the current one again (tokens stay valid)."""
        self.cache.reset(self.query_one(PoolTable).cursor_row if cursor is None else cursor)
        self.request(self.cache.index, prefetch=False)

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

    def reserved_text(self, number: PhoneNumber) -> Text:
        return reserved_cell(number, number.sid in self.pending, number.sid in self.drains)

    def cells(self, number: PhoneNumber) -> tuple:
        return (
            mark_cell(number.sid in self.marks),
            format_international(number.phone_number),
            friendly_cell(number),
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
                                          drain_status(number) if number and number.sid in self.drains else None)

    def on_pool_table_row_highlighted(self, event: PoolTable.RowHighlighted) -> None:
        self.update_detail()

    def update_pager(self) -> None:
        total = self.stats.total if self.stats else None
        self.query_one("#pager", Static).update(
            pager_text(self.cache, self.filter, total, len(self.rows), len(self.marks)))

    def apply(self, number: PhoneNumber) -> None:
        """Put a changed number everywhere it is shown or cached."""
        self.cache.replace(number)
        self.filter.replace(number)
        for i, old in enumerate(self.rows):
            if old.sid == number.sid:
                self.rows[i] = number
        self.marks.replace(number)
        table = self.query_one(PoolTable)
        if number.sid in table.rows:
            table.update_cell(number.sid, "reserved", self.reserved_text(number))
            table.update_cell(number.sid, "in_use", in_use_cell(number))
            table.update_cell(number.sid, "mark", mark_cell(number.sid in self.marks))
        self.update_detail()

    def forget(self, number: PhoneNumber) -> None:
        """A removed number leaves every cache and the table."""
        self.cache.drop(number.sid)
        self.filter.drop(number.sid)
        self.rows[:] = [n for n in self.rows if n.sid != number.sid]
        self.marks.drop(number.sid)
        table = self.query_one(PoolTable)
        if number.sid in table.rows:
            table.remove_row(number.sid)
        self.update_detail()

    # -- paging keys ---------------------------------------------------------------------------------

    def current_page(self) -> int:
        return self.filter.index if self.filter.active else self.cache.index

    def action_next_page(self) -> None:
        self.goto(self.current_page() + 1)

    def action_previous_page(self) -> None:
        self.goto(self.current_page() - 1)

    def on_pool_table_edge_reached(self, message: PoolTable.EdgeReached) -> None:
        self.goto(self.current_page() + message.direction, "top" if message.direction > 0 else "bottom")

    def action_refresh(self) -> None:
        self.filter.stale()
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
        self.filter.text = event.value.strip()
        if not self.filter.active:
            current = self.cache.current()
            self.show(self.rows if current is None else current)
            return
        if self.filter.begin_scan():
            self.app.scan_pool(self, self.service.sid)
        self.refilter(keep_page=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(PoolTable).focus()

    def refilter(self, keep_page: bool) -> None:
        self.filter.refilter(keep_page)
        self.goto_found(self.filter.index)

    def goto_found(self, index: int, cursor: int | str = "top") -> None:
        if not self.filter.has_page(index):
            self.notify("This is the " + ("first" if index < 0 else "last") + " page of matches.", timeout=2)
            return
        self.show(self.filter.turn_to(index), cursor)

    def on_pool_scanned(self, message: PoolScanned) -> None:
        redraw = self.filter.scanned(message.numbers, message.done)
        if redraw is Redraw.PAGE:
            cursor = self.query_one(PoolTable).cursor_row if self.rows else "top"
            self.goto_found(self.filter.index, cursor)
        elif redraw is Redraw.PAGER:
            self.update_pager()

    def clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""
        box.display = False
        self.filter.clear()
        self.app.workers.cancel_group(self.app, "scan")
        self.query_one(PoolTable).focus()
        self.show(self.cache.current() or [])

    # -- marks and back --------------------------------------------------------------------------------

    def action_mark(self) -> None:
        number = self.highlighted()
        if number is None:
            return
        self.marks.toggle(number)
        self.apply(number)
        self.query_one(PoolTable).action_cursor_down()
        self.update_pager()

    def action_back(self) -> None:
        if self.filter.active or self.query_one("#filter", Input).display:
            self.clear_filter()
        elif self.marks:
            for number in self.marks.clear():
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
        self.pending.begin(number.sid)
        self.apply(replace(number, is_reserved=is_reserved))
        if self.stats and number.is_reserved != is_reserved:
            self.stats = stats_after(self.stats, number.is_reserved, is_reserved)
            self.query_one(PoolGauges).show(self.stats)
        self.app.set_reserved(self, number, is_reserved)

    def on_reservation_saved(self, message: ReservationSaved) -> None:
        self.pending.settle(message.number.sid)
        self.apply(message.number)
        self.app.load_stats(self, self.service.sid)

    def on_reservation_failed(self, message: ReservationFailed) -> None:
        self.pending.settle(message.previous.sid)
        self.apply(message.previous)
        report = message.report
        self.notify(f"{format_international(message.previous.phone_number)} is unchanged. {report.text}",
                    title=report.title, severity="error", timeout=10)
        self.app.load_stats(self, self.service.sid)

    # -- removal -----------------------------------------------------------------------------------------

    def action_remove(self) -> None:
        if self.marks:
            self.confirm_bulk("remove")
            return
        number = self.highlighted()
        if number is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.app.remove_number(self, number)

        self.app.push_screen(ConfirmScreen("Remove number", remove_body(number, self.service), yes="Remove",
                                           danger=True), answered)

    def on_number_removed(self, message: NumberRemoved) -> None:
        self.forget(message.number)
        self.notify(f"Removed {format_international(message.number.phone_number)} from "
                    f"{self.service.unique_name}.", timeout=4)
        self.app.load_stats(self, self.service.sid)
        if not self.filter.active:
            self.reload()
        self.update_pager()

    def on_remove_failed(self, message: RemoveFailed) -> None:
        number, report = message.number, message.report
        self.notify(f"{format_international(number.phone_number)} was not removed. {report.text}",
                    title=report.title, severity="error", timeout=10)
        if report.code != 80611:
            return
        current = next((n for n in self.rows if n.sid == number.sid), number)
        if current.sid in self.drains:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.start_drain(current)

        self.app.push_screen(ConfirmScreen("Number in use: not removed", drain_offer_body(current, report),
                                           yes="Drain it", no="Leave it"), answered)

    # -- adding -------------------------------------------------------------------------------------------

    def action_add(self) -> None:
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
        if self.filter.added(number):
            self.refilter(keep_page=True)
        self.app.load_stats(self, self.service.sid)
        self.reload()

    # -- bulk ------------------------------------------------------------------------------------------------

    def confirm_bulk(self, operation: str) -> None:
        plan = bulk_plan(operation, self.marks.numbers(), self.service)

        def answered(yes: bool | None) -> None:
            if yes:
                self.app.push_screen(BulkScreen(plan.operation, plan.numbers, plan.reserve),
                                     lambda outcomes: self.bulk_finished(plan, outcomes))

        self.app.push_screen(ConfirmScreen(f"{plan.verb} {len(plan.numbers)} numbers", plan.body, yes=plan.verb,
                                           danger=operation == "remove"), answered)

    def bulk_finished(self, plan: BulkPlan, outcomes: list[BulkOutcome] | None) -> None:
        for outcome in outcomes or []:
            if not outcome.ok:
                continue  # failed numbers stay marked
            self.marks.drop(outcome.number.sid)
            if plan.operation == "remove":
                self.forget(outcome.number)
            else:
                self.apply(outcome.number)
        self.filter.stale()
        self.app.load_stats(self, self.service.sid)
        self.reload()
        self.update_pager()

    # -- v: the sessions holding the highlighted number ------------------------------------------------

    def action_sessions(self) -> None:
        number = self.highlighted()
        if number is not None:
            self.app.push_screen(SessionsViewScreen(number, self.service.unique_name))

    # -- s: Simulate, on sandbox Services only ------------------------------------------------------------

    def action_simulate(self) -> None:
        from tui.screens.simulate import SimulateScreen  # imports the sandbox's traffic engine

        if self.world.kind != "sandbox":
            self.app.notify("Simulate runs on sandbox Services only: on a live account it would open real "
                            "sessions (billed, and seen by real people). Open a sandbox with proxy-pool "
                            "--sandbox PATH.", title="Simulate: sandbox only", severity="warning", timeout=10)
            return
        if self.world.read_only:
            self.app.notify("Simulate opens and deletes sessions; this app is --read-only.",
                            title="Simulate: read-only", severity="warning", timeout=8)
            return
        self.refresh_on_resume = True
        self.app.push_screen(SimulateScreen(self.service, self.world, self.app.simulate_tick_seconds))

    def on_screen_resume(self) -> None:
        if self.refresh_on_resume:  # back from Simulate: in_use changed everywhere
            self.refresh_on_resume = False
            self.reload()
            self.app.load_stats(self, self.service.sid)

    # -- M: add to a Messaging Service (sandbox): the marked numbers, else the highlighted one ---------------

    def action_add_to_messaging(self) -> None:
        from tui.screens.messaging import AddToMessagingScreen

        if self.world.kind != "sandbox":
            self.app.notify("Adding to a Messaging Service runs on a sandbox only: on a live account use Twilio's "
                            "Console (Messaging › Services › Sender Pool).", title="Messaging: sandbox only",
                            severity="warning", timeout=10)
            return
        numbers = self.marks.numbers() or ([n] if (n := self.highlighted()) else [])
        if numbers:
            self.app.push_screen(AddToMessagingScreen(numbers), lambda added: self.reload() if added else None)

    # -- D: drain --------------------------------------------------------------------------------------------

    def action_drain(self) -> None:
        number = self.highlighted()
        if number is None:
            return
        if number.sid in self.drains:
            self.drains.stop(number.sid)
            self.notify(f"Stopped draining {format_international(number.phone_number)}; it stays reserved "
                        "(r unreserves it).", timeout=6)
            self.apply(number)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.start_drain(number)

        self.app.push_screen(ConfirmScreen("Drain number", drain_body(number, self.service), yes="Drain",
                                           danger=True), answered)

    def start_drain(self, number: PhoneNumber) -> None:
        if not self.drains.start(number.sid):
            return  # draining already
        self.apply(number)  # its poll starts once it is reserved (on_drain_progress)
        self.app.drain_start(self, number)

    def stop_all_drains(self) -> None:
        if self.drains:
            self.notify(f"Left the pool: draining of {len(self.drains)} number(s) stopped; they stay reserved.",
                        timeout=6)
        self.drains.stop_all()

    def poll_drain(self, number: PhoneNumber) -> None:
        if self.drains.begin_poll(number.sid):
            self.app.drain_poll(self, number)

    def on_drain_progress(self, message: DrainProgress) -> None:
        number = message.number
        if not self.drains.polled(number.sid):
            return  # cancelled meanwhile
        if self.drains.needs_handle(number.sid):
            seconds = getattr(self.app, "drain_poll_seconds", 1.0)
            self.drains.set_handle(number.sid, self.set_interval(seconds, lambda: self.poll_drain(number)))
            self.poll_drain(number)
        self.apply(number)

    def on_drain_finished(self, message: DrainFinished) -> None:
        number = message.number
        if number.sid not in self.drains:
            return
        self.drains.stop(number.sid)
        how = "was already gone from" if message.already_gone else "drained and removed from"
        self.notify(f"{format_international(number.phone_number)} {how} {self.service.unique_name}.",
                    title="Drained", timeout=8)
        self.forget(number)
        self.app.load_stats(self, self.service.sid)
        if not self.filter.active:
            self.reload()

    def on_drain_failed(self, message: DrainFailed) -> None:
        number, report = message.number, message.report
        self.drains.stop(number.sid)
        self.notify(f"Draining {format_international(number.phone_number)} stopped: {report.text}",
                    title=report.title, severity="error", timeout=10)
        self.apply(number)
