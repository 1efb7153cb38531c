"""Every API list writes its page through core.api_rows, and the bytes are exactly those ninja's
pydantic path writes: for every paginated list, several positions, both languages, on a generated
company with nulls, masked contact data, several currencies and history."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client, TestCase, override_settings
from django.urls import get_resolver
from django.utils import timezone
from ninja import Schema

from config.api import api
from salescore.core import api as core_api
from salescore.core import api_rows
from salescore.customers.models import Contact, Customer, PoolMove
from salescore.demo.company import DEMO_PASSWORD
from salescore.imports.models import ImportJob
from salescore.leads.models import LeadTouch
from salescore.orders.models import Order
from salescore.org.models import Person
from salescore.pipeline.models import Opportunity, OpportunityProduct
from salescore.service.models import TicketEntry

USERS = ["bench_rep", "bench_lead", "bench_director", "bench_admin", "agent01", "finance"]
LANGUAGES = ["en", "zh-hans"]
# Lists that hold rows for someone in this company; the others may legitimately be empty.
NOT_EMPTY = {
    "/customers",
    "/customers/pool",
    "/customers/{customer_id}/contacts",
    "/contacts",
    "/opportunities",
    "/opportunities/{opportunity_id}/products",
    "/activities",
    "/orders",
    "/leads",
    "/leads/{lead_id}/touches",
    "/tickets",
    "/tickets/{ticket_id}/log",
    "/products",
    "/people",
    "/audit",
    "/targets",
}


def paged_operations() -> dict[str, type]:
    """{path under /api/v1: the item schema} of every paginated list."""
    found = {}
    get_resolver().url_patterns  # noqa: B018  (mounts the routers the API names by import path)
    for _prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                for model in operation.response_models.values():
                    field = getattr(model, "model_fields", {}).get("response")
                    page = field.annotation if field is not None else None
                    if isinstance(page, type) and issubclass(page, core_api.Pagination.Output):
                        found["/" + path.lstrip("/")] = page.model_fields["items"].annotation.__args__[0]
    return found


class ApiRowsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        # gen_data draws times and names from the clock as well as the seed: one fixed moment.
        moment = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)
        hasher = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        with override_settings(PASSWORD_HASHERS=hasher), time_machine.travel(moment):
            call_command(
                "gen_data", "--customers", "60", "--seed", "11", "--manifest", "-", stdout=StringIO()
            )
        # Nulls, and more than one currency.
        customers = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
        Customer.objects.filter(pk__in=customers[:5]).update(
            region=None, last_contact_at=None, price_list=None
        )
        opportunities = list(Opportunity.objects.order_by("pk").values_list("pk", flat=True))
        Opportunity.objects.filter(pk__in=opportunities[::3]).update(currency="USD", expected_close_date=None)
        Opportunity.objects.filter(pk__in=opportunities[1::3]).update(
            currency="EUR", amount=Decimal("1234.50")
        )
        orders = list(Order.objects.order_by("pk").values_list("pk", flat=True))
        Order.objects.filter(pk__in=orders[::2]).update(currency="USD")
        # The rep's own customer, whose contacts they see in full (a small company may give them none).
        rep = Person.objects.get(user__username="bench_rep")
        Customer.objects.filter(pk=customers[-1]).update(owner=rep)

    def setUp(self):
        self.clients = {}
        for username in USERS:
            client = Client()
            assert client.login(username=username, password=DEMO_PASSWORD), username
            self.clients[username] = client
        # History and an import, through the API as people make them.
        director = self.clients["bench_director"]
        self.customer = Customer.objects.filter(owner__user__username="bench_rep").order_by("pk").first()
        answer = director.patch(
            f"/api/v1/customers/{self.customer.pk}",
            {"version": self.customer.version, "notes": "Called twice", "website": "https://example.com"},
            content_type="application/json",
        )
        assert answer.status_code == 200, answer.content
        upload = StringIO("name,phone\nAcme 甲,13800000000\n,not a phone\n")
        upload.name = "customers.csv"
        answer = self.clients["bench_admin"].post("/api/v1/imports", {"kind": "customers", "file": upload})
        assert answer.status_code in (200, 201), answer.content

    def urls(self) -> dict[str, str]:
        ids = {
            "customer_id": self.customer.pk,
            "opportunity_id": OpportunityProduct.objects.order_by("pk").first().opportunity_id,
            "lead_id": LeadTouch.objects.order_by("pk").first().lead_id,
            "job_id": ImportJob.objects.order_by("pk").first().pk,
            "ticket_id": TicketEntry.objects.order_by("pk").first().ticket_id,
            "model": "customers.customer",
            "record_id": self.customer.pk,
        }
        pool_customer = PoolMove.objects.order_by("pk").first().customer_id
        urls = {}
        for path in paged_operations():
            url = re.sub(r"{(\w+)}", lambda m: str(ids[m.group(1)]), path)
            if path == "/customers/{customer_id}/pool-moves":
                url = f"/customers/{pool_customer}/pool-moves"
            urls[path] = "/api/v1" + url
        return urls

    def get(self, client, url, language, write_pages):
        core_api.WRITE_PAGES = write_pages
        try:
            return client.get(url, {"limit": 100}, HTTP_ACCEPT_LANGUAGE=language)
        finally:
            core_api.WRITE_PAGES = True

    def test_every_list_is_written_as_pydantic_writes_it(self):
        """Given every list, as every position, in both languages, when it is written by
        api_rows and by ninja's pydantic path, then the answers are the same bytes, and no row
        needed pydantic."""
        slow_rows = []
        real_slow = api_rows.slow

        def spy(schema, obj):
            slow_rows.append((schema.__name__, obj))
            return real_slow(schema, obj)

        filled = set()
        compared = 0
        with time_machine.travel(timezone.now(), tick=False):
            for path, url in self.urls().items():
                for username, client in self.clients.items():
                    for language in LANGUAGES:
                        api_rows.slow = spy
                        try:
                            fast = self.get(client, url, language, True)
                        finally:
                            api_rows.slow = real_slow
                        before = self.get(client, url, language, False)
                        where = f"{path} as {username} in {language}"
                        self.assertEqual(fast.status_code, before.status_code, where)
                        self.assertEqual(fast["Content-Type"], before["Content-Type"], where)
                        self.assertEqual(fast.content, before.content, where)
                        compared += 1
                        if fast.status_code == 200 and fast.json()["items"]:
                            filled.add(path)
        self.assertEqual(slow_rows, [])
        self.assertEqual(NOT_EMPTY - filled, set())
        self.assertGreater(compared, 400)

    def test_masked_contacts_and_currencies_are_in_the_compared_pages(self):
        """The fixture holds what the comparison must cover: masked contacts for a team lead,
        opportunities in three currencies, customers without a region."""
        contacts = self.clients["bench_lead"].get("/api/v1/contacts", {"limit": 100}).json()["items"]
        self.assertTrue(any(c["masked"] for c in contacts))
        self.assertTrue(Contact.objects.exists())
        director = self.clients["bench_director"]
        opportunities = director.get("/api/v1/opportunities", {"limit": 100}).json()["items"]
        self.assertEqual({o["currency"] for o in opportunities}, {"CNY", "USD", "EUR"})
        customers = director.get("/api/v1/customers", {"limit": 100, "order": "name"}).json()["items"]
        self.assertTrue(any(c["region_id"] is None and c["last_contact_at"] is None for c in customers))


def test_every_paginated_list_has_a_writer():
    """No list is left to pydantic silently: each item schema is one api_rows writes."""
    schemas = paged_operations().values()
    left = sorted(schema.__name__ for schema in schemas if api_rows.row_writer(schema) is None)
    assert left == []
    assert len(paged_operations()) >= 38


class Nested(Schema):
    id: int
    name: str


class Sample(Schema):
    id: int
    amount: Decimal
    at: dt.datetime
    day: dt.date | None
    tags: list[str]
    child: Nested | None
    size: Customer.Kind | None = None
    score: float = 0.5

    @staticmethod
    def resolve_tags(obj):
        return sorted(obj["tags"])


@pytest.mark.parametrize(
    "row",
    [
        # Values already of their types: written directly.
        {
            "id": 1,
            "amount": Decimal("1.50"),
            "at": dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC),
            "day": None,
            "tags": ["b", "a"],
            "child": {"id": 2, "name": "x"},
            "size": "company",
        },
        # Values pydantic converts (an int for a Decimal, a string date, an int for a float, a
        # missing default): the row goes through pydantic and comes out the same.
        {
            "id": 1,
            "amount": 3,
            "at": "2026-01-02T03:04:05Z",
            "day": "2026-02-03",
            "tags": [],
            "child": None,
            "score": 2,
        },
    ],
)
def test_a_row_is_what_pydantic_dumps(row):
    write = api_rows.row_writer(Sample)
    assert write is not None
    assert write(row) == Sample.model_validate(row).model_dump()


def test_a_schema_with_a_validator_is_left_to_pydantic():
    from pydantic import field_validator

    class Checked(Schema):
        name: str

        @field_validator("name")
        @classmethod
        def upper(cls, value):
            return value.upper()

    assert api_rows.row_writer(Checked) is None


def test_listed_reads_the_related_rows_without_a_queryset_per_record(cast, django_assert_num_queries):
    """Given people with regions, when their list is read with ``listed``, then ``related`` gives
    each person's regions in the prefetch's order, with the same two queries."""
    from django.db.models import Prefetch

    from salescore.org.models import Person, Region

    provinces = list(Region.objects.order_by("path")[:3])
    for person in Person.objects.all():
        person.regions.set(provinces[: person.pk % 4])
    people = Person.objects.order_by("pk").prefetch_related(
        Prefetch("regions", queryset=Region.objects.order_by("-path"))
    )
    expected = {p.pk: [r.pk for r in p.regions.all()] for p in people}
    with django_assert_num_queries(2):
        got = {
            p.pk: [r.pk for r in api_rows.related(p, "regions")] for p in api_rows.listed(people, "regions")
        }
    assert got == expected
    assert any(len(v) > 1 for v in got.values())
    # A record read some other way: its relation, as before.
    one = Person.objects.get(pk=max(got, key=lambda pk: len(got[pk])))
    assert api_rows.related(one, "regions") == list(one.regions.all())


def test_listed_refuses_a_relation_the_queryset_does_not_prefetch():
    from salescore.org.models import Person

    with pytest.raises(ValueError, match="regions"):
        api_rows.listed(Person.objects.all(), "regions")


@pytest.mark.django_db
def test_only_related_reads_the_named_columns_of_each_related_record(cast):
    from salescore.pipeline.models import Opportunity
    from salescore.pipeline.tests.factories import make_opportunity

    make_opportunity(cast.rep_a, with_contact=False)
    rows = Opportunity.objects.select_related("customer", "owner")
    slim = api_rows.only_related(rows, customer=["name"], owner=["name", "name_en"])
    [opportunity] = slim
    customer, owner = opportunity.customer, opportunity.owner
    # the kept columns and the keys are read; every other column of theirs is not
    assert {"name", "phone", "credit_code", "created_at"} - {"name"} <= customer.get_deferred_fields()
    assert "name" not in customer.get_deferred_fields() and customer.pk == opportunity.customer_id
    assert (
        not {"name", "name_en"} & owner.get_deferred_fields() and "org_unit_id" in owner.get_deferred_fields()
    )
    # the opportunity's own columns are all read
    assert not opportunity.get_deferred_fields()
