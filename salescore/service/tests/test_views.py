"""Service pages as the cast: who sees what, the actions, the public pages logged out."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from salescore.service import services
from salescore.service.models import Rating, ReturnVisit, Ticket
from salescore.service.tests.factories import make_customer, make_ticket


@pytest.fixture
def ticket(cast):
    return make_ticket(cast.agent, make_customer(cast.rep_a), subject="主轴异响")


def test_who_sees_a_ticket(cast, client_as, ticket):
    url = reverse("service:ticket_detail", args=[ticket.pk])
    for member in (cast.agent, cast.rep_a, cast.lead_a, cast.head, cast.director):
        assert client_as(member).get(url).status_code == 200, member
    for member in (cast.rep_b, cast.lead_b, cast.rep_a2):
        assert client_as(member).get(url).status_code == 404, member
    listing = client_as(cast.rep_b).get(reverse("service:tickets")).content.decode()
    assert ticket.number not in listing
    assert ticket.number in client_as(cast.rep_a).get(reverse("service:tickets")).content.decode()


def test_reps_follow_but_do_not_work_the_ticket(cast, client_as, ticket):
    page = client_as(cast.rep_a).get(reverse("service:ticket_detail", args=[ticket.pk])).content.decode()
    assert 'data-testid="log-form"' not in page
    response = client_as(cast.rep_a).post(
        reverse("service:ticket_log", args=[ticket.pk]), {"kind": "reply", "body": "x"}
    )
    assert response.status_code == 403


def test_agent_works_the_ticket_from_its_page(cast, client_as, ticket):
    client = client_as(cast.agent)
    detail = reverse("service:ticket_detail", args=[ticket.pk])
    assert (
        client.post(reverse("service:ticket_log", args=[ticket.pk]), {"kind": "reply", "body": "收到"}).url
        == detail
    )
    response = client.post(reverse("service:ticket_escalate", args=[ticket.pk]), {"reason": ""})
    assert response.status_code == 400
    client.post(reverse("service:ticket_resolve", args=[ticket.pk]), {"resolution": "更换轴承"})
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.RESOLVED and ticket.first_response_at
    page = client.get(detail).content.decode()
    rating = Rating.objects.get(ticket=ticket)
    assert f"/service/r/{rating.token}/" in page and 'data-testid="reopen-form"' in page
    client.post(reverse("service:ticket_close", args=[ticket.pk]))
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED


def test_new_ticket_page(cast, client_as):
    customer = make_customer(cast.rep_a)
    client = client_as(cast.agent)
    assert client.get(reverse("service:ticket_create") + f"?customer={customer.pk}").status_code == 200
    fields = client.get(reverse("service:customer_choices") + f"?customer={customer.pk}")
    assert 'name="contact"' in fields.content.decode()
    response = client.post(
        reverse("service:ticket_create"),
        {
            "customer": customer.pk,
            "category": "quality",
            "priority": "high",
            "channel": "phone",
            "subject": "漏油",
            "description": "液压站漏油",
        },
    )
    ticket = Ticket.objects.get(subject="漏油")
    assert response.url == reverse("service:ticket_detail", args=[ticket.pk])
    assert ticket.priority == "high" and ticket.assignee == cast.agent.person
    other = make_customer(cast.rep_b)
    assert (
        client_as(cast.rep_a).get(reverse("service:ticket_create") + f"?customer={other.pk}").status_code
        == 404
    )


def test_ticket_list_filters_and_query_count(cast, client_as):
    customer = make_customer(cast.rep_a)
    for _ in range(3):
        make_ticket(cast.agent, customer)
    client = client_as(cast.agent)
    url = reverse("service:tickets") + "?status=open&breached=&mine=on"
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for _ in range(27):
        make_ticket(cast.agent, customer)
    with CaptureQueriesContext(connection) as large:
        page = client.get(url).content.decode()
    assert len(large.captured_queries) == len(small.captured_queries)
    assert page.count('data-testid="ticket-row"') == 25


def test_customer_card_and_service_link(cast, client_as, client, ticket):
    customer = ticket.customer
    card = client_as(cast.rep_a).get(reverse("service:customer_card", args=[customer.pk])).content.decode()
    assert ticket.number in card
    assert (
        'id="customer-service"'
        in client_as(cast.rep_a).get(reverse("customers:detail", args=[customer.pk])).content.decode()
    )
    assert client_as(cast.rep_b).get(reverse("service:customer_card", args=[customer.pk])).status_code == 404
    made = client_as(cast.rep_a).post(reverse("service:link_create", args=[customer.pk])).content.decode()
    assert "/service/s/" in made
    url = made.split('data-testid="service-link-url"')[0].rsplit('value="', 1)[1].split('"')[0]
    assert client.get(url).status_code == 200
    client_as(cast.rep_a).post(reverse("service:link_revoke", args=[customer.pk]))
    gone = client.get(url)
    assert gone.status_code == 404 and 'data-testid="link-invalid"' in gone.content.decode()


def test_public_report_form_logged_out(cast, client):
    customer = make_customer(cast.rep_a)
    token = services.service_link_create(actor=cast.rep_a.user, customer=customer)
    url = reverse("service:report", args=[token])
    page = client.get(url + "?lang=en").content.decode()
    assert '<html lang="en">' in page and "sidebar" not in page
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '<html lang="zh-hans">' in chinese
    response = client.post(
        url,
        {
            "reporter_name": "王工",
            "reporter_phone": "13700000000",
            "category": "quality",
            "subject": "异响",
            "description": "运行时异响",
        },
    )
    ticket = Ticket.objects.get(customer=customer)
    assert ticket.number in response.content.decode()
    assert client.post(url, {"reporter_name": ""}).status_code == 200  # the form again, with errors
    assert client.get(reverse("service:report", args=["nope"])).status_code == 404


def test_public_rating_page_logged_out(cast, client, ticket):
    services.ticket_resolve(actor=cast.agent.user, ticket=ticket, resolution="ok")
    rating = Rating.objects.get(ticket=ticket)
    url = reverse("service:rate", args=[rating.token])
    assert 'data-testid="rating-form"' in client.get(url).content.decode()
    bad = client.post(url, {"csat": "9"}).content.decode()
    assert 'data-testid="rating-form"' in bad
    done = client.post(url, {"csat": "5", "nps": "10", "comment": "好"}).content.decode()
    assert 'data-testid="rating-thanks"' in done
    assert 'data-testid="rating-answered"' in client.get(url).content.decode()
    assert client.get(reverse("service:rate", args=["nope"])).status_code == 404


def test_return_visit_pages(cast, client_as, ticket):
    services.ticket_resolve(actor=cast.agent.user, ticket=ticket, resolution="ok")
    visit = ReturnVisit.objects.get(ticket=ticket)
    client = client_as(cast.agent)
    assert ticket.number in client.get(reverse("service:visits") + "?mine=on").content.decode()
    response = client.post(
        reverse("service:visit_record", args=[visit.pk]),
        {"outcome": "done", "summary": "客户满意", "csat": "4", "nps": "8"},
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.status == "done" and Rating.objects.filter(return_visit=visit, csat=4).exists()
    assert client_as(cast.rep_b).get(reverse("service:visit_record", args=[visit.pk])).status_code == 404


def test_satisfaction_report_links_to_its_ratings(cast, client_as, ticket):
    services.ticket_resolve(actor=cast.agent.user, ticket=ticket, resolution="ok")
    services.rating_answer(token=Rating.objects.get(ticket=ticket).token, csat=4, nps=9)
    client = client_as(cast.agent)
    for group in ("agent", "rep", "product", "customer"):
        page = client.get(reverse("service:satisfaction") + f"?group_by={group}").content.decode()
        assert page.count('data-testid="satisfaction-row"') == 1, group
    ratings = client.get(reverse("service:ratings") + f"?group_by=rep&rep={cast.rep_a.pk}").content.decode()
    assert ratings.count('data-testid="rating-row"') == 1
    none = client.get(reverse("service:ratings") + f"?group_by=rep&rep={cast.rep_b.pk}").content.decode()
    assert 'data-testid="rating-row"' not in none


def test_settings_page(cast, client_as):
    assert client_as(cast.agent).get(reverse("service:config")).status_code == 403
    client = client_as(cast.admin)
    data = {"form": "sla"}
    for priority, (response, resolution) in {
        "urgent": (1, 8),
        "high": (4, 48),
        "normal": (8, 72),
        "low": (24, 168),
    }.items():
        data[f"{priority}_response"], data[f"{priority}_resolution"] = response, resolution
    assert client.post(reverse("service:config"), data).status_code == 302
    assert services.sla_hours("urgent") == (1, 8)
    client.post(
        reverse("service:config"),
        {
            "form": "policy",
            "visit_after_delivery_days": 10,
            "visit_after_ticket_days": 2,
            "rating_link_days": 30,
        },
    )
    from salescore.service.models import ServicePolicy

    assert ServicePolicy.current().visit_after_delivery_days == 10


def test_menu_and_queues(cast, client_as):
    home = client_as(cast.agent).get("/").content.decode()
    assert reverse("service:tickets") in home and reverse("service:visits") in home
    rep_home = client_as(cast.rep_a).get("/").content.decode()
    assert reverse("service:tickets") in rep_home and reverse("service:visits") not in rep_home
