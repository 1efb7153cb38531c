"""Leads in the menu, the work queues and the recycle bin."""

from django.utils.translation import gettext_lazy as _

from salescore.core.navigation import MenuEntry, WorkQueue, register_menu, register_queue
from salescore.core.permissions import Cap
from salescore.core.trash import register_trash
from salescore.leads import selectors, services
from salescore.leads.models import Lead

register_menu(MenuEntry("leads", _("Leads"), "leads:list", Cap.LEADS_CREATE, icon="funnel", order=4))
register_queue(
    WorkQueue(
        key="leads_overdue",
        label=_("My leads past the first-contact deadline"),
        description=_("New leads must be contacted in time (R3.2)."),
        url_name="leads:list",
        capability=Cap.PIPELINE_WORK,
        records=selectors.my_overdue_leads,
        query="overdue=1&mine=1",
    )
)
register_queue(
    WorkQueue(
        key="leads_new",
        label=_("My new leads to contact"),
        description=_("Leads assigned to you that nobody has contacted yet."),
        url_name="leads:list",
        capability=Cap.PIPELINE_WORK,
        records=selectors.my_new_leads,
        query="status=new&mine=1",
    )
)
register_queue(
    WorkQueue(
        key="leads_unassigned",
        label=_("Unassigned leads"),
        description=_("No rule matched them: give each to a rep."),
        url_name="leads:list",
        capability=Cap.LEADS_ASSIGN,
        records=selectors.unassigned_leads,
        query="unassigned=1",
    )
)
register_trash(Lead, restore=services.lead_restore)
