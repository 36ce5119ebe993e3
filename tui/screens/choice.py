"""A question with a few answers, each on its own key (and button): dismisses with the answer's
value, or None on escape when no answer takes escape."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from tui.screens.dialog import Dialog


class ChoiceScreen(Dialog[str | None]):
    def __init__(self, title: str, body: str, choices: tuple[tuple[str, str, str], ...]):
        """`choices`: (key, value, label); the first is the default (focused) one."""
        super().__init__()
        self.title_text = title
        self.body = body
        self.choices = choices
        for key, value, label in choices:
            self._bindings.bind(key, f"choose('{value}')", label)
        if not any(key == "escape" for key, _, _ in choices):
            self._bindings.bind("escape", "choose('')", "Cancel")

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="confirm"):
            yield Static(self.title_text, id="dialog-title")
            yield Static(self.body, id="confirm-body", markup=False)
            with Horizontal(id="dialog-buttons"):
                for key, value, label in self.choices:
                    shown = "esc" if key == "escape" else key
                    yield Button(f"{label} \\[{shown}]", id=f"choice-{value}",
                                 variant="primary" if value == self.choices[0][1] else "default")

    def on_mount(self) -> None:
        self.query_one(f"#choice-{self.choices[0][1]}", Button).focus()

    def action_choose(self, value: str) -> None:
        self.dismiss(value or None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(str(event.button.id).removeprefix("choice-"))
