"""SandboxBackend: the seam (tui.core.seam.Backend) over a sandbox account on disk.

Each call runs in a worker thread under one lock, so a durable write (an fsync)
never stalls the app's event loop and calls never interleave.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sandbox.account import SandboxAccount
from sandbox.build import rebuild
from tui.core.messaging import MessagingIndex, MessagingNumber, MessagingService
from tui.core.resources import AccountNumber, PhoneNumber, PoolStats, Service
from tui.core.seam import Page
from tui.core.sessions import Interaction, Participant, Session

R = TypeVar("R")


class SandboxBackend:
    kind = "sandbox"

    def __init__(self, path: str | Path | SandboxAccount):
        self.account = path if isinstance(path, SandboxAccount) else SandboxAccount.open(path)
        self._lock = threading.Lock()
        self._grouped = False  # group commit (commit_in_groups)

    def __repr__(self) -> str:
        return f"SandboxBackend(path={str(self.account.path)!r})"

    @property
    def path(self) -> Path:
        return self.account.path

    @property
    def account_sid(self) -> str:
        return self.account.account_sid

    def call(self, fn: Callable[..., R], *args: Any, **kwargs: Any) -> R:
        """Run one account operation synchronously, under the lock (for the HTTP server's threads too)."""
        with self._lock:
            return fn(*args, **kwargs)

    def commit_in_groups(self) -> None:
        """From now on a change is durable at sync(), not when its call returns: whoever answers for it
        (the HTTP server's worker) calls sync() first, once for every call run since the last one."""
        with self._lock:
            self._grouped = True
            self.account.files.group_commit = True

    def sync(self) -> None:
        with self._lock:
            self.account.sync()

    async def _run(self, fn: Callable[..., R], *args: Any, **kwargs: Any) -> R:
        return await asyncio.to_thread(self.call, fn, *args, **kwargs)

    async def list_services(self, page_size: int = 50, page_token: str | None = None) -> Page[Service]:
        return await self._run(self.account.list_services, page_size, page_token)

    async def get_service(self, sid: str) -> Service:
        return await self._run(self.account.get_service, sid)

    async def create_service(self, unique_name: str, **fields: Any) -> Service:
        return await self._run(self.account.create_service, unique_name, **fields)

    async def update_service(self, sid: str, **fields: Any) -> Service:
        return await self._run(self.account.update_service, sid, **fields)

    async def delete_service(self, sid: str) -> None:
        await self._run(self.account.delete_service, sid)

    async def list_numbers(self, service_sid: str, page_size: int = 50,
                           page_token: str | None = None) -> Page[PhoneNumber]:
        return await self._run(self.account.list_numbers, service_sid, page_size, page_token)

    async def get_number(self, service_sid: str, sid: str) -> PhoneNumber:
        return await self._run(self.account.get_number, service_sid, sid)

    async def add_number(self, service_sid: str, *, sid: str | None = None, phone_number: str | None = None,
                         is_reserved: bool = False) -> PhoneNumber:
        return await self._run(self.account.add_number, service_sid, sid=sid, phone_number=phone_number,
                               is_reserved=is_reserved)

    async def set_reserved(self, service_sid: str, sid: str, is_reserved: bool) -> PhoneNumber:
        return await self._run(self.account.set_reserved, service_sid, sid, is_reserved)

    async def remove_number(self, service_sid: str, sid: str) -> None:
        await self._run(self.account.remove_number, service_sid, sid)

    async def list_account_numbers(self, page_size: int = 50,
                                   page_token: str | None = None) -> Page[AccountNumber]:
        return await self._run(self.account.list_account_numbers, page_size, page_token)

    async def pool_stats(self, service_sid: str) -> PoolStats:
        return await self._run(self.account.pool_stats, service_sid)

    async def simulation_runs(self, service_sid: str) -> set[str]:
        """The simulation runs that named sessions of this Service (sandbox.traffic.orphans asks)."""
        return await self._run(self.account.simulation_runs, service_sid)

    async def owned_count(self) -> int:
        """How many numbers the account owns, at once (tui.core.seam.OwnedCount; live pages them)."""
        return await self._run(lambda: self.account.counts()[2])

    # -- sessions and participants (tui.core.seam.SessionBackend) ------------------------------

    async def create_session(self, service_sid: str, *, unique_name: str | None = None, ttl: int | None = None,
                             mode: str | None = None, status: str | None = None,
                             participants: list[dict[str, Any]] | None = None) -> Session:
        return await self._run(self.account.create_session, service_sid, unique_name=unique_name, ttl=ttl,
                               mode=mode, status=status, participants=participants)

    async def get_session(self, service_sid: str, sid: str) -> Session:
        return await self._run(self.account.get_session, service_sid, sid)

    async def list_sessions(self, service_sid: str, page_size: int = 50,
                            page_token: str | None = None) -> Page[Session]:
        return await self._run(self.account.list_sessions, service_sid, page_size, page_token)

    async def update_session(self, service_sid: str, sid: str, *, status: str | None = None,
                             ttl: int | None = None) -> Session:
        return await self._run(self.account.update_session, service_sid, sid, status=status, ttl=ttl)

    async def delete_session(self, service_sid: str, sid: str) -> None:
        await self._run(self.account.delete_session, service_sid, sid)

    async def add_participant(self, service_sid: str, session_sid: str, *, identifier: str,
                              friendly_name: str | None = None, proxy_identifier: str | None = None,
                              proxy_identifier_sid: str | None = None) -> Participant:
        return await self._run(self.account.add_participant, service_sid, session_sid, identifier=identifier,
                               friendly_name=friendly_name, proxy_identifier=proxy_identifier,
                               proxy_identifier_sid=proxy_identifier_sid)

    async def list_participants(self, service_sid: str, session_sid: str, page_size: int = 50,
                                page_token: str | None = None) -> Page[Participant]:
        return await self._run(self.account.list_participants, service_sid, session_sid, page_size, page_token)

    async def get_participant(self, service_sid: str, session_sid: str, sid: str) -> Participant:
        return await self._run(self.account.get_participant, service_sid, session_sid, sid)

    async def remove_participant(self, service_sid: str, session_sid: str, sid: str) -> None:
        await self._run(self.account.remove_participant, service_sid, session_sid, sid)

    # -- interactions (tui.core.seam.InteractionBackend) -----------------------------------------

    async def create_message_interaction(self, service_sid: str, session_sid: str, participant_sid: str, *,
                                         body: str) -> Interaction:
        return await self._run(self.account.create_message_interaction, service_sid, session_sid, participant_sid,
                               body=body)

    async def list_message_interactions(self, service_sid: str, session_sid: str, participant_sid: str,
                                        page_size: int = 50, page_token: str | None = None) -> Page[Interaction]:
        return await self._run(self.account.list_message_interactions, service_sid, session_sid, participant_sid,
                               page_size, page_token)

    async def get_message_interaction(self, service_sid: str, session_sid: str, participant_sid: str,
                                      sid: str) -> Interaction:
        return await self._run(self.account.get_message_interaction, service_sid, session_sid, participant_sid, sid)

    async def list_interactions(self, service_sid: str, session_sid: str, page_size: int = 50,
                                page_token: str | None = None) -> Page[Interaction]:
        return await self._run(self.account.list_interactions, service_sid, session_sid, page_size, page_token)

    async def get_interaction(self, service_sid: str, session_sid: str, sid: str) -> Interaction:
        return await self._run(self.account.get_interaction, service_sid, session_sid, sid)

    async def delete_interaction(self, service_sid: str, session_sid: str, sid: str) -> None:
        await self._run(self.account.delete_interaction, service_sid, session_sid, sid)

    # -- Messaging Services (tui.core.seam.MessagingBackend) -------------------------------------

    async def list_messaging_services(self, page_size: int = 50,
                                      page_token: str | None = None) -> Page[MessagingService]:
        return await self._run(self.account.list_messaging_services, page_size, page_token)

    async def get_messaging_service(self, sid: str) -> MessagingService:
        return await self._run(self.account.get_messaging_service, sid)

    async def create_messaging_service(self, friendly_name: str, **fields: Any) -> MessagingService:
        return await self._run(self.account.create_messaging_service, friendly_name, **fields)

    async def update_messaging_service(self, sid: str, **fields: Any) -> MessagingService:
        return await self._run(self.account.update_messaging_service, sid, **fields)

    async def delete_messaging_service(self, sid: str) -> None:
        await self._run(self.account.delete_messaging_service, sid)

    async def list_messaging_numbers(self, service_sid: str, page_size: int = 50,
                                     page_token: str | None = None) -> Page[MessagingNumber]:
        return await self._run(self.account.list_messaging_numbers, service_sid, page_size, page_token)

    async def get_messaging_number(self, service_sid: str, sid: str) -> MessagingNumber:
        return await self._run(self.account.get_messaging_number, service_sid, sid)

    async def add_messaging_number(self, service_sid: str, phone_number_sid: str) -> MessagingNumber:
        return await self._run(self.account.add_messaging_number, service_sid, phone_number_sid)

    async def remove_messaging_number(self, service_sid: str, sid: str) -> None:
        await self._run(self.account.remove_messaging_number, service_sid, sid)

    async def messaging_index(self) -> MessagingIndex:
        return await self._run(self.account.messaging_index)

    async def sessions_holding(self, service_sid: str, number_sid: str) -> list[Session]:
        """The active sessions holding a pool number, from the index (the app's sessions view;
        a backend without this method is scanned through the seam instead)."""
        return await self._run(self.account.sessions_holding, service_sid, number_sid)

    async def aclose(self) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self.account.close()

    def reset(self) -> None:
        """Rebuild the sandbox in its seeded state (its meta's origin), as the HTTP server's
        POST /sandbox/reset asks; under the lock, so no call sees a half-built account."""
        with self._lock:
            origin = dict(self.account.meta.get("origin") or {"kind": "empty"})
            path, clock = self.account.path, self.account.clock
            self.account.close()  # releases the flock, so the rebuild can take it
            try:
                self.account = rebuild(path, origin)
            except BaseException:
                self.account = SandboxAccount.open(path, clock=clock)  # keep serving what is on disk
                self.account.files.group_commit = self._grouped
                raise
            self.account.clock = clock  # the same time as before the reset (a test's fake clock too)
            self.account.files.group_commit = self._grouped

    # -- bulk (tui.core.seam.BulkBackend): one transaction for a command's successes ------------------

    async def bulk_add(self, service_sid: str, entries: list[tuple[str | None, str | None, bool]]) -> list[Any]:
        return await self._run(self.account.add_each, service_sid, list(entries))

    async def bulk_set_reserved(self, service_sid: str, sids: list[str], is_reserved: bool) -> list[Any]:
        return await self._run(self.account.set_reserved_each, service_sid, list(sids), is_reserved)

    async def bulk_remove(self, service_sid: str, sids: list[str]) -> list[Any]:
        return await self._run(self.account.remove_each, service_sid, list(sids))
