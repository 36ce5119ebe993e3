"""Twilio-style paging over a stable order: opaque tokens, no total count.

A token names the page number and the document id at the page's edge
("3:PA1234" = page 3, the records after 1234; "PB" = before), so a page stays
stable while numbers are added or removed elsewhere in the list.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tui.core.errors import ProxyError
from tui.core.seam import Page

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Slice:
    ids: list[int]
    page: int
    next_token: str | None
    previous_token: str | None


def parse_token(token: str) -> tuple[int, str, int]:
    try:
        page_text, rest = token.split(":", 1)
        direction, edge = rest[:2], int(rest[2:])
        page = int(page_text)
        if direction not in ("PA", "PB") or page < 0:
            raise ValueError
    except ValueError:
        raise ProxyError(20422, 400, f"Invalid Parameter: PageToken {token!r}") from None
    return page, direction, edge


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
