"""A screen's keys, and the footer that shows as many of them as the width allows.

Textual's footer shows the bindings marked `show` in order and cuts whatever does not fit at
the right, so at 100 columns `a`, `q` and `?` went missing while at 220 the keys marked hidden
stayed hidden although they fit. Here each key has a rank: the footer takes keys by rank
(0 first) while they fit the width, and shows them in the order they are declared. Every key
stays bound (and in the command palette) whether the footer shows it or not.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from textual.binding import Binding, BindingsMap
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

PALETTE_ROOM = 13  # the footer's "^p palette" at the right


@dataclass(frozen=True, slots=True)
class Key:
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
    """Cells a key takes in the compact footer: the key, a space, the words, a gap."""
    return len(key_display) + 1 + len(description) + 1


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


class KeyFooter(Footer):
    """Textual's footer, composed once per change of what it shows. Textual's recomposes (every
    key widget unmounted and mounted again, ~20 ms) on each bindings signal: the screen's keys
    bound, focus moving, a resize; twice before the first screen could paint. This one composes
    its keys at once when the screen has bound them before it mounts (bind_keys in compose), and
    again only when the keys it would show (key, words, enabled, tooltip) differ; each key mounts
    with its compact class already on."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._shown: tuple | None = None

    def compose(self):
        if not self._bindings_ready and getattr(self.screen, "_bound_keys", None) is not None:
            self.set_reactive(Footer._bindings_ready, True)
        if self._bindings_ready:
            self._shown = self._showing()
        for widget in super().compose():
            if isinstance(widget, FooterKey) and self.compact:
                # a key's compact watcher adds this class as it mounts, styling the key again (~0.5 ms
                # a key); there already, it changes nothing
                widget.set_class(True, "-compact", update=False)
            yield widget

    def _showing(self) -> tuple:
        """What compose would show now (Footer.compose's inputs)."""
        return (tuple((binding.key, binding.action, binding.description, binding.key_display, enabled, tooltip,
                       binding.group)
                      for (_, binding, enabled, tooltip) in self.screen.active_bindings.values()
                      if binding.show or binding.key == self.app.COMMAND_PALETTE_BINDING),
                self.compact, self.show_command_palette)

    def bindings_changed(self, screen: Screen) -> None:
        if self._bindings_ready and self._shown is not None and self.is_attached and screen is self.screen \
                and self._showing() == self._shown:
            return
        super().bindings_changed(screen)


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
