"""The lead list's rows as its table shows them, worked out in one pass over the page.

A row had two includes (the status badge and the first-contact deadline), ``get_FOO_display``
calls (each hashes the choice list again), date filters and a ``{% url %}``. Here the labels are
translated once per page, the links come from one ``reverse`` and dates are formatted in Python
(``core.formats``). The table's HTML is the same (``tests/test_list_html.py`` renders both ways).
"""

from __future__ import annotations

from salescore.core.export import labels
from salescore.core.formats import date_text
from salescore.core.web import url_for_pk
from salescore.leads.models import Lead

# The columns the rows show: read as whole records with their owner, region and campaign, a
# page's rows cost several times as much to read.
COLUMNS = (
    "name", "company", "channel", "campaign", "campaign__name", "source_detail", "region",
    "region__name", "region__name_en", "status", "owner", "owner__name", "owner__name_en",
    "created_at", "first_contact_due", "first_contacted_at",
)  # fmt: skip


def for_rows(leads):
    """``leads`` (selectors.lead_list) reading only what the rows show."""
    return leads.select_related(None).select_related("owner", "region", "campaign").only(*COLUMNS)


# The badge colour of a status, as leads/_partials/status_badge.html has it.
STATUS_CSS = {
    Lead.Status.NEW: "text-bg-primary",
    Lead.Status.CONTACTED: "text-bg-info",
    Lead.Status.QUALIFIED: "text-bg-warning",
    Lead.Status.CONVERTED: "text-bg-success",
}


def _deadline(lead: Lead, overdue: bool) -> tuple[str, str]:
    """(which case of leads/_partials/due.html, the date it shows)."""
    if overdue:
        return "overdue", date_text(lead.first_contact_due, "SHORT_DATETIME_FORMAT")
    if lead.first_contacted_at:
        return "contacted", date_text(lead.first_contacted_at, "SHORT_DATETIME_FORMAT")
    if lead.is_open:
        return "open", date_text(lead.first_contact_due, "SHORT_DATETIME_FORMAT")
    return "", ""


def lead_rows(leads: list[Lead]) -> list[dict]:
    if not leads:
        return []
    detail = url_for_pk("leads:detail")
    channels, statuses = labels(Lead._meta.get_field("channel").flatchoices), labels(Lead.Status.choices)
    rows = []
    for lead in leads:
        overdue = lead.is_overdue
        deadline, due = _deadline(lead, overdue)
        rows.append(
            {
                "overdue": overdue,
                "url": detail(lead.pk),
                "name": lead.name,
                "company": lead.company,
                "channel": channels.get(lead.channel, lead.channel),
                "campaign": None if lead.campaign is None else str(lead.campaign),
                "source_detail": lead.source_detail,
                "region": "—" if lead.region is None else str(lead.region),
                "status": statuses.get(lead.status, lead.status),
                "status_css": STATUS_CSS.get(lead.status, "text-bg-secondary"),
                "owner": None if lead.owner is None else str(lead.owner),
                "created": date_text(lead.created_at, "SHORT_DATETIME_FORMAT"),
                "deadline": deadline,
                "due": due,
            }
        )
    return rows
