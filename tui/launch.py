"""run_app(args): choose the backend (sandbox file, live Twilio, or the default sandbox) and run the app.

A backend that cannot be opened is one line on stderr (`proxy-pool: error: ...`) and exit 1,
never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
from functools import partial
from pathlib import Path
from typing import Any

DEFAULT_SEED = 7


class LaunchError(Exception):
    """Why the app cannot start; str() is the one line the user reads."""


def default_sandbox_path() -> Path:
    import platformdirs

    return platformdirs.user_data_path("proxy-pool") / "sandbox.json"


def has_live_credentials(env: dict[str, str] | os._Environ = os.environ) -> bool:
    """TWILIO_ACCOUNT_SID with an auth token, or with an API key and its secret."""
    if not env.get("TWILIO_ACCOUNT_SID"):
        return False
    if env.get("TWILIO_AUTH_TOKEN"):
        return True
    return bool(env.get("TWILIO_API_KEY") and (env.get("TWILIO_API_SECRET") or env.get("TWILIO_API_KEY_SECRET")))


def open_sandbox(path: str | Path) -> Any:
    from sandbox.backend import SandboxBackend
    from tui.core.errors import ProxyError

    try:
        return SandboxBackend(Path(path).expanduser())
    except ProxyError as exc:  # StoreError, SandboxInUse: the message names the file and the cause
        raise LaunchError(exc.message) from None
    except Exception as exc:  # noqa: BLE001 - whatever else, one line
        raise LaunchError(f"cannot open sandbox {path}: {type(exc).__name__}: {exc}") from None


class DeferredSandbox:
    """A sandbox handed to the app unopened: the app calls open_deferred() in a thread once
    its first screen has painted (ProxyPoolApp.ensure_backend), then uses what it returns."""

    kind = "sandbox"

    def __init__(self, path: Path, account_sid: str):
        self.path = path
        self.account_sid = account_sid  # from the file's header, for the world badge
        self.backend: Any = None

    def __repr__(self) -> str:
        return f"DeferredSandbox(path={str(self.path)!r})"

    def open_deferred(self) -> Any:
        """The open SandboxBackend, or LaunchError (its text is the one line to print). A big
        sandbox opens under the store's GC policy (sandbox.store.big_load)."""
        self.backend = open_sandbox(self.path)
        return self.backend

    def close(self) -> None:
        if self.backend is not None:
            self.backend.close()


def sandbox_backend(path: str | Path) -> Any:
    """An existing sandbox: opened after the first paint when the cheap checks pass, else now
    (so a missing, foreign, corrupt or locked file is one line on stderr before any UI)."""
    from sandbox.files import quick_check

    path = Path(path).expanduser()
    account_sid = quick_check(path)
    return DeferredSandbox(path, account_sid) if account_sid else open_sandbox(path)


def open_live(args: argparse.Namespace) -> Any:
    try:
        from tui.live.client import backend_from_args
        from tui.live.credentials import CredentialsError
    except ImportError as exc:
        raise LaunchError(f"the live backend is not available in this build ({exc.name or exc}); "
                          "use --sandbox PATH") from None
    try:
        return backend_from_args(args, **trust_options(args))
    except CredentialsError as exc:
        raise LaunchError(str(exc)) from None
    except Exception as exc:  # noqa: BLE001
        raise LaunchError(f"cannot start the live backend: {type(exc).__name__}: {exc}") from None


def trust_options(args: argparse.Namespace) -> dict[str, Any]:
    """--ca-file / --pin: how the live backend verifies a server with its own certificate (a class's)."""
    ca_file, pin = getattr(args, "ca_file", None), getattr(args, "pin", None)
    if not ca_file and not pin:
        return {}
    from tui.live.transport import trusted_transport

    return {"transport": trusted_transport(ca_file=ca_file, pin=pin)}


def create_default_sandbox(path: Path) -> Any:
    """Make the demo sandbox at `path`; returns its open SandboxBackend."""
    try:
        from sandbox.build import build_sandbox
    except ImportError:
        raise LaunchError("no sandbox yet and this build cannot make the demo one; "
                          "create one with: proxy-pool sandbox init PATH") from None
    try:
        from sandbox.backend import SandboxBackend

        path.parent.mkdir(parents=True, exist_ok=True)
        return SandboxBackend(build_sandbox(path, kind="demo", seed=DEFAULT_SEED))
    except Exception as exc:  # noqa: BLE001
        message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        raise LaunchError(f"cannot create the demo sandbox at {path}: {message}") from None


def choose_backend(args: argparse.Namespace) -> tuple[Any, str | None]:
    """The backend to run on, and a note for the user (the default sandbox was just created)."""
    if getattr(args, "sandbox", None):
        return sandbox_backend(args.sandbox), None
    if getattr(args, "live", False) or has_live_credentials():
        return open_live(args), None
    path = default_sandbox_path()
    if not path.exists():
        note = f"Created a demo sandbox at {path} (no Twilio credentials in the environment)."
        return create_default_sandbox(path), note
    return sandbox_backend(path), None


def close_backend(backend: Any) -> None:
    try:
        close = getattr(backend, "close", None)
        if callable(close):
            close()
        else:
            asyncio.run(backend.aclose())
    except Exception:  # noqa: BLE001 - closing must not turn a clean exit into a traceback
        pass


def worlds(args: argparse.Namespace) -> Any:
    """How the app opens another world from inside (:ctx): these very openers (tui/contexts.py)."""
    from tui.contexts import Worlds

    return Worlds(default_sandbox_path(), open_sandbox, open_live, has_live_credentials,
                  getattr(args, "base_url", None))


_gc_paused = False  # by pause_gc, until the first screen has painted (resume_gc)


def pause_gc() -> None:
    """No cyclic GC from the launch to the first paint: the app's imports and its first screen make
    a few hundred thousand objects that live as long as the process, and CPython's GC walked them
    over and over as they were made (~25 ms of a ~330 ms launch, in full passes)."""
    global _gc_paused
    if gc.isenabled():
        gc.disable()
        _gc_paused = True


def resume_gc() -> None:
    """The GC back once the first screen has painted (the app calls it; run_app too, whatever
    happens). What the launch made is frozen first: later passes skip it, so the first one is not
    a walk over everything made while paused. A few cycles made at startup stay with it."""
    global _gc_paused
    if _gc_paused:
        _gc_paused = False
        gc.freeze()
        gc.enable()


def run_app(args: argparse.Namespace) -> int:
    pause_gc()
    try:
        return _run_app(args)
    finally:
        resume_gc()


def _run_app(args: argparse.Namespace) -> int:
    from tui.app import create_app

    try:
        backend, note = choose_backend(args)
    except LaunchError as exc:
        print(f"proxy-pool: error: {exc}", file=sys.stderr)
        return 1
    if note:
        print(f"proxy-pool: {note}", file=sys.stderr)
    app = None
    try:
        app = create_app(backend, read_only=bool(getattr(args, "read_only", False)),
                         page_size=getattr(args, "page_size", 50) or 50, startup_note=note, calm_errors=True,
                         worlds=partial(worlds, args), first_painted=resume_gc)
        app.run()
    except KeyboardInterrupt:
        return 130
    finally:
        if app is not None:
            close_simulations_after(app)
        close_backend(backend)
    for line in app.exit_lines:
        print(line, file=sys.stderr)
    if app.crash_line:
        print(app.crash_line, file=sys.stderr)
    return app.return_code or 0


def close_simulations_after(app: Any) -> None:
    """An app that ended without quitting (a crash, ctrl+c): its simulation runs' sessions are
    deleted here, on the backend it leaves open, so no number stays held by a run that is gone."""
    if not app.simulations.holding():
        return
    try:
        asyncio.run(app.close_simulations())
    except Exception as exc:  # noqa: BLE001 - the next launch offers to delete them
        app.exit_lines.append(f"proxy-pool: the simulation's sessions were left open ({type(exc).__name__}); "
                              "the next launch offers to delete them")
