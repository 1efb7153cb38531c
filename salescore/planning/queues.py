"""Targets, the dashboard, plans, reports and market sizes in the menu; revisions and plans to
decide and the team lead's weekly report in the work queues; targets in the recycle bin."""

from django.utils.translation import gettext_lazy as _

from salescore.core.navigation import MenuEntry, WorkQueue, register_menu, register_queue
from salescore.core.permissions import Cap
from salescore.core.trash import register_trash
from salescore.planning import selectors, services
from salescore.planning.models import Target

# Everyone who sells or manages sellers sees the targets their scope allows.
TARGET_PEOPLE = (Cap.TARGETS_MANAGE, Cap.PIPELINE_WORK)

register_menu(
    MenuEntry("targets", _("Targets"), "planning:targets", TARGET_PEOPLE, icon="bullseye", order=12)
)
register_menu(
    MenuEntry(
        "sales_dashboard",
        _("Sales dashboard"),
        "planning:dashboard",
        Cap.TARGETS_MANAGE,
        icon="bar-chart-line",
        order=13,
    )
)
register_menu(
    MenuEntry("plans", _("Sales plans"), "planning:plans", Cap.TARGETS_MANAGE, icon="journal-text", order=14)
)
register_menu(
    MenuEntry(
        "progress_reports",
        _("Progress reports"),
        "planning:my_reports",
        Cap.TARGETS_MANAGE,
        icon="clipboard-data",
        order=15,
    )
)
register_menu(
    MenuEntry(
        "market_sizes",
        _("Market sizes"),
        "planning:market_sizes",
        (Cap.MARKET_RESEARCH, Cap.TARGETS_MANAGE),
        icon="globe2",
        order=16,
    )
)
register_queue(
    WorkQueue(
        key="target_revisions",
        label=_("Target revisions to decide"),
        description=_("Changes of targets asked for below you, waiting for your approval (R2.5)."),
        url_name="planning:revisions",
        capability=Cap.TARGETS_MANAGE,
        records=selectors.revisions_to_decide,
    )
)
register_queue(
    WorkQueue(
        key="plans_to_approve",
        label=_("Sales plans to approve"),
        description=_("Plans submitted by the level below you (R2.2)."),
        url_name="planning:plans",
        capability=Cap.TARGETS_MANAGE,
        records=selectors.plans_to_decide,
        query="status=submitted",
    )
)
register_queue(
    WorkQueue(
        key="report_due",
        label=_("Weekly report due"),
        description=_("Your team's report on last week for Sales Management (R2.4)."),
        url_name="planning:my_reports",
        capability=Cap.TARGETS_MANAGE,
        records=selectors.weekly_report_due,
    )
)
register_trash(Target, restore=services.target_restore)
