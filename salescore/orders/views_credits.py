"""The split of an order's sales credit (R2.1) on the order page: a shared deal credited 60/40
counts 60/40 toward each person's target. An htmx partial; the rule lives in order_credits_set."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from salescore.core.errors import ApplicationError, PermissionDeniedError
from salescore.core.permissions import Cap, Duty, access_for
from salescore.orders import selectors, services
from salescore.orders.models import Order
from salescore.org.models import Person

MAX_ROWS = 20


def _people():
    return Person.objects.filter(status=Person.Status.ACTIVE, org_unit__duty=Duty.SALES_MANAGEMENT).order_by(
        "name", "pk"
    )


def _context(request, order: Order, *, rows=None, errors=None, message="", saved=False) -> dict:
    access = access_for(request.user)
    credits = list(order.credits.select_related("person"))
    if rows is None:
        rows = [{"person": str(c.person_id), "share": c.share} for c in credits] or [
            {"person": str(order.owner_id), "share": "100"}
        ]
    return {
        "order": order,
        "credits": credits,
        "credit_rows": [*rows, {"person": "", "share": ""}],
        "people": list(_people()),
        "errors": errors or {},
        "message": message,
        "saved": saved,
        "can_edit": (access.can(Cap.ORDERS_PROCESS) or access.can(Cap.QUOTES_WORK))
        and order.status != Order.Status.CANCELLED,
        "loaded": True,
    }


@login_required
def order_credits(request, pk: int):
    order = selectors.order_get_for_user(user=request.user, pk=pk)
    if request.method != "POST":
        return render(request, "orders/_partials/credits.html", _context(request, order))
    people = request.POST.getlist("credit-person")[:MAX_ROWS]
    shares = request.POST.getlist("credit-share")[:MAX_ROWS]
    rows = [
        {"person": p.strip(), "share": s.strip()}
        for p, s in zip(people, shares, strict=False)
        if p.strip() or s.strip()
    ]
    known = {
        str(p.pk): p for p in _people().filter(pk__in=[r["person"] for r in rows if r["person"].isdigit()])
    }
    try:
        services.order_credits_set(
            actor=request.user, order=order, shares=[(known.get(r["person"]), r["share"]) for r in rows]
        )
    except PermissionDeniedError:
        raise
    except ApplicationError as exc:
        context = _context(request, order, rows=rows, errors=exc.fields, message=exc.message)
        return render(request, "orders/_partials/credits.html", context, status=400)
    return render(
        request,
        "orders/_partials/credits.html",
        _context(request, order, message=_("The split is saved."), saved=True),
    )
