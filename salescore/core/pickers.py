"""Choosing one record among very many (a customer out of a million): a select that lists its
choices while they are few, and past that renders only the chosen one beside a search box whose
matches (htmx, ``/pick/<kind>/?q=``) fill it. The form field keeps its scoped queryset, so what is
accepted is checked exactly as before; only the rendering stops reading the whole table.

Apps register what a kind searches in their ``ready()``:

    register_picker("customer", lambda user, q: customers_matching(user, q))
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from salescore.core.pagination import capped_count

# Up to this many choices a plain select lists them all; beyond, the search box takes over.
LIST_ALL_UP_TO = 300
MATCHES = 20

_PICKERS: dict[str, Callable] = {}


def register_picker(kind: str, search: Callable) -> None:
    """``search(user, q)`` returns a queryset of the records of ``kind`` matching ``q`` that the
    user may choose (scoped), best first."""
    _PICKERS[kind] = search


class SearchSelect(forms.Select):
    """A select whose options come from a search once there are more than LIST_ALL_UP_TO."""

    template_name = "core/widgets/search_select.html"

    def __init__(self, kind: str, attrs=None):
        super().__init__(attrs)
        self.kind = kind

    def __deepcopy__(self, memo):
        copy = super().__deepcopy__(memo)
        copy.kind = self.kind
        return copy

    def _few(self) -> bool:
        queryset = getattr(self.choices, "queryset", None)
        if queryset is None:
            return True
        # Counted, not built, and a scoped queryset part by part (core.pagination): the OR of a
        # rep's customers, the pool's and those shared with them made PostgreSQL scan the
        # customers until it had 301 (83 ms at size L); each part reads its own index.
        _count, exact = capped_count(queryset.order_by(), cap=LIST_ALL_UP_TO)
        return exact

    def get_context(self, name, value, attrs):
        fixed = bool((attrs or {}).get("disabled") or self.attrs.get("disabled"))
        few = not fixed and self._few()
        if not few:
            # Only the empty choice and the chosen record: reading the others is the search's job.
            chosen = [str(v) for v in (value if isinstance(value, list | tuple) else [value]) if v]
            iterator = self.choices
            field = iterator.field
            rows = list(iterator.queryset.filter(pk__in=chosen)) if chosen else []
            self.choices = [("", field.empty_label or "—")] + [
                (iterator.choice(row)[0], field.label_from_instance(row)) for row in rows
            ]
        context = super().get_context(name, value, attrs)
        context["widget"]["search"] = None if few or fixed else reverse("core:pick", args=[self.kind])
        context["widget"]["search_label"] = _("Type to search")
        return context


def use_picker(field: forms.ModelChoiceField, kind: str) -> None:
    """Give ``field`` the search select, keeping the attributes its form set (htmx reloads)."""
    attrs = dict(field.widget.attrs)
    field.widget = SearchSelect(kind, attrs=attrs)
    field.widget.choices = field.choices


@login_required
def pick(request, kind: str):
    """The options matching ?q= for a search select (an htmx swap into the select)."""
    search = _PICKERS.get(kind)
    if search is None:
        raise Http404
    q = (request.GET.get("q") or "").strip()[:100]
    rows = list(search(request.user, q)[:MATCHES]) if q else []
    return render(
        request,
        "core/widgets/search_options.html",
        {"rows": rows, "q": q, "selected": request.GET.get("selected", "")},
    )
