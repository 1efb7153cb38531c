"""The demo's quotes and orders load through the orders services: every status, a request waiting
for the East China team lead, a revision, a late and an at-risk order, money received and overdue."""

from __future__ import annotations

from django.db.models import Count
from django.utils import timezone

from salescore.core.models import Notification
from salescore.demo import company, customers, orders, pipeline
from salescore.orders import selectors
from salescore.orders.models import Approval, Instalment, Order, Payment, Quote
from salescore.org.models import Person


def test_the_demo_quotes_and_orders(db):
    # Given the organisation, customers and sales history
    company.load()
    customers.load(count=80)
    pipeline.load()
    assert not orders.is_loaded()

    # When the orders part loads
    made = orders.load()

    # Then the warehouse and finance desks have logins
    assert orders.is_loaded()
    desks = dict(
        Person.objects.filter(user__username__in=["warehouse", "finance"]).values_list(
            "user__username", "position"
        )
    )
    assert desks == {"warehouse": "warehouse", "finance": "finance"}
    assert {"warehouse", "finance"} <= {login.username for login in company.demo_logins()}

    # quotes in every status, one waiting for lead.east, one revision chain
    quotes = dict(Quote.objects.values_list("status").annotate(n=Count("pk")))
    assert set(quotes) == set(Quote.Status.values), quotes
    assert made["quotes"] == sum(quotes.values())
    waiting = Approval.objects.get(status="pending")
    assert waiting.approver.user.username == "lead.east"
    revised = Quote.objects.get(revision=2)
    assert revised.previous.status == "superseded" and revised.status == "sent"

    # orders in every status, numbered gap-free in the order they were submitted
    per_status = dict(Order.objects.values_list("status").annotate(n=Count("pk")))
    assert set(per_status) == set(Order.Status.values), per_status
    assert all(n > 0 for n in per_status.values())
    numbered = list(
        Order.objects.exclude(number=None).order_by("submitted_at").values_list("number", flat=True)
    )
    assert [int(n[-6:]) for n in sorted(numbered)] == list(range(1, len(numbered) + 1))
    assert numbered == sorted(numbered)

    # one late and one at risk; money received, some overdue
    director = Person.objects.get(user__username="director").user
    assert selectors.orders_for(director, delivery="late").count() >= 1
    assert selectors.orders_for(director, delivery="at_risk").count() == 1
    assert Payment.objects.count() >= 4
    today = timezone.localdate()
    overdue = [i for i in Instalment.objects.filter(due_date__lt=today) if i.received < i.amount]
    assert len(overdue) >= 2
    assert Notification.objects.filter(kind="order_late").exists()
    assert Notification.objects.filter(kind="payment_overdue").exists()
    assert Notification.objects.filter(recipient__username="lead.east", kind="quote_approval").exists()
