"""Pages of HQ lists: a page past the last is said so (never silently page 1)."""

from __future__ import annotations

from server.errors import AppError


class PageOutOfRange(AppError):
    status, code = 404, "page.out_of_range"


def check_page(page: int, total: int, per_page: int) -> None:
    pages = max(1, -(-total // per_page))
    if page > pages:
        raise PageOutOfRange(f"There is no page {page}: the list has {pages}.", page=page,
                             pages=pages)
