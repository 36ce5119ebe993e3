"""Random sequences of session and participant steps on a sandbox account (hypothesis stateful).

Steps: create a session (with 0-2 participants), add a participant by identifier or with an
explicit proxy number, remove one, close, re-open, delete a session, reserve/unreserve,
remove and re-add a pool number, close+reopen the sandbox from disk, change a session's ttl,
and let time pass on the sandbox's fake clock (sessions with a ttl expire). After every step:
no identifier holds the same proxy number in two active sessions, every number's in_use
equals a recount of the active, unexpired sessions, no session past its expiry shows active,
a rejected step changed nothing, and a reopened sandbox shows exactly what the open one did.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from sandbox.account import SandboxAccount
from sandbox.sessions import CLOSED_BY_TTL
from tests.clock import FakeClock
from tests.paging import every_item as _everything
from tui.core import wire
from tui.core.errors import ProxyError

# 415 x3 (one voice-only), 212 x2 (reserved), a GB number: area codes, countries,
# capabilities and reservation all take part in selection.
POOL = [
    ("+14152000001", {"voice": True, "sms": True}),
    ("+14152000002", {"voice": True, "sms": True}),
    ("+14152000003", {"voice": True, "sms": False}),
    ("+12122000004", {"voice": True, "sms": True}),
    ("+12122000005", {"voice": True, "sms": True}),
    ("+447400123456", {"voice": True, "sms": True}),
]
RESERVED_AT_START = {3, 4}
IDENTIFIERS = ["+14155551001", "+14155551002", "+12125551003", "+447400999001", "+12423591234"]
MODES = ["voice-and-message", "voice-only", "message-only"]
DEFAULT_TTL = 60  # the Service's: a session created without a ttl expires after a minute
TTLS = [None, 0, 30, 90]  # None: the Service's default_ttl; 0: never expires
SEEN_CODES: set[int] = set()

identifiers = st.sampled_from(IDENTIFIERS)



def snapshot(acct: SandboxAccount, service_sid: str) -> dict:
    """What the Service shows through the account's API: numbers, sessions, participants."""
    sessions = _everything(acct.list_sessions, service_sid)
    return {
        "numbers": [wire.render(n) for n in _everything(acct.list_numbers, service_sid)],
        "sessions": [wire.render(s) for s in sessions],
        "participants": {s.sid: [wire.render(p) for p in _everything(acct.list_participants, service_sid, s.sid)]
                         for s in sessions},
    }


class SessionSteps(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="sessions-stateful-"))
        self.path = self.folder / "sandbox.json"
        self.clock = FakeClock()
        self.acct = SandboxAccount.create(self.path, clock=self.clock)
        self.behavior = "prefer-sticky"
        svc = self.acct.create_service("pool", number_selection_behavior=self.behavior, default_ttl=DEFAULT_TTL)
        self.svc = svc.sid
        owned = self.acct.buy_numbers([{"phone_number": p, "capabilities": c} for p, c in POOL])
        self.numbers = [n.sid for n in owned]
        self.acct.add_numbers_bulk(self.svc, [(sid, i in RESERVED_AT_START) for i, sid in enumerate(self.numbers)])
        self.sessions: list[str] = []

    def teardown(self) -> None:
        self.acct.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def attempt(self, fn, *args, **kwargs):
        """Run one step; a rejection must leave everything as it was."""
        before = snapshot(self.acct, self.svc)
        try:
            return fn(*args, **kwargs)
        except ProxyError as error:
            SEEN_CODES.add(error.code)
            assert snapshot(self.acct, self.svc) == before, f"rejected {error.code} changed the account"
            return None

    # -- steps ---------------------------------------------------------------------------------

    @rule(people=st.lists(identifiers, min_size=1, max_size=3), mode=st.sampled_from(MODES),
          ttl=st.sampled_from(TTLS))
    def create_session(self, people, mode, ttl):
        made = self.attempt(self.acct.create_session, self.svc, mode=mode, ttl=ttl,
                            participants=[{"Identifier": p} for p in people])
        if made is not None:
            self.sessions.append(made.sid)
            for p in self.acct.list_participants(self.svc, made.sid).items:
                self.check_automatic_choice(p.proxy_identifier_sid)

    def check_automatic_choice(self, number_sid: str) -> None:
        """Selection only ever picks an unreserved number of the pool as it is now."""
        number = self.acct.get_number(self.svc, number_sid)
        assert not number.is_reserved, f"{number.phone_number} is reserved but was chosen automatically"

    @precondition(lambda self: self.sessions)
    @rule(data=st.data(), who=identifiers, how=st.sampled_from(["auto", "any number", "one it holds"]))
    def add_participant(self, data, who, how):
        sid = data.draw(st.sampled_from(self.sessions))
        proxy = None
        if how == "any number":
            proxy = data.draw(st.sampled_from(self.numbers))
        elif how == "one it holds":  # aims at the core invariant (80623): another session, same number
            active = self.acct.active_participations(self.svc)
            mine = {(session, number) for ident, session, number in active if ident == who}
            roomy = [s for s in self._with_status("open", "in-progress")
                     if len(self._present(s)) < 2]
            others = sorted(set(roomy) - {session for session, _ in mine})
            if mine and others:
                sid = data.draw(st.sampled_from(others))
                proxy = data.draw(st.sampled_from(sorted(number for _, number in mine)))
        added = self.attempt(self.acct.add_participant, self.svc, sid, identifier=who, proxy_identifier_sid=proxy)
        if added is not None and proxy is None:
            self.check_automatic_choice(added.proxy_identifier_sid)

    @precondition(lambda self: self.sessions)
    @rule(data=st.data())
    def remove_participant(self, data):
        sid = data.draw(st.sampled_from(self.sessions))
        members = self._present(sid)
        if members:
            self.attempt(self.acct.remove_participant, self.svc, sid, data.draw(st.sampled_from(members)).sid)

    def _present(self, session_sid: str) -> list:
        """The session's participants that are not deleted (Twilio's delete is a soft delete)."""
        return [p for p in _everything(self.acct.list_participants, self.svc, session_sid) if p.date_deleted is None]

    def _with_status(self, *statuses: str) -> list[str]:
        return [s.sid for s in _everything(self.acct.list_sessions, self.svc) if s.status in statuses]

    @precondition(lambda self: self.sessions)
    @rule(data=st.data())
    def close(self, data):
        active = self._with_status("open", "in-progress")
        if active:
            self.attempt(self.acct.update_session, self.svc, data.draw(st.sampled_from(active)), status="closed")

    @precondition(lambda self: self.sessions)
    @rule(data=st.data())
    def reopen(self, data):
        closed = self._with_status("closed")
        if closed:
            self.attempt(self.acct.update_session, self.svc, data.draw(st.sampled_from(closed)), status="in-progress")

    @precondition(lambda self: self.sessions)
    @rule(data=st.data())
    def take_back(self, data):
        """Someone in a closed session takes its number in a new one: re-opening the old
        session must then be refused (the core invariant)."""
        closed = self._with_status("closed")
        members = [p for sid in closed for p in self._present(sid)]
        if members:
            p = data.draw(st.sampled_from(members))
            made = self.attempt(self.acct.create_session, self.svc, participants=[
                {"Identifier": p.identifier, "ProxyIdentifierSid": p.proxy_identifier_sid}])
            if made is not None:
                self.sessions.append(made.sid)

    @precondition(lambda self: self.sessions)
    @rule(data=st.data(), status=st.sampled_from(["closed", "in-progress", "open", "failed"]))
    def any_status(self, data, status):
        self.attempt(self.acct.update_session, self.svc, data.draw(st.sampled_from(self.sessions)), status=status)

    @precondition(lambda self: self.sessions)
    @rule(data=st.data())
    def delete_session(self, data):
        sid = data.draw(st.sampled_from(self.sessions))
        self.attempt(self.acct.delete_session, self.svc, sid)
        if sid not in {s.sid for s in _everything(self.acct.list_sessions, self.svc)}:
            self.sessions.remove(sid)

    @rule(index=st.integers(0, len(POOL) - 1), reserve=st.booleans())
    def change_the_pool(self, index, reserve):
        """Reserve/unreserve a pool number, or remove it (80611 while in use) / put it back."""
        sid = self.numbers[index]
        if self.acct.service_holding(sid) != self.svc:
            self.attempt(self.acct.add_number, self.svc, sid=sid, is_reserved=reserve)
        elif reserve == self.acct.get_number(self.svc, sid).is_reserved:
            self.attempt(self.acct.remove_number, self.svc, sid)
        else:
            self.attempt(self.acct.set_reserved, self.svc, sid, reserve)

    @precondition(lambda self: self.sessions)
    @rule(data=st.data(), ttl=st.sampled_from([0, 30, 90]))
    def change_ttl(self, data, ttl):
        self.attempt(self.acct.update_session, self.svc, data.draw(st.sampled_from(self.sessions)), ttl=ttl)

    @rule(seconds=st.sampled_from([1, 29, 30, 59, 60, 91, 3600]))
    def time_passes(self, seconds):
        self.clock.advance(seconds)

    @rule()
    def reopen_from_disk(self):
        before = snapshot(self.acct, self.svc)
        self.acct.close()
        self.acct = SandboxAccount.open(self.path, clock=self.clock)
        assert snapshot(self.acct, self.svc) == before

    # -- after every step ------------------------------------------------------------------------

    @invariant()
    def one_identifier_never_holds_a_number_twice(self):
        held: dict[tuple[str, str], str] = {}
        for s in _everything(self.acct.list_sessions, self.svc):
            if s.status not in ("open", "in-progress"):
                continue
            for p in self._present(s.sid):
                key = (p.identifier, p.proxy_identifier_sid)
                assert key not in held, f"{p.identifier} holds {p.proxy_identifier} in {held.get(key)} and {s.sid}"
                held[key] = s.sid

    @invariant()
    def expired_sessions_are_closed(self):
        for s in _everything(self.acct.list_sessions, self.svc):
            if s.status in ("open", "in-progress"):
                assert s.date_expiry is None or s.date_expiry > self.clock.now, f"{s.sid} is past its expiry"
            if s.closed_reason == CLOSED_BY_TTL:
                # closed at its expiry (a later ttl change on the closed session may move date_expiry)
                assert s.status == "closed" and s.date_ended is not None

    @invariant()
    def in_use_equals_a_recount(self):
        """in_use counts the active sessions whose expiry (if any) is still ahead."""
        expected: dict[str, int] = {}
        for s in _everything(self.acct.list_sessions, self.svc):
            unexpired = s.date_expiry is None or s.date_expiry > self.clock.now
            if s.status in ("open", "in-progress") and unexpired:
                for number in {p.proxy_identifier_sid for p in self._present(s.sid)}:
                    expected[number] = expected.get(number, 0) + 1
        shown = {n.sid: n.in_use for n in _everything(self.acct.list_numbers, self.svc)}
        assert shown == {sid: expected.get(sid, 0) for sid in shown}
        assert set(expected) <= set(shown), "an active session holds a number that left the pool"
        assert self.acct.pool_stats(self.svc).in_use_numbers == sum(1 for v in shown.values() if v)


def test_session_steps():
    """Random runs keep the invariants, and reach the refusals that matter."""
    SEEN_CODES.clear()
    # at least 100 runs: fewer leave some refusal unmet on some seeds (the assertion below checks it)
    run_state_machine_as_test(SessionSteps, settings=settings(settings.default, stateful_step_count=40,
                                                              max_examples=max(100, settings.default.max_examples)))
    assert {80208, 80103, 80609, 80608, 80623, 80611} <= SEEN_CODES, SEEN_CODES
