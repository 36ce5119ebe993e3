"""The app's tables (the pool, the Services): a lean line-API table made for speed.

Textual's DataTable re-renders every visible cell when one cell changes (50-100 ms for a
page here); this table renders a row as one line, caches it, and redraws only the rows that
changed, so a reservation toggle repaints one line. page-down on the last row asks for the
next page, page-up on the first row for the previous one.

Columns fit the width: each has a priority (0 stays longest; the highest goes first when the
width runs out) and a flexible column takes the room left. The header shows the sorted
column's direction; a click on a header asks to sort by it, a click on the highlighted row
activates it.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip


# a NamedTuple: this module is read at launch, and a frozen dataclass takes ~1 ms to make on Python 3.11
class Column(NamedTuple):
    label: str
    key: str
    width: int  # the width it takes (a flexible column: at least this much)
    priority: int = 0  # 0: kept longest; when the width runs out, the highest goes first
    flex: bool = False  # takes the width the others leave


def fit_columns(columns: list[Column], width: int) -> list[tuple[Column, int]]:
    """The columns that fit in `width` cells (one space before each, one at the end), in their
    order, each with its width: the highest priority goes first (of equals, the rightmost),
    priority 0 never (the line then scrolls sideways); flexible columns share what is left."""
    room = max(width - 1, 0)
    kept = list(columns)

    def need(cols: list[Column]) -> int:
        return sum(c.width + 1 for c in cols)

    while need(kept) > room:
        droppable = [i for i, c in enumerate(kept) if c.priority > 0]
        if not droppable:
            break
        del kept[max(droppable, key=lambda i: (kept[i].priority, i))]
    spare = max(room - need(kept), 0)
    flexible = sum(1 for c in kept if c.flex)
    share, extra = divmod(spare, flexible) if flexible else (0, 0)
    out = []
    for column in kept:
        grow = 0
        if column.flex:
            grow, extra = share + (1 if extra > 0 else 0), extra - 1
        out.append((column, column.width + grow))
    return out


class PoolTable(ScrollView, can_focus=True):
    BINDINGS = [
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "first_row", "First row", show=False),
        Binding("end", "last_row", "Last row", show=False),
    ]
    COMPONENT_CLASSES = {"pool-table--header", "pool-table--cursor", "pool-table--even"}
    DEFAULT_CSS = """
    PoolTable {
        background: $surface;
        color: $foreground;
        scrollbar-gutter: stable;  /* the columns fit the same width with or without a scrollbar */
    }
    PoolTable > .pool-table--header {
        background: $panel;
        text-style: bold;
        color: $foreground;
    }
    PoolTable > .pool-table--cursor {
        background: $block-cursor-blurred-background;
    }
    PoolTable:focus > .pool-table--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: bold;
    }
    PoolTable > .pool-table--even {
        background: $surface-darken-1;
    }
    """

    cursor_row: reactive[int] = reactive(0, always_update=False, init=False)

    class RowHighlighted(Message):
        def __init__(self, index: int, key: str | None):
            super().__init__()
            self.index = index
            self.key = key

    class EdgeReached(Message):
        """page-down at the bottom (+1) or page-up at the top (-1)."""

        def __init__(self, direction: int):
            super().__init__()
            self.direction = direction

    class HeaderClicked(Message):
        """A click on a column's header (sort by it)."""

        def __init__(self, column: str):
            super().__init__()
            self.column = column

    class RowActivated(Message):
        """A click on the row already highlighted (as enter on it)."""

        def __init__(self, index: int, key: str | None):
            super().__init__()
            self.index = index
            self.key = key

    def __init__(self, columns: list[Column], **kwargs: Any):
        super().__init__(**kwargs)
        self.columns = list(columns)
        self.column_index = {c.key: i for i, c in enumerate(self.columns)}
        self.keys: list[str] = []
        self.rows: dict[str, list[Any]] = {}
        self._versions: dict[str, int] = {}
        self._cache: dict[tuple, Strip] = {}
        self.sort_column: str | None = None
        self.descending = False
        self._layout: list[tuple[Column, int]] = [(c, c.width) for c in self.columns]  # until it has a width
        self._line_width = self._width_of(self._layout)

    @staticmethod
    def _width_of(layout: list[tuple[Column, int]]) -> int:
        return sum(width + 1 for _, width in layout) + 1

    @property
    def visible_columns(self) -> list[str]:
        """The keys of the columns the width leaves on screen, in order."""
        return [c.key for c, _ in self._layout]

    def show_sort(self, column: str | None, descending: bool = False) -> None:
        """The header marks the sorted column with its direction."""
        if (column, descending) != (self.sort_column, self.descending):
            self.sort_column, self.descending = column, descending
            self._cache.clear()
            self.refresh()

    def on_resize(self) -> None:
        self._relayout()

    def _relayout(self) -> None:
        width = self.scrollable_content_region.width or self.size.width
        if not width:
            return
        layout = fit_columns(self.columns, width)
        if layout != self._layout:
            self._layout = layout
            self._line_width = self._width_of(layout)
            self._cache.clear()
            self._resized()

    # -- data (the DataTable calls the pool screen uses) -----------------------------------------

    @property
    def row_count(self) -> int:
        return len(self.keys)

    def clear(self) -> None:
        self.keys.clear()
        self.rows.clear()
        self._versions.clear()
        self._cache.clear()
        self.cursor_row = 0
        self._resized()

    def add_rows(self, rows: list[tuple[str, list[Any]]]) -> None:
        for key, cells in rows:
            self.keys.append(key)
            self.rows[key] = list(cells)
            self._versions[key] = 0
        self._resized()

    def add_row(self, *cells: Any, key: str) -> None:
        self.add_rows([(key, list(cells))])

    def get_row_at(self, index: int) -> list[Any]:
        return list(self.rows[self.keys[index]])

    def get_row_index(self, key: str) -> int:
        return self.keys.index(key)

    def update_cell(self, key: str, column: str, value: Any) -> None:
        self.rows[key][self.column_index[column]] = value
        self._versions[key] += 1
        self._refresh_row(self.keys.index(key))

    def remove_row(self, key: str) -> None:
        index = self.keys.index(key)
        del self.keys[index]
        del self.rows[key]
        del self._versions[key]
        self._resized()
        if self.cursor_row >= len(self.keys):
            self.cursor_row = max(0, len(self.keys) - 1)
        else:
            self.post_message(self.RowHighlighted(self.cursor_row, self._key_at(self.cursor_row)))

    def move_cursor(self, *, row: int, animate: bool = False) -> None:
        self.cursor_row = max(0, min(row, len(self.keys) - 1))
        self._scroll_to_cursor()

    def _key_at(self, index: int) -> str | None:
        return self.keys[index] if 0 <= index < len(self.keys) else None

    def _resized(self) -> None:
        self.virtual_size = Size(self._line_width, len(self.keys) + 1)
        self.refresh()

    # -- cursor -------------------------------------------------------------------------------------

    def watch_cursor_row(self, old: int, new: int) -> None:
        self._refresh_row(old)
        self._refresh_row(new)
        self.post_message(self.RowHighlighted(new, self._key_at(new)))

    def _refresh_row(self, index: int) -> None:
        y = index - round(self.scroll_offset.y) + 1
        if 1 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    @property
    def _visible_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _scroll_to_cursor(self) -> None:
        top = round(self.scroll_offset.y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + self._visible_rows:
            self.scroll_to(y=self.cursor_row - self._visible_rows + 1, animate=False, immediate=True)

    def action_cursor_up(self) -> None:
        if self.cursor_row > 0:
            self.move_cursor(row=self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        if self.cursor_row < len(self.keys) - 1:
            self.move_cursor(row=self.cursor_row + 1)

    def action_page_down(self) -> None:
        if not self.keys or self.cursor_row >= len(self.keys) - 1:
            self.post_message(self.EdgeReached(+1))
            return
        self.move_cursor(row=self.cursor_row + self._visible_rows)

    def action_page_up(self) -> None:
        if self.cursor_row <= 0:
            self.post_message(self.EdgeReached(-1))
            return
        self.move_cursor(row=self.cursor_row - self._visible_rows)

    def action_first_row(self) -> None:
        self.move_cursor(row=0)

    def action_last_row(self) -> None:
        self.move_cursor(row=len(self.keys) - 1)

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            column = self._column_at(event.x + round(self.scroll_offset.x))
            if column is not None:
                self.post_message(self.HeaderClicked(column))
            return
        index = event.y - 1 + round(self.scroll_offset.y)
        if 0 <= index < len(self.keys):
            if index == self.cursor_row:
                self.post_message(self.RowActivated(index, self._key_at(index)))
            else:
                self.move_cursor(row=index)

    def _column_at(self, x: int) -> str | None:
        left = 1
        for column, width in self._layout:
            if left <= x < left + width + 1:
                return column.key
            left += width + 1
        return None

    def on_focus(self) -> None:
        self._cache.clear()
        self.refresh()

    def on_blur(self) -> None:
        self._cache.clear()
        self.refresh()

    # -- rendering ----------------------------------------------------------------------------------------

    def _header_cells(self) -> list[Text]:
        """The labels; the sorted column's ends in its direction, ▲ or ▼ (the label gives way to it)."""
        widths = {c.key: w for c, w in self._layout}
        cells = []
        for column in self.columns:
            label = Text(column.label)
            if column.key == self.sort_column:
                room = widths.get(column.key, column.width) - 1
                label = Text(column.label if len(column.label) <= room else column.label[:max(room - 1, 0)] + "…")
                label.append("▼" if self.descending else "▲", style="bold")
            cells.append(label)
        return cells

    def _line(self, cells: list[Any], style: Style) -> Strip:
        text = Text(" ", style=style, no_wrap=True, end="")
        for column, width in self._layout:
            index = self.column_index[column.key]
            cell = cells[index] if index < len(cells) else ""
            part = cell.copy() if isinstance(cell, Text) else Text(str(cell))
            part.truncate(width, overflow="ellipsis", pad=True)
            text.append_text(part)
            text.append(" ")
        segments = [Segment(s.text, style + s.style if s.style else style)
                    for s in text.render(self.app.console)]
        return Strip(segments, self._line_width)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            style = base + self.get_component_rich_style("pool-table--header")
            key = ("header", style)
            strip = self._cache.get(key)
            if strip is None:
                strip = self._cache[key] = self._line(self._header_cells(), style)
        else:
            index = y - 1 + round(scroll_y)
            if index >= len(self.keys):
                return Strip.blank(width, base)
            row_key = self.keys[index]
            cursor = index == self.cursor_row
            key = (row_key, self._versions[row_key], cursor, index % 2)
            strip = self._cache.get(key)
            if strip is None:
                style = base
                if cursor:
                    style = base + self.get_component_rich_style("pool-table--cursor")
                elif index % 2:
                    style = base + self.get_component_rich_style("pool-table--even")
                strip = self._cache[key] = self._line(self.rows[row_key], style)
        return strip.crop_extend(round(scroll_x), round(scroll_x) + width, base)
