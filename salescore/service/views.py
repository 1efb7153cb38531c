"""After-sales pages for staff. Thin: parse, call a service or selector, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from salescore.service import selectors


@login_required
def ticket_detail(request, pk: int):
    ticket = selectors.ticket_get_for_user(user=request.user, pk=pk)
    return render(request, "service/ticket_detail.html", {"ticket": ticket})
