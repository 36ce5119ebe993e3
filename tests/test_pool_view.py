"""The whole-pool view (tui/state/pool_view.py), its sort and filters (tui/state/pool_query.py) and
the export formats (tui/state/export.py), without a running app."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tui.core.resources import Capabilities, PhoneNumber
from tui.core.wire import parse_number, render_number
from tui.state.export import ExportError, format_for, render_csv, render_json
from tui.state.marks import Marks
from tui.state.pool_query import (
    COLUMNS,
    Query,
    QueryError,
    Sort,
    next_sort,
    next_state,
    parse_filter,
    sorted_numbers,
    text_matches,
)
from tui.state.pool_view import Move, PoolView

WHEN = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
SERVICE = "KS" + "0" * 32


def number(i: int, *, name: str | None = "", country: str = "US", reserved: bool = False, in_use: int = 0,
           caps: Capabilities | None = None) -> PhoneNumber:
    return PhoneNumber(sid=f"PN{i:032x}", account_sid="AC" + "0" * 32, service_sid=SERVICE,
                       phone_number=f"+1415555{i:04d}", date_created=WHEN + timedelta(minutes=i),
                       date_updated=WHEN, friendly_name=f"Line {i}" if name == "" else name, iso_country=country,
                       is_reserved=reserved, in_use=in_use, capabilities=caps or Capabilities())


def numbers(start: int, count: int) -> list[PhoneNumber]:
    return [number(i) for i in range(start, start + count)]


def sids(seq) -> list[str]:
    return [n.sid for n in seq]


def loaded(pool: list[PhoneNumber], page_size: int = 50, **kw) -> PoolView:
    view = PoolView(page_size, **kw)
    view.arrived(view.begin(), pool, done=True)
    return view


# -- reading the pool ------------------------------------------------------------------------------------

def test_the_first_page_is_usable_as_soon_as_it_arrives_and_keys_wait_for_later_pages():
    view = PoolView(50)
    generation = view.begin()
    assert view.streaming and view.rows() == []
    assert view.arrived(generation, numbers(0, 100), done=False)
    assert sids(view.rows()) == sids(numbers(0, 50)) and view.page_ready()
    # 20 quick `n`: the pages not read yet are waited for, not refused
    for _ in range(3):
        assert view.turn_to(view.page + 1) in (Move.SHOWN, Move.WAITING)
    assert view.page == 3 and view.rows() == [] and not view.page_ready()
    view.arrived(generation, numbers(100, 100), done=False)
    assert sids(view.rows()) == sids(numbers(150, 50))
    view.arrived(generation, numbers(200, 20), done=True)
    assert view.done and view.page_count() == 5 and view.turn_to(5) is Move.AFTER_LAST
    assert view.turn_to(-1) is Move.BEFORE_FIRST


def test_a_page_asked_for_beyond_the_end_becomes_the_last_and_last_waits_for_the_end():
    view = PoolView(50)
    generation = view.begin()
    view.arrived(generation, numbers(0, 100), done=False)
    assert view.turn_to(7) is Move.WAITING
    view.arrived(generation, numbers(100, 30), done=True)
    assert view.page == 2  # 130 numbers: 3 pages
    other = PoolView(50)
    g = other.begin()
    other.arrived(g, numbers(0, 100), done=False)
    assert other.turn_to_last() is Move.WAITING and other.page == 0
    other.arrived(g, numbers(100, 100), done=False)
    assert other.page == 0  # not yet: the read goes on
    other.arrived(g, numbers(200, 1), done=True)
    assert other.page == 4 and sids(other.rows()) == [number(200).sid]


def test_a_refresh_keeps_the_rows_until_it_is_read_whole_and_a_change_made_meanwhile_wins():
    view = loaded(numbers(0, 120))
    generation = view.begin()
    assert view.refreshing and len(view.numbers) == 120
    assert not view.arrived(generation, numbers(0, 100), done=False)  # buffered: nothing shown changes
    assert len(view.numbers) == 120 and view.read_so_far == 100
    view.replace(replace(number(5), is_reserved=True))  # r pressed during the read (already read)
    view.drop(number(110).sid)  # removed during the read (not read yet)
    added = number(500)
    view.add(added)
    assert view.arrived(generation, numbers(100, 20), done=True)
    assert len(view.numbers) == 120 and number(110).sid not in sids(view.numbers)
    assert next(n for n in view.numbers if n.sid == number(5).sid).is_reserved  # the change, not the read
    assert view.numbers[-1] == added


def test_a_change_made_while_a_part_is_still_to_come_wins_over_that_part():
    view = loaded(numbers(0, 10))
    generation = view.begin()
    view.replace(replace(number(8), is_reserved=True))
    view.arrived(generation, numbers(0, 10), done=True)  # that part was read before the change was saved
    assert next(n for n in view.numbers if n.sid == number(8).sid).is_reserved


def test_chunks_of_an_older_read_are_dropped_and_a_failure_keeps_what_arrived():
    view = PoolView(50)
    first = view.begin()
    view.arrived(first, numbers(0, 100), done=False)
    second = view.begin()
    assert not view.arrived(first, numbers(100, 100), done=False)
    assert view.failed(second) and view.failed_read and view.done
    assert len(view.numbers) == 100 and not view.failed(second)


# -- changes keep the rows in place ------------------------------------------------------------------------

def test_a_changed_number_keeps_its_row_until_the_order_is_worked_out_again():
    view = loaded(numbers(0, 10), page_size=5)
    view.set_sort(Sort("reserved", descending=True))
    assert sids(view.rows()) == sids(numbers(0, 5))
    view.replace(replace(number(3), is_reserved=True))
    assert sids(view.rows()) == sids(numbers(0, 5)) and view.rows()[3].is_reserved
    view.reorder()
    assert view.rows()[0].sid == number(3).sid


def test_drop_add_and_counts():
    view = loaded([number(i, reserved=i % 4 == 0, in_use=i % 5 == 0) for i in range(12)], page_size=5)
    assert view.counts(SERVICE).reserved == 3 and view.counts(SERVICE).unreserved == 9
    assert view.counts(SERVICE).in_use_numbers == 3
    view.turn_to(2)
    view.drop_many([number(10).sid, number(11).sid])
    assert view.page == 1 and len(view.numbers) == 10  # the last page went: the view moved back
    view.set_query(parse_filter(["reserved"]))
    view.add(number(50, reserved=True))
    view.add(number(51))
    assert sids(view.shown())[-1] == number(50).sid and number(51).sid not in sids(view.shown())
    assert view.counts(SERVICE).total == 12


def test_find_takes_a_sid_or_a_number_in_any_form():
    view = loaded(numbers(0, 30))
    target = number(17)
    assert view.find(target.sid) == target and view.find(target.sid.lower()) == target
    assert view.find(target.sid.upper().replace("PN", "pn")) == target
    assert view.find(target.sid[:34]) == target
    assert view.find("PN") is None  # every SID starts so: not one number
    assert view.find("+14155550017") == target and view.find("(415) 555-0017") == target
    assert view.find("0017") == target
    assert view.find("555") is None and view.find("nothing") is None and view.find("") is None
    assert view.locate(target.sid) == (0, 17)


# -- sort --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("column", COLUMNS)
def test_every_column_sorts_both_ways(column):
    pool = [number(3, name="b", country="GB", in_use=2, caps=Capabilities(mms=True)),
            number(1, name=None, country="US", reserved=True),
            number(2, name="A", country="CA", in_use=1, caps=Capabilities(voice=False))]
    up = sorted_numbers(pool, Sort(column))
    down = sorted_numbers(pool, Sort(column, descending=True))
    assert sorted(sids(up)) == sorted(sids(pool))
    expected = {"number": [1, 2, 3], "friendly": [2, 3, 1], "country": [2, 3, 1], "caps": [2, 1, 3],
                "reserved": [3, 2, 1], "in_use": [1, 2, 3], "sid": [1, 2, 3], "added": [1, 2, 3]}[column]
    assert sids(up) == [number(i).sid for i in expected]
    if column != "reserved":  # two unreserved numbers tie: descending keeps them in pool order
        assert sids(down) == list(reversed(sids(up)))


def test_ties_keep_the_pools_order_and_the_sort_keys_cycle():
    pool = numbers(0, 6)
    assert sids(sorted_numbers(pool, Sort("in_use"))) == sids(pool)
    assert next_sort(None) == Sort("number")
    assert next_sort(Sort("number")) == Sort("friendly")
    assert next_sort(Sort("added")) is None
    assert next_sort(Sort("in_use"), "in_use") == Sort("in_use", descending=True)
    assert next_sort(Sort("in_use", True), "sid") == Sort("sid")
    assert Sort("in_use", True).describe() == "sorted by in_use desc" and Sort("sid").arrow == "▲"


# -- filters ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("needle", "hit"), [
    ("415 555 0007", True), ("+1 (415) 555-0007", True), ("0007", True), ("0008", False),
    ("line 7", True), ("LINE", True), ("us", True), ("u", False), ("- .", False),
    ("PN000000", True), ("pn" + "0" * 31 + "7", True), ("PN" + "0" * 31 + "8", False),
    ("b3d", False),
])
def test_the_text_filter_matches_numbers_names_countries_and_sids(needle, hit):
    assert text_matches(number(7), needle) is hit


def test_state_filters_and_their_combinations():
    marks = Marks()
    draining = {number(4).sid}
    pool = [number(0), number(1, reserved=True), number(2, in_use=1), number(3, reserved=True, in_use=2),
            number(4, reserved=True), number(5, country="GB", caps=Capabilities(sms=False, mms=True))]
    marks.toggle(pool[5])
    view = loaded(pool, marked=marks, draining=draining)

    def shown(*words: str) -> list[int]:
        view.set_query(parse_filter(words))
        return [int(n.sid[2:], 16) for n in view.shown()]

    assert shown("reserved") == [1, 3, 4]
    assert shown("unreserved") == [0, 2, 5]
    assert shown("in_use") == [2, 3] == shown("in-use")
    assert shown("free") == [0, 5]
    assert shown("draining") == [4]
    assert shown("marked") == [5]
    assert shown("reserved", "in_use") == [3]
    assert shown("country:GB") == [5] and shown("country:gb,us") == [0, 1, 2, 3, 4, 5]
    assert shown("cap:mms") == [5] and shown("cap:sms") == [0, 1, 2, 3, 4]
    assert shown() == [0, 1, 2, 3, 4, 5]
    assert parse_filter(["reserved", "country:GB", "cap:sms"]).describe() == "reserved country:GB cap:sms"


@pytest.mark.parametrize("words", [["nonsense"], ["country:USA"], ["country:"], ["cap:radio"],
                                   ["reserved", "unreserved"]])
def test_a_filter_that_means_nothing_says_what_would(words):
    with pytest.raises(QueryError):
        parse_filter(words)


def test_the_state_key_steps_through_the_states_and_back_to_none():
    query, seen = Query(text="x"), []
    for _ in range(7):
        query = next_state(query)
        seen.append(tuple(query.states))
    assert seen == [("reserved",), ("unreserved",), ("in_use",), ("free",), ("draining",), ("marked",), ()]
    assert query.text == "x"  # the text filter stays


# -- export --------------------------------------------------------------------------------------------------------

def test_export_formats_by_extension_csv_and_twilios_json():
    pool = [number(1, reserved=True, in_use=2), number(2, name=None, caps=Capabilities(voice=False, fax=True))]
    assert format_for("out.csv") == "csv" and format_for("/tmp/OUT.JSON") == "json"
    with pytest.raises(ExportError, match=r"\.csv or a \.json"):
        format_for("out.txt")
    rows = list(csv.DictReader(io.StringIO(render_csv(pool))))
    assert [r["sid"] for r in rows] == sids(pool)
    assert rows[0]["is_reserved"] == "true" and rows[0]["in_use"] == "2" and rows[1]["friendly_name"] == ""
    assert rows[1]["voice"] == "false" and rows[1]["fax"] == "true" and rows[0]["date_created"] == "2025-03-14T09:31:00Z"
    data = json.loads(render_json(pool))
    assert data == [render_number(n) for n in pool]  # exactly what Twilio sends
    assert [parse_number(d) for d in data] == pool
