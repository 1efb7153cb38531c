"""Seeing an opportunity is not working on it: every pipeline write needs pipeline.work."""

import pytest

from salescore.core.errors import PermissionDeniedError
from salescore.core.services import record_share
from salescore.customers import services as customers
from salescore.pipeline import services
from salescore.pipeline.models import Stage


@pytest.fixture
def shared_opportunity(cast):
    customer = customers.customer_create(actor=cast.rep_a.user, name="共享测试有限公司")
    opportunity = services.opportunity_create(actor=cast.rep_a.user, customer=customer, name="共享商机")
    record_share(actor=cast.rep_a.user, record=opportunity, person=cast.agent.person)
    return opportunity


@pytest.mark.parametrize(
    "call",
    [
        lambda c, o: services.opportunity_update(actor=c.agent.user, opportunity=o, name="x"),
        lambda c, o: services.opportunity_advance(
            actor=c.agent.user, opportunity=o, to_stage=Stage.objects.get(code="lost"), reason="x"
        ),
        lambda c, o: services.opportunity_reopen(actor=c.agent.user, opportunity=o, reason="x"),
        lambda c, o: services.opportunity_delete(actor=c.agent.user, opportunity=o),
        lambda c, o: services.needs_record(actor=c.agent.user, opportunity=o, needs="x"),
    ],
    ids=["update", "advance", "reopen", "delete", "needs"],
)
def test_a_shared_opportunity_is_read_only_without_pipeline_work(cast, shared_opportunity, call):
    with pytest.raises(PermissionDeniedError):
        call(cast, shared_opportunity)
    shared_opportunity.refresh_from_db()
    assert shared_opportunity.stage.code == "contact"
