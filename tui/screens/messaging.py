"""Add pool numbers to a Messaging Service (sandbox): the seed's A2P 10DLC steps, in its order.

1. the Messaging Service; 2. "Defer to sender's webhook" (use_inbound_webhook_on_number), checked:
the Messaging Service must send inbound messages to the number's own webhook, or they stop
reaching Proxy; 3. the numbers (the marked ones, else the highlighted one). Twilio allows a pool
number to join a Messaging Service that does not defer (80601 guards only the other order); the
dialog warns before the add when the box is left unchecked, and again after it.

The app's workers do the I/O (ProxyPoolApp.load_messaging_services, add_to_messaging) and post
the messages below. Dismisses with True when a number was added (the pool reloads), else False.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Checkbox, OptionList, Static
from textual.widgets.option_list import Option

from tui.core.messaging import MessagingService
from tui.core.phone import format_international
from tui.core.resources import PhoneNumber
from tui.core.sids import mask_sid
from tui.screens.dialog import Dialog
from tui.screens.messages import BackendFailed, ErrorReport
from tui.widgets.cells import messaging_label, not_deferring_warning


@dataclass(frozen=True, slots=True)
class MessagingRequest:
    service: MessagingService
    defer: bool  # make the Messaging Service defer to its numbers' webhooks first
    numbers: tuple[PhoneNumber, ...]


class MessagingServicesLoaded(Message):
    def __init__(self, services: list[MessagingService]):
        super().__init__()
        self.services = services


class MessagingAdded(Message):
    """The add's outcome: the Messaging Service as it is now, and per number None (added) or why not."""

    def __init__(self, service: MessagingService, outcomes: list[tuple[PhoneNumber, ErrorReport | None]]):
        super().__init__()
        self.service = service
        self.outcomes = outcomes


def why_not(number: PhoneNumber) -> str | None:
    """Why a number cannot join a Messaging Service (Twilio's 21712 / 21715), before asking."""
    if number.messaging is not None:
        return f"already in Messaging Service {messaging_label(number.messaging)} (21712)"
    if not (number.capabilities.sms or number.capabilities.mms):
        return "neither SMS- nor MMS-capable (21715)"
    return None


class AddToMessagingScreen(Dialog[bool]):
    AUTO_FOCUS = "#messaging-services"
    BINDINGS = [
        Binding("escape", "close", "Cancel"),
        Binding("ctrl+s", "add", "Add"),
    ]
    # compact, so the three steps and the buttons fit a 100x30 terminal; the buttons stay in view
    DEFAULT_CSS = """
    AddToMessagingScreen .step { text-style: bold; margin-top: 1; }
    AddToMessagingScreen #messaging-services { height: auto; max-height: 6; }
    AddToMessagingScreen #defer { border: none; height: 1; padding: 0; }
    AddToMessagingScreen #defer-note { color: $text-muted; }
    AddToMessagingScreen #defer-note.-warning, AddToMessagingScreen #outcome.-warning { color: $warning; }
    AddToMessagingScreen #dialog-buttons { dock: bottom; }
    AddToMessagingScreen #outcome { margin-bottom: 3; }
    """

    def __init__(self, numbers: list[PhoneNumber]):
        super().__init__()
        self.numbers = numbers
        self.services: dict[str, MessagingService] = {}
        self.chosen: MessagingService | None = None
        self.addable = [n for n in numbers if why_not(n) is None]
        self.sent = False
        self.added = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="messaging"):
            yield Static("Add to a Messaging Service", id="dialog-title")
            yield Static("1. The Messaging Service", classes="step before")
            yield OptionList(id="messaging-services", classes="before")
            yield Static("2. Inbound messages", classes="step before")
            yield Checkbox("Defer to sender's webhook (use_inbound_webhook_on_number)", value=True, id="defer",
                           classes="before")
            yield Static("", id="defer-note", classes="before")
            yield Static(f"3. The number{'s' if len(self.numbers) != 1 else ''}", classes="step")
            yield Static(self.numbers_text(), id="numbers-list")
            yield Static("", id="outcome")
            with Horizontal(id="dialog-buttons"):
                # Text labels: "[esc]" as markup would be eaten as a style tag
                yield Button(Text("Add [ctrl+s]"), id="add", variant="primary", disabled=True)
                yield Button(Text("Cancel [esc]"), id="cancel")

    def on_mount(self) -> None:
        self.query_one(OptionList).loading = True
        self.app.load_messaging_services(self)

    SHOWN = 5  # numbers listed in step 3 (the rest are counted)

    def numbers_text(self) -> Text:
        text = Text()
        for number in self.numbers[:self.SHOWN]:
            text.append(f"{format_international(number.phone_number):<18} {(number.friendly_name or '')[:24]:<25}")
            reason = why_not(number)
            text.append(f"✗ {reason}\n" if reason else "can be added\n", style="italic" if reason else "")
        if len(self.numbers) > self.SHOWN:
            text.append(f"… and {len(self.numbers) - self.SHOWN} more ({len(self.addable)} of all "
                        f"{len(self.numbers)} can be added)\n")
        return text

    # -- step 1: the Messaging Service ---------------------------------------------------------

    def on_messaging_services_loaded(self, message: MessagingServicesLoaded) -> None:
        options = self.query_one(OptionList)
        options.loading = False
        self.services = {s.sid: s for s in message.services}
        if not message.services:
            options.add_option(Option("The account has no Messaging Service.", disabled=True))
            return
        for s in message.services:
            defers = "defers to its numbers" if s.use_inbound_webhook_on_number else "does not defer"
            options.add_option(Option(f"{s.friendly_name[:32]:<33} {mask_sid(s.sid):<8} {defers}", id=s.sid))
        options.highlighted = 0

    def on_backend_failed(self, message: BackendFailed) -> None:
        self.app.notify_error(message.action, message.error)
        self.query_one(OptionList).loading = False
        self.query_one("#add", Button).disabled = not self.sent and self.chosen is not None

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.chosen = self.services.get(event.option.id or "")
        self.update_state()

    # -- step 2: defer to sender's webhook -----------------------------------------------------

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self.update_state()

    def update_state(self) -> None:
        note = self.query_one("#defer-note", Static)
        defer = self.query_one("#defer", Checkbox).value
        warn = False
        if not self.addable:
            note.update("None of these numbers can be added (see step 3).")
        elif self.chosen is None:
            note.update("Choose the Messaging Service first.")
        elif self.chosen.use_inbound_webhook_on_number:
            note.update(f"{self.chosen.friendly_name} already defers to its numbers' webhooks: their inbound "
                        "messages keep reaching Proxy.")
        elif defer:
            note.update(f"{self.chosen.friendly_name} will be changed to defer to its numbers' webhooks first "
                        "(for every number in it): inbound messages keep reaching Proxy.")
        else:
            note.update("⚠ " + not_deferring_warning(self.chosen.friendly_name, len(self.addable)))
            warn = True
        note.set_class(warn, "-warning")
        self.query_one("#add", Button).disabled = self.sent or self.chosen is None or not self.addable

    # -- step 3: the numbers, and the outcome ---------------------------------------------------

    def action_add(self) -> None:
        if self.sent or self.chosen is None or not self.addable:
            return
        self.sent = True
        self.query_one("#add", Button).disabled = True
        self.query_one("#outcome", Static).update("Adding…")
        defer = self.query_one("#defer", Checkbox).value
        self.app.add_to_messaging(self, MessagingRequest(self.chosen, defer, tuple(self.addable)))

    def on_messaging_added(self, message: MessagingAdded) -> None:
        lines = Text()
        for number, failure in message.outcomes:
            shown = format_international(number.phone_number)
            if failure is None:
                self.added += 1
                lines.append(f"✓ {shown} added to {message.service.friendly_name}\n")
            else:
                lines.append(f"✗ {shown}: {failure.code or ''} {failure.message}\n", style="bold red")
        outcome = self.query_one("#outcome", Static)
        warn = self.added > 0 and not message.service.use_inbound_webhook_on_number
        if warn:  # after: the add is done, and Proxy no longer gets these numbers' messages
            warning = not_deferring_warning(message.service.friendly_name, self.added)
            lines.append("⚠ " + warning, style="bold")
            self.app.notify(warning, title="Inbound messages no longer reach Proxy", severity="warning", timeout=12)
        for step in self.query(".before"):  # steps 1 and 2 are done: the outcome takes their room
            step.display = False
        outcome.update(lines)
        outcome.set_class(warn, "-warning")
        self.query_one("#add", Button).display = False
        self.query_one("#cancel", Button).label = Text("Close [esc]")
        self.query_one("#cancel", Button).focus()

    def action_close(self) -> None:
        self.dismiss(self.added > 0)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "add":
            self.action_add()
        else:
            self.action_close()
