"""Lead pages. Thin: parse, call a service or selector, render."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from salescore.core.pagination import paginate
from salescore.leads import selectors


@login_required
def lead_list(request):
    rows = selectors.lead_list(
        user=request.user,
        overdue_only=request.GET.get("overdue") == "1",
        unassigned_only=request.GET.get("unassigned") == "1",
        mine=request.GET.get("mine") == "1",
        status=request.GET.get("status") or None,
    )
    page = paginate(rows, page=request.GET.get("page", 1))
    return render(request, "leads/list.html", {"page": page})


@login_required
def lead_detail(request, pk: int):
    lead = selectors.lead_get_for_user(user=request.user, pk=pk)
    return render(request, "leads/detail.html", {"lead": lead, "touches": selectors.touches(lead)[:50]})
