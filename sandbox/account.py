"""The sandbox account: every operation is the rule checks (sandbox/rules.py), then one
transaction over the ledgers, made durable before it returns.

State is five composed ledgers over one store (sandbox/store.py): the catalog (Services and
owned numbers, sandbox/catalog.py), the Messaging Services and their sender pools
(sandbox/messaging.py), the pools (sandbox/pools.py), the sessions with `in_use`
(sandbox/sessions.py) and their interactions (sandbox/interactions.py). Records become
resources in sandbox/records.py; number selection is sandbox/selection.py. Synchronous and single-threaded by design; SandboxBackend
wraps it for the async seam.
"""

from __future__ import annotations

import hmac
import random
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sandbox import paging, records, rules
from sandbox.catalog import Catalog
from sandbox.files import META, VERSION, StoreError
from sandbox.interactions import InteractionLedger
from sandbox.messaging import MessagingLedger
from sandbox.pools import PoolLedger
from sandbox.records import Record
from sandbox.runs import runs_named
from sandbox.selection import Candidate, explicit_number, select_number
from sandbox.sessions import SessionBook, SessionLedger
from sandbox.store import ACCOUNT_NUMBERS, SandboxFiles, big_load, raw_table
from tui.core.errors import ProxyError
from tui.core.messaging import MESSAGING_SERVICE_FIELDS, MessagingIndex, MessagingNumber, MessagingService
from tui.core.resources import SERVICE_FIELDS, AccountNumber, PhoneNumber, PoolStats, Service
from tui.core.seam import Page
from tui.core.sessions import DEFAULT_SESSION_MODE, DEFAULT_SESSION_STATUS, Interaction, Participant, Session
from tui.core.sids import is_sid, new_sid
from tui.core.wire import iso8601, parse_date, parse_participant_item, utcnow

R = TypeVar("R")

KEEP_POOLS = 2  # pools kept in memory once used (the one open and the one before); others are read again

# Area codes a bought number comes from when no AreaCode is asked for.
DEFAULT_AREA_CODES = ("415", "212", "312", "206", "512", "617", "303", "404")


class SandboxAccount:
    def __init__(self, files: SandboxFiles, rng: random.Random | None = None,
                 clock: Callable[[], datetime] | None = None):
        self.files = files
        meta = files.meta()
        self._credentials = (meta["account_sid"], meta["auth_token"])  # constant for the file's life
        # the time every stamp and every session expiry is read from (UTC, whole seconds);
        # tests pass a fake clock they advance
        self.clock: Callable[[], datetime] = clock or utcnow
        # new SIDs (and generated numbers) come from here: a seeded rng makes built sandboxes repeatable
        self._rng = rng or random.Random()
        self._recent: dict[str, None] = {}  # the pools read, least recently used first
        try:
            self._load()
            if meta.get("version", 1) < VERSION:
                self._write(self._migrate)
                self._adopt_hidden_messaging_sids()  # only version 1 sandboxes kept them
        except BaseException:
            files.abandon()  # refused: nothing written, and the next open may take the lock
            raise
        files.repair()  # only once every file has been read and checked

    def _load(self) -> None:
        """The ledgers, from what the store holds (at open, and after a failed write)."""
        self.catalog = Catalog(self.files)
        self.messaging = MessagingLedger(self.files, self.catalog)
        self.pools = PoolLedger(self.files, self.catalog.service_sids(), self.catalog)
        self.sessions = SessionLedger(self.files, self.pools)
        self.interactions = InteractionLedger(self.files, self.sessions)
        self.files.before_fold = self._store_pool_counts

    def _migrate(self) -> None:
        """A version 1 sandbox kept which pool holds each number only in the pool files: read them all
        once (with the checks a version 1 open made) and keep it on the owned numbers, in one write."""
        self.pools.adopt(self.pools.membership_from_files())
        self.files.account.table(META).update({"version": VERSION}, doc_ids=[1])

    def _pool_counts(self, service_sid: str) -> dict[str, Any]:
        counts = self.pools.pool(service_sid).counts()
        book = self.sessions.book(service_sid)
        expiry = book.next_expiry()
        return {"reserved": counts.reserved, "unreserved": counts.unreserved,
                "busy": self.sessions.busy_numbers(service_sid), "next_expiry": expiry and iso8601(expiry),
                "runs": sorted(runs_named(book.by_name))}

    def _store_pool_counts(self) -> None:
        """Before a fold: each pool read keeps its counts on its Service's record (the Services list
        then reads no pool file at the next open)."""
        for service_sid in list(self.pools.pools):
            self.catalog.store_counts(service_sid, self._pool_counts(service_sid))
        self.catalog.store_owned_count()

    def _recently_used(self, service_sid: str) -> None:
        """The pool was just used: the least recently used ones beyond KEEP_POOLS leave memory (their
        files hold them whole; a pool with a change waiting for the fold stays until then)."""
        self._recent.pop(service_sid, None)
        self._recent[service_sid] = None
        if self.files.in_transaction:
            return
        for old in list(self._recent)[:-KEEP_POOLS]:
            if not self.pools.loaded(old):
                del self._recent[old]
                continue
            self.catalog.store_counts(old, self._pool_counts(old))
            if self.files.unload(old):
                del self._recent[old]
                self.pools.unload(old)
                self.sessions.unload(old)
                self.interactions.unload(old)

    def _adopt_hidden_messaging_sids(self) -> None:
        """Sandboxes made before Messaging Services were resources kept a `messaging_service_sid` on
        owned numbers: each becomes a real Messaging Service (named by its SID) holding those numbers,
        once, in one write."""
        hidden = [doc for doc in raw_table(self.files.numbers(), ACCOUNT_NUMBERS).values()
                  if "messaging_service_sid" in doc]  # a scan of dicts: 55,000 numbers cost ~3 ms
        if not hidden:
            return
        hidden = [dict(doc) for doc in hidden]  # read before the write below changes them

        def adopt() -> None:
            now = self.clock()
            for doc in hidden:
                mg = doc["messaging_service_sid"]
                if mg and self.messaging.service_of(doc["sid"]) is None:
                    self._join_messaging(mg, doc["sid"], now)
            self.catalog.forget_field([doc["sid"] for doc in hidden], "messaging_service_sid")

        self._write(adopt)

    def _write(self, fn: Callable[..., R], *args: Any) -> R:
        """One logical change as one store transaction (one journal record). If it fails, the store
        has put memory back as it was and the ledgers are rebuilt from it: nothing unacknowledged stays."""
        if self.files.in_transaction:  # part of a bulk change: the outer transaction rolls back (or not)
            return fn(*args)
        try:
            with self.files.transaction():
                return fn(*args)
        except BaseException:  # a refused write (StoreError) or a bug: memory is as it was, the indexes follow
            self._load()
            raise

    def sync(self) -> None:
        """Make every change since the last sync durable at once (group commit: the HTTP server answers
        them after). When the fsync fails, memory goes back to what is durable (the files and the journal's
        fsync'd records, read again) and the error goes to the caller, who answers each of them with it."""
        try:
            self.files.sync_journal()
        except StoreError:
            self.files = self.files.reread()
            self._recent.clear()
            self._load()
            raise

    # -- opening and closing --------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path, *, clock: Callable[[], datetime] | None = None) -> SandboxAccount:
        with big_load([Path(path)]):  # the account file: pool files are read when their pools are
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
        return self._credentials[0]

    def check_credentials(self, username: str, password: str) -> bool:
        """Compared in constant time against the credentials read at open (the server checks them
        before it reads a request's body, outside the backend's lock)."""
        sid, token = self._credentials
        return hmac.compare_digest(username.encode(), sid.encode()) and hmac.compare_digest(
            password.encode(), token.encode())

    def __repr__(self) -> str:  # never the token
        return f"SandboxAccount(path={str(self.path)!r})"

    # -- looking things up (and bringing a pool up to now) ----------------------------------

    def _service(self, sid: str) -> Record:
        doc = self.catalog.service(sid)
        if doc is None:
            raise rules.not_found(f"/Services/{sid}")
        return doc

    def _current(self, service_sid: str) -> Record:
        """The Service's record, after closing its sessions whose TTL has run out (one write when
        any is due): every read of a pool's numbers, in_use or sessions sees it as it is now."""
        doc = self._service(service_sid)
        now = self.clock()
        if self.sessions.due(service_sid, now):
            self._write(self.sessions.expire_due, service_sid, now)
        self._recently_used(service_sid)
        return doc

    def _pool_number(self, service_sid: str, sid: str) -> Record:
        self._current(service_sid)
        doc = self.pools.record(service_sid, sid)
        if doc is None:
            raise rules.not_found(f"/Services/{service_sid}/PhoneNumbers/{sid}")
        return doc

    def _owned(self, sid: str) -> Record:
        doc = self.catalog.owned(sid)
        if doc is None:
            raise rules.not_found(f"/IncomingPhoneNumbers/{sid}")
        return doc

    def _number(self, service_sid: str, doc: Record) -> PhoneNumber:
        return records.number(doc, self.account_sid, service_sid, self.sessions.in_use_of(doc["sid"], service_sid),
                              self.messaging.link_of(doc["sid"]))

    def _account_number(self, doc: Record) -> AccountNumber:
        return records.account_number(doc, self.account_sid, self.pools.service_holding(doc["sid"]),
                                      self.messaging.link_of(doc["sid"]))

    def _session_record(self, service_sid: str, sid: str) -> tuple[SessionBook, Record]:
        self._current(service_sid)
        rules.check_session_sid(sid, service_sid)
        doc = self.sessions.session(service_sid, sid)
        if doc is None:
            raise rules.not_found(f"/Services/{service_sid}/Sessions/{sid}")
        return self.sessions.book(service_sid), doc

    # -- public queries (commands, the server and the tests read these, never the ledgers' indexes) --

    def service_sids(self) -> list[str]:
        """Every Service's SID, in the order they were created."""
        return self.catalog.service_sids()

    def service_named(self, unique_name: str) -> Service:
        """The Service with this UniqueName (20404 when none has it)."""
        sid = self.catalog.service_named(unique_name)
        if sid is None:
            raise rules.not_found(f"/Services?UniqueName={unique_name}")
        return self.get_service(sid)

    def services(self) -> list[Service]:
        return [self.get_service(sid) for sid in self.service_sids()]

    def simulation_runs(self, service_sid: str) -> set[str]:
        """The simulation runs that named sessions of this Service (sandbox/runs.py), without reading its
        pool file when the account file's counts for it hold."""
        kept = self.pools.stored(service_sid)
        if kept is not None and isinstance(kept.get("runs"), list):
            self._service(service_sid)
            return set(kept["runs"])
        return runs_named(self.sessions.book(service_sid).by_name)

    def in_use_of(self, number_sid: str) -> int:
        """How many active sessions hold this pool number (its in_use), as of the last operation."""
        return self.sessions.in_use_of(number_sid)

    def service_holding(self, number_sid: str) -> str | None:
        """The SID of the Service whose pool holds this number, or None."""
        return self.pools.service_holding(number_sid)

    def owned_number_for(self, e164: str) -> AccountNumber | None:
        """The account's own number with this E.164 form, if it owns it."""
        sid = self.catalog.owned_sid_for(e164)
        return None if sid is None else self.get_account_number(sid)

    def owned_phone_numbers(self) -> set[str]:
        return {self._owned(sid)["phone_number"] for sid in self.catalog.owned_sids()}

    def spare_numbers(self) -> list[AccountNumber]:
        """The account's numbers in no pool."""
        return [self.get_account_number(sid) for sid in self.catalog.owned_sids()
                if self.pools.service_holding(sid) is None]

    def counts(self) -> tuple[int, int, int]:
        """(Services, pool numbers, owned numbers)."""
        return len(self.catalog.service_sids()), self.pools.pooled_count(), self.catalog.owned_count()

    # -- Services ---------------------------------------------------------------------------

    def list_services(self, page_size: int | None = None, page_token: str | None = None) -> Page[Service]:
        size = rules.page_size(page_size)
        order, fetch = self.catalog.service_order()
        return paging.page_of(order, size, page_token, lambda i: records.service(fetch(i), self.account_sid))

    def get_service(self, sid: str) -> Service:
        return records.service(self._service(sid), self.account_sid)

    def create_service(self, unique_name: str, **fields: Any) -> Service:
        rules.check_unique_name(unique_name, self.catalog.service_named(unique_name))
        fields = {k: v for k, v in fields.items() if v is not None}
        rules.check_known_fields(fields, SERVICE_FIELDS)
        fields = rules.check_service_fields(fields)
        doc = records.service_record(new_sid("KS", self._rng), unique_name, fields, self.clock())

        def apply() -> None:
            self.catalog.add_service(doc)
            self.pools.open_pool(doc["sid"])
            self.sessions.open_book(doc["sid"])
            self.interactions.open_book(doc["sid"])

        self._write(apply)
        return records.service(doc, self.account_sid)

    def update_service(self, sid: str, **fields: Any) -> Service:
        self._service(sid)
        fields = {k: v for k, v in fields.items() if v is not None}
        rules.check_known_fields(fields, SERVICE_FIELDS)
        if "unique_name" in fields:
            rules.check_unique_name(fields["unique_name"], self.catalog.service_named(fields["unique_name"]), sid)
        fields = rules.check_service_fields(fields)
        if fields:
            fields["date_updated"] = iso8601(self.clock())
            self._write(self.catalog.update_service, sid, fields)
        return self.get_service(sid)

    def delete_service(self, sid: str) -> None:
        """Deletes the Service and releases its pool's numbers (as Twilio does)."""
        self._service(sid)

        def apply() -> None:  # the Service, its pool file, its sessions and interactions: one journal record
            self.catalog.remove_service(sid)
            self.pools.drop_pool(sid)
            self.sessions.drop_book(sid)
            self.interactions.drop_book(sid)
            self._recent.pop(sid, None)

        self._write(apply)

    # -- pool numbers ---------------------------------------------------------------------------

    def list_numbers(self, service_sid: str, page_size: int | None = None,
                     page_token: str | None = None) -> Page[PhoneNumber]:
        size = rules.page_size(page_size)
        self._current(service_sid)
        fetch = self.pools.fetcher(service_sid)
        return paging.page_of(self.pools.pool(service_sid).order, size, page_token,
                              lambda i: self._number(service_sid, fetch(i)))

    def get_number(self, service_sid: str, sid: str) -> PhoneNumber:
        return self._number(service_sid, self._pool_number(service_sid, sid))

    def add_number(self, service_sid: str, *, sid: str | None = None, phone_number: str | None = None,
                   is_reserved: bool = False) -> PhoneNumber:
        e164 = rules.check_add_arguments(sid, phone_number)
        self._service(service_sid)
        number_sid = sid if sid else self.catalog.owned_sid_for(e164 or "")
        rules.check_owned(number_sid is not None and self.catalog.owned(number_sid) is not None, sid, phone_number)
        assert number_sid is not None
        return self.add_numbers(service_sid, [(number_sid, is_reserved)])[0]

    def add_numbers(self, service_sid: str, entries: list[tuple[str, bool]]) -> list[PhoneNumber]:
        """Owned numbers (SID, reserved?) join a pool in one durable write: all or none. Every rule is
        checked for each number in turn, against the pool as the ones before it leave it."""
        self._current(service_sid)
        counts = self.pools.pool(service_sid).counts()
        now = self.clock()
        docs: list[Record] = []
        taken: set[str] = set()
        for number_sid, is_reserved in entries:
            owned = self.catalog.owned(number_sid)
            rules.check_owned(owned is not None, number_sid, None)
            assert owned is not None
            current = self.pools.service_holding(number_sid) or (service_sid if number_sid in taken else None)
            rules.check_not_pooled(current, service_sid, owned["phone_number"])
            rules.check_not_in_messaging_service(self.messaging.service_of(number_sid), owned["phone_number"])
            rules.check_room(counts, is_reserved)
            counts = rules.PoolCounts(counts.reserved + is_reserved, counts.unreserved + (not is_reserved))
            taken.add(number_sid)
            docs.append(records.pool_number_record(owned, is_reserved, now))
        if docs:
            self._write(self.pools.add, service_sid, docs)
        return [self._number(service_sid, doc) for doc in docs]

    def add_numbers_bulk(self, service_sid: str, entries: list[tuple[str, bool]]) -> None:
        """add_numbers, answering nothing (demo and scale data)."""
        self.add_numbers(service_sid, entries)

    def set_reserved(self, service_sid: str, sid: str, is_reserved: bool) -> PhoneNumber:
        doc = self._pool_number(service_sid, sid)
        is_reserved = bool(is_reserved)
        rules.check_reservation_change(self.pools.pool(service_sid).counts(), bool(doc["is_reserved"]), is_reserved)
        self._write(self.pools.set_reserved, service_sid, sid, is_reserved, iso8601(self.clock()))
        return self.get_number(service_sid, sid)

    def remove_number(self, service_sid: str, sid: str) -> None:
        doc = self._pool_number(service_sid, sid)
        rules.check_removable(self.sessions.in_use_of(sid, service_sid), doc["phone_number"])
        self._write(self.pools.remove, service_sid, sid)

    def pool_stats(self, service_sid: str) -> PoolStats:
        kept = self.pools.stored(service_sid)  # its counts as kept at the last fold, while they still hold
        if kept is not None:
            self._service(service_sid)
            if "busy" in kept and (
                    kept.get("next_expiry") is None or parse_date(kept["next_expiry"]) > self.clock()):
                return PoolStats(service_sid, reserved=kept["reserved"], unreserved=kept["unreserved"],
                                 in_use_numbers=kept["busy"])
        self._current(service_sid)
        pool = self.pools.pool(service_sid)
        return PoolStats(service_sid, reserved=pool.reserved, unreserved=pool.unreserved,
                         in_use_numbers=self.sessions.busy_numbers(service_sid))

    # -- the account's own numbers (IncomingPhoneNumbers) ---------------------------------------

    def list_account_numbers(self, page_size: int | None = None, page_token: str | None = None, *,
                             phone_number: str | None = None, friendly_name: str | None = None,
                             beta: bool | None = None, origin: str | None = None) -> Page[AccountNumber]:
        """IncomingPhoneNumbers, filtered as the 2010 API filters them: by one exact E.164 PhoneNumber,
        an exact FriendlyName, Beta (every sandbox number is beta false) and Origin (all "twilio")."""
        size = rules.page_size(page_size)
        order, fetch = self.catalog.owned_order()
        if beta is True or origin not in (None, "twilio"):
            order = []
        elif phone_number is not None or friendly_name is not None:
            sid = self.catalog.owned_sid_for(phone_number) if phone_number is not None else None
            order = [] if phone_number is not None and sid is None else self.catalog.owned_doc_ids(
                sid=sid, friendly_name=friendly_name)
        return paging.page_of(order, size, page_token, lambda i: self._account_number(fetch(i)))

    def get_account_number(self, sid: str) -> AccountNumber:
        return self._account_number(self._owned(sid))

    def buy_number(self, phone_number: str | None = None, *, area_code: str | None = None,
                   friendly_name: str | None = None, capabilities: dict[str, bool] | None = None,
                   messaging_service_sid: str | None = None) -> AccountNumber:
        """Provision a number for the sandbox account, as buying one on Twilio does: the E.164
        number given, or a free valid North American one (in `area_code` when given)."""
        rules.check_friendly_name_of_number(friendly_name)
        spec = {"friendly_name": friendly_name, "capabilities": capabilities,
                "messaging_service_sid": messaging_service_sid}
        if phone_number:
            rules.check_buy_arguments(area_code)
            return self.buy_numbers([{"phone_number": phone_number, **spec}])[0]
        rules.check_area_code(area_code)
        for candidate in self._numbers_for_sale(area_code):
            if self.catalog.owned_sid_for(candidate) is None:
                return self.buy_numbers([{"phone_number": candidate, **spec}])[0]
        raise rules.no_number_for_sale(area_code)

    def _numbers_for_sale(self, area_code: str | None) -> Iterator[str]:
        """Valid North American numbers, in the area code asked for or a common one (200 tries)."""
        import phonenumbers

        for _ in range(200):
            area = area_code or self._rng.choice(DEFAULT_AREA_CODES)
            candidate = f"+1{area}{self._rng.randint(200, 999)}{self._rng.randint(0, 9999):04d}"
            if phonenumbers.is_valid_number(phonenumbers.parse(candidate, None)):
                yield candidate

    def buy_numbers(self, specs: list[dict[str, Any]]) -> list[AccountNumber]:
        """Provision several numbers in one durable write (demo data, bulk set-up). A spec's
        `messaging_service_sid` also puts the number in that Messaging Service (made, named by its
        SID, when the sandbox has none of that SID): a set-up shortcut, not a Twilio parameter."""
        docs = []
        now = self.clock()
        seen: set[str] = set()
        for spec in specs:
            e164 = rules.check_add_arguments(None, spec.get("phone_number") or "")
            assert e164 is not None
            rules.check_not_owned(e164, self.catalog.owned_sid_for(e164) is not None or e164 in seen)
            seen.add(e164)
            docs.append(records.owned_record(spec.get("sid") or new_sid("PN", self._rng), e164, spec, now))
        joins = [(spec["messaging_service_sid"], doc["sid"]) for spec, doc in zip(specs, docs, strict=True)
                 if spec.get("messaging_service_sid")]
        for mg, _ in joins:
            rules.check_messaging_service_sid(mg)

        def apply() -> None:
            self.catalog.add_owned(docs)
            for mg, number_sid in joins:
                self._join_messaging(mg, number_sid, now)

        self._write(apply)
        return [self._account_number(d) for d in docs]

    def _join_messaging(self, mg: str, number_sid: str, now: datetime) -> None:
        """Inside a write: the number joins Messaging Service `mg`, made (named by its SID) if new."""
        if self.messaging.service(mg) is None:
            self.messaging.add_service(records.messaging_service_record(mg, {"friendly_name": mg}, now))
        self.messaging.add_members([records.messaging_member_record(number_sid, mg, now)])

    def release_number(self, sid: str) -> None:
        """Release one of the account's numbers; refused while it is in a pool. A Messaging Service
        loses it (as on Twilio: a released number leaves its Messaging Service)."""
        doc = self._owned(sid)
        rules.check_account_number_deletable(self.pools.service_holding(sid), doc["phone_number"])

        def apply() -> None:
            if self.messaging.service_of(sid) is not None:
                self.messaging.remove_member(sid)
            self.catalog.remove_owned(sid)

        self._write(apply)

    # -- Messaging Services (Messaging v1) and their sender pools ----------------------------------

    def _messaging_service(self, sid: str) -> Record:
        doc = self.messaging.service(sid)
        if doc is None:
            raise rules.not_found(f"/v1/Services/{sid} (Messaging)")
        return doc

    def list_messaging_services(self, page_size: int | None = None,
                                page_token: str | None = None) -> Page[MessagingService]:
        size = rules.page_size(page_size)
        order, fetch = self.messaging.service_order()
        return paging.page_of(order, size, page_token, lambda i: records.messaging_service(fetch(i), self.account_sid))

    def get_messaging_service(self, sid: str) -> MessagingService:
        return records.messaging_service(self._messaging_service(sid), self.account_sid)

    def create_messaging_service(self, friendly_name: str, **fields: Any) -> MessagingService:
        fields = {k: v for k, v in {"friendly_name": friendly_name, **fields}.items() if v is not None}
        rules.check_known_fields(fields, MESSAGING_SERVICE_FIELDS)
        fields = rules.check_messaging_fields(fields, creating=True)
        doc = records.messaging_service_record(new_sid("MG", self._rng), fields, self.clock())
        self._write(self.messaging.add_service, doc)
        return records.messaging_service(doc, self.account_sid)

    def update_messaging_service(self, sid: str, **fields: Any) -> MessagingService:
        self._messaging_service(sid)
        fields = {k: v for k, v in fields.items() if v is not None}
        rules.check_known_fields(fields, MESSAGING_SERVICE_FIELDS)
        fields = rules.check_messaging_fields(fields, creating=False)
        if fields:
            fields["date_updated"] = iso8601(self.clock())
            self._write(self.messaging.update_service, sid, fields)
        return self.get_messaging_service(sid)

    def delete_messaging_service(self, sid: str) -> None:
        """Deletes the Messaging Service; its numbers leave its sender pool and stay the account's."""
        self._messaging_service(sid)
        self._write(self.messaging.remove_service, sid)

    def list_messaging_numbers(self, service_sid: str, page_size: int | None = None,
                               page_token: str | None = None) -> Page[MessagingNumber]:
        size = rules.page_size(page_size)
        self._messaging_service(service_sid)
        order, fetch = self.messaging.member_order(service_sid)
        return paging.page_of(order, size, page_token, lambda i: self._messaging_number(fetch(i)))

    def _messaging_number(self, member: Record) -> MessagingNumber:
        return records.messaging_number(member, self._owned(member["sid"]), self.account_sid)

    def get_messaging_number(self, service_sid: str, sid: str) -> MessagingNumber:
        self._messaging_service(service_sid)
        member = self.messaging.member(service_sid, sid)
        if member is None:
            raise rules.not_found(f"/v1/Services/{service_sid}/PhoneNumbers/{sid} (Messaging)")
        return self._messaging_number(member)

    def add_messaging_number(self, service_sid: str, phone_number_sid: str) -> MessagingNumber:
        """An owned number joins a Messaging Service's sender pool. A Proxy pool number may (80601
        guards only the other order); when the Service does not defer to the number's webhook
        (use_inbound_webhook_on_number false) its inbound messages stop reaching Proxy: the app warns."""
        self._messaging_service(service_sid)
        sid = rules.check_messaging_number_sid(phone_number_sid)
        owned = self.catalog.owned(sid)
        rules.check_messaging_owned(owned is not None, sid)
        assert owned is not None
        rules.check_not_in_other_messaging_service(self.messaging.service_of(sid), service_sid, owned["phone_number"])
        caps = records.capabilities(owned.get("capabilities"))
        rules.check_messaging_capable(caps.sms, caps.mms, owned["phone_number"])
        rules.check_messaging_room(self.messaging.size(service_sid))
        doc = records.messaging_member_record(sid, service_sid, self.clock())
        self._write(self.messaging.add_members, [doc])
        return self._messaging_number(doc)

    def remove_messaging_number(self, service_sid: str, sid: str) -> None:
        self.get_messaging_number(service_sid, sid)
        self._write(self.messaging.remove_member, sid)

    def messaging_index(self) -> MessagingIndex:
        """Which Messaging Service each number is in (the app's badge and its 80601 preview)."""
        return MessagingIndex(self.messaging.links())

    # -- Sessions ---------------------------------------------------------------------------------

    def _session(self, service_sid: str, doc: Record) -> Session:
        return records.session(doc, self.account_sid, service_sid)

    def list_sessions(self, service_sid: str, page_size: int | None = None,
                      page_token: str | None = None) -> Page[Session]:
        size = rules.page_size(page_size)
        self._current(service_sid)
        fetch = self.sessions.session_fetcher(service_sid)
        return paging.page_of(self.sessions.book(service_sid).order, size, page_token,
                              lambda i: self._session(service_sid, fetch(i)))

    def get_session(self, service_sid: str, sid: str) -> Session:
        """By SID, or (as Twilio allows) by UniqueName (80308 when no session has it)."""
        self._current(service_sid)
        if not is_sid(sid, "KC"):
            found = self.sessions.book(service_sid).by_name.get(sid)
            if found is None:
                raise rules.session_name_not_found(sid)
            sid = found
        return self._session(service_sid, self._session_record(service_sid, sid)[1])

    def create_session(self, service_sid: str, *, unique_name: str | None = None, ttl: int | str | None = None,
                       mode: str | None = None, status: str | None = None,
                       participants: list[Any] | None = None) -> Session:
        """A session, with up to two participants made in the same durable write (all or nothing)."""
        service = self._current(service_sid)
        book = self.sessions.book(service_sid)
        unique_name = unique_name or None
        rules.check_session_unique_name(unique_name, book.by_name.get(unique_name) if unique_name else None)
        mode = DEFAULT_SESSION_MODE if mode is None else mode  # "" is no mode: refused below, as any non-enum
        rules.check_session_mode(mode)
        ttl_s = rules.check_ttl(ttl) if ttl is not None else int(service.get("default_ttl") or 0)
        status = DEFAULT_SESSION_STATUS if status is None else status
        rules.check_initial_status(status)
        specs = [parse_participant_item(p) for p in participants or []]
        session = records.session_record(new_sid("KC", self._rng), unique_name, status, mode, ttl_s, self.clock())
        planned: list[Record] = []
        for spec in specs:
            planned.append(self._plan_participant(service_sid, service, book, session, spec, planned))
        self._write(self.sessions.add_session, service_sid, session, planned)
        return self._session(service_sid, session)

    def update_session(self, service_sid: str, sid: str, *, status: str | None = None,
                       ttl: int | str | None = None) -> Session:
        """Close (open/in-progress -> closed), re-open (closed -> in-progress), or change the ttl."""
        book, doc = self._session_record(service_sid, sid)
        fields: dict[str, Any] = {}
        now = self.clock()
        if ttl is not None:
            fields["ttl"] = rules.check_ttl(ttl)
            fields["date_expiry"] = records.expiry(parse_date(doc.get("date_last_interaction")) or now, fields["ttl"])
        if status is not None:
            rules.check_status_change(doc["status"], status)
            if rules.is_active(status):
                self._check_reopen(service_sid, book, sid)
                fields.update(date_ended=None, closed_reason=None)
                if "ttl" not in fields:  # re-opened: its TTL counts afresh from now (else it would close again)
                    fields["date_expiry"] = records.expiry(now, int(doc.get("ttl") or 0))
            else:
                fields.update(date_ended=iso8601(now))
            fields["status"] = status
        if not fields:
            return self._session(service_sid, doc)
        fields["date_updated"] = iso8601(now)
        self._write(self.sessions.update_session, service_sid, sid, fields)
        return self.get_session(service_sid, sid)

    def _check_reopen(self, service_sid: str, book: SessionBook, sid: str) -> None:
        """Re-opening must keep the invariant: every proxy number still in the pool (80605),
        none held by the same identifier in another active session (80623)."""
        for p in book.members[sid]:
            m = book.participants[p]
            if m.holds is None:
                continue
            rules.check_explicit_proxy(m.holds in self.pools.pool(service_sid).doc_of, m.holds)
            phone = self.get_number(service_sid, m.holds).phone_number
            rules.check_not_held(m.identifier, phone, book.held(m.identifier, other_than=sid).get(m.holds))

    def delete_session(self, service_sid: str, sid: str) -> None:
        """The session, its participants and its interactions."""
        self._session_record(service_sid, sid)

        def apply() -> None:
            self.interactions.remove_session(service_sid, sid)
            self.sessions.delete_session(service_sid, sid)

        self._write(apply)

    # -- Participants -----------------------------------------------------------------------------

    def _participant(self, service_sid: str, doc: Record) -> Participant:
        return records.participant(doc, self.account_sid, service_sid)

    def _plan_participant(self, service_sid: str, service: Record, book: SessionBook, session: Record,
                          spec: dict[str, Any], planned: list[Record]) -> Record:
        """Check one participant against every rule and choose its number; nothing is written."""
        session_sid = session["sid"]
        identifier = rules.check_identifier(spec.get("identifier"))
        friendly_name = spec.get("friendly_name")
        rules.check_friendly_name(friendly_name)
        rules.check_session_accepts_participants(session["status"], session_sid)
        present = book.identifiers(session_sid) + [d["identifier"] for d in planned]
        rules.check_participant_room(book.present(session_sid) + len(planned))
        rules.check_not_in_session(identifier, identifier in present)
        held = book.held(identifier, other_than=session_sid)
        pool = self.pools.candidates(service_sid)
        chosen: Candidate
        if spec.get("proxy_identifier_sid") or spec.get("proxy_identifier"):
            chosen = explicit_number(pool.by_sid, pool.by_phone, spec.get("proxy_identifier_sid"),
                                     spec.get("proxy_identifier"))
            rules.check_not_held(identifier, chosen.phone_number, held.get(chosen.sid))
        else:
            # this session's own numbers already count in in_use once; choosing one adds nothing
            own = book.proxies(session_sid) if session_sid in book.status and book.is_active(session_sid) else set()
            geo_match_level, behavior = records.selection_settings(service)
            chosen = select_number(
                list(pool.by_sid.values()), identifier=identifier, mode=session["mode"],
                geo_match_level=geo_match_level, behavior=behavior, held=set(held),
                history=book.history(identifier), in_use=self.sessions.in_use_counts(service_sid), own=own,
            )
        return records.participant_record(new_sid("KP", self._rng), session_sid, identifier, friendly_name,
                                          chosen.phone_number, chosen.sid, self.clock())

    def _participant_record(self, service_sid: str, session_sid: str, sid: str) -> Record:
        self._session_record(service_sid, session_sid)
        rules.check_participant_sid(sid, service_sid, session_sid)
        doc = self.sessions.participant(service_sid, session_sid, sid)
        if doc is None:
            raise rules.not_found(f"/Services/{service_sid}/Sessions/{session_sid}/Participants/{sid}")
        return doc

    def add_participant(self, service_sid: str, session_sid: str, *, identifier: str,
                        friendly_name: str | None = None, proxy_identifier: str | None = None,
                        proxy_identifier_sid: str | None = None) -> Participant:
        service = self._service(service_sid)
        book, session = self._session_record(service_sid, session_sid)
        spec = parse_participant_item({
            "identifier": identifier, "friendly_name": friendly_name,
            "proxy_identifier": proxy_identifier, "proxy_identifier_sid": proxy_identifier_sid,
        })
        doc = self._plan_participant(service_sid, service, book, session, spec, [])
        self._write(self.sessions.add_participant, service_sid, session_sid, doc)
        return self._participant(service_sid, doc)

    def list_participants(self, service_sid: str, session_sid: str, page_size: int | None = None,
                          page_token: str | None = None) -> Page[Participant]:
        size = rules.page_size(page_size)
        self._session_record(service_sid, session_sid)
        order, fetch = self.sessions.participant_order(service_sid, session_sid)
        return paging.page_of(order, size, page_token, lambda i: self._participant(service_sid, fetch(i)))

    def get_participant(self, service_sid: str, session_sid: str, sid: str) -> Participant:
        return self._participant(service_sid, self._participant_record(service_sid, session_sid, sid))

    def remove_participant(self, service_sid: str, session_sid: str, sid: str) -> None:
        """Twilio's soft delete (the spec: "The participant remains associated with the session and
        cannot be re-added"): it stays listed and fetchable with date_deleted, holds no number (in_use
        drops) and no longer counts toward the two. Deleting it again changes nothing."""
        doc = self._participant_record(service_sid, session_sid, sid)
        if doc.get("date_deleted") is None:
            self._write(self.sessions.remove_participant, service_sid, session_sid, sid, iso8601(self.clock()))

    # -- Interactions (a session's messages) ---------------------------------------------------

    def _interaction(self, service_sid: str, doc: Record) -> Interaction:
        return records.interaction(doc, self.account_sid, service_sid)

    def create_message_interaction(self, service_sid: str, session_sid: str, participant_sid: str, *,
                                   body: str | None, media_url: Any = None) -> Interaction:
        """A message from your system to one participant, sent from its proxy number: recorded as the
        session's interaction (outbound side only); an open session becomes in-progress, its
        date_last_interaction is now and its TTL counts from now. Closed: 80607; voice-only: 80910."""
        doc = self._participant_record(service_sid, session_sid, participant_sid)
        session = self.sessions.session(service_sid, session_sid)
        assert session is not None
        text = rules.check_message_body(body, media_url)
        rules.check_session_takes_messages(session["status"], session["mode"], session_sid)
        rules.check_participant_present(doc.get("date_deleted") is not None, participant_sid)
        now = self.clock()
        record = records.message_interaction_record(new_sid("KI", self._rng), session_sid, participant_sid, text,
                                                    new_sid("SM", self._rng), now)
        stamp = iso8601(now)
        changes = {"status": "in-progress", "date_last_interaction": stamp, "date_updated": stamp,
                   "date_expiry": records.expiry(now, int(session.get("ttl") or 0))}

        def apply() -> None:
            self.interactions.add(service_sid, record)
            self.sessions.update_session(service_sid, session_sid, changes)

        self._write(apply)
        return self._interaction(service_sid, record)

    def list_message_interactions(self, service_sid: str, session_sid: str, participant_sid: str,
                                  page_size: int | None = None, page_token: str | None = None) -> Page[Interaction]:
        size = rules.page_size(page_size)
        self._participant_record(service_sid, session_sid, participant_sid)
        order, fetch = self.interactions.of_participant(service_sid, participant_sid)
        return paging.page_of(order, size, page_token, lambda i: self._interaction(service_sid, fetch(i)))

    def get_message_interaction(self, service_sid: str, session_sid: str, participant_sid: str,
                                sid: str) -> Interaction:
        self._participant_record(service_sid, session_sid, participant_sid)
        where = f"/Services/{service_sid}/Sessions/{session_sid}/Participants/{participant_sid}/MessageInteractions"
        rules.check_interaction_sid(sid, where)
        doc = self.interactions.record(service_sid, session_sid, sid, participant_sid)
        if doc is None:
            raise rules.not_found(f"{where}/{sid}")
        return self._interaction(service_sid, doc)

    def list_interactions(self, service_sid: str, session_sid: str, page_size: int | None = None,
                          page_token: str | None = None) -> Page[Interaction]:
        size = rules.page_size(page_size)
        self._session_record(service_sid, session_sid)
        order, fetch = self.interactions.of_session(service_sid, session_sid)
        return paging.page_of(order, size, page_token, lambda i: self._interaction(service_sid, fetch(i)))

    def _interaction_record(self, service_sid: str, session_sid: str, sid: str) -> Record:
        self._session_record(service_sid, session_sid)
        where = f"/Services/{service_sid}/Sessions/{session_sid}/Interactions"
        rules.check_interaction_sid(sid, where)
        doc = self.interactions.record(service_sid, session_sid, sid)
        if doc is None:
            raise rules.not_found(f"{where}/{sid}")
        return doc

    def get_interaction(self, service_sid: str, session_sid: str, sid: str) -> Interaction:
        return self._interaction(service_sid, self._interaction_record(service_sid, session_sid, sid))

    def delete_interaction(self, service_sid: str, session_sid: str, sid: str) -> None:
        """The interaction goes from the session's Interactions and its participant's MessageInteractions."""
        self._interaction_record(service_sid, session_sid, sid)
        self._write(self.interactions.remove, service_sid, sid)

    # -- views for the simulator and the pool screen ----------------------------------------------

    def active_participations(self, service_sid: str) -> list[tuple[str, str, str | None]]:
        """(identifier, session sid, proxy number sid) of every participant of an active session."""
        self._current(service_sid)
        return self.sessions.active_participations(service_sid)

    def sessions_holding(self, service_sid: str, number_sid: str) -> list[Session]:
        """The active sessions in which a participant holds this pool number (its `in_use`)."""
        self._current(service_sid)
        fetch = self.sessions.session_fetcher(service_sid)
        book = self.sessions.book(service_sid)
        return [self._session(service_sid, fetch(book.doc_of[s])) for s in self.sessions.holding(service_sid, number_sid)]

    # -- bulk changes: a command over many numbers is one transaction for its successes ---------------
    # (the app's bulk r/d and the `proxy-pool numbers ...` commands; tui.core.seam.BulkBackend). Each
    # number is checked in turn against the pool as the ones before it leave it; a refusal is that
    # number's outcome, not the command's; every success is written in one write at the end.

    def _each(self, items: list[Any], change: Callable[[Any], Any]) -> list[Any]:
        outcomes: list[Any] = []

        def apply() -> None:
            for item in items:
                try:
                    outcomes.append(change(item))
                except StoreError:
                    raise
                except ProxyError as exc:
                    outcomes.append(exc)

        self._write(apply)
        return outcomes

    def add_each(self, service_sid: str, entries: list[tuple[str | None, str | None, bool]]) -> list[Any]:
        """(SID, E.164, reserved?) entries join the pool: each outcome the PhoneNumber or the ProxyError."""
        self._service(service_sid)
        return self._each(entries, lambda e: self.add_number(service_sid, sid=e[0], phone_number=e[1],
                                                             is_reserved=e[2]))

    def set_reserved_each(self, service_sid: str, sids: list[str], is_reserved: bool) -> list[Any]:
        """Each outcome the PhoneNumber as saved, or the ProxyError that refused it (80622, 20404)."""
        self._service(service_sid)
        return self._each(sids, lambda sid: self.set_reserved(service_sid, sid, is_reserved))

    def remove_each(self, service_sid: str, sids: list[str]) -> list[Any]:
        """Each outcome None (removed) or the ProxyError that refused it (80611, 20404)."""
        self._service(service_sid)
        return self._each(sids, lambda sid: self.remove_number(service_sid, sid))
