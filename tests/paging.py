"""Reading a whole paged list in tests, the way a client follows next-page tokens."""

from __future__ import annotations


def every_item(list_page, *args, page_size: int = 100) -> list:
    """Every record of a synchronous paged list (a SandboxAccount list method), page by page."""
    items, token = [], None
    while True:
        page = list_page(*args, page_size, token)
        items.extend(page.items)
        token = page.next_token
        if not token:
            return items
