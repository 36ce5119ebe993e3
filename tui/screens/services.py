"""The first screen: every Proxy Service of the account with its pool's size; enter opens a pool."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from tui.core.resources import PoolStats, Service
from tui.screens.messages import BackendFailed, ServicesLoaded
from tui.widgets.cells import format_ttl, limit_cell
from tui.widgets.world_bar import WorldBar, WorldInfo


class ServicesScreen(Screen):
    AUTO_FOCUS = "#services"
    BINDINGS = [
        Binding("enter", "open_pool", "Open pool"),
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
        Binding("ctrl+r", "refresh", "Refresh"),
    ]

    def __init__(self, world: WorldInfo):
        super().__init__()
        self.world = world
        self.services: list[Service] = []
        self.stats: dict[str, PoolStats] = {}
        self.filter_text = ""

    def compose(self) -> ComposeResult:
        yield WorldBar(self.world, "Services")
        yield Input(placeholder="Filter Services by name or SID (enter: keep, escape: clear)", id="filter")
        yield DataTable(id="services", cursor_type="row", zebra_stripes=True)
        yield Static("Loading Services…", id="status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Unique name", key="name")
        table.add_column("SID", key="sid")
        table.add_column("Number selection", key="selection")
        table.add_column("Geo match", key="geo")
        table.add_column("Default TTL", key="ttl")
        table.add_column("Pool", key="pool")
        table.add_column("Unreserved", key="unreserved")
        table.add_column("Reserved", key="reserved")
        table.focus()
        self.action_refresh()

    def on_screen_resume(self) -> None:
        # back from a pool: its counts may have changed
        if self.services:
            self.app.load_services(self)

    # -- data ----------------------------------------------------------------------------

    def action_refresh(self) -> None:
        self.query_one(DataTable).loading = not self.services
        self.app.load_services(self)

    def on_services_loaded(self, message: ServicesLoaded) -> None:
        self.services = message.services
        self.stats = message.stats
        self.query_one(DataTable).loading = False
        self.render_rows()

    def on_backend_failed(self, message: BackendFailed) -> None:
        self.query_one(DataTable).loading = False
        self.app.notify_error(message.action, message.error)
        if not self.services:
            self.query_one("#status", Static).update("Could not load the Services; ctrl+r tries again.")

    def visible(self) -> list[Service]:
        needle = self.filter_text.strip().lower()
        if not needle:
            return self.services
        return [s for s in self.services if needle in s.unique_name.lower() or needle in s.sid.lower()]

    def render_rows(self) -> None:
        table = self.query_one(DataTable)
        keep = self.highlighted()
        table.clear()
        for service in self.visible():
            stats = self.stats.get(service.sid)
            table.add_row(
                service.unique_name,
                service.sid,
                service.number_selection_behavior,
                service.geo_match_level,
                format_ttl(service.default_ttl),
                f"{stats.total:,}" if stats else "?",
                limit_cell(stats.unreserved, stats.unreserved_limit, stats.unreserved_warning) if stats else "?",
                limit_cell(stats.reserved, stats.reserved_limit, stats.reserved_warning) if stats else "?",
                key=service.sid,
            )
        if keep is not None and keep.sid in {s.sid for s in self.visible()}:
            table.move_cursor(row=table.get_row_index(keep.sid))
        shown, total = table.row_count, len(self.services)
        status = f"{total} Service{'s' if total != 1 else ''}"
        if self.filter_text:
            status = f"{shown} of {status} match {self.filter_text!r}"
        if not total:
            status = "This account has no Proxy Services."
        self.query_one("#status", Static).update(status + "   enter: open pool   /: filter   ?: keys")

    def highlighted(self) -> Service | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((s for s in self.services if s.sid == key), None)

    # -- keys -------------------------------------------------------------------------------

    def action_open_pool(self) -> None:
        from tui.screens.pool import PoolScreen

        service = self.highlighted()
        if service is None:
            return
        self.app.push_screen(PoolScreen(service, self.world, self.app.page_size, self.stats.get(service.sid)))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_pool()

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        if not box.display:
            return
        box.value = ""
        box.display = False
        self.query_one(DataTable).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value
        self.render_rows()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(DataTable).focus()
