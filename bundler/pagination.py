"""Where a page sits in a whole list: plain arithmetic shared by every paged list."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Pagination:
    """Where a page sits in the whole list."""

    page: int
    per_page: int
    total: int
    capped: bool = False  # total is a lower bound: counting stopped there

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def first_index(self) -> int:
        return 0 if self.total == 0 else (self.page - 1) * self.per_page + 1

    @property
    def last_index(self) -> int:
        return min(self.total, self.page * self.per_page)

    def window(self, size: int = 2) -> list[int | None]:
        """Return page numbers to link to, with None for a gap: 1 … 4 5 6 … 20."""
        shown = {1, self.pages, *range(self.page - size, self.page + size + 1)}
        result: list[int | None] = []
        previous = 0
        for number in sorted(n for n in shown if 1 <= n <= self.pages):
            if number - previous > 1:
                result.append(None)
            result.append(number)
            previous = number
        return result


def paginate(page: int, per_page: int, total: int, *, capped: bool = False) -> Pagination:
    """Clamp the page to the pages that exist."""
    pages = max(1, math.ceil(total / per_page))
    return Pagination(min(max(page, 1), pages), per_page, total, capped)
