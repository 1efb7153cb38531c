"""Pagination shared by pages and the API: every list is cut into pages, none is unbounded."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100


@dataclass
class PageResult:
    items: list
    number: int
    page_size: int
    count: int
    num_pages: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def start_index(self) -> int:
        return 0 if self.count == 0 else (self.number - 1) * self.page_size + 1

    @property
    def end_index(self) -> int:
        return min(self.number * self.page_size, self.count)


def paginate(queryset, *, page=1, page_size=DEFAULT_PAGE_SIZE) -> PageResult:
    try:
        size = int(page_size)
    except (TypeError, ValueError):
        size = DEFAULT_PAGE_SIZE
    size = max(1, min(size, MAX_PAGE_SIZE))
    paginator = Paginator(queryset, size)
    try:
        current = paginator.page(page)
    except PageNotAnInteger:
        current = paginator.page(1)
    except EmptyPage:
        current = paginator.page(paginator.num_pages)
    return PageResult(
        items=list(current.object_list),
        number=current.number,
        page_size=size,
        count=paginator.count,
        num_pages=paginator.num_pages,
    )
