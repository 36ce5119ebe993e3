"""The proxy-pool Textual app, and create_app(): the one factory the CLI and the tests share.

The app owns the backend and runs every backend call in a worker (the methods below the
keys): the pool's pages and counts, its mutations, the account's numbers, and the pool in
motion (simulation ticks, the sessions holding a number, draining). A worker posts a message
to the screen that asked; the screen's handler changes its widgets. Screens never touch the
backend themselves. Every whole list is read with tui.core.seam's page loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterable
from contextlib import aclosing
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import WorkerFailed

from tui.core.errors import ProxyError
from tui.core.resources import (
    DEFAULT_PAGE_SIZE,
    MAX_RECORDS_PER_PAGE,
    AccountNumber,
    PhoneNumber,
    PoolStats,
    Service,
)
from tui.core.seam import Backend, OwnedCount, all_items, each_outcome, every_item, every_page
from tui.core.sids import mask_sid
from tui.screens.messages import (
    AccountCounted,
    AccountNumbersLoaded,
    BackendFailed,
    BulkOutcome,
    BulkStep,
    ContextFailed,
    ContextsListed,
    Exported,
    ExportFailed,
    NumberAdded,
    NumberRemoved,
    PoolChunk,
    PoolCounted,
    PoolReadFailed,
    RemoveFailed,
    ReservationFailed,
    ReservationSaved,
    ServicesLoaded,
    StatsLoaded,
    describe_error,
)
from tui.screens.traffic_messages import (
    DrainFailed,
    DrainFinished,
    DrainProgress,
    SessionsHolding,
    SimulationFailed,
    SimulationReset,
    SimulationStepped,
)
from tui.screens.training_messages import (
    AccountNumbersListed,
    GoalChecked,
    NumberReleased,
    NumbersBought,
    OrphansDeleted,
    OrphansFound,
    SandboxWasReset,
    ServiceCreated,
    ServiceDeleted,
    ServiceSessions,
    SessionsClosed,
    SimulationLeft,
    TrainingFailed,
)
from tui.state.history import History
from tui.state.prefetch import Prefetch
from tui.state.retry_notices import RetryNotices
from tui.state.simulations import Simulations
from tui.state.training import Training
from tui.widgets.key_order import KeyOrder
from tui.widgets.keys import own_bindings
from tui.widgets.world_bar import WorldInfo

if TYPE_CHECKING:  # the engine is imported when a simulation starts, the sessions when shown: not at launch
    from sandbox.traffic import TrafficEngine, TrafficParams
    from tui.contexts import Context, Worlds
    from tui.core.sessions import Participant, Session
    from tui.live.count_cache import CountCache
    from tui.screens.messaging import MessagingRequest


async def sessions_holding(backend: Any, service_sid: str, number_sid: str) -> list[tuple[Session, list[Participant]]]:
    """The active sessions in which a participant holds this pool number, with their participants.

    A backend that answers the question itself (the sandbox) is asked; otherwise every active
    session is scanned through the seam (what a live account needs)."""
    direct = getattr(backend, "sessions_holding", None)
    if direct is not None:
        found = list(await direct(service_sid, number_sid))
    else:
        found = []
        async with aclosing(every_item(backend.list_sessions, service_sid)) as sessions:
            async for session in sessions:
                if session.is_active and any(p.proxy_identifier_sid == number_sid
                                             for p in await _participants(backend, session)):
                    found.append(session)
    return [(session, await _participants(backend, session)) for session in found]


async def _participants(backend: Any, session: Session) -> list[Participant]:
    return await all_items(backend.list_participants, session.service_sid, session.sid)


# the worker groups that talk to the backend (a switch of world cancels them all)
WORLD_GROUPS = ("services", "pool", "stats", "mutations", "account-numbers", "bulk", "export", "simulate",
                "sessions", "drain")


class ProxyPoolApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "proxy-pool"
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Keys", key_display="?"),
    ]
    # screens get -narrow under 130 columns and -wide from 180 (app.tcss lays them out by it)
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (130, "-normal"), (180, "-wide")]
    #: seconds between two reads of a draining number
    drain_poll_seconds: float = 1.0
    #: seconds between two simulation ticks while the Simulate screen plays
    simulate_tick_seconds: float = 0.5

    def __init__(self, backend: Backend, *, world: WorldInfo, page_size: int = 50,
                 startup_note: str | None = None, calm_errors: bool = False,
                 worlds: Worlds | Callable[[], Worlds] | None = None, first_painted: Callable[[], None] | None = None):
        super().__init__()
        self.backend = backend
        self.world = world
        self.page_size = page_size
        self.startup_note = startup_note
        # A real run turns an unexpected exception into one line instead of a traceback;
        # tests keep Textual's default so a bug fails the test.
        self.calm_errors = calm_errors
        self.service_names: dict[str, str] = {}
        self.crash_line: str | None = None
        # Mutations run one at a time, in the order the keys were pressed.
        self._mutations = asyncio.Lock()
        self._opening: asyncio.Future[Any] | None = None  # a deferred backend's open (ensure_backend)
        # the Simulate screen's runs, one per Service, kept while the app runs
        self.simulations: Simulations[TrafficEngine] = Simulations()
        self.training = Training()  # the sandbox's scenario and its goal (the training block below)
        self.exit_lines: list[str] = []  # printed after the app has left the terminal (tui.launch)
        # every pool's last known counts (the pool screen keeps its own current; Services shows them)
        self.pool_counts: dict[str, PoolStats] = {}
        # live: the counts of the last launch, shown with their age until counted again
        self.count_cache = count_cache_of(backend)
        self.cached_at: dict[str, float] = {}  # the pools whose count is the cache's: when it was counted
        self.owned_numbers: int | None = None
        self.command_history = History()  # command mode's, shared by every screen
        # how :ctx opens another world (None: no contexts, e.g. in tests); launch hands over their maker
        self._worlds = worlds
        self.opened_backend = False  # the backend is one the app opened (:ctx), so the app closes it
        self.known_contexts: list[Context] = []  # as last listed (command mode completes their names)
        # keys read in a burst are handled one at a time, each after the one before (tui/widgets/key_order.py)
        self.key_order = KeyOrder(self, partial(App.on_event, self))
        self.prefetch = Prefetch()  # live reads started before the screen that shows them has mounted
        self.listed = asyncio.Event()  # the first Services list has been drawn (or could not be read)
        # called once the first screen has painted (and before a deferred sandbox opens): launch's resume_gc
        self.first_painted = first_painted or (lambda: None)

    @property
    def read_only(self) -> bool:
        return self.world.read_only

    @property
    def worlds(self) -> Worlds | None:
        """The worlds :ctx opens, made when first asked for (after the first paint: their module and
        the json it reads cost ~8 ms at launch here). Only the event loop's thread asks first."""
        if callable(self._worlds):
            self._worlds = self._worlds()
        return self._worlds

    def sized(self, screen: Screen) -> Screen:
        """`screen` with its width class (-narrow, -normal, -wide) before it mounts: Textual adds it
        at the screen's first resize, which styles every widget again (~5 ms before the Services
        screen's first paint, again when a pool opens)."""
        if screen.HORIZONTAL_BREAKPOINTS is None and not screen.is_attached:
            for width, name in sorted(self.HORIZONTAL_BREAKPOINTS, reverse=True):
                if self.size.width >= width:
                    screen.set_class(True, name, update=False)
                    break
        return screen

    def push_screen(self, screen: Any, *args: Any, **kwargs: Any) -> Any:
        """Textual's, with the screen sized first (see sized)."""
        return super().push_screen(self.sized(screen) if isinstance(screen, Screen) else screen, *args, **kwargs)

    def get_default_screen(self) -> Screen:
        """The Services screen is the first on the stack: composed with the app, it paints in the
        app's first frame. Pushed over Textual's empty default screen from on_mount, it was composed
        inside the app's mount (whose frames Textual discards) and painted ~20 ms later."""
        from tui.screens.services import ServicesScreen

        return self.sized(ServicesScreen(self.world))

    def on_mount(self) -> None:
        self.theme = "textual-dark"
        self.prefetch_services()
        self.call_after_refresh(self.after_first_paint)
        self.start_training()
        if self.startup_note:
            self.notify(self.startup_note, title="Sandbox", timeout=8)
        self.watch_retries()

    def after_first_paint(self) -> None:
        """What the first screen does not need to be drawn: the GC back (launch's), the world
        remembered among the recent ones (a file written), the contexts :ctx completes (files read)."""
        self.first_painted()
        if self.worlds is not None:  # made here, before the thread below reads them
            self.remember_world()
            self.list_contexts(show=False)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            if not event.is_forwarded:
                await self.key_order.arrived(event)
                return
            await super().on_event(event)
            self.key_order.reached_app(event)  # it came back up: its binding has run
            return
        await super().on_event(event)

    def watch_retries(self) -> None:
        """A live backend says when it sends a request again; the user is told (a sandbox never retries)."""
        watch = getattr(self.backend, "watch_retries", None)
        if watch is not None:
            notices = RetryNotices()
            watch(lambda retrying: self.retry_told(notices.add(retrying)))

    def retry_told(self, text: str | None) -> None:
        if text is not None:  # the request goes on by itself: a warning, not an error
            self.notify(text, title="Retrying", severity="warning", timeout=6)

    def prefetch_services(self) -> None:
        """The Services list leaves as the app starts, not once its screen has mounted."""
        self._early("services", lambda: all_items(self.backend.list_services, page_size=DEFAULT_PAGE_SIZE))

    def prefetch_pool(self, service_sid: str) -> None:
        """A pool's first page leaves when `enter` opens it (the pool screen's read takes it)."""
        self._early(("pool", service_sid), lambda: self.backend.list_numbers(service_sid, MAX_RECORDS_PER_PAGE))

    def _early(self, key: Any, read: Any) -> None:
        """`read()` now (it names the backend only once called: an unopened sandbox has no lists)."""
        if self.world.kind == "live":  # a round trip saved; a sandbox answers at once (and may not be open yet)
            self.prefetch.start(key, read)

    async def on_unmount(self) -> None:
        self.prefetch.cancel_all()
        if self.opened_backend:  # launch closes the one it opened; this one is the app's
            await close_backend(self.backend)

    # -- keys and the command palette -----------------------------------------------------

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.read_only))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every action of the current screen (as its bindings list them, each once), then the
        app's: keys, quit, theme, screenshot. Not Textual's focus, copy, maximize or key panel."""
        titles: set[str] = set()
        for binding in own_bindings(screen):
            if binding.action in ("help", "quit", "app.quit", "app.help") or binding.action.startswith("read_only"):
                continue  # the app's own follow; a key --read-only disables is no command
            title = binding.tooltip or binding.description
            if title in titles:
                continue
            titles.add(title)
            yield SystemCommand(title, f"key: {self.get_key_display(binding)}",
                                partial(self.call_later, screen.run_action, binding.action))
        yield SystemCommand("Keys", "Every key, by screen (key: ?)", self.action_help)
        yield SystemCommand("Quit", "Quit proxy-pool (key: q)", self.action_quit)
        yield SystemCommand("Theme", "Change the colours", self.action_change_theme)
        yield SystemCommand("Screenshot", f"Save an SVG of the screen in {Path.cwd()}",
                            lambda: self.set_timer(0.1, self.save_screen_picture))

    def save_screen_picture(self) -> None:
        """Screenshot: an SVG in the current folder (or the data folder when that cannot be
        written), and a note saying exactly where. Textual's own wrote to ~/Downloads and, with no
        such folder, said only "Failed to save screenshot"."""
        name = time.strftime("proxy-pool-%Y%m%d-%H%M%S.svg")
        svg = self.export_screenshot()
        self.write_picture(name, svg)

    @work(group="screenshot", exit_on_error=False, thread=True)
    def write_picture(self, name: str, svg: str) -> None:
        import platformdirs

        reasons = []
        for folder in (Path.cwd(), platformdirs.user_data_path("proxy-pool")):
            try:
                folder.mkdir(parents=True, exist_ok=True)
                path = folder / name
                path.write_text(svg, encoding="utf-8")
            except OSError as exc:
                reasons.append(f"{folder}: {exc.strerror or exc}")
                continue
            self.call_from_thread(self.notify, f"Saved {path}", title="Screenshot", timeout=8)
            return
        self.call_from_thread(self.notify, "Could not save the screenshot: " + "; ".join(reasons),
                              title="Screenshot", severity="error", timeout=10)

    def _handle_exception(self, error: Exception) -> None:
        if not self.calm_errors:
            super()._handle_exception(error)
            return
        # A bug, not a backend failure (those are notifications): leave with one line, which
        # run_app prints after the terminal is restored, instead of Textual's traceback.
        self._exception_event.set()  # anyone waiting on the app (a Pilot) stops waiting
        cause = error.error if isinstance(error, WorkerFailed) else error
        report = describe_error(cause)
        self.crash_line = f"proxy-pool: error: {report.title}: {report.message}".replace("\n", " ")
        self.exit(return_code=1)

    def notify_error(self, action: str, error: BaseException) -> None:
        report = describe_error(error)
        self.notify(f"{action}: {report.text}", title=report.title, severity="error", timeout=10)

    # -- workers: every backend call happens here ----------------------------------------------

    @work(group="services", exclusive=True, exit_on_error=False)
    async def load_services(self, target: Screen, first: str | None = None, missing_only: bool = False) -> None:
        """The Services at once, then each pool's counts as they arrive (`first`'s first: live, a
        count pages a whole pool; `missing_only`: only the pools not counted yet), then how many
        numbers the account owns."""
        if not await self.ensure_backend(target):
            return
        started = self.prefetch.take("services")
        try:
            services: list[Service] = await (started or all_items(self.backend.list_services,
                                                                  page_size=DEFAULT_PAGE_SIZE))
        except Exception as exc:  # noqa: BLE001 - any failure becomes a notification
            target.post_message(BackendFailed("Loading Services", describe_error(exc), exc))
            self.listed.set()
            return
        self.service_names = {s.sid: s.unique_name for s in services}
        self.adopt_cached_counts()
        if not target.post_message(ServicesLoaded(services, dict(self.pool_counts), dict(self.cached_at))):
            return
        try:
            for service in sorted(services, key=lambda s: s.sid != first):
                if missing_only and service.sid in self.pool_counts and service.sid not in self.cached_at:
                    continue
                stats = await self.backend.pool_stats(service.sid)
                self.counted(stats)
                if not target.post_message(PoolCounted(stats)):
                    return
            if missing_only and self.owned_numbers is not None:
                target.post_message(AccountCounted(self.owned_numbers, done=True))
                return
            if isinstance(self.backend, OwnedCount):
                self.owned_numbers = await self.backend.owned_count()
                target.post_message(AccountCounted(self.owned_numbers, done=True))
                return
            owned = 0
            async with aclosing(every_page(self.backend.list_account_numbers)) as pages:
                async for page in pages:
                    owned += len(page.items)
                    if not target.post_message(AccountCounted(owned, done=not page.next_token)):
                        return
            self.owned_numbers = owned
        except Exception as exc:  # noqa: BLE001
            target.post_message(BackendFailed("Counting the pools", describe_error(exc), exc))

    def counted(self, stats: PoolStats) -> None:
        """A pool's counts as the backend has them now (the Services screen and the cache follow)."""
        self.pool_counts[stats.service_sid] = stats
        self.cached_at.pop(stats.service_sid, None)
        if self.count_cache is not None:
            now = time.time()
            self.count_cache.save(self.pool_counts, {sid: self.cached_at.get(sid, now) for sid in self.pool_counts})

    def adopt_cached_counts(self) -> None:
        """Live, once: the last launch's counts of the Services listed, for those not counted yet."""
        if self.count_cache is None or self.cached_at or self.pool_counts:
            return
        for sid, entry in self.count_cache.load().items():
            if sid in self.service_names:
                self.pool_counts[sid] = entry.stats
                self.cached_at[sid] = entry.counted_at

    async def ensure_backend(self, target: Screen) -> bool:
        """A backend handed over unopened (tui.launch.DeferredSandbox: 10 full pools take 0.4 s to
        read) opens here, in a thread, once `target` has painted (the app's refresh after the
        screen's: a screen's callbacks run before its frame is written); the first screen shows at once.
        If it cannot open, the app ends with the one line launch prints for such a file."""
        open_deferred = getattr(self.backend, "open_deferred", None)
        if open_deferred is None:
            return True
        if self._opening is None:
            await target.wait_for_refresh()
            painted = asyncio.Event()
            self.call_after_refresh(painted.set)  # the app's: after the frame is written
            await painted.wait()
            self.first_painted()  # the open runs under the store's GC policy (sandbox.store.big_load)
            if self._opening is None:
                self._opening = asyncio.ensure_future(asyncio.to_thread(open_deferred))
        try:
            self.backend = await asyncio.shield(self._opening)  # a cancelled worker never cancels the open
        except Exception as exc:  # noqa: BLE001 - LaunchError: one line, as if launch had opened it
            self.crash_line = f"proxy-pool: error: {exc}".replace("\n", " ")
            self.exit(return_code=1)
            return False
        return True

    @work(group="pool", exclusive=True, exit_on_error=False)
    async def read_pool(self, target: Screen, service_sid: str, generation: int) -> None:
        """The whole pool, 100 numbers a request (Twilio's most), each part posted as it arrives:
        the first page is usable at once. Ends when the pool does or the screen is gone."""
        try:
            async with aclosing(every_page(self.backend.list_numbers, service_sid,
                                           first=self.prefetch.take(("pool", service_sid)))) as pages:
                async for page in pages:
                    if not target.post_message(PoolChunk(generation, list(page.items), done=not page.next_token)):
                        return
        except Exception as exc:  # noqa: BLE001
            target.post_message(PoolReadFailed(generation, describe_error(exc)))

    @work(group="stats", exit_on_error=False)
    async def load_stats(self, target: Screen, service_sid: str) -> None:
        try:
            stats = await self.backend.pool_stats(service_sid)
        except Exception as exc:  # noqa: BLE001
            target.post_message(BackendFailed("Loading the pool's counts", describe_error(exc), exc))
            return
        target.post_message(StatsLoaded(stats))

    @work(group="mutations", exit_on_error=False)
    async def set_reserved(self, target: Screen, previous: PhoneNumber, is_reserved: bool) -> None:
        async with self._mutations:
            try:
                number = await self.backend.set_reserved(previous.service_sid, previous.sid, is_reserved)
            except Exception as exc:  # noqa: BLE001
                target.post_message(ReservationFailed(previous, describe_error(exc)))
                return
        target.post_message(ReservationSaved(number))

    @work(group="mutations", exit_on_error=False)
    async def remove_number(self, target: Screen, number: PhoneNumber) -> None:
        async with self._mutations:
            try:
                await self.backend.remove_number(number.service_sid, number.sid)
            except Exception as exc:  # noqa: BLE001
                target.post_message(RemoveFailed(number, describe_error(exc), exc))
                return
        target.post_message(NumberRemoved(number))

    @work(group="mutations", exit_on_error=False)
    async def add_number(self, target: Screen, service_sid: str, *, sid: str | None = None,
                         phone_number: str | None = None, is_reserved: bool = False) -> None:
        async with self._mutations:
            try:
                number = await self.backend.add_number(service_sid, sid=sid, phone_number=phone_number,
                                                       is_reserved=is_reserved)
            except Exception as exc:  # noqa: BLE001
                target.post_message(BackendFailed("Adding the number", describe_error(exc), exc))
                return
        target.post_message(NumberAdded(number))

    @work(group="account-numbers", exclusive=True, exit_on_error=False)
    async def load_account_numbers(self, target: Screen) -> None:
        """The account's numbers, a page at a time (the add dialog lists them as they come)."""
        await self._stream(target, self.backend.list_account_numbers, (), AccountNumbersLoaded,
                           "Listing the account's numbers")
        await self.messaging_note()

    @staticmethod
    async def _stream(target: Screen, list_page: Any, args: tuple, message: Any, action: str) -> None:
        """Post a whole paged list to `target`, a page a message, until the end or the screen is gone."""
        try:
            async with aclosing(every_page(list_page, *args)) as pages:
                async for page in pages:
                    if not target.post_message(message(list(page.items), done=not page.next_token)):
                        return
        except Exception as exc:  # noqa: BLE001
            target.post_message(BackendFailed(action, describe_error(exc), exc))

    @work(group="bulk", exclusive=True, exit_on_error=False)
    async def run_bulk(self, target: Screen, operation: str, numbers: list[PhoneNumber]) -> None:
        """"reserve", "unreserve" or "remove" over many numbers, one outcome per number: on the
        sandbox one transaction for all the successes (tui.core.seam.each_outcome)."""
        by_sid = {n.sid: n for n in numbers}
        service_sid = numbers[0].service_sid if numbers else ""
        done = 0
        async with self._mutations:
            try:
                async with aclosing(each_outcome(self.backend, operation, service_sid, list(by_sid))) as batches:
                    async for batch in batches:
                        done += len(batch)
                        target.post_message(BulkStep([bulk_outcome(by_sid[sid], operation, outcome)
                                                      for sid, outcome in batch], done, len(by_sid)))
            except Exception as exc:  # noqa: BLE001 - the transaction failed: nothing of it was saved
                left = list(by_sid.values())[done:]
                target.post_message(BulkStep([bulk_outcome(n, operation, exc) for n in left], len(by_sid),
                                             len(by_sid)))

    @work(group="export", exclusive=True, exit_on_error=False)
    async def export_rows(self, target: Screen, path: str, numbers: list[PhoneNumber]) -> None:
        """The rows shown, as CSV or JSON (by the extension), written to `path`; Exported says where."""
        from tui.state.export import ExportError, format_for, render

        full = Path(path).expanduser()
        try:
            fmt = format_for(full)
            text = render(numbers, fmt)
            full = full if full.is_absolute() else Path.cwd() / full
            await asyncio.to_thread(full.write_text, text, encoding="utf-8")
        except ExportError as exc:
            target.post_message(ExportFailed(path, str(exc)))
            return
        except OSError as exc:
            target.post_message(ExportFailed(path, f"cannot write {full}: {exc.strerror or exc}"))
            return
        target.post_message(Exported(str(full), len(numbers), fmt))

    # -- contexts: other worlds, opened without leaving the app (:ctx) -------------------------------

    def choose_context(self, target: Screen, name: str | None) -> None:
        """:ctx lists the contexts to pick from; :ctx NAME switches to that one."""
        if self.worlds is None:
            self.notify("Contexts come with the proxy-pool command (this app was made without them).",
                        title="Contexts", severity="warning", timeout=6)
            return
        self.list_contexts(name)

    @work(group="context", exclusive=True, exit_on_error=False)
    async def list_contexts(self, wanted: str | None = None, show: bool = True) -> None:
        from tui.contexts import available

        if self.worlds is not None:
            contexts = await asyncio.to_thread(available, self.worlds)
            self.known_contexts = contexts
            self.post_message(ContextsListed(contexts, wanted, show))

    def on_contexts_listed(self, message: ContextsListed) -> None:
        from tui.contexts import named
        from tui.screens.contexts import ContextScreen

        if message.wanted is None:
            if message.show:
                path = getattr(self.backend, "path", None)
                self.push_screen(ContextScreen(message.contexts, Path(path).resolve() if path else None),
                                 self.context_chosen)
            return
        context = named(message.contexts, message.wanted)
        if context is None:
            names = ", ".join(c.name for c in message.contexts)
            self.notify(f"No context {message.wanted!r}: {names}", title="Contexts", severity="error", timeout=8)
            return
        self.open_context(context)

    def context_chosen(self, context: Context | None) -> None:
        if context is not None:
            self.open_context(context)

    @work(group="context", exclusive=True, exit_on_error=False)
    async def open_context(self, context: Context) -> None:
        """Open the context's backend (as `proxy-pool` would), then switch the whole app to it."""
        from tui.contexts import open_context

        assert self.worlds is not None
        try:
            backend = await asyncio.to_thread(open_context, self.worlds, context)
        except Exception as exc:  # noqa: BLE001 - LaunchError's text is the one line to show
            self.post_message(ContextFailed(context.name, str(exc) or type(exc).__name__))
            return
        await self.switch_world(backend)

    def on_context_failed(self, message: ContextFailed) -> None:
        self.notify(f"Could not open {message.name}: {message.reason}", title="Contexts", severity="error",
                    timeout=10)

    async def switch_world(self, backend: Any) -> None:
        """Leave every screen, close the old backend, and start over on `backend` from the Services."""
        from tui.screens.services import ServicesScreen

        old = self.backend
        for group in WORLD_GROUPS:  # every worker on the old backend (not this one, of the "context" group)
            self.workers.cancel_group(self, group)
        while len(self.screen_stack) > 1:  # down to the Services screen, the first (get_default_screen)
            await self.pop_screen()
        self.backend = backend
        self.opened_backend = True
        self.world = world_of(backend, read_only=self.world.read_only)
        self.service_names, self.pool_counts, self.owned_numbers = {}, {}, None
        self.count_cache, self.cached_at = count_cache_of(backend), {}
        self.simulations = Simulations()
        self.prefetch.cancel_all()  # reads of the old world
        self.prefetch_services()
        await close_backend(old)
        services = self.screen
        assert isinstance(services, ServicesScreen)  # the first screen, never popped
        await services.start_over(self.world)
        self.watch_retries()
        self.notify(f"Now in {self.world.badge.strip()}", title="Context", timeout=6)
        self.remember_world()
        self.list_contexts(show=False)

    @work(group="remember", exit_on_error=False, thread=True)
    def remember_world(self) -> None:
        """A sandbox opened goes first in the recent sandboxes (:ctx lists them)."""
        from tui.contexts import remember_sandbox

        path = getattr(self.backend, "path", None)
        if self.world.kind == "sandbox" and path is not None:
            remember_sandbox(Path(path))

    # -- the pool in motion: Simulate, the sessions holding a number, draining -----------------------

    def simulation(self, service: Service, params: TrafficParams) -> TrafficEngine:
        """The Service's run (kept while the app runs, so leaving the Simulate screen loses nothing);
        a new one when the parameters changed and the old run has no session open."""
        from sandbox.traffic import TrafficEngine

        return self.simulations.run_for(service.sid, params, lambda: TrafficEngine(self.backend, service, params))

    @work(group="simulate", exit_on_error=False)
    async def simulate_step(self, target: Screen, engine: TrafficEngine) -> None:
        try:
            snapshot = await engine.step()
        except Exception as exc:  # noqa: BLE001 - any failure becomes a message
            target.post_message(SimulationFailed("A simulation tick", describe_error(exc)))
            return
        target.post_message(SimulationStepped(snapshot))

    @work(group="simulate", exit_on_error=False)
    async def simulate_reset(self, target: Screen, engine: TrafficEngine) -> None:
        try:
            deleted = await engine.reset()
        except Exception as exc:  # noqa: BLE001
            target.post_message(SimulationFailed("Resetting the simulation", describe_error(exc)))
            return
        target.post_message(SimulationReset(deleted))

    @work(group="sessions", exclusive=True, exit_on_error=False)
    async def load_sessions_holding(self, target: Screen, number: PhoneNumber) -> None:
        try:
            found = await sessions_holding(self.backend, number.service_sid, number.sid)
        except Exception as exc:  # noqa: BLE001
            target.post_message(BackendFailed("Listing the sessions holding the number", describe_error(exc), exc))
            return
        target.post_message(SessionsHolding(number, found))

    @work(group="drain", exit_on_error=False)
    async def drain_start(self, target: Screen, number: PhoneNumber) -> None:
        """Reserve the number (no new session gets it); the screen then polls it with drain_poll."""
        async with self._mutations:
            try:
                if not number.is_reserved:
                    number = await self.backend.set_reserved(number.service_sid, number.sid, True)
                else:
                    number = await self.backend.get_number(number.service_sid, number.sid)
            except Exception as exc:  # noqa: BLE001
                target.post_message(DrainFailed(number, describe_error(exc)))
                return
        target.post_message(DrainProgress(number))

    @work(group="drain", exit_on_error=False)
    async def drain_poll(self, target: Screen, number: PhoneNumber) -> None:
        """Read the number; once no active session holds it, remove it."""
        async with self._mutations:
            try:
                current = await self.backend.get_number(number.service_sid, number.sid)
                if current.in_use:
                    target.post_message(DrainProgress(current))
                    return
                await self.backend.remove_number(number.service_sid, number.sid)
            except ProxyError as exc:
                if exc.code == 20404:
                    target.post_message(DrainFinished(number, already_gone=True))
                elif exc.code == 80611:  # a session took it (by explicit ProxyIdentifier) meanwhile
                    target.post_message(DrainProgress(number))
                else:
                    target.post_message(DrainFailed(number, describe_error(exc)))
                return
            except Exception as exc:  # noqa: BLE001 - a network failure: the drain stops and says so
                target.post_message(DrainFailed(number, describe_error(exc)))
                return
        target.post_message(DrainFinished(current))

    # == training (issue 11): nothing a simulation opened outlives it; scenarios and their goals; ==
    # == reset; a Service's sessions; building a pool from nothing. Sandbox only, except listing  ==
    # == a Service's sessions. Each posts a tui.screens.training_messages message.                ==

    #: seconds between two checks of the scenario's goal
    goal_poll_seconds: float = 2.0

    def sandbox_account(self) -> Any:
        """The open SandboxAccount behind the backend, or None (live, or not open yet)."""
        from sandbox.account import SandboxAccount

        account = getattr(self.backend, "account", None)
        return account if isinstance(account, SandboxAccount) and self.world.kind == "sandbox" else None

    def now(self) -> datetime:
        """What "now" is for the account: the sandbox's clock (its sessions expire by it), else UTC."""
        account = self.sandbox_account()
        return account.clock() if account is not None else datetime.now(UTC)

    async def _sandbox_call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """fn(account, *args) on the sandbox account current under the backend's lock (a reset swaps
        it), in a thread, as the backend's own calls run."""
        return await asyncio.to_thread(self.backend.call, lambda: fn(self.backend.account, *args, **kwargs))

    async def action_quit(self) -> None:
        """Quit, deleting first every session the simulation runs opened (and saying so after exit)."""
        await self.close_simulations()
        self.exit()

    def pause_simulations(self) -> None:
        """A playing Simulate screen opens nothing more (quitting, resetting)."""
        from tui.screens.simulate import SimulateScreen

        for screen in self.screen_stack:
            if isinstance(screen, SimulateScreen):
                screen.pause()

    async def close_simulations(self) -> int:
        """Delete every run's sessions, stragglers of a tick cut short included. Returns how many went."""
        from sandbox.traffic import delete_sessions, orphans

        self.pause_simulations()
        for worker in [w for w in self.workers if w.group == "simulate"]:
            with contextlib.suppress(Exception):
                await worker.wait()
        deleted = 0
        for engine in self.simulations.runs():
            try:
                deleted += await engine.reset()
                others = self.simulations.run_ids() - {engine.run_id}
                left = [x.sid for x in await orphans(self.backend, engine.service.sid, others)]
                deleted += await delete_sessions(self.backend, engine.service.sid, left)
            except Exception as exc:  # noqa: BLE001 - said after exit; the next launch offers them again
                self.exit_lines.append(f"proxy-pool: could not delete the simulation's sessions in "
                                       f"{engine.service.unique_name}: {describe_error(exc).message}")
        self.simulations.clear()
        if deleted:
            self.exit_lines.append(f"proxy-pool: deleted the {deleted} session{'s' if deleted != 1 else ''} "
                                   "the simulation had open, so no number stays in use")
        return deleted

    @work(group="training", exit_on_error=False)
    async def start_training(self) -> None:
        """Once the sandbox is open: its scenario's briefing, the goal's checks, and an offer to delete
        the sessions of simulation runs that died with an earlier app."""
        if not await self.ensure_backend(self.screen):
            return
        account = self.sandbox_account()
        if account is None:
            return
        await self.listed.wait()  # after the Services are on screen: the orphans' check imports the traffic engine
        self.training = Training.of(await self._sandbox_call(lambda current: current.meta.get("origin")))
        if self.training.scenario is not None:
            self.show_briefing()
            self.set_interval(self.goal_poll_seconds, self.check_goal)
            self.check_goal()
        self.find_orphans(self.screen, None)

    def show_briefing(self) -> None:
        from tui.screens.briefing import BriefingScreen

        if self.training.scenario is not None and not isinstance(self.screen, BriefingScreen):
            self.push_screen(BriefingScreen(self.training))

    @work(group="goal", exclusive=True, exit_on_error=False)
    async def check_goal(self) -> None:
        scenario, account = self.training.scenario, self.sandbox_account()
        if scenario is None or account is None:
            return
        try:
            state = await self._sandbox_call(scenario.check)
        except Exception:  # noqa: BLE001 - a check that cannot run now is tried again at the next poll
            return
        if self.training.checked(state):
            self.notify(f"{scenario.goal}\n{state.progress}", title=f"Goal reached: {scenario.name}", timeout=15)
        self.screen.post_message(GoalChecked())

    @work(group="orphans", exclusive=True, exit_on_error=False)
    async def find_orphans(self, target: Screen, service_sid: str | None) -> None:
        """Sessions of simulation runs this app does not hold, in one Service or in all of them."""
        from sandbox.traffic import orphans

        try:
            services = ([await self.backend.get_service(service_sid)] if service_sid
                        else await all_items(self.backend.list_services))
            found = {}
            for service in services:
                left = await orphans(self.backend, service.sid, self.simulations.run_ids())
                if left:
                    found[service.sid] = (service.unique_name, left)
        except Exception as exc:  # noqa: BLE001
            target.post_message(TrainingFailed("Looking for a simulation's left-over sessions", describe_error(exc)))
            return
        if found:
            self.offer_orphans(OrphansFound(found), target)

    def offer_orphans(self, found: OrphansFound, target: Screen) -> None:
        from tui.screens.confirm import ConfirmScreen

        where = ", ".join(f"{name} ({len(sessions)})" for name, sessions in found.found.values())
        body = (f"{found.count} session{'s' if found.count != 1 else ''} of a simulation run that did not end "
                f"(the app was closed while it ran) {'are' if found.count != 1 else 'is'} still in the sandbox: "
                f"{where}. {found.active} {'are' if found.active != 1 else 'is'} active and hold numbers "
                "(their in_use), so those numbers cannot be removed (80611).\n\nDelete them now?")

        def answered(yes: bool | None) -> None:
            if yes:
                self.delete_orphans(target, found)
            else:
                self.notify("Kept them. The next launch (or Simulate) offers to delete them again.", timeout=6)

        self.push_screen(ConfirmScreen("Left-over simulation sessions", body, yes="Delete them", no="Keep them"),
                         answered)

    @work(group="orphans", exit_on_error=False)
    async def delete_orphans(self, target: Screen, found: OrphansFound) -> None:
        from sandbox.traffic import delete_sessions

        deleted = 0
        try:
            for service_sid, (_, sessions) in found.found.items():
                deleted += await delete_sessions(self.backend, service_sid, [x.sid for x in sessions])
        except Exception as exc:  # noqa: BLE001
            target.post_message(TrainingFailed("Deleting the left-over sessions", describe_error(exc)))
            return
        self.notify(f"Deleted {deleted} left-over simulation session{'s' if deleted != 1 else ''}; their numbers "
                    "are free again.", timeout=6)
        self.screen.post_message(OrphansDeleted(deleted))

    @work(group="simulate", exit_on_error=False)
    async def simulate_leave(self, target: Screen, engine: TrafficEngine) -> None:
        """The run's sessions deleted as its screen is left; the screen then closes."""
        try:
            deleted = await engine.reset()
        except Exception as exc:  # noqa: BLE001
            target.post_message(SimulationFailed("Deleting the run's sessions", describe_error(exc)))
            return
        self.simulations.drop(engine.service.sid)
        target.post_message(SimulationLeft(deleted))

    @work(group="reset", exclusive=True, exit_on_error=False)
    async def reset_sandbox(self, target: Screen) -> None:
        """The sandbox made again in its seeded state (scenario or demo, same seed, same SIDs)."""
        what = self.training.seeded or "its seeded state"
        try:
            self.pause_simulations()
            await asyncio.to_thread(self.backend.reset)
        except Exception as exc:  # noqa: BLE001
            target.post_message(TrainingFailed("Resetting the sandbox", describe_error(exc)))
            return
        self.simulations.clear()  # their sessions went with the old state
        self.training.restarted()
        target.post_message(SandboxWasReset(what))
        if self.training.scenario is not None:
            self.check_goal()

    @work(group="service-sessions", exclusive=True, exit_on_error=False)
    async def load_service_sessions(self, target: Screen, service_sid: str) -> None:
        try:
            sessions = await all_items(self.backend.list_sessions, service_sid)
            found = [(x, await _participants(self.backend, x)) for x in sessions]
        except Exception as exc:  # noqa: BLE001
            target.post_message(TrainingFailed("Listing the Service's sessions", describe_error(exc)))
            return
        target.post_message(ServiceSessions(found))

    @work(group="mutations", exit_on_error=False)
    async def close_sessions(self, target: Screen, service_sid: str, session_sids: list[str]) -> None:
        """Close sessions (status closed, as Twilio does): they leave in_use; their numbers are free."""
        closed, failed = 0, []
        for sid in session_sids:
            async with self._mutations:
                try:
                    await self.backend.update_session(service_sid, sid, status="closed")
                    closed += 1
                except Exception as exc:  # noqa: BLE001 - one line per session in the summary
                    failed.append(f"{sid}: {describe_error(exc).message}")
        target.post_message(SessionsClosed(closed, failed))

    @work(group="mutations", exit_on_error=False)
    async def create_service(self, target: Screen, unique_name: str, fields: dict[str, Any]) -> None:
        async with self._mutations:
            try:
                service = await self.backend.create_service(unique_name, **fields)
            except Exception as exc:  # noqa: BLE001
                target.post_message(TrainingFailed("Creating the Service", describe_error(exc)))
                return
        target.post_message(ServiceCreated(service))

    @work(group="mutations", exit_on_error=False)
    async def delete_service(self, target: Screen, service: Service) -> None:
        async with self._mutations:
            try:
                await self.backend.delete_service(service.sid)
            except Exception as exc:  # noqa: BLE001
                target.post_message(TrainingFailed("Deleting the Service", describe_error(exc)))
                return
        self.simulations.drop(service.sid)
        target.post_message(ServiceDeleted(service))

    @work(group="account-numbers", exclusive=True, exit_on_error=False)
    async def list_account_numbers(self, target: Screen) -> None:
        try:
            numbers = await all_items(self.backend.list_account_numbers)
            names = {x.sid: x.unique_name for x in await all_items(self.backend.list_services)}
        except Exception as exc:  # noqa: BLE001
            target.post_message(TrainingFailed("Listing the account's numbers", describe_error(exc)))
            return
        target.post_message(AccountNumbersListed(numbers, names))

    @work(group="mutations", exit_on_error=False)
    async def buy_numbers(self, target: Screen, area_code: str | None, country: str | None, count: int) -> None:
        from sandbox.numbers_for_sale import buy

        async with self._mutations:
            try:
                bought = await self._sandbox_call(buy, area_code=area_code, country=country, count=count)
            except Exception as exc:  # noqa: BLE001
                target.post_message(TrainingFailed("Buying numbers", describe_error(exc)))
                return
        target.post_message(NumbersBought(bought))

    @work(group="mutations", exit_on_error=False)
    async def release_number(self, target: Screen, number: AccountNumber) -> None:
        async with self._mutations:
            try:
                await self._sandbox_call(lambda current: current.release_number(number.sid))
            except Exception as exc:  # noqa: BLE001
                target.post_message(TrainingFailed("Releasing the number", describe_error(exc)))
                return
        target.post_message(NumberReleased(number))

    # == end of the training block ==


    # -- Messaging Services (the seed's A2P 10DLC side): the add-to-Messaging-Service dialog, and the note
    # when the live backend could not read them (numbers in one are then not refused before Twilio) ----------

    async def messaging_note(self) -> None:
        index = getattr(self.backend, "messaging_index", None)
        if index is None:
            return
        note = (await index()).note
        if note:
            self.notify(note, title="Messaging Services not read", severity="warning", timeout=12)

    @work(group="messaging", exclusive=True, exit_on_error=False)
    async def load_messaging_services(self, target: Screen) -> None:
        from tui.screens.messaging import MessagingServicesLoaded

        try:
            services = await all_items(self.backend.list_messaging_services)
        except Exception as exc:  # noqa: BLE001
            target.post_message(BackendFailed("Listing the Messaging Services", describe_error(exc), exc))
            return
        target.post_message(MessagingServicesLoaded(services))

    @work(group="mutations", exit_on_error=False)
    async def add_to_messaging(self, target: Screen, request: MessagingRequest) -> None:
        """Make the Messaging Service defer to its numbers' webhooks when asked, then add each number."""
        from tui.screens.messaging import MessagingAdded

        service = request.service
        outcomes: list[tuple[PhoneNumber, Any]] = []
        async with self._mutations:
            try:
                if request.defer and not service.use_inbound_webhook_on_number:
                    service = await self.backend.update_messaging_service(service.sid,
                                                                          use_inbound_webhook_on_number=True)
            except Exception as exc:  # noqa: BLE001
                target.post_message(BackendFailed("Changing the Messaging Service", describe_error(exc), exc))
                outcomes = [(number, describe_error(exc)) for number in request.numbers]
            else:
                for number in request.numbers:
                    try:
                        await self.backend.add_messaging_number(service.sid, number.sid)
                        outcomes.append((number, None))
                    except Exception as exc:  # noqa: BLE001 - one refusal never stops the others
                        outcomes.append((number, describe_error(exc)))
        target.post_message(MessagingAdded(service, outcomes))


def bulk_outcome(number: PhoneNumber, operation: str, outcome: Any) -> BulkOutcome:
    """One number's outcome as the bulk screen lists it."""
    if isinstance(outcome, BaseException):
        report = describe_error(outcome)
        code = f"{report.code} " if report.code else ""
        return BulkOutcome(number, False, f"{code}{report.message}")
    done = {"remove": "removed", "reserve": "reserved", "unreserve": "unreserved"}[operation]
    return BulkOutcome(number if outcome is None else outcome, True, done)


async def close_backend(backend: Any) -> None:
    """Close a backend the app lets go of (a sandbox releases its lock); a failure to close is no error."""
    try:
        close = getattr(backend, "close", None)
        if callable(close):
            await asyncio.to_thread(close)
        else:
            await backend.aclose()
    except Exception:  # noqa: BLE001
        pass


def count_cache_of(backend: Backend) -> CountCache | None:
    """Live only: a sandbox counts a pool at once."""
    hosts = getattr(backend, "hosts", None)
    if getattr(backend, "kind", "sandbox") != "live" or hosts is None:
        return None
    from tui.live.count_cache import CountCache  # live only: not read at a sandbox's launch

    return CountCache(backend.account_sid, hosts.proxy)  # type: ignore[attr-defined]


def world_of(backend: Any, *, read_only: bool = False, label: str | None = None) -> WorldInfo:
    """Which world a backend is: SANDBOX with the masked account SID and the file; LIVE with the
    masked SID, and the host when its calls go somewhere other than Twilio (--base-url)."""
    kind = "live" if getattr(backend, "kind", "sandbox") == "live" else "sandbox"
    if label is None:
        sid = mask_sid(getattr(backend, "account_sid", None))
        path: Any = getattr(backend, "path", None)
        hosts: Any = getattr(backend, "hosts", None)
        if kind == "sandbox" and path:
            label = f"{sid} {path}"
        elif kind == "live" and getattr(hosts, "overridden", False):
            label = f"{sid} @ {urlsplit(hosts.proxy).netloc}"
        else:
            label = sid
    return WorldInfo(kind=kind, label=label, read_only=read_only)


def create_app(backend: Backend, *, read_only: bool = False, page_size: int = 50,
               world_label: str | None = None, startup_note: str | None = None,
               calm_errors: bool = False, worlds: Worlds | Callable[[], Worlds] | None = None,
               first_painted: Callable[[], None] | None = None) -> ProxyPoolApp:
    """The app over `backend`; world_label defaults to the masked account SID (and the sandbox path)."""
    world = world_of(backend, read_only=read_only, label=world_label)
    return ProxyPoolApp(backend, world=world, page_size=page_size, startup_note=startup_note,
                        calm_errors=calm_errors, worlds=worlds, first_painted=first_painted)
