"""The pool screen's marked numbers (space marks; r and d then act on all of them)."""

from __future__ import annotations

from tui.core.resources import PhoneNumber


class Marks:
    def __init__(self) -> None:
        self._by_sid: dict[str, PhoneNumber] = {}  # in marking order

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
        return True

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
        return marked
