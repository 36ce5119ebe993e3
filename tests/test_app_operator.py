"""The operator's pool in the app: the whole pool in view, sort, state filters, jump, marks,
export, command mode, the raw view, key bursts, the Services screen's gauges and totals,
contexts, and the layout at 100x30, 160x45 and 220x60.

Keys as a user presses them (or as a terminal delivers a burst), on a temporary sandbox; each
test checks what the screen shows and, where something changed, what the sandbox holds.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json

from textual.binding import Binding

from sandbox.backend import SandboxBackend
from tests.app_fixtures import build_app_sandbox, running_app, service_sid
from tests.test_app_pool import counts, pool_order
from tui.core.phone import format_international
from tui.core.wire import parse_number, render_number


def numbers_shown(s) -> list[str]:
    return [r["sid"] for r in s.table_rows()]


async def command(s, line: str) -> None:
    """A command run from the command line (typing it is test_command_mode_...'s)."""
    bar = s.screen.query_one("#command-bar")
    bar.open(line)
    bar.post_message(bar.Run(bar, line))
    await s.settle()


# -- sort -----------------------------------------------------------------------------------------------

async def test_sort_by_command_key_and_header_click_survives_paging_and_refresh(tmp_path):
    async with running_app(tmp_path) as s:
        order = pool_order(s.account, "deliveries")
        for i, number in enumerate(order[60:63]):  # in_use 3, 2, 1 on numbers of page 2
            for k in range(3 - i):
                s.hold("deliveries", number, f"+1415555{k:04d}")
        await s.open_pool("deliveries")
        await command(s, "sort in_use desc")
        assert numbers_shown(s)[:3] == [n.sid for n in order[60:63]]
        assert [r["in_use"] for r in s.table_rows()[:4]] == ["3", "2", "1", "0"]
        table = s.screen.query_one("#numbers")
        assert (table.sort_column, table.descending) == ("in_use", True)
        header = table.render_line(0).text
        assert "In use▼" in header and "sorted by in_use desc" in s.text("#pager")
        # the sort survives paging (page 2 goes on in the same order) and a refresh
        await s.press("n")
        assert "Page 2 of 3" in s.text("#pager") and s.table_rows()[0]["in_use"] == "0"
        await s.press("p", "ctrl+r")
        assert numbers_shown(s)[:3] == [n.sid for n in order[60:63]] and "sorted by in_use desc" in s.text("#pager")
        # a click on a header sorts by it (the highlighted number stays under the cursor); again reverses it
        x = header.index("Number")
        held = numbers_shown(s)[table.cursor_row]
        await s.pilot.click("#numbers", offset=(x, 0))
        await s.settle()
        assert (table.sort_column, table.descending) == ("number", False)
        by_number = sorted(order, key=lambda n: n.phone_number)
        assert [n.sid for n in s.screen.view.shown()] == [n.sid for n in by_number]
        assert numbers_shown(s)[table.cursor_row] == held
        await s.pilot.click("#numbers", offset=(x, 0))
        await s.settle()
        assert table.descending and s.screen.view.shown()[0].sid == by_number[-1].sid
        # o steps to the next column, O reverses; :sort alone is the pool's own order
        await s.press("o")
        assert table.sort_column == "friendly" and "Friendly name▲" in table.render_line(0).text
        await s.press("O")
        assert table.descending
        await command(s, "sort")
        assert [n.sid for n in s.screen.view.shown()] == [n.sid for n in order] and table.sort_column is None


# -- filters and jumping ----------------------------------------------------------------------------------

async def test_state_filters_by_key_and_command_say_n_of_m_and_the_text_filter_finds_sids(tmp_path):
    async with running_app(tmp_path) as s:
        order = pool_order(s.account, "deliveries")
        s.hold("deliveries", order[3])
        await s.open_pool("deliveries")
        await s.press("f")  # reserved
        rows = s.table_rows()
        assert len(rows) == 10 and all(r["reserved"] == "reserved" for r in rows)
        assert "10 of 120 shown (reserved)" in s.text("#pager")
        await s.press("f")  # unreserved
        assert "110 of 120 shown (unreserved)" in s.text("#pager")
        await command(s, "filter free")
        assert "109 of 120 shown (free)" in s.text("#pager") and order[3].sid not in numbers_shown(s)
        await command(s, "filter in_use")
        assert numbers_shown(s) == [order[3].sid]
        await command(s, "filter")
        assert "shown" not in s.text("#pager") and len(s.table_rows()) == 50
        # the text filter matches SIDs too (it found nothing for PN2b3d before)
        target = order[117]
        await s.press("slash")
        s.screen.query_one("#filter").value = target.sid[:8]
        await s.settle()
        assert target.sid in numbers_shown(s)
        assert all(sid.lower().startswith(target.sid[:8].lower()) for sid in numbers_shown(s))
        await s.press("escape")
        # state filters together
        await command(s, "filter reserved country:US")
        assert "10 of 120 shown (reserved country:US)" in s.text("#pager")
        await command(s, "filter bogus")
        assert "no filter 'bogus'" in s.text("#command-hint")
        assert s.screen.query_one("#command-bar").is_open  # the error shows in place; the line stays
        assert s.screen.query_one("#command").value == "filter bogus"


async def test_jump_to_first_and_last_pages_a_page_number_and_a_number_or_sid(tmp_path):
    async with running_app(tmp_path) as s:
        order = pool_order(s.account, "deliveries")
        await s.open_pool("deliveries")
        await s.press("G")
        assert "Page 3 of 3" in s.text("#pager") and numbers_shown(s)[0] == order[100].sid
        await s.press("g")
        assert "Page 1 of 3" in s.text("#pager")
        await command(s, "page 2")
        assert numbers_shown(s)[0] == order[50].sid
        await command(s, "page 9")
        assert "there are 3 pages" in s.text("#command-hint")
        await s.press("escape")
        table = s.screen.query_one("#numbers")
        target = order[113]
        await command(s, format_international(target.phone_number))  # "+1 415-555-0213", as shown
        assert "Page 3 of 3" in s.text("#pager") and numbers_shown(s)[table.cursor_row] == target.sid
        await command(s, order[7].sid.lower())
        assert numbers_shown(s)[table.cursor_row] == order[7].sid
        # a number the filter hides: the filter goes, the number shows
        await s.press("f")  # reserved only
        await command(s, order[8].sid)
        assert numbers_shown(s)[table.cursor_row] == order[8].sid and "The filter hid that number" in s.notes_text()
        await command(s, "+19995550000")
        assert "no number or SID '+19995550000' in this pool" in s.text("#command-hint")


# -- marks and bulk --------------------------------------------------------------------------------------

async def test_marks_all_range_and_clear_and_a_mixed_bulk_reserve_says_exactly_what_it_does(tmp_path):
    async with running_app(tmp_path) as s:
        order = pool_order(s.account, "deliveries")
        sid = service_sid(s.account, "deliveries")
        await s.open_pool("deliveries")
        await s.press("f", "asterisk")  # every reserved number (all pages)
        assert "10 marked" in s.text("#pager")
        await s.press("U")
        assert "marked" not in s.text("#pager")
        await s.press("escape")  # the filter goes
        # a range: mark row 4, move to row 7, V marks 4..7
        await s.press("down", "down", "down", "space", "down", "down")
        await s.press("V")
        assert [r["mark"] for r in s.table_rows()[2:8]] == ["", "●", "●", "●", "●", ""]
        assert order[5].is_reserved  # row 6 is a reserved one: a mixed set
        await s.press("r")
        assert s.text("#dialog-title") == "Reserve 3, 1 already reserved"
        assert "1 already reserved stays as it is" in s.text("#confirm-body")
        await s.press("y")
        assert "3 succeeded, 0 failed" in s.text("#bulk-summary")
        await s.press("enter")
        assert all(s.account.get_number(sid, n.sid).is_reserved for n in order[3:7])
        assert "marked" not in s.text("#pager")  # done with, the already reserved one too
        # every count on screen is current at once
        assert "13/5,000" in s.text("#gauge-reserved") and "107/500" in s.text("#gauge-unreserved")
        await s.press("escape")
        assert counts(s.table_rows("#services")[1], "unreserved", "reserved") == ["107/500", "13/5,000"]


# -- export ------------------------------------------------------------------------------------------------

async def test_export_writes_the_rows_shown_as_csv_or_twilios_json_and_says_where(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    async with running_app(tmp_path) as s:
        await s.open_pool("deliveries")
        await command(s, "sort number desc")
        await command(s, "filter unreserved")
        await command(s, "export out.csv")
        by_number = sorted(pool_order(s.account, "deliveries"), key=lambda n: n.phone_number, reverse=True)
        expected = [n for n in by_number if not n.is_reserved]
        rows = list(csv.DictReader(io.StringIO((tmp_path / "out.csv").read_text())))
        assert [r["sid"] for r in rows] == [n.sid for n in expected]  # every page, filter and sort applied
        assert f"Wrote 110 numbers (CSV) to {tmp_path / 'out.csv'}" in s.notes_text()
        await command(s, f"export {tmp_path / 'out.json'}")
        assert json.loads((tmp_path / "out.json").read_text()) == [render_number(n) for n in expected]
        await command(s, "export /no/such/folder/out.csv")
        assert "Nothing written: cannot write /no/such/folder/out.csv: No such file or directory" in s.notes_text()
        await command(s, "export out.txt")
        assert "export writes a .csv or a .json file" in s.notes_text()


# -- command mode ----------------------------------------------------------------------------------------

async def test_command_mode_completes_and_remembers(tmp_path):
    async with running_app(tmp_path) as s:
        await s.open_pool("support-line")
        await s.press("colon", "s", "o", "tab")
        box = s.screen.query_one("#command")
        assert box.value == "sort "
        await s.press("i", "n", "tab")
        assert box.value == "sort in_use "
        await s.press("d", "tab", "enter")
        assert s.screen.view.sort is not None and s.screen.view.sort.descending
        assert not s.screen.query_one("#command-bar").is_open and s.screen.query_one("#numbers").has_focus
        await s.press("colon", "p", "tab")  # two commands start with p? no: page
        assert box.value == "page "
        await s.press("escape", "colon", "up")
        assert box.value == "sort in_use desc"
        await s.press("down")
        assert box.value == ""
        await s.press("s", "tab")
        assert box.value == "s" and "services  sort" in s.text("#command-hint")  # both, in the hint
        await s.press("tab")
        assert box.value == "services"
        await s.press("tab")
        assert box.value == "sort"
        await s.press("escape")
        await command(s, "services")
        assert type(s.screen).__name__ == "ServicesScreen"
        await command(s, "marketplace")  # a Service's name (or the start of it) goes to it
        assert s.screen.highlighted().unique_name == "marketplace-eu"
        await command(s, "quit")
        assert not s.app.is_running


# -- the raw view and copying ----------------------------------------------------------------------------

async def test_enter_shows_the_numbers_twilio_json_and_sessions_and_y_copies(tmp_path):
    async with running_app(tmp_path) as s:
        first = pool_order(s.account, "support-line")[0]
        session = s.hold("support-line", first)
        await s.open_pool("support-line")
        await s.press("y")
        assert s.app.clipboard == first.phone_number
        await s.press("Y")
        assert s.app.clipboard == first.sid
        await s.press("enter")
        assert type(s.screen).__name__ == "RawViewScreen"
        current = s.account.get_number(service_sid(s.account, "support-line"), first.sid)
        assert s.screen.json == json.dumps(render_number(current), indent=2)
        assert f'"sid": "{first.sid}"' in s.text("#raw-json") and '"in_use": 1' in s.text("#raw-json")
        assert session in s.text("#raw-sessions") and "+14155550999" in s.text("#raw-sessions")
        # the url, longer than the dialog, is folded onto the next line as drawn, not cut at the edge
        shown = s.app.screen.query_one("#raw-json")
        drawn = "".join(strip.text.strip() for strip in shown.render_lines(shown.size.region))
        assert render_number(current)["url"] in drawn
        await s.press("y")
        assert parse_number(json.loads(s.app.clipboard)) == current
        await s.press("escape")
        assert type(s.screen).__name__ == "PoolScreen"


# -- key bursts --------------------------------------------------------------------------------------------

async def test_keys_typed_in_a_burst_land_where_they_were_typed(tmp_path):
    async with running_app(tmp_path, page_size=5) as s:
        await s.open_pool("deliveries")  # 120 numbers, 24 pages of 5
        await s.burst(*["n"] * 20)
        assert "Page 21 of 24" in s.text("#pager")
        # `:sort in_use desc` typed at once: all of it reaches the command line (s is not Simulate)
        await s.burst(":", *"sort in_use desc", "enter")
        assert type(s.screen).__name__ == "PoolScreen" and s.screen.view.sort is not None
        assert s.screen.view.sort.column == "in_use" and s.screen.view.sort.descending
        # 60<Tab>3<Tab>8 typed at once into Simulate's fields
        await s.press("s")
        fields = [s.screen.query_one(f"#{name}") for name in ("sim-participants", "sim-each", "sim-length")]
        for box in fields:
            box.value = ""
        fields[0].focus()
        await s.settle()
        await s.burst("6", "0", "tab", "3", "tab", "8")
        assert [box.value for box in fields] == ["60", "3", "8"]
        # at 100x30 Simulate's last parameter box (Mode) is still on screen
        await s.pilot.resize_terminal(100, 30)
        await s.settle()
        mode = s.screen.query_one("#sim-mode")
        assert mode.region.width > 0 and mode.region.right <= 100


# -- the whole pool, streaming in (live) ------------------------------------------------------------------

class Paced:
    """The sandbox as a live account whose pool pages after the first wait until `go` is set
    (what a big pool at Twilio's pace looks like to the app)."""

    kind = "live"

    def __init__(self, inner):
        self.inner = inner
        self.go = asyncio.Event()
        self.asked = 0

    def __getattr__(self, name):
        return getattr(self.inner, name)

    async def list_numbers(self, service_sid, page_size=50, page_token=None):
        self.asked += 1
        if page_token is not None:
            await self.go.wait()
        return await self.inner.list_numbers(service_sid, page_size, page_token)


async def test_a_live_pool_streams_in_with_progress_and_its_first_page_usable_at_once(tmp_path):
    account = build_app_sandbox(tmp_path / "sandbox.json")
    paced = Paced(SandboxBackend(account))
    async with running_app(tmp_path, account=account, backend=paced, wait_workers=False) as s:
        order = pool_order(account, "marketplace-eu")  # 450 numbers: 5 requests of 100
        await s.open_pool("marketplace-eu")
        assert numbers_shown(s) == [n.sid for n in order[:50]]  # usable before the rest has come
        assert "loading 100 of 450 numbers" in s.text("#pager")
        await s.press("r")  # works on what has arrived
        assert s.table_rows()[0]["reserved"] == "reserved"
        await s.press("n", "n", "n")  # page 4 is not here yet: kept, shown when it comes
        assert "Loading page 4…" in s.text("#pager")
        paced.go.set()
        await s.settle()
        assert numbers_shown(s) == [n.sid for n in order[150:200]] and "Page 4 of 9" in s.text("#pager")
        assert paced.asked == 5  # the whole pool read once, 100 a request
        # once read, the gauges are the pool's own counts and include the change made meanwhile
        assert "429/500" in s.text("#gauge-unreserved") and "21/5,000" in s.text("#gauge-reserved")


# -- the Services screen ----------------------------------------------------------------------------------

class SlowCounts:
    """A live-looking account whose pool counts wait until `go` is set."""

    kind = "live"

    def __init__(self, inner):
        self.inner = inner
        self.go = asyncio.Event()

    def __getattr__(self, name):
        return getattr(self.inner, name)

    async def pool_stats(self, service_sid):
        await self.go.wait()
        return await self.inner.pool_stats(service_sid)


async def test_services_list_at_once_counts_fill_in_and_every_count_follows_a_change(tmp_path):
    account = build_app_sandbox(tmp_path / "sandbox.json")
    slow = SlowCounts(SandboxBackend(account))
    async with running_app(tmp_path, account=account, backend=slow, wait_workers=False) as s:
        rows = s.table_rows("#services")
        assert [r["name"] for r in rows] == ["support-line", "deliveries", "marketplace-eu"]  # before any count
        assert {r["pool"] for r in rows} == {"…"} and "counting pools: 0 of 3" in s.text("#totals")
        slow.go.set()
        await s.settle()
        assert counts(s.table_rows("#services")[2], "pool", "unreserved", "reserved") == ["450", "430/500", "20/5,000"]
        assert "585 numbers owned · 578 in pools · 7 spare" in s.text("#totals")
        # a change in a pool: every count follows, there and back on the Services screen
        await s.open_pool("support-line")
        await s.press("d", "y")
        assert "5/500" in s.text("#gauge-unreserved")
        await s.press("escape")
        assert counts(s.table_rows("#services")[0], "pool", "unreserved") == ["7", "5/500"]
        assert "577 in pools · 8 spare" in s.text("#totals")


class CountsListings:
    def __init__(self, inner):
        self.inner, self.listed = inner, 0

    def __getattr__(self, name):
        return getattr(self.inner, name)

    async def list_account_numbers(self, *args):
        self.listed += 1
        return await self.inner.list_account_numbers(*args)


async def test_a_sandbox_counts_the_accounts_numbers_without_listing_them(tmp_path):
    # 55,000 owned numbers were 550 listed pages before the Services screen settled (1.1 s)
    account = build_app_sandbox(tmp_path / "sandbox.json")
    counting = CountsListings(SandboxBackend(account))
    async with running_app(tmp_path, account=account, backend=counting) as s:
        assert "585 numbers owned · 578 in pools · 7 spare" in s.text("#totals")
        assert counting.listed == 0


# -- contexts ----------------------------------------------------------------------------------------------

async def test_ctx_lists_the_worlds_and_switches_to_another_sandbox(tmp_path):
    from tui.contexts import remember_sandbox
    from tui.launch import worlds

    other_path = tmp_path / "other" / "training.json"
    other_path.parent.mkdir()
    other = build_app_sandbox(other_path, seed=11)
    other_sid = other.account_sid
    other_services = [service.sid for service in other.list_services(50).items]
    other.close()
    remember_sandbox(other_path)
    account = build_app_sandbox(tmp_path / "sandbox.json")
    import argparse

    async with running_app(tmp_path, account=account, worlds=worlds(argparse.Namespace(base_url=None))) as s:
        await command(s, "ctx")
        assert type(s.screen).__name__ == "ContextScreen"
        names = [str(o.id) for o in s.screen.query_one("#contexts").options]
        assert names[0] == "sandbox" and "sandbox:training" in names
        await s.press("escape")
        await command(s, "ctx nowhere")
        assert "No context 'nowhere'" in s.notes_text()
        await command(s, "ctx sandbox:tr")
        await s.settle()
        assert type(s.screen).__name__ == "ServicesScreen"
        # the badge names the new world (a long path loses its middle at this width, never its file name)
        badge = s.text("#world-badge").strip()
        assert badge.startswith(f"SANDBOX AC…{other_sid[-4:]} ") and badge.endswith("/training.json")
        assert s.app.screen.world.badge.strip() == f"SANDBOX AC…{other_sid[-4:]} {other_path.resolve()}"
        assert s.app.backend.account_sid == other_sid
        assert "Now in SANDBOX" in s.notes_text()
        # the screen shows the new world's Services, with their counts, and its keys work as before
        table = s.screen.query_one("#services")
        assert list(table.rows) == other_services and s.app.focused is table, s.app.focused
        assert "Account:" in s.text("#totals") and "3 Services" in s.text("#status")
        await s.press("slash")
        assert s.screen.query_one("#filter").display
        await s.press("escape")
        await command(s, "ctx")
        assert type(s.screen).__name__ == "ContextScreen"
        await s.press("escape")
        assert len(s.app.screen_stack) == 1  # the Services screen is the first, never one on another
    # the first sandbox was let go when the app left it: it opens again at once
    from sandbox.account import SandboxAccount

    SandboxAccount.open(tmp_path / "sandbox.json").close()


# -- the layout at three sizes -------------------------------------------------------------------------------

def footer_keys(s) -> list[str]:
    """The keys the footer drew, each checked to be on the footer's line as drawn."""
    footer = s.screen.query_one("KeyFooter")
    line = footer.render().plain
    for key in footer.drawn:
        assert line[key.start:key.end].split(" ")[0] == s.app.get_key_display(Binding(key.key, key.action))
    assert len(line) <= footer.size.width
    return footer.shown_keys


async def test_columns_and_footer_fit_100x30_160x45_and_220x60(tmp_path):
    async with running_app(tmp_path, size=(100, 30)) as s:
        services = s.screen.query_one("#services")
        assert services.visible_columns[:4] == ["name", "pool", "unreserved", "reserved"]
        assert "sid" not in services.visible_columns
        assert {"q", "question_mark", "enter", "slash", "colon"} <= set(footer_keys(s))
        await s.open_pool("deliveries")
        table = s.screen.query_one("#numbers")
        assert table.visible_columns == ["mark", "number", "friendly", "country", "reserved", "in_use", "sid"]
        assert {"a", "q", "question_mark", "r", "d", "n", "p"} <= set(footer_keys(s))
        in_use = s.screen.query_one("#in-use-count")
        assert "In use: 0" in s.text("#in-use-count") and in_use.region.right <= 100
        assert in_use.region.width >= len("In use: 0")
        assert table.virtual_size.width <= table.scrollable_content_region.width  # nothing cut, no sideways scroll
        await s.pilot.resize_terminal(160, 45)
        await s.settle()
        assert table.visible_columns[-4:] == ["sid", "added", "updated"][-3:] or "added" in table.visible_columns
        assert "caps" in table.visible_columns
        await s.pilot.resize_terminal(220, 60)
        await s.settle()
        assert len(table.visible_columns) == 10 and table.virtual_size.width >= 200  # the table uses the width
        assert {"s", "v", "D", "ctrl+r", "f", "o"} <= set(footer_keys(s))


def test_the_live_badge_names_a_host_that_is_not_twilios():
    from tui.app import world_of
    from tui.live.client import LiveBackend
    from tui.live.credentials import Credentials

    creds = Credentials("AC" + "1" * 30 + "ab12", "AC" + "1" * 30 + "ab12", "secret-token", source="test")
    local = world_of(LiveBackend(creds, base_url="http://127.0.0.1:8765"))
    assert local.badge.strip() == "LIVE AC…ab12 @ 127.0.0.1:8765"
    assert world_of(LiveBackend(creds)).badge.strip() == "LIVE AC…ab12"
    assert "secret-token" not in local.badge


def test_the_contexts_are_the_default_sandbox_recent_files_profiles_and_the_environment(tmp_path):
    import argparse

    from tui.contexts import available, named, remember_sandbox
    from tui.launch import worlds

    recent = tmp_path / "recent.json"
    for name in ("a.json", "b.json", "a.json"):
        remember_sandbox(tmp_path / name, recent)
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"profiles": {"prod": {"accountSid": "AC" + "2" * 32, "apiKey": "SK" + "3" * 32,
                                                        "apiSecret": "s3cret"}},
                                  "projects": [{"id": "old"}]}))
    env = {"TWILIO_ACCOUNT_SID": "AC" + "4" * 28 + "9f9f", "TWILIO_AUTH_TOKEN": "t0ken"}
    found = available(worlds(argparse.Namespace(base_url=None)), env, recent=recent, config_path=config)
    assert [c.name for c in found] == ["sandbox", "sandbox:a", "sandbox:b", "profile:old", "profile:prod", "env"]
    assert found[1].path == (tmp_path / "a.json").resolve()  # the last opened first
    assert found[-1].detail == "the environment's credentials (AC…9f9f)"
    assert not any("s3cret" in c.detail or "t0ken" in c.detail for c in found)
    assert named(found, "profile:p").profile == "prod" and named(found, "sandbox:") is None
