"""Benchmark of the app in a real terminal (tmux): run by hand, prints figures (no assertions).

    .venv/bin/python tests/bench_tui.py [--repeat N]

For the demo sandbox and a 10-full-pool sandbox (10 x 5,500 numbers; the first pool less one reserved
and one unreserved number, so `r` is accepted both ways) it measures:
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
    figures: dict[str, list[float]] = {"paint": [], "launch": [], "r": [], "n": []}
    launch(command, path)[0].kill()  # unmeasured: writes the bytecode cache
    for _ in range(repeat):
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
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
        bare = []
        launch(command, None)[0].kill()  # unmeasured: writes the bytecode cache
        for _ in range(args.repeat):
            tmux, _, seconds = launch(command, None)
            bare.append(seconds * 1000)
            tmux.kill()
        print(f"{'(baseline)':<16}{'bare Textual app to first paint':<34}{statistics.median(bare):>7.0f}ms"
              f"{min(bare):>7.0f}ms{max(bare):>7.0f}ms", flush=True)
        for name, path in sandboxes.items():
            figures = measure(command, path, args.repeat)
            for key, label in (("paint", "launch to first paint (loading)"),
                               ("launch", "launch to Services listed"), ("r", "keypress r to updated row"),
                               ("n", "keypress n to next page shown")):
                values = [v * 1000 for v in figures[key]]
                print(f"{name:<16}{label:<34}{statistics.median(values):>7.0f}ms{min(values):>7.0f}ms"
                      f"{max(values):>7.0f}ms", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
