"""Twilio-style paging over a stable order: opaque tokens, no total count.

A token names the page number and the document id at the page's edge
("3:PA1234" = page 3, the records after 1234; "PB" = before), so a page stays
stable while numbers are added or removed elsewhere in the list.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tui.core.errors import ProxyError, echo
from tui.core.seam import Page

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Slice:
    ids: list[int]
    page: int
    next_token: str | None
    previous_token: str | None


_TOKEN = re.compile(r"([0-9]{1,9}):(PA|PB)([0-9]{1,12})")  # ASCII digits only: int() also reads "٣"


def parse_token(token: str) -> tuple[int, str, int]:
    match = _TOKEN.fullmatch(token)
    if match is None:
        raise ProxyError(20422, 400, f"Invalid Parameter: PageToken {echo(token.partition(':')[2])} is not one "
                                     "this server gave")
    return int(match.group(1)), match.group(2), int(match.group(3))


def make_token(page: int, direction: str, edge: int) -> str:
    return f"{page}:{direction}{edge}"


def paginate(order: list[int], size: int, token: str | None) -> Slice:
    """One page of `order` (ascending document ids)."""
    if not token:
        page, start = 0, 0
    else:
        page, direction, edge = parse_token(token)
        if direction == "PA":
            start = bisect_right(order, edge)
        else:
            start = max(0, bisect_left(order, edge) - size)
            if start == 0:
                page = 0
    ids = order[start:start + size]
    next_token = make_token(page + 1, "PA", ids[-1]) if ids and start + size < len(order) else None
    previous_token = make_token(max(page - 1, 0), "PB", ids[0]) if ids and start > 0 else None
    return Slice(ids, page, next_token, previous_token)


def page_of(order: list[int], size: int, token: str | None, fetch: Callable[[int], T]) -> Page[T]:
    """The seam's Page for one cut of `order`; `fetch` turns a document id into the model."""
    cut = paginate(order, size, token)
    return Page([fetch(i) for i in cut.ids], cut.page, size, cut.next_token, cut.previous_token)
