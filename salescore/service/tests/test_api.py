"""Service API: scoping, errors in the one shape, bounded input, the public endpoints."""

from __future__ import annotations

from django.test import Client

from salescore.service import services
from salescore.service.models import Rating, ReturnVisit
from salescore.service.tests.factories import make_customer, make_ticket

BASE = "/api/v1"


def test_ticket_lifecycle_through_the_api(cast, api_as):
    customer = make_customer(cast.rep_a)
    agent = api_as(cast.agent)
    response = agent.post(
        f"{BASE}/tickets",
        {
            "customer_id": customer.pk,
            "category": "quality",
            "priority": "high",
            "subject": "停机",
            "description": "整线停机",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    ticket = response.json()
    assert ticket["assignee_id"] == cast.agent.pk and ticket["response_state"] == "on_track"
    tid = ticket["id"]
    assert (
        agent.post(
            f"{BASE}/tickets/{tid}/log",
            {"kind": "reply", "body": "工程师已出发"},
            content_type="application/json",
        ).status_code
        == 201
    )
    assert agent.get(f"{BASE}/tickets/{tid}").json()["first_response_at"]
    assert (
        agent.post(
            f"{BASE}/tickets/{tid}/escalate", {"reason": "重要客户"}, content_type="application/json"
        ).json()["escalation_level"]
        == 1
    )
    assert (
        agent.post(f"{BASE}/tickets/{tid}/wait", {}, content_type="application/json").json()["status"]
        == "waiting"
    )
    assert (
        agent.post(
            f"{BASE}/tickets/{tid}/resolve", {"resolution": "更换电机"}, content_type="application/json"
        ).json()["status"]
        == "resolved"
    )
    assert agent.post(f"{BASE}/tickets/{tid}/close").json()["status"] == "closed"
    assert (
        agent.post(
            f"{BASE}/tickets/{tid}/reopen", {"reason": "复发"}, content_type="application/json"
        ).json()["status"]
        == "in_progress"
    )
    log = agent.get(f"{BASE}/tickets/{tid}/log").json()
    assert log["count"] >= 6


def test_scoping_and_errors(cast, api_as):
    ticket = make_ticket(cast.agent, make_customer(cast.rep_a))
    assert api_as(cast.rep_b).get(f"{BASE}/tickets/{ticket.pk}").json()["code"] == "not_found"
    assert api_as(cast.rep_a).get(f"{BASE}/tickets").json()["count"] == 1
    assert api_as(cast.rep_b).get(f"{BASE}/tickets").json()["count"] == 0
    denied = api_as(cast.rep_a).post(
        f"{BASE}/tickets/{ticket.pk}/resolve", {"resolution": "x"}, content_type="application/json"
    )
    assert denied.status_code == 403 and denied.json()["code"] == "permission_denied"
    agent = api_as(cast.agent)
    bad = agent.post(
        f"{BASE}/tickets/{ticket.pk}/assign", {"assignee_id": cast.rep_a.pk}, content_type="application/json"
    )
    assert bad.status_code == 400 and "assignee_id" in bad.json()["fields"]
    huge = agent.post(
        f"{BASE}/tickets/{ticket.pk}/assign", {"assignee_id": 2**70}, content_type="application/json"
    )
    assert huge.status_code == 422 and "assignee_id" in huge.json()["fields"]
    long = agent.post(
        f"{BASE}/tickets/{ticket.pk}/log",
        {"kind": "reply", "body": "x" * 10001},
        content_type="application/json",
    )
    assert long.status_code == 422
    other = make_customer(cast.rep_b)
    hidden = api_as(cast.rep_a).post(
        f"{BASE}/tickets",
        {"customer_id": other.pk, "category": "quality", "subject": "s", "description": "d"},
        content_type="application/json",
    )
    assert hidden.status_code == 400 and "customer_id" in hidden.json()["fields"]
    assert Client().get(f"{BASE}/tickets").status_code == 401


def test_visits_ratings_and_satisfaction(cast, api_as):
    ticket = make_ticket(cast.agent, make_customer(cast.rep_a))
    services.ticket_resolve(actor=cast.agent.user, ticket=ticket, resolution="ok")
    agent = api_as(cast.agent)
    visits = agent.get(f"{BASE}/return-visits?mine=true").json()
    assert visits["count"] == 1
    vid = visits["items"][0]["id"]
    out = agent.post(
        f"{BASE}/return-visits/{vid}/reschedule", {"due_date": "2030-01-01"}, content_type="application/json"
    )
    assert out.json()["due_date"] == "2030-01-01"
    bad = agent.post(
        f"{BASE}/return-visits/{vid}/record",
        {"outcome": "done", "summary": "x", "csat": 7},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "csat" in bad.json()["fields"]
    done = agent.post(
        f"{BASE}/return-visits/{vid}/record",
        {"outcome": "done", "summary": "满意", "csat": 5, "nps": 10},
        content_type="application/json",
    )
    assert done.json()["status"] == "done" and done.json()["activity_id"]
    assert ReturnVisit.objects.get(pk=vid).status == "done"
    ratings = agent.get(f"{BASE}/ratings").json()
    assert ratings["count"] == 1 and ratings["items"][0]["source"] == "agent"
    report = agent.get(f"{BASE}/satisfaction?group_by=rep").json()
    assert report["rows"][0]["key"] == cast.rep_a.pk and report["total"]["nps"] == 100.0
    assert agent.get(f"{BASE}/satisfaction?group_by=nope").status_code == 422
    assert api_as(cast.rep_b).get(f"{BASE}/satisfaction").json()["total"]["answered"] == 0


def test_public_endpoints(cast):
    customer = make_customer(cast.rep_a)
    token = services.service_link_create(actor=cast.rep_a.user, customer=customer)
    public = Client()
    payload = {
        "reporter_name": "王工",
        "reporter_phone": "137",
        "category": "usage",
        "subject": "s",
        "description": "d",
    }
    made = public.post(f"{BASE}/public/service/{token}/tickets", payload, content_type="application/json")
    assert made.status_code == 201 and made.json()["number"].startswith("TK")
    assert (
        public.post(
            f"{BASE}/public/service/nope/tickets", payload, content_type="application/json"
        ).status_code
        == 404
    )
    assert (
        public.post(
            f"{BASE}/public/service/{'x' * 100}/tickets", payload, content_type="application/json"
        ).status_code
        == 404
    )

    ticket = make_ticket(cast.agent, customer)
    services.ticket_resolve(actor=cast.agent.user, ticket=ticket, resolution="ok")
    rating = Rating.objects.get(ticket=ticket)
    assert public.get(f"{BASE}/public/ratings/{rating.token}").json()["state"] == "open"
    assert (
        public.post(
            f"{BASE}/public/ratings/{rating.token}", {"csat": 0}, content_type="application/json"
        ).status_code
        == 422
    )
    assert (
        public.post(
            f"{BASE}/public/ratings/{rating.token}", {"csat": 5, "nps": 9}, content_type="application/json"
        ).json()["state"]
        == "answered"
    )
    again = public.post(f"{BASE}/public/ratings/{rating.token}", {"csat": 5}, content_type="application/json")
    assert again.status_code == 400 and again.json()["code"] == "answered"


def test_openapi_renders(cast, client_as):
    schema = client_as(cast.agent).get(f"{BASE}/openapi.json").json()
    tags = {tag for path in schema["paths"].values() for op in path.values() for tag in op.get("tags", [])}
    assert {"Tickets", "Return visits", "Satisfaction"} <= tags
    assert "/api/v1/public/ratings/{token}" in schema["paths"]
