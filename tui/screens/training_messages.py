"""Messages of the training tools: a run's left-over sessions, the goal, a reset, a Service's
sessions, building a pool (Services created and deleted, numbers bought and released).

Posted by the app's workers (tui/app.py, the training block); screens only react to them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

from tui.core.resources import AccountNumber, Service
from tui.screens.messages import ErrorReport

if TYPE_CHECKING:
    from tui.core.sessions import Participant, Session


class TrainingFailed(Message):
    """A training action failed; `action` says what was being done."""

    def __init__(self, action: str, report: ErrorReport):
        super().__init__()
        self.action = action
        self.report = report


class OrphansFound(Message):
    """Sessions of simulation runs that died with their app, per Service SID (with its name)."""

    def __init__(self, found: dict[str, tuple[str, list[Session]]]):
        super().__init__()
        self.found = found

    @property
    def count(self) -> int:
        return sum(len(sessions) for _, sessions in self.found.values())

    @property
    def active(self) -> int:
        return sum(1 for _, sessions in self.found.values() for s in sessions if s.is_active)


class OrphansDeleted(Message):
    def __init__(self, deleted: int):
        super().__init__()
        self.deleted = deleted


class SimulationLeft(Message):
    """The Simulate screen's run deleted its sessions as the screen was left."""

    def __init__(self, deleted: int):
        super().__init__()
        self.deleted = deleted


class GoalChecked(Message):
    pass


class SandboxWasReset(Message):
    def __init__(self, what: str):
        super().__init__()
        self.what = what


class ServiceSessions(Message):
    """Every session of a Service, each with its participants."""

    def __init__(self, sessions: list[tuple[Session, list[Participant]]]):
        super().__init__()
        self.sessions = sessions


class SessionsClosed(Message):
    def __init__(self, closed: int, failed: list[str]):
        super().__init__()
        self.closed = closed
        self.failed = failed


class ServiceCreated(Message):
    def __init__(self, service: Service):
        super().__init__()
        self.service = service


class ServiceDeleted(Message):
    def __init__(self, service: Service):
        super().__init__()
        self.service = service


class NumbersBought(Message):
    def __init__(self, numbers: list[AccountNumber]):
        super().__init__()
        self.numbers = numbers


class NumberReleased(Message):
    def __init__(self, number: AccountNumber):
        super().__init__()
        self.number = number


class AccountNumbersListed(Message):
    """The account's numbers, whole (the numbers screen)."""

    def __init__(self, numbers: list[AccountNumber], service_names: dict[str, str]):
        super().__init__()
        self.numbers = numbers
        self.service_names = service_names
