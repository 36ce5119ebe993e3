"""What the conformance suites share: the account's whole state, and "rejected, and nothing changed"."""

from __future__ import annotations

import orjson
import pytest

from sandbox.store import storage_of
from tui.core.errors import ProxyError


def account_state(account) -> dict:
    # every stored byte (services, owned numbers, pools, sessions) plus the in-memory indexes;
    # cheaper than listing a 5,500-number pool through the API, and it misses nothing
    def raw(db) -> bytes:
        return orjson.dumps(storage_of(db).read(), option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SORT_KEYS)

    return {
        "account": raw(account.files.account),
        "pools": {sid: raw(db) for sid, db in account.files.pools.items()},
        "stats": {sid: account.pool_stats(sid) for sid in account.service_sids()},
        "in_use": account.sessions.in_use_counts(),
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
