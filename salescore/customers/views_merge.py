"""Merging a duplicate into a customer: pick the duplicate, compare side by side, confirm.
Thin: the rules are customers.merge.customer_merge's, shared with the API."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from salescore.core.errors import ApplicationError, PermissionDeniedError
from salescore.core.permissions import Cap, get_in_scope, require
from salescore.customers import selectors
from salescore.customers.merge import MERGE_FIELDS, customer_merge, merge_candidates, merge_preview
from salescore.customers.models import Customer


def _survivor(request, pk: int) -> Customer:
    """The customer the page merges into: in scope (else 404), and one the user may merge (403)."""
    customer = selectors.customer_get_for_user(user=request.user, pk=pk)
    require(request.user, Cap.CUSTOMERS_CREATE)
    if not selectors.customer_can_manage(user=request.user, customer=customer):
        raise PermissionDeniedError(
            _("Only the owner of a customer, or their manager, can merge a duplicate into it."),
            code="permission_denied",
        )
    return customer


@login_required
def merge_pick(request, pk: int):
    """Choose the duplicate: similar names are offered, or search by name, code, phone or email."""
    survivor = _survivor(request, pk)
    q = (request.GET.get("q") or "").strip()[:100]
    candidates = merge_candidates(user=request.user, customer=survivor, q=q or None)
    return render(
        request, "customers/merge_pick.html", {"customer": survivor, "q": q, "candidates": candidates}
    )


def _version(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


def _choices(post) -> list[str]:
    return [name for name in MERGE_FIELDS if post.get(f"take_{name}") == "duplicate"]


@login_required
def merge_confirm(request, pk: int, duplicate_pk: int):
    """GET: the two customers side by side, a choice per differing field, what moves.
    POST: merge, then the survivor's page."""
    survivor = _survivor(request, pk)
    duplicate = get_in_scope(Customer.objects.select_related("owner", "region"), request.user, duplicate_pk)
    error, status = None, 200
    if request.method == "POST":
        try:
            result = customer_merge(
                actor=request.user,
                survivor=survivor,
                duplicate=duplicate,
                take_from_duplicate=_choices(request.POST),
                survivor_version=_version(request.POST.get("survivor_version")),
                duplicate_version=_version(request.POST.get("duplicate_version")),
            )
        except ApplicationError as exc:
            error, status = exc.message, exc.status
        else:
            messages.success(
                request,
                _(
                    "%(duplicate)s is merged into %(name)s: its contacts, activities and "
                    "opportunities are here now."
                )
                % {"duplicate": result.duplicate.name, "name": result.survivor.name},
            )
            return redirect("customers:detail", pk=survivor.pk)
    preview = merge_preview(survivor=survivor, duplicate=duplicate)
    chosen = set(_choices(request.POST)) if request.method == "POST" else None
    for row in preview["rows"]:
        if chosen is not None:
            row["take_duplicate"] = row["name"] in chosen
    context = {
        "customer": survivor,
        "duplicate": duplicate,
        "rows": preview["rows"],
        "counts": preview["counts"],
        "error": error,
    }
    return render(request, "customers/merge_confirm.html", context, status=status)
