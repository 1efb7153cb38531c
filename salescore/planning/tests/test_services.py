"""Target services against hand-computed figures: exact splits, last period's shares, refusals
while the cascade does not reconcile, revisions with their history, one warning per crossing,
pre-filled progress reports and the submitted / late / missing roll call."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from salescore.core.errors import ApplicationError
from salescore.core.models import AuditLog, Notification
from salescore.org import services as org
from salescore.org.models import OrgUnit
from salescore.planning import selectors, services
from salescore.planning.models import Metric, Plan, Target, TargetRevision
from salescore.planning.tests.factories import make_plan, make_target
from salescore.planning.tests.test_metrics import SHANGHAI, _order

pytestmark = pytest.mark.django_db
MARCH = dt.date(2026, 3, 1)


def at(day: dt.date, hour: int = 10):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI), tick=False)


def values(target):
    return sorted(Target.objects.filter(parent=target).values_list("value", flat=True))


def test_equal_split_is_exact_to_the_fen_and_counts_split_whole(cast):
    amount = make_target(cast.director, unit=cast.team_a, value="100000.00")
    services.target_split(actor=cast.director.user, target=amount, method="equal")
    assert values(amount) == [Decimal("33333.33"), Decimal("33333.33"), Decimal("33333.34")]
    assert sum(values(amount)) == Decimal("100000.00")
    assert selectors.reconcile([amount])[amount.pk].ok

    customers = make_target(cast.director, unit=cast.team_a, value="10", metric=Metric.NEW_CUSTOMERS)
    services.target_split(actor=cast.director.user, target=customers, method="equal")
    assert values(customers) == [Decimal("3"), Decimal("3"), Decimal("4")]


def test_a_unit_splits_to_its_child_units(cast):
    section = make_target(cast.director, unit=cast.sales_management, value="1000")
    children = services.target_split(actor=cast.director.user, target=section, method="equal")
    assert {c.org_unit_id for c in children} == {cast.team_a.pk, cast.team_b.pk}
    assert values(section) == [Decimal("500.00"), Decimal("500.00")]


def test_last_period_split_follows_the_previous_actuals(cast):
    # Given February: rep_a sold 3000.00, rep_a2 1000.00, the lead nothing
    _order(cast.rep_a, day=dt.date(2026, 2, 3), price="3000.00")
    _order(cast.rep_a2, day=dt.date(2026, 2, 27), price="1000.00")
    march = make_target(cast.director, unit=cast.team_a, value="1000", kind="month", start=MARCH)

    services.target_split(actor=cast.director.user, target=march, method="last_period")

    shares = {t.person_id: t.value for t in Target.objects.filter(parent=march)}
    assert shares == {
        cast.rep_a.pk: Decimal("750.00"),
        cast.rep_a2.pk: Decimal("250.00"),
        cast.lead_a.pk: Decimal("0.00"),
    }


def test_manual_split_that_does_not_reconcile_blocks_approval_and_plans(cast):
    team = make_target(cast.director, unit=cast.team_a, value="1000")
    owners = services.split_owners(team)
    services.target_split(
        actor=cast.director.user, target=team, method="manual", values={o.pk: "300" for o in owners}
    )
    with pytest.raises(ApplicationError) as refused:
        services.target_approve(actor=cast.director.user, target=team)
    assert refused.value.code == "not_reconciled" and "-100.00" in refused.value.message

    plan = make_plan(cast.lead_a, team)
    services.plan_step_save(
        actor=cast.lead_a.user,
        plan=plan,
        title="拜访",
        owner=cast.rep_a.person,
        start_date=MARCH,
        due_date=MARCH + dt.timedelta(days=10),
    )
    services.plan_submit(actor=cast.lead_a.user, plan=plan)
    with pytest.raises(ApplicationError) as blocked:
        services.plan_decide(actor=cast.head.user, plan=plan, approve=True)
    assert blocked.value.code == "not_reconciled" and "900.00" in blocked.value.message
    # Once the children add up (here: one of them raised by 100), the plan is approved
    child = Target.objects.filter(parent=team).first()
    services.target_update(actor=cast.director.user, target=child, value="400")
    services.plan_decide(actor=cast.head.user, plan=plan, approve=True)
    assert Plan.objects.get().status == Plan.Status.APPROVED


def _approved_person_target(cast, member, value="400"):
    team = make_target(cast.director, unit=member.person.org_unit, value=value)
    services.target_split(actor=cast.director.user, target=team, method="equal")
    services.target_approve(actor=cast.director.user, target=team)
    return Target.objects.get(parent=team, person=member.person)


def test_a_reps_revision_is_approved_by_their_manager_and_the_original_stays(cast):
    mine = _approved_person_target(cast, cast.rep_a, value="300")
    assert mine.value == Decimal("100.00")

    revision = services.target_adjust(
        actor=cast.rep_a.user, target=mine, new_value="150", reason="新增大客户"
    )
    assert revision.status == TargetRevision.Status.PENDING
    with pytest.raises(ApplicationError):
        services.revision_decide(actor=cast.rep_a.user, revision=revision, approve=True)
    services.revision_decide(actor=cast.lead_a.user, revision=revision, approve=True, comment="同意")

    mine.refresh_from_db()
    revision.refresh_from_db()
    assert (mine.value, mine.original_value, mine.revised) == (Decimal("150.00"), Decimal("100.00"), True)
    assert (revision.old_value, revision.new_value) == (Decimal("100.00"), Decimal("150.00"))
    assert (revision.requested_by, revision.decided_by) == (cast.rep_a.user, cast.lead_a.user)
    assert AuditLog.objects.filter(object_id=str(mine.pk), changes__has_key="value").exists()
    # the cascade re-checks: the team's children now add up to 350, not 300
    assert not selectors.reconcile([mine.parent])[mine.parent_id].ok


def test_the_directors_own_revision_applies_at_once(cast):
    team = make_target(cast.director, unit=cast.team_a, value="1000")
    services.target_approve(actor=cast.director.user, target=team)
    revision = services.target_adjust(
        actor=cast.director.user, target=team, new_value="800", reason="市场下行"
    )
    team.refresh_from_db()
    assert revision.status == TargetRevision.Status.APPROVED and revision.decided_by == cast.director.user
    assert (team.value, team.original_value) == (Decimal("800.00"), Decimal("1000.00"))


def test_a_lagging_target_warns_once_per_crossing(cast):
    with at(dt.date(2026, 3, 1)):
        team = make_target(cast.director, unit=cast.team_a, value="1000", kind="month", start=MARCH)
        services.target_approve(actor=cast.director.user, target=team)

    def warnings():
        return Notification.objects.filter(kind="target_warning").count()

    # 15 March: 14 of 31 days gone (45.2%), nothing sold: 45.2 points behind -> one warning
    with at(dt.date(2026, 3, 15)):
        assert services.targets_warn() == 1
    sent = warnings()
    assert sent >= 1
    # the next night it is still behind: no second warning
    with at(dt.date(2026, 3, 16)):
        assert services.targets_warn() == 0
    assert warnings() == sent
    # it recovers (an order of 800.00 on the 17th): armed again, nothing sent
    with at(dt.date(2026, 3, 17)):
        _order(cast.rep_a, day=dt.date(2026, 3, 17), price="800.00")
        assert services.targets_warn() == 0
    team.refresh_from_db()
    assert team.warning_since is None
    # and falls behind again when the director raises the target: a new crossing warns again
    with at(dt.date(2026, 3, 20)):
        services.target_adjust(actor=cast.director.user, target=team, new_value="5000", reason="冲刺")
        assert services.targets_warn() == 1
    assert warnings() == 2 * sent


def test_report_start_is_prefilled_from_live_data(cast):
    with at(dt.date(2026, 3, 11)):
        _order(cast.rep_a, day=dt.date(2026, 3, 10), price="1200.00")
        _order(cast.rep_b, day=dt.date(2026, 3, 10), price="999.00")  # another team
        _order(cast.rep_a2, day=dt.date(2026, 3, 2), price="50.00")  # the week before
        report = services.report_start(actor=cast.lead_a.user, kind="weekly", org_unit=cast.team_a)
    figures = {row["metric"]: Decimal(row["actual"]) for row in report.figures if row["kind"] == "period"}
    assert (report.period_start, report.period_end) == (dt.date(2026, 3, 9), dt.date(2026, 3, 15))
    assert figures[Metric.SALES_AMOUNT] == Decimal("1200.00")
    # each order's customer was made on the 11th: rep_a's and rep_a2's count, rep_b's is team B's
    assert figures[Metric.NEW_CUSTOMERS] == 2
    with pytest.raises(ApplicationError):
        services.report_start(actor=cast.lead_b.user, kind="weekly", org_unit=cast.team_a)


def test_reports_due_shows_submitted_late_and_missing(cast):
    team_c = org.org_unit_create(
        actor=cast.admin.user, kind=OrgUnit.Kind.TEAM, parent=cast.sales_management, name="华北组"
    )
    # Week of 9-15 March, due on the 16th (one day after)
    with at(dt.date(2026, 3, 13)):
        on_time = services.report_start(actor=cast.lead_a.user, kind="weekly", org_unit=cast.team_a)
        services.report_update(actor=cast.lead_a.user, report=on_time, commentary="顺利")
        services.report_submit(actor=cast.lead_a.user, report=on_time)
    with at(dt.date(2026, 3, 18)):
        late = services.report_start(
            actor=cast.lead_b.user, kind="weekly", org_unit=cast.team_b, day=dt.date(2026, 3, 12)
        )
        services.report_update(actor=cast.lead_b.user, report=late, commentary="迟交")
        services.report_submit(actor=cast.lead_b.user, report=late)
        inbox = selectors.reports_inbox(cast.head.user, kind="weekly", day=dt.date(2026, 3, 12))
    states = {line["team"].pk: line["state"] for line in inbox["lines"]}
    assert states == {cast.team_a.pk: "submitted", cast.team_b.pk: "late", team_c.pk: "missing"}
    assert inbox["counts"] == {"submitted": 1, "late": 1, "missing": 1}
    assert inbox["due"] == dt.date(2026, 3, 16)
    # A team lead sees only their own team
    with at(dt.date(2026, 3, 18)):
        mine = selectors.reports_inbox(cast.lead_a.user, kind="weekly", day=dt.date(2026, 3, 12))
    assert [line["team"].pk for line in mine["lines"]] == [cast.team_a.pk]
