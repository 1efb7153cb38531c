"""Order pages. Thin: parse, call one service or selector, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from salescore.orders import selectors


def _order_context(request, order) -> dict:
    return {
        "order": order,
        "lines": list(order.lines.select_related("product")),
        "money": selectors.order_money(order),
    }


@login_required
def order_detail(request, pk: int):
    order = selectors.order_get_for_user(user=request.user, pk=pk)
    return render(request, "orders/order_detail.html", _order_context(request, order))
