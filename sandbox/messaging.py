"""The Messaging ledger: the account's Messaging v1 Services and the numbers in their sender pools.

Both live in the account file (tables MESSAGING_SERVICES and MESSAGING_NUMBERS): a membership
record names an owned number (its PN… SID) and its Messaging Service; the number itself is the
catalog's. The ledger owns the indexes (Services in creation order, number SID -> its Service,
each Service's members in the order they joined) and every change to those two tables; the
account makes each change one transaction.
"""

from __future__ import annotations

from collections.abc import Callable

from sandbox.catalog import Catalog
from sandbox.records import Record, messaging_link
from sandbox.store import SandboxFiles, StoreError, raw_table
from tui.core.messaging import MessagingLink

MESSAGING_SERVICES = "messaging_services"
MESSAGING_NUMBERS = "messaging_numbers"


class MessagingLedger:
    def __init__(self, files: SandboxFiles, catalog: Catalog):
        """Index both tables; refuse a state that breaks an invariant (a member of no Service, a number in
        two Services; a number the account does not own once the owned numbers are read), leaving the
        files as they are."""
        self.files = files
        services = raw_table(files.account, MESSAGING_SERVICES)
        self._service_doc = {doc["sid"]: int(doc_id) for doc_id, doc in services.items()}
        self._links = {doc["sid"]: messaging_link(doc) for doc in services.values()}
        self._member_doc: dict[str, int] = {}  # number sid -> membership doc id
        self._service_of: dict[str, str] = {}  # number sid -> Messaging Service sid
        self._members: dict[str, list[int]] = {sid: [] for sid in self._service_doc}
        self.catalog = catalog
        catalog.checks.append(self._check_owned)
        for doc_id, doc in sorted(raw_table(files.account, MESSAGING_NUMBERS).items(), key=lambda kv: int(kv[0])):
            sid, service_sid = doc["sid"], doc["service_sid"]
            problem = ("is in two Messaging Services" if sid in self._service_of
                       else "is in a Messaging Service the sandbox does not have" if service_sid not in self._members
                       else None)
            if problem:
                raise StoreError(f"sandbox {files.path} is inconsistent: Messaging Service number {sid} {problem}; "
                                 "it was left as it is")
            self._member_doc[sid] = int(doc_id)
            self._service_of[sid] = service_sid
            self._members[service_sid].append(int(doc_id))

    def _check_owned(self) -> None:
        """Every member is one of the account's numbers (run when the owned numbers are read)."""
        owned = self.catalog.owned_sids()
        for sid in self._service_of:
            if sid not in owned:
                raise StoreError(f"sandbox {self.files.path} is inconsistent: Messaging Service number {sid} "
                                 "is not one of the account's numbers; it was left as it is")

    # -- queries --------------------------------------------------------------------------------

    def service_order(self) -> tuple[list[int], Callable[[int], Record]]:
        table = self.files.account.table(MESSAGING_SERVICES)
        return sorted(self._service_doc.values()), lambda i: table.get(doc_id=i)  # type: ignore[return-value]

    def service(self, sid: str) -> Record | None:
        doc_id = self._service_doc.get(sid)
        return None if doc_id is None else self.files.account.table(MESSAGING_SERVICES).get(doc_id=doc_id)  # type: ignore[return-value]

    def service_sids(self) -> list[str]:
        return sorted(self._service_doc, key=self._service_doc.__getitem__)

    def service_of(self, number_sid: str) -> str | None:
        """The Messaging Service whose sender pool holds this number, or None."""
        return self._service_of.get(number_sid)

    def link_of(self, number_sid: str) -> MessagingLink | None:
        service_sid = self._service_of.get(number_sid)
        return None if service_sid is None else self._links[service_sid]

    def links(self) -> dict[str, MessagingLink]:
        """Every member number's Messaging Service (a copy: number SID -> link)."""
        return {sid: self._links[service] for sid, service in self._service_of.items()}

    def member_order(self, service_sid: str) -> tuple[list[int], Callable[[int], Record]]:
        table = self.files.account.table(MESSAGING_NUMBERS)
        return list(self._members[service_sid]), lambda i: table.get(doc_id=i)  # type: ignore[return-value]

    def member(self, service_sid: str, number_sid: str) -> Record | None:
        if self._service_of.get(number_sid) != service_sid:
            return None
        return self.files.account.table(MESSAGING_NUMBERS).get(doc_id=self._member_doc[number_sid])  # type: ignore[return-value]

    def size(self, service_sid: str) -> int:
        return len(self._members[service_sid])

    # -- changes (inside the account's transaction) ------------------------------------------------

    def add_service(self, doc: Record) -> None:
        self._service_doc[doc["sid"]] = self.files.account.table(MESSAGING_SERVICES).insert(doc)
        self._links[doc["sid"]] = messaging_link(doc)
        self._members[doc["sid"]] = []

    def update_service(self, sid: str, fields: Record) -> None:
        table = self.files.account.table(MESSAGING_SERVICES)
        table.update(fields, doc_ids=[self._service_doc[sid]])
        self._links[sid] = messaging_link(table.get(doc_id=self._service_doc[sid]))  # type: ignore[arg-type]

    def remove_service(self, sid: str) -> None:
        """The Service and its sender pool (its numbers stay the account's)."""
        members = self._members.pop(sid)
        if members:
            self.files.account.table(MESSAGING_NUMBERS).remove(doc_ids=members)
        for number_sid in [n for n, s in self._service_of.items() if s == sid]:
            del self._service_of[number_sid], self._member_doc[number_sid]
        self.files.account.table(MESSAGING_SERVICES).remove(doc_ids=[self._service_doc.pop(sid)])
        del self._links[sid]

    def add_members(self, docs: list[Record]) -> None:
        ids = self.files.account.table(MESSAGING_NUMBERS).insert_multiple(docs)
        for doc, doc_id in zip(docs, ids, strict=True):
            self._member_doc[doc["sid"]] = doc_id
            self._service_of[doc["sid"]] = doc["service_sid"]
            self._members[doc["service_sid"]].append(doc_id)  # ids only grow: the order stays sorted

    def remove_member(self, number_sid: str) -> None:
        doc_id = self._member_doc.pop(number_sid)
        service_sid = self._service_of.pop(number_sid)
        self._members[service_sid].remove(doc_id)
        self.files.account.table(MESSAGING_NUMBERS).remove(doc_ids=[doc_id])
