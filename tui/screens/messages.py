"""Messages the app's backend workers post to screens, and how an error reads on screen.

Workers (in tui/app.py) do the I/O; a screen only reacts to these messages.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from tui.core.errors import ERROR_TITLES, ProxyError
from tui.core.resources import AccountNumber, PhoneNumber, PoolStats, Service


@dataclass(frozen=True, slots=True)
class ErrorReport:
    """An exception turned into what a person reads: a title, a message and a link."""

    title: str
    message: str
    code: int | None = None
    more_info: str | None = None

    @property
    def text(self) -> str:
        return f"{self.message}\n{self.more_info}" if self.more_info else self.message


def describe_error(error: BaseException) -> ErrorReport:
    """Any failure as an ErrorReport: never a traceback, never a secret (ProxyError carries none)."""
    if isinstance(error, ProxyError):
        title = ERROR_TITLES.get(error.code, "Error")
        return ErrorReport(f"Error {error.code}: {title}", error.message, error.code, error.more_info)
    name = type(error).__name__
    module = type(error).__module__ or ""
    if module.startswith(("httpx", "httpcore")) or isinstance(error, (ConnectionError, TimeoutError)):
        detail = str(error) or name
        return ErrorReport("Network error", f"{name}: {detail}. Nothing was changed by this request "
                                            "unless Twilio received it; refresh to check.")
    if isinstance(error, OSError):
        return ErrorReport("File error", f"{name}: {error}")
    return ErrorReport("Unexpected error", f"{name}: {error}" if str(error) else name)


# -- what workers post ------------------------------------------------------------------


class BackendFailed(Message):
    """A backend call failed; `action` says what was being done (for the notification)."""

    def __init__(self, action: str, report: ErrorReport, error: BaseException):
        super().__init__()
        self.action = action
        self.report = report
        self.error = error


class ServicesLoaded(Message):
    def __init__(self, services: list[Service], stats: dict[str, PoolStats]):
        super().__init__()
        self.services = services
        self.stats = stats


class PageLoaded(Message):
    """One page of a pool; `index` is the page's position, `prefetch` when nobody asked to see it yet,
    `tag` the screen's cache generation when it was asked for (a reply to an older one is dropped)."""

    def __init__(self, index: int, numbers: list[PhoneNumber], next_token: str | None, prefetch: bool,
                 tag: int = 0):
        super().__init__()
        self.tag = tag
        self.index = index
        self.numbers = numbers
        self.next_token = next_token
        self.prefetch = prefetch


class PageFailed(Message):
    def __init__(self, index: int, report: ErrorReport, prefetch: bool, tag: int = 0):
        super().__init__()
        self.tag = tag
        self.index = index
        self.report = report
        self.prefetch = prefetch


class StatsLoaded(Message):
    def __init__(self, stats: PoolStats):
        super().__init__()
        self.stats = stats


class ReservationSaved(Message):
    def __init__(self, number: PhoneNumber):
        super().__init__()
        self.number = number


class ReservationFailed(Message):
    """The backend refused a reservation change: roll the row back to `previous`."""

    def __init__(self, previous: PhoneNumber, report: ErrorReport):
        super().__init__()
        self.previous = previous
        self.report = report


class NumberRemoved(Message):
    def __init__(self, number: PhoneNumber):
        super().__init__()
        self.number = number


class RemoveFailed(Message):
    def __init__(self, number: PhoneNumber, report: ErrorReport, error: BaseException):
        super().__init__()
        self.number = number
        self.report = report
        self.error = error


class NumberAdded(Message):
    def __init__(self, number: PhoneNumber):
        super().__init__()
        self.number = number


class AccountNumbersLoaded(Message):
    """Another batch of the account's numbers (the add dialog fills its list as they come)."""

    def __init__(self, numbers: list[AccountNumber], done: bool):
        super().__init__()
        self.numbers = numbers
        self.done = done


class PoolScanned(Message):
    """Another batch of a whole-pool scan (for the filter); `done` on the last one."""

    def __init__(self, numbers: list[PhoneNumber], done: bool):
        super().__init__()
        self.numbers = numbers
        self.done = done


@dataclass(frozen=True, slots=True)
class BulkOutcome:
    number: PhoneNumber
    ok: bool
    detail: str


class BulkStep(Message):
    def __init__(self, outcome: BulkOutcome, done: int, total: int):
        super().__init__()
        self.outcome = outcome
        self.done = done
        self.total = total
