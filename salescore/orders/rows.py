"""The order list's rows as its table shows them, worked out in one pass over the page.

A row had an include (the status badge), ``get_status_display`` (which hashes the choice list
again for every row), template filters for money and dates and a ``{% url %}``. Here the labels are
translated once per page, the links come from one ``reverse``, amounts and dates are formatted in
Python (``core.money``, ``core.formats``). The table's HTML is the same
(``tests/test_list_html.py`` renders both ways).
"""

from __future__ import annotations

from salescore.core.export import labels
from salescore.core.formats import date_text
from salescore.core.templatetags.salescore import money
from salescore.core.web import url_for_pk
from salescore.orders.models import Order

# The columns the rows show: read as whole records with their customer, owner and quote, a
# page's rows cost several times as much to read.
COLUMNS = (
    "number", "status", "customer_po", "customer", "customer__name", "total", "currency",
    "promised_date", "owner", "owner__name", "owner__name_en", "updated_at",
)  # fmt: skip


def for_rows(orders):
    """``orders`` (selectors.orders_for) reading only what the rows show."""
    return orders.select_related(None).select_related("customer", "owner").only(*COLUMNS)


# The badge colour of a status, as orders/_partials/order_status.html has it.
STATUS_CSS = {
    Order.Status.CLOSED: "text-bg-success",
    Order.Status.DELIVERED: "text-bg-success",
    Order.Status.CANCELLED: "text-bg-secondary",
    Order.Status.DRAFT: "text-bg-light border",
}


def order_rows(orders: list[Order]) -> list[dict]:
    """One dict per order; ``orders`` carry the ``delivery`` flag (selectors.orders_for)."""
    if not orders:
        return []
    detail = url_for_pk("orders:order_detail")
    statuses = labels(Order.Status.choices)
    return [
        {
            "url": detail(order.pk),
            "name": str(order),
            "po": order.customer_po,
            "customer": order.customer.name,
            "status": statuses.get(order.status, order.status),
            "status_css": STATUS_CSS.get(order.status, "text-bg-primary"),
            "delivery": getattr(order, "delivery", None),
            "total": money(order.total, order.currency),
            "promised": date_text(order.promised_date, "DATE_FORMAT") or "—",
            "owner": str(order.owner),
            "updated": date_text(order.updated_at, "DATETIME_FORMAT"),
        }
        for order in orders
    ]
