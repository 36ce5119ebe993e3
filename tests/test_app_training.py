"""A class in the app, as a trainer and a trainee press the keys: the scenario's briefing and goal,
reset, leaving Simulate every way (nothing it opened outlives it), a crash and a relaunch, a
Service's sessions, and building a pool from nothing. Each test checks the screen and the sandbox."""

from __future__ import annotations

import asyncio

import pytest

from sandbox import scenarios
from sandbox.account import SandboxAccount
from sandbox.backend import SandboxBackend
from sandbox.build import build_sandbox
from sandbox.traffic import RUN_PREFIX, TrafficEngine, TrafficParams, run_of
from tests.app_fixtures import running_app, service_sid
from tests.test_app_traffic import fast, set_inputs, wait_until
from tui.app import ProxyPoolApp
from tui.core.phone import format_international


@pytest.fixture
def quick_goal(monkeypatch):
    monkeypatch.setattr(ProxyPoolApp, "goal_poll_seconds", 0.05)


def scenario(tmp_path, name: str) -> SandboxAccount:
    return build_sandbox(tmp_path / f"{name}.json", kind="scenario", scenario=name, seed=7)


def all_sessions(account: SandboxAccount, name: str) -> list:
    return scenarios.sessions_of(account, service_sid(account, name))


def run_sessions(account: SandboxAccount, name: str) -> list:
    return [x for x in all_sessions(account, name) if run_of(x.unique_name)]


def kind(s) -> str:
    return type(s.screen).__name__


# -- briefing and goal ------------------------------------------------------------------------------------

async def test_the_briefing_shows_on_open_on_B_and_on_question_mark(tmp_path):
    async with running_app(tmp_path, account=scenario(tmp_path, "messaging-conflict")) as s:
        assert kind(s) == "BriefingScreen"
        assert "80601" in s.text("#briefing-text")
        await wait_until(s, lambda: "not yet" in s.text("#briefing-goal"))
        assert "7 spare numbers Proxy accepts still outside notify-pool" in s.text("#briefing-goal")
        await s.press("escape")
        assert kind(s) == "ServicesScreen"
        await s.press("B")
        assert kind(s) == "BriefingScreen"
        await s.press("escape", "question_mark")
        assert kind(s) == "HelpScreen" and "80601" in s.text("#help-briefing")
        assert "Goal:" in s.text("#briefing-goal") and "Training (sandbox)" in s.text("#help-keys")


async def test_the_app_says_when_the_goal_is_reached(tmp_path, quick_goal):
    async with running_app(tmp_path, account=scenario(tmp_path, "messaging-conflict")) as s:
        await s.press("escape")
        sid = service_sid(s.account, scenarios.CONFLICT)
        free = [n for n in s.account.spare_numbers() if not n.messaging_service_sid]
        await s.open_pool(scenarios.CONFLICT)
        for number in free:  # as the add dialog does, one by one
            s.app.add_number(s.screen, sid, sid=number.sid)
            await s.settle()
        await wait_until(s, lambda: "Goal reached: messaging-conflict" in s.notes_text())
        assert s.app.training.state.reached
        await s.press("question_mark")
        assert "✔ reached" in s.text("#briefing-goal")


async def test_a_sandbox_without_a_scenario_has_no_briefing_and_says_so(tmp_path):
    async with running_app(tmp_path) as s:
        assert kind(s) == "ServicesScreen"
        await s.press("B")
        assert kind(s) == "ServicesScreen" and "has no briefing" in s.notes_text()


# -- reset -------------------------------------------------------------------------------------------------

async def test_reset_in_the_app_is_confirmed_and_undoes_every_change(tmp_path):
    account = scenario(tmp_path, "empty")
    async with running_app(tmp_path, account=account) as s:
        await s.press("escape")
        s.backend.call(s.account.create_service, "made-in-class")
        await s.press("ctrl+r")
        assert [r["name"] for r in s.table_rows("#services")] == ["made-in-class"]
        await s.press("R")
        assert kind(s) == "ConfirmScreen"
        body = s.text("#confirm-body")
        assert "scenario empty, seed 7" in body and "Every change since is undone" in body
        await s.press("n")
        assert s.account.services() != []  # cancelled: nothing changed
        await s.press("R", "y")
        await wait_until(s, lambda: kind(s) == "BriefingScreen")  # back at the start: the briefing again
        assert s.account.services() == [] and "seeded state" in s.notes_text()
        await s.press("escape")
        assert s.table_rows("#services") == []


async def test_reset_is_refused_for_a_sandbox_not_built_from_a_seed(tmp_path):
    async with running_app(tmp_path) as s:  # the test sandbox: built by hand
        await s.press("R")
        assert kind(s) == "ServicesScreen" and "cannot be reset" in s.notes_text()


# -- leaving Simulate every way --------------------------------------------------------------------------------

async def start_run(s, name: str, ticks: int = 2) -> int:
    fast(s)
    await s.open_pool(name)
    await s.press("s")
    assert kind(s) == "SimulateScreen"
    set_inputs(s, **{"sim-participants": "8", "sim-countries": "US"})
    for _ in range(ticks):
        await s.press("n")
    held = len(run_sessions(s.account, name))
    assert held > 0
    return held


async def test_leaving_simulate_deletes_the_run_by_default(tmp_path):
    async with running_app(tmp_path) as s:
        await start_run(s, "support-line")
        await s.press("escape")
        assert kind(s) == "ChoiceScreen"
        await s.press("d")
        assert kind(s) == "PoolScreen"
        assert run_sessions(s.account, "support-line") == []
        assert all(row["in_use"] == "0" for row in s.table_rows())  # the pool shows it at once
        assert "deleted the run's" in s.notes_text()


async def test_escape_in_a_field_leaves_the_field_not_the_screen(tmp_path):
    async with running_app(tmp_path) as s:
        await s.open_pool("support-line")
        await s.press("s")
        s.screen.query_one("#sim-participants").focus()
        await s.press("backspace", "backspace", "6", "escape")
        assert kind(s) == "SimulateScreen" and s.screen.query_one("#sim-participants").value == "6"
        assert s.app.focused.id == "sim-busiest"
        await s.press("escape")  # no run: straight back
        assert kind(s) == "PoolScreen"


async def test_new_parameters_apply_at_the_next_play(tmp_path):
    async with running_app(tmp_path) as s:
        await start_run(s, "support-line")
        old = s.screen.engine
        set_inputs(s, **{"sim-participants": "4"})
        await s.settle()
        assert "apply at the next play" in s.text("#sim-hint")
        await s.press("n")
        engine = s.screen.engine
        assert engine is not old and engine.params.participants == 4 and engine.tick == 1
        assert {run_of(x.unique_name) for x in run_sessions(s.account, "support-line")} == {engine.run_id}
        assert s.text("#sim-hint").strip() == ""


async def test_quitting_deletes_the_runs_kept_sessions(tmp_path):
    account = SandboxAccount.open  # the sandbox outlives the app: check it after
    async with running_app(tmp_path) as s:
        await start_run(s, "support-line")
        await s.press("escape", "k")  # kept open: the pool holds them
        assert kind(s) == "PoolScreen" and run_sessions(s.account, "support-line")
        await s.pilot.press("q")
        await s.pilot.pause()
        assert run_sessions(s.account, "support-line") == []
        assert any("deleted the" in line and "simulation had open" in line for line in s.app.exit_lines)
    assert account


async def test_quitting_from_a_playing_simulate_leaves_nothing(tmp_path):
    async with running_app(tmp_path) as s:
        await start_run(s, "support-line", ticks=1)
        await s.pilot.press("space")
        await wait_until(s, lambda: s.screen.engine.tick >= 3)
        await s.pilot.press("q")
        await s.pilot.pause()
        await s.app.workers.wait_for_complete()
        assert run_sessions(s.account, "support-line") == []


async def test_a_crash_is_followed_by_an_offer_to_delete_what_the_run_left(tmp_path):
    from tests.app_fixtures import build_app_sandbox

    # an app that was killed mid-run: its sessions are in the file, no app holds them
    account = build_app_sandbox(tmp_path / "sandbox.json")
    backend = SandboxBackend(account)
    engine = TrafficEngine(backend, account.service_named("support-line"), TrafficParams(participants=8))
    await engine.step()
    left = len(engine.open)
    assert left and all(x.unique_name.startswith(RUN_PREFIX) for x in all_sessions(account, "support-line"))
    async with running_app(tmp_path, account=account) as s:  # the relaunch
        await wait_until(s, lambda: kind(s) == "ConfirmScreen")
        body = s.text("#confirm-body")
        assert f"{left} sessions of a simulation run that did not end" in body and "support-line" in body
        await s.press("y")
        assert run_sessions(s.account, "support-line") == []
        assert f"Deleted {left} left-over simulation sessions" in s.notes_text()


async def test_simulate_offers_the_left_overs_of_a_dead_run_too(tmp_path):
    from tests.app_fixtures import build_app_sandbox

    account = build_app_sandbox(tmp_path / "sandbox.json")
    async with running_app(tmp_path, account=account) as s:
        await s.open_pool("support-line")
        dead = TrafficEngine(s.backend, s.account.service_named("support-line"), TrafficParams(participants=6))
        await dead.step()  # another app's run, gone without a trace but its sessions
        await s.press("s")
        await wait_until(s, lambda: kind(s) == "ConfirmScreen")
        await s.press("n")  # kept: says the next launch asks again
        assert kind(s) == "SimulateScreen" and "offers to delete them again" in s.notes_text()
        assert run_sessions(s.account, "support-line")


def test_run_app_deletes_the_runs_after_a_crash(tmp_path):
    """The app died (not a quit): launch's safety net deletes what its runs hold."""
    from tests.app_fixtures import build_app_sandbox
    from tui.app import create_app
    from tui.launch import close_simulations_after

    backend = SandboxBackend(build_app_sandbox(tmp_path / "sandbox.json"))
    app = create_app(backend)
    engine = app.simulation(backend.account.service_named("support-line"), TrafficParams(participants=8))
    asyncio.run(engine.step())
    assert engine.open
    close_simulations_after(app)
    assert run_sessions(backend.account, "support-line") == []
    assert app.exit_lines and "deleted the" in app.exit_lines[-1]
    backend.close()


# -- a Service's sessions --------------------------------------------------------------------------------------

async def test_the_services_sessions_screen_closes_one_and_all(tmp_path):
    async with running_app(tmp_path, account=scenario(tmp_path, "in-use")) as s:
        await s.press("escape")
        await s.press("S")
        assert kind(s) == "ServiceSessionsScreen"
        rows = s.table_rows("#service-sessions")
        assert len(rows) == 12 and {r["status"] for r in rows} == {"open"}
        retire = next(r for r in rows if r["name"] == "retire-3-1")
        assert retire["ttl"].startswith(("23h", "1d")) and " → +1 312" in retire["participants"]
        assert next(r for r in rows if r["name"] == "keep-1")["ttl"] == "never"
        assert "12 sessions in couriers-in-use: 12 active, holding 8 numbers" in s.text("#sessions-summary")
        table = s.screen.query_one("#service-sessions")
        table.move_cursor(row=[r["name"] for r in rows].index("retire-3-1"))
        await s.press("c")
        assert kind(s) == "ConfirmScreen" and "retire-3-1" in s.text("#confirm-body")
        await s.press("y")
        closed = {x.unique_name: x.status for x in all_sessions(s.account, scenarios.IN_USE)}
        assert closed["retire-3-1"] == "closed" and list(closed.values()).count("closed") == 1
        assert "11 active" in s.text("#sessions-summary")
        await s.press("C")
        assert "Close all 11 active sessions" in s.text("#confirm-body")
        await s.press("y")
        assert all(x.status == "closed" for x in all_sessions(s.account, scenarios.IN_USE))
        assert all(n.in_use == 0 for n in scenarios.pool_of(s.account, service_sid(s.account, scenarios.IN_USE)))


async def test_from_a_numbers_sessions_to_the_session_in_the_services_list(tmp_path):
    async with running_app(tmp_path, account=scenario(tmp_path, "in-use")) as s:
        await s.press("escape")
        await s.open_pool(scenarios.IN_USE)
        first = s.table_rows()[0]
        assert first["friendly"] == "Retire 1" and first["in_use"] == "2"
        await s.press("v")
        second = s.table_rows("#holding")[1]["sid"]
        await s.press("down", "enter")
        assert kind(s) == "ServiceSessionsScreen"
        table = s.screen.query_one("#service-sessions")
        assert s.table_rows("#service-sessions")[table.cursor_row]["sid"] == second


async def test_closing_sessions_is_refused_on_live(tmp_path):
    from tests.test_app_traffic import LiveLike

    account = scenario(tmp_path, "in-use")
    async with running_app(tmp_path, account=account, backend=LiveLike(SandboxBackend(account))) as s:
        await s.press("S")
        assert kind(s) == "ServiceSessionsScreen" and len(s.table_rows("#service-sessions")) == 12
        await s.press("C")
        assert kind(s) == "ServiceSessionsScreen" and "sandboxes only" in s.notes_text()
        assert all(x.is_active for x in all_sessions(s.account, scenarios.IN_USE))


# -- building a pool from nothing -----------------------------------------------------------------------------

async def test_create_a_service_80602_inline_then_delete_it(tmp_path):
    async with running_app(tmp_path, account=scenario(tmp_path, "empty")) as s:
        await s.press("escape", "C")
        assert kind(s) == "CreateServiceScreen"
        await s.pilot.press(*"my-pool")
        s.screen.query_one("#service-ttl").value = "600"
        await s.press("ctrl+s")
        assert kind(s) == "ServicesScreen" and "Created my-pool" in s.notes_text()
        made = s.account.service_named("my-pool")
        assert made.default_ttl == 600 and made.geo_match_level == "country"
        assert [r["name"] for r in s.table_rows("#services")] == ["my-pool"]
        await s.press("C")
        await s.pilot.press(*"my-pool")
        await s.press("enter")
        assert kind(s) == "CreateServiceScreen" and "80602" in s.text("#validation")  # stays open, says why
        await s.press("escape", "X")
        assert "Delete the Service my-pool" in s.text("#confirm-body")
        await s.press("y")
        assert s.account.services() == [] and s.table_rows("#services") == []


async def test_buy_by_area_code_and_country_and_release_unless_in_a_pool(tmp_path):
    async with running_app(tmp_path, account=scenario(tmp_path, "empty"), size=(160, 45)) as s:
        await s.press("escape", "N")
        assert kind(s) == "AccountNumbersScreen" and len(s.table_rows("#account-numbers")) == 16
        await s.press("b")
        await s.pilot.press(*"628")
        s.screen.query_one("#buy-count").value = "3"
        await s.press("enter")
        bought = [n for n in s.account.spare_numbers() if n.phone_number.startswith("+1628")]
        assert len(bought) == 3 and len(s.table_rows("#account-numbers")) == 19
        await s.press("b")
        await s.pilot.press(*"de")
        await s.press("enter")
        assert sum(1 for n in s.account.spare_numbers() if n.iso_country == "DE") == 1
        await s.press("b")
        await s.pilot.press(*"41")
        await s.press("enter")
        assert kind(s) == "BuyNumbersScreen" and "neither an area code" in s.text("#validation")
        await s.press("escape")
        # a number in a pool cannot be released; one in no pool can
        service = s.backend.call(s.account.create_service, "pool")
        pooled = bought[0]
        s.backend.call(s.account.add_number, service.sid, sid=pooled.sid)
        await s.press("ctrl+r")
        table = s.screen.query_one("#account-numbers")
        sids = [r["sid"] for r in s.table_rows("#account-numbers")]
        table.move_cursor(row=sids.index(pooled.sid))
        await s.press("d")
        assert kind(s) == "AccountNumbersScreen" and "is in the pool of pool" in s.notes_text()
        assert s.account.get_account_number(pooled.sid)
        table.move_cursor(row=sids.index(bought[1].sid))
        await s.press("d")
        assert format_international(bought[1].phone_number) in s.text("#confirm-body")
        await s.press("y")
        assert bought[1].sid not in {n.sid for n in s.account.spare_numbers()}
        assert len(s.table_rows("#account-numbers")) == 19


async def test_building_tools_say_why_on_live_and_read_only(tmp_path):
    async with running_app(tmp_path, read_only=True) as s:
        for key in ("C", "N", "R"):
            await s.press(key)
            assert kind(s) == "ServicesScreen"
        assert s.notes_text().count("--read-only") == 3


async def test_busy_pool_simulate_starts_from_the_scenarios_traffic_and_runs_short(tmp_path):
    async with running_app(tmp_path, account=scenario(tmp_path, "busy-pool")) as s:
        await s.press("escape")
        await s.open_pool(scenarios.BUSY_AREA)
        await s.press("s")
        values = {f: s.screen.query_one(f"#{f}").value for f in ("sim-participants", "sim-each", "sim-countries")}
        assert values == {"sim-participants": "12", "sim-each": "4", "sim-countries": "US:100"}
        for _ in range(3):
            await s.press("n")
        assert "80206" in "\n".join(line.text for line in s.screen.query_one("#sim-errors").lines)
        assert s.screen.query_one("#sim-needs").border_subtitle == "short by 3 numbers"
