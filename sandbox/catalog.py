"""The catalog: the account file's Services and owned numbers (IncomingPhoneNumbers), indexed.

It owns the indexes by SID, by Service UniqueName and by E.164, and every change to those two
tables of the account file (store.SERVICES, store.ACCOUNT_NUMBERS); the account makes each
change one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, KeysView

from sandbox.records import Record
from sandbox.store import ACCOUNT_NUMBERS, SERVICES, SandboxFiles, raw_table


class Catalog:
    def __init__(self, files: SandboxFiles):
        self.files = files
        # raw_table: the stored documents without TinyDB's per-document copy (opening 55,000 numbers)
        services = raw_table(files.account, SERVICES)
        self._service_doc = {doc["sid"]: int(doc_id) for doc_id, doc in services.items()}
        self._service_by_name = {doc["unique_name"]: doc["sid"] for doc in services.values()}
        owned = raw_table(files.account, ACCOUNT_NUMBERS)  # comprehensions: 55,000 numbers open faster
        self._owned_doc = {doc["sid"]: int(doc_id) for doc_id, doc in owned.items()}
        self._owned_by_phone = {doc["phone_number"]: doc["sid"] for doc in owned.values()}

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

    def owned(self, sid: str) -> Record | None:
        doc_id = self._owned_doc.get(sid)
        return None if doc_id is None else self.files.account.table(ACCOUNT_NUMBERS).get(doc_id=doc_id)  # type: ignore[return-value]

    def owned_sid_for(self, e164: str) -> str | None:
        """The SID of the owned number with this E.164 form."""
        return self._owned_by_phone.get(e164)

    def owned_doc_ids(self, *, sid: str | None = None, friendly_name: str | None = None) -> list[int]:
        """Document ids of owned numbers, in order: the one with this SID and/or those with exactly this
        friendly name (a scan of the stored documents: 55,000 numbers cost a few ms)."""
        ids = sorted(self._owned_doc.values()) if sid is None else (
            [self._owned_doc[sid]] if sid in self._owned_doc else [])
        if friendly_name is not None:
            raw = raw_table(self.files.account, ACCOUNT_NUMBERS)
            ids = [i for i in ids if raw[str(i)].get("friendly_name") == friendly_name]
        return ids

    def owned_order(self) -> tuple[list[int], Callable[[int], Record]]:
        table = self.files.account.table(ACCOUNT_NUMBERS)
        return sorted(self._owned_doc.values()), lambda i: table.get(doc_id=i)  # type: ignore[return-value]

    def add_owned(self, docs: list[Record]) -> None:
        ids = self.files.account.table(ACCOUNT_NUMBERS).insert_multiple(docs)
        for doc, doc_id in zip(docs, ids, strict=True):
            self._owned_doc[doc["sid"]] = doc_id
            self._owned_by_phone[doc["phone_number"]] = doc["sid"]

    def update_owned(self, sid: str, fields: Record) -> None:
        self.files.account.table(ACCOUNT_NUMBERS).update(fields, doc_ids=[self._owned_doc[sid]])

    def forget_field(self, sids: list[str], name: str) -> None:
        """Drop a field owned numbers' records no longer keep (an older sandbox's), in one change."""
        def drop(doc: Record) -> None:
            doc.pop(name, None)

        self.files.account.table(ACCOUNT_NUMBERS).update(drop, doc_ids=[self._owned_doc[sid] for sid in sids])

    def remove_owned(self, sid: str) -> None:
        table = self.files.account.table(ACCOUNT_NUMBERS)
        doc_id = self._owned_doc.pop(sid)
        del self._owned_by_phone[table.get(doc_id=doc_id)["phone_number"]]
        table.remove(doc_ids=[doc_id])
