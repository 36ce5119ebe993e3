"""Command mode (`:` as in k9s): what a typed line means, how a word completes, the history.

Plain classes without Textual: the command-line widget (tui/widgets/command_line.py) shows
them and the screens carry the commands out.

    :sort COLUMN [asc|desc]   :sort alone: the pool's own order
    :filter STATE...          reserved unreserved in_use free draining marked country:CC cap:NAME;
                              :filter alone clears every filter
    :page N|first|last        :export PATH.csv|PATH.json
    :mark all|none|range      :ctx [NAME]   :services   :help   :quit
    :NUMBER or :SID           jump to that number's row
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from tui.state.pool_query import (
    CAPABILITIES,
    COLUMN_ALIASES,
    COLUMNS,
    STATES,
    Query,
    QueryError,
    Sort,
    column_named,
    parse_filter,
)


class CommandError(ValueError):
    """A line that is not a command; str() is the inline error (what would be)."""


# -- the commands, as parsed ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SortCommand:
    sort: Sort | None  # None: back to the pool's own order


@dataclass(frozen=True, slots=True)
class FilterCommand:
    query: Query  # the state filters (the text filter is the screen's); empty: clear them all


@dataclass(frozen=True, slots=True)
class PageCommand:
    target: int | str  # a page index from 0, or "first" / "last"


@dataclass(frozen=True, slots=True)
class ExportCommand:
    path: str


@dataclass(frozen=True, slots=True)
class MarkCommand:
    how: str  # "all" (every number shown), "none", "range" (the last marked to the cursor)


@dataclass(frozen=True, slots=True)
class GoCommand:
    where: str  # "services", "help", "quit"


@dataclass(frozen=True, slots=True)
class ContextCommand:
    name: str | None  # None: list the contexts


@dataclass(frozen=True, slots=True)
class JumpCommand:
    needle: str  # a number or a SID (a Service's name or SID on the Services screen)


Command = (SortCommand | FilterCommand | PageCommand | ExportCommand | MarkCommand | GoCommand
           | ContextCommand | JumpCommand)

# name -> its usage line (the completion hint and the help)
USAGE = {
    "sort": "sort COLUMN [asc|desc]",
    "filter": "filter [reserved|unreserved|in_use|free|draining|marked|country:CC|cap:NAME ...]",
    "page": "page N|first|last",
    "export": "export PATH.csv|PATH.json",
    "mark": "mark all|none|range",
    "ctx": "ctx [NAME]",
    "services": "services",
    "help": "help",
    "quit": "quit",
}
POOL_COMMANDS = frozenset(USAGE)
SERVICES_COMMANDS = frozenset({"ctx", "services", "help", "quit"})
ALIASES = {"q": "quit", "q!": "quit", "exit": "quit", "svc": "services", "context": "ctx", "contexts": "ctx",
           "f": "filter", "s": "sort", "?": "help", "h": "help"}
MARKS = ("all", "none", "range")
PAGES = ("first", "last")
DIRECTIONS = ("asc", "desc")


def _words(line: str) -> list[str]:
    try:
        return shlex.split(line)
    except ValueError as exc:  # an unclosed quote
        raise CommandError(f"cannot read that line: {exc}") from None


def looks_like_target(word: str) -> bool:
    """A SID or a phone number (what a jump takes)."""
    low = word.lower()
    return low.startswith(("pn", "ks")) or (any(ch.isdigit() for ch in word)
                                             and all(ch.isdigit() or ch in "+-() ." for ch in word))


def parse(line: str, allowed: frozenset[str] = POOL_COMMANDS) -> Command:
    """The command a line means, or CommandError saying what would do. On the Services screen
    (SERVICES_COMMANDS) any other word is a Service's name to go to."""
    text = line.strip().lstrip(":").strip()
    if not text:
        raise CommandError("type a command (tab completes): " + ", ".join(sorted(allowed)))
    if looks_like_target(text):
        return JumpCommand(text)
    words = _words(text)
    name, args = ALIASES.get(words[0].lower(), words[0].lower()), words[1:]
    if name not in allowed:
        if allowed != SERVICES_COMMANDS or name in USAGE:
            raise CommandError(f"no command {words[0]!r} here: " + ", ".join(sorted(allowed)))
        return JumpCommand(text)  # the Services screen: a Service's name
    try:
        return _command(name, args)
    except QueryError as exc:
        raise CommandError(str(exc)) from None


def _command(name: str, args: list[str]) -> Command:
    usage = f"usage: :{USAGE[name]}"
    if name == "sort":
        if not args:
            return SortCommand(None)
        if len(args) > 2 or (len(args) == 2 and args[1].lower() not in DIRECTIONS):
            raise CommandError(usage)
        return SortCommand(Sort(column_named(args[0]), len(args) == 2 and args[1].lower() == "desc"))
    if name == "filter":
        return FilterCommand(parse_filter(args))
    if name == "page":
        if len(args) != 1:
            raise CommandError(usage)
        word = args[0].lower()
        if word in PAGES:
            return PageCommand(word)
        if not word.isdigit() or int(word) < 1:
            raise CommandError(f"{args[0]!r} is not a page number (from 1): {usage}")
        return PageCommand(int(word) - 1)
    if name == "export":
        if len(args) != 1:
            raise CommandError(usage + " (quote a path with spaces)")
        return ExportCommand(args[0])
    if name == "mark":
        if len(args) != 1 or args[0].lower() not in MARKS:
            raise CommandError(usage)
        return MarkCommand(args[0].lower())
    if name == "ctx":
        if len(args) > 1:
            raise CommandError(usage)
        return ContextCommand(args[0] if args else None)
    if args:
        raise CommandError(f":{name} takes nothing after it")
    return GoCommand(name)


# -- completion ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Completion:
    line: str  # the line with its last word completed as far as it is unambiguous
    candidates: tuple[str, ...]  # every word that fits (the hint shows them)


def _filter_words() -> list[str]:
    return [*STATES, "country:", *(f"cap:{c}" for c in CAPABILITIES)]


def complete(line: str, allowed: frozenset[str] = POOL_COMMANDS,
             names: Mapping[str, Sequence[str]] | None = None) -> Completion:
    """Complete the last word of `line`: a command, then its arguments (column names, directions,
    filters, pages, marks, or `names` given per command, e.g. the contexts for ctx)."""
    ends_in_space = line.endswith(" ")
    words = line.split()
    done, current = (words, "") if ends_in_space or not words else (words[:-1], words[-1])
    if not done:
        options: Iterable[str] = sorted(allowed)
    else:
        command = ALIASES.get(done[0].lower(), done[0].lower())
        options = _arguments(command, len(done) - 1, (names or {}).get(command, ()))
    fits = tuple(o for o in options if o.lower().startswith(current.lower()))
    if not fits:
        return Completion(line, ())
    prefix = _common_prefix(fits)
    whole = len(fits) == 1 and not fits[0].endswith(":")
    head = " ".join(done)
    completed = (f"{head} " if head else "") + (prefix if len(prefix) >= len(current) else current)
    return Completion(completed + (" " if whole else ""), fits)


def _arguments(command: str, position: int, names: Sequence[str]) -> Iterable[str]:
    if command == "sort":
        return COLUMNS if position == 0 else DIRECTIONS if position == 1 else ()
    if command == "filter":
        return _filter_words()
    if command == "page":
        return PAGES if position == 0 else ()
    if command == "mark":
        return MARKS if position == 0 else ()
    if command == "ctx":
        return names if position == 0 else ()
    return ()


def _common_prefix(words: Sequence[str]) -> str:
    first = words[0]
    for i, ch in enumerate(first):
        if any(len(w) <= i or w[i].lower() != ch.lower() for w in words[1:]):
            return first[:i]
    return first


def column_words() -> list[str]:
    """Every word a column can be named by (for the help)."""
    return sorted(set(COLUMN_ALIASES))

