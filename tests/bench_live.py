"""Benchmark: LiveBackend over real loopback HTTP to a `proxy-pool sandbox serve` process.

Run by hand (pytest does not collect this file):

    .venv/bin/python tests/bench_live.py

It makes a sandbox with one full pool (`sandbox init --scale 1`: 500 unreserved + 5,000
reserved), serves it, and measures through the LiveBackend as the app would use it
(medians): a page of 50 numbers, the next page by its token, a reservation toggle, then
pool_stats over the whole pool (55 pages) with and without pacing, and 60 reservation
changes fired at once (paced to 30 a second per endpoint, so about 2 s by design).
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


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.json"
        subprocess.run([*command(), "sandbox", "init", str(path), "--scale", "1"], check=True,
                       stdout=subprocess.DEVNULL)
        with serving(path) as server:
            asyncio.run(measure(server.base_url, server.account_sid, server.auth_token))


if __name__ == "__main__":
    main()
