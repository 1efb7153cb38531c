"""The line editor shared by quotes and orders (htmx): rows are re-priced on the server through
services.lines.parse_lines and orders.pricing, without saving, so the page never does arithmetic."""

from __future__ import annotations

import contextlib
from types import SimpleNamespace

from django.contrib import messages
from django.shortcuts import redirect

from salescore.core.errors import ApplicationError, PermissionDeniedError
from salescore.orders.authority import requirement
from salescore.orders.forms import lines_from_post, product_choices
from salescore.orders.pricing import document_totals
from salescore.orders.services.lines import parse_lines


def rows_from_lines(lines) -> list[dict]:
    """Editor rows from stored lines (the discount stands for the price)."""
    return [
        {
            "product": line.product_id,
            "quantity": f"{line.quantity.normalize():f}",
            "discount": f"{line.discount.normalize():f}" if line.discount else "",
            "unit_price": "",
            "tax_rate": f"{line.tax_rate.normalize():f}",
            "description": line.description,
        }
        for line in lines
    ]


def editor_context(
    *,
    rows: list[dict],
    currency: str,
    save_url: str,
    preview_url: str,
    version=None,
    tier: str | None = None,
    errors: dict | None = None,
    message: str = "",
    price: bool = True,
    embedded: bool = False,
    customer=None,
    on=None,
) -> dict:
    """What templates/orders/_partials/line_editor.html needs; with ``price`` the rows are priced
    (for ``customer`` on ``on``, as the service will price them: their price list applies)."""
    errors = dict(errors or {})
    priced, totals, need = [], None, None
    filled = [row for row in rows if row.get("product") or row.get("quantity")]
    if price and filled and not errors:
        try:
            parsed = parse_lines(filled, currency=currency, customer=customer, on=on)
        except ApplicationError as exc:
            errors, message = exc.fields, exc.message
        else:
            priced = [item["price"] for item in parsed]
            totals = document_totals(priced)
            if tier is not None:
                need = requirement(
                    [
                        SimpleNamespace(
                            product=item["product"], list_price=p.list_price, unit_price=p.unit_price
                        )
                        for item, p in zip(parsed, priced, strict=True)
                    ],
                    tier=tier,
                )
    display = []
    for index, row in enumerate(rows, start=1):
        prefix = f"lines.{index}"
        display.append(
            {
                **{
                    key: row.get(key, "")
                    for key in ("product", "quantity", "discount", "unit_price", "tax_rate", "description")
                },
                "index": index,
                "price": priced[index - 1] if index - 1 < len(priced) else None,
                "errors": {
                    key.rsplit(".", 1)[-1]: value
                    for key, value in errors.items()
                    if key == prefix or key.startswith(prefix + ".")
                },
            }
        )
    other = [str(v) for k, v in errors.items() if not k.startswith("lines.")]
    return {
        "editor": {
            "rows": display,
            "products": product_choices(),
            "currency": currency,
            "totals": totals,
            "need": need,
            "save_url": save_url,
            "preview_url": preview_url,
            "version": version,
            "message": message,
            "other_errors": other,
            # Embedded: the rows sit inside another form (the new order), which saves them.
            "embedded": embedded,
        }
    }


def rows_from_post(request) -> list[dict]:
    """The posted rows, with the editor's row operations (add a row, remove row N) applied."""
    rows = [
        {**row, "product": row.get("product") or "", "quantity": row.get("quantity", "")}
        for row in lines_from_post(request.POST)
    ]
    operation = request.POST.get("op", "")
    if operation.startswith("remove-"):
        with contextlib.suppress(ValueError, IndexError):
            del rows[int(operation.removeprefix("remove-")) - 1]
    if operation == "add" or not rows:
        rows.append(
            {
                "product": "",
                "quantity": "1",
                "discount": "",
                "unit_price": "",
                "tax_rate": "",
                "description": "",
            }
        )
    return rows


def save_lines(request, *, service, redirect_to, on_error, **kwargs):
    """Post the editor's rows to ``service`` (quote_set_lines / order_set_lines)."""
    lines = lines_from_post(request.POST)
    try:
        service(actor=request.user, lines=lines, version=request.POST.get("version") or None, **kwargs)
    except PermissionDeniedError:
        raise
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return on_error(rows=[{**row} for row in lines] or [{}], errors=exc.fields, message=exc.message)
    messages.success(request, _saved())
    return redirect(redirect_to)


def _saved() -> str:
    from django.utils.translation import gettext as _

    return _("The lines are saved.")
