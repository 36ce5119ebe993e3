"""The frame every dialog shares: its look, parsed when the first dialog opens, not at launch."""

from __future__ import annotations

from typing import TypeVar

from textual.screen import ModalScreen

R = TypeVar("R")


class Dialog(ModalScreen[R]):
    """A modal screen whose content is a `#dialog` box: title, body, validation line, buttons."""

    DEFAULT_CSS = """
    Dialog #dialog {
        width: 90;
        max-width: 95%;
        height: auto;
        max-height: 90%;
        border: thick $primary;
        background: $surface;
        padding: 1 2;
    }
    Dialog #dialog.-danger { border: thick $error; }
    Dialog #dialog-title { text-style: bold; margin-bottom: 1; }
    Dialog #confirm-body { margin-bottom: 1; }
    Dialog #dialog-buttons { height: auto; align: right middle; }
    Dialog #dialog-buttons Button { margin-left: 2; }
    Dialog #validation { color: $text-muted; margin-bottom: 1; }
    Dialog #validation.-invalid { color: $error; }
    Dialog #validation.-valid { color: $success; }
    Dialog .hint { color: $text-muted; }
    /* a scenario's briefing and goal (the briefing, and the keys while a scenario runs) */
    Dialog #briefing-text { margin-bottom: 1; }
    Dialog #briefing-goal { border: round $accent; padding: 0 1; margin-bottom: 1; }
    """
