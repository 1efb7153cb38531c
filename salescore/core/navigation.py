"""Navigation by duty and the work queues each duty sees.

Domains register their menu entries and queues here (in their AppConfig.ready); the layout and
the home page show only what the user's capabilities allow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from salescore.core.permissions import access_for


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
    """A list of records waiting for someone with ``capability``; ``count`` takes the user."""

    key: str
    label: str
    description: str
    url_name: str
    capability: str | tuple[str, ...]  # a tuple: shown to anyone holding one of them
    count: Callable
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
    access = access_for(user)
    rows = []
    for queue in QUEUES.values():
        if not allowed(access, queue.capability):
            continue
        url = reverse(queue.url_name) + (f"?{queue.query}" if queue.query else "")
        rows.append(
            {
                "key": queue.key,
                "label": queue.label,
                "description": queue.description,
                "url": url,
                "count": queue.count(user),
            }
        )
    return rows
