"""Launch paints first, then opens the sandbox: what a user sees, and the same one line when it cannot open."""

from __future__ import annotations

import pytest

from sandbox.account import SandboxAccount
from sandbox.backend import SandboxBackend
from sandbox.files import HEADER, SandboxInUse, quick_check
from tests.app_fixtures import build_app_sandbox, settle
from tui import launch
from tui.app import ProxyPoolApp, create_app
from tui.cli import build_parser
from tui.core.sids import mask_sid


@pytest.fixture
def sandbox_path(tmp_path):
    path = tmp_path / "s.json"
    build_app_sandbox(path).close()
    return path


def test_a_sandbox_the_store_wrote_passes_the_quick_check(sandbox_path):
    # if the store ever writes its files differently, this fails (launch would still work, slower)
    account = SandboxAccount.open(sandbox_path)
    sid = account.account_sid
    account.close()
    assert quick_check(sandbox_path) == sid  # the header names the account, for the badge
    deferred = launch.sandbox_backend(sandbox_path)
    assert isinstance(deferred, launch.DeferredSandbox) and deferred.account_sid == sid


@pytest.mark.parametrize("problem", ["missing", "folder", "foreign", "locked"])
def test_the_quick_check_sends_every_doubtful_file_to_the_full_open(sandbox_path, tmp_path, problem):
    path = sandbox_path
    holder = None
    if problem == "missing":
        path = tmp_path / "nothing.json"
    elif problem == "folder":
        path = tmp_path / "folder.json"
        path.mkdir()
    elif problem == "foreign":
        path = tmp_path / "foreign.json"
        path.write_text('{"_default": {}}')
    else:
        holder = SandboxBackend(path)
    try:
        assert not quick_check(path)
    finally:
        if holder:
            holder.close()
    # the probe took and dropped the lock: the file still opens
    if problem == "locked":
        SandboxBackend(path).close()


async def test_the_services_show_once_the_sandbox_has_opened_after_the_first_paint(sandbox_path):
    deferred = launch.sandbox_backend(sandbox_path)
    app = create_app(deferred)
    try:
        async with app.run_test(size=(130, 36)) as pilot:
            await settle(pilot)
            table = app.screen.query_one("#services")
            assert [str(table.get_row_at(i)[0]) for i in range(table.row_count)] == \
                ["support-line", "deliveries", "marketplace-eu"]
            assert isinstance(app.backend, SandboxBackend) and app.backend is deferred.backend
            assert app.focused is table and app.screen_stack == [app.screen]  # the first screen, keys on the table
            badge = str(app.screen.query_one("#world-badge").render())
            assert f"SANDBOX {mask_sid(app.backend.account_sid)} {sandbox_path}" in badge
            with pytest.raises(SandboxInUse):  # the app holds the sandbox while it runs
                SandboxBackend(sandbox_path)
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen.query_one("#numbers").row_count == 8  # support-line's pool
    finally:
        launch.close_backend(deferred)
    SandboxBackend(sandbox_path).close()  # released on exit


async def test_the_contexts_are_made_after_the_first_paint_and_the_sandbox_is_remembered(sandbox_path):
    """:ctx's worlds (their module reads json) are made once the first screen has painted, once."""
    import argparse

    from tui.contexts import recent_sandboxes

    made: list[int] = []
    painted: list[int] = []

    def make_worlds():
        made.append(1)
        return launch.worlds(argparse.Namespace(base_url=None))

    deferred = launch.sandbox_backend(sandbox_path)
    app = create_app(deferred, worlds=make_worlds, first_painted=lambda: painted.append(len(made)))
    try:
        async with app.run_test(size=(130, 36)) as pilot:
            await settle(pilot)
            assert painted and painted[0] == 0  # none made when the first screen painted
            assert made == [1] and app.worlds is app.worlds  # then made once, and kept
            assert recent_sandboxes()[0] == sandbox_path  # the sandbox opened is the first recent one
            assert [context.name for context in app.known_contexts][:1] == ["sandbox"]  # :ctx completes them
    finally:
        launch.close_backend(deferred)


def test_a_file_that_fails_only_in_the_full_open_is_one_line_and_exit_1(sandbox_path, monkeypatch, capsys):
    # the header is right, so the app starts; the body is cut short, so the open fails in the app
    sandbox_path.write_bytes(sandbox_path.read_bytes()[:-200])
    assert quick_check(sandbox_path)
    real_run = ProxyPoolApp.run
    monkeypatch.setattr(ProxyPoolApp, "run", lambda self, **kw: real_run(self, headless=True, size=(100, 30)))
    code = launch.run_app(build_parser().parse_args(["--sandbox", str(sandbox_path)]))
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert code == 1 and len(lines) == 1 and "Traceback" not in err
    assert lines[0].startswith("proxy-pool: error: ") and "corrupt" in lines[0] and str(sandbox_path) in lines[0]
    assert sandbox_path.read_bytes().startswith(HEADER)  # left as it was
