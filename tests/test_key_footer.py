"""The one-widget footer of the Services and pool screens: what it draws, and a mouse on it."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding

from tests.app_fixtures import running_app
from tui.widgets.key_footer import KeyFooter


def drawn(footer: KeyFooter, action: str):
    return next(key for key in footer.drawn if key.action == action)


async def test_each_key_is_drawn_whole_with_its_words_and_the_palette_at_the_right_edge(tmp_path):
    async with running_app(tmp_path, size=(100, 30)) as s:
        footer = s.screen.query_one(KeyFooter)
        line = footer.render().plain
        assert len(line) == 100
        assert footer.render_line(0).text == line  # what reaches the screen is that line
        assert line.endswith("▏^p palette ")
        words = {b.action: b.description for _, b, _, _ in s.screen.active_bindings.values()}
        for key in footer.drawn[:-1]:
            display = s.app.get_key_display(Binding(key.key, key.action))
            assert line[key.start:key.end] == f"{display} {words[key.action]}"
            assert line[key.end] == " "  # one space before the next key
        assert line.startswith("⏎ Open / Filter : Cmd")
        # what does not fit at 100 columns is left out whole, not cut at the edge
        assert "X Delete" in line and "Reset" not in line
        await s.pilot.resize_terminal(220, 60)
        await s.settle()
        line = footer.render().plain
        assert len(line) == 220 and "R Reset" in line


async def test_a_click_on_a_key_presses_it(tmp_path):
    async with running_app(tmp_path) as s:
        footer = s.screen.query_one(KeyFooter)
        help_key = drawn(footer, "app.help")
        await s.pilot.click(KeyFooter, offset=(help_key.start + 2, 0))  # on its words
        await s.settle()
        assert type(s.app.screen).__name__ == "HelpScreen"
        await s.press("escape")
        # between two keys nothing is pressed
        await s.pilot.click(KeyFooter, offset=(help_key.end, 0))
        await s.settle()
        assert type(s.app.screen).__name__ == "ServicesScreen"


async def test_hovering_a_key_highlights_it_and_shows_its_longer_title(tmp_path):
    async with running_app(tmp_path) as s:
        footer = s.screen.query_one(KeyFooter)
        command = drawn(footer, "command")
        plain = footer.render()
        await s.pilot.hover(KeyFooter, offset=(command.start, 0))
        await s.settle()
        assert footer.tooltip == "Command mode (:ctx, :help, :quit, a Service's name)"
        assert footer.styles.pointer == "pointer"
        lit = footer.render()
        assert lit.plain == plain.plain

        def background(text, x):
            return text.get_style_at_offset(s.app.console, x).bgcolor

        assert background(lit, command.start) != background(plain, command.start)
        assert background(lit, command.end - 1) != background(plain, command.end - 1)
        other = drawn(footer, "filter")
        assert background(lit, other.start) == background(plain, other.start)
        await s.pilot.hover("#services")
        await s.settle()
        assert footer.tooltip is None and footer.styles.pointer == "default"
        assert background(footer.render(), command.start) == background(plain, command.start)


class Disabled(App):
    """A key the screen shows but cannot run now (check_action None): drawn dim, a click rings the bell."""

    BINDINGS = [Binding("x", "explode", "Explode"), Binding("k", "keep", "Keep")]

    def __init__(self) -> None:
        super().__init__()
        self.ran: list[str] = []
        self.bells = 0

    def compose(self):
        yield KeyFooter()

    def check_action(self, action: str, parameters) -> bool | None:
        return None if action == "explode" else True

    def action_explode(self) -> None:
        self.ran.append("explode")

    def action_keep(self) -> None:
        self.ran.append("keep")

    def bell(self) -> None:
        self.bells += 1


async def test_a_disabled_key_is_dim_and_a_click_on_it_rings_the_bell():
    app = Disabled()
    async with app.run_test(size=(80, 5)) as pilot:
        await pilot.pause()
        footer = app.screen.query_one(KeyFooter)
        line = footer.render()
        explode, keep = drawn(footer, "explode"), drawn(footer, "keep")
        assert not explode.enabled and keep.enabled
        assert line.get_style_at_offset(app.console, explode.start).dim
        assert not line.get_style_at_offset(app.console, keep.start).dim
        await pilot.click(KeyFooter, offset=(explode.start, 0))
        await pilot.click(KeyFooter, offset=(keep.start, 0))
        await pilot.pause()
        assert app.ran == ["keep"] and app.bells == 1
