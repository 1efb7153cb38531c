"""Navigation by duty and the work queues each duty sees.

Domains register their menu entries and queues here (in their AppConfig.ready); the layout and
the home page show only what the user's capabilities allow. A queue gives the records it lists,
not a number: the home page counts every queue the user sees in one query (core.selectors.count_each).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from salescore.core.permissions import access_for
from salescore.core.selectors import count_each


@dataclass(frozen=True)
class MenuEntry:
    key: str
    label: str
    url_name: str
    capability: str | tuple[str, ...]  # a tuple: shown to anyone holding one of them
    icon: str = "circle"
    order: int = 100


@dataclass(frozen=True)
class WorkQueue:
    """A list of records waiting for someone with ``capability``.

    ``records(user)`` is the queryset of the records waiting for that user (``.none()`` when
    none can): the queue's count is its size, taken together with the other queues' counts.
    """

    key: str
    label: str
    description: str
    url_name: str
    capability: str | tuple[str, ...]  # a tuple: shown to anyone holding one of them
    records: Callable  # (user) -> QuerySet
    query: str = ""


MENU: dict[str, MenuEntry] = {}
QUEUES: dict[str, WorkQueue] = {}


def allowed(access, capability: str | tuple[str, ...]) -> bool:
    capabilities = (capability,) if isinstance(capability, str) else capability
    return any(access.can(cap) for cap in capabilities)


def register_menu(entry: MenuEntry) -> None:
    MENU[entry.key] = entry


def register_queue(queue: WorkQueue) -> None:
    QUEUES[queue.key] = queue


def menu_for(user, path: str = "") -> list[dict]:
    access = access_for(user)
    entries = sorted((e for e in MENU.values() if allowed(access, e.capability)), key=lambda e: e.order)
    rows = []
    for entry in entries:
        url = reverse(entry.url_name)
        rows.append(
            {
                "key": entry.key,
                "label": entry.label,
                "url": url,
                "icon": entry.icon,
                "active": path == url if url == "/" else path.startswith(url),
            }
        )
    return rows


def queues_for(user) -> list[dict]:
    """The queues the user may see, with their counts: one query, however many queues."""
    access = access_for(user)
    queues = [queue for queue in QUEUES.values() if allowed(access, queue.capability)]
    counts = count_each([queue.records(user) for queue in queues])
    return [
        {
            "key": queue.key,
            "label": queue.label,
            "description": queue.description,
            "url": reverse(queue.url_name) + (f"?{queue.query}" if queue.query else ""),
            "count": count,
        }
        for queue, count in zip(queues, counts, strict=True)
    ]
