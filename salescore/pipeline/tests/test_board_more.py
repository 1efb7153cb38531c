"""The board's columns load their further cards (htmx): each column shows its newest
``BOARD_CARDS`` and a button for the next ones, in the same order, with the board's filter and
the reader's scope, until the stage has no more. The cards are written in Python: the same HTML as
the card template (core/tests/legacy_templates/pipeline/_partials/board_cards.html)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from salescore.core.tests.legacy import assert_same_as_legacy
from salescore.pipeline import selectors
from salescore.pipeline.models import Opportunity, Stage
from salescore.pipeline.rows import board_cursor, parse_board_cursor
from salescore.pipeline.tests.factories import make_customer, make_opportunity

MORE = re.compile(r'hx-get="([^"]+)"[^>]*data-testid="more-cards"')
CARD = re.compile(r'data-opportunity="(\d+)"')


def _stage(code: str) -> Stage:
    return Stage.objects.get(code=code)


def _fill(member, n: int, **fields) -> list[Opportunity]:
    customer = make_customer(member)
    return [make_opportunity(member, customer, with_contact=False, **fields) for _ in range(n)]


def _newest_first(rows) -> list[int]:
    return [o.pk for o in sorted(rows, key=lambda o: (o.updated_at, o.pk), reverse=True)]


def _column(html: str, code: str) -> str:
    start = html.index(f'data-testid="column-{code}"')
    end = html.find("</section>", start)
    return html[start:end]


def _walk(client, html: str) -> list[int]:
    """The card ids of a column's HTML and of every page its "Show more" button loads."""
    seen = [int(pk) for pk in CARD.findall(html)]
    while match := MORE.search(html):
        url = match.group(1).replace("&amp;", "&")
        response = client.get(url, HTTP_HX_REQUEST="true")
        assert response.status_code == 200, response.content[:300]
        html = response.content.decode()
        assert "<html" not in html
        seen += [int(pk) for pk in CARD.findall(html)]
    return seen


@pytest.mark.django_db
def test_a_column_shows_its_newest_cards_then_loads_the_rest_in_order(cast, client_as):
    mine = _fill(cast.rep_a, selectors.BOARD_CARDS * 2 + 3)
    _fill(cast.rep_b, 3)  # another team's: never shown to rep_a
    client = client_as(cast.rep_a)
    html = client.get("/pipeline/").content.decode()
    first = _column(html, "contact")
    assert len(CARD.findall(first)) == selectors.BOARD_CARDS
    assert 'data-testid="more-cards"' in first
    expected = _newest_first(Opportunity.objects.filter(pk__in=[o.pk for o in mine]))
    assert _walk(client, first) == expected  # every card once, newest first, none of rep_b's
    # a column with few cards has no button
    assert 'data-testid="more-cards"' not in _column(html, "needs_analysis")
    # the column's link to the list keeps the stage
    assert f'href="/pipeline/opportunities/?stage={_stage("contact").pk}"' in first


@pytest.mark.django_db
def test_more_cards_keep_the_boards_owner_filter_and_the_readers_scope(cast, client_as):
    ours = _fill(cast.rep_a, selectors.BOARD_CARDS + 2)
    lead_own = _fill(cast.lead_a, selectors.BOARD_CARDS + 1)
    client = client_as(cast.lead_a)
    html = client.get(f"/pipeline/?owner={cast.rep_a.person.pk}").content.decode()
    column = _column(html, "contact")
    assert f"owner={cast.rep_a.person.pk}" in MORE.search(column).group(1)
    assert _walk(client, column) == _newest_first(Opportunity.objects.filter(pk__in=[o.pk for o in ours]))
    # "only mine" goes on as such
    column = _column(client.get("/pipeline/?mine=on").content.decode(), "contact")
    assert "mine=on" in MORE.search(column).group(1)
    assert _walk(client, column) == _newest_first(Opportunity.objects.filter(pk__in=[o.pk for o in lead_own]))
    # the link to the list keeps the owner
    assert f"owner={cast.rep_a.person.pk}" in _column(
        client.get(f"/pipeline/?owner={cast.rep_a.person.pk}").content.decode(), "contact"
    )
    # a rep asking for a colleague's column with a forged owner gets nothing of theirs
    rep_b = client_as(cast.rep_b)
    before = board_cursor(Opportunity.objects.order_by("-updated_at", "-id").first())
    stage = _stage("contact").pk
    response = rep_b.get(f"/pipeline/stages/{stage}/cards/?before={before}&owner={cast.rep_a.person.pk}")
    assert response.status_code == 200
    assert not set(map(int, CARD.findall(response.content.decode()))) & {o.pk for o in ours + lead_own}


@pytest.mark.django_db
def test_cards_updated_at_the_same_instant_are_each_shown_once(cast):
    rows = _fill(cast.rep_a, 7)
    same = timezone.now() - dt.timedelta(days=1)
    Opportunity.objects.filter(pk__in=[o.pk for o in rows]).update(updated_at=same)
    stage, user = _stage("contact"), cast.rep_a.user
    columns = {c.stage.pk: c for c in selectors.board(user=user, per_stage=3)}
    seen = [o.pk for o in columns[stage.pk].cards]
    more = columns[stage.pk].more
    while more:
        last = Opportunity.objects.get(pk=seen[-1])
        cards, more = selectors.board_more(
            user=user, stage=stage, before=parse_board_cursor(board_cursor(last)), per_stage=3
        )
        seen += [o.pk for o in cards]
    assert seen == sorted((o.pk for o in rows), reverse=True)


def test_the_cursor_reads_back_exactly_and_refuses_anything_else():
    card = Opportunity(pk=42, updated_at=dt.datetime(2026, 11, 28, 7, 49, 36, 123457, tzinfo=dt.UTC))
    assert board_cursor(card) == "1795852176123457.42"
    assert parse_board_cursor(board_cursor(card)) == (card.updated_at, 42)
    wrong = ["", ".", "1.", ".1", "abc.1", "1.2.3", "-1.2", "1e5.2", "１.2", "9" * 18 + ".1", "1." + "9" * 19]
    for bad in wrong:
        assert parse_board_cursor(bad) is None, bad


@pytest.mark.django_db
def test_a_bad_position_or_stage_is_refused_clearly(cast, client_as):
    client = client_as(cast.rep_a)
    stage = _stage("contact").pk
    client.cookies["salescore_language"] = "en"
    response = client.get(f"/pipeline/stages/{stage}/cards/?before=yesterday", HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "position is not valid; reload the board." in response.content.decode()
    client.cookies["salescore_language"] = "zh-hans"
    response = client.get(f"/pipeline/stages/{stage}/cards/", HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and "该列的位置无效" in response.content.decode()
    Stage.objects.filter(pk=stage).update(active=False)
    assert client.get(f"/pipeline/stages/{stage}/cards/?before=1.1").status_code == 404
    assert client.post(f"/pipeline/stages/{stage}/cards/?before=1.1").status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize("viewer", ["rep_a", "lead_a", "director"])
def test_more_cards_run_a_fixed_number_of_queries(cast, client_as, viewer):
    client = client_as(getattr(cast, viewer))
    stage = _stage("contact").pk
    far = board_cursor(Opportunity(pk=10**9, updated_at=timezone.now() + dt.timedelta(days=1)))
    url = f"/pipeline/stages/{stage}/cards/?before={far}"
    _fill(cast.rep_a, 2)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    _fill(cast.rep_a, selectors.BOARD_CARDS + 5)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert len(large) == len(small) <= 6, [q["sql"] for q in large.captured_queries]
    assert len(CARD.findall(response.content.decode())) == selectors.BOARD_CARDS


# -- the cards are written in Python: the same HTML as the card template -----------------------


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("who", ["rep_a", "lead_a", "director", "analyst"])
def test_the_board_renders_as_the_card_template_did(cast, client_as, who, language):
    _fill(cast.rep_b, selectors.BOARD_CARDS + 1)  # older than rep_a's: the director sees both and a button
    customer = make_customer(cast.rep_a, name="Ann & <Bob> 有限公司")
    make_opportunity(cast.rep_a, customer, with_contact=False, name='<b>"大"</b>', amount="1234.5")
    make_opportunity(
        cast.rep_a, customer, with_contact=False, currency="USD", expected_close_date=dt.date(2027, 1, 31)
    )
    client = client_as(getattr(cast, who))
    client.cookies["salescore_language"] = language
    html = assert_same_as_legacy(client, "/pipeline/")
    if who != "analyst":
        assert "&lt;b&gt;&quot;大&quot;&lt;/b&gt;" in html and "Ann &amp; &lt;Bob&gt;" in html
    assert_same_as_legacy(client, f"/pipeline/?owner={cast.rep_b.person.pk}", HTTP_HX_REQUEST="true")
    before = board_cursor(Opportunity(pk=10**9, updated_at=timezone.now() + dt.timedelta(days=1)))
    assert_same_as_legacy(
        client, f"/pipeline/stages/{_stage('contact').pk}/cards/?before={before}", HTTP_HX_REQUEST="true"
    )


@pytest.mark.django_db
def test_a_refused_card_is_marked_on_the_board(cast, client_as):
    ours = make_opportunity(cast.rep_a, with_contact=False)
    client = client_as(cast.rep_a)
    response = client.post(
        f"/pipeline/opportunities/{ours.pk}/move/", {"stage": _stage("recommendation").pk, "board": "1"}
    )
    html = response.content.decode()
    refused = r'<li class="list-group-item board-card board-card-refused"[^>]*data-opportunity="(\d+)"'
    marked = re.findall(refused, html)
    assert marked == [str(ours.pk)]
    assert 'data-testid="move-error"' in html
