"""The first screen: every Proxy Service of the account with its pool's gauges, and the account's
totals (numbers owned, in pools, spare); enter opens a pool.

The list shows as soon as Twilio has listed the Services; each pool's counts fill in as they
arrive (live, counting a pool pages all of it), then the account's numbers are counted. Counts
the app already knows (a pool just changed in the pool screen) show at once; live, the last
launch's counts (tui/live/count_cache.py) show dim, with their age, until counted again.
"""

from __future__ import annotations

import time
from importlib import import_module
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widget import AwaitMount
from textual.widgets import Input, Static

from tui.core.resources import PoolStats, Service
from tui.screens.messages import AccountCounted, BackendFailed, PoolCounted, ServicesLoaded
from tui.screens.training_messages import SandboxWasReset, ServiceDeleted, TrainingFailed
from tui.widgets.cells import age_text, count_cell, format_ttl, gauge_cell
from tui.widgets.key_footer import KeyFooter
from tui.widgets.keys import Key, bind_keys
from tui.widgets.pool_table import Column, PoolTable
from tui.widgets.world_bar import WorldBar, WorldInfo

if TYPE_CHECKING:  # command mode is imported when it is first used, not at launch
    from tui.widgets.command_line import CommandBar

COLUMNS = [  # the counts stay longest; SID goes first, then the settings
    Column("Unique name", "name", 14, flex=True), Column("Pool", "pool", 6),
    Column("Unreserved", "unreserved", 16), Column("Reserved", "reserved", 20),
    Column("In use", "in_use", 6, 1), Column("Default TTL", "ttl", 11, 2),
    Column("Number selection", "selection", 16, 3), Column("Geo match", "geo", 18, 3), Column("SID", "sid", 34, 4),
]
KEYS = [
    Key("enter", "open_pool", "Open", 0, title="Open pool"),
    Key("slash", "filter", "Filter", 0, "/", title="Filter Services"),
    Key("colon", "command", "Cmd", 0, ":", title="Command mode (:ctx, :help, :quit, a Service's name)"),
    Key("ctrl+r", "refresh", "Refresh", 0, title="Refresh"),
    Key("escape", "clear_filter", "Clear filter", None, title="Clear filter"),
    Key("question_mark", "app.help", "Keys", 0, "?", title="Keys"),
    Key("q", "app.quit", "Quit", 0, title="Quit"),
    # training (issue 11): on a sandbox; live or --read-only they say why they do nothing
    Key("S", "service_sessions", "Sessions", 1, title="The Service's sessions"),
    Key("N", "account_numbers", "Numbers", 1, title="The account's numbers: buy and release (sandbox)"),
    Key("C", "create_service", "Create", 2, title="Create a Service (sandbox)"),
    Key("X", "delete_service", "Delete", 2, title="Delete the Service (sandbox)"),
    Key("B", "briefing", "Briefing", 3, title="The scenario's briefing and goal"),
    Key("R", "reset_sandbox", "Reset", 3, title="Reset the sandbox to its seeded state"),
]


def dimmed(cell: object) -> Text:
    """A count of the last launch: drawn dim over its own colours until counted again."""
    text = Text(cell) if isinstance(cell, str) else cell.copy()  # type: ignore[attr-defined]
    text.stylize("dim")
    return text


def totals_text(services: list[Service], stats: dict[str, PoolStats], owned: int | None, owned_done: bool,
                cached_at: dict[str, float] | None = None, now: float | None = None) -> Text:
    """The account's line: numbers owned, in pools, spare (owned and in no pool), as far as counted."""
    counted = [stats[s.sid] for s in services if s.sid in stats]
    in_pools = sum(s.total for s in counted)
    text = Text()
    text.append("Account: ", style="bold")
    all_counted = len(counted) == len(services)
    owned_text = f"{owned:,}" if owned is not None else "…"
    if owned is not None and not owned_done:
        owned_text += "…"
    text.append(f"{owned_text} numbers owned · ")
    text.append(f"{in_pools:,}{'' if all_counted else '…'} in pools · ")
    if owned is not None and owned_done and all_counted:
        text.append(f"{owned - in_pools:,} spare", style="bold")
        text.append(" (in no pool)")
    else:
        text.append("… spare")
    if not all_counted:
        text.append(f" · counting pools: {len(counted)} of {len(services)}", style="italic")
    cached = [cached_at[s.sid] for s in services if cached_at and s.sid in cached_at]
    if cached:
        age = age_text((now if now is not None else time.time()) - min(cached))
        text.append(f" · {len(cached)} count{'s' if len(cached) != 1 else ''} from the last launch "
                    f"(counted {age}), dim until counted again", style="dim italic")
    return text


class ServicesScreen(Screen):
    AUTO_FOCUS = "#services"

    def __init__(self, world: WorldInfo):
        super().__init__()
        self.resumed = False  # shown at least once (on_screen_resume)
        self.begin(world)

    def begin(self, world: WorldInfo) -> None:
        """What the screen knows of a world: nothing yet of its Services."""
        self.world = world
        self.services: list[Service] = []
        self.stats: dict[str, PoolStats] = {}
        self.cached_at: dict[str, float] = {}  # live: the counts that are the last launch's (dim, with their age)
        self.owned: int | None = None
        self.owned_done = False
        self.loaded = False
        self.filter_text = ""
        self.hidden: list[AwaitMount] | None = None  # the filter box and the command line, once mounted

    def compose(self) -> ComposeResult:
        yield WorldBar(self.world, "Services")
        yield PoolTable(COLUMNS, id="services")
        yield Static("", id="totals")
        yield Static("Loading Services…", id="status")
        bind_keys(self, KEYS, self.app.size.width)  # before the footer first draws them
        yield KeyFooter()

    def on_mount(self) -> None:
        self.start()

    def start(self) -> None:
        bind_keys(self, KEYS, self.app.size.width)
        self.query_one(PoolTable).focus()
        self.action_refresh()
        self.app.call_after_refresh(self.mount_hidden)  # the app's: after the frame is written

    async def start_over(self, world: WorldInfo) -> None:
        """Another world's Services (:ctx) on this screen, the first on the stack (it cannot be
        replaced): what it showed of the old world goes with its widgets."""
        self.begin(world)
        await self.recompose()
        self.start()

    def mount_hidden(self) -> list[AwaitMount]:
        """The filter box (above the table) and the command line (above the footer), hidden until `/`
        and `:`: mounted once the screen has painted (two inputs were a tenth of the time to the first
        paint), or at once when `/` or `:` comes first. Each is mounted once; await what this returns."""
        if self.hidden is None:
            # command mode's code with it, not at launch (its commands, their parser, the widget)
            from tui.state.command_line import SERVICES_COMMANDS
            from tui.widgets.command_line import CommandBar

            self.hidden = [
                self.mount(Input(placeholder="Filter Services by name or SID (enter: keep, escape: clear)",
                                 id="filter"), before=self.query_one(PoolTable)),
                self.mount(CommandBar(self.app.command_history, allowed=SERVICES_COMMANDS, names=self.command_names),
                           before=self.query_one(KeyFooter)),
            ]
        return self.hidden

    def on_resize(self) -> None:
        bind_keys(self, KEYS, self.size.width)

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        if not self.resumed:  # the first, right after the mount styled every widget: not all again
            self.resumed = True
            event.refresh_styles = False
        # back from a pool: its counts changed with it; the app has them at once
        if self.loaded:
            self.stats.update(self.app.pool_counts)
            self.cached_at = dict(self.app.cached_at)
            self.render_rows()
            # live, a count pages a whole pool: only those not counted yet (ctrl+r counts them all)
            self.app.load_services(self, self.highlighted_sid(), missing_only=self.world.kind == "live")

    # -- data ----------------------------------------------------------------------------

    def action_refresh(self) -> None:
        self.query_one(PoolTable).loading = not self.services
        self.app.load_services(self, self.highlighted_sid())

    def on_services_loaded(self, message: ServicesLoaded) -> None:
        self.services = message.services
        self.stats = {sid: st for sid, st in message.stats.items() if any(s.sid == sid for s in self.services)}
        self.cached_at = {sid: at for sid, at in message.cached_at.items() if sid in self.stats}
        self.loaded = True
        table = self.query_one(PoolTable)
        table.loading = False
        if self.focused is None:  # a loading table cannot take focus: start() asked while it loaded
            table.focus()
        self.render_rows()
        # the pool screen's code (~60 ms to import) is read once the list is on screen, so that
        # `enter` opens it, and sends its first page's request, without that wait
        self.app.call_after_refresh(import_module, "tui.screens.pool")  # the app's: after the frame is written
        self.app.call_after_refresh(self.app.listed.set)  # what waits for the list (the training's checks) goes on

    def on_pool_counted(self, message: PoolCounted) -> None:
        self.stats[message.stats.service_sid] = message.stats
        self.cached_at.pop(message.stats.service_sid, None)
        table = self.query_one(PoolTable)
        sid = message.stats.service_sid
        if sid in table.rows:
            for key, cell in self.count_cells(message.stats).items():
                table.update_cell(sid, key, cell)
        self.update_totals()

    def on_account_counted(self, message: AccountCounted) -> None:
        self.owned, self.owned_done = message.owned, message.done
        self.update_totals()

    def on_backend_failed(self, message: BackendFailed) -> None:
        self.query_one(PoolTable).loading = False
        self.app.notify_error(message.action, message.error)
        if not self.services:
            self.query_one("#status", Static).update("Could not load the Services; ctrl+r tries again.")

    def visible(self) -> list[Service]:
        needle = self.filter_text.strip().lower()
        if not needle:
            return self.services
        return [s for s in self.services if needle in s.unique_name.lower() or needle in s.sid.lower()]

    @staticmethod
    def count_cells(stats: PoolStats | None, cached: bool = False) -> dict[str, object]:
        if stats is None:
            return {"pool": count_cell(None), "unreserved": gauge_cell(None, 0, False),
                    "reserved": gauge_cell(None, 0, False), "in_use": count_cell(None)}
        cells = {
            "pool": count_cell(stats.total),
            "unreserved": gauge_cell(stats.unreserved, stats.unreserved_limit, stats.unreserved_warning),
            "reserved": gauge_cell(stats.reserved, stats.reserved_limit, stats.reserved_warning),
            "in_use": count_cell(stats.in_use_numbers),
        }
        return {key: dimmed(cell) for key, cell in cells.items()} if cached else cells

    def row(self, service: Service) -> list[object]:
        counts = self.count_cells(self.stats.get(service.sid), service.sid in self.cached_at)
        return [service.unique_name, counts["pool"], counts["unreserved"], counts["reserved"], counts["in_use"],
                format_ttl(service.default_ttl), service.number_selection_behavior, service.geo_match_level,
                service.sid]

    def render_rows(self) -> None:
        table = self.query_one(PoolTable)
        keep = self.highlighted_sid()
        table.clear()
        visible = self.visible()
        table.add_rows([(service.sid, self.row(service)) for service in visible])
        if keep is not None and keep in table.rows:
            table.move_cursor(row=table.get_row_index(keep))
        shown, total = table.row_count, len(self.services)
        status = f"{total} Service{'s' if total != 1 else ''}"
        if self.filter_text:
            status = f"{shown} of {status} match {self.filter_text!r}"
        if not total:
            status = "This account has no Proxy Services."
        self.query_one("#status", Static).update(status + "   enter: open pool   /: filter   :: command   ?: keys")
        self.update_totals()

    def update_totals(self) -> None:
        self.query_one("#totals", Static).update(
            totals_text(self.services, self.stats, self.owned, self.owned_done, self.cached_at) if self.loaded else "")

    def highlighted_sid(self) -> str | None:
        table = self.query_one(PoolTable)
        if table.row_count == 0 or table.cursor_row >= table.row_count:
            return None
        return table.keys[table.cursor_row]

    def highlighted(self) -> Service | None:
        sid = self.highlighted_sid()
        return next((s for s in self.services if s.sid == sid), None)

    # -- keys -------------------------------------------------------------------------------

    def action_open_pool(self) -> None:
        from tui.screens.pool import PoolScreen

        service = self.highlighted()
        if service is None:
            return
        self.app.prefetch_pool(service.sid)  # its first page leaves before the screen is built
        self.app.push_screen(PoolScreen(service, self.world, self.app.page_size, self.stats.get(service.sid)))

    def on_pool_table_row_activated(self, event: PoolTable.RowActivated) -> None:
        self.action_open_pool()

    async def action_filter(self) -> None:
        for mounting in self.mount_hidden():
            await mounting
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input) if self.query("#filter") else None
        if box is None or not box.display:
            return
        box.value = ""
        box.display = False
        self.query_one(PoolTable).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self.filter_text = event.value
            self.render_rows()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            self.query_one(PoolTable).focus()

    # -- command mode ----------------------------------------------------------------------------

    def command_names(self) -> dict[str, list[str]]:
        return {"ctx": [c.name for c in getattr(self.app, "known_contexts", [])]}

    async def action_command(self) -> None:
        from tui.widgets.command_line import CommandBar

        for mounting in self.mount_hidden():
            await mounting
        self.query_one(CommandBar).open()

    def on_command_bar_closed(self, message: CommandBar.Closed) -> None:
        self.query_one(PoolTable).focus()

    def on_command_bar_run(self, message: CommandBar.Run) -> None:
        from tui.state.command_line import (
            SERVICES_COMMANDS,
            CommandError,
            ContextCommand,
            GoCommand,
            JumpCommand,
            parse,
        )

        try:
            command = parse(message.line, SERVICES_COMMANDS)
            if isinstance(command, JumpCommand):
                self.jump_to(command.needle)
            elif isinstance(command, ContextCommand):
                self.app.choose_context(self, command.name)
            elif isinstance(command, GoCommand):
                if command.where == "help":
                    self.app.action_help()
                elif command.where == "quit":
                    self.app.exit()
        except CommandError as exc:
            message.bar.error(str(exc))
            return
        message.bar.done(message.line)

    def jump_to(self, needle: str) -> None:
        low = needle.lower()
        found = [s for s in self.services if s.sid.lower() == low or s.unique_name.lower() == low] or \
            [s for s in self.services if s.unique_name.lower().startswith(low) or s.sid.lower().startswith(low)]
        if len(found) != 1:
            from tui.state.command_line import CommandError

            raise CommandError(f"no Service {needle!r}" if not found else
                               f"{needle!r} names {len(found)} Services: " + ", ".join(s.unique_name for s in found))
        self.action_clear_filter()
        self.filter_text = ""
        self.render_rows()
        table = self.query_one(PoolTable)
        table.move_cursor(row=table.get_row_index(found[0].sid))

    # -- training (issue 11): a Service's sessions, building a pool, the briefing, reset ---------------

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
        self.stats.pop(message.service.sid, None)
        self.app.pool_counts.pop(message.service.sid, None)
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
        self.app.pool_counts.clear()  # every count the app knew is of the sandbox before the reset
        self.action_refresh()
        self.app.show_briefing()

    def on_training_failed(self, message: TrainingFailed) -> None:
        report = message.report
        self.notify(f"{message.action}: {report.text}", title=report.title, severity="error", timeout=10)
