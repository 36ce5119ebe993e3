"""The world badge: SANDBOX or LIVE always visible, and on a narrow terminal still naming the file."""

from __future__ import annotations

from tests.app_fixtures import build_app_sandbox, running_app
from tui.widgets.world_bar import WorldInfo

LONG = "/srv/training/cohort-2026-11/a-rather-long-folder-name/demo-sandbox.json"


def test_a_long_path_loses_its_middle_not_its_file_name():
    world = WorldInfo("sandbox", LONG)
    assert world.badge_within(200) == f" SANDBOX {LONG} "
    for width in (60, 40, 30):
        badge = world.badge_within(width)
        assert len(badge) <= width
        assert badge.startswith(" SANDBOX ") and badge.endswith("/demo-sandbox.json ") and "…" in badge


def test_live_badge_keeps_the_masked_sid():
    assert WorldInfo("live", "AC…1a2b").badge_within(28) == " LIVE AC…1a2b "


async def test_on_80_columns_the_breadcrumb_and_the_file_name_both_show(tmp_path):
    folder = tmp_path / ("x" * 60)
    folder.mkdir()
    account = build_app_sandbox(folder / "sandbox.json")
    async with running_app(tmp_path, size=(80, 24), account=account) as s:
        badge = s.text("#world-badge")
        assert badge.strip().startswith("SANDBOX") and badge.strip().endswith("/sandbox.json")
        assert len(badge) <= 80 - len(" proxy-pool Services")
        assert "Services" in s.text("#crumbs")
