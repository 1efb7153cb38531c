"""Navigation by duty and the work queues each duty sees.

Domains register their menu entries and queues here (in their AppConfig.ready); the layout and
the home page show only what the user's capabilities allow. A queue gives the records it lists,
not a number: the home page counts every queue the user sees in one query (core.selectors.count_each).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

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
    return _allows(access.capabilities, capability)


def register_menu(entry: MenuEntry) -> None:
    MENU[entry.key] = entry
    _MENUS.clear()
    _FRAGMENTS.clear()


def register_queue(queue: WorkQueue) -> None:
    QUEUES[queue.key] = queue


# The menu depends only on the capability set, the language and the script prefix (and, for the
# marks, on which entries the path is under), never on the user: it is built once per such key and
# kept for the life of the process. A user whose roles change has another capability set, so
# another key; registering an entry clears both caches.
_MENUS: dict[tuple, tuple[tuple[str, str, str, str], ...]] = {}
_FRAGMENTS: dict[tuple, SafeString] = {}
_MAX_KEPT = 2000  # a bound, far above positions x duties x languages x sections


def _kept(cache: dict, key, build):
    value = cache.get(key)
    if value is None:
        if len(cache) >= _MAX_KEPT:
            cache.clear()
        value = cache[key] = build()
    return value


def _allows(capabilities: frozenset[str], capability: str | tuple[str, ...]) -> bool:
    """Whether a capability set holds ``capability`` (or one of a tuple of them): ``allowed`` for
    an Access, and the menu's key for a capability set alone."""
    return any(c in capabilities for c in ((capability,) if isinstance(capability, str) else capability))


def _menu_rows(capabilities: frozenset[str]) -> tuple[tuple[str, str, str, str], ...]:
    """(key, label, url, icon) of the entries ``capabilities`` allow, in menu order, for the active
    language."""

    def build():
        entries = sorted(
            (e for e in MENU.values() if _allows(capabilities, e.capability)), key=lambda e: e.order
        )
        return tuple((e.key, str(e.label), reverse(e.url_name), e.icon) for e in entries)

    return _kept(_MENUS, (capabilities, get_language(), get_script_prefix()), build)


def _active(url: str, path: str) -> bool:
    return path == url if url == "/" else path.startswith(url)


def menu_for(user, path: str = "") -> list[dict]:
    rows = _menu_rows(access_for(user).capabilities)
    return [
        {"key": key, "label": label, "url": url, "icon": icon, "active": _active(url, path)}
        for key, label, url, icon in rows
    ]


def _fragment(name: str, key: tuple, context: Callable[[], dict]) -> SafeString:
    # The fragment files end with a newline that the layout's own markup already has.
    return _kept(
        _FRAGMENTS,
        (name, get_language(), get_script_prefix(), *key),
        lambda: mark_safe(render_to_string(name, context()).removesuffix("\n")),  # noqa: S308 - a template's output
    )


def menu_html(user, path: str, home_active: bool) -> dict[str, SafeString]:
    """The layout's two menus as HTML (``top``: the small-screen list, ``side``: the sidebar),
    rendered once per capability set, language and marked entries."""
    capabilities = access_for(user).capabilities
    rows = _menu_rows(capabilities)
    active = tuple(key for key, _label, url, _icon in rows if _active(url, path))

    def menu():
        return [
            {"key": key, "label": label, "url": url, "icon": icon, "active": key in active}
            for key, label, url, icon in rows
        ]

    return {
        "top": _fragment("_menu_top.html", (capabilities,), lambda: {"menu": menu()}),
        "side": _fragment(
            "_menu_side.html",
            (capabilities, active, home_active),
            lambda: {"menu": menu(), "home_active": home_active},
        ),
    }


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
