"""Messages the app's backend workers post to screens, and how an error reads on screen.

Workers (in tui/app.py) do the I/O; a screen only reacts to these messages.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from textual.message import Message

from tui.core.errors import ERROR_TITLES, ProxyError
from tui.core.resources import AccountNumber, PhoneNumber, PoolStats, Service


# a NamedTuple: this module is read at launch, and a frozen dataclass takes ~1 ms to make on Python 3.11
class ErrorReport(NamedTuple):
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
    """The account's Services; their counts follow one by one (PoolCounted)."""

    def __init__(self, services: list[Service], stats: dict[str, PoolStats] | None = None,
                 cached_at: dict[str, float] | None = None):
        super().__init__()
        self.services = services
        self.stats = stats or {}
        self.cached_at = cached_at or {}  # live: the counts that are the last launch's, and when they were counted


class PoolCounted(Message):
    """One Service's pool counts (the Services screen fills them in as they arrive)."""

    def __init__(self, stats: PoolStats):
        super().__init__()
        self.stats = stats


class AccountCounted(Message):
    """How many numbers the account owns (IncomingPhoneNumbers), counted so far; `done` at the end."""

    def __init__(self, owned: int, done: bool):
        super().__init__()
        self.owned = owned
        self.done = done


class PoolChunk(Message):
    """Another part of a read of a whole pool (100 numbers a request); `generation` tags the read
    (a chunk of an older one is dropped), `done` on the last."""

    def __init__(self, generation: int, numbers: list[PhoneNumber], done: bool):
        super().__init__()
        self.generation = generation
        self.numbers = numbers
        self.done = done


class PoolReadFailed(Message):
    def __init__(self, generation: int, report: ErrorReport):
        super().__init__()
        self.generation = generation
        self.report = report


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


# a NamedTuple: this module is read at launch, and a frozen dataclass takes ~1 ms to make on Python 3.11
class BulkOutcome(NamedTuple):
    number: PhoneNumber
    ok: bool
    detail: str


class BulkStep(Message):
    """Outcomes of a bulk operation: one number's at a time (live), or all at once (the sandbox's
    one transaction); `done` of `total` attempted so far."""

    def __init__(self, outcomes: list[BulkOutcome], done: int, total: int):
        super().__init__()
        self.outcomes = outcomes
        self.done = done
        self.total = total


class Exported(Message):
    def __init__(self, path: str, count: int, fmt: str):
        super().__init__()
        self.path = path
        self.count = count
        self.fmt = fmt


class ExportFailed(Message):
    def __init__(self, path: str, reason: str):
        super().__init__()
        self.path = path
        self.reason = reason


class ContextsListed(Message):
    """The contexts there are; `wanted`: the name :ctx asked for (None: let the user pick, when `show`)."""

    def __init__(self, contexts: list[Any], wanted: str | None = None, show: bool = True):
        super().__init__()
        self.contexts = contexts
        self.wanted = wanted
        self.show = show


class ContextFailed(Message):
    def __init__(self, name: str, reason: str):
        super().__init__()
        self.name = name
        self.reason = reason
