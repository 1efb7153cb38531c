"""The sales process in the menu, the work queues and the recycle bin."""

from django.utils.translation import gettext_lazy as _

from salescore.core.navigation import MenuEntry, WorkQueue, register_menu, register_queue
from salescore.core.permissions import Cap
from salescore.core.trash import register_trash
from salescore.pipeline import selectors, services
from salescore.pipeline.models import Activity, Opportunity

register_menu(MenuEntry("pipeline", _("Pipeline"), "pipeline:board", Cap.ORG_VIEW, icon="kanban", order=6))
register_menu(
    MenuEntry("activities", _("Activities"), "pipeline:activities", Cap.ORG_VIEW, icon="chat-dots", order=7)
)
register_queue(
    WorkQueue(
        key="followups_due",
        label=_("Follow-ups due"),
        description=_("Next steps you promised customers, due today or overdue (R3.2)."),
        url_name="pipeline:activities",
        capability=Cap.PIPELINE_WORK,
        records=selectors.followups_due,
        query=selectors.FOLLOWUPS_DUE_QUERY,
    )
)
register_trash(Opportunity, restore=services.opportunity_restore)
register_trash(Activity, restore=services.activity_restore)
register_menu(
    MenuEntry(
        "process",
        _("Sales process"),
        "pipeline_config:stages",
        Cap.PROCESS_CONFIGURE,
        icon="sliders",
        order=40,
    )
)
