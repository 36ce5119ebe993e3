"""Failures never crash the app: a ProxyError, a network error or any other exception
becomes a notification (code, message, more_info for Twilio's errors) and the app goes on."""

from __future__ import annotations

import httpx

from tests.app_fixtures import running_app
from tui.core.errors import ProxyError


class Faulty:
    """The sandbox backend with chosen calls failing."""

    def __init__(self, inner, **failures):
        self._inner = inner
        self.failures = failures
        self.kind = inner.kind

    def __getattr__(self, name):
        attr = getattr(self._inner, name)
        if name not in self.failures:
            return attr

        async def failing(*args, **kwargs):
            raise self.failures[name]

        return failing

    @property
    def account_sid(self):
        return self._inner.account_sid


async def faulty_session(tmp_path, **failures):
    from sandbox.backend import SandboxBackend
    from tests.app_fixtures import build_app_sandbox

    account = build_app_sandbox(tmp_path / "sandbox.json")
    return running_app(tmp_path, account=account, backend=Faulty(SandboxBackend(account), **failures))


async def test_authentication_error_on_start_is_a_notification_with_code_and_link(tmp_path):
    error = ProxyError(20003, 401, "Authentication Error - invalid username")
    async with await faulty_session(tmp_path, list_services=error) as s:
        assert s.app.is_running
        text = s.notes_text()
        assert "error|Error 20003: Permission Denied|" in text
        assert "Authentication Error - invalid username" in text and "https://www.twilio.com/docs/errors/20003" in text
        assert "Could not load the Services" in s.text("#status")


async def test_network_failure_loading_a_page_is_shown_cleanly(tmp_path):
    error = httpx.ConnectError("[Errno 111] Connection refused")
    async with await faulty_session(tmp_path, list_numbers=error) as s:
        await s.open_pool("support-line")
        assert s.app.is_running and type(s.screen).__name__ == "PoolScreen"
        assert "Network error" in s.notes_text() and "Connection refused" in s.notes_text()
        assert "Traceback" not in s.notes_text()
        await s.press("n")  # keys still work
        await s.press("escape")
        assert type(s.screen).__name__ == "ServicesScreen"


async def test_unexpected_exception_in_a_mutation_rolls_back_and_notifies(tmp_path):
    async with await faulty_session(tmp_path, set_reserved=RuntimeError("disk on fire")) as s:
        await s.open_pool("support-line")
        await s.press("r")
        assert s.table_rows()[0]["reserved"] == "-"
        assert "Unexpected error" in s.notes_text() and "RuntimeError: disk on fire" in s.notes_text()
        assert s.app.is_running


async def test_remove_timeout_is_reported_and_the_row_stays(tmp_path):
    async with await faulty_session(tmp_path, remove_number=httpx.ReadTimeout("timed out")) as s:
        await s.open_pool("support-line")
        first = s.table_rows()[0]["sid"]
        await s.press("d", "y")
        assert "Network error" in s.notes_text() and "ReadTimeout" in s.notes_text()
        assert s.table_rows()[0]["sid"] == first


async def test_an_unexpected_crash_in_a_real_run_is_one_line_not_a_traceback(tmp_path):
    """With calm_errors (what `proxy-pool` uses) a bug in a handler ends the app with one line."""
    from sandbox.backend import SandboxBackend
    from tests.app_fixtures import build_app_sandbox
    from tui.app import create_app

    backend = SandboxBackend(build_app_sandbox(tmp_path / "sandbox.json"))
    app = create_app(backend, calm_errors=True)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            app.screen.action_open_pool = lambda: [][1]  # a bug: opening a pool raises IndexError
            await pilot.press("enter")
            await pilot.pause()
    finally:
        backend.close()
    assert app.return_code == 1
    assert app.crash_line == "proxy-pool: error: Unexpected error: IndexError: list index out of range"
    assert not app._exit_renderables  # no traceback is printed
