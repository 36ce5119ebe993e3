"""`sandbox serve --latency --rate-limit --fail`: Twilio's worst days, offline, and a failed request
never changes the sandbox."""

from __future__ import annotations

import argparse
import time

import httpx
import pytest

from sandbox.backend import SandboxBackend
from sandbox.build import build_sandbox
from sandbox.server.app import create_app
from sandbox.server.conditions import (
    Conditions,
    DroppedConnection,
    NetworkConditions,
    SlidingWindow,
    endpoint,
    fail_rate,
    latency,
)
from tests.server_process import serving
from tui.cli import build_parser


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def sandbox(tmp_path):
    backend = SandboxBackend(build_sandbox(tmp_path / "s.json", kind="demo", seed=7))
    yield backend
    backend.close()


def client_for(backend: SandboxBackend, conditions: Conditions, clock=None) -> httpx.AsyncClient:
    app = NetworkConditions(create_app(backend), conditions, clock=clock or time.monotonic)
    meta = backend.account.meta
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1",
                             auth=(meta["account_sid"], meta["auth_token"]))


async def test_latency_delays_every_answer(sandbox):
    async with client_for(sandbox, Conditions(latency_ms=60)) as client:
        start = time.perf_counter()
        response = await client.get("/v1/Services")
        assert response.status_code == 200 and time.perf_counter() - start >= 0.06


async def test_rate_limit_admits_a_burst_of_five_times_n_then_429_per_endpoint_until_the_window_moves(sandbox):
    clock = Clock()
    async with client_for(sandbox, Conditions(rate_limit=2), clock) as client:
        services = (await client.get("/v1/Services")).json()["services"]
        first, second = services[0]["sid"], services[1]["sid"]
        # one request already made to the list; 9 more fill its window of 5 x 2
        assert [(await client.get("/v1/Services")).status_code for _ in range(9)] == [200] * 9
        refused = await client.get("/v1/Services")
        assert refused.status_code == 429
        body = refused.json()
        assert body["code"] == 20429 and body["status"] == 429 and "Too Many Requests" in body["message"]
        assert int(refused.headers["Retry-After"]) == 5  # the oldest request leaves the window in 5 s
        # another endpoint has its own count; the same endpoint of another Service shares one
        assert (await client.get(f"/v1/Services/{first}")).status_code == 200
        for _ in range(9):
            await client.get(f"/v1/Services/{first}")
        assert (await client.get(f"/v1/Services/{second}")).status_code == 429
        clock.now += 5.01
        assert (await client.get("/v1/Services")).status_code == 200


def test_the_window_is_5_n_in_any_5_seconds_and_says_when_it_admits_again():
    clock = Clock()
    window = SlidingWindow(3, clock=clock)
    assert [window.admit("k") for _ in range(3)] == [None, None, None]
    clock.now += 2
    assert window.admit("k") == pytest.approx(3.0)
    assert window.admit("other") is None
    clock.now += 3
    assert window.admit("k") is None
    assert endpoint("GET", "/v1/Services/KS" + "a" * 32 + "/PhoneNumbers/PN" + "b" * 32) == \
        "GET /v1/Services/{sid}/PhoneNumbers/{sid}"


async def test_fail_answers_twilios_503_picked_by_the_seed_and_changes_nothing(sandbox):
    async def statuses(seed: int) -> list[object]:
        seen = []
        async with client_for(sandbox, Conditions(fail_rate=0.5, seed=seed)) as client:
            for _ in range(20):
                try:
                    seen.append((await client.get("/v1/Services")).status_code)
                except (httpx.HTTPError, DroppedConnection):  # in-process, the drop is the app's raise
                    seen.append("dropped")
        return seen

    first = await statuses(3)
    assert first == await statuses(3)  # seeded: the same requests fail again
    assert {200, 503, "dropped"} <= set(first)
    # a POST that failed changed nothing
    async with client_for(sandbox, Conditions(fail_rate=0.999, seed=1)) as client:
        before = len(sandbox.account.list_services().items)
        for _ in range(5):
            try:
                response = await client.post("/v1/Services", data={"UniqueName": "never-made"})
                assert response.status_code == 503 and response.json()["code"] == 20503
            except (httpx.HTTPError, DroppedConnection):
                pass
        assert len(sandbox.account.list_services().items) == before


def test_bad_values_are_refused_with_a_clear_message():
    assert latency("150") == (150.0, 0.0) and latency("150:30") == (150.0, 30.0)
    for bad in ("-1", "fast", "10:", "10:-5", "inf"):
        with pytest.raises(argparse.ArgumentTypeError, match="MS or MS:JITTER"):
            latency(bad)
    for bad in ("0", "1", "1.5", "lots"):
        with pytest.raises(argparse.ArgumentTypeError, match="between 0 and 1"):
            fail_rate(bad)
    args = build_parser().parse_args(["sandbox", "serve", "x.json", "--rate-limit"])
    assert args.rate_limit == 30  # Twilio's default when given alone
    with pytest.raises(SystemExit):
        build_parser().parse_args(["sandbox", "serve", "x.json", "--rate-limit", "0"])


def test_a_served_sandbox_under_failures_loses_no_acknowledged_change_and_says_what_is_on(tmp_path):
    """Twilio's Python client style over the real server: every acknowledged toggle is in the sandbox;
    a dropped connection is the client's network error, never a traceback in the server's log."""
    path = tmp_path / "served.json"
    build_sandbox(path, kind="demo", seed=7).close()
    with serving(path, "--fail", "0.4", "--fail-seed", "5", "--latency", "5:2") as server:
        assert "Network conditions: latency 5 ms ± 2 ms; 40% of requests fail" in server.stderr.read_text()
        acknowledged: dict[str, bool] = {}
        with httpx.Client(base_url=server.base_url, auth=server.auth, timeout=10) as client:
            services = None
            while services is None:
                try:
                    response = client.get("/v1/Services")
                    services = response.json()["services"] if response.status_code == 200 else None
                except httpx.HTTPError:
                    pass
            ks = services[0]["sid"]
            numbers = None
            while numbers is None:
                try:
                    response = client.get(f"/v1/Services/{ks}/PhoneNumbers", params={"PageSize": 20})
                    numbers = response.json()["phone_numbers"] if response.status_code == 200 else None
                except httpx.HTTPError:
                    pass
            outcomes = set()
            for number in numbers:
                wanted = not number["is_reserved"]
                try:
                    response = client.post(f"/v1/Services/{ks}/PhoneNumbers/{number['sid']}",
                                           data={"IsReserved": str(wanted).lower()})
                    outcomes.add(response.status_code)
                    if response.status_code == 200:
                        acknowledged[number["sid"]] = wanted
                except httpx.HTTPError:
                    outcomes.add("dropped")
        log = server.stderr.read_text()
    assert {200, 503, "dropped"} <= outcomes and acknowledged
    assert "dropped the connection" in log and "Traceback" not in log
    backend = SandboxBackend(path)
    try:
        kept = {n.sid: n.is_reserved for n in backend.account.list_numbers(ks, page_size=100).items}
        assert all(kept[sid] == wanted for sid, wanted in acknowledged.items())
        assert sum(kept[n["sid"]] != n["is_reserved"] for n in numbers) == len(acknowledged)  # nothing else
    finally:
        backend.close()

