"""The Services screen, the header's world badge, --read-only, help and the command palette."""

from __future__ import annotations

from textual.color import Color

from tests.app_fixtures import running_app, service_sid
from tui.core.sids import mask_sid


class LiveLooking:
    """The sandbox behind a backend that says it is live (the header must say LIVE)."""

    kind = "live"

    def __init__(self, inner):
        self._inner = inner

    def __getattr__(self, name):
        return getattr(self._inner, name)

    @property
    def account_sid(self):
        return self._inner.account_sid


async def test_services_table_and_sandbox_badge_with_path(tmp_path):
    async with running_app(tmp_path) as s:
        rows = s.table_rows("#services")
        assert [rows[0][k] for k in ("name", "sid", "selection", "geo", "ttl")] == [
            "support-line", service_sid(s.account, "support-line"), "prefer-sticky", "country", "1h"]
        assert [rows[1][k] for k in ("selection", "geo", "ttl")] == ["avoid-sticky", "area-code", "1d"]
        badge = s.screen.query_one("#world-badge")
        sid = s.account.account_sid
        assert s.text("#world-badge").strip() == f"SANDBOX AC…{sid[-4:]} {tmp_path / 'sandbox.json'}"
        assert sid not in s.text("#world-badge")  # masked but for the last 4 characters
        assert badge.has_class("-sandbox") and not badge.has_class("-live")
        assert badge.styles.background == Color.parse(s.app.get_css_variables()["warning"])
        assert not s.screen.query("#read-only-badge")
        assert "3 Services" in s.text("#status")


async def test_live_badge_masks_the_account_sid_in_another_style(tmp_path, monkeypatch):
    from sandbox.backend import SandboxBackend
    from tests.app_fixtures import build_app_sandbox

    account = build_app_sandbox(tmp_path / "sandbox.json")
    async with running_app(tmp_path, account=account, backend=LiveLooking(SandboxBackend(account))) as s:
        badge = s.screen.query_one("#world-badge")
        text = s.text("#world-badge").strip()
        assert text == f"LIVE {mask_sid(account.account_sid)}" and account.account_sid not in text
        assert badge.has_class("-live") and not badge.has_class("-sandbox")
        # a different look from the sandbox badge (warning colour), on every screen
        assert badge.styles.background == Color.parse(s.app.get_css_variables()["error"])
        await s.open_pool("support-line")
        assert s.text("#world-badge").strip().startswith("LIVE AC…")


async def test_filter_services_by_name_and_enter_opens_the_match(tmp_path):
    async with running_app(tmp_path) as s:
        await s.press("slash", *"deliv")
        assert [r["name"] for r in s.table_rows("#services")] == ["deliveries"]
        assert "1 of 3 Services match" in s.text("#status")
        await s.press("enter", "enter")  # keep the filter, then open the highlighted Service
        assert type(s.screen).__name__ == "PoolScreen" and s.screen.service.unique_name == "deliveries"
        await s.press("escape")
        await s.press("slash", "escape")
        assert len(s.table_rows("#services")) == 3


async def test_read_only_shows_badge_and_registers_no_mutating_key(tmp_path):
    async with running_app(tmp_path, read_only=True) as s:
        assert "READ-ONLY" in s.text("#read-only-badge")
        await s.open_pool("support-line")
        sid = service_sid(s.account, "support-line")
        before = s.account.list_numbers(sid, 50).items
        keys = {binding.action for _, binding in s.screen._bindings}
        assert not keys & {"toggle_reserved", "remove", "add", "drain"}
        await s.press("r", "d", "delete", "a", "D")
        assert type(s.screen).__name__ == "PoolScreen"
        assert s.account.list_numbers(sid, 50).items == before
        # each says why it does nothing
        for words in ("r would reserve or unreserve", "d would remove", "a would add a number", "D would drain"):
            assert f"{words}: this app was started with --read-only" in s.notes_text()
        # marking says what marks are for here (not "r/d act on them")
        await s.press("space")
        assert "1 marked (:filter marked shows them" in s.text("#pager") and "r/d" not in s.text("#pager")
        titles = [c.title for c in s.app.get_system_commands(s.screen)]
        assert "Next page" in titles and "Reserve/unreserve" not in titles and "Remove" not in titles


async def test_every_pool_action_is_in_the_command_palette(tmp_path, monkeypatch):
    async with running_app(tmp_path) as s:
        await s.open_pool("support-line")
        titles = {c.title for c in s.app.get_system_commands(s.screen)}
        assert {"Next page", "Previous page", "Mark", "Filter", "Back", "Refresh", "Reserve/unreserve", "Remove",
                "Add number", "Keys", "Quit", "Sort by the next column", "Command mode (:sort, :filter, :page, "
                ":export, ...)", "Screenshot", "Theme"} <= titles
        # each once, and none of Textual's own (its key panel, focus and copy keys, maximize)
        listed = [c.title for c in s.app.get_system_commands(s.screen)]
        assert len(listed) == len(set(listed)) and listed.count("Keys") == 1
        assert not {"Focus Next", "Focus Previous", "Copy selected text", "Maximize"} & titles
        # Screenshot saves where it can (here: the current folder) and says where
        monkeypatch.chdir(tmp_path)
        s.app.save_screen_picture()
        await s.settle()
        pictures = list(tmp_path.glob("proxy-pool-*.svg"))
        assert len(pictures) == 1 and f"Saved {pictures[0]}" in s.notes_text()
        # running one from the palette does what the key does
        first = s.table_rows()[0]["sid"]
        await s.press("ctrl+p")
        assert type(s.screen).__name__ == "CommandPalette"
        await s.press(*"Reserve/unreserve")
        await s.press("enter")
        assert type(s.screen).__name__ == "PoolScreen"
        assert s.account.get_number(service_sid(s.account, "support-line"), first).is_reserved
        assert s.table_rows()[0]["reserved"] == "reserved"


async def test_help_lists_every_key(tmp_path):
    async with running_app(tmp_path) as s:
        await s.press("question_mark")
        assert type(s.screen).__name__ == "HelpScreen"
        text = s.text("#help-keys")
        for key, what in (("enter", "open the highlighted Service's pool"), ("n / p", "next / previous page"),
                          ("space", "mark or unmark"), ("/", "filter the whole pool"), ("r", "reserve / unreserve"),
                          ("d / delete", "remove the highlighted number"), ("a", "add a number"),
                          ("escape", "back to Services"), ("?", "this help"), ("ctrl+p", "command palette"),
                          ("q", "quit")):
            assert any(line.strip().startswith(key) and what in line for line in text.splitlines()), key
        # every key the pool screen binds is in the help, and the Caps letters are explained
        from tui.screens.pool import pool_keys

        listed = {part for line in text.splitlines() if line.strip()
                  for part in line.strip().split("  ")[0].replace(" / ", " ").split()}
        for key in pool_keys(read_only=False):
            shown = key.key_display or key.keys.split(",")[0]
            assert shown in listed or (shown, key.keys) == ("escape", "escape"), key
        assert "V voice, S SMS, M MMS, F fax" in text
        await s.press("escape")
        assert type(s.screen).__name__ == "ServicesScreen"


async def test_help_in_read_only_leaves_out_the_keys_that_change_the_account(tmp_path):
    async with running_app(tmp_path, read_only=True) as s:
        await s.press("question_mark")
        text = s.text("#help-keys")
        assert "next / previous page" in text and "remove the highlighted number" not in text
        assert "READ-ONLY" in text and "say why they do nothing" in text
