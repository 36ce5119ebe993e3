"""The pool screen's plain state (tui/state) and its texts, without a running app.

The page cache, the filter, drains, marks, pending reservations, the simulations registry;
then the pager line and the confirmation bodies the screen shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import pytest

from tui.core.resources import Capabilities, PhoneNumber, PoolStats, Service
from tui.screens.messages import ErrorReport
from tui.screens.pool_texts import bulk_plan, drain_body, drain_offer_body, pager_text, remove_body
from tui.state.drains import Drains
from tui.state.marks import Marks
from tui.state.page_cache import Arrival, PageCache, Where
from tui.state.pending import PendingReservations, stats_after
from tui.state.pool_filter import PoolFilter, Redraw, matches
from tui.state.simulations import Simulations
from tui.widgets.cells import (
    capabilities_tag,
    capabilities_words,
    drain_status,
    format_minute,
    format_ttl,
    in_use_cell,
    limit_cell,
    mark_cell,
    reserved_cell,
)

WHEN = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
SERVICE = Service("KS" + "0" * 32, "support-line", "AC" + "0" * 32, WHEN, WHEN)


def number(i: int, *, name: str | None = None, country: str = "US", reserved: bool = False,
           in_use: int = 0) -> PhoneNumber:
    return PhoneNumber(sid=f"PN{i:032x}", account_sid="AC" + "0" * 32, service_sid=SERVICE.sid,
                       phone_number=f"+1415555{i:04d}", date_created=WHEN, date_updated=WHEN,
                       friendly_name=name if name is not None else f"Line {i}", iso_country=country,
                       is_reserved=reserved, in_use=in_use)


def numbers(start: int, count: int) -> list[PhoneNumber]:
    return [number(i) for i in range(start, start + count)]


# -- the page cache ----------------------------------------------------------------------------------

def test_a_new_cache_waits_for_page_0_and_knows_only_its_token():
    cache = PageCache(50)
    assert cache.waiting_for == 0 and cache.index == 0 and cache.tokens == {0: None}
    assert cache.locate(0) is Where.FETCH and cache.locate(1) is Where.UNKNOWN
    assert cache.locate(-1) is Where.BEFORE_FIRST
    assert cache.start(0) and not cache.start(0)  # in flight: not asked twice
    assert not cache.start(1)  # its token is not known yet
    assert cache.token(0) is None


def test_pages_arrive_tokens_follow_and_the_waited_page_is_shown():
    cache = PageCache(50)
    cache.start(0)
    assert cache.loaded(0, numbers(0, 50), "t1") is Arrival.SHOW
    assert cache.waiting_for is None and cache.in_flight == set()
    assert cache.tokens == {0: None, 1: "t1"} and cache.last_index is None
    assert cache.prefetch_index() == 1 and not cache.next_ready()
    cache.start(1)
    assert cache.loaded(1, numbers(50, 50), "t2") is Arrival.STORED  # a prefetch nobody waits for
    assert cache.next_ready() and cache.prefetch_index() is None
    assert cache.locate(1) is Where.CACHED and cache.locate(2) is Where.FETCH
    cache.wait_for(2, "bottom")
    cache.start(2)
    assert cache.loaded(2, numbers(100, 20), None) is Arrival.SHOW
    assert cache.index == 2 and cache.last_index == 2 and cache.at_last()
    assert cache.cursor_on_show == "bottom"
    assert cache.locate(3) is Where.AFTER_LAST
    assert cache.first_position() == 101 and cache.page_count(120) == 3


def test_the_stride_is_what_the_server_pages_by():
    cache = PageCache(50)
    cache.loaded(0, numbers(0, 40), "t1")  # the server answered 40 a page
    assert cache.stride == 40 and cache.page_count(120) == 3
    single = PageCache(50)
    single.loaded(0, numbers(0, 8), None)  # a last page says nothing of the stride
    assert single.stride == 50


def test_a_page_that_came_back_empty_no_longer_exists():
    cache = PageCache(50)
    cache.loaded(0, numbers(0, 50), "t1")
    cache.wait_for(1, "top")
    assert cache.loaded(1, [], None) is Arrival.GONE_WHILE_WAITING
    assert cache.last_index == 0 and 1 not in cache.tokens and cache.waiting_for is None
    other = PageCache(50)
    other.loaded(0, numbers(0, 50), "t1")
    assert other.loaded(1, [], None) is Arrival.GONE  # a prefetch: nobody waited
    assert other.last_index == 0
    # page 0 empty is an empty pool, not a vanished page
    empty = PageCache(50)
    assert empty.loaded(0, [], None) is Arrival.SHOW and empty.pages == {0: []}


def test_a_next_token_reopens_a_page_that_was_last():
    cache = PageCache(50)
    cache.loaded(0, numbers(0, 50), None)
    assert cache.last_index == 0
    cache.loaded(0, numbers(0, 50), "t1")  # the pool grew
    assert cache.last_index is None and cache.tokens[1] == "t1"


def test_a_failed_page_is_asked_again_and_only_a_waited_one_concerns_the_screen():
    cache = PageCache(50)
    cache.start(0)
    assert cache.failed(0, prefetch=False) and cache.waiting_for is None and cache.in_flight == set()
    cache.loaded(0, numbers(0, 50), "t1")
    cache.start(1)
    assert not cache.failed(1, prefetch=True)
    assert cache.start(1)  # may be asked again


def test_reset_drops_pages_keeps_tokens_up_to_the_current_page_and_moves_the_generation():
    cache = PageCache(50)
    cache.loaded(0, numbers(0, 50), "t1")
    cache.loaded(1, numbers(50, 50), "t2")
    cache.loaded(2, numbers(100, 20), None)
    cache.index = 1
    cache.start(2)
    cache.reset(7)
    assert cache.pages == {} and cache.in_flight == set() and cache.last_index is None
    assert cache.tokens == {0: None, 1: "t1"}
    assert cache.waiting_for == 1 and cache.cursor_on_show == 7
    assert cache.generation == 1 and cache.is_current(1) and not cache.is_current(0)


def test_replace_and_drop_reach_every_cached_page():
    cache = PageCache(50)
    cache.loaded(0, numbers(0, 3), "t1")
    cache.loaded(1, numbers(3, 3), None)
    changed = replace(number(4), is_reserved=True)
    cache.replace(changed)
    assert cache.pages[1][1] == changed
    cache.drop(number(0).sid)
    assert [n.sid for n in cache.current() or []] == [number(1).sid, number(2).sid]


# -- the filter -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("needle", "hit"), [
    ("415 555 0007", True), ("+1 (415) 555-0007", True), ("0007", True), ("0008", False),
    ("line 7", True), ("LINE", True), ("us", True), ("u", False), ("- .", False),
])
def test_the_match_rule(needle, hit):
    assert matches(number(7), needle) is hit


def test_the_match_rule_reads_the_international_form():
    assert matches(number(7, name=""), "+1 415-555-0007")


def test_a_filter_scans_once_and_pages_through_its_matches():
    f = PoolFilter(2)
    f.text = "line"
    assert f.active and f.begin_scan() and not f.begin_scan()
    assert f.scanned(numbers(0, 3), done=False) is Redraw.PAGE  # the first page of matches filled
    assert len(f.found) == 3 and not f.scan_done
    assert f.page_count() == 2 and f.has_page(1) and not f.has_page(2) and not f.has_page(-1)
    assert [n.sid for n in f.turn_to(1)] == [number(2).sid] and f.index == 1
    assert f.scanned(numbers(3, 1), done=True) is Redraw.PAGE  # page 2 was not full
    f.turn_to(0)
    assert f.scanned([], done=True) is Redraw.PAGER  # nothing new on a full page
    assert "Filter 'line': 4 matches · page 1 of 2" == f.summary()


def test_the_summary_counts_the_scan_while_it_runs():
    f = PoolFilter(50)
    f.text = "7"
    f.begin_scan()
    f.scanned(numbers(0, 20), done=False)
    assert f.summary() == "Filter '7': 2 matches, searching… 20 scanned · page 1 of 1"


def test_refilter_keeps_or_resets_the_page():
    f = PoolFilter(1)
    f.text = "line"
    f.begin_scan()
    f.scanned(numbers(0, 3), done=True)
    f.turn_to(2)
    f.refilter(keep_page=True)
    assert f.index == 2
    f.text = "line 1"
    f.refilter(keep_page=False)
    assert f.index == 0 and [n.sid for n in f.found] == [number(1).sid]


def test_a_batch_after_the_filter_was_cleared_or_emptied_changes_nothing_shown():
    f = PoolFilter(50)
    assert f.scanned(numbers(0, 3), done=True) is Redraw.NOTHING and f.scan is None
    f.text = "line"
    f.begin_scan()
    f.text = ""
    assert f.scanned(numbers(0, 3), done=True) is Redraw.NOTHING and len(f.scan or []) == 3
    f.clear()
    assert f.scan is None and f.found == [] and not f.scan_done and not f.active


def test_stale_drops_a_scan_only_when_no_filter_shows_it():
    f = PoolFilter(50)
    f.begin_scan()
    f.stale()
    assert f.scan is None
    f.text = "x"
    f.begin_scan()
    f.stale()
    assert f.scan == []


def test_an_added_number_joins_a_finished_scan_only():
    f = PoolFilter(50)
    assert not f.added(number(1))
    f.begin_scan()
    assert not f.added(number(1)) and f.scan == []  # a scan under way reads it itself
    f.scanned([], done=True)
    assert not f.added(number(1)) and len(f.scan or []) == 1  # no filter shown: nothing to recount
    f.text = "line"
    assert f.added(number(2))


def test_the_filter_follows_changes_and_removals():
    f = PoolFilter(50)
    f.text = "line"
    f.begin_scan()
    f.scanned(numbers(0, 3), done=True)
    changed = replace(number(1), is_reserved=True)
    f.replace(changed)
    assert (f.scan or [])[1] == changed and f.found[1] == changed
    f.drop(number(0).sid)
    assert number(0).sid not in {n.sid for n in f.found} | {n.sid for n in f.scan or []}


# -- drains -------------------------------------------------------------------------------------------

@dataclass
class FakeTimer:
    stopped: int = 0

    def stop(self) -> None:
        self.stopped += 1


def test_a_drain_gets_its_poll_once_reserved_and_one_read_at_a_time():
    drains = Drains()
    sid = number(1).sid
    assert drains.start(sid) and not drains.start(sid)
    assert sid in drains and len(drains) == 1
    assert drains.needs_handle(sid) and drains.handle(sid) is None
    timer = FakeTimer()
    drains.set_handle(sid, timer)
    assert not drains.needs_handle(sid) and drains.handle(sid) is timer
    assert drains.begin_poll(sid) and not drains.begin_poll(sid)  # a read in flight
    assert drains.polled(sid) and drains.polling == set()
    assert drains.begin_poll(sid)
    drains.stop(sid)
    assert timer.stopped == 1 and sid not in drains and drains.polling == set()
    assert not drains.polled(sid)  # the read came back after the cancel
    assert not drains.begin_poll(sid) and not drains.needs_handle(sid)


def test_stop_all_stops_every_timer_and_says_how_many():
    drains = Drains()
    timers = [FakeTimer(), FakeTimer()]
    for i, timer in enumerate(timers):
        drains.start(number(i).sid)
        drains.set_handle(number(i).sid, timer)
    drains.start(number(9).sid)  # not reserved yet: no timer
    assert drains.stop_all() == 3 and len(drains) == 0
    assert [t.stopped for t in timers] == [1, 1]
    drains.stop(number(0).sid)  # stopping twice is harmless
    assert timers[0].stopped == 1


# -- marks and pending reservations --------------------------------------------------------------------

def test_marks_toggle_keep_order_follow_changes_and_clear():
    marks = Marks()
    assert marks.toggle(number(2)) and marks.toggle(number(1))
    assert [n.sid for n in marks.numbers()] == [number(2).sid, number(1).sid]
    assert not marks.toggle(number(2)) and number(2).sid not in marks and len(marks) == 1
    changed = replace(number(1), is_reserved=True)
    marks.replace(changed)
    marks.replace(number(5))  # not marked: stays unmarked
    assert marks.numbers() == [changed] and number(5).sid not in marks
    marks.drop(number(7).sid)
    assert marks.clear() == [changed] and len(marks) == 0 and not marks


def test_pending_counts_each_change_in_flight():
    pending = PendingReservations()
    sid = number(1).sid
    pending.begin(sid)
    pending.begin(sid)
    pending.settle(sid)
    assert sid in pending
    pending.settle(sid)
    assert sid not in pending
    pending.settle(sid)  # a stray reply
    assert sid not in pending


def test_stats_after_moves_one_number_between_the_counts():
    stats = PoolStats(SERVICE.sid, reserved=2, unreserved=6)
    assert stats_after(stats, False, True) == replace(stats, reserved=3, unreserved=5)
    assert stats_after(stats, True, False) == replace(stats, reserved=1, unreserved=7)
    assert stats_after(stats, True, True) is stats


# -- the simulations registry ------------------------------------------------------------------------------

@dataclass
class FakeRun:
    params: str
    tick: int = 0
    open: dict = field(default_factory=dict)


def test_a_service_keeps_its_run_until_new_parameters_meet_a_run_not_started():
    runs: Simulations[FakeRun] = Simulations()
    assert runs.get("KS1") is None
    first = runs.run_for("KS1", "a", lambda: FakeRun("a"))
    assert runs.get("KS1") is first and runs.run_for("KS1", "a", lambda: FakeRun("a")) is first
    second = runs.run_for("KS1", "b", lambda: FakeRun("b"))  # not started: replaced
    assert second is not first and second.params == "b"
    second.tick = 3
    assert runs.run_for("KS1", "c", lambda: FakeRun("c")) is second  # under way: kept
    second.tick, second.open = 0, {"KC1": object()}
    assert runs.run_for("KS1", "c", lambda: FakeRun("c")) is second  # sessions open: kept
    assert runs.run_for("KS2", "a", lambda: FakeRun("a")) is not second  # one run per Service


# -- cells --------------------------------------------------------------------------------------------------

def test_cells():
    assert capabilities_tag(Capabilities(voice=True, sms=False, mms=True)) == "V - M -"
    assert capabilities_words(Capabilities(voice=False, sms=False)) == "none"
    assert capabilities_words(Capabilities(mms=True, fax=True)) == "voice, SMS, MMS, fax"
    assert [format_ttl(s) for s in (0, 3600, 86400, 90, 120)] == ["none", "1h", "1d", "90s", "2m"]
    assert format_minute(WHEN) == "2025-03-14 09:30" and format_minute(None) == "-"
    assert str(limit_cell(430, 500, True)) == "430/500" and limit_cell(430, 500, True).style == "bold yellow"
    assert mark_cell(False) == "" and str(mark_cell(True)) == "●"
    assert str(reserved_cell(number(1))) == "-" and str(reserved_cell(number(1, reserved=True), True)) == "reserved…"
    assert str(reserved_cell(number(1), pending=True, draining=True)) == "draining"
    assert str(in_use_cell(number(1, in_use=3))) == "3"
    assert drain_status(number(1, in_use=2)) == "draining: 2 sessions left (removed when 0; D cancels)"
    assert drain_status(number(1)) == "draining: no session left, removing…"


# -- the pool screen's texts -------------------------------------------------------------------------------

def test_the_pager_line():
    cache, f = PageCache(50), PoolFilter(50)
    assert pager_text(cache, f, None, 0, 0) == "Loading page 1…"
    cache.loaded(0, numbers(0, 50), "t1")
    assert pager_text(cache, f, 120, 50, 0) == "Page 1 of 3 · numbers 1–50 of 120"
    cache.loaded(1, numbers(50, 50), "t2")
    assert pager_text(cache, f, None, 50, 2) == \
        "Page 1 · numbers 1–50 · next page ready · 2 marked (r/d act on them, escape clears)"
    cache.wait_for(2, "top")
    assert pager_text(cache, f, 120, 50, 0).endswith("loading page 3…")
    cache.loaded(2, numbers(100, 20), None)
    assert pager_text(cache, f, 120, 20, 0) == "Page 3 of 3 · numbers 101–120 of 120 · last page"
    assert pager_text(PageCache(50), f, 0, 0, 0) == "Loading page 1…"
    f.text = "x"
    assert pager_text(cache, f, 120, 0, 0) == "Filter 'x': 0 matches, searching… 0 scanned · page 1 of 1"


def test_the_remove_and_drain_bodies_name_the_number_the_service_and_in_use():
    free, busy = number(1), number(2, in_use=1)
    body = remove_body(free, SERVICE)
    assert "+1 415-555-0001" in body and SERVICE.sid in body and "in_use: 0" in body
    assert "It is in 1 active session: Twilio refuses to remove it (80611)" in remove_body(busy, SERVICE)
    assert "It is in 1 active session; once none holds it (in_use 0)" in drain_body(busy, SERVICE)
    report = ErrorReport("Error 80611: Proxy Number In Active Sessions", "In use.", 80611,
                         "https://www.twilio.com/docs/errors/80611")
    offer = drain_offer_body(busy, report)
    assert offer.startswith("Error 80611") and "Drain +1 415-555-0002 now? It is reserved at once" in offer
    assert "It is already reserved" in drain_offer_body(replace(busy, is_reserved=True), report)


def test_the_bulk_plan():
    marked = [number(i, in_use=1 if i == 3 else 0) for i in range(10)]
    remove = bulk_plan("remove", marked, SERVICE)
    assert remove.verb == "Remove" and remove.reserve
    assert "Remove 10 marked numbers from Service support-line?" in remove.body
    assert "1 of them is in active sessions" in remove.body and "… and 2 more" in remove.body
    unreserve = bulk_plan("reserve", [number(1, reserved=True)], SERVICE)
    assert unreserve.verb == "Unreserve" and not unreserve.reserve
    assert unreserve.body.startswith("Unreserve 1 marked numbers in Service support-line?")
