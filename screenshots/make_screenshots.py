"""Regenerate the README's screenshots: one SVG per screen, from the demo sandbox in a temp folder.

    .venv/bin/python screenshots/make_screenshots.py

Writes services.svg, pool.svg, pool-sorted-filtered.svg (`:sort in_use desc` and `:filter
reserved`, typed in command mode), raw-view.svg (a number's Twilio JSON and its sessions),
remove-confirmation.svg, add-dialog.svg, help.svg, error.svg (a refused removal and the offer
to drain), error-notification.svg, simulate.svg (traffic through the tradepost pool until people
run short: 80208), and from training scenarios briefing.svg (busy-pool's briefing and goal) and
service-sessions.svg (in-use: a Service's sessions) next to this script. Fixed seed, fixed clock
and a fixed terminal size, so a run
changes the pictures only when the app's look changed.
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tests.app_fixtures import fixed_clock, settle  # noqa: E402

SIZE = (130, 36)
LABEL = "~/.local/share/proxy-pool/sandbox.json"
SIMULATION = {"sim-participants": "30", "sim-each": "10", "sim-length": "6", "sim-seed": "1",
              "sim-countries": "GB:40, DE:30, AU:20, US:10"}


def build_demo(path: Path, seed: int = 7):
    """The demo sandbox as `proxy-pool sandbox init` builds it, on the fixed clock (for its whole life)."""
    from sandbox.account import SandboxAccount
    from sandbox.demo import populate_demo

    account = SandboxAccount.create(path, origin={"kind": "demo", "seed": seed, "scale": None},
                                    rng=random.Random(seed), clock=fixed_clock)
    populate_demo(account, seed)
    return account


async def shoot(path: Path) -> list[str]:
    from textual.widgets import Input

    from sandbox.backend import SandboxBackend
    from tui.app import create_app
    from tui.core.sids import mask_sid

    backend = SandboxBackend(build_demo(path))
    # what a user's default sandbox shows: the masked account SID and the path under the data folder
    app = create_app(backend, world_label=f"{mask_sid(backend.account_sid)} {LABEL}")
    # a number held by two active sessions, for the error picture (80611 on remove)
    account = backend.account
    first_service = account.list_services(50).items[0].sid
    page = account.list_numbers(first_service, 50).items
    busy_row = next(i for i, n in enumerate(page) if i >= 2 and not n.is_reserved)
    for identifier in ("+14155550901", "+14155550902"):  # two real sessions hold it: in_use 2
        account.create_session(first_service, participants=[
            {"identifier": identifier, "proxy_identifier_sid": page[busy_row].sid}])
    # a reserved number still held by a session (the sorted, filtered pool and the raw view show it)
    draining = next(n for i, n in enumerate(page) if i > busy_row and n.is_reserved)
    account.create_session(first_service, participants=[
        {"identifier": "+14155550903", "proxy_identifier_sid": draining.sid}])
    written: list[str] = []

    async def save(name: str) -> None:
        await settle(pilot)
        for box in app.screen.query(Input):
            box.cursor_blink = False
        await pilot.pause()
        app.save_screenshot(name, path=str(HERE))
        written.append(name)

    async def keys(*names: str) -> None:
        for name in names:
            await pilot.press(name)
            await settle(pilot)

    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await save("services.svg")
            await keys("enter", "down", "down")
            await save("pool.svg")
            await keys("colon", *"sort in_use desc", "enter", "colon", *"filter reserved", "enter")
            await save("pool-sorted-filtered.svg")
            await keys("enter")
            await save("raw-view.svg")
            await keys("escape", "colon", *"filter", "enter", "colon", *"sort", "enter", "g", "down", "down")
            await keys("d")
            await save("remove-confirmation.svg")
            await keys("escape", "a")
            await save("add-dialog.svg")
            await keys("escape", "question_mark")
            await save("help.svg")
            await keys("escape", *["down"] * (busy_row - 2))
            # an error: removing a number that active sessions hold (80611), and the offer to reserve it
            await keys("d", "y")
            await save("error.svg")
            await keys("n")
            await save("error-notification.svg")
            # Simulate: traffic through the tradepost pool until some people need more numbers than it has
            await keys("escape", "down", "down", "enter", "s")
            for field_id, value in SIMULATION.items():
                app.screen.query_one(f"#{field_id}", Input).value = value
            await keys(*["n"] * 12)
            app.clear_notifications()
            await save("simulate.svg")
    finally:
        backend.close()
    return written


def build_scenario(path: Path, name: str, seed: int = 7):
    """A scenario sandbox as `proxy-pool sandbox init --scenario` builds it, on the fixed clock."""
    from sandbox.account import SandboxAccount
    from sandbox.scenarios import populate

    account = SandboxAccount.create(path, origin={"kind": "scenario", "seed": seed, "scale": None, "scenario": name},
                                    rng=random.Random(seed), clock=fixed_clock)
    populate(account, name, seed)
    return account


async def shoot_scenario(path: Path, name: str, steps: list[str]) -> list[str]:
    """Open a scenario sandbox; `steps` are keys, or "shot:NAME.svg" to save the screen."""
    from textual.widgets import Input

    from sandbox.backend import SandboxBackend
    from tui.app import create_app
    from tui.core.sids import mask_sid

    backend = SandboxBackend(build_scenario(path, name))
    app = create_app(backend, world_label=f"{mask_sid(backend.account_sid)} ~/class/{name}.json")
    written: list[str] = []
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            for step in steps:
                if step.startswith("shot:"):
                    await settle(pilot)
                    for box in app.screen.query(Input):
                        box.cursor_blink = False
                    app.save_screenshot(step[5:], path=str(HERE))
                    written.append(step[5:])
                else:
                    await pilot.press(step)
                    await settle(pilot)
    finally:
        backend.close()
    return written


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        written = asyncio.run(shoot(Path(folder) / "sandbox.json"))
        written += asyncio.run(shoot_scenario(Path(folder) / "busy.json", "busy-pool", ["shot:briefing.svg"]))
        written += asyncio.run(shoot_scenario(Path(folder) / "in-use.json", "in-use",
                                              ["escape", "S", "down", "down", "shot:service-sessions.svg"]))
    for name in written:
        print(HERE / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
