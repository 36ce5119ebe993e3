"""Pool gauges: unreserved x/500 and reserved y/5,000, a warning from 85 % and "full" at the limit."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from tui.core.resources import PoolStats
from tui.widgets.cells import bar

BAR_WIDTH = 20
NARROW_BAR = 8  # under 130 columns: the gauges and "In use" must fit in 100


def gauge_words(value: int, limit: int, warning: bool) -> str:
    """What a gauge says beside its numbers: full is full (Twilio refuses more: 80622)."""
    if limit and value >= limit:
        return "full"
    return "near the limit" if warning else ""


class Gauge(Static):
    """One limit: a label, a bar, value/limit and the percentage."""

    DEFAULT_CSS = """
    Gauge {
        width: auto;
        margin-right: 4;
        color: $success;
        &.-warning { color: $warning; text-style: bold; }
        &.-full { color: $error; text-style: bold; }
    }
    """

    def __init__(self, label: str, *, id: str):
        super().__init__(id=id)
        self.label = label
        self.shown: tuple[int, int, bool] | None = None

    def show(self, value: int, limit: int, warning: bool) -> None:
        self.shown = (value, limit, warning)
        self.redraw()

    def on_resize(self) -> None:
        if self.shown is not None:
            self.redraw()

    def redraw(self) -> None:
        assert self.shown is not None
        value, limit, warning = self.shown
        narrow = self.app.size.width < 130
        pct = 100 * value / limit if limit else 0
        words = gauge_words(value, limit, warning)
        text = Text()
        text.append(f"{self.label} ", style="bold")
        text.append(bar(value, limit, NARROW_BAR if narrow else BAR_WIDTH))
        text.append(f" {value:,}/{limit:,}" + ("" if narrow and words else f" ({pct:.0f} %)"))
        if words:
            text.append(f"  {words}" if not narrow else f" {words}", style="bold")
        self.set_class(bool(words) and words != "full", "-warning")
        self.set_class(words == "full", "-full")
        self.update(text)


class PoolGauges(Horizontal):
    DEFAULT_CSS = """
    PoolGauges {
        height: 1;
        padding: 0 1;
        #in-use-count { width: auto; color: $text-muted; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Gauge("Unreserved", id="gauge-unreserved")
        yield Gauge("Reserved", id="gauge-reserved")
        yield Static("", id="in-use-count")

    def show(self, stats: PoolStats) -> None:
        self.query_one("#gauge-unreserved", Gauge).show(
            stats.unreserved, stats.unreserved_limit, stats.unreserved_warning)
        self.query_one("#gauge-reserved", Gauge).show(stats.reserved, stats.reserved_limit, stats.reserved_warning)
        self.query_one("#in-use-count", Static).update(f"In use: {stats.in_use_numbers:,}")

    def counting(self, read: int) -> None:
        """Before any count: how far the read of the pool has got."""
        self.query_one("#in-use-count", Static).update(f"Counting… {read:,} numbers read")
