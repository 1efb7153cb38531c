"""Customer pages. Thin: parse, call a service or selector, render."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from salescore.core.pagination import paginate
from salescore.customers import selectors


@login_required
def customer_list(request):
    customers = selectors.customer_list(user=request.user, q=request.GET.get("q") or None)
    page = paginate(customers, page=request.GET.get("page", 1))
    return render(request, "customers/list.html", {"page": page, "q": request.GET.get("q", "")})
