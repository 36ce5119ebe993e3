"""A screen's keys, and the footer that shows as many of them as the width allows.

Textual's footer shows the bindings marked `show` in order and cuts whatever does not fit at
the right, so at 100 columns `a`, `q` and `?` went missing while at 220 the keys marked hidden
stayed hidden although they fit. Here each key has a rank: the footer takes keys by rank
(0 first) while they fit the width, and shows them in the order they are declared. Every key
stays bound (and in the command palette) whether the footer shows it or not.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from textual.binding import Binding, BindingsMap
from textual.screen import Screen

from tui.widgets.key_footer import key_cells

PALETTE_ROOM = 13  # the footer's "^p palette" at the right


# a NamedTuple: this module is read at launch, and a frozen dataclass takes ~1 ms to make on Python 3.11
class Key(NamedTuple):
    keys: str  # Textual's key names, comma-separated ("d,delete")
    action: str
    description: str  # the footer's and the command palette's words
    rank: int | None = 0  # the footer takes rank 0 first, then 1, ...; None: never in the footer
    key_display: str | None = None
    title: str = ""  # the command palette's (and the footer tooltip's) longer words

    @property
    def palette_title(self) -> str:
        return self.title or self.description

    @property
    def in_footer(self) -> bool:
        return self.rank is not None


def footer_width(key_display: str, description: str) -> int:
    """Cells a key takes in the footer: as drawn, then the gap before the next."""
    return key_cells(key_display, description) + 1


def fit_footer(keys: Sequence[Key], width: int, display: dict[str, str]) -> set[str]:
    """The actions whose keys the footer shows at `width` columns (`display`: action -> key shown)."""
    room = width - PALETTE_ROOM
    shown: set[str] = set()
    for key in sorted((k for k in keys if k.in_footer), key=lambda k: k.rank):
        need = footer_width(display[key.action], key.description)
        if need <= room:
            shown.add(key.action)
            room -= need
    return shown


def bind_keys(screen: Screen, keys: Iterable[Key], width: int) -> None:
    """Bind every key on `screen` (Textual's own screen keys stay), the footer showing those that fit.
    Called again with the same keys and the same fit (a resize that moves no key), it changes nothing."""
    keys = list(keys)
    display = {k.action: k.key_display or screen.app.get_key_display(Binding(k.keys.split(",")[0], k.action))
               for k in keys}
    shown = fit_footer(keys, width, display)
    bound = (tuple(keys), frozenset(shown))
    if getattr(screen, "_bound_keys", None) == bound:
        return
    screen._bound_keys = bound  # type: ignore[attr-defined]
    bindings: BindingsMap = screen._merge_bindings()  # the class's own (Textual's tab, shift+tab, ...)
    for key in keys:
        for name in key.keys.split(","):
            bindings.key_to_bindings.setdefault(name.strip(), []).append(
                Binding(name.strip(), key.action, key.description, show=key.action in shown,
                        key_display=key.key_display, tooltip=key.palette_title))
    screen._bindings = bindings
    screen.refresh_bindings()


def own_bindings(screen: Screen) -> list[Binding]:
    """The screen's bindings that are ours: without Textual's focus and copy keys (the command
    palette lists ours once each, by action)."""
    textual = {binding.action for _, binding in Screen._merge_bindings()}
    seen: set[str] = set()
    out = []
    for _key, binding in screen._bindings:
        if binding.description and binding.action not in textual and binding.action not in seen:
            seen.add(binding.action)
            out.append(binding)
    return out
