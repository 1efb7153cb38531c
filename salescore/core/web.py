"""Small helpers the page views of every domain share."""

from __future__ import annotations

from collections.abc import Callable

from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, default: str) -> str:
    """The ?next= / POST next target if it stays on this site, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(default)


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def form_error(form, exc) -> None:
    """Put an ApplicationError on a form: field messages beside their fields, the rest on top."""
    placed = False
    for name, message in (exc.fields or {}).items():
        if name in form.fields:
            form.add_error(name, str(message))
            placed = True
    if not placed or exc.message:
        form.add_error(None, exc.message)


def filter_values(form) -> dict:
    """A list filter's valid values. A field with a bad value is left out (its error shows beside
    it) rather than dropping every filter and listing everything."""
    if not form.is_bound:
        return {}
    form.is_valid()
    return form.cleaned_data


_MARKER = 2_147_483_647  # a primary key no URL pattern holds elsewhere


def url_for_pk(viewname: str, *args) -> Callable[[object], str]:
    """``reverse(viewname, args=[*args, pk])`` for many primary keys at the cost of one reverse: a
    page of 210 board cards reversed 420 URLs, a tenth of its time."""
    head, marker, tail = reverse(viewname, args=[*args, _MARKER]).rpartition(str(_MARKER))
    if not marker:
        raise ValueError(f"{viewname} does not take the primary key as its last argument")
    return lambda pk: f"{head}{int(pk)}{tail}"
