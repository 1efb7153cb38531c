"""Orders pages: who sees what (404 outside scope, 403 without the capability), and that each
form calls its service and shows refusals on the page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from salescore.orders import services
from salescore.orders.models import Approval, DiscountRule, Order, OrdersPolicy, Quote, Route
from salescore.orders.tests.factories import (
    make_contact,
    make_customer,
    make_opportunity,
    make_order,
    make_product,
    make_quote,
    submitted_order,
)

pytestmark = pytest.mark.django_db


def lines_post(product, quantity="2", discount="", unit_price="", version=""):
    return {
        "line-product": [str(product.pk)],
        "line-quantity": [quantity],
        "line-discount": [discount],
        "line-unit_price": [unit_price],
        "line-tax_rate": [""],
        "line-description": [""],
        "version": version,
    }


# -- quotes --------------------------------------------------------------------------------------


def test_quote_pages_for_owner_lead_and_outsiders(cast, client_as):
    quote = make_quote(cast.rep_a)
    url = reverse("orders:quote_detail", args=[quote.pk])
    for who in (cast.rep_a, cast.lead_a, cast.head, cast.director, cast.clerk):
        response = client_as(who).get(url)
        assert response.status_code == 200, who
        assert quote.number in response.text
    for who in (cast.rep_b, cast.lead_b, cast.rep_a2):
        assert client_as(who).get(url).status_code == 404
    listing = client_as(cast.rep_a).get(reverse("orders:quotes"))
    assert listing.status_code == 200 and quote.number in listing.text
    assert quote.number not in client_as(cast.rep_b).get(reverse("orders:quotes")).text
    assert client_as(cast.keeper).get(reverse("orders:quotes")).status_code == 403


def test_new_quote_from_opportunity_page(cast, client_as):
    opportunity = make_opportunity(cast.rep_a)
    client = client_as(cast.rep_a)
    partial = client.get(reverse("orders:opportunity_quotes", args=[opportunity.pk]))
    assert 'data-testid="new-quote"' in partial.text
    response = client.post(reverse("orders:quote_create", args=[opportunity.pk]))
    quote = Quote.objects.get(opportunity=opportunity)
    assert response.status_code == 302 and response.url == reverse("orders:quote_detail", args=[quote.pk])
    assert (
        client_as(cast.rep_b).post(reverse("orders:quote_create", args=[opportunity.pk])).status_code == 404
    )


def test_line_preview_prices_without_saving(cast, client_as):
    quote = make_quote(cast.rep_a)
    product = make_product()
    response = client_as(cast.rep_a).post(
        reverse("orders:quote_lines_preview", args=[quote.pk]), lines_post(product, "3", discount="8")
    )
    assert response.status_code == 200
    # 3 x 9200.00 = 27600.00 before tax, 13% tax -> 31188.00
    assert "31,188.00" in response.text
    assert "Team lead" in response.text or "组长" in response.text
    quote.refresh_from_db()
    assert quote.lines.get().product_id != product.pk
    bad = client_as(cast.rep_a).post(
        reverse("orders:quote_lines_preview", args=[quote.pk]), lines_post(product, "-1")
    )
    assert "is-invalid" in bad.text
    added = client_as(cast.rep_a).post(
        reverse("orders:quote_lines_preview", args=[quote.pk]), {**lines_post(product), "op": "add"}
    )
    assert added.text.count('data-testid="line-row"') == 2


def test_lines_save_submit_approve_and_order(cast, client_as):
    quote = make_quote(cast.rep_a)
    product = make_product()
    rep = client_as(cast.rep_a)
    response = rep.post(
        reverse("orders:quote_lines", args=[quote.pk]),
        lines_post(product, "2", discount="8", version=quote.version),
    )
    assert response.status_code == 302
    page = rep.get(reverse("orders:quote_detail", args=[quote.pk]))
    assert 'data-testid="needs-approval"' in page.text and str(cast.lead_a.person) in page.text
    quote.refresh_from_db()
    response = rep.post(
        reverse("orders:quote_submit", args=[quote.pk]), {"reason": "大客户", "version": quote.version}
    )
    assert response.status_code == 302
    quote.refresh_from_db()
    assert quote.status == Quote.Status.PENDING
    approval = Approval.objects.get(quote=quote)
    # The requester cannot decide; another team's lead does not see it.
    assert (
        client_as(cast.lead_b)
        .post(reverse("orders:approval_decide", args=[approval.pk]), {"decision": "approve"})
        .status_code
        == 404
    )
    lead = client_as(cast.lead_a)
    queue = lead.get(reverse("orders:approval_queue"))
    assert quote.number in queue.text
    # Rejecting needs a comment: shown beside the field.
    response = lead.post(reverse("orders:approval_decide", args=[approval.pk]), {"decision": "reject"})
    assert response.status_code == 200 and 'data-testid="comment-error"' in response.text
    response = lead.post(
        reverse("orders:approval_decide", args=[approval.pk]),
        {"decision": "approve", f"a{approval.pk}-comment": "ok"},
    )
    assert response.status_code == 302
    quote.refresh_from_db()
    assert quote.status == Quote.Status.APPROVED
    assert quote.number in lead.get(reverse("orders:approval_queue") + "?tab=decided").text
    response = rep.post(reverse("orders:quote_order", args=[quote.pk]))
    order = Order.objects.get(quote=quote)
    assert response.url == reverse("orders:order_detail", args=[order.pk])


def test_quote_submit_errors_shown(cast, client_as):
    quote = make_quote(cast.rep_a)
    Quote.objects.filter(pk=quote.pk).update(valid_until=timezone.localdate() - dt.timedelta(days=1))
    response = client_as(cast.rep_a).post(reverse("orders:quote_submit", args=[quote.pk]), {})
    assert response.status_code == 200
    assert 'data-testid="form-errors"' in response.text


def test_quote_buttons(cast, client_as):
    quote = services.quote_submit(actor=cast.rep_a.user, quote=make_quote(cast.rep_a))
    rep = client_as(cast.rep_a)
    assert rep.post(reverse("orders:quote_mark", args=[quote.pk, "send"])).status_code == 302
    quote.refresh_from_db()
    assert quote.status == Quote.Status.SENT
    response = rep.post(reverse("orders:quote_revise", args=[quote.pk]))
    revision = Quote.objects.get(number=quote.number, revision=2)
    assert response.url == reverse("orders:quote_detail", args=[revision.pk])
    page = rep.get(reverse("orders:quote_detail", args=[revision.pk]))
    assert 'data-testid="previous-revision"' in page.text
    assert 'data-testid="next-revision"' in rep.get(reverse("orders:quote_detail", args=[quote.pk])).text
    rep.post(reverse("orders:quote_duplicate", args=[revision.pk]))
    assert Quote.objects.filter(opportunity=quote.opportunity).count() == 3
    # A refusal comes back as a message on the page.
    response = rep.post(reverse("orders:quote_delete", args=[quote.pk]), follow=True)
    assert Quote.objects.filter(pk=quote.pk).exists()
    assert "alert" in response.text
    assert rep.post(reverse("orders:quote_delete", args=[revision.pk])).status_code == 302
    assert not Quote.objects.filter(pk=revision.pk).exists()


# -- orders --------------------------------------------------------------------------------------


def test_order_visibility(cast, client_as):
    order = make_order(cast.rep_a)
    url = reverse("orders:order_detail", args=[order.pk])
    for who in (cast.rep_a, cast.lead_a, cast.clerk, cast.keeper, cast.cashier, cast.director):
        assert client_as(who).get(url).status_code == 200, who
    for who in (cast.rep_b, cast.lead_b, cast.rep_a2):
        assert client_as(who).get(url).status_code == 404, who
    assert client_as(cast.agent).get(reverse("orders:orders")).status_code == 403
    for who in (cast.keeper, cast.cashier, cast.clerk):
        assert client_as(who).get(reverse("orders:orders")).status_code == 200


def test_order_new_form_and_header_and_submit(cast, client_as):
    customer = make_customer(cast.rep_a, address="上海")
    contact = make_contact(cast.rep_a, customer)
    product = make_product()
    clerk = client_as(cast.clerk)
    assert clerk.get(reverse("orders:order_create")).status_code == 200
    data = {**lines_post(product, "1"), "customer": customer.pk, "owner": cast.rep_a.pk}
    response = clerk.post(reverse("orders:order_create"), data)
    order = Order.objects.get(customer=customer)
    assert response.url == reverse("orders:order_detail", args=[order.pk])
    page = clerk.get(response.url)
    assert 'data-testid="checklist"' in page.text
    response = clerk.post(reverse("orders:order_submit", args=[order.pk]), {"version": order.version})
    assert response.status_code == 200 and 'data-testid="submit-errors"' in response.text
    response = clerk.post(
        reverse("orders:order_header", args=[order.pk]),
        {
            "version": order.version,
            "contact": contact.pk,
            "delivery_address": "上海市",
            "promised_date": (timezone.localdate() + dt.timedelta(days=10)).isoformat(),
            "payment_terms": "net_30",
        },
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert 'data-testid="checklist-ok"' in clerk.get(reverse("orders:order_detail", args=[order.pk])).text
    assert (
        clerk.post(reverse("orders:order_submit", args=[order.pk]), {"version": order.version}).status_code
        == 302
    )
    order.refresh_from_db()
    assert order.status == Order.Status.SUBMITTED and order.number


def test_order_new_form_line_errors(cast, client_as):
    customer = make_customer(cast.rep_a)
    product = make_product()
    response = client_as(cast.clerk).post(
        reverse("orders:order_create"), {**lines_post(product, "0"), "customer": customer.pk}
    )
    assert response.status_code == 200 and "is-invalid" in response.text
    assert not Order.objects.filter(customer=customer).exists()


def test_fulfilment_and_collection(cast, client_as):
    order = submitted_order(cast.rep_a)
    line = order.lines.get()
    clerk, keeper, cashier = client_as(cast.clerk), client_as(cast.keeper), client_as(cast.cashier)
    assert keeper.post(reverse("orders:order_confirm", args=[order.pk])).status_code == 403
    clerk.post(reverse("orders:order_confirm", args=[order.pk]))
    order.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED
    too_many = keeper.post(reverse("orders:shipment_create", args=[order.pk]), {f"quantities.{line.pk}": "5"})
    assert too_many.status_code == 200 and "invalid-feedback" in too_many.text
    keeper.post(
        reverse("orders:shipment_create", args=[order.pk]),
        {f"quantities.{line.pk}": "2", "carrier": "顺丰", "tracking_no": "SF1"},
    )
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
    shipment = order.shipments.get()
    keeper.post(reverse("orders:shipment_deliver", args=[order.pk, shipment.pk]), {})
    order.refresh_from_db()
    assert order.status == Order.Status.DELIVERED
    # Finance: the plan must add up, then payments; a reversal needs a reason.
    total = order.total
    half = (total / 2).quantize(Decimal("0.01"))
    today = timezone.localdate()
    bad = cashier.post(
        reverse("orders:plan_save", args=[order.pk]),
        {"plan-due_date": [today.isoformat()], "plan-amount": ["1.00"]},
    )
    assert 'data-testid="plan-errors"' in bad.text
    cashier.post(
        reverse("orders:plan_save", args=[order.pk]),
        {
            "plan-due_date": [
                (today - dt.timedelta(days=5)).isoformat(),
                (today + dt.timedelta(days=5)).isoformat(),
            ],
            "plan-amount": [str(half), str(total - half)],
        },
    )
    assert order.instalments.count() == 2
    cashier.post(
        reverse("orders:payment_create", args=[order.pk]), {"amount": "100.00", "method": "bank_transfer"}
    )
    payment = order.payments.get()
    response = cashier.post(reverse("orders:payment_reverse", args=[order.pk, payment.pk]), {"reason": ""})
    assert response.status_code == 200
    cashier.post(reverse("orders:payment_reverse", args=[order.pk, payment.pk]), {"reason": "录错"})
    assert not order.payments.exists()
    over = cashier.post(
        reverse("orders:payment_create", args=[order.pk]),
        {"amount": str(total + 1), "method": "bank_transfer"},
    )
    assert over.status_code == 200 and "is-invalid" in over.text
    cashier.post(reverse("orders:payment_create", args=[order.pk]), {"amount": str(total), "method": "cash"})
    order.refresh_from_db()
    assert order.status == Order.Status.CLOSED


def test_cancel_needs_reason(cast, client_as):
    order = submitted_order(cast.rep_a)
    rep = client_as(cast.rep_a)
    response = rep.post(reverse("orders:order_cancel", args=[order.pk]), {"reason": ""})
    assert response.status_code == 200 and "is-invalid" in response.text
    rep.post(reverse("orders:order_cancel", args=[order.pk]), {"reason": "客户取消"})
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED


def test_receivables_and_late_pages(cast, client_as):
    order = submitted_order(cast.rep_a)
    for who in (cast.rep_a, cast.clerk, cast.cashier, cast.director):
        response = client_as(who).get(reverse("orders:receivables") + "?by=owner")
        assert response.status_code == 200
        assert str(order.owner) in response.text
    assert str(order.owner) not in client_as(cast.rep_b).get(reverse("orders:receivables")).text
    assert client_as(cast.keeper).get(reverse("orders:receivables")).status_code == 403
    Order.objects.filter(pk=order.pk).update(promised_date=timezone.localdate() - dt.timedelta(days=1))
    late = client_as(cast.clerk).get(reverse("orders:orders") + "?delivery=late")
    assert order.number in late.text and 'data-testid="late"' in late.text


def test_menu_and_queue(cast, client_as):
    home = client_as(cast.keeper).get(reverse("core:home"))
    assert reverse("orders:orders") in home.text
    assert reverse("orders:quotes") not in home.text
    assert reverse("orders:approval_queue") in client_as(cast.lead_a).get(reverse("core:home")).text


# -- configuration -------------------------------------------------------------------------------


def test_config_pages_need_process_configure(cast, client_as):
    for name in ("orders:config_authority", "orders:config_routes", "orders:config_policy"):
        assert client_as(cast.admin).get(reverse(name)).status_code == 200
        assert client_as(cast.lead_a).get(reverse(name)).status_code == 403


def test_config_edits(cast, client_as):
    admin = client_as(cast.admin)
    rule = DiscountRule.objects.get(position="rep", category__isnull=True, customer_tier="")
    response = admin.post(
        reverse("orders:config_rule_save", args=[rule.pk]),
        {f"r{rule.pk}-position": "rep", f"r{rule.pk}-max_discount": "6", f"r{rule.pk}-version": rule.version},
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.max_discount == Decimal("6")
    duplicate = admin.post(
        reverse("orders:config_rule_create"), {"new-position": "rep", "new-max_discount": "7"}
    )
    assert (
        duplicate.status_code == 200
        and "form-errors" in duplicate.text
        or "invalid-feedback" in duplicate.text
    )
    admin.post(reverse("orders:config_rule_delete", args=[rule.pk]))
    assert not DiscountRule.objects.filter(pk=rule.pk).exists()
    no_target = admin.post(reverse("orders:config_route_create"), {"new-event": "late"})
    assert no_target.status_code == 200 and "invalid-feedback" in no_target.text
    admin.post(
        reverse("orders:config_route_create"),
        {"new-event": "late", "new-email": "ops@example.com", "new-active": "on"},
    )
    assert Route.objects.filter(email="ops@example.com").exists()
    admin.post(
        reverse("orders:config_policy"),
        {
            "quote_validity_days": "45",
            "late_risk_days": "3",
            "remind_before_days": "7",
            "remind_after_days": "7",
            "default_tax_rate": "9",
        },
    )
    assert OrdersPolicy.current().quote_validity_days == 45


def test_order_page_shows_shipments_in_a_fixed_number_of_queries(cast, client_as):
    """The shipments' lines point at the order lines the page has read: one more shipment, or
    one more line in it, costs no query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    order = submitted_order(cast.rep_a)
    line = order.lines.select_related("product").get()
    clerk, keeper = client_as(cast.clerk), client_as(cast.keeper)
    clerk.post(reverse("orders:order_confirm", args=[order.pk]))
    url = reverse("orders:order_detail", args=[order.pk])
    counts = []
    for tracking in ("SF1", "SF2"):
        keeper.post(
            reverse("orders:shipment_create", args=[order.pk]),
            {f"quantities.{line.pk}": "1", "carrier": "顺丰", "tracking_no": tracking},
        )
        with CaptureQueriesContext(connection) as seen:
            page = keeper.get(url)
        assert page.status_code == 200
        counts.append(len(seen.captured_queries))
        # the order lines (with their products) are read once, for the lines and the shipments
        sql = [query["sql"] for query in seen.captured_queries]
        assert sum('FROM "orders_orderline"' in text for text in sql) == 1
        assert not any('FROM "catalog_product"' in text for text in sql)
    assert order.shipments.count() == 2
    assert counts[0] == counts[1]
    # the session, the user, the policy, the order, its lines, the plan with its money, the
    # shipments and their lines, the payments, the header form's contacts
    assert counts[0] <= 10, counts
    assert page.text.count(f"{line.product} × 1") == 2


def test_the_plan_and_the_money_are_one_query(cast, client_as):
    """The order page reads the instalments and their window sums together; the sums equal those
    added up apart (and are zero for an order without a plan)."""
    import datetime as dt
    from decimal import Decimal

    from django.db.models import F, Sum

    from salescore.orders import selectors

    order = submitted_order(cast.rep_a)
    rows, money = selectors.order_instalments(order)
    assert rows == [] or money["planned"] == sum(row.amount for row in rows)
    order.instalments.all().delete()
    rows, money = selectors.order_instalments(order)
    assert rows == [] and money == {
        "planned": Decimal("0.00"),
        "received": Decimal("0.00"),
        "overdue": Decimal("0.00"),
        "outstanding": order.total,
    }
    today = dt.date(2026, 6, 15)
    for seq, (due, amount, received) in enumerate(
        [
            (dt.date(2026, 5, 1), "100.10", "40.05"),
            (dt.date(2026, 6, 1), "200.20", "0"),
            (dt.date(2026, 7, 1), "0.03", "0"),
        ],
        start=1,
    ):
        order.instalments.create(seq=seq, due_date=due, amount=Decimal(amount), received=Decimal(received))
    rows, money = selectors.order_instalments(order, today=today)
    assert [row.seq for row in rows] == [1, 2, 3]
    sums = order.instalments.aggregate(planned=Sum("amount"), received=Sum("received"))
    overdue = order.instalments.filter(due_date__lt=today).aggregate(owed=Sum(F("amount") - F("received")))
    assert money == {
        "planned": sums["planned"],
        "received": sums["received"],
        "overdue": overdue["owed"],
        "outstanding": order.total - sums["received"],
    }
    assert money["planned"] == Decimal("300.33") and money["overdue"] == Decimal("260.25")
    assert all(isinstance(value, Decimal) for value in money.values())
    assert selectors.order_money(order, today=today) == money
