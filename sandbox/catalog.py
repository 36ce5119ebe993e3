"""The catalog: the Services (account file) and the owned numbers (IncomingPhoneNumbers, the numbers
file), indexed.

It owns the indexes by SID, by Service UniqueName and by E.164, and every change to those two
tables (store.SERVICES, store.ACCOUNT_NUMBERS); the account makes each change one transaction.

The account opens reading neither the numbers file nor any pool file (format version 2):
- the owned numbers are indexed when first needed (a buy, an add to a pool, a listing); then
  `checks` run (the ledgers check what they hold against them) before the index is used;
- an owned number's `pool` names the Service whose pool holds it (the pool ledger keeps it, in
  the same change as the pool file's);
- a Service's `pool_counts` and the meta's `owned` are counts as of the last fold (derived from
  the files, written before each fold, never journalled).
"""

from __future__ import annotations

from collections.abc import Callable, KeysView
from typing import Any

from sandbox.records import Record
from sandbox.store import ACCOUNT_NUMBERS, META, OWNED_COUNT, SERVICES, SandboxFiles, raw_table

POOL = "pool"  # an owned number's field: its pool's Service SID
POOL_COUNTS = "pool_counts"  # a Service's field: {"reserved", "unreserved", "busy", "next_expiry"}


class Catalog:
    def __init__(self, files: SandboxFiles):
        self.files = files
        # raw_table: the stored documents without TinyDB's per-document copy (opening 55,000 numbers)
        services = raw_table(files.account, SERVICES)
        self._service_doc = {doc["sid"]: int(doc_id) for doc_id, doc in services.items()}
        self._service_by_name = {doc["unique_name"]: doc["sid"] for doc in services.values()}
        self._owned_index: tuple[dict[str, int], dict[str, str]] | None = None  # (SID -> doc id, E.164 -> SID)
        # run once the owned numbers are read, before their index is used; each raises a StoreError
        # for a state that breaks an invariant (then the index is not kept: refused every time)
        self.checks: list[Callable[[], None]] = []

    def _index(self) -> tuple[dict[str, int], dict[str, str]]:
        if self._owned_index is None:
            owned = raw_table(self.files.numbers(), ACCOUNT_NUMBERS)  # comprehensions: 55,000 numbers index faster
            index = ({doc["sid"]: int(doc_id) for doc_id, doc in owned.items()},
                     {doc["phone_number"]: doc["sid"] for doc in owned.values()})
            self._owned_index = index
            try:
                for check in self.checks:
                    check()
            except BaseException:
                self._owned_index = None
                raise
        return self._owned_index

    @property
    def _owned_doc(self) -> dict[str, int]:
        return self._index()[0]

    @property
    def _owned_by_phone(self) -> dict[str, str]:
        return self._index()[1]

    def _table(self) -> Any:
        return self.files.numbers().table(ACCOUNT_NUMBERS)

    @property
    def owned_read(self) -> bool:
        return self._owned_index is not None

    def owned_count(self) -> int:
        """How many numbers the account owns: as the meta kept it at the last fold while the numbers file
        is not read, else counted."""
        if self._owned_index is None and not self.files.numbers_loaded:
            kept = raw_table(self.files.account, META).get("1", {}).get(OWNED_COUNT)
            if isinstance(kept, int):
                return kept
        return len(self._owned_doc)

    def store_owned_count(self) -> None:
        """Before a fold: the meta keeps the count (derived data, see the module doc)."""
        if self._owned_index is not None:
            self.files.derive(META, "1", {OWNED_COUNT: len(self._owned_index[0])})

    # -- Services -------------------------------------------------------------------------------

    def service_sids(self) -> list[str]:
        """Every Service, in the order they were created."""
        return sorted(self._service_doc, key=self._service_doc.__getitem__)

    def service(self, sid: str) -> Record | None:
        doc_id = self._service_doc.get(sid)
        return None if doc_id is None else self.files.account.table(SERVICES).get(doc_id=doc_id)  # type: ignore[return-value]

    def service_named(self, unique_name: str) -> str | None:
        """The SID of the Service with this UniqueName."""
        return self._service_by_name.get(unique_name)

    def service_names(self) -> dict[str, str]:
        """UniqueName -> SID, a copy."""
        return dict(self._service_by_name)

    def stored_counts(self, sid: str) -> dict[str, Any] | None:
        """The pool counts the account file keeps for a Service (None: none kept)."""
        doc_id = self._service_doc.get(sid)
        return None if doc_id is None else raw_table(self.files.account, SERVICES)[str(doc_id)].get(POOL_COUNTS)

    def store_counts(self, sid: str, counts: dict[str, Any]) -> None:
        """Derived data: written at the next fold (store.SandboxFiles.derive)."""
        self.files.derive(SERVICES, str(self._service_doc[sid]), {POOL_COUNTS: counts})

    def service_order(self) -> tuple[list[int], Callable[[int], Record]]:
        """The Services' document ids in order, and how to read one (for paging)."""
        table = self.files.account.table(SERVICES)
        return sorted(self._service_doc.values()), lambda i: table.get(doc_id=i)  # type: ignore[return-value]

    def add_service(self, doc: Record) -> None:
        self._service_doc[doc["sid"]] = self.files.account.table(SERVICES).insert(doc)
        self._service_by_name[doc["unique_name"]] = doc["sid"]

    def update_service(self, sid: str, fields: Record) -> None:
        table = self.files.account.table(SERVICES)
        doc_id = self._service_doc[sid]
        old_name = table.get(doc_id=doc_id)["unique_name"]
        table.update(fields, doc_ids=[doc_id])
        if "unique_name" in fields:
            del self._service_by_name[old_name]
            self._service_by_name[fields["unique_name"]] = sid

    def remove_service(self, sid: str) -> None:
        table = self.files.account.table(SERVICES)
        doc_id = self._service_doc.pop(sid)
        del self._service_by_name[table.get(doc_id=doc_id)["unique_name"]]
        table.remove(doc_ids=[doc_id])

    # -- owned numbers ----------------------------------------------------------------------------

    def owned_sids(self) -> KeysView[str]:
        return self._owned_doc.keys()

    def pools_of_owned(self) -> dict[str, str]:
        """Number SID -> the Service whose pool holds it, for the owned numbers in a pool."""
        return {doc["sid"]: doc[POOL] for doc in raw_table(self.files.numbers(), ACCOUNT_NUMBERS).values()
                if doc.get(POOL)}

    def set_pool(self, sids: list[str], service_sid: str | None) -> None:
        """These owned numbers joined (or, with None, left) a pool: one change of their records."""
        def put(doc: Record) -> None:
            if service_sid is None:
                doc.pop(POOL, None)
            else:
                doc[POOL] = service_sid

        self._table().update(put, doc_ids=[self._owned_doc[sid] for sid in sids])

    def owned(self, sid: str) -> Record | None:
        doc_id = self._owned_doc.get(sid)
        return None if doc_id is None else self._table().get(doc_id=doc_id)  # type: ignore[return-value]

    def owned_sid_for(self, e164: str) -> str | None:
        """The SID of the owned number with this E.164 form."""
        return self._owned_by_phone.get(e164)

    def owned_doc_ids(self, *, sid: str | None = None, friendly_name: str | None = None) -> list[int]:
        """Document ids of owned numbers, in order: the one with this SID and/or those with exactly this
        friendly name (a scan of the stored documents: 55,000 numbers cost a few ms)."""
        ids = sorted(self._owned_doc.values()) if sid is None else (
            [self._owned_doc[sid]] if sid in self._owned_doc else [])
        if friendly_name is not None:
            raw = raw_table(self.files.numbers(), ACCOUNT_NUMBERS)
            ids = [i for i in ids if raw[str(i)].get("friendly_name") == friendly_name]
        return ids

    def owned_order(self) -> tuple[list[int], Callable[[int], Record]]:
        table = self._table()
        return sorted(self._owned_doc.values()), lambda i: table.get(doc_id=i)  # type: ignore[return-value]

    def add_owned(self, docs: list[Record]) -> None:
        ids = self._table().insert_multiple(docs)
        for doc, doc_id in zip(docs, ids, strict=True):
            self._owned_doc[doc["sid"]] = doc_id
            self._owned_by_phone[doc["phone_number"]] = doc["sid"]

    def update_owned(self, sid: str, fields: Record) -> None:
        self._table().update(fields, doc_ids=[self._owned_doc[sid]])

    def forget_field(self, sids: list[str], name: str) -> None:
        """Drop a field owned numbers' records no longer keep (an older sandbox's), in one change."""
        def drop(doc: Record) -> None:
            doc.pop(name, None)

        self._table().update(drop, doc_ids=[self._owned_doc[sid] for sid in sids])

    def remove_owned(self, sid: str) -> None:
        table = self._table()
        doc_id = self._owned_doc.pop(sid)
        del self._owned_by_phone[table.get(doc_id=doc_id)["phone_number"]]
        table.remove(doc_ids=[doc_id])
