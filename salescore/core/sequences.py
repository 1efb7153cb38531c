"""Document numbers: sequential per key, unique and gap-free (see core.models.Sequence)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from salescore.core.models import Sequence


def next_value(key: str) -> int:
    """Take the next number of ``key``. Must run inside the transaction that stores it."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_value() must run inside the transaction that uses the number")
    # Create the counter if this is its first number; a concurrent creator is not an error.
    Sequence.objects.bulk_create([Sequence(key=key, last_value=0)], ignore_conflicts=True)
    # The UPDATE takes the row lock and holds it until commit: the next caller waits here.
    Sequence.objects.filter(key=key).update(last_value=F("last_value") + 1)
    return Sequence.objects.filter(key=key).values_list("last_value", flat=True).get()


def next_number(prefix: str, year: int, *, width: int = 6) -> str:
    """``SO-2026-000123``: the prefix, the year and the year's running number."""
    return f"{prefix}-{year}-{next_value(f'{prefix}-{year}'):0{width}d}"
