"""Pages cost two queries whatever the list's size: a count that stops at the cap, and the page."""

from __future__ import annotations

import pytest
from django.db.models import Q

from salescore.core import pagination
from salescore.core.pagination import paginate
from salescore.org.models import Region

pytestmark = pytest.mark.django_db


def _regions():
    return Region.objects.order_by("pk")


def test_a_short_list_counts_exactly_and_clamps_the_page(django_assert_num_queries):
    total = _regions().count()
    with django_assert_num_queries(2):
        page = paginate(_regions(), page=10_000, page_size=10)

    assert page.count_exact and page.count == total
    assert page.number == page.num_pages == -(-total // 10)
    assert page.end_index == total and not page.has_next
    assert paginate(_regions(), page="x", page_size=10).number == 1


def test_past_the_cap_the_count_stops_and_pages_go_on(monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(pagination, "COUNT_CAP", 5)
    total = _regions().count()
    assert total > 12  # the seeded region tree

    with django_assert_num_queries(2):
        first = paginate(_regions(), page=1, page_size=4)
    second = paginate(_regions(), page=2, page_size=4)
    beyond = paginate(_regions(), page=999, page_size=4)

    assert not first.count_exact and first.count == 5 and first.has_next and first.start_index == 1
    assert [r.pk for r in second.items] == [r.pk for r in _regions()[4:8]] and second.has_previous
    assert beyond.number == 1  # past the end of a long list: back to the start, not an empty page


def test_the_page_template_says_more_than(monkeypatch, cast, client_as):
    monkeypatch.setattr(pagination, "COUNT_CAP", 1)
    from salescore.orders.tests.factories import make_customer

    make_customer(cast.rep_a)
    make_customer(cast.rep_a)

    html = client_as(cast.director).get("/customers/", HTTP_ACCEPT_LANGUAGE="en").text

    assert "of more than 1" in html


def test_api_lists_count_up_to_the_cap_and_say_so(monkeypatch, cast, api_as):
    from salescore.orders.tests.factories import make_customer

    monkeypatch.setattr(pagination, "COUNT_CAP", 1)
    for _ in range(4):
        make_customer(cast.rep_a)
    api = api_as(cast.director)

    capped = api.get("/api/v1/customers", {"limit": 2}).json()
    exact = api.get("/api/v1/customers", {"limit": 100}).json()

    assert capped["count"] == 3 and capped["count_exact"] is False and len(capped["items"]) == 2
    assert exact["count_exact"] is True and exact["count"] == len(exact["items"]) >= 4


def test_a_search_is_counted_to_its_own_cap(monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(pagination, "COUNT_CAP", 100)
    monkeypatch.setattr(pagination, "SEARCH_COUNT_CAP", 5)
    total = _regions().count()
    # the mark is on the query: filters, orderings and values made after it keep it
    found = pagination.searched(Region.objects.all(), Q(pk__gt=0)).filter(level__isnull=False).order_by("pk")
    assert pagination.count_cap(found) == 5 and pagination.count_cap(found.values("pk")) == 5
    assert pagination.count_cap(_regions()) == 100

    with django_assert_num_queries(2):
        page = paginate(found, page=2, page_size=4)
    whole = paginate(_regions(), page=1, page_size=4)

    assert not page.count_exact and page.count == 5 and page.has_next
    assert [r.pk for r in page.items] == [r.pk for r in _regions()[4:8]]
    assert whole.count_exact and whole.count == total


def test_every_searched_list_is_marked(cast):
    """Each list's search goes through ``searched``; the same list unsearched counts to COUNT_CAP."""
    from salescore.campaigns.selectors import campaign_list
    from salescore.catalog.selectors import price_list_list, product_list
    from salescore.core.selectors import audit_log_list
    from salescore.customers.selectors import contact_list, customer_list, pool_list
    from salescore.leads.selectors import lead_list
    from salescore.orders.selectors import orders_for, quotes_for
    from salescore.org.selectors import people_list, regions_list
    from salescore.pipeline.selectors import activity_list, opportunity_list
    from salescore.service.selectors import tickets_for

    user = cast.director.user
    lists = {
        "customers": lambda **q: customer_list(user=user, **q),
        "contacts": lambda **q: contact_list(user=user, **q),
        "pool": lambda **q: pool_list(user=user, **q),
        "opportunities": lambda **q: opportunity_list(user=user, **q),
        "activities": lambda **q: activity_list(user=user, **q),
        "orders": lambda **q: orders_for(user, **q),
        "quotes": lambda **q: quotes_for(user, **q),
        "tickets": lambda **q: tickets_for(user=user, **q),
        "leads": lambda **q: lead_list(user=user, **q),
        "audit log": lambda **q: audit_log_list(user=user, **q),
        "products": lambda **q: product_list(**q),
        "price lists": lambda **q: price_list_list(user=user, **q),
        "people": lambda **q: people_list(user=user, **q),
        "regions": lambda **q: regions_list(**q),
        "campaigns": lambda **q: campaign_list(user=user, **q),
    }
    cap = pagination.count_cap
    caps = {name: (cap(find(q="华")), cap(find())) for name, find in lists.items()}

    assert caps == dict.fromkeys(lists, (pagination.SEARCH_COUNT_CAP, pagination.COUNT_CAP))


def test_a_searched_page_and_api_list_say_more_than_the_search_cap(monkeypatch, cast, client_as, api_as):
    from salescore.orders.tests.factories import make_customer

    monkeypatch.setattr(pagination, "SEARCH_COUNT_CAP", 2)
    for n in range(4):
        make_customer(cast.rep_a, name=f"上海搜索计数{n}有限公司")

    html = client_as(cast.director).get("/customers/", {"q": "搜索计数"}, HTTP_ACCEPT_LANGUAGE="en").text
    searched = api_as(cast.director).get("/api/v1/customers", {"q": "搜索计数", "limit": 1}).json()
    whole = api_as(cast.director).get("/api/v1/customers", {"q": "搜索计数", "limit": 10}).json()

    assert "1–4 of 4" not in html and "of more than 2" in html
    # the API counts up to the cap past the page it was asked for
    assert searched["count"] == 3 and searched["count_exact"] is False and len(searched["items"]) == 1
    assert whole["count"] == 4 and whole["count_exact"] is True
