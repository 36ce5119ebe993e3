"""Live, the last launch's pool counts show at once (dim, with their age) until each pool is
counted again; the cache holds counts only, one account apart from another."""

from __future__ import annotations

import asyncio
import json

import httpx

from sandbox.account import SandboxAccount
from sandbox.backend import SandboxBackend
from sandbox.server.app import create_app as create_server
from tests.app_fixtures import build_app_sandbox, running_app, service_sid
from tui.core.resources import PoolStats
from tui.live.client import LiveBackend
from tui.live.count_cache import CountCache, cache_file
from tui.live.credentials import Credentials
from tui.widgets.cells import age_text


class GatedPools(httpx.AsyncBaseTransport):
    """The sandbox server, with every read of a pool held until `gate` opens (a slow network)."""

    def __init__(self, inner: httpx.AsyncBaseTransport):
        self.inner = inner
        self.gate = asyncio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/PhoneNumbers"):
            await self.gate.wait()
        return await self.inner.handle_async_request(request)


def live_over(account: SandboxAccount, gated: bool = False) -> tuple[LiveBackend, GatedPools | None]:
    meta = account.meta
    credentials = Credentials(meta["account_sid"], meta["account_sid"], meta["auth_token"], source="sandbox")
    transport: httpx.AsyncBaseTransport = httpx.ASGITransport(app=create_server(SandboxBackend(account)))
    gate = GatedPools(transport) if gated else None
    return LiveBackend(credentials, base_url="http://127.0.0.1", rate=1e9, transport=gate or transport), gate


def row_of(s, name: str) -> dict[str, str]:
    return next(r for r in s.table_rows("#services") if r["name"] == name)


async def test_the_last_launchs_counts_show_dim_with_their_age_until_counted_again(tmp_path):
    path = tmp_path / "sandbox.json"
    account = build_app_sandbox(path)
    deliveries = service_sid(account, "deliveries")
    live, _ = live_over(account)
    async with running_app(tmp_path, account=account, backend=live) as s:
        assert "110/500" in row_of(s, "deliveries")["unreserved"]
        assert "from the last launch" not in s.text("#totals")  # the first launch has no cache
    cached = CountCache(account.meta["account_sid"], "http://127.0.0.1").load()
    assert cached[deliveries].stats == PoolStats(deliveries, reserved=10, unreserved=110)
    token = account.meta["auth_token"]
    assert token not in cache_file().read_text()  # counts only, never a secret

    # the pool changes behind the app's back; the next launch's network is slow
    again = SandboxAccount.open(path)
    reserved = next(n for n in again.list_numbers(deliveries, page_size=50).items if n.is_reserved)
    again.set_reserved(deliveries, reserved.sid, False)
    live, gate = live_over(again, gated=True)
    async with running_app(tmp_path, account=again, backend=live, wait_workers=False) as s:
        # the list is on screen with the counts the last launch saw, dim, and the line says how old
        row = row_of(s, "deliveries")
        assert "110/500" in row["unreserved"] and "10/5,000" in row["reserved"]
        table = s.app.screen.query_one("#services")
        cell = table.rows[deliveries][table.column_index["unreserved"]]
        assert all("dim" in str(span.style) for span in cell.spans) and cell.spans
        totals = s.text("#totals")
        assert "3 counts from the last launch (counted just now), dim until counted again" in totals
        gate.gate.set()
        for _ in range(50):
            await s.pilot.pause(0.02)
            if "from the last launch" not in s.text("#totals"):
                break
        # counted again: the pool as it is now, no longer dim, and the cache follows
        row = row_of(s, "deliveries")
        assert "111/500" in row["unreserved"] and "9/5,000" in row["reserved"]
        assert "from the last launch" not in s.text("#totals")
        cell = table.rows[deliveries][table.column_index["unreserved"]]
        assert not any("dim" in str(span.style) for span in cell.spans)
    again_cached = CountCache(again.meta["account_sid"], "http://127.0.0.1").load()
    assert again_cached[deliveries].stats.unreserved == 111


def test_accounts_and_hosts_keep_their_own_counts_and_a_damaged_cache_is_no_counts(tmp_path):
    file = tmp_path / "counts.json"
    one, other, local = (CountCache("AC" + "1" * 32, "https://proxy.twilio.com", file),
                         CountCache("AC" + "2" * 32, "https://proxy.twilio.com", file),
                         CountCache("AC" + "1" * 32, "http://127.0.0.1:8765", file))
    one.save({"KS1": PoolStats("KS1", 3, 4, 1)}, {"KS1": 100.0})
    other.save({"KS2": PoolStats("KS2", 5, 6)}, {"KS2": 200.0})
    assert one.load()["KS1"].stats == PoolStats("KS1", 3, 4, 1) and one.load()["KS1"].counted_at == 100.0
    assert list(other.load()) == ["KS2"] and local.load() == {}
    assert "AC" + "1" * 32 not in file.read_text()  # accounts named by a hash
    file.write_text("{not json")
    assert one.load() == {}
    file.write_text(json.dumps({"version": 1, "accounts": {one.key: {"pools": {"KS1": {"reserved": "x"}}}}}))
    assert one.load() == {}
    # a cache folder that cannot be written is no error: the counts are just not kept
    blocked = CountCache("AC" + "1" * 32, "h", tmp_path / "a-file" / "counts.json")
    (tmp_path / "a-file").write_text("")
    blocked.save({"KS1": PoolStats("KS1", 1, 1)}, {"KS1": 1.0})
    assert blocked.load() == {}


def test_ages_read_as_a_person_says_them():
    assert [age_text(s) for s in (5, 61, 3599, 7200, 49 * 3600, 10 * 86400)] == [
        "just now", "1 min ago", "59 min ago", "2 h ago", "2 days ago", "10 days ago"]
