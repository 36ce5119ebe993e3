"""Reads started before their screen mounts (tui/state/prefetch.py), and how retries are told
(tui/state/retry_notices.py): the first at once, then one every few seconds counting the rest."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import httpx
import pytest

from sandbox.backend import SandboxBackend
from sandbox.server.app import create_app as create_server
from tests.app_fixtures import build_app_sandbox, service_sid, settle
from tui.live.client import LiveBackend
from tui.live.credentials import Credentials
from tui.state.prefetch import Prefetch
from tui.state.retry_notices import RetryNotices


async def test_a_prefetched_read_is_taken_once_and_a_stale_one_is_cancelled():
    prefetch = Prefetch()
    calls = []

    async def read(n):
        calls.append(n)
        await asyncio.sleep(0.01)
        return n

    prefetch.start("pool", lambda: read(1))
    prefetch.start("pool", lambda: read(2))  # opened again before the first was taken: the first is stale
    await asyncio.sleep(0)
    taken = prefetch.take("pool")
    assert await taken == 2 and prefetch.take("pool") is None
    prefetch.start("other", lambda: read(3))
    left = prefetch._tasks["other"]
    prefetch.cancel_all()
    await asyncio.sleep(0)
    assert left.cancelled() and len(prefetch) == 0


async def test_a_failed_read_nobody_took_is_not_reported_as_never_retrieved(caplog):
    prefetch = Prefetch()

    async def fails():
        raise RuntimeError("boom")

    prefetch.start("x", fails)
    await asyncio.sleep(0.01)
    del prefetch
    import gc

    gc.collect()
    assert "never retrieved" not in caplog.text


def test_retries_are_told_at_once_then_at_most_every_three_seconds_counting_the_rest():
    now = [0.0]
    notices = RetryNotices(clock=lambda: now[0])
    retry = SimpleNamespace(text="Twilio asked to slow down (429, too many requests): …")
    assert notices.add(retry) == retry.text
    now[0] = 1.0
    assert notices.add(retry) is None and notices.add(retry) is None
    now[0] = 3.5
    assert notices.add(retry) == retry.text + "\n(2 other requests retried since the last notice)"
    now[0] = 7.0
    assert notices.add(retry) == retry.text


class Counting(httpx.AsyncBaseTransport):
    def __init__(self, inner):
        self.inner, self.paths = inner, []

    async def handle_async_request(self, request):
        self.paths.append((request.url.path, request.url.params.get("PageToken")))
        return await self.inner.handle_async_request(request)


@pytest.mark.parametrize("leave", ["escape", "q"])
async def test_live_the_services_list_and_a_pools_first_page_are_read_once_each_and_nothing_outlives_the_app(
        tmp_path, leave):
    from tui.app import create_app

    account = build_app_sandbox(tmp_path / "s.json")
    sandbox = SandboxBackend(account)
    meta = account.meta
    wire = Counting(httpx.ASGITransport(app=create_server(sandbox)))
    live = LiveBackend(Credentials(meta["account_sid"], meta["account_sid"], meta["auth_token"], source="test"),
                       base_url="http://127.0.0.1", rate=1e9, read_messaging=True, transport=wire)
    app = create_app(live)
    ks = service_sid(account, "support-line")
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            await settle(pilot)
            assert wire.paths.count(("/v1/Services", None)) == 1  # the prefetched list, not a second one
            table = app.screen.query_one("#services")
            for _ in range(table.get_row_index(ks) - table.cursor_row):
                await pilot.press("down")
            before = len(wire.paths)
            await pilot.press("enter")
            await settle(pilot)
            first_pages = [p for p in wire.paths[before:] if p == (f"/v1/Services/{ks}/PhoneNumbers", None)]
            assert len(first_pages) == 1  # the read the enter key started is the one the screen shows
            assert app.screen.query_one("#numbers").row_count > 0
            await pilot.press("escape")
            await pilot.press("enter")  # opened again: a new read, not the old page
            await pilot.press(leave)
            await pilot.pause()
        assert len(app.prefetch) == 0  # nothing left running past the app
    finally:
        await live.aclose()
        sandbox.close()
