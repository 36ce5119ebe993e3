"""The header: where you are, and which world you are in (SANDBOX or LIVE), always visible."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static


@dataclass(frozen=True, slots=True)
class WorldInfo:
    """Which account the app talks to: kind is "sandbox" or "live"; label is the sandbox path or the masked SID."""

    kind: str
    label: str
    read_only: bool = False

    @property
    def badge(self) -> str:
        return f" {'LIVE' if self.kind == 'live' else 'SANDBOX'} {self.label} "


class WorldBar(Horizontal):
    """Title and breadcrumb on the left; the world badge (and READ-ONLY) on the right."""

    def __init__(self, world: WorldInfo, crumbs: str = ""):
        super().__init__(id="world-bar")
        self.world = world
        self.crumbs = crumbs

    def compose(self) -> ComposeResult:
        yield Static(" proxy-pool", id="app-title")
        yield Static(self.crumbs, id="crumbs")
        if self.world.read_only:
            yield Static(" READ-ONLY ", id="read-only-badge")
        badge = Static(self.world.badge, id="world-badge")
        badge.add_class("-live" if self.world.kind == "live" else "-sandbox")
        yield badge

    def set_crumbs(self, crumbs: str) -> None:
        self.crumbs = crumbs
        self.query_one("#crumbs", Static).update(crumbs)
