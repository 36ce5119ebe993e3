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


R = TypeVar("R", bound=Run)


class Simulations(Generic[R]):
    def __init__(self) -> None:
        self._runs: dict[str, R] = {}  # Service SID -> its run

    def get(self, service_sid: str) -> R | None:
        return self._runs.get(service_sid)

    def run_for(self, service_sid: str, params: Any, make: Callable[[], R]) -> R:
        """The Service's run; a new one (from `make`) when there is none, or when the parameters
        changed and the old run has not started (no tick, no session open)."""
        run = self._runs.get(service_sid)
        if run is None or (run.params != params and not run.open and run.tick == 0):
            run = self._runs[service_sid] = make()
        return run
