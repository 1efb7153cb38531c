"""The process a new install ships (R3.1): the stages in order; winning needs an order's criteria."""

import pytest

from salescore.core.errors import ApplicationError
from salescore.customers import services as customers
from salescore.pipeline import services
from salescore.pipeline.models import Stage


def test_the_default_process_follows_the_policy(db):
    codes = list(Stage.objects.order_by("sort_order").values_list("code", flat=True))
    assert codes == ["contact", "needs_analysis", "recommendation", "presentation", "order", "won", "lost"]
    won = Stage.objects.get(code="won")
    assert set(Stage.objects.get(code="order").entry_gates) <= set(won.entry_gates)


def test_an_opportunity_cannot_jump_from_first_contact_to_won(cast):
    customer = customers.customer_create(actor=cast.rep_a.user, name="跳单测试有限公司")
    opportunity = services.opportunity_create(
        actor=cast.rep_a.user, customer=customer, name="x", amount="1000"
    )
    with pytest.raises(ApplicationError) as refused:
        services.opportunity_advance(
            actor=cast.rep_a.user, opportunity=opportunity, to_stage=Stage.objects.get(code="won")
        )
    assert refused.value.code == "gate"
    assert {"has_contact", "needs_recorded", "products_proposed", "close_date_set"} <= set(
        refused.value.fields
    )


def test_a_zero_probability_is_kept(cast):
    customer = customers.customer_create(actor=cast.rep_a.user, name="概率测试有限公司")
    opportunity = services.opportunity_create(
        actor=cast.rep_a.user, customer=customer, name="x", probability=0
    )
    assert opportunity.probability == 0
