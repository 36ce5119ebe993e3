"""Building a pool from nothing, on a sandbox: create a Service (its fields; a UniqueName is unique,
80602), and the account's own numbers: buy them by area code or country, release them (refused
while in a pool). Deleting a Service is a confirmation on the Services screen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Input, Label, Select, Static

from tui.core.phone import format_international
from tui.core.resources import (
    DEFAULT_GEO_MATCH_LEVEL,
    DEFAULT_NUMBER_SELECTION_BEHAVIOR,
    GEO_MATCH_LEVELS,
    NUMBER_SELECTION_BEHAVIORS,
    AccountNumber,
    Service,
)
from tui.screens.confirm import ConfirmScreen
from tui.screens.dialog import Dialog
from tui.screens.training_messages import (
    AccountNumbersListed,
    NumberReleased,
    NumbersBought,
    ServiceCreated,
    TrainingFailed,
)
from tui.widgets.world_bar import WorldBar, WorldInfo


class CreateServiceScreen(Dialog[Service | None]):
    """A new Proxy Service; a refusal (80602: the name is taken) shows here and the dialog stays."""

    AUTO_FOCUS = "#service-name"
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "create", "Create")]
    DEFAULT_CSS = """
    CreateServiceScreen .service-fields { height: auto; }
    CreateServiceScreen .service-fields Vertical { width: 1fr; height: auto; margin-right: 1; }
    """

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Create a Proxy Service", id="dialog-title")
            yield Label("Unique name (unique in the account)")
            yield Input(placeholder="e.g. rides-downtown", id="service-name")
            with Horizontal(classes="service-fields"):
                with Vertical():
                    yield Label("Default TTL (s; 0: never)")
                    yield Input("3600", id="service-ttl", type="integer")
                with Vertical():
                    yield Label("Geo match level")
                    yield Select([(g, g) for g in GEO_MATCH_LEVELS], value=DEFAULT_GEO_MATCH_LEVEL,
                                 allow_blank=False, id="service-geo")
                with Vertical():
                    yield Label("Number selection")
                    yield Select([(b, b) for b in NUMBER_SELECTION_BEHAVIORS],
                                 value=DEFAULT_NUMBER_SELECTION_BEHAVIOR, allow_blank=False, id="service-selection")
            yield Label("Callback URL (optional)")
            yield Input(placeholder="https://example.com/proxy/callback", id="service-callback")
            yield Static("", id="validation")
            with Horizontal(id="dialog-buttons"):
                yield Button("Create \\[ctrl+s]", id="create", variant="primary")
                yield Button("Cancel \\[esc]", id="cancel")

    def say(self, text: str, invalid: bool = True) -> None:
        box = self.query_one("#validation", Static)
        box.update(text)
        box.set_class(invalid, "-invalid")

    def action_create(self) -> None:
        name = self.query_one("#service-name", Input).value.strip()
        ttl = self.query_one("#service-ttl", Input).value.strip() or "0"
        if not name:
            self.say("A Service needs a unique name.")
            return
        if not ttl.isdigit():
            self.say(f"The default TTL is a whole number of seconds (0 or more), not {ttl!r}.")
            return
        fields = {"default_ttl": int(ttl),
                  "geo_match_level": str(self.query_one("#service-geo", Select).value),
                  "number_selection_behavior": str(self.query_one("#service-selection", Select).value)}
        callback = self.query_one("#service-callback", Input).value.strip()
        if callback:
            fields["callback_url"] = callback
        self.say("Creating…", invalid=False)
        self.app.create_service(self, name, fields)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_create()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "create":
            self.action_create()
        else:
            self.action_cancel()

    def on_service_created(self, message: ServiceCreated) -> None:
        self.dismiss(message.service)

    def on_training_failed(self, message: TrainingFailed) -> None:
        report = message.report
        self.say(f"{report.title}: {report.message}")

    def action_cancel(self) -> None:
        self.dismiss(None)


def parse_where(text: str) -> tuple[str | None, str | None]:
    """'415' -> (area code, None); 'GB' -> (None, country); anything else -> ValueError."""
    text = text.strip()
    if len(text) == 3 and text.isdigit():
        return text, None
    if len(text) == 2 and text.isalpha():
        return None, text.upper()
    raise ValueError(f"{text!r} is neither an area code (three digits, e.g. 415) nor a country (e.g. GB)")


class BuyNumbersScreen(Dialog[tuple[str | None, str | None, int] | None]):
    AUTO_FOCUS = "#buy-where"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Buy numbers for the sandbox account", id="dialog-title")
            yield Label("Area code (North America, e.g. 415) or country (e.g. GB, DE, AU)")
            yield Input(placeholder="415", id="buy-where")
            yield Label("How many (1-50)")
            yield Input("1", id="buy-count", type="integer")
            yield Static("Valid numbers for the place asked (phonenumbers); none is a real line.", id="validation")
            with Horizontal(id="dialog-buttons"):
                yield Button("Buy \\[enter]", id="buy", variant="primary")
                yield Button("Cancel \\[esc]", id="cancel")

    def action_buy(self) -> None:
        box = self.query_one("#validation", Static)
        count = self.query_one("#buy-count", Input).value.strip()
        try:
            area, country = parse_where(self.query_one("#buy-where", Input).value)
            if not count.isdigit() or not 1 <= int(count) <= 50:
                raise ValueError(f"buy 1 to 50 numbers at once, not {count!r}")
        except ValueError as exc:
            box.update(str(exc)[0].upper() + str(exc)[1:] + ".")
            box.add_class("-invalid")
            return
        self.dismiss((area, country, int(count)))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_buy()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "buy":
            self.action_buy()
        else:
            self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)


class AccountNumbersScreen(Screen):
    """The account's own numbers (IncomingPhoneNumbers): which pool each is in; buy and release."""

    DEFAULT_CSS = """
    AccountNumbersScreen #numbers-summary { height: auto; padding: 0 1; }
    """

    AUTO_FOCUS = "#account-numbers"
    BINDINGS = [
        Binding("b", "buy", "Buy numbers"),
        Binding("d,delete", "release", "Release"),
        Binding("ctrl+r", "refresh", "Refresh"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, world: WorldInfo):
        super().__init__()
        self.world = world
        self.numbers: list[AccountNumber] = []
        self.service_names: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield WorldBar(self.world, "Services › The account's numbers")
        yield Static("Loading the account's numbers…", id="numbers-summary")
        yield DataTable(id="account-numbers", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Number", key="number", width=17)
        table.add_column("Friendly name", key="friendly", width=22)
        table.add_column("Country", key="country", width=7)
        table.add_column("In pool", key="pool", width=24)
        table.add_column("Messaging Service", key="messaging", width=34)
        table.add_column("SID", key="sid", width=34)
        self.action_refresh()

    def action_refresh(self) -> None:
        self.query_one(DataTable).loading = not self.numbers
        self.app.list_account_numbers(self)

    def on_account_numbers_listed(self, message: AccountNumbersListed) -> None:
        table = self.query_one(DataTable)
        keep = self.highlighted()
        self.numbers, self.service_names = message.numbers, message.service_names
        table.loading = False
        table.clear()
        for n in self.numbers:
            pool = self.service_names.get(n.service_sid or "", n.service_sid or "") if n.service_sid else "-"
            table.add_row(format_international(n.phone_number), (n.friendly_name or "")[:22], n.iso_country or "?",
                          pool, n.messaging_service_sid or "-", n.sid, key=n.sid)
        if keep is not None and keep.sid in {n.sid for n in self.numbers}:
            table.move_cursor(row=table.get_row_index(keep.sid), animate=False)
        free = sum(1 for n in self.numbers if not n.service_sid)
        self.query_one("#numbers-summary", Static).update(
            f"{len(self.numbers)} number{'s' if len(self.numbers) != 1 else ''} in the account, {free} in no pool. "
            "b buys more (area code or country); d releases one that is in no pool.")

    def highlighted(self) -> AccountNumber | None:
        table = self.query_one(DataTable)
        if table.row_count == 0 or not self.numbers:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((n for n in self.numbers if n.sid == key), None)

    def action_buy(self) -> None:
        def answered(request: tuple[str | None, str | None, int] | None) -> None:
            if request is not None:
                self.app.buy_numbers(self, *request)

        self.app.push_screen(BuyNumbersScreen(), answered)

    def on_numbers_bought(self, message: NumbersBought) -> None:
        shown = ", ".join(format_international(n.phone_number) for n in message.numbers[:5])
        more = f" and {len(message.numbers) - 5} more" if len(message.numbers) > 5 else ""
        self.notify(f"Bought {shown}{more}. Add them to a pool with a in the pool.", timeout=6)
        self.action_refresh()

    def action_release(self) -> None:
        number = self.highlighted()
        if number is None:
            return
        if number.service_sid:  # the sandbox refuses it too (21422); say why before asking
            name = self.service_names.get(number.service_sid, number.service_sid)
            self.notify(f"{format_international(number.phone_number)} is in the pool of {name}: remove it from the "
                        "pool first (a number in a pool cannot be released).", title="Not released",
                        severity="warning", timeout=8)
            return
        body = (f"Release {format_international(number.phone_number)} ({number.sid}) from the sandbox account? "
                "It leaves the account's numbers for good (a reset brings the seeded ones back).")
        self.app.push_screen(ConfirmScreen("Release number", body, yes="Release", danger=True),
                             lambda yes: yes and self.app.release_number(self, number))

    def on_number_released(self, message: NumberReleased) -> None:
        self.notify(f"Released {format_international(message.number.phone_number)}.", timeout=4)
        self.action_refresh()

    def on_training_failed(self, message: TrainingFailed) -> None:
        self.query_one(DataTable).loading = False
        report = message.report
        self.notify(f"{message.action}: {report.text}", title=report.title, severity="error", timeout=10)

    def action_back(self) -> None:
        self.app.pop_screen()
