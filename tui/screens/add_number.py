"""The add dialog: the account's numbers not yet in any pool (and why others cannot join),
or a typed SID / E.164 number validated as you type; a "reserved" checkbox.

The dialog adds the number itself (through the app's worker) and stays open until Twilio has
taken it: a refusal shows in the dialog with the value still typed. Dismisses with the
PhoneNumber added, or None when cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.core.phone import InvalidNumber, format_international, parse_e164
from tui.core.resources import AccountNumber, PhoneNumber, Service
from tui.core.sids import is_sid
from tui.screens.confirm import key_label
from tui.screens.dialog import Dialog
from tui.screens.messages import AccountNumbersLoaded, BackendFailed, NumberAdded
from tui.widgets.cells import capabilities_tag

POOLED_SHOWN = 200  # numbers in other Services listed with the reason (a big account has thousands)


@dataclass(frozen=True, slots=True)
class AddRequest:
    sid: str | None
    phone_number: str | None
    is_reserved: bool


HEX = set("0123456789abcdefABCDEF")


def sid_problem(text: str) -> str | None:
    """What is wrong with a typed number SID (None: nothing, it is PN and 32 hex digits)."""
    if not text.startswith("PN"):
        return f"A number SID starts with a capital PN ({text[:2]!r} is not PN)."
    digits = text[2:]
    bad = next((ch for ch in digits if ch not in HEX), None)
    if bad is not None:
        return f"A number SID is PN and 32 hex digits: {bad!r} is not a hex digit (0-9, a-f)."
    if len(digits) != 32:
        more = "too many" if len(digits) > 32 else "so far"
        return f"A number SID is PN and 32 hex digits ({len(digits)} {more}, 32 needed)."
    return None if is_sid(text, "PN") else "Not a number SID."


def sentence(text: str) -> str:
    """One full stop at the end, whatever the library's message ended with."""
    return text.rstrip(". ") + "."


class AddNumberScreen(Dialog[PhoneNumber | None]):
    DEFAULT_CSS = """
    AddNumberScreen #free-title { margin-top: 1; text-style: bold; }
    AddNumberScreen #free-numbers { height: 12; }
    /* the list takes the height the rest leaves, so the buttons always show */
    AddNumberScreen #dialog.add { height: 90%; }
    AddNumberScreen #dialog.add #free-numbers {
        height: 1fr;
        min-height: 3;
        text-wrap: nowrap;  /* one line a number: a long reason is cut, enter shows it whole */
        text-overflow: ellipsis;
    }
    """

    AUTO_FOCUS = "#number-input"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "add", "Add"),
    ]

    def __init__(self, service: Service, service_names: dict[str, str] | None = None):
        super().__init__()
        self.service = service
        self.service_names = service_names or {}
        self.known: dict[str, AccountNumber] = {}  # by SID and by E.164
        self.scanned = 0
        self.loaded = False
        self.request: AddRequest | None = None
        self.free: list[Option] = []
        self.messaging: list[Option] = []  # few, always listed
        self.pooled: list[Option] = []  # in another Service: a big account has thousands
        self.pooled_hidden = 0
        self.adding = False  # the request is with Twilio: the dialog waits for its answer

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="add"):
            yield Static(f"Add a number to {self.service.unique_name}", id="dialog-title")
            yield Input(placeholder="PN… SID or E.164 number, e.g. +14155550100", id="number-input")
            yield Static("Type a number or its SID, or pick one below.", id="validation")
            yield Checkbox("Reserved (never given to new sessions automatically)", id="reserved")
            yield Static("Loading the account's numbers…", id="free-title")
            yield OptionList(id="free-numbers")
            with Horizontal(id="dialog-buttons"):
                yield Button(key_label("Add", "ctrl+s"), id="add", variant="primary", disabled=True)
                yield Button(key_label("Cancel", "esc"), id="cancel")

    def on_mount(self) -> None:
        self.app.load_account_numbers(self)

    def on_unmount(self) -> None:
        self.app.workers.cancel_group(self.app, "account-numbers")

    # -- the account's numbers ------------------------------------------------------------------

    def why_not(self, number: AccountNumber) -> str | None:
        if number.service_sid == self.service.sid:
            return "already in this pool"
        if number.service_sid:
            name = self.service_names.get(number.service_sid, number.service_sid)
            return f"in Service {name}"
        if number.messaging is not None:  # the sandbox knows it; the live backend reads Messaging v1 for it
            return f"in Messaging Service {number.messaging.label}"
        return None

    def prompt(self, number: AccountNumber, reason: str | None) -> Text:
        """One line, never wrapped: a long reason is cut at the dialog's edge (enter shows it whole)."""
        text = Text(f"{format_international(number.phone_number):<18} ", no_wrap=True, overflow="ellipsis",
                    style="dim" if reason else "")
        text.append(f"{(number.friendly_name or '')[:22]:<23}")
        text.append(f"{number.iso_country or '?':<3} {capabilities_tag(number.capabilities)}")
        if reason:
            text.append(f"  ✗ {reason}", style="italic")
        return text

    def on_account_numbers_loaded(self, message: AccountNumbersLoaded) -> None:
        changed = False
        for number in message.numbers:
            self.known[number.sid] = number
            self.known[number.phone_number] = number
            reason = self.why_not(number)
            if reason == "already in this pool":
                continue
            if reason is None:
                self.free.append(Option(self.prompt(number, None), id=number.sid))
            elif number.messaging_service_sid and not number.service_sid:
                self.messaging.append(Option(self.prompt(number, reason), id=number.sid))
            elif len(self.pooled) < POOLED_SHOWN:
                self.pooled.append(Option(self.prompt(number, reason), id=number.sid))
            else:
                self.pooled_hidden += 1
                continue
            changed = True
        if changed:
            # free numbers first, the ones that cannot be added after them
            options = self.query_one(OptionList)
            highlighted = options.highlighted
            options.clear_options()
            options.add_options(self.free + self.messaging + self.pooled)
            if self.free:
                options.highlighted = min(highlighted or 0, len(self.free) - 1)
        self.scanned += len(message.numbers)
        self.loaded = message.done
        blocked = len(self.messaging) + len(self.pooled) + self.pooled_hidden
        text = f"Account numbers: {len(self.free)} can be added, {blocked:,} cannot"
        if self.pooled_hidden:
            text += f" (first {POOLED_SHOWN} in other Services listed)"
        if not message.done:
            text += f"; scanning… {self.scanned:,} so far"
        self.query_one("#free-title", Static).update(text)
        self.validate(self.query_one("#number-input", Input).value)

    def on_backend_failed(self, message: BackendFailed) -> None:
        self.app.notify_error(message.action, message.error)
        if self.adding:  # Twilio refused the add: the dialog stays, with what was typed
            self.adding = False
            report = message.report
            code = f"{report.code}: " if report.code else ""
            self.say(f"Not added. {code}{report.message}", ok=False)
            self.query_one("#add", Button).disabled = self.request is None
            self.query_one("#number-input", Input).focus()
            return
        self.query_one("#free-title", Static).update("Could not list the account's numbers; you can still type one.")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        number = self.known.get(event.option.id or "")
        if number is None:
            return
        reason = self.why_not(number)
        if reason:  # the ones that cannot be added are listed to say why: enter says it whole
            self.say(f"{format_international(number.phone_number)} cannot be added: {reason}.", ok=False)
            return
        self.query_one("#number-input", Input).value = number.phone_number
        self.validate(number.phone_number)  # enables Add now, so it can take the focus
        self.query_one("#add", Button).focus()

    # -- validation as you type ------------------------------------------------------------------------

    def on_input_changed(self, event: Input.Changed) -> None:
        self.validate(event.value)

    def validate(self, raw: str) -> None:
        verdict, request = self.check(raw.strip())
        self.say(verdict, ok=None if not raw.strip() else request is not None)
        self.request = request
        self.query_one("#add", Button).disabled = request is None or self.adding

    def say(self, text: str, ok: bool | None) -> None:
        label = self.query_one("#validation", Static)
        label.update(Text(text))
        label.set_class(ok is False, "-invalid")
        label.set_class(ok is True, "-valid")

    def check(self, text: str) -> tuple[str, AddRequest | None]:
        reserved = self.query_one("#reserved", Checkbox).value
        if not text:
            return "Type a number or its SID, or pick one below.", None
        if text[:2].upper() == "PN":
            problem = sid_problem(text)
            if problem:
                return problem, None
            owned = self.known.get(text)
            request = AddRequest(sid=text, phone_number=None, is_reserved=reserved)
        else:
            try:
                e164 = parse_e164(text)
            except InvalidNumber as exc:
                return sentence(f"Not a valid E.164 number yet: {exc}"), None
            if e164 != text:
                return f"Write it in E.164 form: {e164}", None
            owned = self.known.get(e164)
            request = AddRequest(sid=None, phone_number=e164, is_reserved=reserved)
        if owned is None:
            if self.loaded:
                return "Valid, but not one of this account's numbers: Twilio will refuse it.", request
            return "Valid format.", request
        reason = self.why_not(owned)
        if reason:
            return f"{format_international(owned.phone_number)} cannot be added: {reason}.", None
        return f"OK: {format_international(owned.phone_number)} · {owned.friendly_name or owned.sid}", request

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self.validate(self.query_one("#number-input", Input).value)

    # -- closing ----------------------------------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_add()

    def action_add(self) -> None:
        request = self.request
        if request is None or self.adding:
            return
        self.adding = True
        self.query_one("#add", Button).disabled = True
        self.say("Adding… (Twilio's answer shows here)", ok=None)
        self.app.add_number(self, self.service.sid, sid=request.sid, phone_number=request.phone_number,
                            is_reserved=request.is_reserved)

    def on_number_added(self, message: NumberAdded) -> None:
        self.dismiss(message.number)

    def action_cancel(self) -> None:
        if self.adding:  # its answer must reach the pool: wait for it (a refusal keeps the dialog)
            self.notify("The number is with Twilio; its answer comes in a moment.", timeout=3)
            return
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "add":
            self.action_add()
        else:
            self.action_cancel()
