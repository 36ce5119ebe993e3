""":ctx: the worlds the app can switch to (tui/contexts.py lists them); enter opens one.

Dismisses with the Context chosen, or None."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.screens.dialog import Dialog


class ContextScreen(Dialog[Any]):
    AUTO_FOCUS = "#contexts"
    BINDINGS = [Binding("escape", "close", "Close")]
    DEFAULT_CSS = """
    ContextScreen #contexts { height: auto; max-height: 16; }
    """

    def __init__(self, contexts: list[Any], current: Path | None):
        super().__init__()
        self.contexts = contexts
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Contexts: the worlds to switch to", id="dialog-title")
            options = []
            for context in self.contexts:
                here = context.path is not None and self.current is not None and \
                    Path(context.path).expanduser().resolve() == self.current
                line = Text(f"{context.name:<22} ", style="bold" if here else "", no_wrap=True, overflow="ellipsis")
                line.append(f"{context.kind.upper():<8}", style="yellow" if context.kind == "sandbox" else "red")
                line.append(context.detail + ("  (current)" if here else ""))
                options.append(Option(line, id=context.name))
            yield OptionList(*options, id="contexts")
            yield Static("enter switches (every screen closes, the Services of that world open) · escape closes "
                         "· :ctx NAME switches at once", classes="hint")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(next(c for c in self.contexts if c.name == event.option.id))

    def action_close(self) -> None:
        self.dismiss(None)
