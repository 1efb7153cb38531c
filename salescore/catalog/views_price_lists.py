"""Price list pages (价格表): the list, a list with its items and customers, the form with its item
editor (htmx re-renders the rows with each product's list price and floor beside it), delete.
Thin: parse the form, call catalog.services, render.

Everyone who prices quotes or orders reads them (services.PRICE_LIST_READERS); only
Cap.PROCESS_CONFIGURE changes them. Customers are put on a list from their own edit page."""

from __future__ import annotations

import contextlib
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salescore.catalog import selectors, services
from salescore.catalog.forms import (
    PriceListFilterForm,
    PriceListForm,
    item_rows_from_post,
    items_from_rows,
    row_is_filled,
)
from salescore.catalog.models import PriceList, Product
from salescore.core.errors import ApplicationError
from salescore.core.pagination import paginate
from salescore.core.permissions import Cap, access_for, require
from salescore.core.web import form_error, is_htmx


@login_required
def price_lists(request):
    services.require_price_list_reader(request.user)
    form = PriceListFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    rows = selectors.price_list_list(user=request.user, q=data.get("q"), status=data.get("status") or None)
    page = paginate(rows, page=request.GET.get("page", 1), page_size=request.GET.get("page_size", 25))
    query = request.GET.copy()
    query.pop("page", None)
    today = timezone.localdate()
    for price_list in page.items:
        price_list.current_status = price_list.status_on(today)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "can_configure": access_for(request.user).can(Cap.PROCESS_CONFIGURE),
    }
    template = "catalog/_partials/price_list_table.html" if is_htmx(request) else "catalog/price_lists.html"
    return render(request, template, context)


@login_required
def price_list_detail(request, pk: int):
    services.require_price_list_reader(request.user)
    price_list = selectors.price_list_get(pk=pk)
    items = list(selectors.price_list_items(price_list))
    for item in items:
        # How far below the catalogue's list price, in percent (negative: above it).
        list_price = item.product.list_price
        item.below_list = (
            ((list_price - item.unit_price) * 100 / list_price).quantize(Decimal("0.1"))
            if list_price > 0
            else None
        )
    return render(
        request,
        "catalog/price_list_detail.html",
        {
            "price_list": price_list,
            "status": price_list.status_on(timezone.localdate()),
            "items": items,
            "customer_count": selectors.price_list_customer_count(user=request.user, price_list=price_list),
            "customers_url": reverse("customers:list") + "?" + urlencode({"price_list": price_list.pk}),
            "can_configure": access_for(request.user).can(Cap.PROCESS_CONFIGURE),
        },
    )


def _item_rows(items) -> list[dict]:
    return [
        {
            "product": item.product_id,
            "unit_price": f"{item.unit_price:.2f}",
            "min_quantity": f"{item.min_quantity.normalize():f}" if item.min_quantity != 1 else "",
        }
        for item in items
    ]


def _rows_from_post(request) -> list[dict]:
    """The posted rows with the editor's operations (add a row, remove row N) applied. Empty rows
    are kept while editing, so a row just added stays on the page."""
    rows = item_rows_from_post(request.POST)
    operation = request.POST.get("op", "")
    if operation.startswith("remove-"):
        with contextlib.suppress(ValueError, IndexError):
            del rows[int(operation.removeprefix("remove-")) - 1]
    if operation == "add" or not rows:
        rows.append({"product": "", "unit_price": "", "min_quantity": ""})
    return rows


def _item_editor(rows, *, currency: str, errors: dict | None = None, check: bool = False) -> dict:
    """What templates/catalog/_partials/item_editor.html needs: each row with its product's list
    price and floor beside it. With ``check`` the filled rows are checked as the service would.
    Errors name filled rows only (``items.3.unit_price``), as the service counts them."""
    errors = dict(errors or {})
    filled = [row for row in rows if row_is_filled(row)]
    if check and filled and not errors:
        try:
            services.parse_items(items_from_rows(filled), currency=currency)
        except ApplicationError as exc:
            errors = exc.fields
    products = list(Product.objects.order_by("code"))
    by_pk = {product.pk: product for product in products}
    display, number = [], 0
    for index, row in enumerate(rows, start=1):
        prefix = None
        if row_is_filled(row):
            number += 1
            prefix = f"items.{number}"
        product_id = row.get("product")
        with contextlib.suppress(TypeError, ValueError):
            product_id = int(product_id)
        display.append(
            {
                "product": product_id,
                "unit_price": row.get("unit_price", ""),
                "min_quantity": row.get("min_quantity", ""),
                "index": index,
                "info": by_pk.get(product_id),
                "errors": {
                    ("row" if key == prefix else key.rsplit(".", 1)[-1]): value
                    for key, value in errors.items()
                    if prefix and (key == prefix or key.startswith(prefix + "."))
                },
            }
        )
    return {"editor": {"rows": display, "products": products, "currency": currency}}


def _save_price_list(request, form, *, price_list: PriceList | None):
    """Create or update from the posted form and items; the page again with errors by their field."""
    rows = _rows_from_post(request)
    items = items_from_rows(rows)
    currency = (request.POST.get("currency") or "CNY").strip().upper()
    if form.is_valid():
        try:
            if price_list is None:
                price_list = services.price_list_create(
                    actor=request.user, items=items, **form.service_fields()
                )
                messages.success(request, _("%(name)s is created.") % {"name": price_list})
            else:
                services.price_list_update(
                    actor=request.user,
                    price_list=price_list,
                    version=form.cleaned_data["version"],
                    items=items,
                    **form.service_fields(),
                )
                messages.success(request, _("%(name)s is saved.") % {"name": price_list})
        except ApplicationError as exc:
            form_error(form, exc)
            return _item_editor(rows, currency=currency, errors=exc.fields), None
        return None, redirect("catalog:price_list_detail", pk=price_list.pk)
    return _item_editor(rows, currency=currency, check=True), None


@login_required
def price_list_create(request):
    require(request.user, Cap.PROCESS_CONFIGURE)
    form = PriceListForm(request.POST or None, initial={"valid_from": timezone.localdate()})
    editor = _item_editor([{}], currency="CNY")
    if request.method == "POST":
        editor, done = _save_price_list(request, form, price_list=None)
        if done is not None:
            return done
    return render(request, "catalog/price_list_form.html", {"form": form, "price_list": None, **editor})


@login_required
def price_list_edit(request, pk: int):
    require(request.user, Cap.PROCESS_CONFIGURE)
    price_list = selectors.price_list_get(pk=pk)
    initial = {
        "name": price_list.name,
        "name_en": price_list.name_en,
        "currency": price_list.currency,
        "valid_from": price_list.valid_from,
        "valid_to": price_list.valid_to,
        "active": price_list.active,
        "notes": price_list.notes,
        "version": price_list.version,
    }
    form = PriceListForm(request.POST or None, initial=initial)
    editor = _item_editor(
        _item_rows(selectors.price_list_items(price_list)) or [{}], currency=price_list.currency
    )
    if request.method == "POST":
        editor, done = _save_price_list(request, form, price_list=price_list)
        if done is not None:
            return done
    return render(request, "catalog/price_list_form.html", {"form": form, "price_list": price_list, **editor})


@login_required
@require_POST
def price_list_items_preview(request):
    """The item editor again (htmx): rows added or removed, each product's list price and floor
    beside it, and the rows checked as saving would check them."""
    require(request.user, Cap.PROCESS_CONFIGURE)
    currency = (request.POST.get("currency") or "CNY").strip().upper()
    context = _item_editor(_rows_from_post(request), currency=currency, check=True)
    return render(request, "catalog/_partials/item_editor.html", context)


@login_required
@require_POST
def price_list_delete(request, pk: int):
    require(request.user, Cap.PROCESS_CONFIGURE)
    price_list = selectors.price_list_get(pk=pk)
    try:
        services.price_list_delete(actor=request.user, price_list=price_list)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("catalog:price_list_detail", pk=price_list.pk)
    messages.success(
        request, _("%(name)s is deleted. It can be restored from the recycle bin.") % {"name": price_list}
    )
    return redirect("catalog:price_lists")
