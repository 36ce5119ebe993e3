"""The header: where you are, and which world you are in (SANDBOX or LIVE), always visible."""

from __future__ import annotations

from typing import NamedTuple

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static


# a NamedTuple: this module is read at launch, and a frozen dataclass takes ~1 ms to make on Python 3.11
class WorldInfo(NamedTuple):
    """Which account the app talks to: kind is "sandbox" or "live"; label is the sandbox path or the masked SID."""

    kind: str
    label: str
    read_only: bool = False

    @property
    def badge(self) -> str:
        return self.badge_within(10_000)

    def badge_within(self, width: int) -> str:
        """The badge in at most `width` cells: a long sandbox path loses its middle, never its file name."""
        word = "LIVE" if self.kind == "live" else "SANDBOX"
        room = width - len(word) - 3
        label = self.label
        if len(label) > room:
            head, _, name = label.rpartition("/")
            tail = f"/{name}" if head else name
            keep = max(room - len(tail) - 1, 0)
            label = f"{label[:keep]}…{tail}" if keep or len(tail) < room else "…" + label[-max(room - 1, 1):]
        return f" {word} {label} "


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
        badge = Static(self.world.badge_within(self._badge_room()), id="world-badge")
        badge.add_class("-live" if self.world.kind == "live" else "-sandbox")
        yield badge

    def _badge_room(self) -> int:
        # what the title and the breadcrumb leave; the badge stays whole enough to name the file
        width = self.size.width or self.app.size.width
        used = len(" proxy-pool ") + len(self.crumbs) + 2 + (len(" READ-ONLY ") + 1 if self.world.read_only else 0)
        return max(width - used, 28)

    def on_resize(self) -> None:
        self.query_one("#world-badge", Static).update(self.world.badge_within(self._badge_room()))
