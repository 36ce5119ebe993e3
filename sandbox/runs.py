"""How a simulation run names its sessions (sandbox/traffic.py makes them; the account keeps which
runs each pool holds sessions of, so the app finds a dead run's sessions without reading every pool)."""

from __future__ import annotations

from collections.abc import Iterable

# every session a run opens is named RUN_PREFIX + run id + "-" + a counter: the run's mark
RUN_PREFIX = "proxy-pool-sim-"


def run_of(unique_name: str | None) -> str | None:
    """The id of the simulation run that named a session so, or None for any other session."""
    if not unique_name or not unique_name.startswith(RUN_PREFIX):
        return None
    run, sep, _ = unique_name[len(RUN_PREFIX):].partition("-")
    return run if sep and run else None


def runs_named(unique_names: Iterable[str]) -> set[str]:
    """The runs that named any of these sessions."""
    return {run for name in unique_names if (run := run_of(name))}
