"""The demo company's sales history loads through the services and looks like six months of work.

One test, because loading takes a few seconds: the organisation, half the demo customers, then the
catalogue, scripts, opportunities and activities."""

from __future__ import annotations

import datetime as dt
from io import StringIO

from django.core.management import call_command
from django.db.models import Count, Max, Min
from django.utils import timezone

from salescore.catalog.models import Category, Feature, Product
from salescore.customers.models import Channel, Customer
from salescore.demo import company, customers, pipeline
from salescore.pipeline.models import Activity, Opportunity, Script, Stage, StageChange


def test_the_demo_sales_history(db):
    # Given the demo organisation and customers
    company.load()
    customers.load(count=120)
    assert not pipeline.is_loaded()

    # When the sales part of the demo loads
    made = pipeline.load()

    # Then there is a catalogue, and a standard script with a checklist for every open stage
    assert pipeline.is_loaded()
    assert (Category.objects.count(), Feature.objects.count()) == (5, 12)
    assert Product.objects.filter(active=True).count() >= 15
    mill = Product.objects.get(code="XH-5AX-800")
    assert (mill.name, mill.list_price, mill.price_floor, mill.currency) == (
        "五轴联动加工中心",
        1280000,
        1050000,
        "CNY",
    )
    for stage in Stage.objects.filter(is_won=False, is_lost=False):
        assert len(Script.objects.get(stage=stage, product__isnull=True).checklist_items) >= 3
    assert Script.objects.filter(product__isnull=False).count() == 2

    # opportunities in every stage, each meeting what its stage demanded on the way in
    per_stage = dict(Opportunity.objects.values_list("stage__code").annotate(n=Count("pk")))
    assert set(per_stage) == set(Stage.objects.values_list("code", flat=True)), per_stage
    assert made["opportunities"] == Opportunity.objects.count() >= 50
    for opportunity in Opportunity.objects.filter(stage__code__in=["order", "won"]):
        assert opportunity.amount > 0 and opportunity.expected_close_date is not None
        assert opportunity.products.exists() and opportunity.needs.needs and opportunity.contacts.exists()
    assert not Opportunity.objects.filter(stage__is_lost=True, loss_reason="").exists()
    assert not Opportunity.objects.filter(stage__is_won=True, closed_at__isnull=True).exists()

    # a history spread over six months, with real time in stage
    now = timezone.now()
    span = StageChange.objects.aggregate(first=Min("at"), last=Max("at"))
    assert now - dt.timedelta(days=190) < span["first"] < now - dt.timedelta(days=120)
    assert now - dt.timedelta(days=20) < span["last"] <= now
    assert not StageChange.objects.filter(from_stage__isnull=False, seconds_in_previous__lt=3600).exists()
    for opportunity in Opportunity.objects.prefetch_related("stage_changes")[:40]:
        changes = list(opportunity.stage_changes.all())
        assert changes[0].at == opportunity.created_at
        assert (changes[-1].to_stage_id, changes[-1].at) == (
            opportunity.stage_id,
            opportunity.stage_entered_at,
        )

    # touches on every channel, visits with their place, follow-ups done, due and overdue
    channels = set(Activity.objects.values_list("channel", flat=True))
    assert {Channel.PHONE, Channel.EMAIL, Channel.ONLINE, Channel.OFFLINE_EVENT, Channel.VISIT} <= channels
    visits = Activity.objects.filter(channel=Channel.VISIT)
    assert not visits.filter(location="").exists() and visits.filter(latitude__isnull=False).exists()
    assert not Activity.objects.filter(occurred_at__gt=now).exists()
    today = timezone.localdate()
    open_steps = Activity.objects.filter(next_step_due__isnull=False, next_step_done=False)
    assert open_steps.filter(next_step_due__lt=today).exists()
    assert open_steps.filter(next_step_due__gte=today).exists()
    assert Activity.objects.filter(next_step_done=True).exists()
    customer = Customer.objects.filter(activities__isnull=False).first()
    assert customer.last_contact_at == customer.activities.aggregate(last=Max("occurred_at"))["last"]

    # and load_demo keeps it as it is
    products, scripts = Product.all_objects.count(), Script.all_objects.count()
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "Catalogue and opportunities already present" in out.getvalue()
    assert (Product.all_objects.count(), Script.all_objects.count()) == (products, scripts)
