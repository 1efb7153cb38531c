"""The merge pages: from the customer's page pick the duplicate, compare, confirm."""

from __future__ import annotations

from salescore.customers import services
from salescore.customers.models import Customer
from salescore.customers.tests.test_merge import log_activities
from salescore.customers.tests.test_services import make_customer


def english(client):
    client.cookies["salescore_language"] = "en"
    return client


def test_merge_from_the_customer_page(cast, client_as):
    survivor = make_customer(cast.rep_a, name="杭州某某科技有限公司", tier="A")
    duplicate = make_customer(cast.rep_a, name="杭州某某科技", industry="electronics", tier="C")
    log_activities(cast.rep_a, duplicate, 2)
    client = english(client_as(cast.rep_a))

    detail = client.get(f"/customers/{survivor.pk}/").content.decode()
    assert 'data-testid="merge-customer"' in detail

    # The duplicate is offered by its similar name; the search finds it too.
    pick = client.get(f"/customers/{survivor.pk}/merge/")
    assert [c.pk for c in pick.context["candidates"]] == [duplicate.pk]
    searched = client.get(f"/customers/{survivor.pk}/merge/", {"q": "某某"})
    assert [c.pk for c in searched.context["candidates"]] == [duplicate.pk]

    url = f"/customers/{survivor.pk}/merge/{duplicate.pk}/"
    compare = client.get(url)
    rows = {row["name"]: row for row in compare.context["rows"]}
    # The survivor has no industry: the duplicate's is offered by default; the tier is the survivor's.
    assert rows["industry"]["differs"] and rows["industry"]["take_duplicate"]
    assert rows["tier"]["differs"] and not rows["tier"]["take_duplicate"]
    assert not rows["region"]["differs"]
    assert compare.context["counts"]["activities"] == 2
    assert 'data-testid="take-industry"' in compare.content.decode()

    response = client.post(
        url,
        {
            "take_industry": "duplicate",
            "take_tier": "survivor",
            "take_name": "survivor",
            "survivor_version": survivor.version,
            "duplicate_version": duplicate.version,
        },
        follow=True,
    )
    assert response.redirect_chain == [(f"/customers/{survivor.pk}/", 302)]
    assert "is merged into" in response.content.decode()
    survivor = Customer.objects.get(pk=survivor.pk)
    assert (survivor.industry, survivor.tier) == ("electronics", "A")
    assert client.get(f"/customers/{duplicate.pk}/").status_code == 404

    # The survivor's History shows the merge and the duplicate's own history.
    history = client.get(f"/history/customers.customer/{survivor.pk}/")
    html = history.content.decode()
    assert 'data-testid="merged-history"' in html and "merged from" in html
    assert {row["entry"].object_id for row in history.context["rows"]} == {survivor.pk, duplicate.pk}


def test_a_stale_page_is_refused_with_the_message(cast, client_as):
    survivor = make_customer(cast.rep_a)
    duplicate = make_customer(cast.rep_a)
    client = english(client_as(cast.rep_a))
    services.customer_update(actor=cast.rep_a.user, customer=duplicate, notes="changed meanwhile")
    response = client.post(
        f"/customers/{survivor.pk}/merge/{duplicate.pk}/", {"survivor_version": 1, "duplicate_version": 1}
    )
    assert response.status_code == 409
    assert "Someone else changed this record" in response.context["error"]
    assert not Customer.all_objects.get(pk=duplicate.pk).is_deleted


def test_who_sees_the_merge_pages(cast, client_as):
    mine = make_customer(cast.rep_a)
    shared = make_customer(cast.rep_a2)
    services.customer_add_collaborator(actor=cast.rep_a2.user, customer=shared, person=cast.rep_a.person)
    # Outside scope: 404, on both the pick page and the compare page.
    assert client_as(cast.rep_b).get(f"/customers/{mine.pk}/merge/").status_code == 404
    assert client_as(cast.rep_b).get(f"/customers/{mine.pk}/merge/{shared.pk}/").status_code == 404
    assert client_as(cast.rep_a).get(f"/customers/{mine.pk}/merge/{shared.pk}/").status_code == 200
    # A collaborator sees the customer but may not merge it; no button either.
    assert client_as(cast.rep_a).get(f"/customers/{shared.pk}/merge/").status_code == 403
    assert (
        'data-testid="merge-customer"'
        not in client_as(cast.rep_a).get(f"/customers/{shared.pk}/").content.decode()
    )
    # Customer Service sees every customer but may not enter or merge them.
    assert client_as(cast.agent).get(f"/customers/{mine.pk}/merge/").status_code == 403
    assert (
        'data-testid="merge-customer"'
        not in client_as(cast.agent).get(f"/customers/{mine.pk}/").content.decode()
    )
    # The team lead manages both, and the candidates list only customers they manage.
    pick = client_as(cast.lead_a).get(f"/customers/{mine.pk}/merge/", {"q": "测试客户"})
    assert shared.pk in {c.pk for c in pick.context["candidates"]}
    rep_pick = client_as(cast.rep_a).get(f"/customers/{mine.pk}/merge/", {"q": "测试客户"})
    assert shared.pk not in {c.pk for c in rep_pick.context["candidates"]}
