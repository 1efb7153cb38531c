"""After-sales service in the menu, the work queues and the recycle bin."""

from django.utils.translation import gettext_lazy as _

from salescore.core.navigation import MenuEntry, WorkQueue, register_menu, register_queue
from salescore.core.permissions import Cap
from salescore.core.trash import register_trash
from salescore.service import selectors, services
from salescore.service.models import Ticket

# Customer Service works the tickets; reps and their managers follow their customers' tickets.
TICKET_READERS = (Cap.SERVICE_HANDLE, Cap.PIPELINE_WORK)

register_menu(
    MenuEntry(
        "tickets", _("Service tickets"), "service:tickets", TICKET_READERS, icon="life-preserver", order=12
    )
)
register_menu(
    MenuEntry(
        "return_visits", _("Return visits"), "service:visits", Cap.SERVICE_HANDLE, icon="telephone", order=13
    )
)
register_menu(
    MenuEntry(
        "satisfaction",
        _("Satisfaction"),
        "service:satisfaction",
        (Cap.SERVICE_HANDLE, Cap.PIPELINE_WORK),
        icon="emoji-smile",
        order=14,
    )
)
register_menu(
    MenuEntry(
        "service_config",
        _("Service settings"),
        "service:config",
        Cap.PROCESS_CONFIGURE,
        icon="stopwatch",
        order=42,
    )
)
register_queue(
    WorkQueue(
        key="my_tickets",
        label=_("My open tickets"),
        description=_("After-sales tickets assigned to you, the most urgent first (R3.7)."),
        url_name="service:tickets",
        capability=Cap.SERVICE_HANDLE,
        records=lambda user: selectors.my_queue(user=user),
        query="mine=on&status=open",
    )
)
register_queue(
    WorkQueue(
        key="tickets_breached",
        label=_("Tickets past their SLA"),
        description=_("Open tickets that missed their first-response or resolution time."),
        url_name="service:tickets",
        capability=Cap.SERVICE_HANDLE,
        records=selectors.breached_tickets,
        query="status=open&breached=any",
    )
)
register_queue(
    WorkQueue(
        key="visits_due",
        label=_("Return visits due"),
        description=_("Your planned return visits due today or overdue (回访)."),
        url_name="service:visits",
        capability=Cap.SERVICE_HANDLE,
        records=selectors.my_visits_due,
        query="mine=on&due=due",
    )
)
register_trash(Ticket, restore=services.ticket_restore)
