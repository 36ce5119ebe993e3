"""How a value reads in a table cell or a detail line: every screen's formatters, in one place.

Screens and widgets import these from here, never from one another.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text

from tui.core.resources import Capabilities, PhoneNumber
from tui.core.sids import mask_sid

if TYPE_CHECKING:
    from tui.core.messaging import MessagingLink

CAPS_LEGEND = "Caps: V voice, S SMS, M MMS, F fax; - not capable"


def capabilities_tag(caps: Capabilities) -> str:
    """voice/sms/mms/fax as a compact tag for tables: V S M - (CAPS_LEGEND says what they mean)."""
    return " ".join(
        flag if on else "-"
        for flag, on in (("V", caps.voice), ("S", caps.sms), ("M", caps.mms), ("F", caps.fax))
    )


def capabilities_words(caps: Capabilities) -> str:
    """voice/sms/mms/fax in words for the detail pane: "voice, SMS", or "none"."""
    words = [name for name, on in (("voice", caps.voice), ("SMS", caps.sms), ("MMS", caps.mms),
                                   ("fax", caps.fax)) if on]
    return ", ".join(words) or "none"


def format_ttl(seconds: int) -> str:
    """A Service's default TTL in its largest whole unit: 1h, 1d, 90s, or "none"."""
    if not seconds:
        return "none"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def format_minute(value: datetime | None) -> str:
    """A date to the minute (a session's start), or "-"."""
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


def limit_style(value: int, limit: int, warning: bool) -> str:
    """The error style when full (Twilio refuses any more: 80622), the warning style from 85 %."""
    if limit and value >= limit:
        return "bold red"
    return "bold yellow" if warning else ""


def limit_cell(value: int, limit: int, warning: bool) -> Text:
    """A count against its limit, 430/500, in the warning style from 85 % and the error style when full."""
    return Text(f"{value:,}/{limit:,}", style=limit_style(value, limit, warning))


def bar(value: int, limit: int, width: int) -> str:
    """A filled bar of `width` cells: value against limit (never full until it is)."""
    if not limit or width <= 0:
        return ""
    filled = min(width, value * width // limit)
    if value and not filled:
        filled = 1  # one number is not nothing
    return "█" * filled + "░" * (width - filled)


def gauge_cell(value: int | None, limit: int, warning: bool, width: int = 8) -> Text:
    """A Service's count in a table: a small bar and value/limit ("…" while it is being counted)."""
    if value is None:
        return Text("…", style="dim")
    style = limit_style(value, limit, warning)
    text = Text(bar(value, limit, width), style=style or "green")
    text.append(f" {value:,}/{limit:,}", style=style)
    return text


def count_cell(value: int | None) -> Text | str:
    return Text("…", style="dim") if value is None else f"{value:,}"


def mark_cell(marked: bool) -> Text | str:
    return Text("●", style="bold yellow") if marked else ""


def reserved_cell(number: PhoneNumber, pending: bool = False, draining: bool = False) -> Text:
    """reserved / -, with … while a change is not yet saved; "draining" while a drain waits."""
    if draining:
        return Text("draining", style="bold yellow")
    text = Text("reserved", style="bold cyan") if number.is_reserved else Text("-", style="dim")
    if pending:
        text.append("…", style="italic")  # shown at once, not yet saved
    return text


def in_use_cell(number: PhoneNumber) -> Text:
    # a count, not an alarm: bold, never the error colour (a number in use is ordinary)
    return Text(str(number.in_use), style="bold" if number.in_use else "dim")


def drain_status(number: PhoneNumber) -> str:
    """What the detail pane says of a draining number."""
    left = number.in_use
    if not left:
        return "draining: no session left, removing…"
    return f"draining: {left} session{'s' if left != 1 else ''} left (removed when 0; D cancels)"


# -- Messaging Services (a pool number may also be in one: the reverse of 80601) ------------------------

MESSAGING_BADGE = "✉"


def friendly_cell(number: PhoneNumber, width: int = 28) -> Text:
    """The friendly name, with ✉ in front when the number is also in a Messaging Service (yellow when
    that Service does not defer to the number's webhook: its inbound messages no longer reach Proxy)."""
    name = (number.friendly_name or "")[:width]
    link = number.messaging
    if link is None:
        return Text(name)
    text = Text(MESSAGING_BADGE + " ", style="bold" if link.use_inbound_webhook_on_number else "bold yellow")
    text.append(name[:width - 2])
    return text


def messaging_label(link: MessagingLink) -> str:
    """A Messaging Service as people name it: Order alerts (MG…a045)."""
    return f"{link.label} ({mask_sid(link.sid)})" if link.friendly_name else link.sid


def inbound_words(link: MessagingLink) -> Text:
    """Where a Messaging Service number's inbound messages go (short: the detail pane's last column)."""
    if link.use_inbound_webhook_on_number:
        return Text("the number's webhook (Proxy)")
    return Text("⚠ the Messaging Service, not Proxy", style="bold yellow")


def not_deferring_warning(service: str, numbers: int = 1) -> str:
    """What the app says before and after a pool number joins a Messaging Service that does not defer."""
    what = "this number" if numbers == 1 else f"these {numbers} numbers"
    return (f"{service} does not defer to its numbers' webhooks: inbound messages to {what} will go to the "
            "Messaging Service's inbound URL and stop reaching Proxy (no session gets them). Fix: turn on "
            "\"Defer to sender's webhook\" on the Messaging Service (use_inbound_webhook_on_number=true).")


def age_text(seconds: float) -> str:
    """How old something is (a cached count), as a person says it."""
    if seconds < 60:
        return "just now"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min ago"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h ago"
    return f"{hours // 24} days ago"
