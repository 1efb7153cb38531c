"""The organisation's menu entries, work queues and recycle-bin entries."""

from django.utils.translation import gettext_lazy as _

from salescore.core.navigation import MenuEntry, WorkQueue, register_menu, register_queue
from salescore.core.permissions import Cap
from salescore.core.trash import register_trash
from salescore.org import selectors, services
from salescore.org.models import OrgUnit, Person, Region

register_menu(MenuEntry("org", _("Organisation"), "org:tree", Cap.ORG_VIEW, icon="diagram-3", order=10))
register_menu(MenuEntry("people", _("People"), "org:people", Cap.PEOPLE_VIEW, icon="people", order=20))
register_menu(MenuEntry("regions", _("Regions"), "org:regions", Cap.ORG_VIEW, icon="geo-alt", order=30))

register_queue(
    WorkQueue(
        key="people_without_region",
        label=_("People without a sales region"),
        description=_("Assign each active person the regions they cover (R3.9)."),
        url_name="org:people",
        capability=Cap.PEOPLE_MANAGE,
        records=selectors.people_without_region,
        query="no_region=1",
    )
)
register_queue(
    WorkQueue(
        key="departures_due",
        label=_("Departures in the next 30 days"),
        description=_("Hand over their customers before their login closes."),
        url_name="org:people",
        capability=Cap.PEOPLE_VIEW,
        records=selectors.departures_due,
        query="leaving=30",
    )
)

register_trash(OrgUnit, restore=services.org_unit_restore, capability=Cap.ORG_MANAGE)
register_trash(Person, restore=services.person_restore)
register_trash(Region, restore=services.region_restore, capability=Cap.ORG_MANAGE)
