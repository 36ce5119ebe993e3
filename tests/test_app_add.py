"""The add dialog: the account's free numbers, the ones that cannot be added and why,
a typed SID or E.164 number validated as you type, and the "reserved" checkbox."""

from __future__ import annotations

from tests.app_fixtures import running_app, service_sid
from tests.paging import every_item
from tui.core.phone import format_international


def option_texts(screen) -> list[tuple[str, bool]]:
    options = screen.query_one("#free-numbers")
    return [(str(o.prompt), o.disabled) for o in options.options]


def free_numbers(account):
    """The account's numbers in no pool and no Messaging Service, in the account's order."""
    return [n for n in every_item(account.list_account_numbers) if n.service_sid is None and not n.messaging_service_sid]


async def test_dialog_lists_free_numbers_first_and_the_ones_that_cannot_be_added_say_why(tmp_path):
    async with running_app(tmp_path, size=(100, 30)) as s:
        await s.open_pool("support-line")
        await s.press("a")
        dialog = s.screen
        assert type(dialog).__name__ == "AddNumberScreen"
        options = [text for text, _ in option_texts(dialog)]
        free = [t for t in options if "✗" not in t]
        blocked = [t for t in options if "✗" in t]
        assert len(free) == 6 and options[:6] == free  # free ones first
        assert any("✗ in Messaging Service MG" in t for t in blocked)
        assert any("✗ in Service deliveries" in t for t in blocked)
        # numbers already in this pool are not offered at all
        own = s.account.list_numbers(service_sid(s.account, "support-line"), 50).items
        assert not any(format_international(n.phone_number) in t for n in own for t in options)
        assert "6 can be added" in s.text("#free-title")
        # every row can be reached by keyboard: end goes to the last one (one that cannot be added)
        listing = dialog.query_one("#free-numbers")
        await s.press("tab", "tab", "end")
        assert listing.highlighted == len(options) - 1
        # one line each, never wrapped, and enter on it says why in full instead of picking it
        assert listing.virtual_size.height == len(options)
        await s.press("enter")
        assert "cannot be added: in Service" in s.text("#validation")
        assert dialog.query_one("#number-input").value == ""
        # at 100x30 the buttons show, with their keys
        for button_id, label in (("#add", "Add [ctrl+s]"), ("#cancel", "Cancel [esc]")):
            button = dialog.query_one(button_id)
            assert str(button.label) == label
            assert button.region.bottom <= 30 and button.region.height > 0


async def test_validation_as_you_type(tmp_path):
    async with running_app(tmp_path) as s:
        await s.open_pool("support-line")
        await s.press("a")
        add = s.screen.query_one("#add")
        box = s.screen.query_one("#number-input")
        assert add.disabled
        await s.press(*"+1415")  # typed: validated at every key
        assert "Not a valid E.164 number yet" in s.text("#validation") and add.disabled
        await s.press(*"5555000")
        assert s.text("#validation").startswith("OK: +1 415-555-5000 · Spare Support 1") and not add.disabled

        async def verdict(value: str) -> str:
            box.value = value
            await s.settle()
            return s.text("#validation").strip()

        assert "PN and 32 hex digits (2 so far, 32 needed)" in await verdict("PN12") and add.disabled
        assert "'g' is not a hex digit" in await verdict("PN" + "0" * 31 + "g") and add.disabled
        assert "starts with a capital PN ('pn' is not PN)" in await verdict("pn" + "9d38" * 8) and add.disabled
        plus = await verdict("+999123")
        assert plus.endswith("plus-sign.") and ".." not in plus and add.disabled
        # a number in a Messaging Service: valid form, but it cannot be added, and says why
        assert "cannot be added: in Messaging Service" in await verdict("+14155556000") and add.disabled
        # a valid number the account does not own: Twilio will refuse it, and the dialog says so
        assert "not one of this account's numbers" in await verdict("+14155559999") and not add.disabled


async def test_add_typed_number_reserved(tmp_path):
    async with running_app(tmp_path) as s:
        await s.open_pool("support-line")
        sid = service_sid(s.account, "support-line")
        await s.press("a")
        await s.press(*"+14155555001")
        await s.press("tab", "space")  # to the checkbox, tick it
        assert s.screen.query_one("#reserved").value
        await s.press("ctrl+s")
        assert type(s.screen).__name__ == "PoolScreen"
        added = [n for n in s.account.list_numbers(sid, 50).items if n.phone_number == "+14155555001"]
        assert len(added) == 1 and added[0].is_reserved
        assert "+1 415-555-5001" in [r["number"] for r in s.table_rows()]
        assert "Added +1 415-555-5001 to support-line (reserved)" in s.notes_text()
        assert "numbers 1–9 of 9" in s.text("#pager")


async def test_add_by_picking_from_the_list_and_by_sid(tmp_path):
    async with running_app(tmp_path) as s:
        await s.open_pool("support-line")
        sid = service_sid(s.account, "support-line")
        spare = free_numbers(s.account)
        await s.press("a", "tab", "tab", "enter")  # input -> checkbox -> list; enter picks the first free one
        assert s.screen.query_one("#number-input").value == spare[0].phone_number
        await s.press("enter")  # focus is on Add now
        pooled = {n.sid: n for n in s.account.list_numbers(sid, 50).items}
        assert spare[0].sid in pooled and not pooled[spare[0].sid].is_reserved
        await s.press("a", *spare[1].sid, "ctrl+s")
        pooled = {n.sid for n in s.account.list_numbers(sid, 50).items}
        assert spare[1].sid in pooled


async def test_escape_cancels_and_a_refusal_keeps_the_dialog_and_the_value(tmp_path):
    async with running_app(tmp_path) as s:
        await s.open_pool("support-line")
        sid = service_sid(s.account, "support-line")
        before = s.account.pool_stats(sid)
        await s.press("a")
        s.screen.query_one("#number-input").value = "+14155555002"
        await s.press("escape")
        assert type(s.screen).__name__ == "PoolScreen"
        assert s.account.pool_stats(sid) == before
        # a number the account does not own: the backend answers 21422 and nothing changes
        await s.press("a")
        s.screen.query_one("#number-input").value = "+14155559999"
        await s.press("enter")
        assert "21422" in s.notes_text() and "https://www.twilio.com/docs/errors/21422" in s.notes_text()
        assert s.account.pool_stats(sid) == before
        assert type(s.screen).__name__ == "AddNumberScreen"  # still open, the value as typed
        assert s.screen.query_one("#number-input").value == "+14155559999"
        assert "Not added. 21422" in s.text("#validation")
        assert s.screen.query_one("#number-input").has_focus
