"""The first screen: every Proxy Service of the account with its pool's size; enter opens a pool."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from tui.core.resources import PoolStats, Service
from tui.screens.messages import BackendFailed, ServicesLoaded
from tui.screens.training_messages import SandboxWasReset, ServiceDeleted, TrainingFailed
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
        self.bind_training_keys()

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

    # -- training (issue 11): a Service's sessions, building a pool, the briefing, reset ---------------

    TRAINING_KEYS = (  # key, action, description, shown in the footer
        ("S", "service_sessions", "Sessions", True),
        ("N", "account_numbers", "Numbers", True),
        ("C", "create_service", "Create Service", False),
        ("X", "delete_service", "Delete Service", False),
        ("B", "briefing", "Scenario briefing", False),
        ("R", "reset_sandbox", "Reset sandbox", False),
    )

    def bind_training_keys(self) -> None:
        for key, action, description, show in self.TRAINING_KEYS:
            self._bindings.bind(key, action, description, show=show)

    def sandbox_only(self, what: str) -> bool:
        """True (after saying why) when `what` cannot be done here: live, or --read-only."""
        if self.world.kind != "sandbox":
            self.notify(f"{what} is for sandboxes only: on a live account it would change real numbers.",
                        title="Sandbox only", severity="warning", timeout=8)
            return True
        if self.world.read_only:
            self.notify(f"{what} changes the account; this app is --read-only.", title="Read-only",
                        severity="warning", timeout=6)
            return True
        return False

    def action_service_sessions(self) -> None:
        from tui.screens.service_sessions import ServiceSessionsScreen

        service = self.highlighted()
        if service is None:
            self.notify("There is no Service to show the sessions of.", timeout=4)
            return
        self.app.push_screen(ServiceSessionsScreen(service, self.world))

    def action_account_numbers(self) -> None:
        from tui.screens.build_pool import AccountNumbersScreen

        if not self.sandbox_only("Buying and releasing numbers"):
            self.app.push_screen(AccountNumbersScreen(self.world))

    def action_create_service(self) -> None:
        from tui.screens.build_pool import CreateServiceScreen

        def created(service: Service | None) -> None:
            if service is not None:
                self.notify(f"Created {service.unique_name} ({service.sid}); enter opens its (empty) pool.",
                            timeout=6)
                self.app.load_services(self)

        if not self.sandbox_only("Creating a Service"):
            self.app.push_screen(CreateServiceScreen(), created)

    def action_delete_service(self) -> None:
        from tui.screens.confirm import ConfirmScreen

        service = self.highlighted()
        if self.sandbox_only("Deleting a Service"):
            return
        if service is None:
            self.notify("There is no Service to delete.", timeout=4)
            return
        stats = self.stats.get(service.sid)
        pool = f"its {stats.total:,} pool numbers go back to the account's numbers" if stats else "its pool is emptied"
        body = (f"Delete the Service {service.unique_name} ({service.sid})? {pool[0].upper() + pool[1:]} (still "
                "owned), and every session of it is deleted. This cannot be undone (a reset rebuilds the seeded "
                "sandbox).")
        self.app.push_screen(ConfirmScreen("Delete Service", body, yes="Delete", danger=True),
                             lambda yes: yes and self.app.delete_service(self, service))

    def on_service_deleted(self, message: ServiceDeleted) -> None:
        self.notify(f"Deleted the Service {message.service.unique_name}.", timeout=5)
        self.app.load_services(self)

    def action_briefing(self) -> None:
        if self.app.training.scenario is None:
            self.notify("This sandbox was not built from a scenario, so it has no briefing. proxy-pool sandbox "
                        "scenarios lists them.", timeout=6)
            return
        self.app.show_briefing()

    def action_reset_sandbox(self) -> None:
        from tui.screens.confirm import ConfirmScreen

        if self.sandbox_only("Resetting the sandbox"):
            return
        seeded = self.app.training.seeded
        if seeded is None:
            self.notify("This sandbox was not built from a seed (a copy of a live account, or a test's), so it "
                        "cannot be reset.", title="No reset", severity="warning", timeout=8)
            return
        body = (f"Reset the sandbox {self.world.label} to how it was built ({seeded})? Every change since is "
                "undone: Services, pools, reservations, bought numbers and every session (simulations too). "
                "The account SID and token stay the same.")
        self.app.push_screen(ConfirmScreen("Reset sandbox", body, yes="Reset", danger=True),
                             lambda yes: yes and self.app.reset_sandbox(self))

    def on_sandbox_was_reset(self, message: SandboxWasReset) -> None:
        self.notify(f"The sandbox is back in its seeded state ({message.what}).", title="Reset", timeout=6)
        self.services, self.stats = [], {}
        self.action_refresh()
        self.app.show_briefing()

    def on_training_failed(self, message: TrainingFailed) -> None:
        report = message.report
        self.notify(f"{message.action}: {report.text}", title=report.title, severity="error", timeout=10)
