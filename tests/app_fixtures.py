"""Deterministic sandboxes for the app's tests, snapshots, screenshots and benchmark.

Fixed seed and a fixed clock (the account's clock=), so SIDs and dates (and therefore
snapshots) never change. Built directly with SandboxAccount (create + buy_numbers +
create_service + add_numbers_bulk).
"""

from __future__ import annotations

import contextlib
import io
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from sandbox.account import SandboxAccount
from sandbox.backend import SandboxBackend
from tui.core.sids import new_sid

FIXED_NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)

US_AREAS = ("415", "212", "312", "646", "718", "202", "305", "617", "206", "512", "303", "404")
GB_NUMBERS = [f"+4420794601{i:02d}" for i in range(20)]
NAMES = ("Support", "Dispatch", "Courier", "Rider", "Host", "Guest", "Driver", "Agent")


def fixed_clock() -> datetime:
    """The clock of every sandbox built here: always FIXED_NOW."""
    return FIXED_NOW


def us_numbers(count: int, start: int = 0) -> list[str]:
    """count distinct valid US numbers (+1 NPA 555 xxxx), deterministic."""
    out = []
    for i in range(start, start + count):
        area = US_AREAS[i // 10000]
        out.append(f"+1{area}555{i % 10000:04d}")
    return out


def _specs(numbers: list[str], rng: random.Random, label: str) -> list[dict]:
    specs = []
    for i, e164 in enumerate(numbers):
        specs.append({
            "sid": new_sid("PN", rng),
            "phone_number": e164,
            "friendly_name": f"{label} {NAMES[i % len(NAMES)]} {i + 1}",
            "capabilities": {"voice": True, "sms": True, "mms": i % 3 == 0, "fax": False},
        })
    return specs


def build_app_sandbox(path: Path, *, seed: int = 7) -> SandboxAccount:
    """A small account that exercises every screen:

    - support-line: 8 numbers (US and GB), 2 reserved
    - deliveries: 120 numbers (3 pages of 50), 10 reserved
    - marketplace-eu: 430 unreserved (86 %: the warning style) + 20 reserved
    - 6 free numbers, one more in a Messaging Service (cannot be added)
    """
    rng = random.Random(seed)  # the account's SIDs (Services too) and the numbers' from one seed
    account = SandboxAccount.create(path, rng=rng, clock=fixed_clock, origin={"kind": "app-tests", "seed": seed})
    support = _specs(us_numbers(5, 0) + GB_NUMBERS[:3], rng, "Support")
    deliveries = _specs(us_numbers(120, 100), rng, "Deliveries")
    market = _specs(us_numbers(450, 1000), rng, "Market")
    free = _specs(us_numbers(4, 5000) + GB_NUMBERS[10:12], rng, "Spare")
    messaging = _specs(us_numbers(1, 6000), rng, "Campaign")
    messaging[0]["messaging_service_sid"] = new_sid("MG", rng)
    account.buy_numbers(support + deliveries + market + free + messaging)

    s1 = account.create_service("support-line", default_ttl=3600)
    s2 = account.create_service("deliveries", number_selection_behavior="avoid-sticky",
                                geo_match_level="area-code", default_ttl=86400)
    s3 = account.create_service("marketplace-eu", default_ttl=0)
    account.add_numbers_bulk(s1.sid, [(s["sid"], i in (1, 6)) for i, s in enumerate(support)])
    account.add_numbers_bulk(s2.sid, [(s["sid"], i % 12 == 5) for i, s in enumerate(deliveries)])
    account.add_numbers_bulk(s3.sid, [(s["sid"], i >= 430) for i, s in enumerate(market)])
    return account


def build_full_pools(path: Path, *, services: int = 10, seed: int = 7) -> SandboxAccount:
    """The scale case: `services` Services, each with a full pool (500 unreserved + 5,000 reserved)."""
    rng = random.Random(seed)
    account = SandboxAccount.create(path, rng=rng, origin={"kind": "scale", "services": services})
    per = 5500
    specs = _specs(us_numbers(per * services), rng, "Pool")
    account.buy_numbers(specs)
    for s in range(services):
        service = account.create_service(f"pool-{s + 1:02d}")
        chunk = specs[s * per:(s + 1) * per]
        account.add_numbers_bulk(service.sid, [(spec["sid"], i >= 500) for i, spec in enumerate(chunk)])
    return account


def service_sid(account: SandboxAccount, name: str) -> str:
    return account.service_named(name).sid


# -- running the app in tests -----------------------------------------------------------------

@dataclass
class RunningApp:
    """A running app in a test: the app, its Pilot, the sandbox backend and every notification shown."""

    app: Any
    pilot: Any
    backend: SandboxBackend
    notes: list[tuple[str, str, str]] = field(default_factory=list)
    wait_workers: bool = True  # False: settle lets the app run but waits for no worker (a worker is held)

    @property
    def account(self) -> SandboxAccount:
        return self.backend.account

    @property
    def screen(self) -> Any:
        return self.app.screen

    async def settle(self) -> None:
        if self.wait_workers:
            await settle(self.pilot)
        else:
            for _ in range(10):
                await self.pilot.pause(0.01)

    async def press(self, *keys: str) -> None:
        await self.pilot.press(*keys)
        await self.settle()

    async def burst(self, *keys: str) -> None:
        """Keys as a terminal delivers a fast typist's burst: all read at once, none waiting for the
        one before to be handled (Pilot's press waits between keys; a terminal does not)."""
        from textual import events
        from textual.keys import _character_to_key

        for key in keys:
            name = _character_to_key(key) if len(key) == 1 and not key.isalnum() else key
            char = key if len(key) == 1 else {"tab": "\t", "enter": "\r", "space": " "}.get(key)
            event = events.Key(name, char)
            event.set_sender(self.app)
            self.app._driver.send_message(event)
        await self.settle()

    async def open_pool(self, name: str) -> Any:
        """From the Services screen, open `name`'s pool with the keys a user would press."""
        table = self.app.screen.query_one("#services")
        sid = service_sid(self.account, name)
        for _ in range(table.get_row_index(sid) - table.cursor_row):
            await self.pilot.press("down")
        await self.press("enter")
        return self.app.screen

    def notes_text(self) -> str:
        return "\n".join(f"{sev}|{title}|{message}" for sev, title, message in self.notes)

    def table_rows(self, selector: str = "#numbers") -> list[dict[str, str]]:
        """The table's rows as text, each keyed by column key ("sid", "reserved", ...)."""
        table = self.app.screen.query_one(selector)
        keys = column_keys(table)
        return [dict(zip(keys, (str(cell) for cell in table.get_row_at(i)), strict=True))
                for i in range(table.row_count)]

    def hold(self, name: str, number: Any, identifier: str = "+14155550999") -> str:
        """A real active session of Service `name` in which `identifier` holds `number` (one unit
        of its in_use; a reserved number too, named explicitly); the session's SID."""
        session = self.backend.call(self.account.create_session, service_sid(self.account, name), participants=[
            {"identifier": identifier, "proxy_identifier_sid": number.sid}])
        return session.sid

    def close_session(self, name: str, session_sid: str) -> None:
        self.backend.call(self.account.update_session, service_sid(self.account, name), session_sid,
                          status="closed")

    def text(self, selector: str) -> str:
        """The plain text a Static shows (markup, Rich Text and tables alike)."""
        widget = self.app.screen.query_one(selector)
        content = getattr(widget, "content", None)
        if content is None or isinstance(content, str) or not hasattr(content, "__rich_console__"):
            return str(widget.render())
        console = Console(width=200, file=io.StringIO(), record=True)
        console.print(content)
        return console.export_text()


def column_keys(table: Any) -> list[str]:
    """A table's column keys in order: the pool's PoolTable or a Textual DataTable."""
    columns = table.columns
    if isinstance(columns, dict):  # DataTable: ColumnKey -> Column
        return [str(key.value) for key in columns]
    return [column.key for column in columns]


async def settle(pilot: Any, rounds: int = 3) -> None:
    """Let keypresses, workers and the messages they post run to the end."""
    for _ in range(rounds):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@contextlib.asynccontextmanager
async def running_app(tmp_path: Path, *, read_only: bool = False, page_size: int = 50,
                      size: tuple[int, int] = (130, 36), backend: Any = None,
                      account: SandboxAccount | None = None, worlds: Any = None,
                      wait_workers: bool = True) -> AsyncIterator[RunningApp]:
    from tui.app import create_app

    sandbox = SandboxBackend(account or build_app_sandbox(tmp_path / "sandbox.json"))
    app = create_app(backend or sandbox, read_only=read_only, page_size=page_size, worlds=worlds)
    running = RunningApp(app, None, sandbox, wait_workers=wait_workers)
    shown = app.notify

    def recording(message: str, *, title: str = "", severity: str = "information", **kw: Any) -> None:
        running.notes.append((severity, title, str(message)))
        shown(message, title=title, severity=severity, **kw)

    app.notify = recording
    try:
        async with app.run_test(size=size) as pilot:
            running.pilot = pilot
            await running.settle()
            yield running
    finally:
        sandbox.close()
