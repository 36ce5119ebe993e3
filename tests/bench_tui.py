"""Benchmark of the app in a real terminal (tmux), and of the operator's pool: run by hand, prints
figures (no assertions).

    .venv/bin/python tests/bench_tui.py [--repeat N] [--operator | --terminal]

--operator (the whole pool in view, issue 12; each figure beside its anchor measured in the same run):
- sort and filter at 5,500 numbers (PoolView over a full pool); anchor: sorted() of the 5,500
  E.164 strings;
- export of the 5,500 as CSV and as Twilio's JSON, rendered and written; anchor: json.dumps of the
  same wire dicts;
- a bulk reserve of 500 marked numbers on the sandbox, end to end in the app (y on the
  confirmation to the summary shown), and the account's one transaction alone; anchor: one
  atomic write of that pool's file;
- live streaming of a 5,500 pool from the loopback sandbox server (`sandbox serve`, Twilio's pace:
  30 requests a second): time to the first usable page and to the whole pool, in the app; anchor:
  one GET of a page of 100.
--terminal: only the tmux figures below; neither flag: both.

For the demo sandbox and a 10-full-pool sandbox (10 x 5,500 numbers; the first pool less one reserved
and one unreserved number, so `r` is accepted both ways) it measures:
- the anchor: a bare Textual app (two Statics) to its first paint, launched in the same tmux before
  each launch of the app, so that both are measured under the same load; the ratio of the medians;
- launch to first paint: `proxy-pool --sandbox PATH` started in tmux until the header and the Services
  screen (still loading) show;
- launch to first screen: until the Services are listed (the status line counts them);
- keypress to updated row for `r`: send-keys r until the highlighted row's line changes on screen;
- keypress to next page shown: send-keys n until the first row's line changes.
Screens are read with `tmux capture-pane` in a tight loop, so each figure includes up to one
capture (a few ms). Budgets (DESIGN.md): launch <= 0.5 s, row <= 50 ms, next page <= 100 ms.

Python's bytecode cache is on, in a temporary folder (PYTHONPYCACHEPREFIX), with one unmeasured
launch first: an installed command has its .pyc files, while PYTHONDONTWRITEBYTECODE (set in some
shells) would recompile the app's modules on every launch (~0.1 s here).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FIRST_ROW_LINE = 4  # world bar, summary, gauges, header, then the first row


class Tmux:
    def __init__(self) -> None:
        self.socket = f"pp-bench-{uuid.uuid4().hex[:8]}"
        skip = ("COLUMNS", "LINES", "PYTHONDONTWRITEBYTECODE")
        self.env = {k: v for k, v in os.environ.items() if k not in skip}

    def run(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True,
                              env=self.env).stdout

    def lines(self) -> list[str]:
        return self.run("capture-pane", "-p", "-t", "b").splitlines()

    def wait(self, predicate, timeout: float = 60.0) -> float:
        start = time.perf_counter()
        while time.perf_counter() - start < timeout:
            if predicate(self.lines()):
                return time.perf_counter() - start
        raise TimeoutError("the screen never showed what was expected:\n" + "\n".join(self.lines()))

    def kill(self) -> None:
        self.run("kill-server")


def make_sandboxes(folder: Path) -> dict[str, Path]:
    from sandbox.build import build_sandbox

    made = {}
    for name, kwargs in (("demo", {"kind": "demo"}), ("10 full pools", {"kind": "scale", "scale": 10})):
        path = folder / f"{name.replace(' ', '-')}.json"
        start = time.perf_counter()
        account = build_sandbox(path, seed=7, **kwargs)
        if kwargs["kind"] == "scale":
            make_room(account)
        account.close()
        print(f"  built {name} sandbox in {time.perf_counter() - start:.1f} s", flush=True)
        made[name] = path
    return made


def make_room(account) -> None:
    """Remove one reserved and one unreserved number (never the first) from the first pool, so `r`
    on the first row is accepted whichever way it goes (a full pool refuses it: 80622/80623)."""
    from tests.paging import every_item

    sid = account.list_services(1).items[0].sid
    numbers = every_item(account.list_numbers, sid)
    for reserved in (True, False):
        account.remove_number(sid, next(n for n in reversed(numbers[1:]) if n.is_reserved is reserved).sid)


LISTED = "Services   enter"  # the status line once the Services are listed (and the bare app's text)


def first_paint(lines: list[str]) -> bool:
    return any("Loading Services" in line or LISTED in line for line in lines)


def listed(lines: list[str]) -> bool:
    return any(LISTED in line for line in lines)


BARE_APP = ("from textual.app import App\nfrom textual.widgets import Static\n"
            "class Bare(App):\n    def compose(self):\n        yield Static('Unique name')\n"
            "        yield Static('3 Services   enter')\nBare().run()\n")


def launch(command: Path, path: Path | None) -> tuple[Tmux, float, float]:
    """Start the app in tmux; seconds to the first paint and to the Services listed."""
    tmux = Tmux()
    start = time.perf_counter()
    if path is None:  # the baseline: a bare Textual app showing the same words
        shell = f"'{sys.executable}' -c \"{BARE_APP}\""
    else:
        shell = f"'{command}' --sandbox '{path}'"
    tmux.run("new-session", "-d", "-s", "b", "-x", "130", "-y", "36", shell)
    tmux.wait(first_paint)
    painted = time.perf_counter() - start
    tmux.wait(listed)
    return tmux, painted, time.perf_counter() - start


def row(lines: list[str]) -> str:
    return lines[FIRST_ROW_LINE] if len(lines) > FIRST_ROW_LINE else ""


def measure(command: Path, path: Path, repeat: int) -> dict[str, list[float]]:
    figures: dict[str, list[float]] = {"bare": [], "paint": [], "launch": [], "r": [], "n": []}
    launch(command, path)[0].kill()  # unmeasured: writes the bytecode cache
    for _ in range(repeat):
        # the anchor launched beside each launch of the app, so both see the machine as it is then
        tmux, _, seconds = launch(command, None)
        figures["bare"].append(seconds)
        tmux.kill()
        tmux, painted, seconds = launch(command, path)
        figures["paint"].append(painted)
        figures["launch"].append(seconds)
        tmux.kill()
    tmux = launch(command, path)[0]
    try:
        tmux.run("send-keys", "-t", "b", "Enter")
        tmux.wait(lambda lines: any("Page 1" in line for line in lines) and "+" in row(lines))
        time.sleep(0.5)  # let the prefetch of page 2 finish
        for _ in range(repeat):
            before = row(tmux.lines())
            tmux.run("send-keys", "-t", "b", "r")
            # the row changes at once (optimistically); the save follows in a worker
            figures["r"].append(tmux.wait(lambda lines, b=before: row(lines) != b))
            time.sleep(0.2)  # let the save finish before the next toggle
        for _ in range(repeat):
            # n (measured), then p back, so a small pool never runs out of pages
            before = row(tmux.lines())
            tmux.run("send-keys", "-t", "b", "n")
            figures["n"].append(tmux.wait(lambda lines, b=before: row(lines) != b and "+" in row(lines)))
            time.sleep(0.3)  # as a reader would: the next page is prefetched meanwhile
            tmux.run("send-keys", "-t", "b", "p")
            tmux.wait(lambda lines, b=before: row(lines) == b)
            time.sleep(0.1)
    finally:
        tmux.kill()
    return figures


# -- the operator's pool (--operator) ---------------------------------------------------------------------


def best_ms(fn, runs: int = 7) -> float:
    """The median of `runs` timings of fn(), in ms."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def line(label: str, ms: float, anchor_label: str, anchor: float, budget: str = "") -> None:
    ratio = f"{ms / anchor:6.1f}x" if anchor else "      "
    print(f"  {label:<46}{ms:9.1f} ms   {anchor_label:<34}{anchor:8.1f} ms {ratio}  {budget}", flush=True)


def full_pool(path: Path, reserved: int = 5000):
    """One Service with 500 unreserved and `reserved` reserved numbers (5,000: full on both limits)."""
    from tests.app_fixtures import build_full_pools

    account = build_full_pools(path, services=1)
    if reserved != 5000:  # room to reserve: drop the reserved numbers beyond `reserved`
        from tests.paging import every_item

        sid = account.list_services(1).items[0].sid
        account.remove_each(sid, [n.sid for n in every_item(account.list_numbers, sid) if n.is_reserved][reserved:])
    return account


def bench_view(folder: Path) -> None:
    import json

    from tests.paging import every_item
    from tui.core.wire import render_number
    from tui.state.export import render_csv, render_json
    from tui.state.pool_query import COLUMNS, Sort, parse_filter
    from tui.state.pool_view import PoolView

    account = full_pool(folder / "view.json")
    sid = account.list_services(1).items[0].sid
    pool = every_item(account.list_numbers, sid)
    account.close()
    view = PoolView(50)
    view.arrived(view.begin(), pool, done=True)
    print(f"\nthe whole pool in view: {len(pool):,} numbers (budget: sort and filter <= 30 ms, export <= 200 ms)")
    anchor = best_ms(lambda: sorted(n.phone_number for n in pool))
    for column in COLUMNS:
        def sort(c=column):
            view.set_sort(Sort(c, descending=True))
            view.shown()
        line(f"sort by {column} desc", best_ms(sort), "sorted() of the E.164 strings", anchor)
    view.set_sort(None)
    for words, text in ((["reserved"], ""), (["free"], ""), (["country:US", "cap:sms"], ""), ([], "Pool Driver 1"),
                        ([], "PN2b3d")):
        query = parse_filter(words, text)

        def filtered(q=query):
            view.set_query(q)
            view.shown()
        line(f"filter {query.describe()}", best_ms(filtered), "sorted() of the E.164 strings", anchor)
    view.set_query(parse_filter(["unreserved"]))
    view.set_sort(Sort("in_use", descending=True))
    line("filter unreserved + sort by in_use, page 1", best_ms(lambda: (view.reorder(), view.rows())),
         "sorted() of the E.164 strings", anchor)
    dicts = [render_number(n) for n in pool]
    dumps = best_ms(lambda: json.dumps(dicts))
    out = folder / "export"
    line("export 5,500 as CSV (render + write)", best_ms(lambda: out.with_suffix(".csv").write_text(render_csv(pool))),
         "json.dumps of the wire dicts", dumps)
    line("export 5,500 as JSON (render + write)",
         best_ms(lambda: out.with_suffix(".json").write_text(render_json(pool))), "json.dumps of the wire dicts", dumps)


def bench_bulk(folder: Path) -> None:
    """500 marked numbers reserved: in the account alone, and in the app from y to the summary."""
    import asyncio

    from sandbox.backend import SandboxBackend
    from sandbox.files import atomic_write
    from sandbox.store import storage_of
    from tests.app_fixtures import settle
    from tests.paging import every_item
    from tui.app import create_app

    print("\na bulk reserve of 500 marked numbers on the sandbox (budget: <= 100 ms end to end)")
    account = full_pool(folder / "bulk.json", reserved=4000)
    sid = account.list_services(1).items[0].sid
    unreserved = [n.sid for n in every_item(account.list_numbers, sid) if not n.is_reserved]
    account.files.fold()  # the pool file as it is (building it left its changes in the journal)
    pool_file = storage_of(account.files.pool(sid)).path
    payload = pool_file.read_bytes()
    anchor = best_ms(lambda: atomic_write(folder / "anchor.json", payload), runs=5)
    alone = []
    for _ in range(3):
        start = time.perf_counter()
        account.set_reserved_each(sid, unreserved, True)
        alone.append((time.perf_counter() - start) * 1000)
        account.set_reserved_each(sid, unreserved, False)
    line("the account's one transaction (500 numbers)", statistics.median(alone),
         f"one atomic write ({len(payload) / 1e6:.1f} MB)", anchor)

    async def in_the_app() -> float:
        from textual import events

        app = create_app(SandboxBackend(account))
        async with app.run_test(size=(130, 36)) as pilot:
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            screen = app.screen
            screen.filter_by(screen.view.query.with_states(("unreserved",)))
            screen.action_mark_all()  # the 500 unreserved
            await pilot.press("r")  # the confirmation
            await settle(pilot)
            start = time.perf_counter()
            app._driver.send_message(events.Key("y", "y"))  # as the terminal sends it (no Pilot wait)
            while not getattr(app.screen, "finished", False):
                await asyncio.sleep(0.0005)
            took = (time.perf_counter() - start) * 1000
        account.set_reserved_each(sid, unreserved, False)  # back as it was, for the next run
        return took

    app_runs = [asyncio.run(in_the_app()) for _ in range(3)]
    line("in the app: y to the summary shown", statistics.median(app_runs), "one atomic write", anchor)
    account.close()


def bench_stream(folder: Path) -> None:
    """A full pool read by the live backend from a real loopback server, as the pool screen reads it."""
    import asyncio

    from tests.app_fixtures import settle
    from tests.server_process import serving
    from tui.app import create_app
    from tui.live.client import LiveBackend
    from tui.live.credentials import Credentials

    print("\nlive: a 5,500 pool streamed from the loopback sandbox server at Twilio's pace (30 requests/s)")
    path = folder / "served.json"
    full_pool(path).close()
    with serving(path) as server:
        creds = Credentials(server.account_sid, server.account_sid, server.auth_token, source="bench")

        async def run() -> tuple[float, float, float]:
            live = LiveBackend(creds, base_url=server.base_url)
            ks = (await live.list_services()).items[0].sid
            start = time.perf_counter()
            await live.list_numbers(ks, 100)
            one = (time.perf_counter() - start) * 1000
            await live.aclose()
            app = create_app(LiveBackend(creds, base_url=server.base_url))
            async with app.run_test(size=(130, 36)) as pilot:
                while not app.screen.query("#services") or not app.screen.query_one("#services").row_count:
                    await asyncio.sleep(0.01)
                from textual import events

                start = time.perf_counter()
                app._driver.send_message(events.Key("enter", "\r"))  # as the terminal sends it (no Pilot wait)
                while type(app.screen).__name__ != "PoolScreen" or not app.screen.rows:
                    await asyncio.sleep(0.001)
                first = (time.perf_counter() - start) * 1000
                while not app.screen.view.done:
                    await asyncio.sleep(0.005)
                whole = (time.perf_counter() - start) * 1000
                await settle(pilot)
            return one, first, whole

        one, first, whole = asyncio.run(run())
    line("open the pool to its first page usable", first, "one GET of a page of 100", one)
    line("open the pool to all 5,500 read (55 requests)", whole, "one GET of a page of 100", one)


def operator(folder: Path) -> None:
    bench_view(folder)
    bench_bulk(folder)
    bench_stream(folder)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--operator", action="store_true", help="only the operator's pool figures")
    only.add_argument("--terminal", action="store_true", help="only the tmux figures")
    args = parser.parse_args()
    if not args.terminal:
        with tempfile.TemporaryDirectory() as folder:
            operator(Path(folder))
        if args.operator:
            return 0
    if not shutil.which("tmux"):
        print("tmux is needed: apt-get install tmux", file=sys.stderr)
        return 2
    command = Path(sys.executable).with_name("proxy-pool")
    with tempfile.TemporaryDirectory() as folder:
        os.environ["XDG_DATA_HOME"] = folder
        os.environ["PYTHONPYCACHEPREFIX"] = str(Path(folder) / "pycache")
        print("building sandboxes…", flush=True)
        sandboxes = make_sandboxes(Path(folder))
        print(f"\n{'sandbox':<16}{'measure':<34}{'median':>9}{'min':>9}{'max':>9}")
        launch(command, None)[0].kill()  # unmeasured: writes the bytecode cache
        for name, path in sandboxes.items():
            figures = measure(command, path, args.repeat)
            for key, label in (("bare", "(anchor) bare Textual app, paint"), ("paint", "launch to first paint (loading)"),
                               ("launch", "launch to Services listed"), ("r", "keypress r to updated row"),
                               ("n", "keypress n to next page shown")):
                values = [v * 1000 for v in figures[key]]
                print(f"{name:<16}{label:<34}{statistics.median(values):>7.0f}ms{min(values):>7.0f}ms"
                      f"{max(values):>7.0f}ms", flush=True)
            ratio = statistics.median(figures["paint"]) / statistics.median(figures["bare"])
            print(f"{name:<16}{'first paint / bare app (<= 1.2)':<34}{ratio:>8.2f}x", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
