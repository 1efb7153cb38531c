"""The target tables' cells worked out in Python (decision 0020's way for the lists).

A row of the target list had seven template includes (status, value, figures, reconciliation,
gap), each with its filters: at a company's 230 targets that was most of the page's time. Here each
cell's text is formatted once, by the same functions the templates' filters call (``money``,
``floatformat``, ``localize``); the HTML is the same (``planning/tests/test_target_list_html.py``).
"""

from __future__ import annotations

from django.template.defaultfilters import floatformat
from django.utils.formats import localize

from salescore.core.templatetags.salescore import money
from salescore.planning.models import Metric, Target
from salescore.planning.selectors import Progress, Reconciliation

DASH = "—"


def figure(value, target: Target) -> str:
    """A target's figure as money, a share or a number (the tables' cells and, through the
    ``target_figure`` filter, planning/_partials/figure.html)."""
    if value is None:
        return DASH
    if target.is_money:
        return money(value, target.currency)
    if target.metric == Metric.MARKET_SHARE:
        return f"{floatformat(value, 2)}%"
    return floatformat(value, "-2")


def cells(target: Target, item: Progress, check: Reconciliation | None = None) -> dict:
    """The texts of a target's row: status, value (and the original before a revision), actual,
    attainment, time elapsed, gap, projection; with ``check``, the children's sum and difference
    and whether they add up."""
    gap = item.gap
    row = {
        "status": target.get_status_display(),
        "status_css": "text-bg-success" if target.status == Target.Status.APPROVED else "text-bg-secondary",
        "value": figure(target.value, target),
        "original": figure(target.original_value, target) if target.revised else "",
        "actual": figure(item.actual, target),
        "attainment": DASH if item.attainment is None else localize(item.attainment),
        "elapsed": localize(item.elapsed),
        "gap": DASH if gap is None else (floatformat(gap, 1) if gap < 0 else f"+{floatformat(gap, 1)}"),
        "gap_css": "" if gap is None else ("text-danger" if gap < 0 else "text-success"),
        "projection": figure(item.projection, target),
    }
    if check is not None:
        row["children_total"] = figure(check.children_total, target) if check.has_children else DASH
        row["difference"] = figure(check.difference, target) if check.has_children else DASH
        row["reconciled"] = check.ok if check.has_children else None
    return row
