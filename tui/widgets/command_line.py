"""The command line of command mode (`:` as in k9s): an input with completion (tab), history
(up/down) and the errors shown under it, in place. What a line means is tui/state/command_line.py's;
the screen that opened it carries the command out and answers with done() or error().
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from tui.state.command_line import POOL_COMMANDS, USAGE, complete
from tui.state.history import History


class CommandInput(Input):
    BINDINGS = [
        Binding("tab", "complete", "Complete", show=False),
        Binding("up", "older", "Older command", show=False),
        Binding("down", "newer", "Newer command", show=False),
        Binding("escape", "close", "Close", show=False),
    ]

    def action_complete(self) -> None:
        bar = self.bar
        if bar is not None:
            bar.complete()

    def action_older(self) -> None:
        if self.bar is not None:
            self.bar.walk_history(older=True)

    def action_newer(self) -> None:
        if self.bar is not None:
            self.bar.walk_history(older=False)

    def action_close(self) -> None:
        if self.bar is not None:
            self.bar.close()

    @property
    def bar(self) -> CommandBar | None:
        parent = self.parent
        return parent if isinstance(parent, CommandBar) else None


class CommandBar(Vertical):
    """`:` opens it; enter posts Run; escape closes it (focus back where it was)."""

    DEFAULT_CSS = """
    CommandBar { height: auto; display: none; padding: 0 1; }
    CommandBar #command { border: none; height: 1; padding: 0; background: $boost; }
    CommandBar #command-hint { height: auto; color: $text-muted; }
    CommandBar #command-hint.-error { color: $error; text-style: bold; }
    """

    class Run(Message):
        def __init__(self, bar: CommandBar, line: str):
            super().__init__()
            self.bar = bar
            self.line = line

    class Closed(Message):
        pass

    def __init__(self, history: History, *, allowed: frozenset[str] = POOL_COMMANDS,
                 names: Callable[[], Mapping[str, Sequence[str]]] | None = None, id: str = "command-bar"):
        super().__init__(id=id)
        self.history = history
        self.allowed = allowed
        self.names = names or (lambda: {})
        self._cycle: tuple[str, tuple[str, ...], int] | None = None  # repeated tab: (stem, candidates, i)
        self._offered: str | None = None  # the line whose candidates the hint shows

    def compose(self) -> ComposeResult:
        yield CommandInput(placeholder="command (tab completes, ↑↓ history, enter runs, escape closes)",
                           id="command", select_on_focus=False)
        yield Static(self.usage(), id="command-hint")

    def usage(self) -> str:
        return "  ".join(f":{USAGE[name]}" for name in sorted(self.allowed)) + "  :NUMBER or :SID jumps"

    @property
    def input(self) -> CommandInput:
        return self.query_one(CommandInput)

    @property
    def is_open(self) -> bool:
        return self.display

    def open(self, text: str = "") -> None:
        self.display = True  # at once (a class waits for the next style pass): the focus can land now
        self.hint(self.usage())
        self.input.value = text
        self.input.cursor_position = len(text)
        self.history.reset()
        self.input.focus()

    def close(self) -> None:
        if self.is_open:
            self.display = False
            self.input.value = ""
            self.post_message(self.Closed())

    def hint(self, text: str, error: bool = False) -> None:
        hint = self.query_one("#command-hint", Static)
        hint.update(Text(text))
        hint.set_class(error, "-error")

    def error(self, text: str) -> None:
        """The line stays as typed; the error shows under it."""
        self.hint(text, error=True)
        self.input.focus()

    def done(self, line: str) -> None:
        self.history.add(line)
        self.close()

    # -- completion and history -------------------------------------------------------------------

    def complete(self) -> None:
        line = self.input.value
        if self._cycle is not None and line == self._cycle[0] + self._cycle[1][self._cycle[2]]:
            stem, candidates, i = self._cycle
            i = (i + 1) % len(candidates)
            self._set(stem + candidates[i])
            self._cycle = (stem, candidates, i)
            return
        result = complete(line, self.allowed, self.names())
        self._cycle = None
        if not result.candidates:
            self.hint(f"nothing to complete: {self.usage()}", error=True)
            return
        offered, self._offered = self._offered, None
        if result.line != line:
            self._set(result.line)
        elif len(result.candidates) > 1 and offered == line:
            # nothing more is common to them, and they were shown: each tab now takes the next one
            stem = line[: len(line) - len(line.split(" ")[-1])] if not line.endswith(" ") else line
            self._set(stem + result.candidates[0])
            self._cycle = (stem, result.candidates, 0)
        if len(result.candidates) > 1:
            self.hint("  ".join(result.candidates) + "   (tab again: each in turn)")
            self._offered = self.input.value

    def _set(self, text: str) -> None:
        self.input.value = text
        self.input.cursor_position = len(text)

    def walk_history(self, older: bool) -> None:
        text = self.history.older(self.input.value) if older else self.history.newer()
        if text is not None:
            self._set(text)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Run(self, event.value))

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()  # the screen's own filter box listens for its changes
