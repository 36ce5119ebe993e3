"""Benchmark: LiveBackend over real loopback HTTP to a `proxy-pool sandbox serve` process.

Run by hand (pytest does not collect this file):

    .venv/bin/python tests/bench_live.py

It makes a sandbox with one full pool (`sandbox init --scale 1`: 500 unreserved + 5,000
reserved), serves it, and measures through the LiveBackend as the app would use it
(medians): a page of 50 numbers, the next page by its token, a reservation toggle, then
pool_stats over the whole pool (55 pages) with and without pacing, and 60 reservation
changes fired at once (paced to 30 a second per endpoint, so about 2 s by design).

Then the app itself (headless, Textual's run_test) on a real network's terms: the same sandbox
served with `--latency 150 --rate-limit 30` (every answer 150 ms late; Twilio's 30 requests a
second per endpoint), measured beside one round trip of that server in the same run: launch to
the Services list on screen, to its pool's counts, then opening the pool: to the first page
usable, and to the whole 5,500 numbers streamed in. A second launch shows the cached counts.

    .venv/bin/python tests/bench_live.py --latency 150 --runs 3
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.server_process import command, serving  # noqa: E402
from tui.live.client import LiveBackend  # noqa: E402
from tui.live.credentials import Credentials  # noqa: E402


async def timed(fn, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        await fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


async def measure(base_url: str, sid: str, token: str) -> None:
    creds = Credentials(sid, sid, token, source="bench")
    live = LiveBackend(creds, base_url=base_url)
    fast = LiveBackend(creds, base_url=base_url, rate=1e9)
    try:
        ks = (await live.list_services()).items[0].sid
        # a full pool refuses every reservation change (80622): free one unreserved slot first
        first = await live.list_numbers(ks, 50)
        await fast.remove_number(ks, next(n for n in first.items if not n.is_reserved).sid)
        page = first
        while not any(n.is_reserved for n in page.items):
            page = await fast.list_numbers(ks, 100, page.next_token)
        reserved = [n for n in page.items if n.is_reserved]
        number = reserved[0]
        # back-to-back calls wait for their 1/30 s slot: the unpaced figures show the cost of a call itself
        for name, backend in (("paced", live), ("no pacing", fast)):
            page_ms = await timed(lambda b=backend: b.list_numbers(ks, 50), 20)
            next_ms = await timed(lambda b=backend: b.list_numbers(ks, 50, first.next_token), 20)
            print(f"page of 50 numbers:          {page_ms:7.1f} ms median ({name}, back to back)")
            print(f"next page by token:          {next_ms:7.1f} ms median ({name}, back to back)")
        state = {"on": number.is_reserved}

        async def toggle():
            state["on"] = not state["on"]
            await live.set_reserved(ks, number.sid, state["on"])

        print(f"reservation toggle:          {await timed(toggle, 20):7.1f} ms median (paced, back to back)")
        print(f"pool_stats, 5,500 numbers:   {await timed(lambda: live.pool_stats(ks), 3):7.0f} ms median (paced)")
        print(f"pool_stats, 5,500 numbers:   {await timed(lambda: fast.pool_stats(ks), 3):7.0f} ms median (no pacing)")
        sids = [n.sid for n in reserved]
        start = time.perf_counter()
        await asyncio.gather(*(live.set_reserved(ks, sids[i % len(sids)], True) for i in range(60)))
        print(f"60 reservation changes at once: {time.perf_counter() - start:5.2f} s (paced at 30/s per endpoint)")
    finally:
        await live.aclose()
        await fast.aclose()


async def until(condition, timeout: float = 120.0) -> float:
    """perf_counter() once `condition()` holds (polled while the app runs on this loop)."""
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the app did not get there")
        await asyncio.sleep(0.002)
    return time.perf_counter()


def rows(app, selector: str) -> int:
    found = app.screen.query(selector)
    return found.first().row_count if found else 0


def press(app, key: str) -> None:
    from textual import events

    event = events.Key(key, {"enter": "\r"}.get(key, key))
    event.set_sender(app)
    app._driver.send_message(event)


async def app_launch(base_url: str, sid: str, token: str) -> dict[str, float]:
    """One launch of the app on the live backend: ms from launch to each thing a user waits for."""
    from tui.app import create_app

    live = LiveBackend(Credentials(sid, sid, token, source="bench"), base_url=base_url, read_messaging=True)
    app = create_app(live)
    start = time.perf_counter()
    marks = {}
    try:
        async with app.run_test(size=(160, 45)):
            marks["Services list on screen"] = await until(lambda: rows(app, "#services") > 0)
            marks["counts on screen (cached or counted)"] = await until(lambda: app.pool_counts)
            marks["pool counted"] = await until(lambda: app.pool_counts and not app.cached_at)
            opened = time.perf_counter()
            press(app, "enter")  # as a terminal delivers it: Pilot.press would wait for the screen to idle
            first = await until(lambda: rows(app, "#numbers") > 0)
            whole = await until(lambda: getattr(app.screen, "view", None) is not None and app.screen.view.done)
            marks["open pool: first page usable"] = first - opened + start
            marks["open pool: all 5,500 numbers in"] = whole - opened + start
    finally:
        await live.aclose()
    return {name: (at - start) * 1000 for name, at in marks.items()}


async def round_trip(base_url: str, sid: str, token: str, runs: int = 7) -> float:
    """The anchor: one request's round trip to the same server (a Service fetched by httpx)."""
    import httpx

    async with httpx.AsyncClient(base_url=base_url, auth=(sid, token)) as client:
        ks = (await client.get("/v1/Services")).json()["services"][0]["sid"]
        return await timed(lambda: client.get(f"/v1/Services/{ks}"), runs)


async def measure_app(base_url: str, sid: str, token: str, latency: float, runs: int) -> None:
    import os

    rtt = await round_trip(base_url, sid, token)
    print(f"\nThe app over --latency {latency:g} --rate-limit 30 (medians of {runs} launches; one round trip "
          f"{rtt:.0f} ms):")
    with tempfile.TemporaryDirectory() as cache:
        os.environ["XDG_CACHE_HOME"] = cache  # the count cache: empty at the first launch
        launches = [await app_launch(base_url, sid, token) for _ in range(runs)]
        if os.environ.get("BENCH_VERBOSE"):
            for launch in launches:
                print("   ", {k: round(v) for k, v in launch.items()})
    first, again = launches[0], launches[1:] or launches
    budget = {"Services list on screen": rtt + 100, "open pool: first page usable": rtt + 100}
    for name in first:
        values = [first[name]] if name == "counts on screen (cached or counted)" else [r[name] for r in launches]
        median = statistics.median(values)
        target = f"  target <= {budget[name]:.0f} ms (one round trip + 100 ms)" if name in budget else ""
        print(f"  {name:38} {median:7.0f} ms  ({median / rtt:4.1f} round trips){target}")
    cached = statistics.median(r["counts on screen (cached or counted)"] for r in again)
    print(f"  {'counts on screen, a later launch':38} {cached:7.0f} ms  (the last launch's, dim, from the cache)")


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latency", type=float, default=150.0, help="ms the server adds to every answer")
    parser.add_argument("--runs", type=int, default=3, help="app launches to take the median of")
    parser.add_argument("--only-app", action="store_true", help="skip the backend figures")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.json"
        subprocess.run([*command(), "sandbox", "init", str(path), "--scale", "1"], check=True,
                       stdout=subprocess.DEVNULL)
        if not args.only_app:
            with serving(path) as server:
                asyncio.run(measure(server.base_url, server.account_sid, server.auth_token))
        with serving(path, "--latency", f"{args.latency:g}", "--rate-limit", "30") as server:
            asyncio.run(measure_app(server.base_url, server.account_sid, server.auth_token, args.latency,
                                    args.runs))


if __name__ == "__main__":
    main()
