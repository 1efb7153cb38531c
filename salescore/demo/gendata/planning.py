"""This year's targets, cascaded company > 销售部 > sales sections > teams > reps and approved, for
the planning metrics measured from the generated data: sales amount, collected amount, new
customers, visits and calls; sales amount also for the current quarter and month. Each rep's
figure is last year's actual plus 8-25% growth; every parent is exactly the sum of its children,
as a split leaves it."""

from __future__ import annotations

from salescore.demo.gendata.clock import MONTH_WEIGHT
from salescore.demo.gendata.common import AUDIT, money
from salescore.demo.gendata.context import Context
from salescore.planning.models import Target
from salescore.planning.periods import containing

METRICS = ("sales_amount", "collected_amount", "new_customers", "visits", "calls")
MONEY = frozenset({"sales_amount", "collected_amount"})


def _value(metric: str, amount: float) -> int:
    """Money in fen rounded to 10,000 yuan (at least that); counts whole and at least 1."""
    if metric in MONEY:
        return max(round(amount / 10_000), 1) * 10_000 * 100
    return max(round(amount), 1)


def build(ctx: Context) -> dict[str, int]:
    rng, clock, org = ctx.rng, ctx.clock, ctx.org
    table = ctx.writer.table(
        Target,
        [
            "id", "metric", "period_kind", "period_start", "period_end", "org_unit_id", "person_id",
            "parent_id", "value", "original_value", "currency", "industry", "split_method", "status", "notes",
            *AUDIT,
        ],
    )  # fmt: skip
    director = org.director.user_id
    year_start, year_end = containing("year", clock.today_date)
    set_at = clock.ts(min(clock.at(clock.day_of(year_start) + 5, 10 * 3600), clock.now - 60))
    periods = [("year", *containing("year", clock.today_date), 1.0)]
    for kind in ("quarter", "month"):
        start, end = containing(kind, clock.today_date)
        share = sum(MONTH_WEIGHT[m - 1] for m in range(start.month, end.month + 1)) / sum(MONTH_WEIGHT)
        periods.append((kind, start, end, share))
    count = 0
    elapsed = (clock.today_date - year_start).days + 1
    elapsed_share = elapsed / ((year_end - year_start).days + 1)
    for metric in METRICS:
        # What each rep is heading for this year (or, early in the year, last year's figure and
        # some growth), times 0.92-1.2: some reps are ahead of pace, most a little behind.
        if elapsed_share >= 0.15:
            this_year = ctx.tally.of(metric, clock.year)
            basis = {r: v / elapsed_share for r, v in this_year.items()}
        else:
            basis = {r: v * 1.15 for r, v in ctx.tally.of(metric, clock.year - 1).items()}
        reps = org.reps
        average = sum(basis.get(r.id, 0) for r in reps) / max(len(reps), 1)
        stretch = {r.id: rng.uniform(0.92, 1.2) for r in reps}
        for kind, start, end, share in periods:
            if kind != "year" and metric != "sales_amount":
                continue
            cell = (metric, kind, start.isoformat(), end.isoformat())
            rows = []  # (id, unit, person, parent, value, split)
            company_id, department_id = ctx.take(Target), ctx.take(Target)
            department_sum = 0
            for section_id in org.sections:
                section_target, section_sum = ctx.take(Target), 0
                for team in (t for t in org.teams if t.section_id == section_id):
                    team_target, team_sum = ctx.take(Target), 0
                    for rep in team.reps:
                        amount = _value(metric, basis.get(rep.id, average) * stretch[rep.id] * share)
                        rows.append((ctx.take(Target), None, rep.id, team_target, amount, ""))
                        team_sum += amount
                    rows.append((team_target, team.unit_id, None, section_target, team_sum, "last_period"))
                    section_sum += team_sum
                rows.append((section_target, section_id, None, department_id, section_sum, "last_period"))
                department_sum += section_sum
            rows.append((department_id, org.department_id, None, company_id, department_sum, "manual"))
            rows.append((company_id, org.company_id, None, None, department_sum, "manual"))
            for target_id, unit_id, person_id, parent_id, amount, split in rows:
                text = money(amount) if metric in MONEY else str(amount)
                table.add(
                    (target_id, *cell, unit_id, person_id, parent_id, text, text, "CNY", "", split,
                     "approved", "", set_at, director, set_at, director, 1)
                )  # fmt: skip
            count += len(rows)
    return {"targets": count}
