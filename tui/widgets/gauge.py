"""Pool gauges: unreserved x/500 and reserved y/5,000, in a warning style from 85 %."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from tui.core.resources import PoolStats

BAR_WIDTH = 20


def bar(value: int, limit: int, width: int = BAR_WIDTH) -> str:
    filled = min(width, round(width * value / limit)) if limit else 0
    return "█" * filled + "░" * (width - filled)


class Gauge(Static):
    """One limit: a label, a bar, value/limit and the percentage."""

    def __init__(self, label: str, *, id: str):
        super().__init__(id=id, classes="gauge")
        self.label = label

    def show(self, value: int, limit: int, warning: bool) -> None:
        pct = 100 * value / limit if limit else 0
        text = Text()
        text.append(f"{self.label} ", style="bold")
        text.append(bar(value, limit), style="")
        text.append(f" {value:,}/{limit:,} ({pct:.0f} %)")
        if warning:
            text.append("  near the limit", style="bold")
        self.set_class(warning, "-warning")
        self.update(text)


class PoolGauges(Horizontal):
    def compose(self) -> ComposeResult:
        yield Gauge("Unreserved", id="gauge-unreserved")
        yield Gauge("Reserved", id="gauge-reserved")
        yield Static("", id="in-use-count")

    def show(self, stats: PoolStats) -> None:
        self.query_one("#gauge-unreserved", Gauge).show(
            stats.unreserved, stats.unreserved_limit, stats.unreserved_warning)
        self.query_one("#gauge-reserved", Gauge).show(stats.reserved, stats.reserved_limit, stats.reserved_warning)
        self.query_one("#in-use-count", Static).update(f"In use: {stats.in_use_numbers:,}")
