"""A pool number in a Messaging Service, as the app shows it: the ✉ badge and the detail pane; the
"add to Messaging Service…" dialog on a sandbox (the seed's three steps, the warnings before and
after when the Messaging Service does not defer to the number's webhook); and on a live account,
the add dialog's "in Messaging Service X" refusal before Twilio, or a note when Messaging Services
cannot be read."""

from __future__ import annotations

import httpx

from sandbox.server.app import create_app as create_server
from tests.app_fixtures import running_app, service_sid
from tui.core.phone import format_international
from tui.live.client import LiveBackend
from tui.live.credentials import Credentials


async def test_add_to_a_messaging_service_that_does_not_defer_warns_before_and_after(tmp_path):
    async with running_app(tmp_path) as s:
        s.backend.call(s.account.create_messaging_service, "Order alerts")
        await s.open_pool("support-line")
        first = s.screen.highlighted()
        assert s.screen.query_one("#numbers").get_row_at(0)[2].plain.startswith("Support")  # no badge yet
        await s.press("M", "down")  # step 1: the account's second Messaging Service
        dialog = s.screen
        assert type(dialog).__name__ == "AddToMessagingScreen"
        assert dialog.chosen.friendly_name == "Order alerts"
        assert "Order alerts" in str(dialog.query_one("#messaging-services").get_option_at_index(1).prompt)
        assert format_international(first.phone_number) in s.text("#numbers-list")
        assert "will be changed to defer" in s.text("#defer-note")  # step 2 starts checked
        dialog.query_one("#defer").value = False
        await s.settle()
        assert "stop reaching Proxy" in s.text("#defer-note")  # before
        await s.press("ctrl+s")
        assert "✓" in s.text("#outcome") and "stop reaching Proxy" in s.text("#outcome")  # after
        assert "Inbound messages no longer reach Proxy" in s.notes_text()
        link = s.account.get_account_number(first.sid).messaging
        assert (link.friendly_name, link.use_inbound_webhook_on_number) == ("Order alerts", False)
        await s.press("escape")
        pool = s.screen
        assert type(pool).__name__ == "PoolScreen"
        assert pool.query_one("#numbers").get_row_at(0)[2].plain.startswith("✉ ")  # the badge, after the reload
        detail = s.text("#detail")
        assert "Messaging" in detail and "Order alerts" in detail and "not Proxy" in detail


async def test_defer_to_sender_s_webhook_checked_turns_it_on_first(tmp_path):
    async with running_app(tmp_path) as s:
        ms = s.backend.call(s.account.create_messaging_service, "Rider notices")
        await s.open_pool("support-line")
        await s.press("space", "space")  # two marked numbers: both go
        marked = s.screen.marks.numbers()
        await s.press("M", "down", "ctrl+s")
        assert s.text("#outcome").count("✓") == 2 and "stop reaching Proxy" not in s.text("#outcome")
        assert s.account.get_messaging_service(ms.sid).use_inbound_webhook_on_number
        assert {n.sid for n in s.account.list_messaging_numbers(ms.sid).items} == {n.sid for n in marked}
        await s.press("escape", "home")  # back on the first marked number
        assert "Rider notices" in s.text("#detail") and "the number's webhook (Proxy)" in s.text("#detail")


async def test_a_number_already_in_a_messaging_service_is_not_offered_again(tmp_path):
    async with running_app(tmp_path) as s:
        ms = s.backend.call(s.account.create_messaging_service, "Order alerts")
        number = s.account.list_numbers(service_sid(s.account, "support-line"), 1).items[0]
        s.backend.call(s.account.add_messaging_number, ms.sid, number.sid)
        await s.open_pool("support-line")
        await s.press("M")
        assert "already in Messaging Service Order alerts" in s.text("#numbers-list")
        assert s.screen.query_one("#add").disabled
        await s.press("escape")
        assert type(s.screen).__name__ == "PoolScreen"


def live_over(sandbox, transport=None) -> LiveBackend:
    meta = sandbox.account.meta
    credentials = Credentials(meta["account_sid"], meta["account_sid"], meta["auth_token"], source="sandbox")
    return LiveBackend(credentials, base_url="http://127.0.0.1", rate=1e9, read_messaging=True,
                       transport=transport or httpx.ASGITransport(app=create_server(sandbox)))


async def test_live_the_add_dialog_names_the_messaging_service_and_refuses_before_twilio(tmp_path):
    async with running_app(tmp_path) as s:
        s.app.backend = live_over(s.backend)
        s.app.world = s.app.world.__class__(kind="live", label="live", read_only=False)
        ms = s.backend.call(s.account.create_messaging_service, "Verification codes")
        spare = next(n for n in s.account.spare_numbers() if n.messaging is None)
        s.backend.call(s.account.add_messaging_number, ms.sid, spare.sid)
        await s.open_pool("support-line")
        await s.press("a")
        options = [str(o.prompt) for o in s.screen.query_one("#free-numbers").options]
        assert any("✗ in Messaging Service Verification codes" in text for text in options)
        await s.press(*spare.phone_number)
        assert "cannot be added: in Messaging Service Verification codes" in s.text("#validation")
        assert s.screen.query_one("#add").disabled
        await s.app.backend.aclose()


class NoMessaging(httpx.AsyncBaseTransport):
    """The sandbox server, except that Messaging v1 refuses this key (as an API key without it would)."""

    def __init__(self, inner: httpx.AsyncBaseTransport):
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/messaging/"):
            return httpx.Response(403, json={"code": 20403, "message": "403 Forbidden", "status": 403,
                                             "more_info": "https://www.twilio.com/docs/errors/20403"})
        return await self.inner.handle_async_request(request)


async def test_live_without_messaging_access_adds_as_before_with_a_note(tmp_path):
    async with running_app(tmp_path) as s:
        s.app.backend = live_over(s.backend, NoMessaging(httpx.ASGITransport(app=create_server(s.backend))))
        await s.open_pool("support-line")
        await s.press("a")
        assert "Messaging Services not read" in s.notes_text() and "20403" in s.notes_text()
        free = [str(o.prompt) for o in s.screen.query_one("#free-numbers").options if not o.disabled]
        assert free  # adding is never blocked by it
        spare = next(n for n in s.account.spare_numbers() if n.messaging is None)
        await s.press(*spare.phone_number, "ctrl+s")
        assert type(s.screen).__name__ == "PoolScreen" and "Added" in s.notes_text()
        await s.app.backend.aclose()


async def test_m_on_a_live_account_says_it_is_for_sandboxes(tmp_path):
    async with running_app(tmp_path) as s:
        await s.open_pool("support-line")
        s.screen.world = s.screen.world.__class__(kind="live", label="live", read_only=False)
        await s.press("M")
        assert type(s.screen).__name__ == "PoolScreen" and "sandbox only" in s.notes_text()
