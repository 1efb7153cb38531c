"""Reads of the sales process: the opportunity page's one read of the opportunity and its related
rows, and the entry criteria answered from them (R3.1)."""

from __future__ import annotations

import pytest

from salescore.pipeline import selectors, services
from salescore.pipeline.forms import MoveForm
from salescore.pipeline.gates import missing_criteria
from salescore.pipeline.models import Opportunity
from salescore.pipeline.tests.factories import make_opportunity, make_product, stage


def _as_keys(status: list[dict]) -> list[tuple[str, list[str]]]:
    return [(row["stage"].code, [gate.key for gate in row["missing"]]) for row in status]


@pytest.mark.parametrize("recorded", [False, True])
def test_entry_criteria_are_answered_from_what_the_page_loaded(cast, django_assert_num_queries, recorded):
    ours = make_opportunity(cast.rep_a, amount="1000")
    if recorded:
        services.needs_record(actor=cast.rep_a.user, opportunity=ours, needs="需要自动化产线")
        services.product_propose(actor=cast.rep_a.user, opportunity=ours, product=make_product())
    active = selectors.stages()
    later = [stage(code) for code in ("recommendation", "presentation")]
    # what the criteria say when each is asked of the database
    fresh = Opportunity.objects.select_related("stage").get(pk=ours.pk)
    plain = _as_keys(selectors.gate_status(fresh, active_stages=active))
    plain_missing = [missing_criteria(fresh, s) for s in later]

    loaded = selectors.opportunity_page_get_for_user(user=cast.rep_a.user, pk=ours.pk)
    with django_assert_num_queries(0):
        on_page = _as_keys(selectors.gate_status(loaded, active_stages=active))
        assert [missing_criteria(loaded, s) for s in later] == plain_missing

    assert on_page == plain
    missing = dict(on_page)
    assert ("needs_recorded" in missing["recommendation"]) is not recorded
    assert ("products_proposed" in missing["presentation"]) is not recorded
    assert "has_contact" not in missing["needs_analysis"]


def test_each_criterion_is_asked_once_however_many_stages_list_it(cast, django_assert_num_queries):
    ours = Opportunity.objects.select_related("stage").get(pk=make_opportunity(cast.rep_a).pk)
    active = selectors.stages()
    # the later stages list contacts four times, needs four times, products three times
    with django_assert_num_queries(3):
        selectors.gate_status(ours, active_stages=active)


def test_a_needs_analysis_recorded_meanwhile_is_read_again(cast):
    """needs_for keeps nothing on an opportunity it had to ask about (the API reads, records, reads)."""
    ours = make_opportunity(cast.rep_a)
    assert selectors.needs_for(ours) is None
    services.needs_record(actor=cast.rep_a.user, opportunity=ours, needs="需要自动化产线")
    assert selectors.needs_for(ours).needs == "需要自动化产线"


def test_move_form_lists_the_stages_the_page_read(cast):
    ours = make_opportunity(cast.rep_a)
    from_query = MoveForm(opportunity=ours)["stage"]
    from_page = MoveForm(opportunity=ours, active_stages=selectors.stages())["stage"]
    assert str(from_page) == str(from_query)
    assert stage("contact").name not in str(from_page)  # not the stage it is in
