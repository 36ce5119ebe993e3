"""SVG snapshots of the main screens (pytest-textual-snapshot): fixed seed, fixed dates, fixed size.

Update after an intended change of the look: pytest tests/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

import pytest
from textual.widgets import Input

from sandbox.backend import SandboxBackend
from tests.app_fixtures import build_app_sandbox, settle
from tui.app import create_app
from tui.core.sids import mask_sid

SIZE = (130, 36)


@pytest.fixture
def demo_app(tmp_path):
    backend = SandboxBackend(build_app_sandbox(tmp_path / "sandbox.json"))
    # the badge as the default sandbox shows it (a fixed path: the snapshot must not name tmp_path)
    yield create_app(backend, world_label=f"{mask_sid(backend.account_sid)} ~/.local/share/proxy-pool/sandbox.json")
    backend.close()


def steps(*keys: str):
    async def run_before(pilot) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        for box in pilot.app.screen.query(Input):
            box.cursor_blink = False  # a blinking cursor would make the picture depend on timing
        await pilot.pause()

    return run_before


def test_services_screen(snap_compare, demo_app):
    assert snap_compare(demo_app, terminal_size=SIZE, run_before=steps())


def test_pool_screen_near_the_limit(snap_compare, demo_app):
    # marketplace-eu: 430/500 unreserved, the warning style
    assert snap_compare(demo_app, terminal_size=SIZE, run_before=steps("down", "down", "enter", "down"))


def test_remove_confirmation(snap_compare, demo_app):
    assert snap_compare(demo_app, terminal_size=SIZE, run_before=steps("enter", "d"))


def test_add_dialog(snap_compare, demo_app):
    assert snap_compare(demo_app, terminal_size=SIZE, run_before=steps("enter", "a"))


def test_pool_sorted_and_filtered_at_100x30(snap_compare, demo_app):
    """The narrow layout: the columns that matter, the footer's keys, the pager's "N of M shown"."""
    async def run_before(pilot) -> None:
        await steps("down", "enter")(pilot)
        screen = pilot.app.screen
        for line in ("sort in_use desc", "filter reserved"):
            bar = screen.query_one("#command-bar")
            bar.post_message(bar.Run(bar, line))
            await settle(pilot)

    assert snap_compare(demo_app, terminal_size=(100, 30), run_before=run_before)
