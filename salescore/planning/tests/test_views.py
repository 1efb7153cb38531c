"""Target pages: who sees which targets, who may set and split them, the figures on the page and
a fixed number of queries however many targets are shown."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from salescore.planning import services
from salescore.planning.models import Metric, Plan, Target, TargetRevision
from salescore.planning.tests.factories import make_target, team_cascade, this_year

pytestmark = pytest.mark.django_db


def targets_url(metric=Metric.SALES_AMOUNT, kind="year", start=None):
    start = start or this_year()
    return reverse("planning:targets") + f"?period={kind}:{start.isoformat()}&metric={metric}"


def test_reps_see_their_own_and_their_units_targets_only(cast, client_as):
    team_a, team_b = team_cascade(cast)
    mine = Target.objects.get(parent=team_a, person=cast.rep_a.person)
    teammate = Target.objects.get(parent=team_a, person=cast.rep_a2.person)
    other = Target.objects.get(parent=team_b, person=cast.rep_b.person)

    html = client_as(cast.rep_a).get(targets_url()).text

    assert f'data-target="{team_a.pk}"' in html and f'data-target="{mine.pk}"' in html
    assert f'data-target="{teammate.pk}"' not in html
    assert f'data-target="{team_b.pk}"' not in html and f'data-target="{other.pk}"' not in html
    assert client_as(cast.rep_a).get(reverse("planning:target_detail", args=[other.pk])).status_code == 404
    assert client_as(cast.rep_a).get(reverse("planning:target_detail", args=[mine.pk])).status_code == 200
    # The lead of team A sees the whole team, not team B
    lead = client_as(cast.lead_a).get(targets_url()).text
    assert f'data-target="{teammate.pk}"' in lead and f'data-target="{other.pk}"' not in lead


def test_a_rep_cannot_set_targets(cast, client_as):
    client = client_as(cast.rep_a)
    assert client.get(reverse("planning:target_create")).status_code == 403
    response = client.post(
        reverse("planning:target_create"),
        {"metric": "sales_amount", "period": f"year:{this_year()}", "person": cast.rep_a.pk, "value": "5"},
    )
    assert response.status_code == 403
    assert not Target.objects.exists()


def test_director_sets_a_target_on_the_page(cast, client_as):
    response = client_as(cast.director).post(
        reverse("planning:target_create"),
        {
            "metric": "new_customers",
            "period": f"year:{this_year()}",
            "org_unit": cast.sales_management.pk,
            "value": "120",
        },
    )
    target = Target.objects.get()
    assert response.status_code == 302 and response.url == reverse("planning:target_detail", args=[target.pk])
    assert (target.metric, target.value, target.status) == ("new_customers", Decimal("120.00"), "draft")
    # A first day that is not a period's is refused beside the field, nothing is saved
    refused = client_as(cast.director).post(
        reverse("planning:target_create"),
        {"metric": "sales_amount", "period": "month:2026-03-05", "org_unit": cast.team_a.pk, "value": "1"},
    )
    assert refused.status_code == 200 and Target.objects.count() == 1


def test_lead_a_splits_team_a_equally_and_it_reconciles(cast, client_as):
    team_a = make_target(cast.director, unit=cast.team_a, value="100000.00")
    url = reverse("planning:target_split", args=[team_a.pk])
    assert client_as(cast.lead_b).post(url, {"method": "equal"}).status_code == 404
    assert client_as(cast.rep_a).post(url, {"method": "equal"}).status_code == 403

    response = client_as(cast.lead_a).post(url, {"method": "equal"})

    assert response.status_code == 302
    values = sorted(Target.objects.filter(parent=team_a).values_list("value", flat=True))
    assert values == [Decimal("33333.33"), Decimal("33333.33"), Decimal("33333.34")]
    page = client_as(cast.lead_a).get(response.url).text
    assert 'data-testid="reconciled"' in page
    assert "100,000.00" in page


def test_manual_split_that_does_not_add_up_shows_the_difference_and_cannot_be_approved(cast, client_as):
    team_a = make_target(cast.director, unit=cast.team_a, value="1000")
    people = services.split_owners(team_a)
    data = {"method": "manual", **{f"value-{p.pk}": "300" for p in people}}
    client = client_as(cast.director)
    client.post(reverse("planning:target_split", args=[team_a.pk]), data)

    page = client.get(reverse("planning:target_detail", args=[team_a.pk])).text
    assert 'data-testid="not-reconciled"' in page
    response = client.post(reverse("planning:target_approve", args=[team_a.pk]), follow=True)
    assert "900.00" in response.text and "-100.00" in response.text
    team_a.refresh_from_db()
    assert team_a.status == Target.Status.DRAFT


def test_revision_by_a_lead_is_decided_above_and_the_original_stays_visible(cast, client_as):
    team_a = make_target(cast.director, unit=cast.team_a, value="1000")
    services.target_approve(actor=cast.director.user, target=team_a)
    # The lead asks to revise their own team's target: the level above decides
    url = reverse("planning:target_revise", args=[team_a.pk])
    client_as(cast.lead_a).post(url, {"new_value": "1500", "reason": "大客户提前签约"})
    revision = TargetRevision.objects.get(target=team_a)
    assert revision.status == "pending"
    detail = reverse("planning:target_detail", args=[team_a.pk])
    assert 'data-testid="decide-revision"' not in client_as(cast.lead_a).get(detail).text
    assert 'data-testid="decide-revision"' in client_as(cast.head).get(detail).text
    response = client_as(cast.head).post(
        reverse("planning:revision_decide", args=[revision.pk]), {"decision": "approve", "comment": ""}
    )
    assert response.status_code == 302
    page = client_as(cast.rep_a).get(detail).text
    assert 'data-testid="original-value"' in page and "1,000.00" in page and "1,500.00" in page
    assert "大客户提前签约" in page


def test_targets_page_costs_the_same_queries_for_3_and_12_targets(cast, client_as, django_assert_num_queries):
    people = [m for m in cast.all().values() if m.person.org_unit_id][:12]
    for member in people[:3]:
        make_target(cast.director, person=member, value="100")
    client = client_as(cast.director)
    client.get(targets_url())  # warm the caches every page fills once (menu, language)
    with CaptureQueriesContext(connection) as three:
        assert client.get(targets_url()).status_code == 200
    for member in people[3:]:
        make_target(cast.director, person=member, value="100")
    assert Target.objects.count() == 12
    with django_assert_num_queries(len(three)):
        html = client.get(targets_url()).text
    assert html.count('data-testid="target-row"') == 12


def test_dashboard_costs_the_same_queries_for_3_and_12_targets(cast, client_as, django_assert_num_queries):
    people = [m for m in cast.all().values() if m.person.org_unit_id][:12]
    for member in people[:3]:
        make_target(cast.director, person=member, value="100")
    url = reverse("planning:dashboard") + f"?period=year:{this_year()}&metric=sales_amount"
    client = client_as(cast.director)
    client.get(url)
    with CaptureQueriesContext(connection) as three:
        assert client.get(url).status_code == 200
    for member in people[3:]:
        make_target(cast.director, person=member, value="100")
    with django_assert_num_queries(len(three)):
        html = client.get(url).text
    assert html.count('data-testid="ranking-row"') == 12
    assert client_as(cast.rep_a).get(url).status_code == 403


def test_plan_editor_submit_and_approval(cast, client_as):
    team_a = make_target(cast.director, unit=cast.team_a, value="1000")
    client = client_as(cast.lead_a)
    response = client.post(reverse("planning:plan_create", args=[team_a.pk]), {"title": "华东一组年度计划"})
    plan = Plan.objects.get()
    assert response.url == reverse("planning:plan_detail", args=[plan.pk])
    client.post(
        reverse("planning:plan_detail", args=[plan.pk]),
        {
            "version": plan.version,
            "title": "华东一组年度计划",
            "product_strategy": "主推A系列",
            "price_strategy": "维持价格",
            "channel_strategy": "渠道下沉",
            "promotion_strategy": "展会",
            "channels": ["visit", "online"],
            "headcount": "3",
            "budget": "50000",
        },
    )
    plan.refresh_from_db()
    assert plan.channels == ["visit", "online"] and plan.headcount == 3
    client.post(
        reverse("planning:step_create", args=[plan.pk]),
        {
            "new-title": "拜访重点客户",
            "new-owner": cast.rep_a.pk,
            "new-start_date": this_year().isoformat(),
            "new-due_date": this_year().replace(month=3).isoformat(),
            "new-status": "todo",
        },
    )
    assert plan.steps.count() == 1
    client.post(reverse("planning:plan_submit", args=[plan.pk]))
    plan.refresh_from_db()
    assert plan.status == Plan.Status.SUBMITTED
    page = client_as(cast.head).get(reverse("planning:plan_detail", args=[plan.pk])).text
    assert 'data-testid="decide-plan"' in page and 'data-testid="feasibility"' in page
    client_as(cast.head).post(reverse("planning:plan_decide", args=[plan.pk]), {"decision": "approve"})
    plan.refresh_from_db()
    assert plan.status == Plan.Status.APPROVED


def test_report_pages_for_lead_and_inbox(cast, client_as):
    client = client_as(cast.lead_a)
    assert 'data-testid="start-report"' in client.get(reverse("planning:my_reports")).text
    response = client.post(reverse("planning:report_start"), {"kind": "weekly"})
    report = cast.team_a.progress_reports.get()
    assert response.url == reverse("planning:report_detail", args=[report.pk])
    client.post(
        response.url,
        {
            "version": report.version,
            "commentary": "进展顺利",
            "problems": "",
            "help_needed": "",
            "action": "submit",
        },
    )
    report.refresh_from_db()
    assert report.status == "submitted"
    inbox = client_as(cast.head).get(reverse("planning:report_inbox")).text
    assert 'data-state="submitted"' in inbox and cast.team_b.name in inbox
    assert client_as(cast.rep_a).get(reverse("planning:report_inbox")).status_code == 403


def test_order_page_splits_the_sales_credit(cast, client_as):
    from salescore.orders.models import Credit
    from salescore.orders.tests.factories import submitted_order

    order = submitted_order(cast.rep_a)
    detail = client_as(cast.rep_a).get(reverse("orders:order_detail", args=[order.pk])).text
    url = reverse("orders:order_credits", args=[order.pk])
    assert url in detail
    client = client_as(cast.rep_a)
    assert 'data-testid="credits-form"' in client.get(url).text
    data = {"credit-person": [cast.rep_a.pk, cast.rep_a2.pk, ""], "credit-share": ["60", "30", ""]}
    refused = client.post(url, data)
    assert refused.status_code == 400 and "90" in refused.text
    data["credit-share"] = ["60", "40", ""]
    assert client.post(url, data).status_code == 200
    assert set(Credit.objects.values_list("person_id", "share")) == {
        (cast.rep_a.pk, Decimal("60.00")),
        (cast.rep_a2.pk, Decimal("40.00")),
    }
    assert client_as(cast.rep_b).post(url, data).status_code == 404
