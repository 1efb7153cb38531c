"""The lead list as CSV or XLSX: the rows the list shows (same filter form and selector), scoped
like the list. For those who may export lists (Cap.CUSTOMERS_EXPORT); the phone, email and WeChat
columns only for those who may export contact data in bulk (Cap.CONTACTS_EXPORT, R3.8)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from salescore.core.export import export_format, export_response
from salescore.core.permissions import Cap, access_for, require
from salescore.leads import selectors
from salescore.leads.forms import LeadFilterForm


@login_required
@require_GET
def lead_export(request):
    require(request.user, Cap.CUSTOMERS_EXPORT)
    with_contact_data = access_for(request.user).can(Cap.CONTACTS_EXPORT)
    form = LeadFilterForm(request.GET or None, user=request.user)
    rows = selectors.lead_list(user=request.user, **form.filters())
    header = [_("ID"), _("Contact name"), _("Company"), _("Job title")]
    if with_contact_data:
        header += [_("Phone"), _("Email"), _("WeChat")]
    header += [
        _("Channel"),
        _("Campaign"),
        _("Source detail"),
        _("Region"),
        _("Industry"),
        _("Status"),
        _("Owner"),
        _("Received"),
        _("First contact due"),
        _("First contacted at"),
    ]

    def line(lead):
        values = [lead.pk, lead.name, lead.company, lead.title]
        if with_contact_data:
            values += [lead.phone, lead.email, lead.wechat]
        return values + [
            lead.get_channel_display(),
            lead.campaign.name if lead.campaign else "",
            lead.source_detail,
            lead.region.display_name if lead.region else "",
            lead.get_industry_display(),
            lead.get_status_display(),
            lead.owner.display_name if lead.owner else "",
            lead.created_at,
            lead.first_contact_due,
            lead.first_contacted_at,
        ]

    data = (line(lead) for lead in rows.iterator(chunk_size=2000))
    return export_response(header=header, rows=data, name="leads", file_format=export_format(request))
