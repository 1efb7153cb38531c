"""Revealing a lead's masked phone, email or WeChat (R3.8). Thin: the service logs the look."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salescore.core.web import is_htmx
from salescore.leads import selectors, services
from salescore.leads.models import Lead


@login_required
@require_POST
def lead_reveal(request, pk: int, field: str):
    lead = selectors.lead_get_for_user(user=request.user, pk=pk)
    value = services.lead_reveal(actor=request.user, lead=lead, field=field)
    if is_htmx(request):
        return render(
            request, "leads/_partials/revealed.html", {"lead": lead, "field": field, "value": value}
        )
    label = Lead._meta.get_field(field).verbose_name
    messages.info(
        request,
        _("%(field)s of %(name)s: %(value)s") % {"field": label, "name": lead.name, "value": value or "—"},
    )
    return redirect("leads:detail", pk=lead.pk)
