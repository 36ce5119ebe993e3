"""The pool screen: paging, reserving, removing, marks and bulk actions, the filter.

Every test drives the app with keys on a temporary sandbox and checks both what the
screen shows and what the sandbox holds afterwards.
"""

from __future__ import annotations

from tests.app_fixtures import running_app, service_sid
from tests.paging import every_item
from tui.core.phone import format_international


def pool_order(account, name):
    """The pool's numbers in the backend's order (what the pages show)."""
    return every_item(account.list_numbers, service_sid(account, name))


def counts(row: dict[str, str], *keys: str) -> list[str]:
    """The figures of a Services row's cells (a gauge cell is a bar, then value/limit)."""
    return [row[k].split()[-1] for k in keys]


async def test_services_to_pool_shows_first_page_and_gauges(tmp_path):
    async with running_app(tmp_path) as s:
        rows = s.table_rows("#services")
        assert [r["name"] for r in rows] == ["support-line", "deliveries", "marketplace-eu"]
        assert counts(rows[1], "pool", "unreserved", "reserved") == ["120", "110/500", "10/5,000"]
        pool = await s.open_pool("deliveries")
        assert type(pool).__name__ == "PoolScreen"
        expected = pool_order(s.account, "deliveries")
        rows = s.table_rows()
        assert len(rows) == 50
        assert rows[0]["number"] == format_international(expected[0].phone_number)
        assert rows[0]["sid"] == expected[0].sid
        pager = s.text("#pager")
        assert "Page 1 of 3" in pager and "numbers 1–50 of 120" in pager and "loading" not in pager
        assert "110/500" in s.text("#gauge-unreserved") and "10/5,000" in s.text("#gauge-reserved")
        assert "-warning" not in s.screen.query_one("#gauge-unreserved").classes
        # the detail pane follows the highlight
        await s.press("down")
        assert expected[1].sid in s.text("#detail")


async def test_gauge_turns_to_warning_at_85_percent(tmp_path):
    async with running_app(tmp_path) as s:
        await s.open_pool("marketplace-eu")
        gauge = s.screen.query_one("#gauge-unreserved")
        assert "430/500" in s.text("#gauge-unreserved")
        assert gauge.has_class("-warning")
        assert not s.screen.query_one("#gauge-reserved").has_class("-warning")


async def test_next_and_previous_page_with_keys_and_table_edges(tmp_path):
    async with running_app(tmp_path) as s:
        await s.open_pool("deliveries")
        expected = pool_order(s.account, "deliveries")
        await s.press("n")
        assert s.table_rows()[0]["sid"] == expected[50].sid
        assert "Page 2 of 3" in s.text("#pager") and "51–100" in s.text("#pager")
        await s.press("n")
        rows = s.table_rows()
        assert [r["sid"] for r in rows] == [n.sid for n in expected[100:]]
        await s.press("n")  # no page 4
        assert "last page" in s.notes_text()
        assert s.table_rows()[0]["sid"] == expected[100].sid
        await s.press("p")
        assert s.table_rows()[0]["sid"] == expected[50].sid
        # page-up on the first row goes to the previous page, with the cursor on its last row
        await s.press("pageup")
        table = s.screen.query_one("#numbers")
        assert s.table_rows()[0]["sid"] == expected[0].sid
        assert table.cursor_row == 49
        # page-down on the last row goes to the next page
        await s.press("pagedown")
        assert s.table_rows()[0]["sid"] == expected[50].sid
        assert table.cursor_row == 0


async def test_page_size_option_sets_rows_per_page(tmp_path):
    async with running_app(tmp_path, page_size=20) as s:
        await s.open_pool("deliveries")
        assert len(s.table_rows()) == 20
        assert "Page 1 of 6" in s.text("#pager")


async def test_r_toggles_reservation_and_saves_it(tmp_path):
    async with running_app(tmp_path) as s:
        await s.open_pool("support-line")
        first = pool_order(s.account, "support-line")[0]
        assert not first.is_reserved
        await s.press("r")
        assert s.table_rows()[0]["reserved"] == "reserved"
        sid = service_sid(s.account, "support-line")
        assert s.account.get_number(sid, first.sid).is_reserved
        assert "3/5,000" in s.text("#gauge-reserved")
        await s.press("r")
        assert s.table_rows()[0]["reserved"] == "-"
        assert not s.account.get_number(sid, first.sid).is_reserved


async def test_refused_reservation_rolls_back_with_twilio_code(tmp_path):
    """Unreserving in a pool with 500 unreserved numbers: Twilio answers 80622; the row goes back."""
    async with running_app(tmp_path) as s:
        account = s.account
        sid = service_sid(account, "marketplace-eu")
        # 430 + 70 more from a fresh set of numbers: the unreserved limit exactly
        extra = account.buy_numbers([{"phone_number": f"+1305555{i:04d}"} for i in range(70)])
        account.add_numbers_bulk(sid, [(n.sid, False) for n in extra])
        assert account.pool_stats(sid).unreserved == 500
        await s.open_pool("marketplace-eu")
        # the reserved ones are numbers 431..450: on page 9 of 50-number pages (after the added ones, 11)
        reserved = next(n for n in pool_order(account, "marketplace-eu") if n.is_reserved)
        await s.press("slash", *reserved.phone_number[-4:], "enter")
        rows = s.table_rows()
        assert rows[0]["sid"] == reserved.sid and rows[0]["reserved"] == "reserved"
        await s.press("r")
        assert s.table_rows()[0]["reserved"] == "reserved"  # rolled back
        assert "80622" in s.notes_text() and "Maximum Pool Size" in s.notes_text()
        # full is full: the gauge says so, not "near the limit"
        gauge = s.text("#gauge-unreserved")
        assert "500/500" in gauge and "full" in gauge and "near the limit" not in gauge
        assert account.get_number(sid, reserved.sid).is_reserved
        assert account.pool_stats(sid).unreserved == 500


async def test_remove_asks_naming_number_service_and_in_use_then_removes(tmp_path):
    async with running_app(tmp_path) as s:
        await s.open_pool("support-line")
        sid = service_sid(s.account, "support-line")
        first = pool_order(s.account, "support-line")[0]
        await s.press("d")
        body = s.text("#confirm-body")
        assert format_international(first.phone_number) in body and "support-line" in body
        assert "in_use: 0" in body
        await s.press("y")
        assert first.sid not in [r["sid"] for r in s.table_rows()]
        assert first.sid not in [n.sid for n in pool_order(s.account, "support-line")]
        assert s.account.pool_stats(sid).total == 7
        assert "Removed" in s.notes_text()


async def test_remove_cancelled_with_n_or_escape_changes_nothing(tmp_path):
    async with running_app(tmp_path) as s:
        await s.open_pool("support-line")
        before = [n.sid for n in pool_order(s.account, "support-line")]
        await s.press("d")
        await s.press("n")
        assert type(s.screen).__name__ == "PoolScreen"
        await s.press("delete")
        assert type(s.screen).__name__ == "ConfirmScreen"
        await s.press("escape")
        await s.press("d", "enter")  # enter lands on Cancel, never on Remove
        assert [r["sid"] for r in s.table_rows()] == before
        assert [n.sid for n in pool_order(s.account, "support-line")] == before


async def test_remove_refused_80611_offers_to_reserve_so_it_drains(tmp_path):
    async with running_app(tmp_path) as s:
        first = pool_order(s.account, "support-line")[0]
        for identifier in ("+14155550901", "+14155550902"):  # two active sessions hold it
            s.hold("support-line", first, identifier)
        await s.open_pool("support-line")
        assert s.table_rows()[0]["in_use"] == "2"
        await s.press("d")
        assert "in_use: 2" in s.text("#confirm-body")
        await s.press("y")
        assert "80611" in s.notes_text() and "Proxy Number In Active Sessions" in s.notes_text()
        assert type(s.screen).__name__ == "ConfirmScreen"
        body = s.text("#confirm-body")
        assert "Error 80611" in body and "https://www.twilio.com/docs/errors/80611" in body
        assert f"Drain {format_international(first.phone_number)} now?" in body
        await s.press("y")
        sid = service_sid(s.account, "support-line")
        number = s.account.get_number(sid, first.sid)
        assert number.is_reserved  # still in the pool, now reserved and draining (tests/test_app_traffic.py)
        assert s.table_rows()[0]["reserved"] == "draining"


async def test_marks_and_bulk_reserve_with_progress_and_summary(tmp_path):
    async with running_app(tmp_path) as s:
        await s.open_pool("deliveries")
        order = pool_order(s.account, "deliveries")
        await s.press("space", "space", "space")  # marks rows 1-3, the cursor moves down each time
        assert [r["mark"] for r in s.table_rows()[:4]] == ["●", "●", "●", ""]
        assert "3 marked" in s.text("#pager")
        await s.press("r")
        assert "Reserve 3 numbers in Service deliveries?" in s.text("#confirm-body")
        await s.press("y")
        assert type(s.screen).__name__ == "BulkScreen"
        assert "3 succeeded, 0 failed" in s.text("#bulk-summary")
        assert s.screen.query_one("#bulk-progress").progress == 3
        await s.press("enter")
        sid = service_sid(s.account, "deliveries")
        assert all(s.account.get_number(sid, n.sid).is_reserved for n in order[:3])
        assert [r["reserved"] for r in s.table_rows()[:3]] == ["reserved"] * 3
        assert "marked" not in s.text("#pager")


async def test_bulk_remove_reports_per_number_and_keeps_failures_marked(tmp_path):
    async with running_app(tmp_path) as s:
        order = pool_order(s.account, "support-line")
        s.hold("support-line", order[1])  # a reserved number, held explicitly: in_use 1
        await s.open_pool("support-line")
        await s.press("space", "space", "space")
        await s.press("d")
        assert "Remove 3 numbers from Service support-line?" in s.text("#confirm-body") and \
            "1 of them is in active sessions" in s.text("#confirm-body")
        await s.press("y")
        log = "\n".join(s.screen.query_one("#bulk-log").lines)
        assert "2 succeeded, 1 failed" in s.text("#bulk-summary")
        assert f"FAIL {order[1].phone_number}" in log and order[1].sid in log and "80611" in log
        await s.press("escape")
        remaining = [n.sid for n in pool_order(s.account, "support-line")]
        assert order[0].sid not in remaining and order[2].sid not in remaining and order[1].sid in remaining
        assert "1 marked" in s.text("#pager")
        # escape clears the marks first, then goes back
        await s.press("escape")
        assert "marked" not in s.text("#pager")
        await s.press("escape")
        assert type(s.screen).__name__ == "ServicesScreen"
        assert s.table_rows("#services")[0]["pool"] == "6"


async def test_filter_searches_the_whole_pool(tmp_path):
    async with running_app(tmp_path) as s:
        await s.open_pool("deliveries")
        order = pool_order(s.account, "deliveries")
        target = order[113]  # "Deliveries Dispatch 114", on the last page
        await s.press("slash", *"Dispatch 1")
        rows = s.table_rows()
        names = [r["friendly"] for r in rows]
        assert names == ["Deliveries Dispatch 10", "Deliveries Dispatch 18", "Deliveries Dispatch 106",
                         "Deliveries Dispatch 114"]
        assert target.friendly_name in names
        assert "4 of 120 shown ('Dispatch 1')" in s.text("#pager")
        await s.press("escape")
        assert len(s.table_rows()) == 50 and "Page 1 of 3" in s.text("#pager")
        # by country, and by number typed with spaces
        await s.press("slash", *"415 555 0150")
        assert [r["number"] for r in s.table_rows()] == ["+1 415-555-0150"]


async def test_escape_goes_back_and_q_quits(tmp_path):
    async with running_app(tmp_path) as s:
        await s.open_pool("support-line")
        await s.press("escape")
        assert type(s.screen).__name__ == "ServicesScreen"
        await s.press("q")
        assert not s.app.is_running
