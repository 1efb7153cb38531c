"""The sales process services and selectors (R3.1-R3.5): the gated stage service and its history,
configurable entry criteria, owners and contacts, money, needs, proposed products, explained
recommendations, stage scripts, activities on the customer's timeline, and scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.http import Http404
from django.utils import timezone, translation

from salescore.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from salescore.core.services import record_share
from salescore.customers import services as customer_services
from salescore.org.models import Person
from salescore.pipeline import selectors, services
from salescore.pipeline.gates import GATES
from salescore.pipeline.models import Activity, Opportunity, OpportunityProduct, Script, StageChange
from salescore.pipeline.tests.factories import (
    make_contact,
    make_customer,
    make_feature,
    make_opportunity,
    make_product,
    move,
    ready_for,
    stage,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def refusal(excinfo) -> ApplicationError:
    return excinfo.value


def visible_opportunities(member) -> set[int]:
    return set(selectors.opportunity_list(user=member.user).values_list("pk", flat=True))


def visible_activities(member) -> set[int]:
    return set(selectors.activity_list(user=member.user).values_list("pk", flat=True))


# -- the gates: each stage's entry criteria ----------------------------------------------------


def test_a_new_opportunity_starts_in_the_first_stage_with_its_history(cast):
    opportunity = make_opportunity(cast.rep_a)

    assert opportunity.stage.code == "contact"
    assert opportunity.probability == stage("contact").probability
    assert opportunity.owner == cast.rep_a.person
    change = StageChange.objects.get(opportunity=opportunity)
    assert (change.from_stage, change.to_stage.code, change.seconds_in_previous) == (None, "contact", None)


def test_needs_analysis_needs_a_contact_person(cast):
    opportunity = make_opportunity(cast.rep_a, with_contact=False)

    with pytest.raises(ApplicationError) as excinfo:
        move(cast.rep_a, opportunity, "needs_analysis")
    assert refusal(excinfo).code == "gate"
    assert set(refusal(excinfo).fields) == {"has_contact"}

    contact = make_contact(cast.rep_a, opportunity.customer)
    services.opportunity_update(actor=cast.rep_a.user, opportunity=opportunity, contacts=[contact])
    assert move(cast.rep_a, opportunity, "needs_analysis").stage.code == "needs_analysis"


def test_no_recommendation_before_the_needs_are_recorded(cast):
    opportunity = move(cast.rep_a, make_opportunity(cast.rep_a), "needs_analysis")

    with pytest.raises(ApplicationError) as excinfo:
        move(cast.rep_a, opportunity, "recommendation")
    assert set(refusal(excinfo).fields) == {"needs_recorded"}

    services.needs_record(actor=cast.rep_a.user, opportunity=opportunity, needs="产线节拍要提高 30%")
    assert move(cast.rep_a, opportunity, "recommendation").stage.code == "recommendation"


def test_no_presentation_without_proposed_products(cast):
    opportunity = ready_for(cast.rep_a, make_opportunity(cast.rep_a), "recommendation")
    opportunity = move(cast.rep_a, opportunity, "recommendation")

    with pytest.raises(ApplicationError) as excinfo:
        move(cast.rep_a, opportunity, "presentation")
    assert set(refusal(excinfo).fields) == {"products_proposed"}

    # a withdrawn product does not count
    line = services.product_propose(actor=cast.rep_a.user, opportunity=opportunity, product=make_product())
    services.product_withdraw(actor=cast.rep_a.user, line=line)
    with pytest.raises(ApplicationError):
        move(cast.rep_a, opportunity, "presentation")

    services.product_propose(actor=cast.rep_a.user, opportunity=opportunity, product=make_product())
    assert move(cast.rep_a, opportunity, "presentation").stage.code == "presentation"


def test_an_order_needs_the_amount_and_the_close_date(cast):
    opportunity = ready_for(cast.rep_a, make_opportunity(cast.rep_a), "presentation")
    opportunity = move(cast.rep_a, opportunity, "presentation")

    with pytest.raises(ApplicationError) as excinfo:
        move(cast.rep_a, opportunity, "order")
    assert set(refusal(excinfo).fields) == {"amount_set", "close_date_set"}

    services.opportunity_update(actor=cast.rep_a.user, opportunity=opportunity, amount="0")
    with pytest.raises(ApplicationError) as excinfo:
        move(cast.rep_a, opportunity, "order")
    assert set(refusal(excinfo).fields) == {"amount_set", "close_date_set"}, "zero is not an amount"

    services.opportunity_update(
        actor=cast.rep_a.user,
        opportunity=opportunity,
        amount="88000",
        expected_close_date=dt.date(2026, 9, 30),
    )
    assert move(cast.rep_a, opportunity, "order").stage.code == "order"


def test_lost_needs_a_reason_and_keeps_it(cast):
    opportunity = make_opportunity(cast.rep_a)

    for reason in ("", "   "):
        with pytest.raises(ApplicationError) as excinfo:
            move(cast.rep_a, opportunity, "lost", reason=reason)
        assert refusal(excinfo).code == "gate"
        assert set(refusal(excinfo).fields) == {"loss_reason"}

    lost = move(cast.rep_a, opportunity, "lost", reason=" 价格高于竞品 ")
    assert (lost.stage.code, lost.loss_reason, lost.probability) == ("lost", "价格高于竞品", Decimal("0"))
    assert lost.closed_at is not None


def test_a_refusal_names_every_missing_criterion(cast):
    opportunity = make_opportunity(cast.rep_a, with_contact=False)

    with translation.override("en"), pytest.raises(ApplicationError) as excinfo:
        move(cast.rep_a, opportunity, "order")

    error = refusal(excinfo)
    keys = ["has_contact", "needs_recorded", "products_proposed", "amount_set", "close_date_set"]
    assert error.code == "gate" and error.status == 400
    assert set(error.fields) == set(keys)
    with translation.override("en"):
        for key in keys:
            assert error.fields[key] == str(GATES[key].label)
            assert str(GATES[key].label) in error.message
    assert error.message.startswith("Order needs:")
    # nothing moved, nothing recorded
    opportunity.refresh_from_db()
    assert opportunity.stage.code == "contact"
    assert StageChange.objects.filter(opportunity=opportunity).count() == 1


def test_skipping_forward_works_only_when_every_criterion_of_the_target_holds(cast):
    opportunity = make_opportunity(cast.rep_a)
    services.needs_record(actor=cast.rep_a.user, opportunity=opportunity, needs="降低能耗")
    services.product_propose(actor=cast.rep_a.user, opportunity=opportunity, product=make_product())

    # presentation's criteria hold, order's do not yet
    with pytest.raises(ApplicationError) as excinfo:
        move(cast.rep_a, opportunity, "order")
    assert set(refusal(excinfo).fields) == {"amount_set", "close_date_set"}

    ready_for(cast.rep_a, opportunity, "order")
    moved = move(cast.rep_a, opportunity, "order")

    assert moved.stage.code == "order"
    change = StageChange.objects.filter(opportunity=opportunity).last()
    assert (change.from_stage.code, change.to_stage.code) == ("contact", "order")


def test_moving_back_is_allowed_and_checked_like_any_move(cast):
    opportunity = move(cast.rep_a, ready_for(cast.rep_a, make_opportunity(cast.rep_a), "order"), "order")

    back = move(cast.rep_a, opportunity, "needs_analysis")

    assert (back.stage.code, back.probability) == ("needs_analysis", stage("needs_analysis").probability)


def test_moving_to_the_current_stage_changes_nothing(cast):
    opportunity = make_opportunity(cast.rep_a)

    same = move(cast.rep_a, opportunity, "contact")

    assert same.version == opportunity.version
    assert StageChange.objects.filter(opportunity=opportunity).count() == 1


def test_an_inactive_stage_is_refused(cast):
    opportunity = make_opportunity(cast.rep_a)
    services.stage_update(actor=cast.director.user, stage=stage("needs_analysis"), active=False)

    with pytest.raises(ApplicationError) as excinfo:
        move(cast.rep_a, opportunity, "needs_analysis")
    assert refusal(excinfo).code == "invalid_stage"


def test_a_stale_version_is_refused(cast):
    opportunity = make_opportunity(cast.rep_a)
    loaded = opportunity.version
    services.opportunity_update(actor=cast.rep_a.user, opportunity=opportunity, notes="客户下周回复")

    with pytest.raises(ConflictError):
        move(cast.rep_a, opportunity, "needs_analysis", version=loaded)


# -- closing, reopening, history --------------------------------------------------------------


def test_closed_opportunities_refuse_moves_until_reopened(cast):
    opportunity = move(cast.rep_a, make_opportunity(cast.rep_a), "lost", reason="预算取消")

    for code in ("contact", "needs_analysis", "won"):
        with pytest.raises(ApplicationError) as excinfo:
            move(cast.rep_a, opportunity, code)
        assert refusal(excinfo).code == "closed"

    reopened = services.opportunity_reopen(actor=cast.rep_a.user, opportunity=opportunity, reason="预算恢复")
    assert move(cast.rep_a, reopened, "needs_analysis").stage.code == "needs_analysis"


def test_won_is_closed_too_and_keeps_the_win_reason(cast):
    opportunity = ready_for(cast.rep_a, make_opportunity(cast.rep_a), "order")
    won = move(cast.rep_a, move(cast.rep_a, opportunity, "order"), "won", reason="方案最优")

    assert (won.stage.code, won.win_reason, won.probability) == ("won", "方案最优", Decimal("100"))
    assert won.closed_at is not None
    with pytest.raises(ApplicationError) as excinfo:
        move(cast.rep_a, won, "lost", reason="客户反悔")
    assert refusal(excinfo).code == "closed"


def test_reopen_returns_to_the_last_open_stage(cast):
    opportunity = ready_for(cast.rep_a, make_opportunity(cast.rep_a), "presentation")
    opportunity = move(cast.rep_a, opportunity, "presentation")
    opportunity = move(cast.rep_a, opportunity, "recommendation")  # back one step
    lost = move(cast.rep_a, opportunity, "lost", reason="客户选了别家")

    reopened = services.opportunity_reopen(actor=cast.rep_a.user, opportunity=lost, reason="别家交付失败")

    assert reopened.stage.code == "recommendation"
    assert reopened.probability == stage("recommendation").probability
    assert reopened.closed_at is None
    assert "别家交付失败" in reopened.notes
    last = StageChange.objects.filter(opportunity=opportunity).last()
    assert (last.from_stage.code, last.to_stage.code) == ("lost", "recommendation")


def test_reopen_needs_a_reason_and_leaves_open_opportunities_alone(cast):
    opportunity = make_opportunity(cast.rep_a)
    assert services.opportunity_reopen(actor=cast.rep_a.user, opportunity=opportunity, reason="").pk

    lost = move(cast.rep_a, opportunity, "lost", reason="无预算")
    with pytest.raises(ApplicationError) as excinfo:
        services.opportunity_reopen(actor=cast.rep_a.user, opportunity=lost, reason=" ")
    assert set(refusal(excinfo).fields) == {"reason"}


def test_stage_changes_record_the_time_spent_in_the_previous_stage(cast):
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False):
        opportunity = make_opportunity(cast.rep_a)
    with time_machine.travel(start + dt.timedelta(days=2, hours=3), tick=False):
        opportunity = move(cast.rep_a, opportunity, "needs_analysis")
        assert opportunity.stage_entered_at == timezone.now()
    with time_machine.travel(start + dt.timedelta(days=2, hours=3, minutes=30), tick=False):
        opportunity = move(cast.rep_a, opportunity, "lost", reason="联系人离职")
    with time_machine.travel(start + dt.timedelta(days=10), tick=False):
        services.opportunity_reopen(actor=cast.rep_a.user, opportunity=opportunity, reason="新联系人")

    rows = list(StageChange.objects.filter(opportunity=opportunity).select_related("from_stage", "to_stage"))
    assert [(r.from_stage and r.from_stage.code, r.to_stage.code, r.seconds_in_previous) for r in rows] == [
        (None, "contact", None),
        ("contact", "needs_analysis", 2 * 86400 + 3 * 3600),
        ("needs_analysis", "lost", 30 * 60),
        ("lost", "needs_analysis", 10 * 86400 - (2 * 86400 + 3 * 3600 + 30 * 60)),
    ]
    assert all(r.actor == cast.rep_a.user for r in rows)
    assert rows[1].at == start + dt.timedelta(days=2, hours=3)


def test_probability_follows_the_stage(cast):
    opportunity = make_opportunity(cast.rep_a)
    services.opportunity_update(actor=cast.rep_a.user, opportunity=opportunity, probability=Decimal("35"))

    opportunity = move(cast.rep_a, opportunity, "needs_analysis")
    assert opportunity.probability == Decimal("20.00")

    services.stage_update(actor=cast.director.user, stage=stage("recommendation"), probability="45.5")
    opportunity = move(cast.rep_a, ready_for(cast.rep_a, opportunity, "recommendation"), "recommendation")
    assert opportunity.probability == Decimal("45.50")


# -- configurable gates ----------------------------------------------------------------------


def test_the_entry_criteria_are_configuration_and_the_rule_follows_them(cast):
    opportunity = make_opportunity(cast.rep_a)
    needs_analysis = stage("needs_analysis")

    # stricter: an amount before the needs analysis
    services.stage_update(
        actor=cast.director.user, stage=needs_analysis, entry_gates=["has_contact", "amount_set"]
    )
    with pytest.raises(ApplicationError) as excinfo:
        move(cast.rep_a, opportunity, "needs_analysis")
    assert set(refusal(excinfo).fields) == {"amount_set"}

    # looser: recommendation without the needs analysis
    services.stage_update(actor=cast.director.user, stage=stage("recommendation"), entry_gates=[])
    assert move(cast.rep_a, opportunity, "recommendation").stage.code == "recommendation"


def test_an_unknown_gate_key_is_refused(cast):
    recommendation = stage("recommendation")

    with pytest.raises(ApplicationError) as excinfo:
        services.stage_update(
            actor=cast.director.user, stage=recommendation, entry_gates=["needs_recorded", "signed_by_ceo"]
        )

    assert set(refusal(excinfo).fields) == {"entry_gates"}
    assert "signed_by_ceo" in refusal(excinfo).message
    recommendation.refresh_from_db()
    assert recommendation.entry_gates == ["has_contact", "needs_recorded"]


def test_only_process_configurers_change_stages(cast):
    for member in (cast.head, cast.lead_a, cast.rep_a):
        with pytest.raises(PermissionDeniedError):
            services.stage_update(actor=member.user, stage=stage("contact"), probability="15")
    with pytest.raises(ApplicationError) as excinfo:
        services.stage_update(actor=cast.director.user, stage=stage("contact"), probability="101")
    assert set(refusal(excinfo).fields) == {"probability"}


# -- owners, contacts, money ------------------------------------------------------------------


def test_owner_is_limited_to_people_in_scope(cast):
    customer = make_customer(cast.lead_a)

    # a rep owns their own opportunities only
    with pytest.raises(ApplicationError) as excinfo:
        make_opportunity(cast.rep_a, make_customer(cast.rep_a), owner=cast.rep_a2.person)
    assert refusal(excinfo).code == "out_of_scope" and set(refusal(excinfo).fields) == {"owner"}

    # a team lead gives them to their team, not to another team
    given = make_opportunity(cast.lead_a, customer, owner=cast.rep_a2.person)
    assert given.owner == cast.rep_a2.person
    with pytest.raises(ApplicationError) as excinfo:
        services.opportunity_update(actor=cast.lead_a.user, opportunity=given, owner=cast.rep_b.person)
    assert refusal(excinfo).code == "out_of_scope"

    # nobody hands work to someone who has left
    Person.objects.filter(pk=cast.rep_a2.pk).update(status=Person.Status.LEFT)
    with pytest.raises(ApplicationError) as excinfo:
        make_opportunity(cast.lead_a, customer, owner=Person.all_objects.get(pk=cast.rep_a2.pk))
    assert refusal(excinfo).code == "invalid_owner"


def test_only_sales_people_open_opportunities(cast):
    customer = make_customer(cast.director)
    for member in (cast.agent, cast.clerk, cast.analyst):
        with pytest.raises(PermissionDeniedError):
            services.opportunity_create(actor=member.user, customer=customer, name="试试")


def test_contacts_must_belong_to_the_customer(cast):
    customer, other = make_customer(cast.rep_a), make_customer(cast.rep_a)
    stranger = make_contact(cast.rep_a, other, name="外人")

    with pytest.raises(ApplicationError) as excinfo:
        make_opportunity(cast.rep_a, customer, contacts=[make_contact(cast.rep_a, customer), stranger])
    assert refusal(excinfo).code == "invalid_contact" and set(refusal(excinfo).fields) == {"contacts"}

    opportunity = make_opportunity(cast.rep_a, customer)
    with pytest.raises(ApplicationError):
        services.opportunity_update(actor=cast.rep_a.user, opportunity=opportunity, contacts=[stranger])


def test_the_amount_is_a_non_negative_decimal(cast):
    opportunity = make_opportunity(cast.rep_a, amount="12,500.5")
    assert opportunity.amount == Decimal("12500.50")

    for bad, code in (("-0.01", "invalid"), ("abc", "invalid_number"), (Decimal("-5"), "invalid")):
        with pytest.raises(ApplicationError) as excinfo:
            services.opportunity_update(actor=cast.rep_a.user, opportunity=opportunity, amount=bad)
        assert refusal(excinfo).code == code and set(refusal(excinfo).fields) == {"amount"}
    with pytest.raises(TypeError):
        services.opportunity_update(actor=cast.rep_a.user, opportunity=opportunity, amount=0.1)

    opportunity.refresh_from_db()
    assert opportunity.amount == Decimal("12500.50")


def test_fields_outside_the_form_are_refused(cast):
    opportunity = make_opportunity(cast.rep_a)
    with pytest.raises(ApplicationError) as excinfo:
        services.opportunity_update(actor=cast.rep_a.user, opportunity=opportunity, stage=stage("won"))
    assert "stage" in refusal(excinfo).message


# -- needs analysis, proposed products ---------------------------------------------------------


def test_needs_are_recorded_once_and_updated_after(cast):
    opportunity = make_opportunity(cast.rep_a)
    feature = make_feature("energy-saving")

    first = services.needs_record(
        actor=cast.rep_a.user,
        opportunity=opportunity,
        needs=" 降低能耗 ",
        budget_min="100000",
        budget_max="200000",
        features=[feature],
    )
    again = services.needs_record(
        actor=cast.rep_a.user, opportunity=opportunity, pain_points="电费太高", version=first.version
    )

    assert again.pk == first.pk
    assert (again.needs, again.pain_points) == ("降低能耗", "电费太高")
    assert (again.budget_min, again.budget_max) == (Decimal("100000.00"), Decimal("200000.00"))
    assert list(again.features.all()) == [feature]
    with pytest.raises(ConflictError):
        services.needs_record(actor=cast.rep_a.user, opportunity=opportunity, timeline="Q3", version=1)
    with pytest.raises(ApplicationError) as excinfo:
        services.needs_record(actor=cast.rep_a.user, opportunity=opportunity, needs="  ")
    assert set(refusal(excinfo).fields) == {"needs"}


def test_the_needs_budget_range_is_checked(cast):
    opportunity = make_opportunity(cast.rep_a)

    with pytest.raises(ApplicationError) as excinfo:
        services.needs_record(
            actor=cast.rep_a.user,
            opportunity=opportunity,
            needs="扩产",
            budget_min="300000",
            budget_max="200000",
        )
    assert set(refusal(excinfo).fields) == {"budget_max"}

    # the bound already stored counts too
    services.needs_record(actor=cast.rep_a.user, opportunity=opportunity, needs="扩产", budget_min="300000")
    with pytest.raises(ApplicationError) as excinfo:
        services.needs_record(actor=cast.rep_a.user, opportunity=opportunity, budget_max="100")
    assert set(refusal(excinfo).fields) == {"budget_max"}

    # a negative bound names its own field
    with pytest.raises(ApplicationError) as excinfo:
        services.needs_record(actor=cast.rep_a.user, opportunity=opportunity, budget_min="-1")
    assert set(refusal(excinfo).fields) == {"budget_min"}


def test_product_propose_refuses_inactive_products(cast):
    opportunity = make_opportunity(cast.rep_a)
    retired = make_product(active=False)

    with pytest.raises(ApplicationError) as excinfo:
        services.product_propose(actor=cast.rep_a.user, opportunity=opportunity, product=retired)
    assert refusal(excinfo).code == "inactive_product" and set(refusal(excinfo).fields) == {"product"}
    with pytest.raises(ApplicationError):
        services.product_propose(
            actor=cast.rep_a.user, opportunity=opportunity, product=make_product(), quantity=0
        )
    assert not OpportunityProduct.objects.filter(opportunity=opportunity).exists()


def test_product_propose_is_idempotent_per_product(cast):
    opportunity = make_opportunity(cast.rep_a)
    product = make_product()

    first = services.product_propose(
        actor=cast.rep_a.user,
        opportunity=opportunity,
        product=product,
        reason="匹配需求",
        score=Decimal("75"),
    )
    second = services.product_propose(
        actor=cast.rep_a.user, opportunity=opportunity, product=product, quantity=3
    )

    assert second.pk == first.pk
    line = OpportunityProduct.objects.get(opportunity=opportunity)
    assert (line.quantity, line.reason, line.score) == (3, "匹配需求", Decimal("75.0"))

    # withdrawn, then proposed again: a new line, still one alive
    services.product_withdraw(actor=cast.rep_a.user, line=line)
    services.product_propose(actor=cast.rep_a.user, opportunity=opportunity, product=product)
    assert OpportunityProduct.objects.filter(opportunity=opportunity).count() == 1
    assert OpportunityProduct.all_objects.filter(opportunity=opportunity).count() == 2


# -- recommendations ---------------------------------------------------------------------------


@pytest.fixture
def catalogue():
    precision, saving, quiet = make_feature("precision"), make_feature("saving"), make_feature("quiet")
    return {
        "features": (precision, saving, quiet),
        # both needed features, for the customer's industry and size
        "best": make_product(
            code="A-100", features=[precision, saving], industries=["automotive"], sizes=["large"]
        ),
        # one of two features, the industry
        "half": make_product(code="B-200", features=[precision], industries=["automotive"]),
        # nothing that matches, except that won deals in the industry bought it
        "popular": make_product(code="C-300", features=[quiet]),
        # both features, but its floor is above the budget
        "dear": make_product(
            code="D-400",
            features=[precision, saving],
            list_price=Decimal("900000"),
            price_floor=Decimal("800000"),
        ),
        "unrelated": make_product(code="E-500", features=[quiet]),
        "retired": make_product(code="F-600", features=[precision, saving], active=False),
    }


def _win_with(member, customer, product):
    opportunity = ready_for(member, make_opportunity(member, customer), "order", product=product)
    return move(member, move(member, opportunity, "order"), "won")


def test_recommendations_are_ranked_and_explained(cast, catalogue):
    precision, saving, _quiet = catalogue["features"]
    customer = make_customer(cast.rep_a, industry="automotive", size="large")
    # two won deals of automotive customers bought "popular", one bought "half"
    _win_with(cast.rep_a, make_customer(cast.rep_a, industry="automotive"), catalogue["popular"])
    _win_with(cast.rep_a, make_customer(cast.rep_a, industry="automotive"), catalogue["popular"])
    _win_with(cast.rep_a, make_customer(cast.rep_a, industry="automotive"), catalogue["half"])
    # a won deal in another industry does not count
    _win_with(cast.rep_a, make_customer(cast.rep_a, industry="food"), catalogue["unrelated"])
    opportunity = make_opportunity(cast.rep_a, customer)
    services.needs_record(
        actor=cast.rep_a.user,
        opportunity=opportunity,
        needs="高精度、节能",
        features=[precision, saving],
        budget_max="500000",
    )
    services.product_propose(actor=cast.rep_a.user, opportunity=opportunity, product=catalogue["half"])
    opportunity = selectors.opportunity_get_for_user(user=cast.rep_a.user, pk=opportunity.pk)

    with translation.override("en"):
        ranked = selectors.recommend_products(opportunity=opportunity)

    by_code = {r.product.code: r for r in ranked}
    assert [r.product.code for r in ranked] == ["A-100", "B-200", "D-400", "C-300"]
    # 60 for both features + 15 industry + 10 size
    assert by_code["A-100"].score == Decimal("85.0")
    assert len(by_code["A-100"].reasons) == 3
    assert by_code["A-100"].reasons[0].startswith("meets 2 of 2 needed features")
    # 30 for one of two features + 15 industry + 15 * 1/2 for the won deals
    assert by_code["B-200"].score == Decimal("52.5")
    assert any("1 won deals" in reason for reason in by_code["B-200"].reasons)
    assert by_code["B-200"].proposed and not by_code["A-100"].proposed
    # 60 for the features - 10 because its floor is above the budget
    assert by_code["D-400"].score == Decimal("50.0")
    assert "above the customer's budget" in by_code["D-400"].reasons[-1]
    # only the won deals: 15 * 2/2
    assert by_code["C-300"].score == Decimal("15.0")
    assert by_code["C-300"].reasons == ["bought in 2 won deals with customers of the same industry"]
    # no match at all, inactive: not recommended
    assert "E-500" not in by_code and "F-600" not in by_code

    assert [r.product.code for r in selectors.recommend_products(opportunity=opportunity, limit=2)] == [
        "A-100",
        "B-200",
    ]


def test_recommendations_without_needs_use_the_customer_profile(cast, catalogue):
    opportunity = make_opportunity(cast.rep_a, make_customer(cast.rep_a, industry="automotive"))

    ranked = selectors.recommend_products(opportunity=opportunity)

    assert [(r.product.code, r.score) for r in ranked] == [
        ("A-100", Decimal("15.0")),
        ("B-200", Decimal("15.0")),
    ]


def test_recommendations_take_a_fixed_number_of_queries(cast, catalogue, django_assert_num_queries):
    precision, saving, quiet = catalogue["features"]
    customer = make_customer(cast.rep_a, industry="automotive", size="large")
    _win_with(cast.rep_a, make_customer(cast.rep_a, industry="automotive"), catalogue["popular"])
    opportunity = make_opportunity(cast.rep_a, customer)
    services.needs_record(
        actor=cast.rep_a.user, opportunity=opportunity, needs="高精度", features=[precision], budget_max="1"
    )
    opportunity = selectors.opportunity_get_for_user(user=cast.rep_a.user, pk=opportunity.pk)

    # the needs and their features, the products and their features, won deals, proposed products
    with django_assert_num_queries(6):
        few = selectors.recommend_products(opportunity=opportunity, limit=50)
    for _ in range(20):
        make_product(features=[precision, quiet], industries=["automotive"], sizes=["large"])
    with django_assert_num_queries(6):
        many = selectors.recommend_products(opportunity=opportunity, limit=50)
    assert len(many) == len(few) + 20


# -- scripts -----------------------------------------------------------------------------------


def test_scripts_for_the_stage_and_for_the_proposed_products(cast):
    proposed, other = make_product(), make_product()
    presentation = stage("presentation")

    def script(title, stage_, product=None, active=True):
        return services.script_save(
            actor=cast.director.user,
            stage=stage_,
            title=title,
            body=f"{title}：先确认客户需求，再讲方案。",
            checklist="确认决策人\n演示核心功能\n",
            product=product,
            active=active,
        )

    general = script("通用展示话术", presentation)
    specific = script("产品演示要点", presentation, product=proposed)
    script("其他产品话术", presentation, product=other)
    script("旧话术", presentation, active=False)
    script("接触话术", stage("contact"))
    opportunity = ready_for(cast.rep_a, make_opportunity(cast.rep_a), "presentation", product=proposed)
    opportunity = move(cast.rep_a, opportunity, "presentation")

    scripts = selectors.scripts_for(opportunity)

    assert scripts == [general, specific]
    assert scripts[0].checklist_items == ["确认决策人", "演示核心功能"]
    with pytest.raises(PermissionDeniedError):
        services.script_save(actor=cast.rep_a.user, stage=presentation, title="自编", body="...")
    services.script_delete(actor=cast.director.user, script=specific)
    assert selectors.scripts_for(opportunity) == [general]
    assert Script.all_objects.count() == 5


# -- activities --------------------------------------------------------------------------------


def test_an_activity_moves_the_customers_last_contact(cast):
    customer = make_customer(cast.rep_a)
    earlier = timezone.now() - dt.timedelta(days=3)

    latest = services.activity_log(
        actor=cast.rep_a.user, customer=customer, channel="phone", subject="电话回访"
    )
    services.activity_log(
        actor=cast.rep_a.user, customer=customer, channel="email", subject="补发资料", occurred_at=earlier
    )

    customer.refresh_from_db()
    assert customer.last_contact_at == latest.occurred_at, "an older touch does not move it back"
    assert customer.version == 1, "bookkeeping, not an edit"
    assert latest.owner == cast.rep_a.person


def test_activities_are_visible_to_everyone_who_sees_the_customer(cast):
    customer = make_customer(cast.rep_a)
    customer_services.customer_add_collaborator(
        actor=cast.rep_a.user, customer=customer, person=cast.rep_b.person
    )
    mine = services.activity_log(
        actor=cast.rep_a.user, customer=customer, channel="visit", subject="上门拜访"
    )
    theirs = services.activity_log(
        actor=cast.rep_b.user, customer=customer, channel="phone", subject="协作电话"
    )

    both = {mine.pk, theirs.pk}
    # Customer Service and the order desk serve every customer, so they see its timeline too
    for member in (cast.rep_a, cast.rep_b, cast.lead_a, cast.head, cast.director, cast.agent, cast.clerk):
        assert visible_activities(member) >= both, member.user.username
    # the collaborator's own team lead and other reps do not see the customer, nor its timeline
    for member in (cast.rep_a2, cast.lead_b):
        assert not visible_activities(member) & both, member.user.username
    with pytest.raises(Http404):
        services.activity_log(actor=cast.rep_a2.user, customer=customer, channel="phone", subject="越权")


def test_an_activity_in_the_future_is_refused(cast):
    customer = make_customer(cast.rep_a)

    with pytest.raises(ApplicationError) as excinfo:
        services.activity_log(
            actor=cast.rep_a.user,
            customer=customer,
            channel="phone",
            subject="明天的电话",
            occurred_at=timezone.now() + dt.timedelta(hours=1),
        )
    assert set(refusal(excinfo).fields) == {"occurred_at"}
    # a clock a little ahead is tolerated
    services.activity_log(
        actor=cast.rep_a.user,
        customer=customer,
        channel="phone",
        subject="刚刚",
        occurred_at=timezone.now() + dt.timedelta(minutes=2),
    )


def test_a_visit_is_checked_in_with_both_coordinates_or_none(cast):
    customer = make_customer(cast.rep_a)
    when = timezone.now() - dt.timedelta(hours=2)

    visit = services.activity_log(
        actor=cast.rep_a.user,
        customer=customer,
        channel="visit",
        subject="现场拜访",
        occurred_at=when,
        location="上海市浦东新区",
        latitude=Decimal("31.230416"),
        longitude=Decimal("121.473701"),
    )
    assert visit.checked_in_at == when
    call = services.activity_log(actor=cast.rep_a.user, customer=customer, channel="phone", subject="电话")
    assert call.checked_in_at is None

    for coordinates in ({"latitude": Decimal("31.2")}, {"longitude": Decimal("121.4")}):
        with pytest.raises(ApplicationError) as excinfo:
            services.activity_log(
                actor=cast.rep_a.user, customer=customer, channel="visit", subject="缺坐标", **coordinates
            )
        assert set(refusal(excinfo).fields) == {"longitude"}
    with pytest.raises(ApplicationError) as excinfo:
        services.activity_log(
            actor=cast.rep_a.user,
            customer=customer,
            channel="visit",
            subject="坐标越界",
            latitude=Decimal("91"),
            longitude=Decimal("121"),
        )
    assert "latitude" in refusal(excinfo).fields


def test_an_activity_links_only_the_customers_opportunity_and_contacts(cast):
    customer, other = make_customer(cast.rep_a), make_customer(cast.rep_a)
    foreign_opportunity = make_opportunity(cast.rep_a, other)

    with pytest.raises(ApplicationError) as excinfo:
        services.activity_log(
            actor=cast.rep_a.user,
            customer=customer,
            opportunity=foreign_opportunity,
            channel="phone",
            subject="x",
        )
    assert set(refusal(excinfo).fields) == {"opportunity"}
    with pytest.raises(ApplicationError) as excinfo:
        services.activity_log(
            actor=cast.rep_a.user,
            customer=customer,
            contact=make_contact(cast.rep_a, other),
            channel="phone",
            subject="x",
        )
    assert set(refusal(excinfo).fields) == {"contact"}
    with pytest.raises(ApplicationError) as excinfo:
        services.activity_log(actor=cast.rep_a.user, customer=customer, channel="pigeon", subject="x")
    assert set(refusal(excinfo).fields) == {"channel"}


def test_followups_due_count(cast):
    customer = make_customer(cast.rep_a)
    today = timezone.localdate()

    def log(member, due, **fields):
        return services.activity_log(
            actor=member.user,
            customer=customer,
            channel="phone",
            subject="跟进",
            next_step="发报价",
            next_step_due=due,
            **fields,
        )

    overdue = log(cast.rep_a, today - dt.timedelta(days=2))
    log(cast.rep_a, today)
    log(cast.rep_a, today + dt.timedelta(days=1))  # not due yet
    services.activity_log(actor=cast.rep_a.user, customer=customer, channel="phone", subject="无跟进")
    log(cast.lead_a, today)  # someone else's

    assert selectors.followups_due_count(cast.rep_a.user) == 2
    services.activity_complete_next_step(actor=cast.rep_a.user, activity=overdue)
    assert selectors.followups_due_count(cast.rep_a.user) == 1
    assert selectors.followups_due_count(cast.lead_a.user) == 1
    assert selectors.followups_due_count(cast.agent.user) == 0
    # the list shows the open next steps on the customers in scope, the earliest due first
    followups = list(selectors.activity_list(user=cast.rep_a.user, followups_only=True))
    assert [(a.next_step_due, a.owner_id) for a in followups] == [
        (today, cast.rep_a.pk),
        (today, cast.lead_a.pk),
        (today + dt.timedelta(days=1), cast.rep_a.pk),
    ]


def test_only_the_author_or_a_director_deletes_an_activity(cast):
    customer = make_customer(cast.rep_a)
    activity = services.activity_log(
        actor=cast.rep_a.user, customer=customer, channel="phone", subject="电话"
    )

    with pytest.raises(ApplicationError) as excinfo:
        services.activity_delete(actor=cast.lead_a.user, activity=activity)
    assert (refusal(excinfo).status, refusal(excinfo).code) == (403, "permission_denied")
    services.activity_delete(actor=cast.rep_a.user, activity=activity)
    assert not Activity.objects.filter(pk=activity.pk).exists()

    other = services.activity_log(actor=cast.rep_a.user, customer=customer, channel="phone", subject="再打")
    services.activity_delete(actor=cast.director.user, activity=other)
    assert Activity.all_objects.get(pk=other.pk).is_deleted


# -- scope ------------------------------------------------------------------------------------


def test_opportunities_are_scoped_by_owner(cast):
    a = make_opportunity(cast.rep_a)
    b = make_opportunity(cast.rep_b)

    expectations = {
        "rep_a": {a.pk},
        "rep_a2": set(),
        "rep_b": {b.pk},
        "lead_a": {a.pk},
        "lead_b": {b.pk},
        "head": {a.pk, b.pk},
        "director": {a.pk, b.pk},
        "agent": set(),
    }
    for name, expected in expectations.items():
        assert visible_opportunities(getattr(cast, name)) & {a.pk, b.pk} == expected, name
    for member in (cast.rep_b, cast.lead_b, cast.rep_a2):
        with pytest.raises(Http404):
            selectors.opportunity_get_for_user(user=member.user, pk=a.pk)
        with pytest.raises(Http404):
            move(member, a, "lost", reason="越权")


def test_a_shared_opportunity_is_visible_to_the_person_it_is_shared_with(cast):
    opportunity = make_opportunity(cast.rep_a)

    assert record_share(actor=cast.rep_a.user, record=opportunity, person=cast.rep_b.person)

    assert opportunity.pk in visible_opportunities(cast.rep_b)
    assert selectors.opportunity_get_for_user(user=cast.rep_b.user, pk=opportunity.pk) == opportunity
    assert opportunity.pk not in visible_opportunities(cast.lead_b), "sharing is personal"
    # sharing lets them see it, not pass it on or delete it
    with pytest.raises(Http404):
        record_share(actor=cast.rep_b.user, record=opportunity, person=cast.lead_b.person)
    with pytest.raises(Http404):
        services.opportunity_delete(actor=cast.rep_b.user, opportunity=opportunity)


def test_a_collaborator_on_the_customer_does_not_see_its_opportunities(cast):
    customer = make_customer(cast.rep_a)
    opportunity = make_opportunity(cast.rep_a, customer)
    customer_services.customer_add_collaborator(
        actor=cast.rep_a.user, customer=customer, person=cast.rep_b.person
    )

    assert opportunity.pk not in visible_opportunities(cast.rep_b)


def test_deleted_opportunities_leave_the_lists_and_can_be_restored(cast):
    opportunity = make_opportunity(cast.rep_a)

    services.opportunity_delete(actor=cast.rep_a.user, opportunity=opportunity)
    assert opportunity.pk not in visible_opportunities(cast.rep_a)

    deleted = Opportunity.all_objects.get(pk=opportunity.pk)
    with pytest.raises(PermissionDeniedError):
        services.opportunity_restore(actor=cast.rep_a.user, record=deleted)
    services.opportunity_restore(actor=cast.director.user, record=deleted)
    assert opportunity.pk in visible_opportunities(cast.rep_a)


# -- board and timeline -------------------------------------------------------------------------


def test_the_board_counts_and_sums_per_stage_and_currency(cast):
    customer = make_customer(cast.rep_a)
    make_opportunity(cast.rep_a, customer, amount="100.50")
    make_opportunity(cast.rep_a, customer, amount="200")
    make_opportunity(cast.rep_a, customer, amount="50", currency="USD")
    lost = move(cast.rep_a, make_opportunity(cast.rep_a, customer, amount="7"), "lost", reason="无预算")
    make_opportunity(cast.rep_b, amount="999")  # another team

    columns = {c.stage.code: c for c in selectors.board(user=cast.rep_a.user, per_stage=2)}

    assert list(columns) == [
        "contact",
        "needs_analysis",
        "recommendation",
        "presentation",
        "order",
        "won",
        "lost",
    ]
    contact = columns["contact"]
    assert contact.count == 3 and len(contact.cards) == 2
    assert contact.amounts == {"CNY": Decimal("300.50"), "USD": Decimal("50.00")}
    assert [c.pk for c in columns["lost"].cards] == [lost.pk]
    assert columns["order"].count == 0 and columns["order"].amounts == {}


def test_the_board_cards_are_the_newest_whatever_way_the_reader_sees_them(cast):
    """Cards come from the reader's own opportunities and those shared with them, each read in
    card order on its own; the stage shows the newest of both, each once."""
    start = dt.datetime(2026, 4, 1, 9, 0, tzinfo=SHANGHAI)
    made = []
    for i, member in enumerate((cast.rep_a, cast.rep_b, cast.rep_a, cast.rep_b, cast.rep_a, cast.rep_b)):
        with time_machine.travel(start + dt.timedelta(hours=i), tick=False):
            made.append(make_opportunity(member, name=f"卡片{i}"))
    for opportunity in made[1::2]:  # every one of rep_b's is shared with rep_a
        record_share(actor=cast.rep_b.user, record=opportunity, person=cast.rep_a.person)
    with time_machine.travel(start - dt.timedelta(days=1), tick=False):
        make_opportunity(cast.rep_b, name="未共享")  # rep_b's, not shared

    def cards(member, per_stage, owner=None):
        columns = selectors.board(user=member.user, owner=owner, per_stage=per_stage)
        return [c.name for c in columns[0].cards]

    assert cards(cast.rep_a, 4) == ["卡片5", "卡片4", "卡片3", "卡片2"]
    assert cards(cast.rep_a, 10) == ["卡片5", "卡片4", "卡片3", "卡片2", "卡片1", "卡片0"]
    assert cards(cast.rep_a, 2, owner=cast.rep_b.person) == ["卡片5", "卡片3"]
    assert cards(cast.rep_b, 3) == ["卡片5", "卡片3", "卡片1"]
    assert cards(cast.head, 3) == ["卡片5", "卡片4", "卡片3"]
    assert cards(cast.director, 10)[-1] == "未共享"


def test_the_timeline_mixes_activities_and_stage_changes_newest_first(cast):
    start = dt.datetime(2026, 4, 1, 9, 0, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False):
        opportunity = make_opportunity(cast.rep_a)
    with time_machine.travel(start + dt.timedelta(hours=1), tick=False):
        services.activity_log(
            actor=cast.rep_a.user,
            customer=opportunity.customer,
            opportunity=opportunity,
            channel="phone",
            subject="首次电话",
        )
    with time_machine.travel(start + dt.timedelta(hours=2), tick=False):
        move(cast.rep_a, opportunity, "needs_analysis")

    entries = selectors.timeline(user=cast.rep_a.user, opportunity=opportunity)

    assert [e.kind for e in entries] == ["stage", "activity", "stage"]
    assert entries[0].change.to_stage.code == "needs_analysis"
    assert entries[1].activity.subject == "首次电话"
    customer_entries = selectors.timeline(user=cast.rep_a.user, customer=opportunity.customer)
    assert len(customer_entries) == 3


def test_customers_without_industry_get_no_won_deal_bonus(cast, catalogue):
    _win_with(cast.rep_a, make_customer(cast.rep_a), catalogue["popular"])
    opportunity = make_opportunity(cast.rep_a, make_customer(cast.rep_a))

    assert selectors.recommend_products(opportunity=opportunity) == []


def test_the_follow_ups_queue_opens_exactly_the_rows_it_counts(cast, client_as):
    """The home page's "Follow-ups due" number is the number of rows its link lists: the lead's
    own due follow-ups, not the team's nor the ones due later."""
    from salescore.core.navigation import queues_for

    customer = make_customer(cast.rep_a)
    today = timezone.localdate()
    for member, due in [
        (cast.lead_a, today - dt.timedelta(days=1)),
        (cast.lead_a, today),
        (cast.lead_a, today + dt.timedelta(days=3)),  # not due yet
        (cast.rep_a, today),  # the team's, visible to the lead, but not theirs
    ]:
        services.activity_log(
            actor=member.user,
            customer=customer,
            channel="phone",
            subject="跟进",
            next_step="回电",
            next_step_due=due,
        )
    [queue] = [q for q in queues_for(cast.lead_a.user) if q["key"] == "followups_due"]
    assert queue["count"] == 2
    page = client_as(cast.lead_a).get(queue["url"]).context["page"]
    assert len(page.items) == 2
    assert {a.owner_id for a in page.items} == {cast.lead_a.pk}
