"""A scenario's briefing and goal: shown when its sandbox opens, on B (Services) and at the top of `?`.
The goal's state is the app's last check (it checks every few seconds and says when it is reached)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from tui.screens.dialog import Dialog
from tui.screens.training_messages import GoalChecked
from tui.state.training import Training


def goal_text(training: Training) -> Text:
    """The goal and where the trainee stands: the same words in the briefing and in the help."""
    scenario = training.scenario
    text = Text()
    if scenario is None:
        return text
    text.append("Goal: ", style="bold")
    text.append(scenario.goal)
    state = training.state
    if state is None:
        text.append("\nchecking…", style="dim")
    elif state.reached:
        text.append("\n✔ reached", style="bold green")
        text.append(f" · {state.progress}")
    else:
        text.append("\nnot yet", style="bold yellow")
        text.append(f" · {state.progress}")
    return text


class BriefingScreen(Dialog[None]):
    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("enter", "close", "Close", show=False),
        Binding("B", "close", "Close", show=False),
    ]

    def __init__(self, training: Training):
        super().__init__()
        self.training = training

    def compose(self) -> ComposeResult:
        scenario = self.training.scenario
        assert scenario is not None
        with Vertical(id="dialog", classes="briefing"):
            yield Static(f"Scenario: {scenario.name} ({self.training.seeded})", id="dialog-title")
            yield Static(scenario.briefing, id="briefing-text", markup=False)
            yield Static(goal_text(self.training), id="briefing-goal")
            yield Static("escape closes · B shows this again · R (Services) resets the sandbox to the start · "
                         "? every key", classes="hint")

    def on_goal_checked(self, message: GoalChecked) -> None:
        self.query_one("#briefing-goal", Static).update(goal_text(self.training))

    def action_close(self) -> None:
        self.dismiss(None)
