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

from sandbox.account import SandboxAccount
from sandbox.backend import SandboxBackend
from tui.core.seam import Backend


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


class SpecCheckedTransport:
    """An httpx transport that checks each Sessions/Participants/Interactions and Messaging v1
    response against Twilio's descriptions on arrival (tests/spec_check.py's checker), so each
    such conformance row over HTTP is also a spec check. Services and numbers responses are
    checked in tests/test_server_spec.py already; checking the full-pool pages here would only
    slow the suite."""

    def __init__(self, inner: Any):
        self.inner = inner

    async def handle_async_request(self, request: Any) -> Any:
        from tests.spec_check import check_response

        response = await self.inner.handle_async_request(request)
        if "/Sessions" in request.url.path or request.url.path.startswith("/messaging/"):
            await response.aread()
            response.request = request
            check_response(response)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


@contextlib.asynccontextmanager
async def live_asgi_world(tmp_path: Path) -> AsyncIterator[World]:
    """LiveBackend over HTTP to the sandbox server, in-process (httpx.ASGITransport): every call
    crosses Twilio's wire format, with the sandbox account's own SID and token."""
    import httpx

    from sandbox.server.app import create_app
    from tui.live.client import LiveBackend
    from tui.live.credentials import Credentials

    account = SandboxAccount.create(tmp_path / "sandbox.json")
    sandbox = SandboxBackend(account)
    meta = account.meta
    credentials = Credentials(meta["account_sid"], meta["account_sid"], meta["auth_token"], source="sandbox")
    # pacing (30/s, Twilio's limit) is tested on its own in tests/test_live.py; here it would only slow the suite
    live = LiveBackend(credentials, base_url="http://127.0.0.1", rate=1e9, read_messaging=True,
                       transport=SpecCheckedTransport(httpx.ASGITransport(app=create_app(sandbox))))
    try:
        yield World(backend=live, sandbox=sandbox)
    finally:
        await live.aclose()
        sandbox.close()


@contextlib.asynccontextmanager
async def live_http_world(tmp_path: Path) -> AsyncIterator[World]:
    """LiveBackend over real HTTP: the sandbox server (uvicorn) on a free loopback port, in a thread
    of this process so that tests can still arrange the sandbox directly."""
    import asyncio
    import threading

    import uvicorn

    from sandbox.commands import listen
    from sandbox.server.app import create_app
    from tui.live.client import LiveBackend
    from tui.live.credentials import Credentials

    account = SandboxAccount.create(tmp_path / "sandbox.json")
    sandbox = SandboxBackend(account)
    # the server's own listener (proto TCP, so asyncio sets TCP_NODELAY on each connection)
    sock = listen("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(sandbox), lifespan="off", log_level="warning",
                                           access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(1000):  # at most ~5 s
        if server.started or not thread.is_alive():
            break
        await asyncio.sleep(0.005)
    assert server.started, "the sandbox server did not start"
    meta = account.meta
    credentials = Credentials(meta["account_sid"], meta["account_sid"], meta["auth_token"], source="sandbox")
    live = LiveBackend(credentials, base_url=f"http://127.0.0.1:{port}", rate=1e9, read_messaging=True)
    try:
        yield World(backend=live, sandbox=sandbox)
    finally:
        await live.aclose()
        server.should_exit = True
        await asyncio.to_thread(thread.join, 10)
        sock.close()
        sandbox.close()


# name -> factory
BACKENDS: dict[str, Callable[[Path], contextlib.AbstractAsyncContextManager[World]]] = {
    "sandbox": sandbox_world,
    "live-asgi": live_asgi_world,
    "live-http": live_http_world,
}

# Backends (names in BACKENDS) that also run Sessions and Participants (tui.core.seam.SessionBackend).
# Used by tests/test_sessions_conformance.py.
SESSION_BACKENDS: list[str] = ["sandbox", "live-asgi", "live-http"]
