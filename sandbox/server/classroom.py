"""A class on one server: N isolated trainee accounts, one shared scenario.

`proxy-pool sandbox serve PATH --class N` keeps every trainee's sandbox under the folder PATH
(trainee-01.json, ...), each built from the same scenario and seed but with its own account
SID and auth token (build_sandbox's identity). One ASGI app routes each request by its Basic
credentials to that trainee's own sandbox app (sandbox/server/app.py), which checks the token
and the AccountSid in the path as for a single sandbox: a foreign AccountSid is 401/20003 and a
foreign Service SID is simply not found (20404). Each trainee's POST /sandbox/reset rebuilds
only their own file.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sandbox.backend import SandboxBackend
from sandbox.build import build_sandbox
from sandbox.files import FORMAT, META, read_json_file
from sandbox.server.app import create_app, error_response, unauthorized
from sandbox.server.requests import basic_credentials_from_header

Scope = MutableMapping[str, Any]
ASGI = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]
MAX_CLASS = 100
CSV_NAME = "credentials.csv"


@dataclass(frozen=True)
class Trainee:
    name: str  # trainee-01, ...
    path: Path
    account_sid: str
    auth_token: str = ""

    def __repr__(self) -> str:  # never the token
        return f"Trainee(name={self.name!r}, path={str(self.path)!r}, account_sid={self.account_sid!r})"


def trainee_name(i: int) -> str:
    return f"trainee-{i:02d}"


def _origin_of(path: Path) -> dict[str, Any]:
    return dict(read_json_file(path, FORMAT)[META]["1"].get("origin") or {})


def prepare(folder: Path, size: int, *, kind: str, scenario: str | None, seed: int,
            force: bool = False) -> tuple[list[Path], bool]:
    """The class's sandbox files under `folder`, made when missing (or with `force`); kept when they
    already hold this class (same kind, scenario and seed), so a restarted server keeps every
    trainee's credentials. Returns the files and whether any was made now."""
    if not 1 <= size <= MAX_CLASS:
        raise ValueError(f"--class takes 1 to {MAX_CLASS} trainees, not {size}")
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"{folder} is a file: --class serves a folder of trainee sandboxes (it is made if missing)")
    folder.mkdir(parents=True, exist_ok=True)
    paths, made = [], False
    for i in range(1, size + 1):
        path = folder / f"{trainee_name(i)}.json"
        wanted = {"kind": kind, "seed": seed, "scenario": scenario if kind == "scenario" else None}
        if path.exists() and not force:
            origin = _origin_of(path)
            found = {"kind": origin.get("kind"), "seed": origin.get("seed"), "scenario": origin.get("scenario")}
            if found != wanted:
                what = found["scenario"] or found["kind"]
                raise ValueError(f"{path} holds another class ({what}, seed {found['seed']}); pass --force to "
                                 f"make the class again (every trainee's work is lost)")
        else:
            build_sandbox(path, kind=kind, scenario=scenario, seed=seed, identity=trainee_name(i),
                          overwrite=path.exists()).close()
            made = True
        paths.append(path)
    return paths, made


def open_class(paths: list[Path]) -> list[SandboxBackend]:
    backends: list[SandboxBackend] = []
    try:
        for path in paths:
            backends.append(SandboxBackend(path))
    except BaseException:
        for backend in backends:
            backend.close()
        raise
    return backends


def trainees(backends: list[SandboxBackend]) -> list[Trainee]:
    return [Trainee(Path(b.path).stem, Path(b.path), b.account_sid, b.account.meta["auth_token"]) for b in backends]


def write_credentials(folder: Path, people: list[Trainee], base_url: str, pin: str | None) -> Path:
    """The table a trainer hands out, as CSV (readable by its owner only: it holds the tokens)."""
    path = folder / CSV_NAME
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["trainee", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "base_url", "pin"])
        for person in people:
            writer.writerow([person.name, person.account_sid, person.auth_token, base_url, pin or ""])
    return path


def credentials_table(people: list[Trainee]) -> str:
    rows = [("Trainee", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN")]
    rows += [(p.name, p.account_sid, p.auth_token) for p in people]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


class ClassRoom:
    """The class's one ASGI app: each request goes to the sandbox app of the trainee whose
    account SID is its Basic username; anyone else is 401/20003."""

    def __init__(self, backends: list[SandboxBackend], public_url: str | None = None):
        self.apps: dict[str, ASGI] = {b.account_sid: create_app(b, public_url=public_url) for b in backends}

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        header = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"authorization"), "")
        creds = basic_credentials_from_header(header)
        app = self.apps.get(creds[0]) if creds else None
        if app is None:
            response = error_response(unauthorized(), {"WWW-Authenticate": 'Basic realm="Twilio API"'})
            await response(scope, receive, send)
            return
        await app(scope, receive, send)
