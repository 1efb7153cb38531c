"""Campaign pages. Thin: parse the form, call a service or selector, render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salescore.campaigns import selectors, services
from salescore.campaigns.forms import CampaignFilterForm, CampaignForm
from salescore.core.errors import ApplicationError
from salescore.core.pagination import paginate
from salescore.core.permissions import Cap, Scope, access_for, require
from salescore.core.web import form_error, is_htmx


def leads_url(campaign, **filters) -> str:
    """The lead list filtered by this campaign (and ``filters``), scoped like every lead list."""
    return f"{reverse('leads:list')}?{urlencode({'campaign': campaign.pk, **filters})}"


@login_required
def campaign_list(request):
    form = CampaignFilterForm(request.GET or None)
    rows = selectors.campaign_list(user=request.user, **form.filters())
    page = paginate(rows, page=request.GET.get("page", 1), page_size=request.GET.get("page_size", 25))
    page.items = selectors.campaign_rows(page.items)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "can_create": access_for(request.user).can(Cap.CAMPAIGNS_MANAGE),
    }
    template = "campaigns/_partials/campaign_table.html" if is_htmx(request) else "campaigns/list.html"
    return render(request, template, context)


def _chart(campaign, figures) -> dict:
    """The funnel leads › qualified › converted › opportunities › won; each step opens its leads."""
    return {
        "title": _("Results of %(name)s") % {"name": campaign.name},
        "labels": [_("Leads"), _("Qualified"), _("Converted"), _("Opportunities"), _("Won")],
        "values": [
            figures.leads,
            figures.qualified,
            figures.converted,
            figures.opportunities,
            figures.won,
        ],
        "links": [
            leads_url(campaign),
            leads_url(campaign, status="qualified"),
            leads_url(campaign, status="converted"),
            leads_url(campaign, status="converted"),
            None,
        ],
    }


@login_required
def campaign_detail(request, pk: int):
    campaign = selectors.campaign_get_for_user(user=request.user, pk=pk)
    figures = selectors.campaign_figures([campaign])[campaign.pk]
    statuses = [
        {"value": value, "label": label, "count": count, "url": leads_url(campaign, status=value)}
        for value, label, count in selectors.campaign_lead_statuses(campaign)
    ]
    context = {
        "campaign": campaign,
        "figures": figures,
        "statuses": statuses,
        "chart": _chart(campaign, figures),
        "leads_url": leads_url(campaign),
        # The figures count every lead of the campaign; the lead list only those the user may see.
        "partial_lead_list": access_for(request.user).scope != Scope.ALL,
        "can_change": selectors.campaign_can_change(user=request.user, campaign=campaign),
    }
    return render(request, "campaigns/detail.html", context)


@login_required
def campaign_create(request):
    require(request.user, Cap.CAMPAIGNS_MANAGE)
    person_id = access_for(request.user).person_id
    form = CampaignForm(request.POST or None, user=request.user, initial={"owner": person_id})
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(actor=request.user, **form.campaign_fields())
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("%(name)s is created.") % {"name": campaign})
            return redirect("campaigns:detail", pk=campaign.pk)
    return render(request, "campaigns/form.html", {"form": form, "campaign": None})


@login_required
def campaign_edit(request, pk: int):
    campaign = selectors.campaign_get_to_change(user=request.user, pk=pk)
    initial = {name: getattr(campaign, name) for name in CampaignForm.FIELDS}
    initial["version"] = campaign.version
    form = CampaignForm(request.POST or None, user=request.user, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = form.campaign_fields()
        fields["owner"] = fields["owner"] or campaign.owner
        fields["org_unit"] = fields["org_unit"] or campaign.org_unit
        try:
            services.campaign_update(
                actor=request.user, campaign=campaign, version=form.cleaned_data["version"], **fields
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": campaign})
            return redirect("campaigns:detail", pk=campaign.pk)
    return render(request, "campaigns/form.html", {"form": form, "campaign": campaign})


@login_required
@require_POST
def campaign_delete(request, pk: int):
    campaign = selectors.campaign_get_to_change(user=request.user, pk=pk)
    try:
        services.campaign_delete(actor=request.user, campaign=campaign)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("campaigns:detail", pk=campaign.pk)
    messages.success(
        request, _("%(name)s is deleted. It can be restored from the recycle bin.") % {"name": campaign}
    )
    return redirect("campaigns:list")
