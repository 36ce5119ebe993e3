"""A bulk operation on the marked numbers: a progress bar, then what succeeded and what failed, per number."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Log, ProgressBar, Static

from tui.core.resources import PhoneNumber
from tui.screens.dialog import Dialog
from tui.screens.messages import BulkOutcome, BulkStep


class BulkScreen(Dialog[list[BulkOutcome]]):
    DEFAULT_CSS = """
    BulkScreen #bulk-progress { margin-bottom: 1; }
    BulkScreen #bulk-log { height: 12; border: round $primary; }
    BulkScreen #bulk-summary { margin-top: 1; }
    """

    BINDINGS = [
        Binding("escape", "close", "Close / stop"),
        Binding("enter", "close", "Close", show=False),
    ]

    VERBS = {"remove": "Removing", "reserve": "Reserving", "unreserve": "Unreserving"}

    def __init__(self, operation: str, numbers: list[PhoneNumber]):
        super().__init__()
        self.operation = operation  # "reserve", "unreserve" or "remove"
        self.numbers = numbers
        self.outcomes: list[BulkOutcome] = []
        self.finished = False

    @property
    def verb(self) -> str:
        return self.VERBS[self.operation]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="bulk"):
            yield Static(f"{self.verb} {len(self.numbers)} numbers", id="dialog-title")
            yield ProgressBar(total=len(self.numbers), show_eta=False, id="bulk-progress")
            yield Log(id="bulk-log", auto_scroll=True)
            yield Static("Working… escape stops after the current number.", id="bulk-summary")

    def on_mount(self) -> None:
        self.app.run_bulk(self, self.operation, self.numbers)

    def on_bulk_step(self, message: BulkStep) -> None:
        self.outcomes.extend(message.outcomes)
        # E.164, as Twilio and the scripts write numbers (formatting 500 costs as much as saving them)
        self.query_one(Log).write_lines(
            f"{'ok  ' if o.ok else 'FAIL'} {o.number.phone_number:<16} {o.number.sid}  {o.detail}"
            for o in message.outcomes)
        self.query_one(ProgressBar).update(progress=message.done)
        if message.done == message.total:
            self.finish()

    def finish(self, stopped: bool = False) -> None:
        self.finished = True
        ok = sum(1 for o in self.outcomes if o.ok)
        failed = len(self.outcomes) - ok
        text = Text()
        text.append(f"{ok} succeeded", style="bold green")
        text.append(", ")
        text.append(f"{failed} failed", style="bold red" if failed else "")
        if stopped:
            text.append(f", {len(self.numbers) - len(self.outcomes)} not attempted (stopped)")
        if failed:
            text.append(". Failed numbers stay marked.")
        text.append("   enter or escape closes")
        self.query_one("#bulk-summary", Static).update(text)

    def action_close(self) -> None:
        if not self.finished:
            self.app.workers.cancel_group(self.app, "bulk")
            self.finish(stopped=True)
            return
        self.dismiss(self.outcomes)
