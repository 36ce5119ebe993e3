"""The training state of the open sandbox: its scenario (briefing, goal), where the trainee
stands against the goal, and whether the app has already said it was reached. Plain state
(no Textual); the goal itself is checked by the app's worker (sandbox/scenarios.py's check)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the scenarios import the whole sandbox: not before the app's first paint
    from sandbox.scenarios import GoalState, Scenario


@dataclass
class Training:
    origin: dict[str, Any] = field(default_factory=dict)
    scenario: Scenario | None = None
    state: GoalState | None = None
    announced: bool = False  # "goal reached" said once; a reset (or falling back) says it again

    @classmethod
    def of(cls, origin: dict[str, Any] | None) -> Training:
        from sandbox.scenarios import of_origin

        origin = dict(origin or {})
        return cls(origin, of_origin(origin))

    @property
    def seeded(self) -> str | None:
        """What a reset rebuilds ("scenario near-limit, seed 7"), or None when it cannot be reset."""
        kind = self.origin.get("kind")
        if kind not in ("demo", "empty", "scale", "scenario"):
            return None
        what = f"scenario {self.origin.get('scenario')}" if kind == "scenario" else f"{kind} data"
        return f"{what}, seed {self.origin.get('seed', 7)}"

    def checked(self, state: GoalState) -> bool:
        """Record a check; True when the goal has just been reached (say it now)."""
        self.state = state
        if state.reached and not self.announced:
            self.announced = True
            return True
        if not state.reached:
            self.announced = False
        return False

    def restarted(self) -> None:
        self.state = None
        self.announced = False

    def simulate_for(self, service_name: str) -> dict[str, Any] | None:
        """The Simulate inputs the scenario suggests for this Service, if any."""
        return self.scenario.simulate.get(service_name) if self.scenario else None
