"""A Service's sessions: status, unique name, participants with their proxy numbers, TTL left;
`c` closes the highlighted session and `C` every active one (sandbox only, each confirmed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from tui.core.phone import format_international
from tui.core.resources import Service
from tui.core.sessions import Participant, Session
from tui.screens.confirm import ConfirmScreen
from tui.screens.training_messages import ServiceSessions, SessionsClosed, TrainingFailed
from tui.widgets.world_bar import WorldBar, WorldInfo


@dataclass(frozen=True, slots=True)
class ServiceRef:
    sid: str
    unique_name: str


def ttl_left(session: Session, now: datetime | None = None) -> str:
    """How long an active session has before its TTL closes it."""
    if not session.is_active:
        return "-"
    if session.date_expiry is None:
        return "never"
    seconds = int((session.date_expiry - (now or datetime.now(UTC))).total_seconds())
    if seconds <= 0:
        return "due"
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s"


def people_cell(participants: list[Participant]) -> Text:
    out = Text()
    for p in participants:
        if out:
            out.append("; ")
        proxy = format_international(p.proxy_identifier) if p.proxy_identifier else "?"
        out.append(f"{p.identifier} → ")
        out.append(proxy, style="bold")
    return out or Text("no participant", style="dim")


class ServiceSessionsScreen(Screen):
    DEFAULT_CSS = """
    ServiceSessionsScreen #sessions-summary { height: auto; padding: 0 1; }
    """

    AUTO_FOCUS = "#service-sessions"
    BINDINGS = [
        Binding("c", "close_one", "Close session"),
        Binding("C", "close_all", "Close all"),
        Binding("ctrl+r", "refresh", "Refresh"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, service: Service | tuple[str, str], world: WorldInfo, focus_session: str | None = None):
        """`service`: the Service, or its (SID, unique name)."""
        super().__init__()
        self.service = ServiceRef(*service) if isinstance(service, tuple) else ServiceRef(service.sid,
                                                                                         service.unique_name)
        self.world = world
        self.focus_session = focus_session  # jump here once loaded (from a number's sessions view)
        self.sessions: list[tuple[Session, list[Participant]]] = []

    def compose(self) -> ComposeResult:
        yield WorldBar(self.world, f"Services › {self.service.unique_name} › Sessions")
        yield Static("Loading the Service's sessions…", id="sessions-summary")
        yield DataTable(id="service-sessions", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        # what matters first: a narrow terminal loses the SID, never the participants
        table.add_column("Unique name", key="name", width=22)
        table.add_column("Status", key="status", width=11)
        table.add_column("TTL left", key="ttl", width=8)
        table.add_column("Participants (identifier → proxy number)", key="participants")
        table.add_column("Session", key="sid", width=34)
        self.action_refresh()
        self.set_interval(1.0, self.tick_ttls)

    def tick_ttls(self) -> None:
        """TTL left counts down on screen; a session that ran out is read again (the sandbox closes it)."""
        table = self.query_one(DataTable)
        now, due = self.app.now(), False
        for session, _ in self.sessions:
            if session.sid in table.rows:
                left = ttl_left(session, now)
                table.update_cell(session.sid, "ttl", left)
                due = due or left == "due"
        if due:
            self.action_refresh()

    def action_refresh(self) -> None:
        self.query_one(DataTable).loading = not self.sessions
        self.app.load_service_sessions(self, self.service.sid)

    def on_service_sessions(self, message: ServiceSessions) -> None:
        table = self.query_one(DataTable)
        keep = self.highlighted()
        table.loading = False
        table.clear()
        # the active ones first (what holds numbers), newest first within each
        self.sessions = sorted(message.sessions, key=lambda sp: (not sp[0].is_active, -sp[0].date_created.timestamp()))
        now = self.app.now()  # the sandbox's clock: its sessions expire by it
        for session, participants in self.sessions:
            status = Text(session.status, style="bold" if session.is_active else "dim")
            table.add_row(session.unique_name or "-", status, ttl_left(session, now), people_cell(participants),
                          session.sid, key=session.sid)
        target = self.focus_session or (keep.sid if keep else None)
        self.focus_session = None
        if target and target in {s.sid for s, _ in self.sessions}:
            table.move_cursor(row=table.get_row_index(target), animate=False)
        active = [s for s, _ in self.sessions if s.is_active]
        numbers = {p.proxy_identifier_sid for s, ps in self.sessions if s.is_active for p in ps if p.proxy_identifier_sid}
        total = len(self.sessions)
        self.query_one("#sessions-summary", Static).update(
            f"{total} session{'s' if total != 1 else ''} in {self.service.unique_name}: {len(active)} active, "
            f"holding {len(numbers)} number{'s' if len(numbers) != 1 else ''}; {total - len(active)} closed. "
            + ("c closes the highlighted one, C every active one." if self.may_close() else ""))

    def on_training_failed(self, message: TrainingFailed) -> None:
        self.query_one(DataTable).loading = False
        report = message.report
        self.notify(f"{message.action}: {report.text}", title=report.title, severity="error", timeout=10)

    def highlighted(self) -> Session | None:
        table = self.query_one(DataTable)
        if table.row_count == 0 or not self.sessions:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((s for s, _ in self.sessions if s.sid == key), None)

    # -- closing --------------------------------------------------------------------------------

    def may_close(self) -> bool:
        return self.world.kind == "sandbox" and not self.world.read_only

    def refuse_close(self) -> bool:
        if self.world.kind != "sandbox":
            self.notify("Closing sessions here is for sandboxes only: on a live account they are real people's "
                        "conversations.", title="Sandbox only", severity="warning", timeout=8)
            return True
        if self.world.read_only:
            self.notify("Closing a session changes the account; this app is --read-only.", title="Read-only",
                        severity="warning", timeout=6)
            return True
        return False

    def action_close_one(self) -> None:
        if self.refuse_close():
            return
        session = self.highlighted()
        if session is None:
            return
        if not session.is_active:
            self.notify(f"{session.unique_name or session.sid} is already closed.", timeout=4)
            return
        held = next(ps for s, ps in self.sessions if s.sid == session.sid)
        numbers = ", ".join(format_international(p.proxy_identifier) for p in held if p.proxy_identifier) or "none"
        body = (f"Close session {session.unique_name or session.sid} ({session.sid}) in {self.service.unique_name}? "
                f"Its status becomes closed, as a TTL would do: it stops holding its proxy numbers ({numbers}), "
                "so their in_use drops by one and they can be removed. Its participants cannot talk through it "
                "until it is re-opened.")
        self.app.push_screen(ConfirmScreen("Close session", body, yes="Close it", danger=True),
                             lambda yes: yes and self.app.close_sessions(self, self.service.sid, [session.sid]))

    def action_close_all(self) -> None:
        if self.refuse_close():
            return
        active = [s for s, _ in self.sessions if s.is_active]
        if not active:
            self.notify(f"{self.service.unique_name} has no active session.", timeout=4)
            return
        body = (f"Close all {len(active)} active session{'s' if len(active) != 1 else ''} of "
                f"{self.service.unique_name}? Each becomes closed: no number of the pool stays in use (in_use 0), "
                "so any of them can be removed. Closed sessions stay listed; nothing else changes.")
        self.app.push_screen(ConfirmScreen("Close all sessions", body, yes=f"Close {len(active)}", danger=True),
                             lambda yes: yes and self.app.close_sessions(self, self.service.sid,
                                                                         [s.sid for s in active]))

    def on_sessions_closed(self, message: SessionsClosed) -> None:
        text = f"Closed {message.closed} session{'s' if message.closed != 1 else ''} of {self.service.unique_name}."
        if message.failed:
            self.notify(text + " Not closed: " + "; ".join(message.failed), severity="error", timeout=10)
        else:
            self.notify(text, timeout=5)
        self.action_refresh()

    def action_back(self) -> None:
        self.app.pop_screen()
