"""The live backend on Twilio's worst days: a real `sandbox serve --rate-limit --fail` process, and
the app over the same conditions. Every action lands exactly once, and the user is told of each
retry while it waits."""

from __future__ import annotations

import asyncio

import httpx

from sandbox.account import SandboxAccount
from sandbox.backend import SandboxBackend
from sandbox.build import build_sandbox
from sandbox.server.app import create_app as create_server
from sandbox.server.conditions import Conditions, NetworkConditions
from tests.app_fixtures import build_app_sandbox, service_sid, settle
from tests.server_process import serving
from tui.core.seam import all_items
from tui.live.client import LiveBackend
from tui.live.credentials import Credentials
from tui.live.transport import RetryPolicy


def live_for(account_sid: str, token: str, base_url: str, **options) -> LiveBackend:
    return LiveBackend(Credentials(account_sid, account_sid, token, source="test"), base_url=base_url,
                       rate=1e9, **options)  # no pacing of our own: the server's limit is met head on


async def test_over_a_rate_limited_failing_server_every_action_lands_once_and_each_retry_is_told(tmp_path):
    path = tmp_path / "s.json"
    build_sandbox(path, kind="scenario", scenario="empty").close()
    told = []
    # 3/s per endpoint (15 in any 5 s), 30 % of requests answered 503 or dropped, seeded;
    # more tries than the default so a seeded run of failures cannot end it
    with serving(path, "--rate-limit", "3", "--fail", "0.3", "--fail-seed", "11") as server:
        live = live_for(server.account_sid, server.auth_token, server.base_url,
                        retry=RetryPolicy(tries=10, base_delay=0.05, max_delay=0.4))
        live.watch_retries(told.append)
        try:
            service = await live.create_service("worst-day")
            # a burst past the window (15 in any 5 s) meets real 429s whatever the machine's pace
            fetched = await asyncio.gather(*(live.get_service(service.sid) for _ in range(18)))
            assert {f.sid for f in fetched} == {service.sid}
            spare = [n.sid for n in (await all_items(live.list_account_numbers))[:12]]
            for sid in spare:  # creates: after a lost answer each is looked up before it is sent again
                await live.add_number(service.sid, sid=sid)
            for sid in spare[:8]:
                await live.set_reserved(service.sid, sid, True)
            for sid in spare[10:]:
                await live.remove_number(service.sid, sid)
            stats = await live.pool_stats(service.sid)
        finally:
            await live.aclose()
        assert server.stop() == 0
    reasons = {t.reason for t in told}
    assert "Twilio asked to slow down (429, too many requests)" in reasons  # real 429s from the window
    assert "Twilio is unavailable for now (503)" in reasons
    assert any("dropped before it answered" in r for r in reasons)
    assert (stats.total, stats.reserved) == (10, 8)
    account = SandboxAccount.open(path)  # what the server stored, after it stopped
    try:
        services = account.list_services().items
        assert [s.unique_name for s in services] == ["worst-day"]  # the create, once
        pool = {n.sid: n.is_reserved for n in account.list_numbers(services[0].sid, page_size=1000).items}
        assert pool == {sid: i < 8 for i, sid in enumerate(spare[:10])}  # each add once, each toggle kept
    finally:
        account.close()


class Time:
    """The server's window and the client's waits on one clock that moves only when the client sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


async def test_the_app_tells_the_user_it_is_retrying_and_every_reservation_typed_lands(tmp_path):
    from tui.app import create_app

    account = build_app_sandbox(tmp_path / "s.json")
    sandbox = SandboxBackend(account)
    clock = Time()
    server = NetworkConditions(create_server(sandbox), Conditions(rate_limit=1), clock=clock)
    meta = account.meta
    live = live_for(meta["account_sid"], meta["auth_token"], "http://127.0.0.1", sleep=clock.sleep,
                    transport=httpx.ASGITransport(app=server))
    app = create_app(live)
    notes = []
    shown = app.notify

    def recording(message, *, title="", severity="information", **kw):
        notes.append((severity, title, str(message)))
        shown(message, title=title, severity=severity, **kw)

    app.notify = recording
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            await settle(pilot)
            table = app.screen.query_one("#services")
            for _ in range(table.get_row_index(service_sid(account, "support-line")) - table.cursor_row):
                await pilot.press("down")
            await pilot.press("enter")
            await settle(pilot)
            pool = app.screen
            before = {n.sid: n.is_reserved for n in pool.view.shown()[:8]}
            for _ in range(8):  # 8 toggles on one endpoint: the window admits 5, the rest meet 429
                await pilot.press("r", "down")
            await settle(pilot)
            retrying = [n for n in notes if n[1] == "Retrying"]
            assert retrying and retrying[0][0] == "warning"
            assert "Twilio asked to slow down (429, too many requests)" in retrying[0][2]
            assert "goes again in" in retrying[0][2]
            assert not [n for n in notes if n[0] == "error"]
            reserved = {n.sid: n.is_reserved for n in account.list_numbers(
                service_sid(account, "support-line"), page_size=1000).items}
            assert {sid: reserved[sid] for sid in before} == {sid: not was for sid, was in before.items()}  # each key landed
            assert pool.stats.reserved == sum(reserved.values())  # and the gauge counts it
    finally:
        await live.aclose()
        sandbox.close()
