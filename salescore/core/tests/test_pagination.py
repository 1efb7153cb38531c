"""Pages cost two queries whatever the list's size: a count that stops at the cap, and the page."""

from __future__ import annotations

import pytest

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
