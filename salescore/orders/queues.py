"""Quotes, orders, approvals and receivables in the menu, the work queues and the recycle bin."""

from django.utils.translation import gettext_lazy as _

from salescore.core.navigation import MenuEntry, WorkQueue, register_menu, register_queue
from salescore.core.permissions import Cap
from salescore.core.trash import register_trash
from salescore.orders import selectors, services
from salescore.orders.models import Order, Quote

# Everyone who works with orders: reps see their own, the desks (order, warehouse, finance) all.
ORDER_PEOPLE = (Cap.QUOTES_WORK, Cap.ORDERS_PROCESS, Cap.ORDERS_FULFIL, Cap.PAYMENTS_RECORD)
APPROVERS = (Cap.QUOTES_WORK, Cap.PEOPLE_EXPORT)  # sales people and every manager

register_menu(
    MenuEntry("quotes", _("Quotes"), "orders:quotes", Cap.QUOTES_WORK, icon="file-earmark-text", order=8)
)
register_menu(MenuEntry("orders", _("Orders"), "orders:orders", ORDER_PEOPLE, icon="receipt", order=9))
register_menu(
    MenuEntry(
        "approvals",
        _("Discount approvals"),
        "orders:approval_queue",
        APPROVERS,
        icon="check2-square",
        order=10,
    )
)
register_menu(
    MenuEntry(
        "receivables",
        _("Receivables"),
        "orders:receivables",
        (Cap.QUOTES_WORK, Cap.ORDERS_PROCESS, Cap.PAYMENTS_RECORD),
        icon="cash-coin",
        order=11,
    )
)
register_menu(
    MenuEntry(
        "orders_config",
        _("Orders settings"),
        "orders:config_authority",
        Cap.PROCESS_CONFIGURE,
        icon="percent",
        order=41,
    )
)
register_queue(
    WorkQueue(
        key="quote_approvals",
        label=_("Discount approvals"),
        description=_("Quotes waiting for your decision on their discount (R3.9)."),
        url_name="orders:approval_queue",
        capability=APPROVERS,
        records=selectors.approvals_for,
    )
)
register_queue(
    WorkQueue(
        key="late_deliveries",
        label=_("Late deliveries"),
        description=_("Orders past their promised delivery date (R3.6)."),
        url_name="orders:orders",
        capability=ORDER_PEOPLE,
        records=selectors.late_deliveries,
        query="delivery=late",
    )
)
register_trash(Quote, restore=services.quote_restore)
register_trash(Order, restore=services.order_restore)
