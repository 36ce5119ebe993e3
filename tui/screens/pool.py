"""One Service's whole pool: page, sort, filter, jump, mark, export; reserve, remove, add; and the
pool in motion: v (the sessions holding a number), s (Simulate), D (drain).

The screen holds the complete pool (tui/state/pool_view.py): the app's worker reads it 100 a
request and posts each part as it arrives, so the first page is usable at once and the rest
streams in with its progress on the pager line. Paging, sorting, filtering and exporting are
the view's, over all of it. A change made here shows at once (a reservation optimistically, rolled
back if refused) and every count on screen (gauges, in use) follows it.

Draining, as Twilio advises for a number in use: reserve it (no new session gets it), wait
until its in_use reaches 0, then remove it. The wait shows in the row and the detail pane;
a timer asks a worker to read the number every app.drain_poll_seconds; D again cancels.

The screen's state lives in plain objects it owns (tui/state); the texts of its pager and
its confirmations in tui/screens/pool_texts.py. What is left here is the Textual glue.
"""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Input, Static

from tui.core.phone import format_international
from tui.core.resources import PhoneNumber, PoolStats, Service
from tui.screens.add_number import AddNumberScreen
from tui.screens.bulk import BulkScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.messages import (
    BackendFailed,
    BulkOutcome,
    Exported,
    ExportFailed,
    NumberRemoved,
    PoolChunk,
    PoolReadFailed,
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
    numbers_phrase,
    pager_text,
    read_only_text,
    remove_body,
)
from tui.screens.raw_view import RawViewScreen
from tui.screens.sessions_view import SessionsViewScreen
from tui.screens.traffic_messages import DrainFailed, DrainFinished, DrainProgress
from tui.state.command_line import (
    POOL_COMMANDS,
    Command,
    CommandError,
    ContextCommand,
    ExportCommand,
    FilterCommand,
    GoCommand,
    JumpCommand,
    MarkCommand,
    PageCommand,
    SortCommand,
    parse,
)
from tui.state.drains import Drains
from tui.state.marks import Marks
from tui.state.pending import PendingReservations, stats_after
from tui.state.pool_query import Query, Sort, next_sort, next_state
from tui.state.pool_view import Move, PoolView
from tui.widgets.cells import (
    capabilities_tag,
    drain_status,
    format_ttl,
    friendly_cell,
    in_use_cell,
    mark_cell,
    reserved_cell,
)
from tui.widgets.command_line import CommandBar
from tui.widgets.gauge import PoolGauges
from tui.widgets.key_footer import KeyFooter
from tui.widgets.keys import Key, bind_keys
from tui.widgets.number_detail import NumberDetail
from tui.widgets.pool_table import Column, PoolTable
from tui.widgets.world_bar import WorldBar, WorldInfo

COLUMNS = [  # priority: the higher goes first when the width runs out (0 always stays)
    Column("", "mark", 1), Column("Number", "number", 17), Column("Friendly name", "friendly", 14, flex=True),
    Column("Country", "country", 8, 1), Column("Caps", "caps", 7, 3), Column("Reserved", "reserved", 9),
    Column("In use", "in_use", 7), Column("SID", "sid", 34, 2), Column("Added", "added", 10, 4),
    Column("Updated", "updated", 16, 5),
]


def pool_keys(read_only: bool) -> list[Key]:
    """Every key of the pool screen; the footer shows by rank what the width allows."""
    guard = "read_only" if read_only else None
    return [
        Key("n", "next_page", "Next", 0, title="Next page"),
        Key("p", "previous_page", "Prev", 0, title="Previous page"),
        Key("r", f"{guard}('reserve')" if guard else "toggle_reserved", "Reserve", 0 if not read_only else None,
            title="Reserve/unreserve"),
        Key("d,delete", f"{guard}('remove')" if guard else "remove", "Remove", 0 if not read_only else None,
            title="Remove"),
        Key("a", f"{guard}('add')" if guard else "add", "Add", 0 if not read_only else None, title="Add number"),
        Key("space", "mark", "Mark", 0, title="Mark"),
        Key("slash", "filter", "Filter", 0, "/", title="Filter"),
        Key("colon", "command", "Cmd", 0, ":", title="Command mode (:sort, :filter, :page, :export, ...)"),
        Key("escape", "back", "Back", 1, title="Back"),
        Key("question_mark", "app.help", "Keys", 0, "?", title="Keys"),
        Key("q", "app.quit", "Quit", 0, title="Quit"),
        Key("enter", "raw", "JSON", 1, title="The number's Twilio JSON and sessions"),
        Key("f", "state_filter", "State", 1, title="Filter by state: reserved, unreserved, in use, free, ..."),
        Key("o", "sort_next", "Sort", 1, title="Sort by the next column"),
        Key("ctrl+r", "refresh", "Refresh", 1, title="Refresh"),
        Key("s", "simulate", "Simulate", 1, title="Simulate traffic"),
        Key("v", "sessions", "Sessions", 1, title="Sessions holding the number"),
        Key("D", f"{guard}('drain')" if guard else "drain", "Drain", 1 if not read_only else None,
            title="Drain (reserve, remove at in_use 0)"),
        Key("O", "sort_reverse", "Reverse", 2, title="Reverse the sort"),
        Key("g", "first_page", "First", 2, title="First page"),
        Key("G", "last_page", "Last", 2, title="Last page"),
        Key("y", "copy_number", "Copy", 2, title="Copy the number"),
        Key("Y", "copy_sid", "Copy SID", 3, title="Copy the SID"),
        Key("asterisk", "mark_all", "Mark all", 3, "*", title="Mark every number shown"),
        Key("V", "mark_range", "Mark range", 3, title="Mark from the last marked to here"),
        Key("M", f"{guard}('messaging')" if guard else "add_to_messaging", "Messaging",
            4 if not read_only else None, title="Add to a Messaging Service… (sandbox)"),
        Key("U", "unmark", "Unmark", 3, title="Clear the marks"),
    ]


class PoolScreen(Screen):
    AUTO_FOCUS = "#numbers"
    DEFAULT_CSS = """
    PoolScreen #service-summary { height: 1; padding: 0 1; }
    PoolScreen.-narrow Gauge { margin-right: 2; }
    """

    def __init__(self, service: Service, world: WorldInfo, page_size: int, stats: PoolStats | None = None):
        super().__init__()
        self.service = service
        self.world = world
        self.stats = stats  # the counts shown until the read of the pool is done (then the view's)
        self.marks = Marks()
        self.drains = Drains()
        self.pending = PendingReservations()  # reservation changes shown, not yet saved
        self.view = PoolView(page_size, marked=self.marks, draining=self.drains)
        self.rows: list[PhoneNumber] = []  # the rows on screen
        self.refresh_on_resume = False  # back from Simulate: in_use changed everywhere
        self.keys = pool_keys(world.read_only)
        self.resumed = False  # shown at least once (on_screen_resume)

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        s = self.service
        yield WorldBar(self.world, f"Services › {s.unique_name}")
        summary = Text.assemble((s.unique_name, "bold"), f"  {s.sid}  selection {s.number_selection_behavior} · "
                                f"geo {s.geo_match_level} · TTL {format_ttl(s.default_ttl)}")
        yield Static(summary, id="service-summary")
        yield PoolGauges(id="gauges")
        yield Input(placeholder="Filter by number, friendly name, country or SID (enter: keep, escape: clear)",
                    id="filter")
        yield PoolTable(COLUMNS, id="numbers")
        yield Static("", id="pager")
        yield CommandBar(self.app.command_history, allowed=POOL_COMMANDS, names=self.command_names)
        yield NumberDetail(id="detail")
        bind_keys(self, self.keys, self.app.size.width)  # before the footer first draws them
        yield KeyFooter()

    def on_mount(self) -> None:
        # the Services screen's counting pages whole pools (live): it gives way to this pool's read,
        # which would otherwise wait behind it for Twilio's 30 requests a second
        self.app.workers.cancel_group(self.app, "services")
        bind_keys(self, self.keys, self.app.size.width)
        table = self.query_one(PoolTable)
        if self.stats:
            self.query_one(PoolGauges).show(self.stats)
        table.focus()
        table.loading = True
        self.read()
        self.update_pager()

    def on_resize(self) -> None:
        bind_keys(self, self.keys, self.size.width)

    def on_unmount(self) -> None:
        self.app.workers.cancel_group(self.app, "pool")

    # -- reading the pool ------------------------------------------------------------------------

    def read(self) -> None:
        """Read the whole pool (again); sandbox counts come at once, live ones with the read."""
        generation = self.view.begin()
        self.app.read_pool(self, self.service.sid, generation)
        if self.world.kind == "sandbox":
            self.app.load_stats(self, self.service.sid)

    def on_pool_chunk(self, message: PoolChunk) -> None:
        if not self.view.arrived(message.generation, message.numbers, message.done):
            self.update_pager()
            return
        if self.view.done:
            self.update_counts()
        self.redraw()

    def on_pool_read_failed(self, message: PoolReadFailed) -> None:
        if not self.view.failed(message.generation):
            return
        report = message.report
        self.notify(f"Reading the pool stopped after {numbers_phrase(len(self.view.numbers))}: {report.text}",
                    title=report.title, severity="error", timeout=10)
        self.redraw()

    def on_stats_loaded(self, message: StatsLoaded) -> None:
        if not self.view.done:  # once read, the pool's counts are the view's (and follow every change)
            self.show_counts(message.stats)

    def on_backend_failed(self, message: BackendFailed) -> None:
        self.app.notify_error(message.action, message.error)

    # -- counts ------------------------------------------------------------------------------------

    def update_counts(self) -> None:
        """Every count on screen from the pool as it is now (once read), else from the last counts."""
        if self.view.done and not self.view.failed_read:
            self.show_counts(self.view.counts(self.service.sid))
        elif self.stats is not None:
            self.show_counts(self.stats)

    def show_counts(self, stats: PoolStats) -> None:
        before = self.stats
        self.stats = stats
        if not (stats is self.app.pool_counts.get(self.service.sid) and self.service.sid in self.app.cached_at):
            self.app.counted(stats)  # counts of the pool as it is now, not the last launch's shown again
        self.query_one(PoolGauges).show(stats)
        if before is not None and stats.warning and not before.warning:
            which = "reserved" if stats.reserved_warning else "unreserved"
            self.notify(f"The pool's {which} numbers are at 85 % of Twilio's limit.",
                        title="80624: Approaching Maximum Number Pool Size", severity="warning", timeout=8)
        self.update_pager()

    def count_change(self, was_reserved: bool, is_reserved: bool) -> None:
        """A reservation changed: the counts follow (from the view once read, else step by one)."""
        if self.view.done:
            self.update_counts()
        elif self.stats is not None:
            self.show_counts(stats_after(self.stats, was_reserved, is_reserved))

    # -- the table ---------------------------------------------------------------------------------

    def reserved_text(self, number: PhoneNumber):
        return reserved_cell(number, number.sid in self.pending, number.sid in self.drains)

    def cells(self, number: PhoneNumber) -> list:
        return [
            mark_cell(number.sid in self.marks),
            format_international(number.phone_number),
            friendly_cell(number),
            number.iso_country or "?",
            capabilities_tag(number.capabilities),
            self.reserved_text(number),
            in_use_cell(number),
            number.sid,
            number.date_created.strftime("%Y-%m-%d"),
            number.date_updated.strftime("%Y-%m-%d %H:%M"),
        ]

    def show(self, rows: list[PhoneNumber], cursor: int | str = "top") -> None:
        table = self.query_one(PoolTable)
        self.rows = list(rows)
        table.clear()
        table.add_rows([(number.sid, self.cells(number)) for number in self.rows])
        if self.rows:
            row = 0 if cursor == "top" else len(self.rows) - 1 if cursor == "bottom" else int(cursor)
            table.move_cursor(row=max(0, min(row, len(self.rows) - 1)), animate=False)
        table.loading = self.view.streaming and not self.rows and not self.view.page
        table.show_sort(self.view.sort.column if self.view.sort else None,
                        bool(self.view.sort and self.view.sort.descending))
        self.update_pager()
        self.update_detail()

    def redraw(self, keep: str | None = None, cursor: int | str | None = None) -> None:
        """Show the page as the view has it now; the cursor stays on the number it was on (or on
        `keep`) when that is still on the page, else on the same row."""
        rows = self.view.rows()
        table = self.query_one(PoolTable)
        current = self.highlighted()
        keep = keep or (current.sid if current else None)
        if rows == self.rows and cursor is None:  # the same numbers, unchanged
            table.loading = False
            self.update_pager()
            return
        sids = [n.sid for n in rows]
        if cursor is None:
            cursor = sids.index(keep) if keep in sids else table.cursor_row
        self.show(rows, cursor)

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
            pager_text(self.view, total, len(self.marks), self.world.read_only))

    def apply(self, number: PhoneNumber) -> None:
        """Put a changed number everywhere it is shown (it keeps its place in the rows)."""
        self.view.replace(number)
        for i, old in enumerate(self.rows):
            if old.sid == number.sid:
                self.rows[i] = number
        self.marks.replace(number)
        self.repaint(number)

    def repaint(self, number: PhoneNumber) -> None:
        table = self.query_one(PoolTable)
        if number.sid in table.rows:
            table.update_cell(number.sid, "reserved", self.reserved_text(number))
            table.update_cell(number.sid, "in_use", in_use_cell(number))
            table.update_cell(number.sid, "mark", mark_cell(number.sid in self.marks))
        self.update_detail()

    def forget(self, numbers: list[PhoneNumber]) -> None:
        """Removed numbers leave the view, the marks and the table; the counts follow."""
        for number in numbers:
            self.marks.drop(number.sid)
        self.view.drop_many(n.sid for n in numbers)
        self.redraw(cursor=min(self.query_one(PoolTable).cursor_row, max(len(self.view.rows()) - 1, 0)))
        self.update_counts()

    # -- paging and jumping ----------------------------------------------------------------------------

    def goto(self, page: int, cursor: int | str = "top") -> None:
        move = self.view.turn_to(page)
        if move is Move.BEFORE_FIRST:
            self.notify("This is the first page.", timeout=2)
        elif move is Move.AFTER_LAST:
            self.notify("This is the last page.", timeout=2)
        else:
            self.show(self.view.rows(), cursor)

    def action_next_page(self) -> None:
        self.goto(self.view.page + 1)

    def action_previous_page(self) -> None:
        self.goto(self.view.page - 1)

    def action_first_page(self) -> None:
        self.goto(0)

    def action_last_page(self) -> None:
        self.view.turn_to_last()
        self.show(self.view.rows())

    def on_pool_table_edge_reached(self, message: PoolTable.EdgeReached) -> None:
        self.goto(self.view.page + message.direction, "top" if message.direction > 0 else "bottom")

    def jump_to(self, number: PhoneNumber) -> None:
        """Turn to the page of `number` with the cursor on it (the filter goes if it hides it)."""
        where = self.view.locate(number.sid)
        if where is None:
            self.clear_filter(redraw=False)
            self.notify("The filter hid that number: cleared it.", timeout=4)
            where = self.view.locate(number.sid)
        if where is not None:
            self.view.turn_to(where[0])
            self.show(self.view.rows(), where[1])

    def action_refresh(self) -> None:
        self.read()
        self.update_pager()

    # -- sort -----------------------------------------------------------------------------------------------

    def sort_by(self, sort: Sort | None) -> None:
        """Sort the whole pool; the highlighted number stays in view."""
        current = self.highlighted()
        self.view.set_sort(sort)
        if current is not None and (where := self.view.locate(current.sid)) is not None:
            self.view.turn_to(where[0])
            self.show(self.view.rows(), where[1])
        else:
            self.show(self.view.rows())

    def action_sort_next(self) -> None:
        self.sort_by(next_sort(self.view.sort))  # the header's arrow and the pager line say it

    def action_sort_reverse(self) -> None:
        sort = self.view.sort or Sort("number")
        self.sort_by(replace(sort, descending=not sort.descending))

    def on_pool_table_header_clicked(self, message: PoolTable.HeaderClicked) -> None:
        if message.column in ("mark", "updated"):
            return
        self.sort_by(next_sort(self.view.sort, message.column))

    # -- filters ----------------------------------------------------------------------------------------------

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "filter":
            return
        self.filter_by(replace(self.view.query, text=event.value.strip()))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            self.query_one(PoolTable).focus()

    def filter_by(self, query: Query) -> None:
        self.view.set_query(query)
        self.show(self.view.rows())

    def action_state_filter(self) -> None:
        self.filter_by(next_state(self.view.query))
        words = self.view.query.describe() or "none"
        self.notify(f"Filter: {words} ({len(self.view.shown()):,} of {len(self.view.numbers):,} shown)", timeout=3)

    def clear_filter(self, redraw: bool = True) -> None:
        box = self.query_one("#filter", Input)
        with box.prevent(Input.Changed):
            box.value = ""
        box.display = False
        self.view.set_query(Query())
        self.query_one(PoolTable).focus()
        if redraw:
            self.show(self.view.rows())

    # -- marks and back --------------------------------------------------------------------------------

    def action_mark(self) -> None:
        number = self.highlighted()
        if number is None:
            return
        self.marks.toggle(number)
        self.repaint(number)
        self.query_one(PoolTable).action_cursor_down()
        self.update_pager()

    def mark(self, numbers: list[PhoneNumber]) -> None:
        added = self.marks.mark(numbers)
        for number in self.rows:
            self.repaint(number)
        self.notify(f"Marked {added:,} more: {len(self.marks):,} marked.", timeout=3)
        self.update_pager()

    def action_mark_all(self) -> None:
        self.mark(self.view.shown())

    def action_mark_range(self) -> None:
        number = self.highlighted()
        if number is not None:
            self.mark(self.marks.range_to(self.view.shown(), number.sid))

    def action_unmark(self) -> None:
        for number in self.marks.clear():
            if number.sid in self.query_one(PoolTable).rows:
                self.repaint(number)
        self.update_pager()

    def action_back(self) -> None:
        if self.view.query.active or self.query_one("#filter", Input).display:
            self.clear_filter()
        elif self.marks:
            self.action_unmark()
        else:
            self.stop_all_drains()
            self.app.pop_screen()

    # -- command mode ----------------------------------------------------------------------------------

    def command_names(self) -> dict[str, list[str]]:
        return {"ctx": [c.name for c in getattr(self.app, "known_contexts", [])]}

    def action_command(self) -> None:
        self.query_one(CommandBar).open()

    def on_command_bar_closed(self, message: CommandBar.Closed) -> None:
        self.query_one(PoolTable).focus()

    def on_command_bar_run(self, message: CommandBar.Run) -> None:
        bar = message.bar
        try:
            command = parse(message.line, POOL_COMMANDS)
            self.run_command(command)
        except CommandError as exc:
            bar.error(str(exc))
            return
        bar.done(message.line)

    def run_command(self, command: Command) -> None:
        """Carry a parsed command out; CommandError when it cannot be (shown in the command line)."""
        view = self.view
        if isinstance(command, SortCommand):
            self.sort_by(command.sort)
        elif isinstance(command, FilterCommand):
            if command.query.active:
                self.filter_by(replace(command.query, text=view.query.text))
            else:
                self.clear_filter()
        elif isinstance(command, PageCommand):
            target = command.target
            if target == "first":
                self.goto(0)
            elif target == "last":
                self.action_last_page()
            elif isinstance(target, int) and view.done and target >= view.page_count():
                raise CommandError(f"there are {view.page_count():,} pages")
            else:
                self.goto(int(target))
        elif isinstance(command, ExportCommand):
            self.app.export_rows(self, command.path, list(view.shown()))
        elif isinstance(command, MarkCommand):
            {"all": self.action_mark_all, "none": self.action_unmark, "range": self.action_mark_range}[command.how]()
        elif isinstance(command, GoCommand):
            if command.where == "services":
                self.action_back_to_services()
            elif command.where == "help":
                self.app.action_help()
            else:
                self.app.exit()
        elif isinstance(command, ContextCommand):
            self.app.choose_context(self, command.name)
        elif isinstance(command, JumpCommand):
            number = view.find(command.needle)
            if number is None:
                raise CommandError(f"no number or SID {command.needle!r} in this pool"
                                   + ("" if view.done else " (yet: it is still being read)"))
            self.jump_to(number)

    def action_back_to_services(self) -> None:
        self.stop_all_drains()
        self.app.pop_screen()

    def on_exported(self, message: Exported) -> None:
        self.notify(f"Wrote {numbers_phrase(message.count)} ({message.fmt.upper()}) to {message.path}",
                    title="Export", timeout=8)

    def on_export_failed(self, message: ExportFailed) -> None:
        self.notify(f"Nothing written: {message.reason}", title="Export", severity="error", timeout=10)

    # -- raw view, copy ---------------------------------------------------------------------------------

    def action_raw(self) -> None:
        number = self.highlighted()
        if number is not None:
            self.app.push_screen(RawViewScreen(number, self.service.unique_name))

    def on_pool_table_row_activated(self, message: PoolTable.RowActivated) -> None:
        self.action_raw()

    def copy(self, text: str, what: str) -> None:
        self.app.copy_to_clipboard(text)
        self.notify(f"Copied {what} {text} to the clipboard.", timeout=3)

    def action_copy_number(self) -> None:
        number = self.highlighted()
        if number is not None:
            self.copy(number.phone_number, "the number")

    def action_copy_sid(self) -> None:
        number = self.highlighted()
        if number is not None:
            self.copy(number.sid, "the SID")

    # -- read-only -----------------------------------------------------------------------------------------

    def action_read_only(self, what: str) -> None:
        self.notify(read_only_text(what), title="Read-only", severity="warning", timeout=5)

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
        self.count_change(number.is_reserved, is_reserved)
        self.app.set_reserved(self, number, is_reserved)

    def on_reservation_saved(self, message: ReservationSaved) -> None:
        self.pending.settle(message.number.sid)
        self.apply(message.number)
        self.update_counts()

    def on_reservation_failed(self, message: ReservationFailed) -> None:
        self.pending.settle(message.previous.sid)
        shown = next((n for n in self.view.numbers if n.sid == message.previous.sid), message.previous)
        self.apply(message.previous)
        self.count_change(shown.is_reserved, message.previous.is_reserved)
        report = message.report
        self.notify(f"{format_international(message.previous.phone_number)} is unchanged. {report.text}",
                    title=report.title, severity="error", timeout=10)

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
        self.forget([message.number])
        self.notify(f"Removed {format_international(message.number.phone_number)} from "
                    f"{self.service.unique_name}.", timeout=4)

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
        def added(number: PhoneNumber | None) -> None:
            if number is None:
                return
            state = "reserved" if number.is_reserved else "unreserved"
            self.notify(f"Added {format_international(number.phone_number)} to {self.service.unique_name} "
                        f"({state}).", timeout=4)
            self.view.add(number)
            self.redraw()
            if self.view.done:
                self.update_counts()
            elif self.stats is not None:
                step = 1 if number.is_reserved else 0
                self.show_counts(replace(self.stats, reserved=self.stats.reserved + step,
                                         unreserved=self.stats.unreserved + 1 - step))

        self.app.push_screen(AddNumberScreen(self.service, self.app.service_names), added)

    # -- bulk ------------------------------------------------------------------------------------------------

    def confirm_bulk(self, operation: str) -> None:
        plan = bulk_plan(operation, self.marks.numbers(), self.service)

        def answered(yes: bool | None) -> None:
            if yes:
                self.app.push_screen(BulkScreen(plan.operation, plan.numbers),
                                     lambda outcomes: self.bulk_finished(plan, outcomes))

        self.app.push_screen(ConfirmScreen(plan.title, plan.body, yes=plan.verb, danger=operation == "remove"),
                             answered)

    def bulk_finished(self, plan: BulkPlan, outcomes: list[BulkOutcome] | None) -> None:
        done = [o.number for o in outcomes or [] if o.ok]  # failed numbers stay marked
        for number in done:
            self.marks.drop(number.sid)
        if plan.operation == "remove":
            self.forget(done)
        else:
            self.view.replace_many(done)
            self.rows = [next((n for n in done if n.sid == r.sid), r) for r in self.rows]
            for number in self.rows:
                self.repaint(number)
            self.update_counts()
        if plan.skipped:  # the marked ones a reserve left as they were (already reserved) are done with too
            for number in [n for n in self.marks.numbers() if n.is_reserved]:
                self.marks.drop(number.sid)
                self.repaint(number)
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

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        if not self.resumed:  # the first, right after the mount styled every widget: not all again
            self.resumed = True
            event.refresh_styles = False
        if self.refresh_on_resume:  # back from Simulate: in_use changed everywhere
            self.refresh_on_resume = False
            self.read()

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
            self.app.push_screen(AddToMessagingScreen(numbers), lambda added: self.action_refresh() if added else None)

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
        was = next((n.is_reserved for n in self.view.numbers if n.sid == number.sid), number.is_reserved)
        self.apply(number)
        self.count_change(was, number.is_reserved)  # draining reserves it

    def on_drain_finished(self, message: DrainFinished) -> None:
        number = message.number
        if number.sid not in self.drains:
            return
        self.drains.stop(number.sid)
        how = "was already gone from" if message.already_gone else "drained and removed from"
        self.notify(f"{format_international(number.phone_number)} {how} {self.service.unique_name}.",
                    title="Drained", timeout=8)
        self.forget([number])

    def on_drain_failed(self, message: DrainFailed) -> None:
        number, report = message.number, message.report
        self.drains.stop(number.sid)
        self.notify(f"Draining {format_international(number.phone_number)} stopped: {report.text}",
                    title=report.title, severity="error", timeout=10)
        self.apply(number)
