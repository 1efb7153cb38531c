"""Pipeline pages. Thin: parse, call a service or selector, render."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from salescore.core.pagination import paginate
from salescore.pipeline import selectors


@login_required
def board(request):
    return render(request, "pipeline/board.html", {"columns": selectors.board(user=request.user)})


@login_required
def activities(request):
    rows = selectors.activity_list(user=request.user, followups_only=request.GET.get("followups") == "1")
    page = paginate(rows, page=request.GET.get("page", 1))
    return render(request, "pipeline/activities.html", {"page": page})
