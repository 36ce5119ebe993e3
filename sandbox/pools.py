"""The pool ledger: which numbers each Service's pool holds, and their reservation counts.

It owns the pool index (per Service: number SID -> document id, the pool's order, the
reserved/unreserved counts), `service_holding` (number SID -> its Service: a number is in
at most one pool) and number selection's view of each pool (its candidates). Every change
to a pool's numbers goes through it, so it drops that pool's candidates inside its own
writes. The records live in the pool files (store.NUMBERS); the ledger edits them in place
and the account makes each change one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from sandbox import rules
from sandbox.records import Record
from sandbox.selection import Candidate
from sandbox.store import NUMBERS, SandboxFiles, StoreError, raw_table


@dataclass
class PoolIndex:
    """One Service's pool: document ids in insertion order and the reservation counts."""

    doc_of: dict[str, int] = field(default_factory=dict)
    order: list[int] = field(default_factory=list)
    reserved: int = 0
    unreserved: int = 0

    def counts(self) -> rules.PoolCounts:
        return rules.PoolCounts(reserved=self.reserved, unreserved=self.unreserved)

    def count(self, is_reserved: bool, delta: int) -> None:
        if is_reserved:
            self.reserved += delta
        else:
            self.unreserved += delta


@dataclass(frozen=True, slots=True)
class Candidates:
    """A pool's numbers as number selection sees them, by SID and by E.164 (the same objects), in pool order."""

    by_sid: dict[str, Candidate]
    by_phone: dict[str, Candidate]


class PoolLedger:
    def __init__(self, files: SandboxFiles, service_sids: Iterable[str], owned: Collection[str]):
        """Index every Service's pool file; refuse a state that breaks an invariant (a number in two
        pools, or a pool number the account does not own), leaving the files as they are."""
        self.files = files
        self.pools: dict[str, PoolIndex] = {}
        self._service_of: dict[str, str] = {}
        self._candidates: dict[str, Candidates] = {}
        for service_sid in service_sids:
            self.pools[service_sid] = self._index(service_sid, owned)

    def _index(self, service_sid: str, owned: Collection[str]) -> PoolIndex:
        pool = PoolIndex()
        db = self.files.pools.get(service_sid)
        rows = raw_table(db, NUMBERS) if db is not None else {}
        doc_of = {doc["sid"]: int(doc_id) for doc_id, doc in rows.items()}
        if len(doc_of) == len(rows) and doc_of.keys().isdisjoint(self._service_of) and doc_of.keys() <= owned:
            # the usual case, checked in bulk (55,000 numbers open faster): each once, in no other pool, owned
            self._service_of.update(dict.fromkeys(doc_of, service_sid))
            pool.doc_of = doc_of
            pool.order = sorted(doc_of.values())
            pool.reserved = sum(1 for doc in rows.values() if doc["is_reserved"])
            pool.unreserved = len(rows) - pool.reserved
            return pool
        for doc_id, doc in rows.items():  # one by one, for the precise message
            sid = doc["sid"]
            if sid in self._service_of:
                raise StoreError(
                    f"sandbox {self.files.path} is inconsistent: number {doc['phone_number']} is in two "
                    f"Services ({self._service_of[sid]} and {service_sid}); it was left as it is"
                )
            if sid not in owned:
                raise StoreError(
                    f"sandbox {self.files.path} is inconsistent: pool number {sid} of {service_sid} "
                    "is not one of the account's numbers; it was left as it is"
                )
            self._service_of[sid] = service_sid
            pool.doc_of[sid] = int(doc_id)
            pool.order.append(int(doc_id))
            pool.count(doc["is_reserved"], +1)
        pool.order.sort()
        return pool

    # -- queries ------------------------------------------------------------------------------

    def pool(self, service_sid: str) -> PoolIndex:
        return self.pools[service_sid]

    def service_holding(self, number_sid: str) -> str | None:
        """The Service whose pool holds this number, or None."""
        return self._service_of.get(number_sid)

    def membership(self) -> dict[str, str]:
        """Every pool number's Service (a copy: number SID -> Service SID)."""
        return dict(self._service_of)

    def pooled_count(self) -> int:
        return len(self._service_of)

    def record(self, service_sid: str, number_sid: str) -> Record | None:
        """The pool's record of a number, or None when the pool does not hold it."""
        doc_id = self.pools[service_sid].doc_of.get(number_sid)
        if doc_id is None:
            return None
        return self.files.pool(service_sid).table(NUMBERS).get(doc_id=doc_id)  # type: ignore[return-value]

    def fetcher(self, service_sid: str) -> Callable[[int], Record]:
        """Document id -> record, for paging through the pool: only ever called with the pool's own ids,
        so an empty pool's file is never made by a read. The records are the stored ones, not
        TinyDB's copies (a page is only rendered from them; copying was a fifth of listing a page):
        never modify one, and use them before the next change."""
        rows: dict[str, Record] | None = None

        def fetch(doc_id: int) -> Record:
            nonlocal rows
            if rows is None:  # the file at the first id, not before
                rows = raw_table(self.files.pool(service_sid), NUMBERS)
            return rows[str(doc_id)]

        return fetch

    def candidates(self, service_sid: str) -> Candidates:
        """The pool as number selection sees it; built once per change of the pool (5,500 cost ~15 ms)."""
        cached = self._candidates.get(service_sid)
        if cached is None:
            db = self.files.pools.get(service_sid)
            rows = raw_table(db, NUMBERS) if db is not None else {}
            built = sorted((Candidate.from_record(i, doc) for i, doc in rows.items()), key=lambda c: c.order)
            cached = Candidates({c.sid: c for c in built}, {c.phone_number: c for c in built})
            self._candidates[service_sid] = cached
        return cached

    # -- changes (inside the account's transaction) ------------------------------------------------

    def _changing(self, service_sid: str) -> Any:
        """The pool file's numbers table, for a change: selection's view of the pool is stale."""
        self._candidates.pop(service_sid, None)
        return self.files.pool(service_sid).table(NUMBERS)

    def open_pool(self, service_sid: str) -> None:
        """A new Service's empty pool (its file is made with its first number)."""
        self.pools[service_sid] = PoolIndex()

    def drop_pool(self, service_sid: str) -> list[str]:
        """A deleted Service's pool: its numbers are released. Returns their SIDs."""
        pool = self.pools.pop(service_sid)
        self._candidates.pop(service_sid, None)
        self.files.drop_pool(service_sid)
        for number_sid in pool.doc_of:
            self._service_of.pop(number_sid, None)
        return list(pool.doc_of)

    def add(self, service_sid: str, records: list[Record]) -> None:
        """Numbers join the pool (checked by the caller), in one write of its file."""
        ids = self._changing(service_sid).insert_multiple(records)
        pool = self.pools[service_sid]
        for doc, doc_id in zip(records, ids, strict=True):
            pool.doc_of[doc["sid"]] = doc_id
            pool.order.append(doc_id)  # ids only grow, so the order stays sorted
            pool.count(doc["is_reserved"], +1)
            self._service_of[doc["sid"]] = service_sid

    def set_reserved(self, service_sid: str, number_sid: str, is_reserved: bool, stamp: str) -> None:
        pool = self.pools[service_sid]
        doc_id = pool.doc_of[number_sid]
        table = self._changing(service_sid)
        was = bool(table.get(doc_id=doc_id)["is_reserved"])
        table.update({"is_reserved": is_reserved, "date_updated": stamp}, doc_ids=[doc_id])
        if was != is_reserved:
            pool.count(was, -1)
            pool.count(is_reserved, +1)

    def remove(self, service_sid: str, number_sid: str) -> None:
        pool = self.pools[service_sid]
        doc_id = pool.doc_of.pop(number_sid)
        table = self._changing(service_sid)
        was = bool(table.get(doc_id=doc_id)["is_reserved"])
        table.remove(doc_ids=[doc_id])
        pool.order.remove(doc_id)
        pool.count(was, -1)
        del self._service_of[number_sid]
