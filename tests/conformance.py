"""What the conformance suites share: the account's whole state, and "rejected, and nothing changed"."""

from __future__ import annotations

import orjson
import pytest

from sandbox.catalog import POOL_COUNTS
from sandbox.store import META, OWNED_COUNT, SERVICES, storage_of
from tui.core.errors import ProxyError


def account_state(account) -> dict:
    # every stored byte (services, owned numbers, pools, sessions) plus the in-memory indexes;
    # cheaper than listing a 5,500-number pool through the API, and it misses nothing. Each pool is
    # read first (pools are read when needed); the counts the account file keeps for each pool are
    # derived at each fold, so they are compared through pool_stats, not as bytes.
    def raw(db) -> bytes:
        return orjson.dumps(storage_of(db).read(), option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SORT_KEYS)

    stats = {sid: account.pool_stats(sid) for sid in account.service_sids()}
    for sid in account.service_sids():
        account.interactions.book(sid)  # its sessions' and its pool's indexes with it
    stored = orjson.loads(raw(account.files.account))
    for doc in stored.get(SERVICES, {}).values():
        doc.pop(POOL_COUNTS, None)
    stored[META]["1"].pop(OWNED_COUNT, None)  # derived too: compared through counts()
    return {
        "account": stored,
        "numbers": raw(account.files.numbers()),
        "counts": account.counts(),
        "pools": {sid: raw(db) for sid, db in account.files.pools.items()},
        "stats": stats,
        "in_use": {n: c for sid in account.service_sids() for n, c in account.sessions.in_use_counts(sid).items()},
        "pool_of": account.pools.membership(),
        "names": account.catalog.service_names(),
    }


def state(world) -> dict:
    """Everything the account holds, read straight from the sandbox behind the backend."""
    return world.arrange(account_state, world.account)


async def rejected(world, call, code: int, status: int) -> ProxyError:
    """Run a backend call that must fail with Twilio's `code` and `status`, changing nothing."""
    before = state(world)
    with pytest.raises(ProxyError) as info:
        await call
    error = info.value
    assert (error.code, error.status) == (code, status), error.message
    assert error.more_info.endswith(str(code))
    assert state(world) == before
    return error
