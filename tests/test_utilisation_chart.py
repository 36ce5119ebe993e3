"""The Simulate screen's utilisation chart: readable from 1 % to 100 %, on a labelled scale, in
colours that mean what they say (the error colour for a full pool only)."""

from __future__ import annotations

from textual.app import App, ComposeResult

from tui.widgets.traffic_view import UtilisationChart, bar_cells, chart_top, level_style


def test_the_scale_is_the_smallest_that_holds_the_peak():
    assert chart_top([0.01, 0.03]) == 0.05
    assert [chart_top([p]) for p in (0.0, 0.05, 0.06, 0.14, 0.3, 0.7, 1.0)] == [0.05, 0.05, 0.10, 0.25, 0.5, 1.0, 1.0]


def test_one_percent_shows_and_a_full_pool_reaches_the_top():
    assert bar_cells(0.0, 0.05, 3) == [" ", " ", " "]
    assert bar_cells(0.01, 1.0, 3)[0] == "▁"  # never invisible, even on the 100 % scale
    assert bar_cells(1.0, 1.0, 3) == ["█", "█", "█"]
    assert bar_cells(0.5, 1.0, 3) == ["█", "▄", " "]


def test_colours_mean_what_they_say():
    assert [level_style(v) for v in (0.1, 0.84, 0.85, 0.99, 1.0)] == [
        "success", "success", "warning", "warning", "error"]


class ChartApp(App):
    def compose(self) -> ComposeResult:
        yield UtilisationChart()


async def test_the_chart_has_a_percent_axis_and_a_tick_axis():
    app = ChartApp()
    async with app.run_test(size=(70, 5)) as pilot:
        chart = app.query_one(UtilisationChart)
        chart.show([0.12, 0.13, 0.14] * 10, last_tick=45)
        await pilot.pause()
        lines = str(chart.render()).splitlines()
        assert [line[:6] for line in lines[:4]] == ["  25%│", "12.5%│", "     │", "   0%└"]
        assert lines[4].startswith(" tick 16") and " 20 " in lines[4] and lines[4].rstrip().endswith("45")
        assert all(c != " " for c in lines[2][6:36])  # 12-14 % of a 25 % scale: half the height, not a strip
        assert lines[0][6:36].strip() == ""
        chart.show([], 0)
        await pilot.pause()
        assert "no ticks yet" in str(chart.render())
