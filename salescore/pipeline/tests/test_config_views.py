"""Process configuration pages (R3.1, R3.5): stage entry criteria and the standard scripts.

What the director checks on the stages page is what opportunity_advance asks for, everywhere."""

from __future__ import annotations

from decimal import Decimal

import pytest

from salescore.core.errors import ApplicationError
from salescore.core.navigation import menu_for
from salescore.pipeline import selectors, services
from salescore.pipeline.models import Script, Stage
from salescore.pipeline.tests.factories import make_opportunity, make_product, move, ready_for, stage


@pytest.fixture
def en(client_as):
    def make(member):
        client = client_as(member)
        client.cookies["salescore_language"] = "en"
        return client

    return make


def _stage_form(stage: Stage, **changes) -> dict:
    """The stage's card on the page as posted: its current values, with ``changes``."""
    values = {
        "name": stage.name,
        "name_en": stage.name_en,
        "probability": str(stage.probability),
        "entry_gates": list(stage.entry_gates),
        "exit_note": stage.exit_note,
        "active": "on" if stage.active else "",
        "version": stage.version,
    }
    values.update(changes)
    prefix = f"stage-{stage.pk}"
    return {f"{prefix}-{key}": value for key, value in values.items() if value not in ("", None)}


def _script_form(stage: Stage, **values) -> dict:
    form = {
        "stage": stage.pk,
        "product": "",
        "title": "需求访谈提纲",
        "body": "先了解生产现状，再问痛点。",
        "checklist": "",
        "active": "on",
    }
    form.update(values)
    return form


# -- who may configure ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["rep_a", "lead_a", "head", "agent", "clerk"])
def test_only_configurers_see_the_process_pages(cast, client_as, who):
    client = client_as(getattr(cast, who))
    needs = stage("needs_analysis")
    script = services.script_save(actor=cast.director.user, stage=needs, title="提纲", body="内容")

    for url in (
        "/process/stages/",
        "/process/scripts/",
        "/process/scripts/new/",
        f"/process/scripts/{script.pk}/edit/",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/process/stages/{needs.pk}/", _stage_form(needs, entry_gates=[])).status_code == 403
    assert client.post("/process/scripts/new/", _script_form(needs)).status_code == 403
    assert client.post(f"/process/scripts/{script.pk}/delete/").status_code == 403
    assert Stage.objects.get(pk=needs.pk).entry_gates == ["has_contact"]
    assert Script.objects.filter(pk=script.pk).exists() and Script.objects.count() == 1
    assert "process" not in {row["key"] for row in menu_for(getattr(cast, who).user)}


def test_the_menu_offers_the_process_to_director_and_administrator(cast):
    for member in (cast.director, cast.admin):
        assert "process" in {row["key"] for row in menu_for(member.user)}


# -- stages ----------------------------------------------------------------------------------------


def test_the_stages_page_lists_stages_in_order_with_their_criteria(cast, en):
    response = en(cast.director).get("/process/stages/")

    assert response.status_code == 200
    assert [row["stage"].code for row in response.context["rows"]] == [
        "contact",
        "needs_analysis",
        "recommendation",
        "presentation",
        "order",
        "won",
        "lost",
    ]
    html = response.content.decode()
    assert "the needs analysis is recorded" in html  # the criteria by their labels
    recommendation = stage("recommendation")
    checked = [
        f'name="stage-{recommendation.pk}-entry_gates" value="has_contact" class="form-check-input" '
        f'id="id_stage-{recommendation.pk}-entry_gates_0" checked'
    ]
    assert all(snippet in html for snippet in checked)


def test_unchecking_a_criterion_lets_opportunities_in_without_it(cast, en):
    # Given an opportunity without a contact person: needs analysis requires one
    opportunity = make_opportunity(cast.rep_a, with_contact=False)
    with pytest.raises(ApplicationError) as refused:
        move(cast.rep_a, opportunity, "needs_analysis")
    assert set(refused.value.fields) == {"has_contact"}

    # When the director unchecks "a contact person is linked" for that stage
    needs = stage("needs_analysis")
    response = en(cast.director).post(f"/process/stages/{needs.pk}/", _stage_form(needs, entry_gates=[]))
    assert response.status_code == 302 and response["Location"] == f"/process/stages/#stage-{needs.pk}"

    # Then the same move goes through
    moved = move(cast.rep_a, opportunity, "needs_analysis")
    assert moved.stage.code == "needs_analysis"


def test_checking_a_criterion_makes_opportunity_advance_ask_for_it(cast, en):
    # Given an opportunity ready for product recommendation as configured
    opportunity = make_opportunity(cast.rep_a)
    move(cast.rep_a, opportunity, "needs_analysis")
    ready_for(cast.rep_a, opportunity, "recommendation")

    # When the director adds "the amount is set" and changes the probability
    recommendation = stage("recommendation")
    gates = [*recommendation.entry_gates, "amount_set"]
    response = en(cast.director).post(
        f"/process/stages/{recommendation.pk}/",
        _stage_form(recommendation, entry_gates=gates, probability="35", exit_note="客户认可推荐方向"),
    )
    assert response.status_code == 302
    recommendation.refresh_from_db()
    assert recommendation.entry_gates == ["has_contact", "needs_recorded", "amount_set"]
    assert (recommendation.probability, recommendation.exit_note) == (Decimal("35.00"), "客户认可推荐方向")

    # Then moving there names the new criterion, and passes once it is met
    with pytest.raises(ApplicationError) as refused:
        move(cast.rep_a, opportunity, "recommendation")
    assert set(refused.value.fields) == {"amount_set"}
    services.opportunity_update(actor=cast.rep_a.user, opportunity=opportunity, amount="50000")
    moved = move(cast.rep_a, opportunity, "recommendation")
    assert moved.probability == Decimal("35.00")  # the new probability applies to new entries


def test_criteria_are_saved_in_their_listed_order(cast, client_as):
    order = stage("order")
    client_as(cast.director).post(
        f"/process/stages/{order.pk}/", _stage_form(order, entry_gates=["close_date_set", "has_contact"])
    )
    assert Stage.objects.get(pk=order.pk).entry_gates == ["has_contact", "close_date_set"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"probability": "120"}, "probability"),
        ({"probability": "abc"}, "probability"),
        ({"entry_gates": ["has_contact", "signed_in_blood"]}, "entry_gates"),
        ({"name": ""}, "name"),
    ],
)
def test_a_refused_stage_form_is_shown_with_its_errors(cast, en, changes, field):
    presentation = stage("presentation")
    response = en(cast.director).post(
        f"/process/stages/{presentation.pk}/", _stage_form(presentation, **changes)
    )

    assert response.status_code == 200
    bound = next(row["form"] for row in response.context["rows"] if row["stage"].pk == presentation.pk)
    assert field in bound.errors
    assert Stage.objects.get(pk=presentation.pk).version == presentation.version


def test_a_stale_stage_form_is_refused(cast, en):
    needs = stage("needs_analysis")
    stale = _stage_form(needs, entry_gates=[])
    services.stage_update(actor=cast.admin.user, stage=needs, probability="25")

    response = en(cast.director).post(f"/process/stages/{needs.pk}/", stale)
    assert response.status_code == 200
    assert "Someone else changed this record" in response.content.decode()
    assert Stage.objects.get(pk=needs.pk).entry_gates == ["has_contact"]


def test_a_stage_taken_out_of_use_cannot_be_entered(cast, client_as):
    opportunity = make_opportunity(cast.rep_a)
    needs = stage("needs_analysis")
    form = _stage_form(needs)
    del form[f"stage-{needs.pk}-active"]
    client_as(cast.director).post(f"/process/stages/{needs.pk}/", form)

    with pytest.raises(ApplicationError) as refused:
        move(cast.rep_a, opportunity, "needs_analysis")
    assert refused.value.code == "invalid_stage"


# -- scripts ---------------------------------------------------------------------------------------


def test_a_script_is_created_listed_and_shown_for_its_stage(cast, en):
    client = en(cast.director)
    needs = stage("needs_analysis")

    response = client.get(f"/process/scripts/new/?stage={needs.pk}")
    assert response.context["form"].initial["stage"] == needs
    response = client.post(
        "/process/scripts/new/", _script_form(needs, checklist="记录痛点\r\n\r\n  确认预算  \n确认决策人\n")
    )
    script = Script.objects.get(title="需求访谈提纲")
    assert response.status_code == 302 and response["Location"] == f"/process/scripts/#stage-{needs.pk}"
    assert script.checklist_items == ["记录痛点", "确认预算", "确认决策人"]
    assert script.checklist == "记录痛点\n确认预算\n确认决策人"

    page = client.get("/process/scripts/")
    groups = {group["stage"].code: group["scripts"] for group in page.context["groups"]}
    assert groups["needs_analysis"] == [script] and groups["contact"] == []
    assert "won" not in groups  # closed stages have no presentation to script
    assert "确认预算" in page.content.decode()

    # the rep sees it on an opportunity in that stage (R3.5)
    opportunity = make_opportunity(cast.rep_a)
    assert selectors.scripts_for(opportunity) == []
    move(cast.rep_a, opportunity, "needs_analysis")
    opportunity.refresh_from_db()
    assert selectors.scripts_for(opportunity) == [script]


def test_a_product_script_applies_when_the_product_is_proposed(cast, client_as):
    presentation = stage("presentation")
    mill, lathe = make_product(code="XH-5AX-800"), make_product(code="XH-CK-6150")
    client_as(cast.director).post(
        "/process/scripts/new/", _script_form(presentation, product=mill.pk, title="五轴演示要点")
    )
    script = Script.objects.get(title="五轴演示要点")
    assert script.product == mill

    opportunity = make_opportunity(cast.rep_a)
    for code in ("needs_analysis", "recommendation"):
        ready_for(cast.rep_a, opportunity, code)
        move(cast.rep_a, opportunity, code)
    ready_for(cast.rep_a, opportunity, "presentation", product=lathe)
    opportunity = move(cast.rep_a, opportunity, "presentation")
    assert selectors.scripts_for(opportunity) == []
    services.product_propose(actor=cast.rep_a.user, opportunity=opportunity, product=mill)
    assert selectors.scripts_for(opportunity) == [script]


def test_a_script_is_edited_with_its_version_and_deleted(cast, en):
    client = en(cast.director)
    needs, contact = stage("needs_analysis"), stage("contact")
    script = services.script_save(actor=cast.director.user, stage=needs, title="提纲", body="内容")

    form = client.get(f"/process/scripts/{script.pk}/edit/").context["form"]
    assert form.initial["version"] == script.version
    response = client.post(
        f"/process/scripts/{script.pk}/edit/",
        _script_form(contact, title="开场白", body="您好", version=script.version, active=""),
    )
    assert response.status_code == 302 and response["Location"] == f"/process/scripts/#stage-{contact.pk}"
    script.refresh_from_db()
    assert (script.stage, script.title, script.active) == (contact, "开场白", False)

    # an edit made on the old copy is refused
    response = client.post(
        f"/process/scripts/{script.pk}/edit/", _script_form(needs, title="旧副本", version=script.version - 1)
    )
    assert response.status_code == 200 and "Someone else changed this record" in response.content.decode()
    assert Script.objects.get(pk=script.pk).title == "开场白"

    response = client.post(f"/process/scripts/{script.pk}/delete/")
    assert response.status_code == 302
    assert Script.all_objects.get(pk=script.pk).is_deleted
    assert client.get(f"/process/scripts/{script.pk}/edit/").status_code == 404


def test_a_script_needs_a_title_and_a_body(cast, en):
    response = en(cast.director).post(
        "/process/scripts/new/", _script_form(stage("contact"), title="", body="")
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_title_error"' in html and 'id="id_body_error"' in html
    assert not Script.objects.exists()
