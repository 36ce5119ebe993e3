"""Pool numbers as a file: CSV, or JSON in Twilio's wire format (tui.core.wire), chosen by the
file's extension. The app's `:export` and the `numbers list --csv/--json` command both write
with these; the writing itself (I/O) is theirs."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path

from tui.core.resources import PhoneNumber
from tui.core.wire import iso8601, render_number

FORMATS = {".csv": "csv", ".json": "json"}
CSV_FIELDS = ("sid", "phone_number", "friendly_name", "iso_country", "voice", "sms", "mms", "fax",
              "is_reserved", "in_use", "date_created", "date_updated", "service_sid")


class ExportError(ValueError):
    """An export that cannot be written as asked; str() says why."""


def format_for(path: str | Path) -> str:
    """"csv" or "json", by the file's extension."""
    suffix = Path(path).suffix.lower()
    try:
        return FORMATS[suffix]
    except KeyError:
        raise ExportError(f"{Path(path).name or path!r}: export writes a .csv or a .json file") from None


def render_csv(numbers: Iterable[PhoneNumber]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for n in numbers:
        c = n.capabilities
        writer.writerow((n.sid, n.phone_number, n.friendly_name or "", n.iso_country or "",
                         _flag(c.voice), _flag(c.sms), _flag(c.mms), _flag(c.fax), _flag(n.is_reserved), n.in_use,
                         iso8601(n.date_created), iso8601(n.date_updated), n.service_sid))
    return out.getvalue()


def _flag(value: bool) -> str:
    return "true" if value else "false"


def render_json(numbers: Iterable[PhoneNumber]) -> str:
    """A JSON array of PhoneNumber resources exactly as Twilio sends them."""
    return json.dumps([render_number(n) for n in numbers], indent=2) + "\n"


def render(numbers: Iterable[PhoneNumber], fmt: str) -> str:
    return render_json(numbers) if fmt == "json" else render_csv(numbers)
