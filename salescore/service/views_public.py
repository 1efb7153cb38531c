"""The customer's public pages (no login): report a problem, rate the service."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from salescore.service import services
from salescore.service.models import Rating


def report(request, token: str):
    customer = services.customer_for_link(token)
    if customer is None:
        raise Http404
    return render(request, "service/public/report.html", {"customer": customer})


def rate(request, token: str):
    rating = Rating.objects.filter(token=token).select_related("customer").first()
    if rating is None:
        raise Http404
    return render(request, "service/public/rate.html", {"rating": rating})
