"""The pool screen's keys for the pool in motion: v (sessions holding a number), s (Simulate), D (drain).

Draining, as Twilio advises for a number in use: reserve it (no new session gets it), wait
until its in_use reaches 0, then remove it. The wait shows in the row and the detail pane;
a timer asks a worker to read the number every app.drain_poll_seconds; D again cancels.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from tui.core.phone import format_international
from tui.core.resources import PhoneNumber
from tui.screens.traffic_messages import DrainFailed, DrainFinished, DrainProgress
from tui.widgets.cells import reserved_cell


class PoolTrafficActions:
    """Mixed into PoolScreen (needs its service, world, rows, draining, apply, forget, reload...)."""

    draining: dict[str, Any]  # sid -> the Timer polling it (None until it is reserved)
    polling: set[str]  # sids with a read in flight
    refresh_on_resume: bool

    def reserved_text(self, number: PhoneNumber) -> Text:
        return reserved_cell(number, number.sid in self.pending, number.sid in self.draining)  # type: ignore[attr-defined]

    # -- v: the sessions holding the highlighted number ------------------------------------------------

    def action_sessions(self) -> None:
        from tui.screens.sessions_view import SessionsViewScreen

        number = self.highlighted()  # type: ignore[attr-defined]
        if number is not None:
            self.app.push_screen(SessionsViewScreen(number, self.service.unique_name))  # type: ignore[attr-defined]

    # -- s: Simulate, on sandbox Services only ------------------------------------------------------------

    def action_simulate(self) -> None:
        from tui.screens.simulate import SimulateScreen

        app: Any = self.app  # type: ignore[attr-defined]
        if self.world.kind != "sandbox":  # type: ignore[attr-defined]
            app.notify("Simulate runs on sandbox Services only: on a live account it would open real sessions "
                       "(billed, and seen by real people). Open a sandbox with proxy-pool --sandbox PATH.",
                       title="Simulate: sandbox only", severity="warning", timeout=10)
            return
        if self.world.read_only:  # type: ignore[attr-defined]
            app.notify("Simulate opens and deletes sessions; this app is --read-only.",
                       title="Simulate: read-only", severity="warning", timeout=8)
            return
        self.refresh_on_resume = True
        app.push_screen(SimulateScreen(self.service, self.world,  # type: ignore[attr-defined]
                                       app.simulate_tick_seconds))

    def on_screen_resume(self) -> None:
        if self.refresh_on_resume:  # back from Simulate: in_use changed everywhere
            self.refresh_on_resume = False
            self.reload()  # type: ignore[attr-defined]
            self.app.load_stats(self, self.service.sid)  # type: ignore[attr-defined]

    # -- D: drain --------------------------------------------------------------------------------------------

    def action_drain(self) -> None:
        from tui.screens.confirm import ConfirmScreen

        number = self.highlighted()  # type: ignore[attr-defined]
        if number is None:
            return
        if number.sid in self.draining:
            self.stop_drain(number.sid)
            self.notify(f"Stopped draining {format_international(number.phone_number)}; it stays reserved "  # type: ignore[attr-defined]
                        "(r unreserves it).", timeout=6)
            self.apply(number)  # type: ignore[attr-defined]
            return
        sessions = f"{number.in_use} active session{'s' if number.in_use != 1 else ''}"
        body = (f"Drain {format_international(number.phone_number)} ({number.sid}) from Service "
                f"{self.service.unique_name}?\n\n"  # type: ignore[attr-defined]
                f"It is reserved now, so no new session gets it. It is in {sessions}; once none holds it "
                "(in_use 0) it is removed from the pool. The wait shows in its row; D again cancels.")

        def answered(yes: bool | None) -> None:
            if yes:
                self.start_drain(number)

        self.app.push_screen(ConfirmScreen("Drain number", body, yes="Drain", danger=True), answered)  # type: ignore[attr-defined]

    def start_drain(self, number: PhoneNumber) -> None:
        app: Any = self.app  # type: ignore[attr-defined]
        if number.sid in self.draining:
            return
        self.draining[number.sid] = None  # the timer starts once it is reserved
        self.apply(number)  # type: ignore[attr-defined]
        app.drain_start(self, number)

    def stop_drain(self, sid: str) -> None:
        timer = self.draining.pop(sid, None)
        if timer is not None:
            timer.stop()
        self.polling.discard(sid)

    def stop_all_drains(self) -> None:
        if self.draining:
            self.notify(f"Left the pool: draining of {len(self.draining)} number(s) stopped; they stay reserved.",  # type: ignore[attr-defined]
                        timeout=6)
        for sid in list(self.draining):
            self.stop_drain(sid)

    def poll_drain(self, number: PhoneNumber) -> None:
        if number.sid in self.draining and number.sid not in self.polling:
            self.polling.add(number.sid)
            self.app.drain_poll(self, number)  # type: ignore[attr-defined]

    def on_drain_progress(self, message: DrainProgress) -> None:
        number = message.number
        self.polling.discard(number.sid)
        if number.sid not in self.draining:
            return  # cancelled meanwhile
        if self.draining[number.sid] is None:
            seconds = getattr(self.app, "drain_poll_seconds", 1.0)  # type: ignore[attr-defined]
            self.draining[number.sid] = self.set_interval(seconds, lambda: self.poll_drain(number))  # type: ignore[attr-defined]
            self.poll_drain(number)
        self.apply(number)  # type: ignore[attr-defined]

    def on_drain_finished(self, message: DrainFinished) -> None:
        number = message.number
        if number.sid not in self.draining:
            return
        self.stop_drain(number.sid)
        how = "was already gone from" if message.already_gone else "drained and removed from"
        self.notify(f"{format_international(number.phone_number)} {how} {self.service.unique_name}.",  # type: ignore[attr-defined]
                    title="Drained", timeout=8)
        self.forget(number)  # type: ignore[attr-defined]
        self.app.load_stats(self, self.service.sid)  # type: ignore[attr-defined]
        if not self.filter_text:  # type: ignore[attr-defined]
            self.reload()  # type: ignore[attr-defined]

    def on_drain_failed(self, message: DrainFailed) -> None:
        number, report = message.number, message.report
        self.stop_drain(number.sid)
        self.notify(f"Draining {format_international(number.phone_number)} stopped: {report.text}",  # type: ignore[attr-defined]
                    title=report.title, severity="error", timeout=10)
        self.apply(number)  # type: ignore[attr-defined]
