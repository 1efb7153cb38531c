"""The customer list's rows as its table shows them, worked out in one pass over the page.

A row of the table had about twenty template nodes, an include and two ``get_FOO_display`` calls
(each hashes the field's whole choice list again); at 100 rows that was most of the page's time.
Here the labels are translated once per page, the URLs come from one ``reverse``, dates skip the
template filter (``core.formats``) and the tags are read in one query. The table's HTML is the
same (``tests/test_list_html.py`` renders both ways).
"""

from __future__ import annotations

from salescore.core.export import labels
from salescore.core.formats import date_text
from salescore.core.web import url_for_pk
from salescore.customers import selectors
from salescore.customers.models import Customer, Industry, Tier

# The columns the rows show. Read as whole records, a customer and its owner, region and price
# list were most of the cost of reading a page: 100 rows took 7.8 ms, these columns 2.4 ms.
COLUMNS = (
    "name", "kind", "tier", "industry", "updated_at", "owner", "owner__name", "owner__name_en",
    "region", "region__name", "region__name_en",
)  # fmt: skip


def for_rows(customers):
    """``customers`` (selectors.customer_list) reading only what the rows show; the tags are read
    by ``customer_rows`` in one query of their own."""
    return (
        customers.prefetch_related(None).select_related(None).select_related("owner", "region").only(*COLUMNS)
    )


# The badge of a tier, as customers/_partials/tier_badge.html colours it.
TIER_CSS = {"A": "text-bg-danger", "B": "text-bg-warning"}


def customer_rows(customers: list[Customer]) -> list[dict]:
    """One dict per customer; ``customers`` need not have their tags prefetched."""
    if not customers:
        return []
    detail = url_for_pk("customers:detail")
    kinds, tiers, industries = labels(Customer.Kind.choices), labels(Tier.choices), labels(Industry.choices)
    tags = selectors.tag_names([customer.pk for customer in customers])
    return [
        {
            "pk": str(customer.pk),
            "url": detail(customer.pk),
            "name": customer.name,
            "kind": kinds.get(customer.kind, customer.kind)
            if customer.kind == Customer.Kind.INDIVIDUAL
            else "",
            "tier": customer.tier,
            "tier_label": tiers.get(customer.tier, customer.tier),
            "tier_css": TIER_CSS.get(customer.tier, "text-bg-secondary"),
            "industry": industries.get(customer.industry, customer.industry) or "—",
            "region": "—" if customer.region is None else str(customer.region),
            "owner": "—" if customer.owner is None else str(customer.owner),
            "contacts": str(customer.contact_count),
            "tags": tags.get(customer.pk, ()),
            "updated": date_text(customer.updated_at, "SHORT_DATETIME_FORMAT"),
        }
        for customer in customers
    ]
