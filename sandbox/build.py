"""build_sandbox(): the one way a sandbox gets made. `sandbox init`, the app's first run (the
default sandbox) and the HTTP server's reset all call it; the data comes from demo.py, scale.py
and scenarios.py. rebuild() makes a sandbox again from its meta's origin (a reset).

`identity` (a class's trainee) gives an account its own SID and token while its data stays
the scenario's: the account's generator is seeded with it, the data's with the seed alone."""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from pathlib import Path

from sandbox import files
from sandbox.account import SandboxAccount

KINDS = ("demo", "empty", "scale", "scenario")


def build_sandbox(path: str | Path, *, kind: str, seed: int = 7, scale: int | None = None,
                  overwrite: bool = False, scenario: str | None = None,
                  identity: str | None = None) -> SandboxAccount:
    """Create the sandbox file at `path` and fill it: "demo", "empty", "scale" (`scale` full pools)
    or "scenario" (the one named `scenario`, sandbox/scenarios.py).

    Returns the open account (the caller closes it). Raises StoreError (a ProxyError)
    when the file cannot be made, and ValueError for a bad kind, scale or scenario.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown sandbox kind {kind!r} (one of {', '.join(KINDS)})")
    if kind == "scale" and (scale is None or scale < 1):
        raise ValueError(f"--scale needs a number of Services of at least 1, not {scale}")
    if kind == "scenario":
        from sandbox.scenarios import get

        get(scenario or "")  # an unknown name is refused before any file is touched
    origin = {"kind": kind, "seed": seed, "scale": scale if kind == "scale" else None}
    if kind == "scenario":
        origin["scenario"] = scenario
    if identity is not None:
        origin["identity"] = identity
    return build_with(Path(path), lambda target: _build(target, origin), overwrite=overwrite)


def build_with(path: Path, make: Callable[[Path], SandboxAccount], *, overwrite: bool = False) -> SandboxAccount:
    """`make(target)` builds a sandbox at target and returns it open. Over an existing sandbox
    (overwrite) it builds beside it, then swaps it in: a failure on the way (a full disk) keeps
    the old sandbox."""
    if overwrite and path.exists():
        files.read_json_file(path, files.FORMAT)  # refuse a foreign file before any work
        probe = files.SandboxLock(path)
        probe.acquire()  # and one another process holds (SandboxInUse names it)
        probe.release()
        built = path.with_name(f".{path.name}.building-{os.getpid()}")
        try:
            make(built).close()
            files.install(built, path)
        finally:
            files.discard(built)
        return SandboxAccount.open(path)
    return make(path)


def rebuild(path: str | Path, origin: dict) -> SandboxAccount:
    """The sandbox at `path` made again as its origin says (same kind, seed, scenario and identity):
    what a reset does. ValueError for a sandbox that cannot be made again (a copy, a test's)."""
    kind = origin.get("kind", "empty")
    if kind not in KINDS:
        raise ValueError(f"this sandbox ({kind}) was not built from a seed, so it cannot be reset; "
                         "make a new one with proxy-pool sandbox init PATH --force")
    return build_sandbox(path, kind=kind, seed=origin.get("seed", 7), scale=origin.get("scale"),
                         scenario=origin.get("scenario"), identity=origin.get("identity"), overwrite=True)


def _build(path: Path, origin: dict) -> SandboxAccount:
    kind, seed, scale = origin["kind"], origin["seed"], origin["scale"]
    identity = origin.get("identity")
    # the seeded generator makes the account's SIDs repeatable too (a trainee's identity makes them its own)
    rng = random.Random(seed if identity is None else f"{seed}:{identity}")
    account = SandboxAccount.create(path, origin=origin, rng=rng)
    try:  # demo, scale and scenarios load phonenumbers' metadata: imported only to build one
        if kind == "scenario":
            from sandbox.scenarios import populate

            populate(account, origin["scenario"], seed)
        elif kind == "demo":
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
