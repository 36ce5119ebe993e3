"""Contexts (as k9s has them): the worlds the app can switch between without leaving it.

The default sandbox, the sandbox files opened recently (remembered in the data folder, never a
secret), the twilio-cli profiles (their names only: the secret is read when one is opened), and
the environment's live credentials. `:ctx` lists them; `:ctx NAME` opens one. Opening goes
through tui.launch's own openers, exactly as the command line would open the same world; launch
hands them over (Worlds) when it makes the app, so nothing here imports launch (which imports
the app).
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RECENT_KEPT = 8


@dataclass(frozen=True, slots=True)
class Context:
    name: str  # what :ctx NAME takes
    kind: str  # "sandbox" or "live"
    detail: str  # what the list says of it
    path: Path | None = None  # a sandbox's file
    profile: str | None = None  # a twilio-cli profile's name (None with kind "live": the environment)


@dataclass(frozen=True)
class Worlds:
    """How the app opens a world: tui.launch's openers, as `proxy-pool` itself uses them."""

    default_sandbox: Path
    open_sandbox: Callable[[Path], Any]  # raises tui.launch.LaunchError (its text: the one line to show)
    open_live: Callable[[argparse.Namespace], Any]
    has_live_credentials: Callable[[Mapping[str, str]], bool]
    base_url: str | None = None  # the command line's --base-url, for live contexts


def recent_file() -> Path:
    import platformdirs

    return platformdirs.user_data_path("proxy-pool") / "recent-sandboxes.json"


def recent_sandboxes(file: Path | None = None) -> list[Path]:
    try:
        data = json.loads((file or recent_file()).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [Path(p) for p in data if isinstance(p, str)] if isinstance(data, list) else []


def remember_sandbox(path: Path, file: Path | None = None) -> None:
    """Put `path` first in the recent sandboxes (best effort: a read-only data folder is no error)."""
    file = file or recent_file()
    path = Path(path).expanduser().resolve()
    paths = [path] + [p for p in recent_sandboxes(file) if p != path]
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        tmp = file.with_suffix(".tmp")
        tmp.write_text(json.dumps([str(p) for p in paths[:RECENT_KEPT]]), encoding="utf-8")
        tmp.replace(file)
    except OSError:
        pass


def profile_names(config_path: Path | None = None) -> list[str]:
    """The twilio-cli profiles' names (current and older twilio-cli versions)."""
    from tui.live.credentials import twilio_cli_config_path

    try:
        config = json.loads((config_path or twilio_cli_config_path()).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(config, dict):
        return []
    names = set(config.get("profiles") or {}) if isinstance(config.get("profiles"), dict) else set()
    names |= {str(p["id"]) for p in config.get("projects") or [] if isinstance(p, dict) and p.get("id")}
    return sorted(names)


def available(worlds: Worlds, env: Mapping[str, str] | None = None, *, recent: Path | None = None,
              config_path: Path | None = None) -> list[Context]:
    """Every context there is now, the default sandbox first."""
    from tui.core.sids import mask_sid

    env = os.environ if env is None else env
    default = worlds.default_sandbox
    found = [Context("sandbox", "sandbox", f"the default sandbox {default}", path=default)]
    taken = {"sandbox"}
    for path in recent_sandboxes(recent):
        if path == default:
            continue
        name = f"sandbox:{path.stem}"
        while name in taken:
            name += "+"
        taken.add(name)
        found.append(Context(name, "sandbox", str(path), path=path))
    for profile in profile_names(config_path):
        found.append(Context(f"profile:{profile}", "live", f"twilio-cli profile {profile}", profile=profile))
    if worlds.has_live_credentials(env):
        found.append(Context("env", "live", f"the environment's credentials ({mask_sid(env.get('TWILIO_ACCOUNT_SID'))})"))
    return found


def named(contexts: list[Context], name: str) -> Context | None:
    """The context called `name` (or the only one whose name starts with it)."""
    exact = [c for c in contexts if c.name == name]
    if exact:
        return exact[0]
    starts = [c for c in contexts if c.name.startswith(name)]
    return starts[0] if len(starts) == 1 else None


def open_context(worlds: Worlds, context: Context) -> Any:
    """The opened backend of a context (blocking: run it in a thread), or launch's LaunchError."""
    if context.kind == "sandbox":
        assert context.path is not None
        return worlds.open_sandbox(context.path)
    return worlds.open_live(argparse.Namespace(profile=context.profile, base_url=worlds.base_url))
