"""Pagination shared by pages and the API: every list is cut into pages, none is unbounded."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100


# Counting every row of a list of millions costs more than showing a page of it: past this many
# rows a list says "more than 10,000" and pages on without a last page number.
COUNT_CAP = 10_000


@dataclass
class PageResult:
    items: list
    number: int
    page_size: int
    count: int  # exact when count_exact, else COUNT_CAP (there are more)
    num_pages: int  # the last page when count_exact, else the last page reached so far
    count_exact: bool = True
    more: bool = False  # a next page exists (known from the row past this page)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.more if not self.count_exact else self.number < self.num_pages

    @property
    def start_index(self) -> int:
        return 0 if not self.items else (self.number - 1) * self.page_size + 1

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.page_size + len(self.items)


def capped_count(queryset, cap: int | None = None) -> tuple[int, bool]:
    """(count, exact): the rows of ``queryset``, counted no further than ``cap`` (COUNT_CAP)."""
    cap = COUNT_CAP if cap is None else cap
    if queryset.query.group_by is None:
        # values("pk") leaves the list's display annotations (correlated counts) out of the count.
        queryset = queryset.values("pk")
    counted = queryset.order_by()[: cap + 1].count()
    return (counted, True) if counted <= cap else (cap, False)


def _number(page) -> int:
    try:
        return max(1, int(page))
    except (TypeError, ValueError):
        return 1


def paginate(queryset, *, page=1, page_size=DEFAULT_PAGE_SIZE) -> PageResult:
    """One page of ``queryset``: two queries (a capped count and the page) whatever its size.
    A page number past the end shows the last page; past the cap, pages go on while rows do."""
    try:
        size = int(page_size)
    except (TypeError, ValueError):
        size = DEFAULT_PAGE_SIZE
    size = max(1, min(size, MAX_PAGE_SIZE))
    count, exact = capped_count(queryset)
    number = _number(page)
    if exact:
        last = max(1, -(-count // size))
        number = min(number, last)
        items = list(queryset[(number - 1) * size : number * size])
        return PageResult(items=items, number=number, page_size=size, count=count, num_pages=last)
    offset = (number - 1) * size
    rows = list(queryset[offset : offset + size + 1])
    if not rows and number > 1:
        # Past the end of a very long list: back to the first page rather than an empty one.
        number, rows = 1, list(queryset[: size + 1])
    return PageResult(
        items=rows[:size],
        number=number,
        page_size=size,
        count=count,
        num_pages=number + (1 if len(rows) > size else 0),
        count_exact=False,
        more=len(rows) > size,
    )
