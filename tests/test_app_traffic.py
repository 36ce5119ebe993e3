"""The pool in motion in the app: the Simulate screen, the sessions holding a number, draining.

Keys as a user presses them, on a temporary sandbox; every test checks both the screen and
what the sandbox holds afterwards.
"""

from __future__ import annotations

from typing import Any

from sandbox.backend import SandboxBackend
from tests.app_fixtures import build_app_sandbox, running_app, service_sid
from tests.test_app_pool import pool_order
from tui.core.phone import format_international


async def wait_until(s, condition, rounds: int = 300) -> None:
    """Let timers and workers run until `condition()` holds (a bound on rounds, not on time)."""
    for _ in range(rounds):
        if condition():
            return
        await s.pilot.pause(0.02)
    assert condition(), "the screen never got there"


def fast(s) -> None:
    s.app.simulate_tick_seconds = 0.1
    s.app.drain_poll_seconds = 0.2


def sessions(s, name: str) -> list:
    return s.account.list_sessions(service_sid(s.account, name), 100).items


def log_text(s) -> str:
    """Every line the error log holds."""
    return "\n".join(line.text for line in s.screen.query_one("#sim-errors").lines)


def set_inputs(s, **values: str) -> None:
    for field_id, value in values.items():
        s.screen.query_one(f"#{field_id}").value = value


# -- Simulate ------------------------------------------------------------------------------------------

async def test_simulate_step_play_pause_reset(tmp_path):
    async with running_app(tmp_path) as s:
        fast(s)
        await s.open_pool("support-line")
        await s.press("s")
        assert type(s.screen).__name__ == "SimulateScreen"
        assert "no run yet" in s.text("#sim-status")
        set_inputs(s, **{"sim-participants": "8", "sim-countries": "US"})

        await s.press("n")  # one tick
        assert "tick 1 ·" in s.text("#sim-status")
        opened = sessions(s, "support-line")
        assert opened and all(x.is_active for x in opened)
        busiest = s.table_rows("#sim-busiest")
        assert busiest and int(busiest[0]["in_use"]) >= 1
        in_use = {n.phone_number: n.in_use for n in pool_order(s.account, "support-line")}
        assert all(in_use[_e164(s, row["number"])] == int(row["in_use"]) for row in busiest)
        assert "Pool utilisation:" in s.text("#sim-utilisation-label")
        assert len(s.screen.query_one("#sim-utilisation").data) == 1
        assert [r["group"] for r in s.table_rows("#sim-needs")] == ["US"]

        await s.pilot.press("space")  # play
        assert "PLAYING" in s.text("#sim-status")
        await wait_until(s, lambda: s.screen.engine.tick >= 4)
        await s.press("space")  # pause
        assert "PAUSED" in s.text("#sim-status")
        stopped_at = s.screen.engine.tick
        for _ in range(5):
            await s.pilot.pause(0.03)
        assert s.screen.engine.tick == stopped_at
        assert f"tick {stopped_at} ·" in s.text("#sim-status")
        assert len(s.screen.query_one("#sim-utilisation").data) == min(stopped_at, 120)  # the chart keeps 120

        await s.press("x")  # reset: every session of the run goes
        assert sessions(s, "support-line") == []
        assert all(n.in_use == 0 for n in pool_order(s.account, "support-line"))
        assert "no run yet" in s.text("#sim-status")
        assert "reset: deleted" in log_text(s)
        assert s.table_rows("#sim-busiest") == []


def _e164(s, shown: str) -> str:
    return next(n.phone_number for n in pool_order(s.account, "support-line")
                if format_international(n.phone_number) == shown)


async def test_simulate_too_small_pool_shows_80208_and_the_shortfall(tmp_path):
    async with running_app(tmp_path) as s:
        await s.open_pool("support-line")  # 2 unreserved GB numbers
        await s.press("s")
        set_inputs(s, **{"sim-participants": "6", "sim-each": "3", "sim-length": "4", "sim-countries": "GB"})
        for _ in range(3):
            await s.press("n")
        log = log_text(s)
        assert "80208" in log and "No Available Unused Proxy" in log
        needs = s.table_rows("#sim-needs")
        assert needs[0]["group"] == "GB" and [needs[0][k] for k in ("peak", "have", "verdict")] == [
            "3", "2", "short by 1"]
        assert s.screen.query_one("#sim-needs").border_subtitle == "short by 1 number"
        assert "80208 ×" in s.screen.query_one("#sim-errors").border_subtitle


async def test_simulate_bad_parameters_say_so_and_run_nothing(tmp_path):
    async with running_app(tmp_path) as s:
        await s.open_pool("support-line")
        await s.press("s")
        set_inputs(s, **{"sim-countries": "US:80, ZZ:20"})
        await s.press("n")
        assert "'ZZ' is not an ISO country code" in s.notes_text()
        assert "no run yet" in s.text("#sim-status") and sessions(s, "support-line") == []


async def test_simulate_leaving_pauses_and_keeps_the_run(tmp_path):
    async with running_app(tmp_path) as s:
        await s.open_pool("support-line")
        await s.press("s")
        set_inputs(s, **{"sim-countries": "US"})
        await s.press("n", "n")
        held = len(sessions(s, "support-line"))
        await s.press("escape")
        assert type(s.screen).__name__ == "ChoiceScreen"  # what becomes of the run's sessions?
        assert f"The run has {held} sessions open" in s.text("#confirm-body")
        await s.press("k")  # keep them open
        assert type(s.screen).__name__ == "PoolScreen"
        assert "sessions stay open" in s.notes_text()
        # the pool screen shows the run's in_use
        shown = {row["sid"]: int(row["in_use"]) for row in s.table_rows()}
        assert shown == {n.sid: n.in_use for n in pool_order(s.account, "support-line")}
        assert sum(shown.values()) > 0
        await s.press("s")
        assert "tick 2 ·" in s.text("#sim-status") and len(sessions(s, "support-line")) == held


class LiveLike:
    """The sandbox dressed as a live account (what the app sees of a --live backend)."""

    kind = "live"

    def __init__(self, inner: Any):
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


async def test_simulate_is_refused_on_live_and_read_only(tmp_path):
    account = build_app_sandbox(tmp_path / "live.json")
    async with running_app(tmp_path, account=account, backend=LiveLike(SandboxBackend(account))) as s:
        assert "LIVE" in s.text("#world-badge")
        await s.open_pool("support-line")
        await s.press("s")
        assert type(s.screen).__name__ == "PoolScreen"
        assert "sandbox Services only" in s.notes_text()
        assert sessions(s, "support-line") == []
    async with running_app(tmp_path, read_only=True) as s:
        await s.open_pool("support-line")
        await s.press("s")
        assert type(s.screen).__name__ == "PoolScreen" and "read-only" in s.notes_text()


async def test_simulate_from_the_command_palette(tmp_path):
    async with running_app(tmp_path) as s:
        await s.open_pool("support-line")
        await s.press("ctrl+p")
        await s.pilot.press(*"Simulate")
        await s.press("enter")
        await s.settle()
        assert type(s.screen).__name__ == "SimulateScreen"


# -- the sessions holding a number --------------------------------------------------------------------------

async def test_sessions_view_lists_the_active_sessions_holding_the_number(tmp_path):
    async with running_app(tmp_path, size=(160, 45)) as s:
        first, second = pool_order(s.account, "support-line")[:2]
        kept = s.hold("support-line", first, "+14155550901")
        other = s.hold("support-line", first, "+14155550902")
        closed = s.hold("support-line", first, "+14155550903")
        s.close_session("support-line", closed)
        await s.open_pool("support-line")
        await s.press("v")
        assert type(s.screen).__name__ == "SessionsViewScreen"
        rows = s.table_rows("#holding")
        assert [r["sid"] for r in rows] == [kept, other]  # the closed one holds nothing
        assert "+14155550901 → " + format_international(first.phone_number) in rows[0]["participants"]
        assert "2 active sessions hold this number (in_use 2)" in s.text("#holding-summary")
        # at 160 columns every column is on screen, the participants too (nothing to scroll to)
        table = s.screen.query_one("#holding")
        assert table.virtual_size.width <= table.scrollable_content_region.width
        assert "participants" in [str(key.value) for key in table.columns]
        await s.press("escape")
        await s.press("down", "v")
        assert s.table_rows("#holding") == []
        assert "No active session holds this number" in s.text("#holding-summary")
        assert second.in_use == 0
        await s.press("q")  # q quits from here too
        assert not s.app.is_running


# -- draining -------------------------------------------------------------------------------------------------

def row_of(s, sid: str) -> dict[str, str] | None:
    return next((r for r in s.table_rows() if r["sid"] == sid), None)


async def test_drain_waits_for_the_session_then_removes_the_number(tmp_path):
    async with running_app(tmp_path) as s:
        fast(s)
        number = pool_order(s.account, "support-line")[0]
        session = s.hold("support-line", number)
        svc = service_sid(s.account, "support-line")
        await s.open_pool("support-line")
        await s.press("D")
        assert "in 1 active session" in s.text("#confirm-body")
        await s.press("y")
        assert s.account.get_number(svc, number.sid).is_reserved
        drains = s.screen.drains
        await wait_until(s, lambda: drains.polling == set() and drains.handle(number.sid) is not None)
        for _ in range(3):  # several polls: the session still holds it, so it stays
            await s.pilot.pause(0.25)
        assert row_of(s, number.sid)["reserved"] == "draining"
        assert "draining: 1 session left" in s.text("#detail")
        assert number.sid in {n.sid for n in pool_order(s.account, "support-line")}

        s.close_session("support-line", session)
        await wait_until(s, lambda: row_of(s, number.sid) is None)
        assert number.sid not in {n.sid for n in pool_order(s.account, "support-line")}
        assert f"{format_international(number.phone_number)} drained and removed from support-line" \
            in s.notes_text()
        assert s.screen.drains.handles == {}
        # the counts follow the drain at once: reserved while it drained, then gone from the pool
        assert "5/500" in s.text("#gauge-unreserved") and "2/5,000" in s.text("#gauge-reserved")


async def test_drain_can_be_cancelled_and_the_number_stays_reserved(tmp_path):
    async with running_app(tmp_path) as s:
        fast(s)
        number = pool_order(s.account, "support-line")[0]
        session = s.hold("support-line", number)
        await s.open_pool("support-line")
        await s.press("D", "y")
        assert row_of(s, number.sid)["reserved"] == "draining"
        await s.press("D")  # cancel
        assert "Stopped draining" in s.notes_text()
        assert row_of(s, number.sid)["reserved"] == "reserved"
        s.close_session("support-line", session)
        for _ in range(3):  # several polls
            await s.pilot.pause(0.25)
        current = {n.sid: n for n in pool_order(s.account, "support-line")}
        assert current[number.sid].is_reserved and current[number.sid].in_use == 0  # still in the pool


async def test_refused_removal_offers_to_drain_and_drains(tmp_path):
    async with running_app(tmp_path) as s:
        fast(s)
        number = pool_order(s.account, "support-line")[0]
        session = s.hold("support-line", number)
        await s.open_pool("support-line")
        await s.press("d", "y")  # remove: Twilio refuses (80611)
        body = s.text("#confirm-body")
        assert "Error 80611" in body and f"Drain {format_international(number.phone_number)} now?" in body
        await s.press("y")  # Drain it
        assert row_of(s, number.sid)["reserved"] == "draining"
        s.close_session("support-line", session)
        await wait_until(s, lambda: row_of(s, number.sid) is None)
        assert number.sid not in {n.sid for n in pool_order(s.account, "support-line")}
