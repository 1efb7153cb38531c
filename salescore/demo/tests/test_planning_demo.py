"""The demo's targets and plans load through the planning services: a reconciled cascade down to
the reps, three metrics, an approved and a submitted plan, last week's reports, a revision that
keeps the original, split credit and a warning."""

from __future__ import annotations

from salescore.demo import company, customers, orders, pipeline
from salescore.demo import planning as planning_demo
from salescore.orders.models import Credit
from salescore.planning import selectors
from salescore.planning.models import (
    MarketSize,
    Plan,
    PlanningPolicy,
    ProgressReport,
    Target,
    TargetRevision,
)


def test_the_demo_targets_and_plans(db):
    company.load()
    customers.load(count=80)
    pipeline.load()
    orders.load()

    made = planning_demo.load()

    assert planning_demo.is_loaded() and made["targets"] == Target.objects.count() > 20
    assert set(Target.objects.values_list("metric", flat=True)) == {
        "sales_amount",
        "new_customers",
        "market_share",
    }
    assert set(Target.objects.values_list("period_kind", flat=True)) == {"year", "quarter", "month"}
    assert Target.objects.filter(person__isnull=False).exists()
    assert not Target.objects.filter(status="draft").exists()
    checks = selectors.reconcile(Target.objects.all())
    bad = [(Target.objects.get(pk=pk), c) for pk, c in checks.items() if not c.ok]
    assert not bad, [(str(t), t.value, c.children_total) for t, c in bad]
    assert MarketSize.objects.count() == 1
    assert set(Plan.objects.values_list("status", flat=True)) == {"active", "submitted"}
    assert ProgressReport.objects.filter(status="submitted").count() == 2
    revisions = TargetRevision.objects.filter(status="approved")
    assert revisions.count() == 2 and all(r.target.revised for r in revisions)
    assert Credit.objects.values("order").distinct().count() == 2
    assert made["warnings"] == Target.objects.filter(warning_since__isnull=False).count()
    # No false alarms: the warnings are the second team (set above its pace) and its two laggards,
    # people with nothing sold yet, and the units above the second team when its lag carries them
    # past the threshold too (late in the year: a gap in points grows with the time gone); every
    # other team and person is on the pace they kept.
    second_team = planning_demo._People().teams[1]
    warned = Target.objects.filter(warning_since__isnull=False)
    threshold = PlanningPolicy.current().warning_gap
    team_year = Target.objects.filter(org_unit=second_team, metric="sales_amount", period_kind="year")
    [team] = selectors.progress(team_year)
    assert team.gap < 0, (team.attainment, team.elapsed)  # the second team is behind its pace
    # and warned once enough of the year is gone: a gap (attainment minus the share of the period
    # gone, in points) cannot pass the threshold before that much of the year has passed, and the
    # team lags by a fraction of its pace, so its warning is expected from 40 % of the year on (it
    # is there on 15 May, not yet on 20 February: tried with time_machine)
    if team.elapsed >= 4 * threshold:
        assert warned.filter(pk=team.target.pk).exists(), (team.gap, team.elapsed)
    for item in selectors.progress(warned):
        target = item.target
        in_second_team = target.org_unit_id == second_team.pk or (
            target.person_id and target.person.org_unit_id == second_team.pk
        )
        above_it = target.org_unit_id is not None and second_team.path.startswith(target.org_unit.path)
        assert item.gap <= -threshold, (str(target), item.gap)
        assert in_second_team or above_it or item.actual == 0, (str(target), item.actual, item.attainment)
