"""The interaction ledger: each Service's Interactions (messages sent through its sessions).

A Service's interactions live in its pool file (table INTERACTIONS) beside its sessions, so
sending a message and moving its session to in-progress is one pool-file write. The ledger
owns, per Service, the indexes (interaction SID -> document id, each session's and each
participant's interactions in the order they were made) and every change to that table; the
account makes each change one transaction, with the session ledger's change beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sandbox.records import Record
from sandbox.sessions import SessionLedger
from sandbox.store import SandboxFiles, StoreError, raw_table

INTERACTIONS = "interactions"


@dataclass
class InteractionBook:
    doc_of: dict[str, int] = field(default_factory=dict)  # interaction sid -> doc id
    session_of: dict[str, str] = field(default_factory=dict)  # interaction sid -> session sid
    participant_of: dict[str, str | None] = field(default_factory=dict)  # interaction sid -> participant sid
    by_session: dict[str, list[int]] = field(default_factory=dict)  # session sid -> doc ids, ascending
    by_participant: dict[str, list[int]] = field(default_factory=dict)  # participant sid -> doc ids, ascending

    def add(self, sid: str, doc_id: int, session_sid: str, participant_sid: str | None) -> None:
        self.doc_of[sid] = doc_id
        self.session_of[sid] = session_sid
        self.participant_of[sid] = participant_sid
        self.by_session.setdefault(session_sid, []).append(doc_id)  # ids only grow: the lists stay sorted
        if participant_sid:
            self.by_participant.setdefault(participant_sid, []).append(doc_id)

    def drop(self, sid: str) -> int:
        doc_id = self.doc_of.pop(sid)
        self.by_session[self.session_of.pop(sid)].remove(doc_id)
        participant_sid = self.participant_of.pop(sid)
        if participant_sid:
            self.by_participant[participant_sid].remove(doc_id)
        return doc_id


class InteractionLedger:
    def __init__(self, files: SandboxFiles, sessions: SessionLedger):
        """The interactions of the session ledger's Services, each Service's indexed when first needed;
        one whose session is not there is refused then."""
        self.files = files
        self.sessions = sessions
        self.books: dict[str, InteractionBook] = {}  # the Services indexed so far

    def _index(self, service_sid: str) -> InteractionBook:
        sessions_of = self.sessions.book(service_sid).doc_of  # KeyError for a Service the account has not
        book = InteractionBook()
        db = self.files.load(service_sid)
        rows = raw_table(db, INTERACTIONS) if db is not None else {}
        for doc_id, doc in sorted(rows.items(), key=lambda kv: int(kv[0])):
            if doc["session_sid"] not in sessions_of:
                raise StoreError(f"sandbox {self.files.path} is inconsistent: interaction {doc['sid']} of "
                                 f"{service_sid} has no session; it was left as it is")
            book.add(doc["sid"], int(doc_id), doc["session_sid"], doc.get("participant_sid"))
        self.books[service_sid] = book
        return book

    def book(self, service_sid: str) -> InteractionBook:
        book = self.books.get(service_sid)
        return book if book is not None else self._index(service_sid)

    def unload(self, service_sid: str) -> None:
        self.books.pop(service_sid, None)

    # -- queries -----------------------------------------------------------------------------------

    def _fetch(self, service_sid: str) -> Callable[[int], Record]:
        # called only with the pool's own ids: a read never makes an empty pool's file
        return lambda doc_id: self.files.pool(service_sid).table(INTERACTIONS).get(doc_id=doc_id)  # type: ignore[return-value]

    def of_session(self, service_sid: str, session_sid: str) -> tuple[list[int], Callable[[int], Record]]:
        return list(self.book(service_sid).by_session.get(session_sid, ())), self._fetch(service_sid)

    def of_participant(self, service_sid: str, participant_sid: str) -> tuple[list[int], Callable[[int], Record]]:
        return list(self.book(service_sid).by_participant.get(participant_sid, ())), self._fetch(service_sid)

    def record(self, service_sid: str, session_sid: str, sid: str,
               participant_sid: str | None = None) -> Record | None:
        """The interaction, if it is this session's (and, when given, this participant's)."""
        book = self.book(service_sid)
        if book.session_of.get(sid) != session_sid:
            return None
        if participant_sid is not None and book.participant_of.get(sid) != participant_sid:
            return None
        return self._fetch(service_sid)(book.doc_of[sid])

    # -- changes (inside the account's transaction) ------------------------------------------------------

    def open_book(self, service_sid: str) -> None:
        self.books[service_sid] = InteractionBook()

    def drop_book(self, service_sid: str) -> None:
        self.books.pop(service_sid, None)  # its records went with the pool file

    def add(self, service_sid: str, doc: Record) -> None:
        doc_id = self.files.pool(service_sid).table(INTERACTIONS).insert(doc)
        self.book(service_sid).add(doc["sid"], doc_id, doc["session_sid"], doc.get("participant_sid"))

    def remove(self, service_sid: str, sid: str) -> None:
        doc_id = self.book(service_sid).drop(sid)
        self.files.pool(service_sid).table(INTERACTIONS).remove(doc_ids=[doc_id])

    def remove_session(self, service_sid: str, session_sid: str) -> None:
        """A deleted session's interactions go with it."""
        book = self.book(service_sid)
        sids = [sid for sid, session in book.session_of.items() if session == session_sid]
        doc_ids = [book.drop(sid) for sid in sids]
        book.by_session.pop(session_sid, None)
        if doc_ids:
            self.files.pool(service_sid).table(INTERACTIONS).remove(doc_ids=doc_ids)
