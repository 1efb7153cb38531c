"""The order list renders the same HTML as before its rows were worked out in Python
(core/tests/legacy_templates: the table as it was), for a rep and the director, in both languages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from salescore.core.tests.legacy import assert_same_as_legacy
from salescore.orders.models import Order
from salescore.orders.tests.factories import make_customer, make_order, submitted_order


@pytest.fixture
def varied(cast):
    today = timezone.localdate()
    customer = make_customer(cast.rep_a, name="Ann & <Bob> 有限公司", address="上海市浦东新区张江路1号")
    make_order(cast.rep_a, customer=customer, customer_po="PO <7>")
    make_order(cast.rep_a, complete=False)
    late = submitted_order(cast.rep_a)
    Order.objects.filter(pk=late.pk).update(promised_date=today - dt.timedelta(days=1))
    risky = submitted_order(cast.rep_a)
    Order.objects.filter(pk=risky.pk).update(promised_date=today + dt.timedelta(days=1))
    for status in (Order.Status.DELIVERED, Order.Status.CANCELLED, Order.Status.CLOSED):
        order = submitted_order(cast.rep_a)
        Order.objects.filter(pk=order.pk).update(status=status, currency="USD")
    submitted_order(cast.rep_b)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("who", ["rep_a", "director"])
@pytest.mark.parametrize(
    "url", ["/orders/", "/orders/?page_size=3&page=2", "/orders/?delivery=late", "/orders/?q=nothing-matches"]
)
def test_order_list_renders_as_before(cast, client_as, varied, who, language, url):
    client = client_as(getattr(cast, who))
    client.cookies["salescore_language"] = language
    html = assert_same_as_legacy(client, url)
    assert 'data-testid="order-table"' in html


def test_order_table_fragment_renders_as_before(cast, client_as, varied):
    html = assert_same_as_legacy(client_as(cast.rep_a), "/orders/", HTTP_HX_REQUEST="true")
    shown = ['data-testid="late"', 'data-testid="at-risk"', "text-bg-light border", "text-bg-success"]
    for text in [*shown, "text-bg-secondary", "text-bg-primary", "PO &lt;7&gt;", "—"]:
        assert text in html, text


@pytest.mark.parametrize("who", ["rep_a", "director"])
def test_order_list_runs_a_fixed_number_of_queries(cast, client_as, django_assert_num_queries, who):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as(getattr(cast, who))
    submitted_order(cast.rep_a)
    client.get("/orders/")
    with CaptureQueriesContext(connection) as ctx:
        client.get("/orders/")
    for _ in range(4):  # rows with other customers, owners' records and statuses
        submitted_order(cast.rep_a)
    make_order(cast.rep_a, customer_po="PO-9")
    with django_assert_num_queries(len(ctx)):
        response = client.get("/orders/")
    assert len(response.context["rows"]) >= 6
