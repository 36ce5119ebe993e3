"""The last known pool counts of a live account, kept across launches in the user's cache folder.

Live, a pool's counts cost a page per 100 numbers, so the Services screen shows the counts of the
last launch (with their age) until each pool has been counted again. The file holds counts only:
no secret, no number; an account is named by a hash of its SID and the API's host, so two
accounts (or a sandbox server and Twilio) never share counts."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.core.resources import PoolStats

VERSION = 1
KEPT_ACCOUNTS = 20  # the cache keeps the accounts seen last; older ones go
FIELDS = ("reserved", "unreserved", "in_use_numbers")


def cache_file() -> Path:
    import platformdirs

    return platformdirs.user_cache_path("proxy-pool") / "pool-counts.json"


@dataclass(frozen=True)
class CachedCount:
    stats: PoolStats
    counted_at: float  # seconds since the epoch


class CountCache:
    """One account's cached counts: `load` what the last launch knew, `save` what is known now."""

    def __init__(self, account_sid: str, host: str, file: Path | None = None):
        self.key = hashlib.sha256(f"{account_sid}@{host}".encode()).hexdigest()[:32]
        self.file = file or cache_file()

    def __repr__(self) -> str:
        return f"CountCache(key={self.key!r}, file={str(self.file)!r})"

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("accounts"), dict):
            return {}
        return data["accounts"]

    def load(self) -> dict[str, CachedCount]:
        """The counts this account had (a damaged or foreign file is no counts, never an error)."""
        entry = self._read().get(self.key)
        pools = entry.get("pools") if isinstance(entry, dict) else None
        if not isinstance(pools, dict):
            return {}
        counts = {}
        for sid, row in pools.items():
            try:
                values = [int(row[name]) for name in FIELDS]
                counts[sid] = CachedCount(PoolStats(sid, *values), float(row["counted_at"]))
            except (KeyError, TypeError, ValueError):
                continue
        return counts

    def save(self, counts: Mapping[str, PoolStats], counted_at: Mapping[str, float]) -> None:
        """Replace this account's counts (best effort: a read-only cache folder is no error)."""
        accounts = self._read()
        accounts.pop(self.key, None)
        pools = {sid: {**{name: getattr(stats, name) for name in FIELDS}, "counted_at": counted_at[sid]}
                 for sid, stats in counts.items() if sid in counted_at}
        accounts[self.key] = {"pools": pools}
        kept = dict(list(accounts.items())[-KEPT_ACCOUNTS:])  # the newest last (dicts keep insertion order)
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.file.with_name(f"{self.file.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"version": VERSION, "accounts": kept}), encoding="utf-8")
            tmp.replace(self.file)
        except OSError:
            pass

