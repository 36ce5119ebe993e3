"""The app's workers for the pool in motion: simulation ticks, sessions holding a number, draining.

Mixed into ProxyPoolApp (tui/app.py), on the same terms as its own workers: every backend
call happens here and the outcome is posted to the screen that asked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work
from textual.screen import Screen

from tui.core.errors import ProxyError
from tui.core.resources import Participant, PhoneNumber, Service, Session
from tui.screens.messages import BackendFailed, describe_error
from tui.screens.traffic_messages import (
    DrainFailed,
    DrainFinished,
    DrainProgress,
    SessionsHolding,
    SimulationFailed,
    SimulationReset,
    SimulationStepped,
)

if TYPE_CHECKING:  # the engine is imported when a simulation starts, not at launch
    from sandbox.traffic import TrafficEngine, TrafficParams

SCAN_PAGE_SIZE = 100


async def sessions_holding(backend: Any, service_sid: str, number_sid: str) -> list[tuple[Session, list[Participant]]]:
    """The active sessions in which a participant holds this pool number, with their participants.

    A backend that answers the question itself (the sandbox) is asked; otherwise every active
    session is scanned through the seam (what a live account needs)."""
    direct = getattr(backend, "sessions_holding", None)
    if direct is not None:
        found = list(await direct(service_sid, number_sid))
    else:
        found, token = [], None
        while True:
            page = await backend.list_sessions(service_sid, SCAN_PAGE_SIZE, token)
            for session in page.items:
                if session.is_active and any(p.proxy_identifier_sid == number_sid
                                             for p in await _participants(backend, session)):
                    found.append(session)
            token = page.next_token
            if not token:
                break
    return [(session, await _participants(backend, session)) for session in found]


async def _participants(backend: Any, session: Session) -> list[Participant]:
    page = await backend.list_participants(session.service_sid, session.sid, SCAN_PAGE_SIZE)
    return list(page.items)


class TrafficWorkers:
    """Workers of the Simulate screen, the sessions view and draining (needs App's attributes)."""

    #: seconds between two reads of a draining number
    drain_poll_seconds: float = 1.0
    #: seconds between two simulation ticks while the Simulate screen plays
    simulate_tick_seconds: float = 0.5

    def simulation(self, service: Service, params: TrafficParams) -> TrafficEngine:
        """The Service's run (kept while the app runs, so leaving the Simulate screen loses nothing);
        a new one when the parameters changed and the old run has no session open."""
        from sandbox.traffic import TrafficEngine

        runs: dict[str, TrafficEngine] = self.__dict__.setdefault("simulations", {})
        engine = runs.get(service.sid)
        if engine is None or (engine.params != params and not engine.open and engine.tick == 0):
            engine = runs[service.sid] = TrafficEngine(self.backend, service, params)  # type: ignore[attr-defined]
        return engine

    def running_simulation(self, service_sid: str) -> TrafficEngine | None:
        return self.__dict__.get("simulations", {}).get(service_sid)

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
            found = await sessions_holding(self.backend, number.service_sid, number.sid)  # type: ignore[attr-defined]
        except Exception as exc:  # noqa: BLE001
            target.post_message(BackendFailed("Listing the sessions holding the number", describe_error(exc), exc))
            return
        target.post_message(SessionsHolding(number, found))

    @work(group="drain", exit_on_error=False)
    async def drain_start(self, target: Screen, number: PhoneNumber) -> None:
        """Reserve the number (no new session gets it); the screen then polls it with drain_poll."""
        async with self._mutations:  # type: ignore[attr-defined]
            try:
                if not number.is_reserved:
                    number = await self.backend.set_reserved(number.service_sid, number.sid, True)  # type: ignore[attr-defined]
                else:
                    number = await self.backend.get_number(number.service_sid, number.sid)  # type: ignore[attr-defined]
            except Exception as exc:  # noqa: BLE001
                target.post_message(DrainFailed(number, describe_error(exc)))
                return
        target.post_message(DrainProgress(number))

    @work(group="drain", exit_on_error=False)
    async def drain_poll(self, target: Screen, number: PhoneNumber) -> None:
        """Read the number; once no active session holds it, remove it."""
        backend = self.backend  # type: ignore[attr-defined]
        async with self._mutations:  # type: ignore[attr-defined]
            try:
                current = await backend.get_number(number.service_sid, number.sid)
                if current.in_use:
                    target.post_message(DrainProgress(current))
                    return
                await backend.remove_number(number.service_sid, number.sid)
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
