"""Every key, by screen (mutating keys only when the app may change the account)."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

SERVICES_KEYS = [
    ("enter", "open the highlighted Service's pool"),
    ("/", "filter Services by name or SID"),
    ("ctrl+r", "refresh"),
]
POOL_KEYS = [
    ("n / p", "next / previous page (page-down / page-up at the table's edge too)"),
    ("↑ ↓ home end", "move in the page"),
    ("space", "mark or unmark the highlighted number"),
    ("/", "filter the whole pool by number, friendly name or country"),
    ("escape", "clear the filter, then the marks, then back to Services"),
    ("ctrl+r", "refresh the page and the counts"),
    ("v", "the active sessions holding the highlighted number (its in_use)"),
    ("s", "Simulate traffic through this pool (sandbox Services only)"),
]
POOL_MUTATING_KEYS = [
    ("r", "reserve / unreserve the highlighted number (all marked numbers, after a confirmation)"),
    ("d / delete", "remove the highlighted number (all marked numbers) after a confirmation"),
    ("a", "add a number from the account, or by SID / E.164"),
    ("D", "drain: reserve the number, remove it once in_use is 0 (D again cancels)"),
    ("M", "add the number (the marked numbers) to a Messaging Service, deferring to its webhook (sandbox)"),
]
SIMULATE_KEYS = [
    ("space", "play / pause (a tick every half second)"),
    ("n", "step one tick"),
    ("x", "reset: delete every session of the run"),
    ("tab", "to the parameters (participants, sessions each, length, seed, country mix, mode)"),
    ("escape", "leave a field; else back to the pool: delete the run's sessions, or keep them open"),
    ("q", "quit: the runs' sessions are deleted first"),
]
# training (issue 11): the sandbox's tools; the scenario's briefing and goal head the help
TRAINING_KEYS = [
    ("S", "Services: every session of the highlighted Service (c closes one, C all, confirmed)"),
    ("N", "Services: the account's numbers: b buys (area code or country), d releases one in no pool"),
    ("C / X", "Services: create a Service / delete the highlighted one (confirmed)"),
    ("B", "Services: the scenario's briefing and goal"),
    ("R", "Services: reset the sandbox to how it was built (scenario or demo, same seed; confirmed)"),
    ("enter", "in a number's sessions (v): the Service's sessions, at the highlighted one"),
]
DIALOG_KEYS = [
    ("y / n / escape", "in a confirmation: yes / no / cancel"),
    ("tab", "next field in a dialog"),
]
GLOBAL_KEYS = [
    ("?", "this help"),
    ("ctrl+p", "command palette: every action by name"),
    ("q", "quit"),
]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("question_mark", "close", "Close", show=False),
    ]

    def __init__(self, read_only: bool = False):
        super().__init__()
        self.read_only = read_only

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold yellow", no_wrap=True)
        table.add_column()
        sections = [("Services", SERVICES_KEYS),
                    ("Pool", POOL_KEYS + ([] if self.read_only else POOL_MUTATING_KEYS)),
                    ("Dialogs", DIALOG_KEYS), ("Everywhere", GLOBAL_KEYS)]
        if not self.read_only:
            sections.insert(2, ("Simulate (sandbox)", SIMULATE_KEYS))
            sections.insert(3, ("Training (sandbox)", TRAINING_KEYS))
        for title, keys in sections:
            table.add_row(f"[b u]{title}[/]", "")
            for key, what in keys:
                table.add_row(key, what)
            table.add_row("", "")
        if self.read_only:
            table.add_row("[b]READ-ONLY[/]", "keys that change the account are not available")
        with VerticalScroll(id="dialog", classes="help"):
            training = getattr(self.app, "training", None)
            if training is not None and training.scenario is not None:  # the briefing first, on `?`
                from tui.screens.briefing import goal_text

                yield Static(f"Scenario: {training.scenario.name}", id="help-scenario", classes="-title")
                yield Static(training.scenario.briefing, id="help-briefing", markup=False)
                yield Static(goal_text(training), id="briefing-goal")
            yield Static("Keys", id="dialog-title")
            yield Static(table, id="help-keys")
            yield Static("escape closes", classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)
