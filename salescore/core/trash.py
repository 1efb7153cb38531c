"""The recycle bin: which soft-deleted records exist, and how each kind is restored."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models


@dataclass(frozen=True)
class TrashEntry:
    model: type[models.Model]
    restore: Callable  # restore(*, actor, record) -> None, a domain service
    capability: str | None = None  # needed besides records.restore (e.g. org.manage for units)


TRASH: dict[str, TrashEntry] = {}


def register_trash(model: type[models.Model], *, restore: Callable, capability: str | None = None) -> None:
    TRASH[model._meta.label_lower] = TrashEntry(model=model, restore=restore, capability=capability)
