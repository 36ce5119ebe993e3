"""The footer of the Services and pool screens: every key it shows drawn in one line, by one widget.

Textual's Footer is a container with a widget per key (13 on the Services screen): each is styled,
measured and rendered on its own, three times before the first frame, and the footer recomposes
on every bindings signal. That was 40 % of the time from the app's mount to its first paint. This
one draws the same line (Textual's compact footer: the key bold in the accent colour, its words,
one space between keys, the command palette's key at the right behind a thin bar) as one render,
and keeps what a key widget does: a click presses the key, hovering highlights it and shows its
tooltip, a disabled key is dim and a click on it rings the bell.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.style import Style
from rich.text import Text
from textual import events
from textual.strip import Strip
from textual.widget import Widget

PALETTE_BAR = "▏"  # Textual's `border-left: vkey` in front of the palette's key


def key_cells(display: str, words: str) -> int:
    """Cells a key takes as drawn: the key, then a space and its words if it has any."""
    return len(display) + (1 + len(words) if words else 0)


class Shown(NamedTuple):
    """A key the screen shows: its binding's key, how it is shown, its words, what it does."""

    key: str
    display: str
    words: str
    action: str
    enabled: bool
    tooltip: str


class Drawn(NamedTuple):
    """One key as drawn: its cells [start, end) on the line (a NamedTuple: a frozen dataclass costs
    ~1 ms to make at launch)."""

    start: int
    end: int
    key: str  # the binding's key, pressed by a click
    action: str
    enabled: bool
    tooltip: str


class KeyFooter(Widget, can_focus=False):
    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"key-footer--key", "key-footer--description", "key-footer--hover",
                         "key-footer--palette-bar"}
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        .key-footer--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .key-footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        .key-footer--hover {
            color: $footer-key-foreground;
            background: $block-hover-background;
        }
        .key-footer--palette-bar {
            color: $foreground 20%;
        }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.drawn: list[Drawn] = []  # as last rendered, left to right (the palette's last)
        self._hover: int | None = None  # the index in `drawn` under the mouse

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen) -> None:
        self.refresh()

    def keys(self) -> tuple[list[Shown], Shown | None]:
        """The keys shown, one per action in the screen's order, and the command palette's key (None
        when the app has no palette)."""
        active = self.screen.active_bindings
        shown: list[Shown] = []
        actions: set[str] = set()
        for _node, binding, enabled, tooltip in active.values():
            if binding.show and binding.action not in actions:
                actions.add(binding.action)
                shown.append(Shown(binding.key, self.app.get_key_display(binding), binding.description,
                                   binding.action, enabled, tooltip or ""))
        palette = None
        if self.app.ENABLE_COMMAND_PALETTE and self.app.COMMAND_PALETTE_BINDING in active:
            _node, binding, enabled, tooltip = active[self.app.COMMAND_PALETTE_BINDING]
            palette = Shown(binding.key, self.app.get_key_display(binding), binding.description, binding.action,
                            enabled, binding.tooltip or binding.description)
        return shown, palette

    def render(self) -> Text:
        width = self.size.width
        shown, palette = self.keys()
        key_style = self.get_component_rich_style("key-footer--key")
        words_style = self.get_component_rich_style("key-footer--description")
        hover = self.get_component_rich_style("key-footer--hover")
        drawn: list[Drawn] = []
        line = Text(no_wrap=True, overflow="crop", end="")

        def add(entry: Shown) -> None:
            at = line.cell_len
            dim = Style(dim=True) if not entry.enabled else Style()
            over = Style(bgcolor=hover.bgcolor) if self._hover == len(drawn) else Style()
            line.append(entry.display, key_style + dim + over)
            if entry.words:
                line.append(" " + entry.words, words_style + dim + over)
            drawn.append(Drawn(at, at + key_cells(entry.display, entry.words), entry.key, entry.action,
                               entry.enabled, entry.tooltip))

        palette_cells = 0
        if palette is not None:
            palette_cells = 1 + key_cells(palette.display, palette.words) + 1  # the bar, the key, a gap at the edge
        room = width - palette_cells
        for entry in shown:
            if line.cell_len + key_cells(entry.display, entry.words) > room:
                break  # a key is drawn whole or not at all
            add(entry)
            line.append(" ")
        if palette is not None and width >= palette_cells:
            line.append(" " * (room - line.cell_len))
            line.append(PALETTE_BAR, self.get_component_rich_style("key-footer--palette-bar"))
            add(palette)
            line.append(" ")
        line.stylize_before(self.rich_style)
        self.drawn = drawn
        return line

    def render_line(self, y: int) -> Strip:
        """The line as rich draws render()'s text: Textual's own path (through its Content, a style
        object for each span) took ~2 ms a render here, and the footer renders three times before
        the first frame."""
        width = self.size.width
        if y:
            return Strip.blank(width, self.rich_style)
        text = self.render()
        return Strip(list(text.render(self.app.console)), text.cell_len).adjust_cell_length(width, self.rich_style)

    def at(self, x: int) -> int | None:
        """The index in `drawn` of the key at cell x, if any."""
        return next((i for i, key in enumerate(self.drawn) if key.start <= x < key.end), None)

    def _set_hover(self, index: int | None) -> None:
        if index != self._hover:
            self._hover = index
            self.tooltip = self.drawn[index].tooltip or None if index is not None else None
            self.styles.pointer = "default" if index is None else "pointer"  # as over Textual's footer keys
            self.refresh()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self._set_hover(self.at(event.x))

    def on_leave(self, _event: events.Leave) -> None:
        self._set_hover(None)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        index = self.at(event.x)
        if index is None:
            return
        key = self.drawn[index]
        if key.enabled:
            self.app.simulate_key(key.key)
        else:
            self.app.bell()

    @property
    def shown_keys(self) -> list[str]:
        """The binding keys drawn, left to right, without the palette's."""
        palette = self.app.COMMAND_PALETTE_BINDING
        return [key.key for key in self.drawn if key.key != palette]
