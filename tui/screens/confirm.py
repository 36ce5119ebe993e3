"""A yes/no question: y confirms, n or escape cancels. Dismisses with True or False."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Static

from tui.screens.dialog import Dialog


def key_label(words: str, key: str) -> Content:
    """A button's words and its key, "Remove [y]": as plain content (as markup, [y] would vanish)."""
    return Content(f"{words} [{key}]")


class ConfirmScreen(Dialog[bool]):
    AUTO_FOCUS = "#no"  # enter alone never confirms a removal
    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n", "answer(False)", "No"),
        Binding("escape", "answer(False)", "Cancel"),
    ]

    def __init__(self, title: str, body: str, *, yes: str = "Yes", no: str = "Cancel", danger: bool = False):
        super().__init__()
        self.title_text = title
        self.body = body
        self.yes = yes
        self.no = no
        self.danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="confirm -danger" if self.danger else "confirm"):
            yield Static(Content(self.title_text), id="dialog-title")
            yield Static(self.body, id="confirm-body", markup=False)
            with Horizontal(id="dialog-buttons"):
                yield Button(key_label(self.yes, "y"), id="yes", variant="error" if self.danger else "primary")
                yield Button(key_label(self.no, "n"), id="no")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")
