"""How a value reads in a table cell or a detail line: every screen's formatters, in one place."""

from __future__ import annotations

from tui.core.resources import Capabilities


def capabilities_tag(caps: Capabilities) -> str:
    """voice/sms/mms/fax as a compact tag for tables: V S M -."""
    return " ".join(
        flag if on else "-"
        for flag, on in (("V", caps.voice), ("S", caps.sms), ("M", caps.mms), ("F", caps.fax))
    )
