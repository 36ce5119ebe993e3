"""Sessions and Participants in the sandbox, and Proxy's number selection.

SessionOps is mixed into SandboxAccount: a Service's sessions and participants live
in its pool file (tables "sessions" and "participants"), so one change costs one
pool-file write. Every rule and error code comes from sandbox/rules.py.

Number selection for a participant given only an Identifier (the sandbox's documented
order; Twilio documents no tie-break):
  1. the pool's numbers; none at all: 80205
  2. of the identifier's country (a region sharing +1 or +44 without numbers of its own
     in the pool uses US / GB numbers); none: 80203
  3. under area-code matching (North America only), of the identifier's area code; none: 80206
  4. able to carry the session's mode (voice-only: voice; message-only: SMS;
     voice-and-message: both); none: 80201 (voice modes) / 80202 (message-only)
  5. unreserved; none: 80207
  6. not already held by this identifier in another active session; none: 80208
     (80206 under area-code matching)
  then the best by: prefer-sticky: the number it had most recently first / avoid-sticky:
  numbers it never had first (then the least recently had); then the fewest active
  sessions other than this one; then the longest in the pool (earliest added).

Expiry (TTL): an active session whose date_expiry has passed is closed, as Twilio closes it,
with closed_reason "ttl" and date_ended = its expiry time; it leaves in_use and its numbers
can be chosen again. The sandbox has no interactions, so the TTL counts from the create, a
re-open or an update that sets ttl. Applied lazily and durably: every operation on a pool's
sessions, numbers or in_use first closes what is due in that pool (one pool-file write),
found through a heap of the pool's open sessions by expiry (nothing due: one comparison).
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sandbox import paging, rules
from sandbox.store import StoreError, raw_table
from tui.core.errors import ProxyError
from tui.core.phone import InvalidNumber, iso_country, parse_e164
from tui.core.resources import Participant, Session
from tui.core.seam import Page
from tui.core.sids import is_sid, new_sid
from tui.core.wire import iso8601, parse_date

SESSIONS = "sessions"
PARTICIPANTS = "participants"
POOL_NUMBERS = "numbers"  # the pool file's numbers table (sandbox/account.py writes it)

# closed_reason of a session its TTL closed. The spec's Session schema types closed_reason as a
# free string ("The reason the Session ended.", its examples ""), and Twilio documents no values;
# "ttl" names the cause as Twilio's 80904 does ("Session has expired due to Ttl or DateExpiry").
# A session closed through the API keeps closed_reason null, as before.
CLOSED_BY_TTL = "ttl"

# The names a participant spec may use: the seam's snake_case or Twilio's PascalCase.
_PARTICIPANT_KEYS = {
    "identifier": "identifier", "Identifier": "identifier",
    "friendly_name": "friendly_name", "FriendlyName": "friendly_name",
    "proxy_identifier": "proxy_identifier", "ProxyIdentifier": "proxy_identifier",
    "proxy_identifier_sid": "proxy_identifier_sid", "ProxyIdentifierSid": "proxy_identifier_sid",
}


# -- number selection over plain data -------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Candidate:
    """A pool number as selection sees it."""

    sid: str
    phone_number: str
    country: str | None
    voice: bool
    sms: bool
    reserved: bool
    order: int  # position in the pool: lower = added earlier

    @classmethod
    def from_doc(cls, doc_id: int | str, doc: dict[str, Any]) -> Candidate:
        caps = doc.get("capabilities") or {}
        return cls(
            sid=doc["sid"], phone_number=doc["phone_number"],
            country=doc.get("iso_country") or iso_country(doc["phone_number"]),
            voice=bool(caps.get("voice")), sms=bool(caps.get("sms")),
            reserved=bool(doc.get("is_reserved")), order=int(doc_id),
        )


def select_number(
    candidates: list[Candidate],
    *,
    identifier: str,
    mode: str,
    geo_match_level: str = "country",
    behavior: str = "prefer-sticky",
    held: set[str] | frozenset[str] = frozenset(),
    history: dict[str, int] | None = None,
    in_use: dict[str, int] | None = None,
    own: set[str] | frozenset[str] = frozenset(),
) -> Candidate:
    """The proxy number for `identifier`, or the ProxyError saying why there is none.

    held: number sids this identifier holds in other active sessions; history: number sid
    -> how recently it had it (higher = later); in_use: number sid -> active sessions
    holding it; own: the numbers this session already holds (counted in in_use, so
    choosing one of them adds no load).
    """
    history = history or {}
    in_use = in_use or {}
    rules.no_proxies_for_service(len(candidates))
    country = rules.match_country(iso_country(identifier), {c.country for c in candidates if c.country})
    matches = [c for c in candidates if c.country == country]
    rules.no_proxy_for_country(len(matches), country, identifier)
    by_area = rules.uses_area_code(geo_match_level, identifier)
    if by_area:
        npa = rules.area_code(identifier)
        matches = [c for c in matches if rules.area_code(c.phone_number) == npa]
        rules.no_proxy_for_area(len(matches), npa, identifier)
    need = rules.required_capabilities(mode)
    voice, sms = "voice" in need, "sms" in need
    matches = [c for c in matches if (c.voice or not voice) and (c.sms or not sms)]
    rules.no_capable_proxy(len(matches), mode)
    matches = [c for c in matches if not c.reserved]
    rules.no_unreserved_proxy(len(matches))
    matches = [c for c in matches if c.sid not in held]
    rules.no_unused_proxy(len(matches), identifier, by_area)
    avoid = behavior == "avoid-sticky"

    def rank(c: Candidate) -> tuple:
        last = history.get(c.sid)
        if avoid:
            sticky = (0, 0) if last is None else (1, last)
        else:
            sticky = (1, 0) if last is None else (0, -last)
        return (sticky, in_use.get(c.sid, 0) - (c.sid in own), c.order)

    return min(matches, key=rank)


# -- the in-memory index of one Service's sessions ------------------------------------------------

@dataclass(slots=True)
class Member:
    """A participant as the indexes need it (the rest stays in the pool file)."""

    session_sid: str
    identifier: str
    number_sid: str | None
    doc_id: int


@dataclass
class SessionBook:
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
        """The distinct pool numbers the session's participants hold."""
        return {n for p in self.members.get(session_sid, ()) if (n := self.participants[p].number_sid)}

    def held(self, identifier: str, *, other_than: str | None = None) -> dict[str, str]:
        """Number sid -> active session in which `identifier` holds it."""
        out: dict[str, str] = {}
        for p in self.by_identifier.get(identifier, ()):
            m = self.participants[p]
            if m.number_sid and m.session_sid != other_than and self.is_active(m.session_sid):
                out[m.number_sid] = m.session_sid
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


# -- the operations, mixed into SandboxAccount ---------------------------------------------------

class SessionOps:
    """Sessions and Participants over the sandbox account (needs SandboxAccount's attributes)."""

    session_books: dict[str, SessionBook]
    clock: Callable[[], datetime]  # SandboxAccount's

    # -- indexes --------------------------------------------------------------------------------

    def _index_sessions(self) -> None:
        """Rebuild every Service's session index and `in_use` from the stored sessions;
        refuse a state that breaks an invariant."""
        self.session_books = {}
        self._candidate_cache: dict[str, dict[str, Candidate]] = {}
        for service_sid in self.service_doc:
            book = SessionBook()
            self.session_books[service_sid] = book
            db = self.files.pools.get(service_sid)
            if db is None:
                continue
            for doc_id, doc in sorted(raw_table(db, SESSIONS).items(), key=lambda kv: int(kv[0])):
                book.add_session(doc["sid"], int(doc_id), doc["status"], doc.get("unique_name"))
                if rules.is_active(doc["status"]) and doc.get("date_expiry"):
                    book.schedule(doc["sid"], parse_date(doc["date_expiry"]))
            for doc_id, doc in sorted(raw_table(db, PARTICIPANTS).items(), key=lambda kv: int(kv[0])):
                if doc["session_sid"] not in book.doc_of:
                    raise StoreError(f"sandbox {self.path} is inconsistent: participant {doc['sid']} of "
                                     f"{service_sid} has no session; it was left as it is")
                book.add_member(doc["sid"], Member(doc["session_sid"], doc["identifier"],
                                                   doc.get("proxy_identifier_sid"), int(doc_id)))
            seen: dict[tuple[str, str], str] = {}
            for sid in book.doc_of:
                if not book.is_active(sid):
                    continue
                for number_sid in book.proxies(sid):
                    if self.pool_of.get(number_sid) != service_sid:
                        raise StoreError(f"sandbox {self.path} is inconsistent: active session {sid} holds "
                                         f"{number_sid}, which is not in {service_sid}'s pool; it was left as it is")
                    self.in_use[number_sid] = self.in_use.get(number_sid, 0) + 1
                for p in book.members[sid]:
                    m = book.participants[p]
                    if m.number_sid is None:
                        continue
                    key = (m.identifier, m.number_sid)
                    if key in seen:
                        raise StoreError(f"sandbox {self.path} is inconsistent: {m.identifier} holds one proxy "
                                         f"number in sessions {seen[key]} and {sid}; it was left as it is")
                    seen[key] = sid

    def _book(self, service_sid: str) -> SessionBook:
        self._service_doc(service_sid)
        self._expire_due(service_sid)
        return self.session_books.setdefault(service_sid, SessionBook())

    def _expire_due(self, service_sid: str) -> None:
        """Close the pool's sessions whose TTL has run out, in one durable write (see the module doc)."""
        book = self.session_books.get(service_sid)
        if book is None or not book.due:
            return
        now = self.clock()
        if book.due[0][0] > now:
            return
        gone = book.pop_due(now)
        if not gone:
            return
        ended = {sid: iso8601(when) for sid, when in gone}

        def close(doc: dict[str, Any]) -> None:
            stamp = ended[doc["sid"]]
            doc.update(status="closed", closed_reason=CLOSED_BY_TTL, date_ended=stamp, date_updated=stamp)

        def apply() -> None:
            self.files.pool(service_sid).table(SESSIONS).update(close, doc_ids=[book.doc_of[s] for s in ended])

        self._write(apply)  # a failed write rebuilds every index from disk (and raises)
        for sid in ended:
            book.status[sid] = "closed"
            self._count_in_use(book.proxies(sid), -1)

    def _count_in_use(self, number_sids: set[str], delta: int) -> None:
        for n in number_sids:
            left = self.in_use.get(n, 0) + delta
            if left:
                self.in_use[n] = left
            else:
                self.in_use.pop(n, None)

    def _pool_candidates(self, service_sid: str) -> dict[str, Candidate]:
        """The pool's numbers as candidates (number sid -> Candidate), in pool order.

        Cached per pool (building 5,500 costs ~15 ms): SandboxAccount._pool_db, the way
        to every change of a pool's numbers, drops the entry; the size is checked too."""
        db = self.files.pools.get(service_sid)
        if db is None:
            return {}
        rows = raw_table(db, POOL_NUMBERS)
        cached = self._candidate_cache.get(service_sid)
        if cached is None or len(cached) != len(rows):
            built = sorted((Candidate.from_doc(i, doc) for i, doc in rows.items()), key=lambda c: c.order)
            cached = {c.sid: c for c in built}
            self._candidate_cache[service_sid] = cached
        return cached

    # -- records to models ------------------------------------------------------------------------

    def _session(self, service_sid: str, doc: dict[str, Any]) -> Session:
        return Session(
            sid=doc["sid"], service_sid=service_sid, account_sid=self.account_sid,
            date_created=parse_date(doc["date_created"]), date_updated=parse_date(doc["date_updated"]),
            unique_name=doc.get("unique_name"), status=doc["status"], mode=doc["mode"], ttl=doc.get("ttl", 0),
            date_started=parse_date(doc.get("date_started")), date_ended=parse_date(doc.get("date_ended")),
            date_last_interaction=parse_date(doc.get("date_last_interaction")),
            date_expiry=parse_date(doc.get("date_expiry")), closed_reason=doc.get("closed_reason"),
        )

    def _participant(self, service_sid: str, doc: dict[str, Any]) -> Participant:
        return Participant(
            sid=doc["sid"], session_sid=doc["session_sid"], service_sid=service_sid,
            account_sid=self.account_sid, identifier=doc["identifier"],
            date_created=parse_date(doc["date_created"]), date_updated=parse_date(doc["date_updated"]),
            proxy_identifier=doc.get("proxy_identifier"), proxy_identifier_sid=doc.get("proxy_identifier_sid"),
            friendly_name=doc.get("friendly_name"),
        )

    def _session_doc(self, service_sid: str, sid: str) -> tuple[SessionBook, Any]:
        book = self._book(service_sid)
        rules.check_session_sid(sid, service_sid)
        doc_id = book.doc_of.get(sid)
        if doc_id is None:
            raise rules.not_found(f"/Services/{service_sid}/Sessions/{sid}")
        return book, self.files.pool(service_sid).table(SESSIONS).get(doc_id=doc_id)

    # -- Sessions ---------------------------------------------------------------------------------

    def list_sessions(self, service_sid: str, page_size: int | None = None,
                      page_token: str | None = None) -> Page[Session]:
        size = rules.page_size(page_size)
        book = self._book(service_sid)
        return paging.page_of(book.order, size, page_token,
                              lambda i: self._session(service_sid, self.files.pool(service_sid).table(SESSIONS)
                                                      .get(doc_id=i)))

    def get_session(self, service_sid: str, sid: str) -> Session:
        """By SID, or (as Twilio allows) by UniqueName (80308 when no session has it)."""
        book = self._book(service_sid)
        if not is_sid(sid, "KC"):
            if sid not in book.by_name:
                raise rules.session_name_not_found(sid)
            sid = book.by_name[sid]
        return self._session(service_sid, self._session_doc(service_sid, sid)[1])

    def create_session(self, service_sid: str, *, unique_name: str | None = None, ttl: int | str | None = None,
                       mode: str | None = None, status: str | None = None,
                       participants: list[Any] | None = None) -> Session:
        """A session, with up to two participants made in the same durable write (all or nothing)."""
        service = self._service_doc(service_sid)
        book = self._book(service_sid)
        unique_name = unique_name or None
        rules.check_session_unique_name(unique_name, book.by_name.get(unique_name) if unique_name else None)
        mode = mode or "voice-and-message"
        rules.check_session_mode(mode)
        ttl_s = rules.check_ttl(ttl) if ttl not in (None, "") else int(service.get("default_ttl") or 0)
        status = status or "open"
        rules.check_initial_status(status)
        specs = [self._participant_spec(p) for p in participants or []]
        now = self.clock()
        session = {
            "sid": new_sid("KC", self._rng), "unique_name": unique_name, "status": status, "mode": mode,
            "ttl": ttl_s, "date_started": iso8601(now), "date_ended": None, "date_last_interaction": None,
            "date_expiry": iso8601(now + timedelta(seconds=ttl_s)) if ttl_s else None, "closed_reason": None,
            "date_created": iso8601(now), "date_updated": iso8601(now),
        }
        planned: list[dict[str, Any]] = []
        for spec in specs:
            planned.append(self._plan_participant(service_sid, service, book, session, spec, planned))

        def apply() -> tuple[int, list[int]]:
            db = self.files.pool(service_sid)
            doc_id = db.table(SESSIONS).insert(session)
            ids = db.table(PARTICIPANTS).insert_multiple(planned) if planned else []
            return doc_id, ids

        doc_id, ids = self._write(apply)
        book.add_session(session["sid"], doc_id, status, unique_name)
        book.schedule(session["sid"], parse_date(session["date_expiry"]))
        for doc, pid in zip(planned, ids, strict=True):
            book.add_member(doc["sid"], Member(session["sid"], doc["identifier"], doc["proxy_identifier_sid"], pid))
        self._count_in_use(book.proxies(session["sid"]), +1)
        return self._session(service_sid, session)

    def update_session(self, service_sid: str, sid: str, *, status: str | None = None,
                       ttl: int | str | None = None) -> Session:
        """Close (open/in-progress -> closed), re-open (closed -> in-progress), or change the ttl."""
        book, doc = self._session_doc(service_sid, sid)
        fields: dict[str, Any] = {}
        now = self.clock()
        if ttl not in (None, ""):
            fields["ttl"] = rules.check_ttl(ttl)
            base = parse_date(doc.get("date_last_interaction")) or now
            fields["date_expiry"] = iso8601(base + timedelta(seconds=fields["ttl"])) if fields["ttl"] else None
        was, becomes = doc["status"], status or doc["status"]
        if status is not None:
            rules.check_status_change(was, status)
            if rules.is_active(status):
                self._check_reopen(service_sid, book, sid)
                fields.update(date_ended=None, closed_reason=None)
                if "ttl" not in fields:  # re-opened: its TTL counts afresh from now (else it would close again)
                    ttl_s = int(doc.get("ttl") or 0)
                    fields["date_expiry"] = iso8601(now + timedelta(seconds=ttl_s)) if ttl_s else None
            else:
                fields.update(date_ended=iso8601(now))
            fields["status"] = status
        if not fields:
            return self._session(service_sid, doc)
        fields["date_updated"] = iso8601(now)

        def apply() -> None:
            self.files.pool(service_sid).table(SESSIONS).update(fields, doc_ids=[doc.doc_id])

        self._write(apply)
        book.status[sid] = becomes
        if rules.is_active(was) != rules.is_active(becomes):
            self._count_in_use(book.proxies(sid), +1 if rules.is_active(becomes) else -1)
        expiry = fields["date_expiry"] if "date_expiry" in fields else doc.get("date_expiry")
        book.schedule(sid, parse_date(expiry) if rules.is_active(becomes) else None)
        return self.get_session(service_sid, sid)

    def _check_reopen(self, service_sid: str, book: SessionBook, sid: str) -> None:
        """Re-opening must keep the invariant: every proxy number still in the pool (80605),
        none held by the same identifier in another active session (80623)."""
        for p in book.members[sid]:
            m = book.participants[p]
            if m.number_sid is None:
                continue
            rules.check_explicit_proxy(self.pool_of.get(m.number_sid) == service_sid, m.number_sid)
            phone = self.get_number(service_sid, m.number_sid).phone_number
            rules.check_not_held(m.identifier, phone, book.held(m.identifier, other_than=sid).get(m.number_sid))

    def delete_session(self, service_sid: str, sid: str) -> None:
        book, doc = self._session_doc(service_sid, sid)
        member_ids = [book.participants[p].doc_id for p in book.members[sid]]

        def apply() -> None:
            db = self.files.pool(service_sid)
            if member_ids:
                db.table(PARTICIPANTS).remove(doc_ids=member_ids)
            db.table(SESSIONS).remove(doc_ids=[doc.doc_id])

        self._write(apply)
        if book.is_active(sid):
            self._count_in_use(book.proxies(sid), -1)
        for p in list(book.members[sid]):
            book.drop_member(p)
        book.schedule(sid, None)
        del book.members[sid], book.status[sid], book.doc_of[sid]
        book.order.remove(doc.doc_id)
        if doc.get("unique_name"):
            book.by_name.pop(doc["unique_name"], None)

    # -- Participants -----------------------------------------------------------------------------

    @staticmethod
    def _participant_spec(spec: Any) -> dict[str, Any]:
        """One item of a session create's Participants: a dict (or, as on the wire, its JSON text)."""
        if isinstance(spec, str):
            try:
                spec = json.loads(spec)
            except ValueError:
                raise ProxyError(80701, 400, f"Parameter Validation Failed: Participants item {spec!r} is not JSON") from None
        if not isinstance(spec, dict):
            raise ProxyError(80701, 400, f"Parameter Validation Failed: Participants item {spec!r} is not an object")
        unknown = sorted(k for k in spec if k not in _PARTICIPANT_KEYS)
        if unknown:
            raise ProxyError(20001, 400, f"Unknown parameters: {', '.join(unknown)}")
        return {_PARTICIPANT_KEYS[k]: v for k, v in spec.items() if v not in (None, "")}

    def _plan_participant(self, service_sid: str, service: dict[str, Any], book: SessionBook,
                          session: dict[str, Any], spec: dict[str, Any],
                          planned: list[dict[str, Any]]) -> dict[str, Any]:
        """Check one participant against every rule and choose its number; nothing is written."""
        session_sid = session["sid"]
        identifier = rules.check_identifier(spec.get("identifier"))
        friendly_name = spec.get("friendly_name")
        rules.check_friendly_name(friendly_name)
        rules.check_session_accepts_participants(session["status"], session_sid)
        present = [book.participants[p].identifier for p in book.members.get(session_sid, ())]
        present += [d["identifier"] for d in planned]
        rules.check_participant_room(len(present))
        rules.check_not_in_session(identifier, identifier in present)
        held = book.held(identifier, other_than=session_sid)
        candidates = self._pool_candidates(service_sid)
        explicit_sid, explicit_phone = spec.get("proxy_identifier_sid"), spec.get("proxy_identifier")
        if explicit_sid or explicit_phone:
            chosen = self._explicit_number(candidates, explicit_sid, explicit_phone)
            rules.check_not_held(identifier, chosen.phone_number, held.get(chosen.sid))
        else:
            # this session's own numbers already count in in_use once; choosing one adds nothing
            own = book.proxies(session_sid) if session_sid in book.status and book.is_active(session_sid) else set()
            chosen = select_number(
                list(candidates.values()), identifier=identifier, mode=session["mode"],
                geo_match_level=service.get("geo_match_level") or "country",
                behavior=service.get("number_selection_behavior") or "prefer-sticky",
                held=set(held), history=book.history(identifier), in_use=self.in_use, own=own,
            )
        now = iso8601(self.clock())
        return {
            "sid": new_sid("KP", self._rng), "session_sid": session_sid, "identifier": identifier,
            "friendly_name": friendly_name, "proxy_identifier": chosen.phone_number,
            "proxy_identifier_sid": chosen.sid, "date_created": now, "date_updated": now,
        }

    def _explicit_number(self, by_sid: dict[str, Candidate], sid: str | None, phone: str | None) -> Candidate:
        """ProxyIdentifierSid and/or ProxyIdentifier: must be in this pool (80605); reserved is allowed."""
        found: Candidate | None = None
        if sid:
            rules.check_proxy_sid_form(sid)
            found = by_sid.get(sid)
            rules.check_explicit_proxy(found is not None, sid)
        if phone:
            try:
                e164 = parse_e164(str(phone))
            except InvalidNumber:
                e164 = str(phone)
            match = by_sid.get(self.number_by_phone.get(e164, ""))
            rules.check_explicit_proxy(match is not None, str(phone))
            if found is not None and match is not found:
                raise ProxyError(80701, 400, "Parameter Validation Failed: ProxyIdentifier and ProxyIdentifierSid "
                                             "name different numbers")
            found = match
        assert found is not None
        return found

    def add_participant(self, service_sid: str, session_sid: str, *, identifier: str,
                        friendly_name: str | None = None, proxy_identifier: str | None = None,
                        proxy_identifier_sid: str | None = None) -> Participant:
        service = self._service_doc(service_sid)
        book, session = self._session_doc(service_sid, session_sid)
        spec = self._participant_spec({
            "identifier": identifier, "friendly_name": friendly_name,
            "proxy_identifier": proxy_identifier, "proxy_identifier_sid": proxy_identifier_sid,
        })
        doc = self._plan_participant(service_sid, service, book, session, spec, [])
        before = book.proxies(session_sid)
        session_fields = {"date_updated": doc["date_created"]}

        def apply() -> int:
            db = self.files.pool(service_sid)
            db.table(SESSIONS).update(session_fields, doc_ids=[session.doc_id])
            return db.table(PARTICIPANTS).insert(doc)

        doc_id = self._write(apply)
        book.add_member(doc["sid"], Member(session_sid, doc["identifier"], doc["proxy_identifier_sid"], doc_id))
        if book.is_active(session_sid):
            self._count_in_use(book.proxies(session_sid) - before, +1)
        return self._participant(service_sid, doc)

    def _participant_doc(self, service_sid: str, session_sid: str, sid: str) -> tuple[SessionBook, Any]:
        book, _ = self._session_doc(service_sid, session_sid)
        rules.check_participant_sid(sid, service_sid, session_sid)
        m = book.participants.get(sid)
        if m is None or m.session_sid != session_sid:
            raise rules.not_found(f"/Services/{service_sid}/Sessions/{session_sid}/Participants/{sid}")
        return book, self.files.pool(service_sid).table(PARTICIPANTS).get(doc_id=m.doc_id)

    def list_participants(self, service_sid: str, session_sid: str, page_size: int | None = None,
                          page_token: str | None = None) -> Page[Participant]:
        size = rules.page_size(page_size)
        book, _ = self._session_doc(service_sid, session_sid)
        order = sorted(book.participants[p].doc_id for p in book.members[session_sid])
        table = self.files.pool(service_sid).table(PARTICIPANTS)
        return paging.page_of(order, size, page_token, lambda i: self._participant(service_sid, table.get(doc_id=i)))

    def get_participant(self, service_sid: str, session_sid: str, sid: str) -> Participant:
        return self._participant(service_sid, self._participant_doc(service_sid, session_sid, sid)[1])

    def remove_participant(self, service_sid: str, session_sid: str, sid: str) -> None:
        book, doc = self._participant_doc(service_sid, session_sid, sid)

        def apply() -> None:
            self.files.pool(service_sid).table(PARTICIPANTS).remove(doc_ids=[doc.doc_id])

        self._write(apply)
        before = book.proxies(session_sid)
        book.drop_member(sid)
        if book.is_active(session_sid):
            self._count_in_use(before - book.proxies(session_sid), -1)

    # -- views for the simulator and the pool screen ----------------------------------------------

    def active_participations(self, service_sid: str) -> list[tuple[str, str, str | None]]:
        """(identifier, session sid, proxy number sid) of every participant of an active session."""
        book = self._book(service_sid)
        return [(m.identifier, m.session_sid, m.number_sid)
                for m in book.participants.values() if book.is_active(m.session_sid)]

    def sessions_holding(self, service_sid: str, number_sid: str) -> list[Session]:
        """The active sessions in which a participant holds this pool number (its `in_use`)."""
        book = self._book(service_sid)
        sids = sorted({m.session_sid for m in book.participants.values()
                       if m.number_sid == number_sid and book.is_active(m.session_sid)},
                      key=lambda s: book.doc_of[s])
        table = self.files.pool(service_sid).table(SESSIONS)
        return [self._session(service_sid, table.get(doc_id=book.doc_of[s])) for s in sids]
