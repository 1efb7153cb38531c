"""Exports of the opportunity and activity lists: the rows the list shows, filtered by the same
form and selector, streamed as CSV or XLSX (core.export). Scoped like the lists; a list export is
for those who may export the customer list (Cap.CUSTOMERS_EXPORT)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from salescore.core.export import export_format, export_response
from salescore.core.permissions import Cap, require
from salescore.pipeline.views import _activity_rows, _opportunity_rows


@login_required
@require_GET
def opportunity_export(request):
    require(request.user, Cap.CUSTOMERS_EXPORT)
    _form, _data, rows = _opportunity_rows(request)
    header = [
        _("ID"),
        _("Name"),
        _("Customer"),
        _("Stage"),
        _("Owner"),
        _("Amount"),
        _("Currency"),
        _("Win probability (%)"),
        _("Expected close date"),
        _("Source channel"),
        _("Created"),
        _("Last update"),
    ]
    data = (
        [
            o.pk,
            o.name,
            o.customer.name,
            o.stage.display_name,
            o.owner.display_name,
            o.amount,
            o.currency,
            o.probability,
            o.expected_close_date,
            o.get_source_display(),
            o.created_at,
            o.updated_at,
        ]
        for o in rows.iterator(chunk_size=2000)
    )
    return export_response(header=header, rows=data, name="opportunities", file_format=export_format(request))


@login_required
@require_GET
def activity_export(request):
    require(request.user, Cap.CUSTOMERS_EXPORT)
    _form, _data, rows = _activity_rows(request)
    header = [
        _("ID"),
        _("When"),
        _("Channel"),
        _("Direction"),
        _("Customer"),
        _("Opportunity"),
        _("Contact"),
        _("By"),
        _("Subject"),
        _("Outcome"),
        _("Next step"),
        _("Next step due"),
        _("Next step done"),
    ]
    yes, no = _("Yes"), _("No")
    data = (
        [
            a.pk,
            a.occurred_at,
            a.get_channel_display(),
            a.get_direction_display(),
            a.customer.name,
            a.opportunity.name if a.opportunity else "",
            a.contact.name if a.contact else "",
            a.owner.display_name,
            a.subject,
            a.outcome,
            a.next_step,
            a.next_step_due,
            yes if a.next_step_done else no,
        ]
        for a in rows.iterator(chunk_size=2000)
    )
    return export_response(header=header, rows=data, name="activities", file_format=export_format(request))
