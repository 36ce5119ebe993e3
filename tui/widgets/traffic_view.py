"""What the Simulate screen shows of a tick: the busiest numbers and "how many numbers does this pool need"."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import RenderResult
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import DataTable

from sandbox.capacity import Need
from sandbox.traffic import Snapshot
from tui.core.phone import format_international

BUSIEST_SHOWN = 40


SCALES = (0.05, 0.10, 0.25, 0.50, 1.0)  # the chart's top: the smallest that holds the peak
EIGHTHS = " ▁▂▃▄▅▆▇█"
LEFT = 6  # the y axis: "12.5%" and its rule


def chart_top(values: Sequence[float]) -> float:
    peak = max(values, default=0.0)
    return next((top for top in SCALES if peak <= top), 1.0)


def percent(share: float) -> str:
    return f"{share * 100:g}%"


def bar_cells(value: float, top: float, rows: int) -> list[str]:
    """One tick's column, bottom row first: eighths of a cell, at least one for any use at all
    (1 % stays visible on a 0-5 % chart, 100 % reaches the top)."""
    eighths = round(min(value, top) / top * rows * 8) if top else 0
    if value > 0:
        eighths = max(eighths, 1)
    out = []
    for _ in range(rows):
        out.append(EIGHTHS[min(eighths, 8)])
        eighths = max(eighths - 8, 0)
    return out


def level_style(value: float) -> str:
    """Colours that mean what they say: fine, near full (85 %, Twilio's warning), full."""
    return "error" if value >= 1.0 else "warning" if value >= 0.85 else "success"


class UtilisationChart(Widget):
    """Pool utilisation per tick (0..1) as bars, with a labelled y axis (0 % to the chart's top,
    the smallest of 5/10/25/50/100 % that holds the peak) and a time axis in ticks."""

    DEFAULT_CSS = "UtilisationChart { height: 5; }"

    values: reactive[tuple[float, ...]] = reactive(())
    last_tick: reactive[int] = reactive(0)

    def show(self, values: Sequence[float], last_tick: int) -> None:
        self.values, self.last_tick = tuple(values), last_tick

    @property
    def data(self) -> list[float]:
        return list(self.values)

    def render(self) -> RenderResult:
        rows = max(self.size.height - 2, 1)
        width = max(self.size.width - LEFT, 1)
        values = list(self.values)[-width:]
        top = chart_top(values)
        colours = {name: self.app.theme_variables.get(name, fallback)
                   for name, fallback in (("success", "green"), ("warning", "yellow"), ("error", "red"))}
        columns = [bar_cells(v, top, rows) for v in values]
        lines = []
        for row in range(rows - 1, -1, -1):
            label = percent(top) if row == rows - 1 else percent(top / 2) if row == rows // 2 and rows >= 3 else ""
            line = Text(f"{label:>5}│", style="dim")
            for v, cells in zip(values, columns, strict=True):
                line.append(cells[row], style=colours[level_style(v)])
            lines.append(line)
        first = self.last_tick - len(values) + 1
        axis = Text("   0%└" + "─" * width, style="dim")
        ticks = Text(" tick ", style="dim")
        marks = [" "] * width
        if values:
            step = 10 if width >= 60 else 20 if width >= 30 else 40
            for i, tick in enumerate(range(first, self.last_tick + 1)):
                if tick % step == 0 or i == 0 or tick == self.last_tick:
                    label = str(tick)
                    if i + len(label) <= width and all(c == " " for c in marks[max(i - 1, 0):i + len(label) + 1]):
                        marks[i:i + len(label)] = label
        else:
            marks[:len("no ticks yet")] = "no ticks yet"
        ticks.append("".join(marks), style="dim")
        return Text("\n").join([*lines, axis, ticks])


class BusiestTable(DataTable):
    """in_use per number, the busiest first."""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.add_column("Number", key="number", width=17)
        self.add_column("Country", key="country", width=7)
        self.add_column("In use", key="in_use", width=6)
        self.add_column("Reserved", key="reserved", width=8)

    def show(self, snapshot: Snapshot | None) -> None:
        self.clear()
        for n in (snapshot.busiest if snapshot else [])[:BUSIEST_SHOWN]:
            self.add_row(format_international(n.phone_number), n.iso_country or "?",
                         Text(str(n.in_use), style="bold"),  # a count, not an alarm
                         Text("reserved", style="cyan") if n.is_reserved else Text("-", style="dim"), key=n.sid)


def need_label(need: Need) -> str:
    return f"{need.country or '?'} area {need.area_code}" if need.area_code else (need.country or "?")


class NeedsTable(DataTable):
    """Per country (and area code under area-code matching): the most sessions one person is in at
    once (now and at the run's peak), what the pool has for them, and the shortfall."""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.add_column("People in", key="group", width=11)
        self.add_column("Now", key="now", width=3)
        self.add_column("Peak", key="peak", width=4)
        self.add_column("Have", key="have", width=4)
        self.add_column("Verdict", key="verdict", width=11)
        self.add_column("e.g. who", key="who", width=14)

    def show(self, snapshot: Snapshot | None) -> None:
        self.clear()
        if snapshot is None:
            return
        now = {(n.country, n.area_code): n for n in snapshot.needs_now}
        for need in snapshot.needs_peak:
            current = now.get((need.country, need.area_code))
            verdict = (Text(f"short by {need.shortfall}", style="bold red") if need.shortfall
                       else Text("enough", style="green"))
            self.add_row(need_label(need), str(current.needed if current else 0), str(need.needed),
                         str(need.have), verdict, need.identifier or "", key=need.label)
