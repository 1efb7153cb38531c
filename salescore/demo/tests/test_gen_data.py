"""gen_data builds a whole company in bulk, and the result holds together as if the services had
written it: keys, totals, numbers, owners, logins, dates, pipeline criteria and planning figures."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import defaultdict
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count, F, Sum
from django.test import TestCase, override_settings
from django.utils import timezone

from salescore.core.models import Sequence
from salescore.core.permissions import Position, Scope, access_for, scope_queryset
from salescore.core.sequences import next_number
from salescore.customers import search
from salescore.customers.identity import credit_code_problem, name_key, normalize_phone
from salescore.customers.models import Contact, Customer, PoolMove
from salescore.customers.selectors import customer_list
from salescore.demo.company import DEMO_PASSWORD
from salescore.leads.models import Lead
from salescore.orders import services as orders
from salescore.orders.models import Allocation, Instalment, Order, OrderLine, Payment, ShipmentLine
from salescore.orders.pricing import document_totals, price_line
from salescore.org.models import OrgUnit, Person
from salescore.pipeline.gates import missing_criteria
from salescore.pipeline.models import Activity, Opportunity, StageChange
from salescore.planning import selectors as planning
from salescore.planning.models import Target
from salescore.service.models import Ticket

# Small by default; GEN_DATA_TEST_CUSTOMERS=2000 runs the same checks on a bigger company. 200, not
# fewer: 4 % of customers are in the pool and the draws follow the day of the run, so 60 customers
# had none on about one day in ten (0.96 ** 60), and the pool's checks failed that day.
CUSTOMERS = int(os.environ.get("GEN_DATA_TEST_CUSTOMERS", "200"))


def generate(*extra: str) -> str:
    out = StringIO()
    call_command(
        "gen_data", "--customers", str(CUSTOMERS), "--seed", "7", "--manifest", "-", *extra, stdout=out
    )
    return out.getvalue()


class GeneratedCompanyTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        # The suite's fast hasher (conftest) is not active yet while the class data is made.
        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            cls.output = generate()
        cls.now = timezone.now()

    def test_counts_follow_the_plan(self):
        assert Customer.all_objects.count() == CUSTOMERS
        per_customer = {
            "contacts": (Contact, 1.2, 2.2),
            "opportunities": (Opportunity, 1.8, 4.5),
            "activities": (Activity, 6, 15),
        }
        for label, (model, low, high) in per_customer.items():
            assert low * CUSTOMERS <= model.all_objects.count() <= high * CUSTOMERS, label
        assert Order.all_objects.count() == 2 * CUSTOMERS  # spread over the days exactly
        lines = dict(OrderLine.objects.values_list("order").annotate(n=Count("pk")))
        assert set(lines.values()) <= {1, 2, 3, 4} and len(lines) == 2 * CUSTOMERS
        assert round(0.1 * CUSTOMERS) <= Lead.all_objects.count() <= 0.2 * CUSTOMERS
        assert Ticket.all_objects.count() >= 1
        # 200 reps in 20 sales teams, each with its lead; a director and section heads.
        reps = Person.objects.filter(position=Position.REP)
        assert reps.count() == 200
        teams = OrgUnit.objects.filter(kind=OrgUnit.Kind.TEAM, duty="sales_management")
        assert teams.count() == 20
        assert {r.org_unit_id for r in reps} == {t.pk for t in teams}
        assert Person.objects.filter(position=Position.TEAM_LEAD, org_unit__in=teams).count() == 20
        assert Person.objects.filter(position=Position.DIRECTOR).count() == 1
        assert all(unit.path.startswith(unit.parent.path) for unit in OrgUnit.objects.exclude(parent=None))
        # The report and the manifest line.
        assert "customers_customer" in self.output and "Total:" in self.output
        manifest = json.loads(self.output.split("MANIFEST ", 1)[1])
        assert manifest["customers"] == CUSTOMERS
        assert manifest["counts"]["orders_order"] == 2 * CUSTOMERS

    def test_every_order_adds_up_as_the_services_price_it(self):
        for order in Order.objects.prefetch_related("lines__product", "instalments", "payments"):
            lines = list(order.lines.all())
            for line in lines:
                priced = price_line(
                    list_price=line.list_price,
                    quantity=line.quantity,
                    tax_rate=line.tax_rate,
                    discount=line.discount,
                )
                assert (line.unit_price, line.net_amount, line.tax_amount, line.total) == (
                    priced.unit_price,
                    priced.net_amount,
                    priced.tax_amount,
                    priced.total,
                ), line
                assert line.unit_price >= line.product.price_floor
            totals = document_totals(lines)
            assert (
                order.list_total,
                order.discount_total,
                order.net_total,
                order.tax_total,
                order.total,
            ) == (
                totals.list_total,
                totals.discount_total,
                totals.net_total,
                totals.tax_total,
                totals.total,
            ), order
            if order.number:
                assert not orders.order_problems(order, today=order.order_date), order
                plan = sum(i.amount for i in order.instalments.all())
                assert plan == order.total
            paid = sum((p.amount for p in order.payments.all()), Decimal(0))
            received = sum((i.received for i in order.instalments.all()), Decimal(0))
            assert paid == received <= order.total
            if order.status == Order.Status.CLOSED:
                assert paid == order.total and order.delivered_date is not None
            if order.status in (Order.Status.DRAFT, Order.Status.CANCELLED):
                assert paid == 0
        allocated = Allocation.objects.values("instalment").annotate(s=Sum("amount"))
        for row in allocated:
            assert Instalment.objects.get(pk=row["instalment"]).received == row["s"]
        assert Payment.objects.filter(received_on__gt=timezone.localdate()).count() == 0
        shipped = ShipmentLine.objects.values("order_line").annotate(s=Sum("quantity"))
        for row in shipped:
            assert OrderLine.objects.get(pk=row["order_line"]).shipped_quantity == row["s"]
        assert not OrderLine.objects.filter(shipped_quantity__gt=F("quantity")).exists()

    def test_numbers_are_gap_free_and_the_sequence_continues(self):
        by_year = defaultdict(list)
        for number, submitted in Order.objects.exclude(number=None).values_list("number", "submitted_at"):
            prefix, year, serial = number.split("-")
            assert prefix == "SO"
            by_year[int(year)].append((submitted, int(serial)))
        assert by_year
        for year, rows in by_year.items():
            serials = [serial for _at, serial in sorted(rows)]
            assert serials == list(range(1, len(rows) + 1)), year  # in submission order, no gaps
            assert Sequence.objects.get(key=f"SO-{year}").last_value == len(rows)
        tickets = list(Ticket.objects.order_by("opened_at", "id").values_list("number", flat=True))
        assert len(set(tickets)) == len(tickets)
        for year in {number.split("-")[1] for number in tickets}:
            serials = [int(n.split("-")[2]) for n in tickets if n.split("-")[1] == year]
            assert serials == list(range(1, len(serials) + 1))
            assert Sequence.objects.get(key=f"TK-{year}").last_value == len(serials)
        # The next order the services submit takes the next number of the year.
        rep = Person.objects.get(user__username="bench_rep")
        customer = (
            Customer.objects.filter(owner=rep).first() or Customer.objects.filter(owner__isnull=False).first()
        )
        rep = customer.owner
        product = OrderLine.objects.first().product
        year = timezone.localdate().year
        before = Sequence.objects.filter(key=f"SO-{year}").values_list("last_value", flat=True).first() or 0
        with transaction.atomic():
            order = orders.order_create(
                actor=rep.user,
                customer=customer,
                lines=[{"product": product.pk, "quantity": "1"}],
                contact=customer.contacts.first(),
                promised_date=timezone.localdate() + dt.timedelta(days=20),
                payment_terms="net_30",
            )
            order = orders.order_submit(actor=rep.user, order=order)
        assert order.number == f"SO-{year}-{before + 1:06d}"
        with transaction.atomic():
            assert (
                next_number("TK", year)
                == f"TK-{year}-{len([t for t in tickets if f'-{year}-' in t]) + 1:06d}"
            )

    def test_keys_and_identifiers_are_what_the_services_compute(self):
        codes = []
        for customer in Customer.all_objects.all():
            assert customer.name_key == name_key(customer.name)
            assert customer.phone_key == normalize_phone(customer.phone)
            if customer.credit_code:
                assert credit_code_problem(customer.credit_code) is None
                codes.append(customer.credit_code)
        assert len(codes) == len(set(codes)) > 0
        mobiles = [c.mobile_key for c in Contact.all_objects.all()]
        for contact in Contact.all_objects.all():
            assert contact.mobile_key == normalize_phone(contact.mobile) and len(contact.mobile_key) == 11
        assert len(mobiles) == len(set(mobiles))
        for lead in Lead.all_objects.all():
            assert lead.phone_key == normalize_phone(lead.phone)
        assert Contact.objects.filter(is_primary=True).count() == CUSTOMERS

    def test_the_name_search_finds_the_generated_customers(self):
        # SQLite's index of the names is rebuilt after the load, which paused its triggers
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                table = search.TABLE
                cursor.execute(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)")  # noqa: S608
        director = Person.objects.get(user__username="bench_director").user
        for customer in Customer.objects.order_by("pk")[:: max(1, CUSTOMERS // 5)]:
            part = customer.name[2:5]
            expected = {c.pk for c in Customer.objects.all() if part.lower() in c.name.lower()}
            assert set(customer_list(user=director, q=part).values_list("pk", flat=True)) == expected, part

    def test_owners_are_reps_in_sales_teams(self):
        for model in (Customer, Opportunity, Order, Activity):
            owners = Person.objects.filter(pk__in=model.all_objects.exclude(owner=None).values("owner"))
            assert owners.exists()
            assert set(owners.values_list("position", flat=True)) == {Position.REP}, model
            assert set(owners.values_list("org_unit__kind", "org_unit__duty")) == {
                ("team", "sales_management")
            }
        # each activity keeps its customer's owner now, as the triggers would (paused for the load)
        kept = Activity.all_objects.values_list("customer_owner_id", "customer__owner_id")
        assert all(copy == owner for copy, owner in kept)
        assert {copy for copy, _owner in kept} > {None}
        # and each customer its last entry into the pool, as the pool's triggers would
        latest = {}
        for move in PoolMove.objects.filter(direction="in").order_by("at", "id"):
            latest[move.customer_id] = (move.at, move.reason)
        entries = {
            pk: (at, reason)
            for pk, at, reason in Customer.all_objects.values_list("pk", "pool_entered_at", "pool_reason")
            if at is not None or reason is not None
        }
        assert entries == latest and entries
        for opportunity in Opportunity.objects.select_related("customer"):
            assert (
                opportunity.owner_id in (opportunity.customer.owner_id, None)
                or opportunity.customer.owner_id is None
            )

    def test_bench_logins_sign_in_and_see_their_scope(self):
        rep = authenticate(username="bench_rep", password=DEMO_PASSWORD)
        director = authenticate(username="bench_director", password=DEMO_PASSWORD)
        assert rep is not None and director is not None
        assert access_for(director).scope == Scope.ALL
        assert access_for(rep).scope == Scope.OWN and access_for(rep).position == Position.REP
        mine = scope_queryset(Customer.objects.all(), rep)
        assert set(mine.values_list("owner__user", flat=True)) <= {rep.pk, None}  # None: the public pool
        assert scope_queryset(Customer.objects.all(), director).count() == Customer.objects.count()
        for username in ("bench_head", "bench_lead", "bench_admin"):
            assert authenticate(username=username, password=DEMO_PASSWORD) is not None, username

    def test_dates_are_aware_and_in_range(self):
        now = self.now
        two_years = now - dt.timedelta(days=731)
        for occurred in Activity.objects.values_list("occurred_at", flat=True):
            assert occurred.tzinfo is not None and two_years <= occurred <= now
        today = timezone.localdate()
        first = dt.date(today.year - 2, 1, 1)
        for day in Order.objects.exclude(order_date=None).values_list("order_date", flat=True):
            assert first <= day <= today
        for customer in Customer.all_objects.all():
            assert customer.created_at <= now and customer.created_at.tzinfo is not None
            if customer.last_contact_at:
                assert customer.last_contact_at == customer.activities.order_by("-occurred_at")[0].occurred_at
        for order in Order.objects.exclude(submitted_at=None).select_related("customer"):
            assert order.customer.created_at <= order.created_at <= order.submitted_at <= now
            assert timezone.localtime(order.submitted_at).date() == order.order_date
            moments = [
                order.confirmed_at,
                order.shipped_at,
                order.closed_at,
                order.cancelled_at,
                order.updated_at,
            ]
            assert all(order.submitted_at <= at <= now for at in moments if at), order
            if order.delivered_date:
                assert order.order_date <= order.delivered_date <= today

    def test_the_pipeline_meets_its_entry_criteria_and_history(self):
        changes = defaultdict(list)
        for change in StageChange.objects.order_by("at", "id"):
            changes[change.opportunity_id].append(change)
        for opportunity in Opportunity.objects.select_related("stage"):
            history = changes[opportunity.pk]
            assert history[0].from_stage_id is None and history[-1].to_stage_id == opportunity.stage_id
            assert history[-1].at == opportunity.stage_entered_at
            assert opportunity.probability == opportunity.stage.probability
            assert (opportunity.closed_at is not None) == opportunity.stage.is_closed
            assert not missing_criteria(opportunity, opportunity.stage), opportunity
            for before, after in zip(history, history[1:], strict=False):
                assert after.seconds_in_previous == int((after.at - before.at).total_seconds())
        stages = set(Opportunity.objects.values_list("stage__code", flat=True))
        assert {"won", "lost"} <= stages and len(stages) >= 5

    def test_planning_targets_cascade_and_measure_the_generated_orders(self):
        year = timezone.localdate().year
        targets = Target.objects.filter(period_kind="year", period_start=dt.date(year, 1, 1))
        company = targets.get(metric="sales_amount", org_unit__kind=OrgUnit.Kind.COMPANY)
        assert company.status == Target.Status.APPROVED
        [progress] = planning.progress([company])
        assert progress.actual > 0
        for parent in targets.filter(metric="sales_amount").exclude(children=None):
            assert parent.value == sum(child.value for child in parent.children.all()), parent
        assert set(targets.values_list("metric", flat=True)) >= {
            "sales_amount",
            "new_customers",
            "visits",
            "calls",
        }
        reps = targets.filter(metric="sales_amount", person__isnull=False)
        assert reps.count() == 200


@pytest.mark.django_db
def test_refuses_a_database_with_customers_unless_reset(monkeypatch):
    # Both runs at one moment: every generated time is at or before "now", so a run on either side
    # of an office hour (or of midnight) draws other times and names from the same seed.
    from functools import partial

    from django.utils import timezone

    from salescore.demo.gendata import run
    from salescore.demo.gendata.clock import Clock

    monkeypatch.setattr(run, "Clock", partial(Clock, now=timezone.now()))
    generate()
    first = sorted(Customer.all_objects.values_list("name", flat=True))
    with pytest.raises(CommandError, match="--reset"):
        generate()

    output = generate("--reset")

    assert "Total:" in output
    assert sorted(Customer.all_objects.values_list("name", flat=True)) == first  # same seed, same company
    assert Person.objects.filter(user__username="bench_rep").count() == 1
    assert (
        Order.objects.filter(number__isnull=False).values("number").distinct().count()
        == Order.objects.filter(number__isnull=False).count()
    )
