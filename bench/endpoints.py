"""What the benchmark requests, as whom, and the records its detail pages open.

Kinds and their targets (docs/performance.md):
* ``list``, ``detail``, ``api``: p95 <= 50 ms and <= 10 SQL queries.
* ``report`` (dashboards, reports and the API answers that compute them): p95 <= 250 ms and
  <= 1.3 x the floor (bench/floors.py) where the endpoint names one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

REP, DIRECTOR = "rep", "director"
BOTH = (REP, DIRECTOR)


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str  # formatted with the role's records: {customer}, {name_q}, {year_start} ...
    kind: str  # list | detail | api | report
    roles: tuple[str, ...] = BOTH
    api: bool = False  # authenticated by the bearer token instead of the session
    floor: str | None = None  # bench/floors.py FLOORS key
    floor_roles: tuple[str, ...] = (DIRECTOR,)

    @property
    def latency_target_ms(self) -> float:
        return 250.0 if self.kind == "report" else 50.0

    @property
    def query_target(self) -> int | None:
        return None if self.kind == "report" else 10


YEAR = "period_kind=year&period_start={year_start}&period_end={year_end}&metric=sales_amount"

ENDPOINTS: tuple[Endpoint, ...] = (
    # Pages: lists and searches.
    Endpoint("home", "/", "list"),
    Endpoint("customer list", "/customers/", "list"),
    Endpoint("customer search: name", "/customers/?q={name_q}", "list"),
    Endpoint("customer search: phone", "/customers/?q={phone_q}", "list"),
    Endpoint("customer search: 2 chars", "/customers/?q={short_q}", "list"),
    Endpoint("opportunity list", "/pipeline/opportunities/", "list"),
    Endpoint("opportunity search: name", "/pipeline/opportunities/?q={name_q}", "list"),
    Endpoint("opportunity search: 2 chars", "/pipeline/opportunities/?q={short_q}", "list"),
    Endpoint("pipeline board", "/pipeline/", "list"),
    Endpoint("activities", "/activities/", "list"),
    Endpoint("activity search: 2 chars", "/activities/?q={short_q}", "list"),
    Endpoint("order list", "/orders/", "list"),
    Endpoint("order search: name", "/orders/?q={name_q}", "list"),
    Endpoint("lead list", "/leads/", "list"),
    Endpoint("public pool", "/customers/pool/", "list"),
    # Pages: one record.
    Endpoint("customer detail", "/customers/{customer}/", "detail"),
    Endpoint("opportunity detail", "/pipeline/opportunities/{opportunity}/", "detail"),
    Endpoint("order detail", "/orders/{order}/", "detail"),
    # Pages: dashboards and reports.
    Endpoint("sales dashboard", "/sales-dashboard/", "report", (DIRECTOR,), floor="dashboard"),
    Endpoint("target list (progress)", "/targets/", "report", floor="targets"),
    Endpoint("target detail", "/targets/{target}/", "report", floor="target", floor_roles=BOTH),
    Endpoint("satisfaction report", "/service/satisfaction/", "report", floor="satisfaction"),
    Endpoint("receivables", "/receivables/", "report", floor="receivables"),
    Endpoint("report inbox", "/progress-reports/inbox/", "report", (DIRECTOR,), floor="report_inbox"),
    # API: lists and records.
    Endpoint("API customers", "/api/v1/customers", "api", api=True),
    Endpoint("API customers ?q=name", "/api/v1/customers?q={name_q}", "api", api=True),
    Endpoint("API customers ?q=phone", "/api/v1/customers?q={phone_q}", "api", api=True),
    Endpoint("API customer", "/api/v1/customers/{customer}", "api", api=True),
    Endpoint("API opportunities", "/api/v1/opportunities", "api", api=True),
    Endpoint("API opportunity", "/api/v1/opportunities/{opportunity}", "api", api=True),
    Endpoint("API board", "/api/v1/board", "api", api=True),
    Endpoint("API activities", "/api/v1/activities", "api", api=True),
    Endpoint("API public pool", "/api/v1/customers/pool", "api", api=True),
    Endpoint("API orders", "/api/v1/orders", "api", api=True),
    Endpoint("API order", "/api/v1/orders/{order}", "api", api=True),
    # API: the reports.
    Endpoint("API targets (progress)", "/api/v1/targets?" + YEAR, "report", api=True, floor="targets"),
    Endpoint("API target", "/api/v1/targets/{target}", "report", api=True, floor="target", floor_roles=BOTH),
    Endpoint("API satisfaction", "/api/v1/satisfaction", "report", api=True, floor="satisfaction"),
    Endpoint("API receivables", "/api/v1/receivables", "report", api=True, floor="receivables_api"),
    Endpoint("API reports due", "/api/v1/reports/due", "report", (DIRECTOR,), api=True, floor="report_inbox"),
)


def _name_core(name: str) -> str:
    for suffix in ("股份有限公司", "有限责任公司", "有限公司", "公司"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _name_fragment(name: str) -> str:
    """Two or three characters from inside a company name, as someone types a search."""
    core = _name_core(name)
    if len(core) >= 6:
        return core[2:5]
    return core[:3] if len(core) >= 3 else core


def _short_name(name: str) -> str:
    """Two characters of a company name after its place, as someone types its short name
    ("上海云帆科技有限公司" -> "云帆"): no trigram holds them."""
    core = _name_core(name)
    return core[2:4] if len(core) >= 4 else core[:2]


def pick_records(usernames: dict[str, str]) -> dict[str, dict]:
    """For each role: the person, and the records its detail pages open (a rep's own, the
    director's from the whole book), the search texts and the period of the targets."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from salescore.core.permissions import scope_queryset
    from salescore.customers.models import Customer
    from salescore.orders.models import Order
    from salescore.org.models import Person
    from salescore.pipeline.models import Opportunity
    from salescore.planning.models import Target
    from salescore.planning.periods import week_of

    today = timezone.localdate()
    year_start, year_end = dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)
    records: dict[str, dict] = {}
    for role, username in usernames.items():
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise SystemExit(f"There is no login {username!r} (--{role}) in this database.")
        person = Person.objects.filter(user=user).first()
        found: dict = {
            "username": username,
            "user_id": user.pk,
            "person_id": person.pk if person else None,
            "year_start": year_start.isoformat(),
            "year_end": year_end.isoformat(),
            "week_start": week_of(today)[0].isoformat(),
        }
        mine = {"owner": person} if role == REP else {}
        customers = scope_queryset(Customer.objects.all(), user).filter(merged_into__isnull=True, **mine)
        customer = customers.exclude(phone="").order_by("-updated_at", "-pk").first() or customers.first()
        if customer is not None:
            found["customer"] = customer.pk
            found["name_q"] = _name_fragment(customer.name)
            found["short_q"] = _short_name(customer.name)
            if customer.phone:
                found["phone_q"] = customer.phone
        opportunity = (
            scope_queryset(Opportunity.objects.all(), user)
            .filter(**mine)
            .order_by("-updated_at", "-pk")
            .first()
        )
        if opportunity is not None:
            found["opportunity"] = opportunity.pk
        order = (
            scope_queryset(Order.objects.exclude(status="draft"), user)
            .filter(**mine)
            .order_by("-order_date", "-pk")
            .first()
        )
        if order is not None:
            found["order"] = order.pk
        targets = scope_queryset(
            Target.objects.filter(metric="sales_amount", period_kind="year", period_start=year_start), user
        )
        if role == REP and person is not None:
            target = targets.filter(person=person).first()
        else:
            target = targets.filter(org_unit__isnull=False).order_by("org_unit__depth", "pk").first()
        if target is not None:
            found["target"] = target.pk
        records[role] = found
    return records


def url_for(endpoint: Endpoint, records: dict) -> str | None:
    """The endpoint's path for a role, or None when the role has no record it needs."""
    from urllib.parse import quote

    try:
        values = {k: quote(str(v)) if isinstance(v, str) else v for k, v in records.items()}
        return endpoint.path.format(**values)
    except KeyError:
        return None
