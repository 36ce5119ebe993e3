"""Command mode's history (`:` lines run), shared by every screen: its own module, because the app makes
one at launch and the rest of command mode (tui/state/command_line.py) is imported when `:` is first used."""

from __future__ import annotations


class History:
    """The lines run, newest last; up/down walk it, and down past the newest gives back the draft."""

    def __init__(self, limit: int = 100):
        self.limit = limit
        self.entries: list[str] = []
        self._at: int | None = None  # the entry shown, or None (the draft)
        self._draft = ""

    def add(self, line: str) -> None:
        line = line.strip()
        if line and (not self.entries or self.entries[-1] != line):
            self.entries.append(line)
            del self.entries[:-self.limit]
        self._at = None

    def older(self, current: str) -> str | None:
        """The entry before the one shown (None when there is none)."""
        if not self.entries:
            return None
        if self._at is None:
            self._draft = current
            self._at = len(self.entries)
        if self._at == 0:
            return self.entries[0]
        self._at -= 1
        return self.entries[self._at]

    def newer(self) -> str | None:
        """The entry after the one shown; the draft after the newest (None when not walking)."""
        if self._at is None:
            return None
        self._at += 1
        if self._at >= len(self.entries):
            self._at = None
            return self._draft
        return self.entries[self._at]

    def reset(self) -> None:
        self._at = None
