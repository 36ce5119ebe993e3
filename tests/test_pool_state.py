"""The pool screen's plain state (tui/state) and its texts, without a running app.

Drains, marks, pending reservations, the simulations registry, the cells; then the pager line
and the confirmation bodies the screen shows. The whole-pool view, the sort and the filters
are tests/test_pool_view.py's; command mode tests/test_command_line.py's.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from tui.core.resources import Capabilities, PhoneNumber, PoolStats, Service
from tui.screens.messages import ErrorReport
from tui.screens.pool_texts import bulk_plan, drain_body, drain_offer_body, pager_text, remove_body
from tui.state.drains import Drains
from tui.state.marks import Marks
from tui.state.pending import PendingReservations, stats_after
from tui.state.pool_query import Query, Sort
from tui.state.pool_view import PoolView
from tui.state.simulations import Simulations
from tui.widgets.cells import (
    capabilities_tag,
    capabilities_words,
    drain_status,
    format_minute,
    format_ttl,
    gauge_cell,
    in_use_cell,
    limit_cell,
    mark_cell,
    reserved_cell,
)
from tui.widgets.gauge import gauge_words

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
    view = PoolView(50)
    generation = view.begin()
    assert pager_text(view, None, 0) == "Loading the pool… · loading 0 of ? numbers"
    view.arrived(generation, numbers(0, 100), done=False)
    assert pager_text(view, 120, 0) == "Page 1 · numbers 1–50 · loading 100 of 120 numbers"
    view.arrived(generation, numbers(100, 20), done=True)
    assert pager_text(view, 120, 0) == "Page 1 of 3 · numbers 1–50 of 120"
    assert pager_text(view, 120, 2) == "Page 1 of 3 · numbers 1–50 of 120 · 2 marked (r/d act on them, escape clears)"
    assert "2 marked (:filter marked shows them, escape clears)" in pager_text(view, 120, 2, read_only=True)
    view.turn_to(2)
    assert pager_text(view, 120, 0) == "Page 3 of 3 · numbers 101–120 of 120 · last page"
    view.set_query(Query(text="Line 11"))
    view.set_sort(Sort("in_use", descending=True))
    assert pager_text(view, 120, 0) == ("Page 1 of 1 · numbers 1–11 · 11 of 120 shown ('Line 11') · "
                                        "sorted by in_use desc")
    refresh = view.begin()
    assert pager_text(view, 120, 0).endswith("refreshing 0 of 120 numbers")
    view.failed(refresh)
    assert pager_text(view, 120, 0).endswith("the read stopped at 120 numbers (ctrl+r reads again)")


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
    assert remove.verb == "Remove" and remove.operation == "remove" and remove.title == "Remove 10"
    assert "Remove 10 numbers from Service support-line?" in remove.body
    assert "1 of them is in active sessions" in remove.body and "… and 2 more" in remove.body
    unreserve = bulk_plan("reserve", [number(1, reserved=True), number(2, reserved=True)], SERVICE)
    assert unreserve.operation == "unreserve" and unreserve.verb == "Unreserve" and unreserve.skipped == 0
    assert unreserve.body.startswith("Unreserve 2 numbers in Service support-line?")
    # a mixed set: reserve the unreserved ones, say so of the others (README's rule)
    mixed = bulk_plan("reserve", [number(1), number(2, reserved=True), number(3)], SERVICE)
    assert mixed.operation == "reserve" and [n.sid for n in mixed.numbers] == [number(1).sid, number(3).sid]
    assert mixed.title == "Reserve 2, 1 already reserved" and mixed.skipped == 1
    assert mixed.body.startswith("Reserve 2 numbers in Service support-line? 1 already reserved stays as it is.")


def test_full_is_full():
    assert gauge_words(500, 500, True) == "full" and gauge_words(430, 500, True) == "near the limit"
    assert gauge_words(10, 500, False) == ""
    assert str(gauge_cell(500, 500, True, width=4)) == "████ 500/500" and gauge_cell(500, 500, True).style == "bold red"
    assert str(gauge_cell(1, 5000, False, width=4)) == "█░░░ 1/5,000"  # one number is not nothing
    assert str(gauge_cell(None, 500, False)) == "…"
    assert limit_cell(500, 500, True).style == "bold red"
