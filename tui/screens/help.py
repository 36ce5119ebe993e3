"""Every key, by screen (mutating keys only when the app may change the account)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui.screens.dialog import Dialog

SERVICES_KEYS = [
    ("enter", "open the highlighted Service's pool (a click on the highlighted row too)"),
    ("/", "filter Services by name or SID"),
    (":", "command mode: :ctx, :help, :quit, or a Service's name or SID to go to it"),
    ("ctrl+r", "refresh the Services and their counts"),
    ("escape", "clear the filter"),
]
POOL_KEYS = [
    ("n / p", "next / previous page (page-down / page-up at the table's edge too)"),
    ("g / G", "first / last page"),
    ("↑ ↓ home end", "move in the page"),
    ("enter", "the number's Twilio JSON and the sessions holding it (a click on the highlighted row too)"),
    ("space", "mark or unmark the highlighted number"),
    ("*", "mark every number shown (all pages, filter applied)"),
    ("V", "mark from the number marked last to the highlighted one"),
    ("U", "clear the marks"),
    ("/", "filter the whole pool by number, friendly name, country or SID"),
    ("f", "filter by state: reserved, unreserved, in use, free, draining, marked, none (each press the next)"),
    ("o / O", "sort by the next column / reverse the sort (or click a column's header)"),
    (":", "command mode (below)"),
    ("y / Y", "copy the highlighted number / its SID to the clipboard"),
    ("escape", "clear the filters, then the marks, then back to Services"),
    ("ctrl+r", "read the whole pool again (the counts follow)"),
    ("v", "the active sessions holding the highlighted number (its in_use)"),
    ("s", "Simulate traffic through this pool (sandbox Services only)"),
]
POOL_MUTATING_KEYS = [
    ("r", "reserve / unreserve the highlighted number; with marks: reserve the unreserved ones "
          "(all reserved: unreserve them), after a confirmation"),
    ("d / delete", "remove the highlighted number (all marked numbers) after a confirmation"),
    ("a", "add a number from the account, or by SID / E.164"),
    ("D", "drain: reserve the number, remove it once in_use is 0 (D again cancels)"),
    ("M", "add the number (the marked numbers) to a Messaging Service, deferring to its webhook (sandbox)"),
]
COMMAND_KEYS = [
    (":sort COLUMN [asc|desc]", "number, friendly, country, caps, reserved, in_use, sid, added; :sort alone: "
                                "the pool's order"),
    (":filter STATE ...", "reserved unreserved in_use free draining marked country:CC cap:voice|sms|mms|fax; "
                          ":filter alone clears every filter"),
    (":page N|first|last", "go to a page"),
    (":NUMBER or :SID", "go to that number's row (+14155550100, 415 555 0100, PN… or its first characters)"),
    (":export PATH", "write the rows shown, every page, as .csv or .json (Twilio's JSON)"),
    (":mark all|none|range", "mark every number shown / clear the marks / mark a range"),
    (":ctx [NAME]", "the contexts: the default sandbox, recent sandbox files, twilio-cli profiles, the "
                    "environment's credentials; NAME switches to one"),
    (":services  :help  :quit", "back to the Services / this help / quit"),
    ("tab  ↑ ↓  escape", "complete a command or column name / older and newer commands / close"),
]
RAW_KEYS = [
    ("y / n / i", "copy the JSON / the number / the SID"),
    ("escape", "close"),
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
LEGEND = [
    ("Caps", "V voice, S SMS, M MMS, F fax; - not capable"),
    ("Gauges", "unreserved x/500 and reserved y/5,000: warning from 85 % (Twilio's 80624), full at the limit "
               "(80622 refuses more)"),
]


class HelpScreen(Dialog[None]):
    DEFAULT_CSS = """
    HelpScreen .help { height: 80%; }
    """

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
                    ("Command mode (:)", COMMAND_KEYS), ("A number's JSON (enter)", RAW_KEYS),
                    ("Dialogs", DIALOG_KEYS), ("Everywhere", GLOBAL_KEYS), ("What the screens show", LEGEND)]
        if not self.read_only:
            sections.insert(4, ("Simulate (sandbox)", SIMULATE_KEYS))
            sections.insert(5, ("Training (sandbox)", TRAINING_KEYS))
        for title, keys in sections:
            table.add_row(f"[b u]{title}[/]", "")
            for key, what in keys:
                table.add_row(Text(key), Text(what))  # not markup: "[asc|desc]" is words here
            table.add_row("", "")
        if self.read_only:
            table.add_row("[b]READ-ONLY[/]", "r, d, a and D change the account: here they only say why they do "
                                            "nothing (--read-only)")
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
