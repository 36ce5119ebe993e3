"""The sandbox account: in-memory indexes over the store, with every change checked
by sandbox/rules.py and made durable before it is acknowledged.

Synchronous and single-threaded by design; SandboxBackend wraps it for the async seam.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.table import Document

from sandbox import paging, rules
from sandbox.sessions import SessionOps
from sandbox.store import META, SandboxFiles, StoreError, raw_table
from tui.core.errors import ProxyError
from tui.core.phone import iso_country
from tui.core.resources import SERVICE_FIELDS, AccountNumber, Capabilities, PhoneNumber, PoolStats, Service
from tui.core.seam import Page
from tui.core.sids import is_sid, new_sid
from tui.core.wire import iso8601, parse_date, utcnow

SERVICES = "services"
ACCOUNT_NUMBERS = "account_numbers"
NUMBERS = "numbers"


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


def _real_now() -> datetime:
    return utcnow()  # looked up on each call: tests/app_fixtures.py patches sandbox.account.utcnow


def _caps(data: dict[str, Any] | None) -> Capabilities:
    data = data or {}
    return Capabilities(
        voice=bool(data.get("voice")), sms=bool(data.get("sms")),
        mms=bool(data.get("mms")), fax=bool(data.get("fax")),
    )


class SandboxAccount(SessionOps):  # sessions and participants: sandbox/sessions.py
    def __init__(self, files: SandboxFiles, rng: random.Random | None = None,
                 clock: Callable[[], datetime] | None = None):
        self.files = files
        # the time every stamp and every session expiry is read from (UTC, whole seconds);
        # tests pass a fake clock they advance
        self.clock: Callable[[], datetime] = clock or _real_now
        # new SIDs come from here: a seeded rng makes demo data repeatable
        self._rng = rng or random.Random()
        try:
            self._index()
        except BaseException:
            files.close()  # refused: let the next open take the lock
            raise
        files.repair()  # only once every file has been read and checked

    # -- opening and closing --------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path, *, clock: Callable[[], datetime] | None = None) -> SandboxAccount:
        return cls(SandboxFiles.open(path), clock=clock)

    @classmethod
    def create(cls, path: str | Path, *, origin: dict[str, Any] | None = None, overwrite: bool = False,
               rng: random.Random | None = None, clock: Callable[[], datetime] | None = None) -> SandboxAccount:
        """A new empty account (no Services, no numbers)."""
        rng = rng or random.Random()
        meta = {
            "account_sid": new_sid("AC", rng),
            # the sandbox's own credential, printed by `sandbox serve`; never a real secret
            "auth_token": f"{rng.getrandbits(128):032x}",
            "created": iso8601((clock or utcnow)()),
            "origin": origin or {"kind": "empty"},
        }
        return cls(SandboxFiles.create(path, meta, overwrite=overwrite), rng, clock)

    def close(self) -> None:
        self.files.close()

    @property
    def path(self) -> Path:
        return self.files.path

    @property
    def meta(self) -> dict[str, Any]:
        return self.files.meta()

    @property
    def account_sid(self) -> str:
        return self.meta["account_sid"]

    def check_credentials(self, username: str, password: str) -> bool:
        import hmac

        meta = self.meta
        return hmac.compare_digest(username, meta["account_sid"]) and hmac.compare_digest(
            password, meta["auth_token"]
        )

    def __repr__(self) -> str:  # never the token
        return f"SandboxAccount(path={str(self.path)!r})"

    # -- indexes ----------------------------------------------------------------------

    def _index(self) -> None:
        """Build every index from the store's data; refuse a state that breaks an invariant."""
        acct = self.files.account
        self.service_doc: dict[str, int] = {}
        self.service_by_name: dict[str, str] = {}
        # raw_table: the stored documents without TinyDB's per-document copy (opening 55,000 numbers)
        for doc_id, doc in raw_table(acct, SERVICES).items():
            self.service_doc[doc["sid"]] = int(doc_id)
            self.service_by_name[doc["unique_name"]] = doc["sid"]
        numbers = raw_table(acct, ACCOUNT_NUMBERS)  # comprehensions: 55,000 numbers open faster
        self.number_doc: dict[str, int] = {doc["sid"]: int(doc_id) for doc_id, doc in numbers.items()}
        self.number_by_phone: dict[str, str] = {doc["phone_number"]: doc["sid"] for doc in numbers.values()}
        self.pool_of: dict[str, str] = {}
        self.pools: dict[str, PoolIndex] = {}
        self.in_use: dict[str, int] = {}
        for service_sid in self.service_doc:
            pool = PoolIndex()
            db = self.files.pools.get(service_sid)
            rows = raw_table(db, NUMBERS) if db is not None else {}
            doc_of = {doc["sid"]: int(doc_id) for doc_id, doc in rows.items()}
            if len(doc_of) == len(rows) and doc_of.keys().isdisjoint(self.pool_of) and doc_of.keys() <= self.number_doc.keys():
                # the usual case, checked in bulk: each number once, in no other pool, owned
                self.pool_of.update(dict.fromkeys(doc_of, service_sid))
                pool.doc_of = doc_of
                pool.order = sorted(doc_of.values())
                pool.reserved = sum(1 for doc in rows.values() if doc["is_reserved"])
                pool.unreserved = len(rows) - pool.reserved
                rows = {}  # nothing left to check one by one
            if rows:
                for doc_id, doc in rows.items():
                    sid = doc["sid"]
                    if sid in self.pool_of:
                        raise StoreError(
                            f"sandbox {self.path} is inconsistent: number {doc['phone_number']} is in two "
                            f"Services ({self.pool_of[sid]} and {service_sid}); it was left as it is"
                        )
                    if sid not in self.number_doc:
                        raise StoreError(
                            f"sandbox {self.path} is inconsistent: pool number {sid} of {service_sid} "
                            "is not one of the account's numbers; it was left as it is"
                        )
                    self.pool_of[sid] = service_sid
                    pool.doc_of[sid] = int(doc_id)
                    pool.order.append(int(doc_id))
                    pool.count(doc["is_reserved"], +1)
                pool.order.sort()
            self.pools[service_sid] = pool
        self._index_sessions()  # sessions live in the pool files; they fill in_use

    def _write(self, fn, *args, **kwargs):
        """Run one logical change in a store transaction; on a failed write, memory is
        reloaded from disk (the store) and the indexes rebuilt, so nothing unacknowledged stays."""
        try:
            with self.files.transaction():
                return fn(*args, **kwargs)
        except StoreError:
            self._index()
            raise

    # -- records to models --------------------------------------------------------------

    def _service(self, doc: dict[str, Any]) -> Service:
        return Service(
            sid=doc["sid"],
            unique_name=doc["unique_name"],
            account_sid=self.account_sid,
            date_created=parse_date(doc["date_created"]),
            date_updated=parse_date(doc["date_updated"]),
            default_ttl=doc.get("default_ttl", 0),
            number_selection_behavior=doc.get("number_selection_behavior", "prefer-sticky"),
            geo_match_level=doc.get("geo_match_level", "country"),
            callback_url=doc.get("callback_url"),
            intercept_callback_url=doc.get("intercept_callback_url"),
            out_of_session_callback_url=doc.get("out_of_session_callback_url"),
            chat_instance_sid=doc.get("chat_instance_sid"),
        )

    def _number(self, service_sid: str, doc: dict[str, Any]) -> PhoneNumber:
        return PhoneNumber(
            sid=doc["sid"],
            account_sid=self.account_sid,
            service_sid=service_sid,
            phone_number=doc["phone_number"],
            date_created=parse_date(doc["date_created"]),
            date_updated=parse_date(doc["date_updated"]),
            friendly_name=doc.get("friendly_name"),
            iso_country=doc.get("iso_country"),
            capabilities=_caps(doc.get("capabilities")),
            is_reserved=doc["is_reserved"],
            in_use=self.in_use.get(doc["sid"], 0),
        )

    def _account_number(self, doc: dict[str, Any]) -> AccountNumber:
        return AccountNumber(
            sid=doc["sid"],
            account_sid=self.account_sid,
            phone_number=doc["phone_number"],
            date_created=parse_date(doc["date_created"]),
            date_updated=parse_date(doc["date_updated"]),
            friendly_name=doc.get("friendly_name"),
            capabilities=_caps(doc.get("capabilities")),
            messaging_service_sid=doc.get("messaging_service_sid"),
            service_sid=self.pool_of.get(doc["sid"]),
        )

    # -- lookups -------------------------------------------------------------------------

    def _service_doc(self, sid: str) -> Document:
        doc_id = self.service_doc.get(sid)
        if doc_id is None:
            raise rules.not_found(f"/Services/{sid}")
        return self.files.account.table(SERVICES).get(doc_id=doc_id)  # type: ignore[return-value]

    def _pool_db(self, service_sid: str) -> TinyDB:
        """The pool file, for a change to its numbers (every such change comes through here)."""
        self._candidate_cache.pop(service_sid, None)  # number selection's view of the pool is stale
        return self.files.pool(service_sid)

    def _pool_number_doc(self, service_sid: str, sid: str) -> Document:
        self._service_doc(service_sid)
        self._expire_due(service_sid)  # in_use as it is now
        doc_id = self.pools[service_sid].doc_of.get(sid)
        if doc_id is None:
            raise rules.not_found(f"/Services/{service_sid}/PhoneNumbers/{sid}")
        return self.files.pool(service_sid).table(NUMBERS).get(doc_id=doc_id)  # type: ignore[return-value]

    def _account_number_doc(self, sid: str) -> Document:
        doc_id = self.number_doc.get(sid)
        if doc_id is None:
            raise rules.not_found(f"/IncomingPhoneNumbers/{sid}")
        return self.files.account.table(ACCOUNT_NUMBERS).get(doc_id=doc_id)  # type: ignore[return-value]

    # -- Services ---------------------------------------------------------------------------

    def list_services(self, page_size: int | None = None, page_token: str | None = None) -> Page[Service]:
        size = rules.page_size(page_size)
        table = self.files.account.table(SERVICES)
        return paging.page_of(sorted(self.service_doc.values()), size, page_token,
                              lambda i: self._service(table.get(doc_id=i)))

    def get_service(self, sid: str) -> Service:
        return self._service(self._service_doc(sid))

    def service_named(self, unique_name: str) -> Service:
        """The Service with this UniqueName (20404 when none has it)."""
        sid = self.service_by_name.get(unique_name)
        if sid is None:
            raise rules.not_found(f"/Services?UniqueName={unique_name}")
        return self.get_service(sid)

    def in_use_of(self, number_sid: str) -> int:
        """How many active sessions hold this pool number (its in_use), as of the last operation."""
        return self.in_use.get(number_sid, 0)

    def service_holding(self, number_sid: str) -> str | None:
        """The SID of the Service whose pool holds this number, or None."""
        return self.pool_of.get(number_sid)

    def create_service(self, unique_name: str, **fields: Any) -> Service:
        rules.check_unique_name(unique_name, self.service_by_name.get(unique_name))
        fields = {k: v for k, v in fields.items() if v is not None}
        self._check_field_names(fields)
        rules.check_service_fields(fields)
        now = iso8601(self.clock())
        doc = {
            "sid": new_sid("KS", self._rng),
            "unique_name": unique_name,
            "default_ttl": int(fields.get("default_ttl", 0)),
            "number_selection_behavior": fields.get("number_selection_behavior", "prefer-sticky"),
            "geo_match_level": fields.get("geo_match_level", "country"),
            "callback_url": fields.get("callback_url"),
            "intercept_callback_url": fields.get("intercept_callback_url"),
            "out_of_session_callback_url": fields.get("out_of_session_callback_url"),
            "chat_instance_sid": fields.get("chat_instance_sid"),
            "date_created": now,
            "date_updated": now,
        }

        def apply() -> int:
            return self.files.account.table(SERVICES).insert(doc)

        doc_id = self._write(apply)
        self.service_doc[doc["sid"]] = doc_id
        self.service_by_name[unique_name] = doc["sid"]
        self.pools[doc["sid"]] = PoolIndex()
        return self._service(doc)

    def update_service(self, sid: str, **fields: Any) -> Service:
        doc = self._service_doc(sid)
        fields = {k: v for k, v in fields.items() if v is not None}
        self._check_field_names(fields)
        if "unique_name" in fields:
            rules.check_unique_name(fields["unique_name"], self.service_by_name.get(fields["unique_name"]), sid)
        rules.check_service_fields(fields)
        if "default_ttl" in fields:
            fields["default_ttl"] = int(fields["default_ttl"])
        if not fields:
            return self._service(doc)
        fields["date_updated"] = iso8601(self.clock())

        def apply() -> None:
            self.files.account.table(SERVICES).update(fields, doc_ids=[doc.doc_id])

        self._write(apply)
        if "unique_name" in fields:
            del self.service_by_name[doc["unique_name"]]
            self.service_by_name[fields["unique_name"]] = sid
        return self.get_service(sid)

    def delete_service(self, sid: str) -> None:
        """Deletes the Service and releases its pool's numbers (as Twilio does)."""
        doc = self._service_doc(sid)

        def apply() -> None:
            self.files.account.table(SERVICES).remove(doc_ids=[doc.doc_id])

        # the account file is written first; an orphan pool file is removed on the next open
        self._write(apply)
        self.files.drop_pool(sid)
        del self.service_doc[sid]
        del self.service_by_name[doc["unique_name"]]
        pool = self.pools.pop(sid)
        self.session_books.pop(sid, None)  # its sessions went with its pool file
        for number_sid in pool.doc_of:
            self.pool_of.pop(number_sid, None)
            self.in_use.pop(number_sid, None)

    @staticmethod
    def _check_field_names(fields: dict[str, Any]) -> None:
        unknown = sorted(set(fields) - set(SERVICE_FIELDS))
        if unknown:
            raise ProxyError(20001, 400, f"Unknown parameters: {', '.join(unknown)}")

    # -- pool numbers ---------------------------------------------------------------------------

    def list_numbers(self, service_sid: str, page_size: int | None = None,
                     page_token: str | None = None) -> Page[PhoneNumber]:
        size = rules.page_size(page_size)
        self._service_doc(service_sid)
        self._expire_due(service_sid)  # in_use as it is now
        # a pool with ids has its file; fetch is called only for those ids
        return paging.page_of(self.pools[service_sid].order, size, page_token,
                              lambda i: self._number(service_sid, self.files.pools[service_sid].table(NUMBERS)
                                                     .get(doc_id=i)))

    def get_number(self, service_sid: str, sid: str) -> PhoneNumber:
        return self._number(service_sid, self._pool_number_doc(service_sid, sid))

    def add_number(self, service_sid: str, *, sid: str | None = None, phone_number: str | None = None,
                   is_reserved: bool = False) -> PhoneNumber:
        e164 = rules.check_add_arguments(sid, phone_number)
        self._service_doc(service_sid)
        number_sid = sid if sid else self.number_by_phone.get(e164 or "")
        rules.check_owned(number_sid in self.number_doc, sid, phone_number)
        owned = self._account_number_doc(number_sid)
        rules.check_not_pooled(self.pool_of.get(number_sid), service_sid, owned["phone_number"])
        rules.check_not_in_messaging_service(owned.get("messaging_service_sid"), owned["phone_number"])
        pool = self.pools[service_sid]
        rules.check_room(pool.counts(), is_reserved)
        now = iso8601(self.clock())
        doc = {
            "sid": number_sid,
            "phone_number": owned["phone_number"],
            "friendly_name": owned.get("friendly_name"),
            "iso_country": iso_country(owned["phone_number"]),
            "capabilities": dict(owned.get("capabilities") or {}),
            "is_reserved": bool(is_reserved),
            "date_created": now,
            "date_updated": now,
        }

        def apply() -> int:
            return self._pool_db(service_sid).table(NUMBERS).insert(doc)

        doc_id = self._write(apply)
        pool.doc_of[number_sid] = doc_id
        pool.order.append(doc_id)  # ids only grow, so the order stays sorted
        pool.count(doc["is_reserved"], +1)
        self.pool_of[number_sid] = service_sid
        return self._number(service_sid, doc)

    def set_reserved(self, service_sid: str, sid: str, is_reserved: bool) -> PhoneNumber:
        doc = self._pool_number_doc(service_sid, sid)
        pool = self.pools[service_sid]
        was = bool(doc["is_reserved"])
        is_reserved = bool(is_reserved)
        rules.check_reservation_change(pool.counts(), was, is_reserved)
        fields = {"is_reserved": is_reserved, "date_updated": iso8601(self.clock())}

        def apply() -> None:
            self._pool_db(service_sid).table(NUMBERS).update(fields, doc_ids=[doc.doc_id])

        self._write(apply)
        if was != is_reserved:
            pool.count(was, -1)
            pool.count(is_reserved, +1)
        return self.get_number(service_sid, sid)

    def remove_number(self, service_sid: str, sid: str) -> None:
        doc = self._pool_number_doc(service_sid, sid)
        rules.check_removable(self.in_use.get(sid, 0), doc["phone_number"])
        pool = self.pools[service_sid]

        def apply() -> None:
            self._pool_db(service_sid).table(NUMBERS).remove(doc_ids=[doc.doc_id])

        self._write(apply)
        del pool.doc_of[sid]
        pool.order.remove(doc.doc_id)
        pool.count(bool(doc["is_reserved"]), -1)
        del self.pool_of[sid]

    def pool_stats(self, service_sid: str) -> PoolStats:
        self._service_doc(service_sid)
        self._expire_due(service_sid)  # in_use as it is now
        pool = self.pools[service_sid]
        busy = sum(1 for s in pool.doc_of if self.in_use.get(s, 0) > 0)
        return PoolStats(service_sid, reserved=pool.reserved, unreserved=pool.unreserved, in_use_numbers=busy)

    # -- the account's own numbers (IncomingPhoneNumbers) ---------------------------------------

    def list_account_numbers(self, page_size: int | None = None,
                             page_token: str | None = None) -> Page[AccountNumber]:
        size = rules.page_size(page_size)
        table = self.files.account.table(ACCOUNT_NUMBERS)
        return paging.page_of(sorted(self.number_doc.values()), size, page_token,
                              lambda i: self._account_number(table.get(doc_id=i)))

    def get_account_number(self, sid: str) -> AccountNumber:
        return self._account_number(self._account_number_doc(sid))

    def buy_number(self, phone_number: str, *, friendly_name: str | None = None,
                   capabilities: dict[str, bool] | None = None,
                   messaging_service_sid: str | None = None) -> AccountNumber:
        """Provision a number for the sandbox account, as buying one on Twilio would."""
        return self.buy_numbers([{
            "phone_number": phone_number, "friendly_name": friendly_name,
            "capabilities": capabilities, "messaging_service_sid": messaging_service_sid,
        }])[0]

    def buy_numbers(self, specs: list[dict[str, Any]]) -> list[AccountNumber]:
        """Provision several numbers in one durable write (demo data, bulk set-up)."""
        docs = []
        now = iso8601(self.clock())
        seen: set[str] = set()
        for spec in specs:
            raw = spec.get("phone_number") or ""
            e164 = rules.check_add_arguments(None, raw)
            if e164 in self.number_by_phone or e164 in seen:
                raise ProxyError(21422, 400, f"PhoneNumber is not available: {e164} is already owned")
            seen.add(e164)
            docs.append({
                "sid": spec.get("sid") or new_sid("PN", self._rng),
                "phone_number": e164,
                "friendly_name": spec.get("friendly_name") or e164,
                "capabilities": spec.get("capabilities") or {"voice": True, "sms": True, "mms": False, "fax": False},
                "messaging_service_sid": spec.get("messaging_service_sid"),
                "date_created": now,
                "date_updated": now,
            })

        def apply() -> list[int]:
            return self.files.account.table(ACCOUNT_NUMBERS).insert_multiple(docs)

        ids = self._write(apply)
        for doc, doc_id in zip(docs, ids, strict=True):
            self.number_doc[doc["sid"]] = doc_id
            self.number_by_phone[doc["phone_number"]] = doc["sid"]
        return [self._account_number(d) for d in docs]

    def release_number(self, sid: str) -> None:
        """Release one of the account's numbers; refused while it is in a pool."""
        doc = self._account_number_doc(sid)
        rules.check_account_number_deletable(self.pool_of.get(sid), doc["phone_number"])

        def apply() -> None:
            self.files.account.table(ACCOUNT_NUMBERS).remove(doc_ids=[doc.doc_id])

        self._write(apply)
        del self.number_doc[sid]
        del self.number_by_phone[doc["phone_number"]]

    def set_messaging_service(self, sid: str, messaging_service_sid: str | None) -> AccountNumber:
        """Put an owned number in a Messaging Service (MG…) or take it out (None).

        Allowed for a number already in a Proxy pool: 80601 guards only the other order.
        """
        doc = self._account_number_doc(sid)
        if messaging_service_sid is not None and not is_sid(messaging_service_sid, "MG"):
            raise ProxyError(20422, 400, f"Invalid Parameter: {messaging_service_sid!r} is not a Messaging Service SID")
        fields = {"messaging_service_sid": messaging_service_sid, "date_updated": iso8601(self.clock())}

        def apply() -> None:
            self.files.account.table(ACCOUNT_NUMBERS).update(fields, doc_ids=[doc.doc_id])

        self._write(apply)
        return self.get_account_number(sid)

    def add_numbers_bulk(self, service_sid: str, entries: list[tuple[str, bool]]) -> None:
        """Put many owned numbers in a pool in one durable write (demo and scale data).
        Every rule is checked per number, as add_number does."""
        self._service_doc(service_sid)
        pool = self.pools[service_sid]
        counts = pool.counts()
        docs = []
        now = iso8601(self.clock())
        taken: set[str] = set()
        for number_sid, is_reserved in entries:
            rules.check_owned(number_sid in self.number_doc, number_sid, None)
            owned = self._account_number_doc(number_sid)
            current = self.pool_of.get(number_sid) or (service_sid if number_sid in taken else None)
            rules.check_not_pooled(current, service_sid, owned["phone_number"])
            rules.check_not_in_messaging_service(owned.get("messaging_service_sid"), owned["phone_number"])
            rules.check_room(counts, is_reserved)
            counts = rules.PoolCounts(counts.reserved + is_reserved, counts.unreserved + (not is_reserved))
            taken.add(number_sid)
            docs.append({
                "sid": number_sid, "phone_number": owned["phone_number"],
                "friendly_name": owned.get("friendly_name"), "iso_country": iso_country(owned["phone_number"]),
                "capabilities": dict(owned.get("capabilities") or {}), "is_reserved": bool(is_reserved),
                "date_created": now, "date_updated": now,
            })

        def apply() -> list[int]:
            return self._pool_db(service_sid).table(NUMBERS).insert_multiple(docs)

        ids = self._write(apply)
        for doc, doc_id in zip(docs, ids, strict=True):
            pool.doc_of[doc["sid"]] = doc_id
            pool.order.append(doc_id)
            pool.count(doc["is_reserved"], +1)
            self.pool_of[doc["sid"]] = service_sid


__all__ = ["META", "SandboxAccount"]
