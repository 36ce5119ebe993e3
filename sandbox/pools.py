"""The pool ledger: which numbers each Service's pool holds, and their reservation counts.

It owns the pool index (per Service: number SID -> document id, the pool's order, the
reserved/unreserved counts), `service_holding` (number SID -> its Service: a number is in
at most one pool) and number selection's view of each pool (its candidates). Every change
to a pool's numbers goes through it, so it drops that pool's candidates inside its own
writes. The records live in the pool files (store.NUMBERS); the ledger edits them in place
and the account makes each change one transaction.

A pool is indexed when first needed, not at open: which pool holds each number is kept on the
owned numbers' records (the catalog's `pool` field, changed in the same transaction), and a pool's
counts as of the last fold on its Service's record, so the Services list needs no pool file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sandbox import rules
from sandbox.catalog import Catalog
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
    def __init__(self, files: SandboxFiles, service_sids: Iterable[str], catalog: Catalog):
        """The pools of these Services. Which pool holds each number is the catalog's (each owned number
        names its pool), so opening reads no pool file: a pool is indexed when first needed (load)."""
        self.files = files
        self.catalog = catalog
        self.services = set(service_sids)
        self.pools: dict[str, PoolIndex] = {}  # the pools indexed so far
        # number SID -> its Service, and numbers per pool, as the owned numbers say: read with them
        self._membership: tuple[dict[str, str], Counter[str]] | None = None
        self._candidates: dict[str, Candidates] = {}
        catalog.checks.append(self._read_membership)

    def _read_membership(self) -> None:
        """The owned numbers were just read: learn which pool holds each, and check the pools indexed
        before against it (they were indexed without it)."""
        service_of = self.catalog.pools_of_owned()
        self._membership = (service_of, Counter(service_of.values()))
        try:
            for service_sid in list(self.pools):
                db = self.files.load(service_sid)
                self._check(service_sid, raw_table(db, NUMBERS) if db is not None else {})
        except BaseException:
            self._membership = None
            raise

    @property
    def _service_of(self) -> dict[str, str]:
        if self._membership is None:
            if self.catalog.owned_read:  # read before this ledger was made
                self._read_membership()
            else:
                self.catalog.owned_sids()  # reads the owned numbers, which sets it
        assert self._membership is not None
        return self._membership[0]

    @property
    def _size(self) -> Counter[str]:
        self._service_of  # noqa: B018 - read with it
        assert self._membership is not None
        return self._membership[1]

    def membership_from_files(self) -> dict[str, str]:
        """Which pool holds each number, as the pool files say (a version 1 sandbox keeps it nowhere else):
        reads every pool file; refuses a number in two pools or one the account does not own."""
        found: dict[str, str] = {}
        owned = self.catalog.owned_sids()
        for service_sid in sorted(self.services):
            db = self.files.load(service_sid)
            for doc in (raw_table(db, NUMBERS) if db is not None else {}).values():
                sid = doc["sid"]
                if sid in found:
                    raise self._in_two(doc, found[sid], service_sid)
                if sid not in owned:
                    raise self._not_owned(sid, service_sid)
                found[sid] = service_sid
        return found

    def adopt(self, membership: dict[str, str]) -> None:
        """Inside a write: the catalog learns which pool holds each number (migrating a version 1 sandbox)."""
        by_pool: dict[str, list[str]] = {}
        for number_sid, service_sid in membership.items():
            by_pool.setdefault(service_sid, []).append(number_sid)
        for service_sid, sids in by_pool.items():
            self.catalog.set_pool(sids, service_sid)
        self._membership = (dict(membership), Counter(membership.values()))
        self.pools.clear()
        self._candidates.clear()

    def _inconsistent(self, what: str) -> StoreError:
        return StoreError(f"sandbox {self.files.path} is inconsistent: {what}; it was left as it is")

    def _in_two(self, doc: Record, first: str, second: str) -> StoreError:
        return self._inconsistent(f"number {doc['phone_number']} is in two Services ({first} and {second})")

    def _not_owned(self, sid: str, service_sid: str) -> StoreError:
        return self._inconsistent(f"pool number {sid} of {service_sid} is not one of the account's numbers")

    def load(self, service_sid: str) -> PoolIndex:
        """Index a Service's pool from its pool file, checked against the owned numbers (now if they are
        read, else when they are): each number owned and named as in this pool, and every number they
        put in it there (else the files are left as they are and nothing is indexed)."""
        if service_sid not in self.services:
            raise KeyError(service_sid)
        db = self.files.load(service_sid)
        rows = raw_table(db, NUMBERS) if db is not None else {}
        doc_of = {doc["sid"]: int(doc_id) for doc_id, doc in rows.items()}
        if len(doc_of) != len(rows):  # a number twice in the file (checked before anything is indexed)
            seen: set[str] = set()
            for doc in rows.values():
                if doc["sid"] in seen:
                    raise self._inconsistent(f"number {doc['phone_number']} is twice in {service_sid}'s pool")
                seen.add(doc["sid"])
        reserved = sum(1 for doc in rows.values() if doc["is_reserved"])
        kept = self.catalog.stored_counts(service_sid) or {}
        if self._membership is None and (kept.get("reserved"), kept.get("unreserved")) != (reserved, len(rows) - reserved):
            self._service_of  # noqa: B018 - not as the account file last saw it: check it against the owned numbers now
        if self._membership is not None:
            self._check(service_sid, rows)
        pool = PoolIndex(doc_of=doc_of, order=sorted(doc_of.values()))
        pool.reserved = reserved
        pool.unreserved = len(rows) - reserved
        self.pools[service_sid] = pool
        return pool

    def _check(self, service_sid: str, rows: dict[str, Record]) -> None:
        """Refuse a pool file the owned numbers (read) do not agree with: each of its numbers owned and
        named as in this pool, and as many as they put in it; with the precise message."""
        assert self._membership is not None
        service_of, size = self._membership
        if len(rows) == size[service_sid] and all(service_of.get(doc["sid"]) == service_sid for doc in rows.values()):
            return
        for doc in rows.values():
            sid, holder = doc["sid"], service_of.get(doc["sid"])
            if self.catalog.owned(sid) is None:
                raise self._not_owned(sid, service_sid)
            if holder is not None and holder != service_sid:
                raise self._in_two(doc, holder, service_sid)
            if holder is None:
                raise self._inconsistent(f"number {doc['phone_number']} is in {service_sid}'s pool file, "
                                         "but the numbers file has it in no pool")
        raise self._inconsistent(f"the numbers file has {size[service_sid]} numbers in {service_sid}'s pool, "
                                 f"its pool file {len(rows)}")

    def unload(self, service_sid: str) -> None:
        """Forget a pool's index (its file's data is leaving memory)."""
        self.pools.pop(service_sid, None)
        self._candidates.pop(service_sid, None)

    # -- queries ------------------------------------------------------------------------------

    def pool(self, service_sid: str) -> PoolIndex:
        """The pool's index (built now if it was not yet)."""
        pool = self.pools.get(service_sid)
        return pool if pool is not None else self.load(service_sid)

    def counts(self, service_sid: str) -> rules.PoolCounts:
        """The pool's reservation counts: kept on its Service's record while its file is not read (when they
        agree with how many numbers the catalog puts in it), else from its index."""
        stored = self.stored(service_sid)
        if stored is not None:
            return rules.PoolCounts(reserved=stored["reserved"], unreserved=stored["unreserved"])
        return self.pool(service_sid).counts()

    def stored(self, service_sid: str) -> dict[str, Any] | None:
        """The counts kept on the Service's record, when they hold: its pool file is not read (none of the
        journal's changes is in it) and they agree with the catalog's number of pool numbers."""
        if self.files.loaded(service_sid):
            return None
        stored = self.catalog.stored_counts(service_sid)
        if stored is None or not isinstance(stored.get("reserved"), int) or not isinstance(stored.get("unreserved"), int):
            return None
        if self._membership is not None and stored["reserved"] + stored["unreserved"] != self._membership[1][service_sid]:
            return None  # older than the owned numbers say: the pool file is read for them
        return stored

    def loaded(self, service_sid: str) -> bool:
        return service_sid in self.pools


    def service_holding(self, number_sid: str) -> str | None:
        """The Service whose pool holds this number, or None."""
        return self._service_of.get(number_sid)

    def membership(self) -> dict[str, str]:
        """Every pool number's Service (a copy: number SID -> Service SID)."""
        return dict(self._service_of)

    def pooled_count(self) -> int:
        """How many numbers are in a pool, from each pool's counts (no file read for it)."""
        return sum(counts.reserved + counts.unreserved for counts in map(self.counts, self.services))

    def record(self, service_sid: str, number_sid: str) -> Record | None:
        """The pool's record of a number, or None when the pool does not hold it."""
        doc_id = self.pool(service_sid).doc_of.get(number_sid)
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
            db = self.files.load(service_sid)
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
        self.services.add(service_sid)
        self.pools[service_sid] = PoolIndex()

    def drop_pool(self, service_sid: str) -> list[str]:
        """A deleted Service's pool: its numbers are released. Returns their SIDs."""
        self.pool(service_sid)  # read and checked: an inconsistent pool is refused, not deleted
        service_of = self._service_of
        numbers = [n for n, s in service_of.items() if s == service_sid]
        self.services.discard(service_sid)
        self.pools.pop(service_sid, None)
        self._candidates.pop(service_sid, None)
        self.files.drop_pool(service_sid)
        if numbers:
            self.catalog.set_pool(numbers, None)
        for number_sid in numbers:
            del self._service_of[number_sid]
        self._size.pop(service_sid, None)
        return numbers

    def add(self, service_sid: str, records: list[Record]) -> None:
        """Numbers join the pool (checked by the caller), in one write of its file."""
        pool = self.pool(service_sid)
        service_of = self._service_of  # the owned numbers read (and checked) before anything changes
        ids = self._changing(service_sid).insert_multiple(records)
        self.catalog.set_pool([doc["sid"] for doc in records], service_sid)
        for doc, doc_id in zip(records, ids, strict=True):
            pool.doc_of[doc["sid"]] = doc_id
            pool.order.append(doc_id)  # ids only grow, so the order stays sorted
            pool.count(doc["is_reserved"], +1)
            service_of[doc["sid"]] = service_sid
        self._size[service_sid] += len(records)

    def set_reserved(self, service_sid: str, number_sid: str, is_reserved: bool, stamp: str) -> None:
        pool = self.pool(service_sid)
        doc_id = pool.doc_of[number_sid]
        table = self._changing(service_sid)
        was = bool(table.get(doc_id=doc_id)["is_reserved"])
        table.update({"is_reserved": is_reserved, "date_updated": stamp}, doc_ids=[doc_id])
        if was != is_reserved:
            pool.count(was, -1)
            pool.count(is_reserved, +1)

    def remove(self, service_sid: str, number_sid: str) -> None:
        pool = self.pool(service_sid)
        service_of = self._service_of  # the owned numbers read (and checked) before anything changes
        doc_id = pool.doc_of.pop(number_sid)
        table = self._changing(service_sid)
        was = bool(table.get(doc_id=doc_id)["is_reserved"])
        table.remove(doc_ids=[doc_id])
        self.catalog.set_pool([number_sid], None)
        pool.order.remove(doc_id)
        pool.count(was, -1)
        del service_of[number_sid]
        self._size[service_sid] -= 1
