"""build_sandbox(): the one way a sandbox gets made. `sandbox init`, the app's first run (the
default sandbox) and the HTTP server's reset all call it; the data comes from demo.py and scale.py."""

from __future__ import annotations

import os
import random
from pathlib import Path

from sandbox import files
from sandbox.account import SandboxAccount

KINDS = ("demo", "empty", "scale")


def build_sandbox(path: str | Path, *, kind: str, seed: int = 7, scale: int | None = None,
                  overwrite: bool = False) -> SandboxAccount:
    """Create the sandbox file at `path` and fill it: "demo", "empty" or "scale" (`scale` full pools).

    Returns the open account (the caller closes it). Raises StoreError (a ProxyError)
    when the file cannot be made, and ValueError for a bad kind or scale.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown sandbox kind {kind!r} (one of {', '.join(KINDS)})")
    if kind == "scale" and (scale is None or scale < 1):
        raise ValueError(f"--scale needs a number of Services of at least 1, not {scale}")
    path = Path(path)
    if overwrite and path.exists():
        # build beside it, then swap it in: a failure on the way (a full disk) keeps the old sandbox
        files.read_json_file(path, files.FORMAT)  # refuse a foreign file before any work
        probe = files.SandboxLock(path)
        probe.acquire()  # and one another process holds (SandboxInUse names it)
        probe.release()
        built = path.with_name(f".{path.name}.building-{os.getpid()}")
        try:
            _build(built, kind, seed, scale).close()
            files.install(built, path)
        finally:
            files.discard(built)
        return SandboxAccount.open(path)
    return _build(path, kind, seed, scale)


def _build(path: Path, kind: str, seed: int, scale: int | None) -> SandboxAccount:
    origin = {"kind": kind, "seed": seed, "scale": scale if kind == "scale" else None}
    # the seeded generator makes the account's SIDs repeatable too
    account = SandboxAccount.create(path, origin=origin, rng=random.Random(seed))
    try:  # demo and scale load phonenumbers' metadata: imported only to build one
        if kind == "demo":
            from sandbox.demo import populate_demo

            populate_demo(account, seed)
        elif kind == "scale":
            from sandbox.scale import populate_scale

            populate_scale(account, scale, seed)
    except BaseException:
        account.close()
        files.discard(path)  # never leave a half-made sandbox behind
        raise
    return account
