"""The active sessions holding one pool number (what its `in_use` counts), with their participants."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from tui.core.phone import format_international
from tui.core.resources import PhoneNumber
from tui.screens.dialog import Dialog
from tui.screens.messages import BackendFailed
from tui.screens.traffic_messages import SessionsHolding
from tui.widgets.cells import format_minute


class SessionsViewScreen(Dialog[None]):
    AUTO_FOCUS = "#holding"
    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("v", "close", "Close", show=False),
        Binding("ctrl+r", "refresh", "Refresh"),
        Binding("enter", "jump", "Go to the session"),  # training (issue 11): see action_jump
        Binding("q", "app.quit", "Quit"),
    ]
    DEFAULT_CSS = """
    SessionsViewScreen #holding { height: auto; max-height: 20; }
    /* wide enough for every column, the participants too */
    SessionsViewScreen #dialog { width: 95%; max-width: 200; }
    """  # its width: app.tcss (the app's #dialog rule wins over a screen's default CSS)
    # (key, title, width, the narrowest screen that shows it); Participants takes what is left
    COLUMNS = (("sid", "Session", 34, 0), ("participants", "Participants (identifier → proxy)", 0, 0),
               ("status", "Status", 11, 0), ("started", "Started", 16, 0), ("mode", "Mode", 17, 130),
               ("name", "Name", 14, 150))

    def __init__(self, number: PhoneNumber, service_name: str):
        super().__init__()
        self.number = number
        self.service_name = service_name
        self.shown_columns = list(self.COLUMNS)  # those the width leaves (on_mount)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(f"Active sessions holding {format_international(self.number.phone_number)} "
                         f"({self.number.sid}) in {self.service_name}", id="dialog-title")
            yield Static("Loading…", id="holding-summary")
            yield DataTable(id="holding", cursor_type="row")
            yield Static("escape closes · ctrl+r refreshes · enter: the Service's sessions, at this one",
                         classes="hint")

    def on_mount(self) -> None:
        table = self.query_one("#holding", DataTable)
        screen_width = self.app.size.width
        self.shown_columns = [c for c in self.COLUMNS if screen_width >= c[3]]
        fixed = sum(width + 2 for key, _, width, _ in self.shown_columns if key != "participants")
        inner = min(200, screen_width * 95 // 100) - 6  # the dialog's border and padding
        for key, title, width, _ in self.shown_columns:
            table.add_column(title, key=key, width=width or max(30, inner - fixed - 2))
        self.action_refresh()

    def action_refresh(self) -> None:
        self.query_one("#holding", DataTable).loading = True
        self.app.load_sessions_holding(self, self.number)

    def on_sessions_holding(self, message: SessionsHolding) -> None:
        table = self.query_one("#holding", DataTable)
        table.loading = False
        table.clear()
        for session, participants in message.sessions:
            people = Text()
            for p in participants:
                if people:
                    people.append("; ")
                mine = p.proxy_identifier_sid == self.number.sid
                people.append(f"{p.identifier} → {format_international(p.proxy_identifier) if p.proxy_identifier else '?'}",
                              style="bold underline" if mine else "")
            cells = {"sid": session.sid, "participants": people, "status": session.status,
                     "started": format_minute(session.date_started), "mode": session.mode,
                     "name": session.unique_name or "-"}
            table.add_row(*(cells[key] for key, *_ in self.shown_columns), key=session.sid)
        count = len(message.sessions)
        summary = (f"{count} active session{'s' if count != 1 else ''} hold{'s' if count == 1 else ''} this number "
                   f"(in_use {count})." if count else "No active session holds this number (in_use 0).")
        self.query_one("#holding-summary", Static).update(summary)

    def on_backend_failed(self, message: BackendFailed) -> None:
        self.query_one("#holding", DataTable).loading = False
        self.query_one("#holding-summary", Static).update(f"Could not list them: {message.report.message}")
        self.app.notify_error(message.action, message.error)

    def action_close(self) -> None:
        self.dismiss(None)

    # -- training (issue 11): from a number's sessions to the Service's, on the highlighted one -----

    def action_jump(self) -> None:
        from tui.screens.service_sessions import ServiceSessionsScreen

        table = self.query_one("#holding", DataTable)
        if table.row_count == 0:
            self.notify("No session holds this number.", timeout=3)
            return
        session_sid = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        self.dismiss(None)
        self.app.push_screen(ServiceSessionsScreen((self.number.service_sid, self.service_name), self.app.world,
                                                   focus_session=session_sid))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_jump()
