"""Command mode without a running app (tui/state/command_line.py): what a line means, what tab
completes, what up and down bring back."""

from __future__ import annotations

import pytest

from tui.state.command_line import (
    POOL_COMMANDS,
    SERVICES_COMMANDS,
    CommandError,
    ContextCommand,
    ExportCommand,
    FilterCommand,
    GoCommand,
    JumpCommand,
    MarkCommand,
    PageCommand,
    SortCommand,
    complete,
    parse,
)
from tui.state.history import History
from tui.state.pool_query import Sort, parse_filter


@pytest.mark.parametrize(("line", "command"), [
    (":sort in_use desc", SortCommand(Sort("in_use", descending=True))),
    ("sort Number", SortCommand(Sort("number"))),
    ("sort friendly_name asc", SortCommand(Sort("friendly"))),
    ("sort", SortCommand(None)),
    ("filter reserved", FilterCommand(parse_filter(["reserved"]))),
    ("f in-use country:us", FilterCommand(parse_filter(["in_use", "country:US"]))),
    ("filter", FilterCommand(parse_filter([]))),
    ("page 3", PageCommand(2)),
    ("page last", PageCommand("last")),
    ("export out.csv", ExportCommand("out.csv")),
    ("export 'my pool.json'", ExportCommand("my pool.json")),
    ("mark all", MarkCommand("all")),
    ("ctx", ContextCommand(None)),
    ("ctx profile:prod", ContextCommand("profile:prod")),
    ("q", GoCommand("quit")),
    ("services", GoCommand("services")),
    ("help", GoCommand("help")),
    ("+1 415 555 0100", JumpCommand("+1 415 555 0100")),
    ("PN2b3d", JumpCommand("PN2b3d")),
])
def test_every_command_parses(line, command):
    assert parse(line) == command


@pytest.mark.parametrize(("line", "says"), [
    ("", "type a command"),
    ("sortt in_use", "no command 'sortt' here"),
    ("sort colour", "no column 'colour'"),
    ("sort in_use sideways", "usage: :sort COLUMN [asc|desc]"),
    ("filter bogus", "no filter 'bogus'"),
    ("page 0", "'0' is not a page number"),
    ("page two", "'two' is not a page number"),
    ("export", "usage: :export PATH"),
    ("export a b", "quote a path with spaces"),
    ("mark some", "usage: :mark all|none|range"),
    ("quit now", ":quit takes nothing after it"),
    ("export 'unclosed", "cannot read that line"),
])
def test_a_line_that_is_no_command_says_what_would_be(line, says):
    with pytest.raises(CommandError, match=None) as caught:
        parse(line)
    assert says in str(caught.value)


def test_the_services_screen_takes_a_services_name_and_refuses_pool_commands():
    assert parse("deliveries", SERVICES_COMMANDS) == JumpCommand("deliveries")
    assert parse("KS" + "0" * 32, SERVICES_COMMANDS) == JumpCommand("KS" + "0" * 32)
    with pytest.raises(CommandError, match="no command 'sort' here"):
        parse("sort in_use", SERVICES_COMMANDS)


def test_tab_completes_commands_then_column_names_then_directions():
    assert complete("so").line == "sort "
    assert complete("sort in").line == "sort in_use "
    assert complete("sort in_use d").line == "sort in_use desc "
    assert complete("sort ").candidates == ("number", "friendly", "country", "caps", "reserved", "in_use", "sid",
                                            "added")
    assert complete("").candidates == tuple(sorted(POOL_COMMANDS))
    # ambiguous: as far as it is common, every candidate in the hint
    result = complete("sort r")
    assert result.line == "sort reserved " and result.candidates == ("reserved",)
    shared = complete("s")
    assert shared.line == "s" and set(shared.candidates) == {"sort", "services"}
    assert complete("filter un").line == "filter unreserved "
    assert complete("filter country").line == "filter country:"  # a prefix word waits for its value
    assert complete("filter cap:s").line == "filter cap:sms "
    assert complete("page l").line == "page last "
    assert complete("mark r").line == "mark range "
    assert complete("ctx pro", names={"ctx": ["profile:prod", "sandbox"]}).line == "ctx profile:prod "
    assert complete("xyz").candidates == () and complete("export ").candidates == ()


def test_history_walks_back_and_forth_and_keeps_the_draft():
    history = History(limit=3)
    assert history.older("typed") is None
    for line in ("sort in_use desc", "filter reserved", "filter reserved", "page 2", "export a.csv"):
        history.add(line)
    assert history.entries == ["filter reserved", "page 2", "export a.csv"]  # no repeat, the last 3
    assert history.older("half typed") == "export a.csv"
    assert history.older("") == "page 2"
    assert history.older("") == "filter reserved"
    assert history.older("") == "filter reserved"  # the oldest stays
    assert history.newer() == "page 2"
    assert history.newer() == "export a.csv"
    assert history.newer() == "half typed"  # past the newest: what was being typed
    assert history.newer() is None
