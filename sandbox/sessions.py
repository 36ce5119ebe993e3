"""The session ledger: a Service's Sessions and Participants, their expiry, and `in_use`.

A Service's sessions and participants live in its pool file (store.SESSIONS and
store.PARTICIPANTS), so one change costs one pool-file write. The ledger owns, per Service,
a SessionBook (who holds which proxy number in which session, the sessions by UniqueName,
a heap of the active sessions by expiry) and, account-wide, `in_use`: how many active
sessions hold each pool number. Every change to sessions goes through it, so `in_use` is
changed in one place. It is given the pool ledger (to check stored sessions against the
pools) and the store explicitly; the account makes each change one transaction.

Expiry (TTL): an active session whose date_expiry has passed is closed, as Twilio closes it,
with closed_reason "ttl" and date_ended = its expiry time; it leaves in_use and its numbers
can be chosen again. The TTL counts from the last interaction (a message sent through the
session, sandbox/interactions.py), else from the create, a re-open or an update that sets ttl.
The account applies it lazily and durably: every
operation on a pool's sessions, numbers or in_use first closes what is due in that pool
(one pool-file write), found through the heap (nothing due: one comparison).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sandbox import rules
from sandbox.pools import PoolLedger
from sandbox.records import Record
from sandbox.store import PARTICIPANTS, SESSIONS, SandboxFiles, StoreError, raw_table
from tui.core.wire import iso8601, parse_date

# closed_reason of a session its TTL closed. The spec's Session schema types closed_reason as a
# free string ("The reason the Session ended.", its examples ""), and Twilio documents no values;
# "ttl" names the cause as Twilio's 80904 does ("Session has expired due to Ttl or DateExpiry").
# A session closed through the API keeps closed_reason null.
CLOSED_BY_TTL = "ttl"


@dataclass(slots=True)
class Member:
    """A participant as the indexes need it (the rest stays in the pool file). A deleted one (Twilio's
    soft delete) stays with its session, holds no number and keeps its identifier out of it."""

    session_sid: str
    identifier: str
    number_sid: str | None
    doc_id: int
    deleted: bool = False

    @property
    def holds(self) -> str | None:
        """The pool number this participant holds (None once deleted)."""
        return None if self.deleted else self.number_sid


@dataclass
class SessionBook:
    """One Service's sessions, indexed."""

    doc_of: dict[str, int] = field(default_factory=dict)  # session sid -> doc id
    order: list[int] = field(default_factory=list)  # session doc ids, ascending
    by_name: dict[str, str] = field(default_factory=dict)  # unique name -> session sid
    status: dict[str, str] = field(default_factory=dict)  # session sid -> status
    members: dict[str, list[str]] = field(default_factory=dict)  # session sid -> participant sids
    participants: dict[str, Member] = field(default_factory=dict)
    by_identifier: dict[str, set[str]] = field(default_factory=dict)  # identifier -> participant sids
    expiry: dict[str, datetime] = field(default_factory=dict)  # active session sid -> when its TTL closes it
    due: list[tuple[datetime, int, str]] = field(default_factory=list)  # heap of (expiry, doc id, sid)

    def schedule(self, sid: str, when: datetime | None) -> None:
        """Set (or with None clear) an active session's expiry. An old heap entry stays behind and is
        skipped when it comes up: it no longer matches `expiry`."""
        if when is None:
            self.expiry.pop(sid, None)
            return
        self.expiry[sid] = when
        heapq.heappush(self.due, (when, self.doc_of[sid], sid))

    def next_expiry(self) -> datetime | None:
        """When the next active session expires (stale heap entries, left by a close or a ttl change, dropped)."""
        while self.due and self.expiry.get(self.due[0][2]) != self.due[0][0]:
            heapq.heappop(self.due)
        return self.due[0][0] if self.due else None

    def pop_due(self, now: datetime) -> list[tuple[str, datetime]]:
        """The active sessions whose expiry is at or before `now` (earliest first), taken off the index."""
        out = []
        while self.due and self.due[0][0] <= now:
            when, _, sid = heapq.heappop(self.due)
            if self.expiry.get(sid) == when:
                del self.expiry[sid]
                out.append((sid, when))
        return out

    def is_active(self, session_sid: str) -> bool:
        return rules.is_active(self.status[session_sid])

    def proxies(self, session_sid: str) -> set[str]:
        """The distinct pool numbers the session's (not deleted) participants hold."""
        return {n for p in self.members.get(session_sid, ()) if (n := self.participants[p].holds)}

    def identifiers(self, session_sid: str) -> list[str]:
        """Every identifier the session has had, deleted participants' too (they cannot come back)."""
        return [self.participants[p].identifier for p in self.members.get(session_sid, ())]

    def present(self, session_sid: str) -> int:
        """How many of the session's participants are not deleted (the two-participant limit counts these)."""
        return sum(1 for p in self.members.get(session_sid, ()) if not self.participants[p].deleted)

    def held(self, identifier: str, *, other_than: str | None = None) -> dict[str, str]:
        """Number sid -> active session in which `identifier` holds it."""
        out: dict[str, str] = {}
        for p in self.by_identifier.get(identifier, ()):
            m = self.participants[p]
            if m.holds and m.session_sid != other_than and self.is_active(m.session_sid):
                out[m.holds] = m.session_sid
        return out

    def history(self, identifier: str) -> dict[str, int]:
        """Number sid -> how recently `identifier` had it in any stored session (participant doc id)."""
        out: dict[str, int] = {}
        for p in self.by_identifier.get(identifier, ()):
            m = self.participants[p]
            if m.number_sid and m.doc_id > out.get(m.number_sid, -1):
                out[m.number_sid] = m.doc_id
        return out

    def add_session(self, sid: str, doc_id: int, status: str, unique_name: str | None) -> None:
        self.doc_of[sid] = doc_id
        self.order.append(doc_id)  # ids only grow, so the order stays sorted
        self.status[sid] = status
        self.members[sid] = []
        if unique_name:
            self.by_name[unique_name] = sid

    def add_member(self, sid: str, member: Member) -> None:
        self.participants[sid] = member
        self.members[member.session_sid].append(sid)
        self.by_identifier.setdefault(member.identifier, set()).add(sid)

    def drop_member(self, sid: str) -> Member:
        m = self.participants.pop(sid)
        self.members[m.session_sid].remove(sid)
        mine = self.by_identifier[m.identifier]
        mine.discard(sid)
        if not mine:
            del self.by_identifier[m.identifier]
        return m


class SessionLedger:
    def __init__(self, files: SandboxFiles, pools: PoolLedger):
        """The sessions of the pool ledger's Services, each Service's indexed (and its `in_use` counted) when first
        needed; a stored state that breaks an invariant (a participant without a session, an active
        session holding a number outside its pool, one identifier holding one number in two active
        sessions) is refused then, leaving the files as they are."""
        self.files = files
        self.pools = pools
        self.books: dict[str, SessionBook] = {}  # the Services indexed so far
        self._in_use: dict[str, dict[str, int]] = {}  # Service -> number SID -> active sessions holding it

    def _index(self, service_sid: str) -> SessionBook:
        if service_sid not in self.pools.services:
            raise KeyError(service_sid)
        book, in_use = SessionBook(), {}
        db = self.files.load(service_sid)
        if db is None:
            self.books[service_sid], self._in_use[service_sid] = book, in_use
            return book
        path = self.files.path
        for doc_id, doc in sorted(raw_table(db, SESSIONS).items(), key=lambda kv: int(kv[0])):
            book.add_session(doc["sid"], int(doc_id), doc["status"], doc.get("unique_name"))
            if rules.is_active(doc["status"]) and doc.get("date_expiry"):
                book.schedule(doc["sid"], parse_date(doc["date_expiry"]))
        for doc_id, doc in sorted(raw_table(db, PARTICIPANTS).items(), key=lambda kv: int(kv[0])):
            if doc["session_sid"] not in book.doc_of:
                raise StoreError(f"sandbox {path} is inconsistent: participant {doc['sid']} of "
                                 f"{service_sid} has no session; it was left as it is")
            book.add_member(doc["sid"], Member(doc["session_sid"], doc["identifier"],
                                               doc.get("proxy_identifier_sid"), int(doc_id),
                                               deleted=doc.get("date_deleted") is not None))
        seen: dict[tuple[str, str], str] = {}
        for sid in book.doc_of:
            if not book.is_active(sid):
                continue
            for number_sid in book.proxies(sid):
                if number_sid not in self.pools.pool(service_sid).doc_of:
                    raise StoreError(f"sandbox {path} is inconsistent: active session {sid} holds "
                                     f"{number_sid}, which is not in {service_sid}'s pool; it was left as it is")
                in_use[number_sid] = in_use.get(number_sid, 0) + 1
            for p in book.members[sid]:
                m = book.participants[p]
                if m.holds is None:
                    continue
                key = (m.identifier, m.holds)
                if key in seen:
                    raise StoreError(f"sandbox {path} is inconsistent: {m.identifier} holds one proxy "
                                     f"number in sessions {seen[key]} and {sid}; it was left as it is")
                seen[key] = sid
        self.books[service_sid], self._in_use[service_sid] = book, in_use
        return book

    # -- queries ------------------------------------------------------------------------------------

    def book(self, service_sid: str) -> SessionBook:
        """The Service's sessions, indexed (now, if they were not yet)."""
        book = self.books.get(service_sid)
        return book if book is not None else self._index(service_sid)

    def loaded(self, service_sid: str) -> bool:
        return service_sid in self.books

    def unload(self, service_sid: str) -> None:
        """Forget a Service's session indexes (its pool file's data is leaving memory)."""
        self.books.pop(service_sid, None)
        self._in_use.pop(service_sid, None)

    def _in_use_in(self, service_sid: str) -> dict[str, int]:
        self.book(service_sid)
        return self._in_use[service_sid]

    def in_use_of(self, number_sid: str, service_sid: str | None = None) -> int:
        """How many active sessions hold this number (in this Service's pool, when its Service is known:
        then the owned numbers need not be read to find it)."""
        service_sid = service_sid or self.pools.service_holding(number_sid)
        return 0 if service_sid is None else self._in_use_in(service_sid).get(number_sid, 0)

    def in_use_counts(self, service_sid: str | None = None) -> dict[str, int]:
        """Number SID -> active sessions holding it, in one Service's pool (or in the pools indexed so far):
        a copy, numbers at 0 left out."""
        if service_sid is not None:
            return dict(self._in_use_in(service_sid))
        return {n: c for counts in self._in_use.values() for n, c in counts.items()}

    def busy_numbers(self, service_sid: str) -> int:
        """How many of the pool's numbers at least one active session holds."""
        return len(self._in_use_in(service_sid))  # a number's entry goes when it drops to 0

    def due(self, service_sid: str, now: datetime) -> bool:
        """Has an active session of this pool reached its expiry?"""
        expiry = self.book(service_sid).next_expiry()
        return expiry is not None and expiry <= now

    def session(self, service_sid: str, sid: str) -> Record | None:
        doc_id = self.book(service_sid).doc_of.get(sid)
        return None if doc_id is None else self.files.pool(service_sid).table(SESSIONS).get(doc_id=doc_id)  # type: ignore[return-value]

    def session_fetcher(self, service_sid: str) -> Callable[[int], Record]:
        # called only with the pool's own ids: a read never makes an empty pool's file
        return lambda doc_id: self.files.pool(service_sid).table(SESSIONS).get(doc_id=doc_id)  # type: ignore[return-value]

    def participant(self, service_sid: str, session_sid: str, sid: str) -> Record | None:
        m = self.book(service_sid).participants.get(sid)
        if m is None or m.session_sid != session_sid:
            return None
        return self.files.pool(service_sid).table(PARTICIPANTS).get(doc_id=m.doc_id)  # type: ignore[return-value]

    def participant_order(self, service_sid: str, session_sid: str) -> tuple[list[int], Callable[[int], Record]]:
        book = self.book(service_sid)
        order = sorted(book.participants[p].doc_id for p in book.members[session_sid])
        return order, lambda doc_id: self.files.pool(service_sid).table(PARTICIPANTS).get(doc_id=doc_id)  # type: ignore[return-value]

    def holding(self, service_sid: str, number_sid: str) -> list[str]:
        """The active sessions in which a participant holds this pool number, oldest first."""
        book = self.book(service_sid)
        sids = {m.session_sid for m in book.participants.values()
                if m.holds == number_sid and book.is_active(m.session_sid)}
        return sorted(sids, key=lambda s: book.doc_of[s])

    def active_participations(self, service_sid: str) -> list[tuple[str, str, str | None]]:
        """(identifier, session sid, proxy number sid) of every (not deleted) participant of an active session."""
        book = self.book(service_sid)
        return [(m.identifier, m.session_sid, m.number_sid)
                for m in book.participants.values() if book.is_active(m.session_sid) and not m.deleted]

    # -- changes (inside the account's transaction) ------------------------------------------------------

    def _count(self, service_sid: str, number_sids: set[str], delta: int) -> None:
        in_use = self._in_use_in(service_sid)
        for n in number_sids:
            left = in_use.get(n, 0) + delta
            if left:
                in_use[n] = left
            else:
                in_use.pop(n, None)

    def _table(self, service_sid: str, name: str) -> Any:
        return self.files.pool(service_sid).table(name)

    def open_book(self, service_sid: str) -> None:
        self.books[service_sid], self._in_use[service_sid] = SessionBook(), {}

    def drop_book(self, service_sid: str) -> None:
        """A deleted Service's sessions went with its pool file; its numbers hold nothing now."""
        self.unload(service_sid)

    def expire_due(self, service_sid: str, now: datetime) -> None:
        """Close the pool's sessions whose TTL has run out (see the module doc)."""
        book = self.book(service_sid)
        ended = {sid: iso8601(when) for sid, when in book.pop_due(now)}
        if not ended:
            return

        def close(doc: dict[str, Any]) -> None:
            stamp = ended[doc["sid"]]
            doc.update(status="closed", closed_reason=CLOSED_BY_TTL, date_ended=stamp, date_updated=stamp)

        self._table(service_sid, SESSIONS).update(close, doc_ids=[book.doc_of[s] for s in ended])
        for sid in ended:
            book.status[sid] = "closed"
            self._count(service_sid, book.proxies(sid), -1)

    def add_session(self, service_sid: str, session: Record, participants: list[Record]) -> None:
        """A session and its first participants (checked and chosen by the caller), in one write."""
        book = self.book(service_sid)
        doc_id = self._table(service_sid, SESSIONS).insert(session)
        ids = self._table(service_sid, PARTICIPANTS).insert_multiple(participants) if participants else []
        book.add_session(session["sid"], doc_id, session["status"], session["unique_name"])
        book.schedule(session["sid"], parse_date(session["date_expiry"]))
        for doc, pid in zip(participants, ids, strict=True):
            book.add_member(doc["sid"], Member(session["sid"], doc["identifier"], doc["proxy_identifier_sid"], pid))
        self._count(service_sid, book.proxies(session["sid"]), +1)

    def update_session(self, service_sid: str, sid: str, fields: Record) -> None:
        """Status and ttl changes (checked by the caller): in_use and the expiry follow."""
        book = self.book(service_sid)
        doc = self.session(service_sid, sid)
        assert doc is not None
        was, becomes = doc["status"], fields.get("status", doc["status"])
        expiry = fields["date_expiry"] if "date_expiry" in fields else doc.get("date_expiry")
        self._table(service_sid, SESSIONS).update(fields, doc_ids=[book.doc_of[sid]])
        book.status[sid] = becomes
        if rules.is_active(was) != rules.is_active(becomes):
            self._count(service_sid, book.proxies(sid), +1 if rules.is_active(becomes) else -1)
        book.schedule(sid, parse_date(expiry) if rules.is_active(becomes) else None)

    def delete_session(self, service_sid: str, sid: str) -> None:
        """The session and its participants."""
        book = self.book(service_sid)
        doc_id = book.doc_of[sid]
        doc = self.session(service_sid, sid)
        unique_name = doc.get("unique_name") if doc else None
        member_ids = [book.participants[p].doc_id for p in book.members[sid]]
        if member_ids:
            self._table(service_sid, PARTICIPANTS).remove(doc_ids=member_ids)
        self._table(service_sid, SESSIONS).remove(doc_ids=[doc_id])
        if book.is_active(sid):
            self._count(service_sid, book.proxies(sid), -1)
        for p in list(book.members[sid]):
            book.drop_member(p)
        book.schedule(sid, None)
        del book.members[sid], book.status[sid], book.doc_of[sid]
        book.order.remove(doc_id)
        if unique_name:
            book.by_name.pop(unique_name, None)

    def add_participant(self, service_sid: str, session_sid: str, participant: Record) -> None:
        book = self.book(service_sid)
        before = book.proxies(session_sid)
        self._table(service_sid, SESSIONS).update({"date_updated": participant["date_created"]},
                                                  doc_ids=[book.doc_of[session_sid]])
        doc_id = self._table(service_sid, PARTICIPANTS).insert(participant)
        book.add_member(participant["sid"], Member(session_sid, participant["identifier"],
                                                   participant["proxy_identifier_sid"], doc_id))
        if book.is_active(session_sid):
            self._count(service_sid, book.proxies(session_sid) - before, +1)

    def remove_participant(self, service_sid: str, session_sid: str, sid: str, stamp: str) -> None:
        """Twilio's soft delete: the participant stays with its session (date_deleted set), no longer
        holds its proxy number, and its identifier cannot join the session again."""
        book = self.book(service_sid)
        member = book.participants[sid]
        self._table(service_sid, PARTICIPANTS).update({"date_deleted": stamp, "date_updated": stamp},
                                                      doc_ids=[member.doc_id])
        before = book.proxies(session_sid)
        member.deleted = True
        if book.is_active(session_sid):
            self._count(service_sid, before - book.proxies(session_sid), -1)
