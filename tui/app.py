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
from collections.abc import Iterable
from contextlib import aclosing
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import WorkerFailed

from tui.core.errors import ProxyError
from tui.core.resources import (
    DEFAULT_PAGE_SIZE,
    AccountNumber,
    Participant,
    PhoneNumber,
    PoolStats,
    Service,
    Session,
)
from tui.core.seam import Backend, all_items, every_item, every_page
from tui.core.sids import mask_sid
from tui.screens.messages import (
    AccountNumbersLoaded,
    BackendFailed,
    BulkOutcome,
    BulkStep,
    NumberAdded,
    NumberRemoved,
    PageFailed,
    PageLoaded,
    PoolScanned,
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
from tui.state.simulations import Simulations
from tui.state.training import Training
from tui.widgets.world_bar import WorldInfo

if TYPE_CHECKING:  # the engine is imported when a simulation starts, not at launch
    from sandbox.traffic import TrafficEngine, TrafficParams
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


class ProxyPoolApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "proxy-pool"
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Keys", key_display="?"),
    ]
    #: seconds between two reads of a draining number
    drain_poll_seconds: float = 1.0
    #: seconds between two simulation ticks while the Simulate screen plays
    simulate_tick_seconds: float = 0.5

    def __init__(self, backend: Backend, *, world: WorldInfo, page_size: int = 50,
                 startup_note: str | None = None, calm_errors: bool = False):
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

    @property
    def read_only(self) -> bool:
        return self.world.read_only

    def on_mount(self) -> None:
        from tui.screens.services import ServicesScreen

        self.theme = "textual-dark"
        self.push_screen(ServicesScreen(self.world))
        self.start_training()
        if self.startup_note:
            self.notify(self.startup_note, title="Sandbox", timeout=8)

    # -- keys and the command palette -----------------------------------------------------

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.read_only))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every action of the current screen (as its bindings list them), then Textual's own."""
        seen: set[str] = set()
        for _key, binding in screen._bindings:
            if binding.description and binding.action not in seen:
                seen.add(binding.action)
                yield SystemCommand(binding.description, f"key: {self.get_key_display(binding)}",
                                    partial(self.call_later, screen.run_action, binding.action))
        yield SystemCommand("Keys", "Show every key", self.action_help)
        yield from super().get_system_commands(screen)

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
    async def load_services(self, target: Screen) -> None:
        if not await self.ensure_backend(target):
            return
        try:
            services: list[Service] = await all_items(self.backend.list_services, page_size=DEFAULT_PAGE_SIZE)
            stats: dict[str, PoolStats] = {}
            for service in services:
                stats[service.sid] = await self.backend.pool_stats(service.sid)
        except Exception as exc:  # noqa: BLE001 - any failure becomes a notification
            target.post_message(BackendFailed("Loading Services", describe_error(exc), exc))
            return
        self.service_names = {s.sid: s.unique_name for s in services}
        target.post_message(ServicesLoaded(services, stats))

    async def ensure_backend(self, target: Screen) -> bool:
        """A backend handed over unopened (tui.launch.DeferredSandbox: 10 full pools take 0.4 s to
        read) opens here, in a thread, once `target` has painted; the first screen shows at once.
        If it cannot open, the app ends with the one line launch prints for such a file."""
        open_deferred = getattr(self.backend, "open_deferred", None)
        if open_deferred is None:
            return True
        if self._opening is None:
            await target.wait_for_refresh()
            if self._opening is None:
                self._opening = asyncio.ensure_future(asyncio.to_thread(open_deferred))
        try:
            self.backend = await asyncio.shield(self._opening)  # a cancelled worker never cancels the open
        except Exception as exc:  # noqa: BLE001 - LaunchError: one line, as if launch had opened it
            self.crash_line = f"proxy-pool: error: {exc}".replace("\n", " ")
            self.exit(return_code=1)
            return False
        return True

    @work(group="pages", exit_on_error=False)
    async def load_page(self, target: Screen, service_sid: str, index: int, token: str | None,
                        prefetch: bool = False, tag: int = 0) -> None:
        try:
            page = await self.backend.list_numbers(service_sid, self.page_size, token)
        except Exception as exc:  # noqa: BLE001
            target.post_message(PageFailed(index, describe_error(exc), prefetch, tag))
            return
        target.post_message(PageLoaded(index, list(page.items), page.next_token, prefetch, tag))

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

    @work(group="scan", exclusive=True, exit_on_error=False)
    async def scan_pool(self, target: Screen, service_sid: str) -> None:
        """Every number of a pool, a page at a time (the filter searches the whole pool)."""
        await self._stream(target, self.backend.list_numbers, (service_sid,), PoolScanned, "Searching the pool")

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
    async def run_bulk(self, target: Screen, operation: str, numbers: list[PhoneNumber],
                       reserve: bool = True) -> None:
        """One operation ("reserve" or "remove") over many numbers, one outcome per number."""
        total = len(numbers)
        for done, number in enumerate(numbers, start=1):
            async with self._mutations:
                try:
                    if operation == "remove":
                        await self.backend.remove_number(number.service_sid, number.sid)
                        outcome = BulkOutcome(number, True, "removed")
                    else:
                        saved = await self.backend.set_reserved(number.service_sid, number.sid, reserve)
                        outcome = BulkOutcome(saved, True, "reserved" if reserve else "unreserved")
                except Exception as exc:  # noqa: BLE001
                    report = describe_error(exc)
                    code = f"{report.code} " if report.code else ""
                    outcome = BulkOutcome(number, False, f"{code}{report.message}")
            target.post_message(BulkStep(outcome, done, total))

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


def create_app(backend: Backend, *, read_only: bool = False, page_size: int = 50,
               world_label: str | None = None, startup_note: str | None = None,
               calm_errors: bool = False) -> ProxyPoolApp:
    """The app over `backend`; world_label defaults to the masked account SID (and the sandbox path)."""
    kind = "live" if getattr(backend, "kind", "sandbox") == "live" else "sandbox"
    if world_label is None:
        path: Any = getattr(backend, "path", None)
        sid = mask_sid(getattr(backend, "account_sid", None))
        world_label = f"{sid} {path}".strip() if kind == "sandbox" and path else sid
    world = WorldInfo(kind=kind, label=world_label, read_only=read_only)
    return ProxyPoolApp(backend, world=world, page_size=page_size, startup_note=startup_note,
                        calm_errors=calm_errors)
