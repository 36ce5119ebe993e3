""""How many numbers does this pool need": sandbox/capacity.py against brute-force recounts,
and against the sandbox itself (a pool of exactly that many numbers never answers 80208;
one fewer does)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.account import SandboxAccount
from sandbox.capacity import Need, PoolNumber, needed_now, needed_over_time, peak_concurrency, pool_numbers
from tui.core import wire
from tui.core.errors import ProxyError

# identifier -> (country, area code) it is matched to, for pools of US and GB numbers only
# (the Bahamas share +1 and borrow US numbers; area codes count in North America only)
GROUPS = {
    "+14155551001": ("US", "415"), "+14155551002": ("US", "415"), "+12125551003": ("US", "212"),
    "+447400999001": ("GB", None), "+12423591234": ("US", "242"),
}
POOL = [PoolNumber("+14152000001"), PoolNumber("+14152000002", is_reserved=True),
        PoolNumber("+12122000003"), PoolNumber("+12122000004", voice=False),
        PoolNumber("+447400123456"), PoolNumber("+447400123457", sms=False)]

intervals = st.lists(
    st.tuples(st.sampled_from(sorted(GROUPS)), st.integers(0, 8), st.integers(0, 8)).map(
        lambda t: (t[0], min(t[1], t[2]), max(t[1], t[2]))),
    max_size=12,
)


def brute_peak(spans: list[tuple[int, int]]) -> int:
    """Count the open spans at every whole time (endpoints are whole): the most at once."""
    return max((sum(1 for s, e in spans if s <= t < e) for t in range(0, 10)), default=0)


@given(st.lists(st.tuples(st.integers(0, 8), st.integers(0, 8)), max_size=10))
def test_peak_concurrency_matches_a_brute_force_count(pairs):
    spans = [(min(a, b), max(a, b)) for a, b in pairs]
    assert peak_concurrency(spans) == brute_peak(spans)


def test_back_to_back_sessions_do_not_overlap():
    assert peak_concurrency([(0, 5), (5, 9)]) == 1
    assert peak_concurrency([(0, 5), (4, 9), (4, 6)]) == 3


@given(intervals, st.sampled_from(["country", "area-code"]), st.sampled_from([None, "voice-only", "message-only"]))
def test_needed_over_time_matches_a_brute_force_recount(spans, level, mode):
    by_group: dict = {}
    for identifier in {i for i, _, _ in spans}:
        country, npa = GROUPS[identifier]
        group = (country, npa if level == "area-code" and npa else None)
        peak = brute_peak([(s, e) for i, s, e in spans if i == identifier])
        by_group[group] = max(by_group.get(group, 0), peak)
    got = {(n.country, n.area_code): n for n in needed_over_time(spans, POOL, level, mode)}
    assert {g: n.needed for g, n in got.items()} == by_group
    for (country, npa), need in got.items():
        have = sum(1 for p in POOL if not p.is_reserved and p.country == country
                   and (npa is None or p.phone_number[2:5] == npa)
                   and (mode != "voice-only" or p.voice) and (mode != "message-only" or p.sms))
        assert need.have == have
        assert need.shortfall == max(0, need.needed - have)


def test_needed_now_counts_sessions_not_participant_rows():
    active = [("+14155551001", "KC1"), ("+14155551002", "KC1"), ("+14155551001", "KC2"),
              ("+447400999001", "KC3"), ("+12423591234", "KC3")]
    needs = needed_now(active, POOL)
    assert [(n.label, n.needed, n.identifier, n.have) for n in needs] == [
        ("US", 2, "+14155551001", 3), ("GB", 1, "+447400999001", 2),
    ]
    by_area = {n.label: n for n in needed_now(active, POOL, "area-code")}
    assert by_area["US 242"] == Need("US", "242", 1, "+12423591234", 0)
    assert by_area["US 242"].shortfall == 1


def _run(acct: SandboxAccount, service_sid: str, spans) -> set[int]:
    """Play sessions (one participant each) through the sandbox in time order; the codes met."""
    events = sorted([(s, 1, k) for k, (_, s, e) in enumerate(spans) if e > s]
                    + [(e, 0, k) for k, (_, s, e) in enumerate(spans) if e > s])
    live: dict[int, str] = {}
    codes: set[int] = set()
    for _, starting, k in events:  # at equal times, ends (0) come before starts (1)
        if starting:
            try:
                made = acct.create_session(service_sid, participants=[{"Identifier": spans[k][0]}])
                live[k] = made.sid
            except ProxyError as error:
                codes.add(error.code)
        elif k in live:
            acct.update_session(service_sid, live.pop(k), status="closed")
    return codes


@settings(max_examples=25)
@given(st.lists(st.tuples(st.sampled_from(["+14155551001", "+14155551002", "+12125551003"]),
                          st.integers(0, 6), st.integers(1, 6)).map(lambda t: (t[0], t[1], t[1] + t[2])),
                min_size=1, max_size=8))
def test_a_pool_of_the_needed_size_never_runs_out(tmp_path_factory, spans):
    (need,) = needed_over_time(spans, [])
    acct = SandboxAccount.create(tmp_path_factory.mktemp("cap") / "s.json")
    try:
        owned = acct.buy_numbers([{"phone_number": f"+1415300{i:04d}"} for i in range(2 * need.needed)])
        enough = acct.create_service("enough")
        short = acct.create_service("short")
        acct.add_numbers_bulk(enough.sid, [(n.sid, False) for n in owned[:need.needed]])
        acct.add_numbers_bulk(short.sid, [(n.sid, False) for n in owned[need.needed:2 * need.needed - 1]])
        assert 80208 not in _run(acct, enough.sid, spans)
        figures = needed_now([(i, s) for i, s, _ in acct.active_participations(enough.sid)],
                             pool_numbers(wire.render(n) for n in acct.list_numbers(enough.sid, 100).items))
        assert all(n.shortfall == 0 for n in figures)
        met = _run(acct, short.sid, spans)
        assert met & {80208, 80205}, f"one number fewer than {need.needed} should run out"
    finally:
        acct.close()
