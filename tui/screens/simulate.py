"""Simulate: traffic through a sandbox Service's pool, tick by tick, through the real sandbox rules.

The run (sandbox/traffic.py's TrafficEngine) belongs to the app. Leaving this screen asks what
becomes of its open sessions: deleted (the default), or kept open (paused: the pool shows their
in_use; quitting the app deletes them). Parameters changed during a run apply at the next play
or step: the old run's sessions are deleted and a new run starts (the screen says so). Ticks run
in a worker (the app's simulate_step) on a timer; this screen only reads its inputs and shows
what each tick left behind.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, Label, RichLog, Select, Static

from sandbox import rules
from sandbox.traffic import (
    Snapshot,
    TrafficEngine,
    TrafficInputError,
    TrafficParams,
    format_country_mix,
    parse_country_mix,
)
from tui.core.resources import Service
from tui.screens.choice import ChoiceScreen
from tui.screens.traffic_messages import SimulationFailed, SimulationReset, SimulationStepped
from tui.screens.training_messages import SimulationLeft
from tui.widgets.traffic_view import BusiestTable, NeedsTable, UtilisationChart
from tui.widgets.world_bar import WorldBar, WorldInfo

FIELDS = (  # input id, label, TrafficParams field
    ("sim-participants", "Participants", "participants"),
    ("sim-each", "Sessions each", "sessions_each"),
    ("sim-length", "Length (ticks)", "length"),
    ("sim-seed", "Seed", "seed"),
)


class SimulateScreen(Screen):
    AUTO_FOCUS = "#sim-busiest"
    DEFAULT_CSS = """
    SimulateScreen #sim-summary { height: 1; padding: 0 1; }
    SimulateScreen #sim-params { height: 4; padding: 0 1; }
    SimulateScreen .sim-field { width: 16; height: 4; margin-right: 1; }
    SimulateScreen .sim-field.-wide { width: 34; }
    SimulateScreen .sim-field.-mode { width: 26; }
    SimulateScreen .sim-field Label { color: $text-muted; }
    SimulateScreen #sim-status, SimulateScreen #sim-utilisation-label { height: 1; padding: 0 1; }
    SimulateScreen #sim-hint { height: 1; padding: 0 1; color: $warning; }
    SimulateScreen #sim-utilisation { height: 5; margin: 0 1; }
    SimulateScreen #sim-tables { height: 1fr; }
    SimulateScreen #sim-busiest, SimulateScreen #sim-needs { width: 1fr; height: 1fr; border: round $primary; }
    SimulateScreen #sim-errors { height: 7; border: round $error; }
    /* at 100 columns the parameter boxes (the Mode box last) fit the width */
    SimulateScreen.-narrow .sim-field { width: 12; margin-right: 0; }
    SimulateScreen.-narrow .sim-field.-wide { width: 24; }
    SimulateScreen.-narrow .sim-field.-mode { width: 26; }
    """
    BINDINGS = [
        Binding("space", "play_pause", "Play/Pause"),
        Binding("n", "step", "Step one tick"),
        Binding("x", "reset", "Reset (delete the run's sessions)"),
        Binding("escape", "back", "Back"),
    ]
    LEAVE_CHOICES = (("d", "delete", "Delete them and leave"), ("k", "keep", "Keep them open and leave"),
                     ("escape", "stay", "Stay"))

    def __init__(self, service: Service, world: WorldInfo, tick_seconds: float = 0.5):
        super().__init__()
        self.service = service
        self.world = world
        self.tick_seconds = tick_seconds
        self.engine: TrafficEngine | None = None
        self.playing = False
        self.busy = False  # a tick or a reset is in flight: never two at once
        self.reset_wanted = False
        self.then_run: str | None = None  # after a reset for new parameters: "play" or "step"
        self.leaving = False
        self.timer: Timer | None = None

    def compose(self) -> ComposeResult:
        s = self.service
        yield WorldBar(self.world, f"Services › {s.unique_name} › Simulate")
        yield Static(
            f"[b]Simulate traffic[/b] through {s.unique_name} · geo match: {s.geo_match_level} · "
            f"selection: {s.number_selection_behavior} · real sandbox sessions",
            id="sim-summary", markup=True)
        with Horizontal(id="sim-params"):
            for field_id, label, name in FIELDS:
                with Vertical(classes="sim-field"):
                    yield Label(label)
                    yield Input(str(getattr(TrafficParams(), name)), id=field_id, type="integer")
            with Vertical(classes="sim-field -wide"):
                yield Label("Country mix (e.g. US:80, GB:20)")
                yield Input("US:80, GB:20", id="sim-countries")
            with Vertical(classes="sim-field -mode"):
                yield Label("Mode")
                yield Select([(m, m) for m in rules.SESSION_MODES], value="voice-and-message",
                             allow_blank=False, id="sim-mode")
        yield Static("", id="sim-status")
        yield Static("", id="sim-hint")
        yield Static("", id="sim-utilisation-label")
        yield UtilisationChart(id="sim-utilisation")
        with Horizontal(id="sim-tables"):
            busiest = BusiestTable(id="sim-busiest")
            busiest.border_title = "In use per number (busiest first)"
            yield busiest
            needs = NeedsTable(id="sim-needs")
            needs.border_title = "How many numbers does this pool need?"
            yield needs
        log = RichLog(id="sim-errors", max_lines=500, wrap=True, markup=False)
        log.border_title = "Errors as they happen"
        yield log
        yield Footer()

    def on_mount(self) -> None:
        self.timer = self.set_interval(self.tick_seconds, self.on_timer, pause=True)
        self.engine = self.app.simulations.get(self.service.sid)
        if self.engine is not None:
            self.fill_inputs(self.engine.params)
        else:
            suggested = self.app.training.simulate_for(self.service.unique_name)
            if suggested:  # the scenario's traffic for this pool
                self.fill_inputs(TrafficParams(**suggested))
        self.render_snapshot(self.engine.last if self.engine else None)
        self.app.find_orphans(self, self.service.sid)  # sessions of a run that died with an earlier app

    # -- parameters -----------------------------------------------------------------------------

    def fill_inputs(self, params: TrafficParams) -> None:
        for field_id, _, name in FIELDS:
            self.query_one(f"#{field_id}", Input).value = str(getattr(params, name))
        self.query_one("#sim-countries", Input).value = format_country_mix(params.countries)
        self.query_one("#sim-mode", Select).value = params.mode

    def read_params(self) -> TrafficParams | None:
        """The inputs as parameters, or None after saying what is wrong (nothing runs)."""
        try:
            values = {}
            for field_id, label, name in FIELDS:
                text = self.query_one(f"#{field_id}", Input).value.strip()
                if not text.lstrip("-").isdigit():
                    raise TrafficInputError(f"{label} must be a whole number, not {text!r}.")
                values[name] = int(text)
            countries = parse_country_mix(self.query_one("#sim-countries", Input).value)
            mode = str(self.query_one("#sim-mode", Select).value)
            return TrafficParams(countries=countries, mode=mode, **values).check()
        except TrafficInputError as exc:
            self.notify(str(exc), title="Simulation parameters", severity="error", timeout=8)
            return None

    def ready_engine(self, then: str) -> TrafficEngine | None:
        """The run to drive: a new one from the inputs unless one is under way. Inputs changed
        during a run: the run is reset first (its sessions deleted) and `then` ("play" or "step")
        starts the new one; None meanwhile."""
        params = self.read_params()
        if params is None:
            return None
        if self.engine is not None and self.engine.tick > 0:
            if params == self.engine.params:
                return self.engine
            if not self.busy:
                self.then_run = then
                self.notify("New parameters: the run starts again with them (its sessions are deleted first).",
                            timeout=5)
                self.start_reset()
            return None
        try:
            self.engine = self.app.simulation(self.service, params)
        except TrafficInputError as exc:
            self.notify(str(exc), title="Simulation parameters", severity="error", timeout=8)
            return None
        return self.engine

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#sim-busiest").focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.update_hint()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.update_hint()

    def inputs_changed(self) -> bool:
        """Do the inputs differ from the running run's parameters?"""
        if self.engine is None or self.engine.tick == 0 or not self.is_mounted:
            return False
        try:
            values = {name: int(self.query_one(f"#{fid}", Input).value.strip() or "0") for fid, _, name in FIELDS}
            countries = parse_country_mix(self.query_one("#sim-countries", Input).value)
            mode = str(self.query_one("#sim-mode", Select).value)
            return TrafficParams(countries=countries, mode=mode, **values) != self.engine.params
        except (ValueError, TrafficInputError):
            return True

    def update_hint(self) -> None:
        hint = ("Parameters changed: they apply at the next play (space) or step (n); the run starts again."
                if self.inputs_changed() else "")
        self.query_one("#sim-hint", Static).update(hint)

    # -- keys ---------------------------------------------------------------------------------------

    def action_play_pause(self) -> None:
        if self.playing:
            self.pause()
        elif self.ready_engine("play") is not None:
            self.playing = True
            assert self.timer is not None
            self.timer.resume()
            self.on_timer()
        self.update_status()

    def pause(self) -> None:
        self.playing = False
        if self.timer is not None:
            self.timer.pause()

    def action_step(self) -> None:
        self.pause()
        if not self.busy and self.ready_engine("step") is not None:
            self.busy = True
            self.app.simulate_step(self, self.engine)
        self.update_status()

    def action_reset(self) -> None:
        self.pause()
        if self.engine is None:
            return
        if self.busy:
            self.reset_wanted = True  # after the tick in flight
        else:
            self.start_reset()
        self.update_status()

    def start_reset(self) -> None:
        self.reset_wanted = False
        self.busy = True
        self.app.simulate_reset(self, self.engine)

    def action_back(self) -> None:
        if isinstance(self.focused, (Input, Select)):  # escape in a field leaves the field, edits kept
            self.query_one("#sim-busiest").focus()
            return
        self.pause()
        if self.engine is None or not self.engine.open:
            self.app.pop_screen()
            return
        count = len(self.engine.open)
        sessions = f"{count} session{'s' if count != 1 else ''}"
        body = (f"The run has {sessions} open in {self.service.unique_name}, holding its numbers (their in_use). "
                f"Delete them and leave (the pool is as before the run), or keep them open and leave (the run "
                f"pauses; s comes back to it, x deletes them; quitting the app deletes them).")
        self.app.push_screen(ChoiceScreen("Leave Simulate", body, self.LEAVE_CHOICES), self.left)

    def left(self, choice: str | None) -> None:
        if choice == "delete" and self.engine is not None:
            self.leaving = True
            self.busy = True
            self.app.simulate_leave(self, self.engine)
        elif choice == "keep" and self.engine is not None:
            count = len(self.engine.open)
            self.notify(f"The simulation is paused; its {count} session{'s' if count != 1 else ''} stay open and "
                        "hold their numbers. s opens it again; x there deletes them; quitting deletes them.",
                        timeout=8)
            self.app.pop_screen()

    def on_simulation_left(self, message: SimulationLeft) -> None:
        self.busy = False
        self.notify(f"Left Simulate: deleted the run's {message.deleted} session{'s' if message.deleted != 1 else ''}"
                    f"; no number of {self.service.unique_name} is held by the simulation.", timeout=6)
        self.app.pop_screen()

    def on_timer(self) -> None:
        if self.playing and not self.busy and self.engine is not None:
            self.busy = True
            self.app.simulate_step(self, self.engine)

    # -- what the workers report -------------------------------------------------------------------

    def on_simulation_stepped(self, message: SimulationStepped) -> None:
        self.busy = False
        snapshot = message.snapshot
        log = self.query_one("#sim-errors", RichLog)
        for error in snapshot.errors:
            style = "bold red" if error.code in (80208, 80206) else "red"
            # the message starts with Twilio's title already; the log's own width: RichLog measures
            # against the app console's (80 columns headless)
            log.write(Text(error.text, style=style), width=log.scrollable_content_region.width or None)
        self.render_snapshot(snapshot)
        if self.reset_wanted:
            self.start_reset()

    def on_simulation_reset(self, message: SimulationReset) -> None:
        self.busy = False
        self.query_one("#sim-errors", RichLog).write(
            Text(f"reset: deleted {message.deleted} session{'s' if message.deleted != 1 else ''} of the run",
                 style="dim"))
        self.render_snapshot(None)
        then, self.then_run = self.then_run, None
        if then == "play":
            self.action_play_pause()
        elif then == "step":
            self.action_step()
        else:
            self.notify(f"Reset: {message.deleted} session{'s' if message.deleted != 1 else ''} deleted.",
                        timeout=4)
        self.update_hint()

    def on_simulation_failed(self, message: SimulationFailed) -> None:
        self.busy = False
        self.then_run = None
        self.pause()
        report = message.report
        self.notify(f"{message.action} failed: {report.text}", title=report.title, severity="error", timeout=10)
        self.update_status()

    # -- drawing --------------------------------------------------------------------------------------

    def update_status(self, snapshot: Snapshot | None = None) -> None:
        snapshot = snapshot or (self.engine.last if self.engine else None)
        state = Text("▶ PLAYING" if self.playing else "PAUSED", style="bold green" if self.playing else "bold yellow")
        if snapshot is None:
            state.append("   no run yet: space plays, n steps one tick (the inputs above are its parameters)",
                         style="dim")
        else:
            state.append(f"   tick {snapshot.tick} · {snapshot.active} active session"
                         f"{'s' if snapshot.active != 1 else ''} · +{snapshot.opened} opened · "
                         f"−{snapshot.ended} ended · {snapshot.refused} refused this tick")
        self.query_one("#sim-status", Static).update(state)
        log = self.query_one("#sim-errors", RichLog)
        counts = sorted((snapshot.errors_by_code if snapshot else {}).items(), key=lambda kv: -kv[1])
        log.border_subtitle = ("run total: " + " · ".join(f"{code or 'other'} ×{n:,}" for code, n in counts)
                               if counts else "none so far")

    def render_snapshot(self, snapshot: Snapshot | None) -> None:
        self.update_status(snapshot)
        self.update_hint()
        label = self.query_one("#sim-utilisation-label", Static)
        spark = self.query_one("#sim-utilisation", UtilisationChart)
        if snapshot is None:
            label.update("Pool utilisation (unreserved numbers in use / unreserved) over time: no ticks yet")
            spark.show([], 0)
        else:
            share = snapshot.busy / snapshot.unreserved if snapshot.unreserved else 0.0
            peak = max(snapshot.utilisation, default=0.0)
            label.update(f"Pool utilisation: {share:.0%} now ({snapshot.busy} of {snapshot.unreserved} unreserved "
                         f"numbers in use) · peak {peak:.0%} · last {len(snapshot.utilisation)} ticks")
            spark.show(list(snapshot.utilisation), snapshot.tick)
        self.query_one(BusiestTable).show(snapshot)
        needs = self.query_one(NeedsTable)
        needs.show(snapshot)
        if snapshot is not None:
            short = snapshot.shortfall
            needs.border_subtitle = (f"short by {short} number{'s' if short != 1 else ''}" if short
                                     else "the pool has enough")
        else:
            needs.border_subtitle = ""
