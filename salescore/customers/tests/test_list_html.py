"""The customer list renders the same HTML as before its rows were worked out in Python
(core/tests/legacy_templates: the table as it was), for a rep and the director, in both languages."""

from __future__ import annotations

import pytest

from salescore.core.tests.legacy import assert_same_as_legacy
from salescore.customers.models import Customer
from salescore.org.models import Region
from salescore.pipeline.tests.factories import make_contact, make_customer


@pytest.fixture
def varied(cast):
    regions = list(Region.objects.filter(level=Region.Level.PROVINCE).order_by("code")[:2])
    make_customer(
        cast.rep_a, tier="A", industry="manufacturing", region=regions[0], tags=["重点", "华东", "<b>"]
    )
    plain = make_customer(cast.rep_a, name="Ann & <Bob>", kind="individual", tier="C")
    make_contact(cast.rep_a, plain, mobile="13900000001")
    make_contact(cast.rep_a, plain, mobile="13900000002")
    make_customer(cast.rep_a, tier="B", industry="logistics", region=regions[1])
    make_customer(cast.rep_b, tier="B")
    unowned = make_customer(cast.rep_b, tier="A", tags=["公海"])
    Customer.objects.filter(pk=unowned.pk).update(owner=None)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("who", ["rep_a", "director"])
@pytest.mark.parametrize(
    "url",
    [
        "/customers/",
        "/customers/?page_size=2&page=2&order=name",
        "/customers/?q=nothing-matches",
        "/customers/?tier=A",
    ],
)
def test_customer_list_renders_as_before(cast, client_as, varied, who, language, url):
    client = client_as(getattr(cast, who))
    client.cookies["salescore_language"] = language
    html = assert_same_as_legacy(client, url)
    assert 'data-testid="customers-table"' in html


def test_customer_table_fragment_renders_as_before(cast, client_as, varied):
    client = client_as(cast.director)
    html = assert_same_as_legacy(client, "/customers/?order=name", HTTP_HX_REQUEST="true")
    assert "&lt;b&gt;" in html and "Ann &amp; &lt;Bob&gt;" in html and 'data-testid="tier"' in html
