"""The pool screen's marked numbers (space marks; r and d then act on all of them)."""

from __future__ import annotations

from collections.abc import Iterable

from tui.core.resources import PhoneNumber


class Marks:
    def __init__(self) -> None:
        self._by_sid: dict[str, PhoneNumber] = {}  # in marking order
        self.anchor: str | None = None  # the number marked last: a range runs from it

    def __contains__(self, sid: object) -> bool:
        return sid in self._by_sid

    def __len__(self) -> int:
        return len(self._by_sid)

    def toggle(self, number: PhoneNumber) -> bool:
        """Mark or unmark; True when it is marked now."""
        if number.sid in self._by_sid:
            del self._by_sid[number.sid]
            return False
        self._by_sid[number.sid] = number
        self.anchor = number.sid
        return True

    def mark(self, numbers: Iterable[PhoneNumber]) -> int:
        """Mark every one of `numbers` (those marked already stay); how many were newly marked."""
        before = len(self._by_sid)
        for number in numbers:
            self._by_sid.setdefault(number.sid, number)
        return len(self._by_sid) - before

    def range_to(self, shown: list[PhoneNumber], sid: str) -> list[PhoneNumber]:
        """The numbers from the anchor (the last one marked) to `sid`, both included, in the order
        shown; just `sid`'s number when the anchor is not shown."""
        at = {n.sid: i for i, n in enumerate(shown)}
        if sid not in at:
            return []
        end = at[sid]
        start = at.get(self.anchor, end) if self.anchor else end
        low, high = sorted((start, end))
        return shown[low:high + 1]

    def numbers(self) -> list[PhoneNumber]:
        return list(self._by_sid.values())

    def replace(self, number: PhoneNumber) -> None:
        """A marked number changed: keep its latest state."""
        if number.sid in self._by_sid:
            self._by_sid[number.sid] = number

    def drop(self, sid: str) -> None:
        self._by_sid.pop(sid, None)

    def clear(self) -> list[PhoneNumber]:
        """Unmark everything; the numbers that were marked."""
        marked = self.numbers()
        self._by_sid.clear()
        self.anchor = None
        return marked
