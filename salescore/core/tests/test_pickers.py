"""A customer select stays a plain list while the choices are few; past that it renders only the
chosen customer and a search box, and the search returns only customers the user may see."""

from __future__ import annotations

import pytest
from django.urls import reverse

from salescore.core import pickers
from salescore.orders.tests.factories import make_customer
from salescore.pipeline.forms import ActivityForm

pytestmark = pytest.mark.django_db


def test_few_choices_are_listed_as_before(cast):
    customer = make_customer(cast.rep_a, name="华瑞精密机械有限公司")

    html = ActivityForm(user=cast.rep_a.user).as_p()

    assert f'value="{customer.pk}"' in html
    assert 'data-testid="picker-search"' not in html


def test_many_choices_render_the_chosen_one_and_a_search(cast, monkeypatch, django_assert_max_num_queries):
    monkeypatch.setattr(pickers, "LIST_ALL_UP_TO", 2)
    customers = [make_customer(cast.rep_a, name=f"远航{n}号物流有限公司") for n in range(4)]
    chosen = customers[2]

    form = ActivityForm(user=cast.rep_a.user, initial={"customer": chosen.pk})
    with django_assert_max_num_queries(6):
        html = str(form["customer"])

    assert 'data-testid="picker-search"' in html
    assert f'value="{chosen.pk}" selected' in html
    assert all(f'value="{c.pk}"' not in html for c in customers if c != chosen)


def test_a_chosen_customer_still_validates_against_the_scope(cast, monkeypatch):
    monkeypatch.setattr(pickers, "LIST_ALL_UP_TO", 0)
    theirs = make_customer(cast.rep_b, name="乙队客户有限公司")

    form = ActivityForm({"customer": theirs.pk, "channel": "phone", "subject": "x"}, user=cast.rep_a.user)

    assert not form.is_valid() and "customer" in form.errors


def test_search_returns_only_customers_in_scope(cast, client_as):
    mine = make_customer(cast.rep_a, name="恒通电子科技有限公司")
    make_customer(cast.rep_b, name="恒通半导体有限公司")  # rep_b's: rep_a must not find it

    html = client_as(cast.rep_a).get(reverse("core:pick", args=["customer"]), {"q": "恒通"}).text

    assert f'<option value="{mine.pk}">' in html
    assert "恒通半导体" not in html
    assert client_as(cast.rep_a).get(reverse("core:pick", args=["nothing"]), {"q": "x"}).status_code == 404
