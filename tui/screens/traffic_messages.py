"""Messages of the pool in motion: simulation ticks, the sessions holding a number, draining.

Posted by the app's workers (tui/app.py); screens only react to them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

from tui.core.resources import PhoneNumber
from tui.screens.messages import ErrorReport

if TYPE_CHECKING:
    from sandbox.traffic import Snapshot
    from tui.core.sessions import Participant, Session


class SimulationStepped(Message):
    def __init__(self, snapshot: Snapshot):
        super().__init__()
        self.snapshot = snapshot


class SimulationReset(Message):
    def __init__(self, deleted: int):
        super().__init__()
        self.deleted = deleted


class SimulationFailed(Message):
    """A tick or a reset failed for a reason other than a refused session (those are in the snapshot)."""

    def __init__(self, action: str, report: ErrorReport):
        super().__init__()
        self.action = action
        self.report = report


class SessionsHolding(Message):
    """The active sessions holding `number`, each with its participants."""

    def __init__(self, number: PhoneNumber, sessions: list[tuple[Session, list[Participant]]]):
        super().__init__()
        self.number = number
        self.sessions = sessions


class DrainProgress(Message):
    """The draining number as last read (reserved; `in_use` sessions still hold it)."""

    def __init__(self, number: PhoneNumber):
        super().__init__()
        self.number = number


class DrainFinished(Message):
    """The drained number left the pool (`already_gone`: someone else removed it first)."""

    def __init__(self, number: PhoneNumber, already_gone: bool = False):
        super().__init__()
        self.number = number
        self.already_gone = already_gone


class DrainFailed(Message):
    def __init__(self, number: PhoneNumber, report: ErrorReport):
        super().__init__()
        self.number = number
        self.report = report
