"""Quote pages. Thin: parse, call one service or selector, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from salescore.core.permissions import Cap, access_for
from salescore.orders import selectors


def _quote_context(request, quote) -> dict:
    return {
        "quote": quote,
        "lines": list(quote.lines.select_related("product")),
        "approvals": list(quote.approvals.select_related("approver", "requested_by", "decided_by")),
        "revisions": selectors.quote_revisions(quote),
        "can_work": access_for(request.user).can(Cap.QUOTES_WORK),
    }


@login_required
def quote_detail(request, pk: int):
    quote = selectors.quote_get_for_user(user=request.user, pk=pk)
    return render(request, "orders/quote_detail.html", _quote_context(request, quote))
