"""A number as Twilio has it: its full JSON (tui.core.wire, exactly what the API sends) and the
active sessions holding it; `y` copies the JSON to the clipboard (Textual's copy_to_clipboard)."""

from __future__ import annotations

import json

from rich.json import JSON
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui.core.phone import format_international
from tui.core.resources import PhoneNumber
from tui.core.wire import render_number
from tui.screens.dialog import Dialog
from tui.screens.messages import BackendFailed
from tui.screens.traffic_messages import SessionsHolding
from tui.widgets.cells import format_minute


def folded_json(json: str) -> JSON:
    """Rich's JSON, with a value longer than the dialog (a number's url) folded onto the next line, not cut."""
    rendered = JSON(json)
    rendered.text.no_wrap = False
    rendered.text.overflow = "fold"
    return rendered


class RawViewScreen(Dialog[None]):
    BINDINGS = [
        Binding("escape,enter", "close", "Close"),
        Binding("y", "copy_json", "Copy JSON"),
        Binding("n", "copy_number", "Copy number"),
        Binding("i", "copy_sid", "Copy SID"),
        Binding("q", "app.quit", "Quit", show=False),
    ]
    DEFAULT_CSS = """
    RawViewScreen #raw-json { height: auto; }
    RawViewScreen #raw-sessions { height: auto; margin-top: 1; }
    RawViewScreen #dialog { width: 100; }
    """

    def __init__(self, number: PhoneNumber, service_name: str):
        super().__init__()
        self.number = number
        self.service_name = service_name
        self.json = json.dumps(render_number(number), indent=2)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog"):
            yield Static(f"{format_international(self.number.phone_number)} in {self.service_name}: "
                         "its Twilio JSON", id="dialog-title")
            yield Static(folded_json(self.json), id="raw-json")
            yield Static("Sessions holding it: loading…", id="raw-sessions")
            yield Static(Text("y copies the JSON · n the number · i the SID · escape closes"), classes="hint")

    def on_mount(self) -> None:
        self.app.load_sessions_holding(self, self.number)

    def on_sessions_holding(self, message: SessionsHolding) -> None:
        text = Text()
        count = len(message.sessions)
        text.append(f"Active sessions holding it: {count} (its in_use)\n" if count else
                    "No active session holds it (in_use 0).", style="bold")
        for session, participants in message.sessions:
            people = "; ".join(f"{p.identifier} → {format_international(p.proxy_identifier or '') or '?'}"
                               for p in participants)
            text.append(f"  {session.sid}  {session.status:<11} {session.mode:<17} "
                        f"{format_minute(session.date_started)}  {people}\n")
        self.query_one("#raw-sessions", Static).update(text)

    def on_backend_failed(self, message: BackendFailed) -> None:
        self.query_one("#raw-sessions", Static).update(f"Could not list its sessions: {message.report.message}")

    def copy(self, text: str, what: str) -> None:
        self.app.copy_to_clipboard(text)
        self.notify(f"Copied {what} to the clipboard.", timeout=3)

    def action_copy_json(self) -> None:
        self.copy(self.json, "the JSON")

    def action_copy_number(self) -> None:
        self.copy(self.number.phone_number, f"the number {self.number.phone_number}")

    def action_copy_sid(self) -> None:
        self.copy(self.number.sid, f"the SID {self.number.sid}")

    def action_close(self) -> None:
        self.dismiss(None)
