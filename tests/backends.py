"""The backends the conformance suite runs over.

Each entry is an async context manager factory: given a temporary folder, it makes a
fresh sandbox and yields a World: the Backend under test plus the SandboxAccount behind
it, so a test can arrange state directly and check what the backend did.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sandbox import SandboxAccount, SandboxBackend
from tui.backend import Backend


@dataclass
class World:
    backend: Backend
    sandbox: SandboxBackend

    @property
    def account(self) -> SandboxAccount:
        """The sandbox account behind the backend (arrange and inspect state here)."""
        return self.sandbox.account

    def arrange(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run an account operation directly (under the backend's lock)."""
        return self.sandbox.call(fn, *args, **kwargs)


@contextlib.asynccontextmanager
async def sandbox_world(tmp_path: Path) -> AsyncIterator[World]:
    account = SandboxAccount.create(tmp_path / "sandbox.json")
    backend = SandboxBackend(account)
    try:
        yield World(backend=backend, sandbox=backend)
    finally:
        backend.close()


# name -> factory; the live backend over the sandbox's HTTP server joins here.
BACKENDS: dict[str, Callable[[Path], contextlib.AbstractAsyncContextManager[World]]] = {
    "sandbox": sandbox_world,
}

# Backends (names in BACKENDS) that also run Sessions and Participants (tui.backend.SessionBackend);
# the live one joins when its session methods exist. Used by tests/test_sessions_conformance.py.
SESSION_BACKENDS: list[str] = ["sandbox"]
