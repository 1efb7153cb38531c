"""Language helpers every domain uses: lists joined the way the active language writes them."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import pgettext


def join_items(items: Iterable) -> str:
    """Items of a list: "A, B, C" in English, "A、B、C" in Chinese."""
    return pgettext("list separator", ", ").join(str(item) for item in items)


def join_clauses(items: Iterable) -> str:
    """Whole phrases one after another: "a; b" in English, "a；b" in Chinese."""
    return pgettext("clause separator", "; ").join(str(item) for item in items)
