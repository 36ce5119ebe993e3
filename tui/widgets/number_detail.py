"""The detail pane: every field of the highlighted pool number, and the Messaging Service it is also in."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from tui.core.phone import format_international
from tui.core.resources import PhoneNumber
from tui.widgets.cells import capabilities_words, inbound_words, messaging_label


class NumberDetail(Static):
    DEFAULT_CSS = """
    NumberDetail { height: 7; border-top: solid $primary; padding: 0 1; }
    """

    def show(self, number: PhoneNumber | None, marked: bool = False, status: str | None = None) -> None:
        if number is None:
            self.update(Text("No number highlighted.", style="dim"))
            return
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(no_wrap=True)
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(no_wrap=True)
        reserved = "yes (never given to new sessions)" if number.is_reserved else "no (available to sessions)"
        in_use = f"{number.in_use} active session{'s' if number.in_use != 1 else ''}"
        grid.add_row("Number", f"{format_international(number.phone_number)}  ({number.phone_number})",
                     "SID", number.sid)
        grid.add_row("Friendly name", number.friendly_name or "", "Service", number.service_sid)
        grid.add_row("Country", number.iso_country or "?", "Capabilities", capabilities_words(number.capabilities))
        grid.add_row("Reserved", reserved, "In use", in_use)
        grid.add_row("Added", number.date_created.strftime("%Y-%m-%d %H:%M UTC"),
                     "Updated", number.date_updated.strftime("%Y-%m-%d %H:%M UTC")
                     + ("   [marked]" if marked else ""))
        if status:  # e.g. draining: how many sessions still hold it
            grid.add_row("Status", Text(status, style="bold yellow"), "", "")
        if number.messaging is not None:  # the reverse of 80601: allowed, and what it does to Proxy
            grid.add_row("Messaging", messaging_label(number.messaging), "Inbound", inbound_words(number.messaging))
        self.update(grid)
