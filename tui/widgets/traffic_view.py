"""What the Simulate screen shows of a tick: the busiest numbers and "how many numbers does this pool need"."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.text import Text
from textual.app import RenderResult
from textual.renderables.sparkline import Sparkline as SparklineRenderable
from textual.widgets import DataTable, Sparkline

from sandbox.capacity import Need
from sandbox.traffic import Snapshot
from tui.core.phone import format_international

BUSIEST_SHOWN = 40


class _ZeroToOne(SparklineRenderable):
    """Textual's sparkline drawn on a fixed 0..1 scale (its own scales min..max of the data, so a
    steady 70 % would draw as nothing and 17-20 % as full swings). The data starts with the two
    anchors 0 and 1: they set the scale, and _buckets leaves them out of the bars."""

    @classmethod
    def _buckets(cls, data: list, num_buckets: int) -> Iterable[Sequence]:
        return super()._buckets(data[2:], num_buckets)


class UtilisationChart(Sparkline):
    """Pool utilisation per tick (0..1), as Textual's Sparkline on a fixed 0-100 % scale."""

    def render(self) -> RenderResult:
        values = list(self.data or [])
        if not values:
            return super().render()
        _, base = self.background_colors
        low = base + self.get_component_styles("sparkline--min-color").color
        high = base + self.get_component_styles("sparkline--max-color").color
        return _ZeroToOne([0.0, 1.0, *values], width=self.size.width, height=self.size.height,
                          min_color=low.rich_color, max_color=high.rich_color,
                          summary_function=self.summary_function)


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
                         Text(str(n.in_use), style="bold magenta"),
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
