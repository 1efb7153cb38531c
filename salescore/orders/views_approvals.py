"""The approver's queue of discount requests (R3.9)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from salescore.core.pagination import paginate
from salescore.orders import selectors


@login_required
def approval_queue(request):
    rows = selectors.approvals_for(request.user)
    page = paginate(rows, page=request.GET.get("page", 1))
    return render(request, "orders/approval_queue.html", {"page": page, "tab": "pending"})
