"""The app's traffic simulations, one per Service, kept while the app runs: leaving the
Simulate screen loses nothing. The engines themselves are sandbox/traffic.py's."""

from __future__ import annotations

from collections.abc import Callable, Sized
from typing import Any, Generic, Protocol, TypeVar


class Run(Protocol):
    """What the registry reads of an engine (sandbox.traffic.TrafficEngine)."""

    params: Any
    open: Sized  # the run's sessions still open
    tick: int
    run_id: str  # names the run's sessions (sandbox.traffic.RUN_PREFIX)


R = TypeVar("R", bound=Run)


class Simulations(Generic[R]):
    def __init__(self) -> None:
        self._runs: dict[str, R] = {}  # Service SID -> its run

    def get(self, service_sid: str) -> R | None:
        return self._runs.get(service_sid)

    def runs(self) -> list[R]:
        """Every run, one per Service that has one."""
        return list(self._runs.values())

    def run_ids(self) -> set[str]:
        """The ids of the runs this app holds: their sessions are no orphans."""
        return {run.run_id for run in self._runs.values()}

    def drop(self, service_sid: str) -> None:
        self._runs.pop(service_sid, None)

    def clear(self) -> None:
        """Forget every run (the sandbox was reset: their sessions are gone with it)."""
        self._runs.clear()

    def holding(self) -> int:
        """How many sessions the runs hold open."""
        return sum(len(run.open) for run in self._runs.values())

    def run_for(self, service_sid: str, params: Any, make: Callable[[], R]) -> R:
        """The Service's run; a new one (from `make`) when there is none, or when the parameters
        changed and the old run has not started (no tick, no session open: a reset run)."""
        run = self._runs.get(service_sid)
        if run is None or (run.params != params and not run.open and run.tick == 0):
            run = self._runs[service_sid] = make()
        return run
