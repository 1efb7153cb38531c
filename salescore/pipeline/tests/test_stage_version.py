"""Stage moves and the optimistic lock: the board card and the move form carry the version they
were rendered with, and a move made on a stale copy is refused (409 in the API)."""

from __future__ import annotations

import pytest

from salescore.core.errors import ConflictError
from salescore.pipeline import services
from salescore.pipeline.models import StageChange
from salescore.pipeline.tests.factories import make_opportunity, stage
from salescore.pipeline.tests.test_views import english


@pytest.fixture
def ours(cast):
    return make_opportunity(cast.rep_a, name="华东自动化产线")


def test_the_service_refuses_a_stale_version_under_the_row_lock(cast, ours):
    services.opportunity_update(actor=cast.rep_a.user, opportunity=ours, notes="改了")
    with pytest.raises(ConflictError):
        services.opportunity_advance(
            actor=cast.rep_a.user, opportunity=ours, to_stage=stage("lost"), reason="价格", version=1
        )
    ours.refresh_from_db()
    assert ours.stage.code == "contact" and not StageChange.objects.filter(to_stage__code="lost").exists()
    # The current version moves it.
    moved = services.opportunity_advance(
        actor=cast.rep_a.user, opportunity=ours, to_stage=stage("lost"), reason="价格", version=ours.version
    )
    assert moved.stage.code == "lost"


def test_board_cards_carry_their_version_and_a_stale_drop_is_refused(cast, client_as, ours):
    client = english(client_as(cast.rep_a))
    board = client.get("/pipeline/").content.decode()
    assert f'data-opportunity="{ours.pk}" data-version="{ours.version}"' in board
    # Someone edits the opportunity after the board was loaded.
    services.opportunity_update(actor=cast.rep_a.user, opportunity=ours, notes="改了")
    response = client.post(
        f"/pipeline/opportunities/{ours.pk}/move/",
        {"stage": stage("lost").pk, "reason": "价格", "board": "1", "version": 1},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'data-testid="move-error"' in response.content.decode()
    assert "Someone else changed this record" in response.context["move_error"]
    ours.refresh_from_db()
    assert ours.stage.code == "contact"


def test_the_move_form_carries_the_version_and_a_stale_one_is_refused(cast, client_as, ours):
    client = english(client_as(cast.rep_a))
    page = client.get(f"/pipeline/opportunities/{ours.pk}/")
    assert page.context["move_form"]["version"].value() == ours.version
    assert f'name="version" value="{ours.version}"' in page.content.decode()
    services.opportunity_update(actor=cast.rep_a.user, opportunity=ours, notes="改了")
    url = f"/pipeline/opportunities/{ours.pk}/move/"
    response = client.post(url, {"stage": stage("lost").pk, "reason": "价格", "version": 1})
    assert "Someone else changed this record" in " ".join(response.context["move_form"].non_field_errors())
    ours.refresh_from_db()
    assert ours.stage.code == "contact"
    # Without a version (an older page) the move still goes through the gates as before.
    response = client.post(url, {"stage": stage("lost").pk, "reason": "价格"})
    assert response.status_code == 302
