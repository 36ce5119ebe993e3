"""A fake clock for the sandbox (SandboxAccount(clock=...)): time moves only when a test says so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

START = datetime(2026, 5, 4, 12, 0, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, start: datetime = START):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now

    def __repr__(self) -> str:
        return f"FakeClock({self.now.isoformat()})"
