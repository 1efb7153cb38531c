"""Navigation and work queues follow position and section duty (R1.2)."""

import datetime as dt

from salescore.core.navigation import menu_for, queues_for
from salescore.core.permissions import Position
from salescore.org import services


def _keys(rows):
    return {row["key"] for row in rows}


def test_menu_shows_only_what_the_position_allows(cast):
    assert _keys(menu_for(cast.rep_a.user)) == {
        "activities",
        "approvals",
        "campaigns",
        "customer_pool",
        "customers",
        "imports",
        "leads",
        "orders",
        "org",
        "people",
        "pipeline",
        "price_lists",
        "products",
        "quotes",
        "receivables",
        "regions",
        "satisfaction",
        "targets",
        "tickets",
    }
    assert {"audit", "trash"} <= _keys(menu_for(cast.director.user))
    assert "audit" not in _keys(menu_for(cast.lead_a.user))


def test_menu_marks_the_current_page(cast):
    rows = {row["key"]: row["active"] for row in menu_for(cast.rep_a.user, "/people/12/")}
    assert rows["people"] is True and not any(v for k, v in rows.items() if k != "people")


def test_section_duty_decides_the_work_queues(cast):
    # Given a section head of Customer Service beside the section head of Sales Management
    care_head = services.person_create(
        actor=cast.admin.user,
        username="care_head",
        password="Care-Head-2026",
        name="客服科长",
        employee_no="T900",
        position=Position.SECTION_HEAD,
        org_unit=cast.care_team.parent,
        hire_date=dt.date(2024, 2, 1),
    )
    # Then only the Sales Management head gets the people-management queue (R1.3: the team)
    assert "people_without_region" in _keys(queues_for(cast.head.user))
    assert "people_without_region" not in _keys(queues_for(care_head.user))
    # and a rep sees only the queue about their own record
    assert _keys(queues_for(cast.rep_a.user)) == {
        "departures_due",
        "followups_due",
        "late_deliveries",
        "leads_new",
        "leads_overdue",
        "quote_approvals",
    }


def test_queue_counts_are_scoped(cast):
    # Every cast member but the admin has no region: a team lead counts only their team
    by_key = {row["key"]: row for row in queues_for(cast.head.user)}
    assert by_key["people_without_region"]["count"] == 6  # head, two leads, three reps
    assert by_key["people_without_region"]["url"] == "/people/?no_region=1"


def test_home_page_lists_the_queues_with_links(cast, client_as):
    html = client_as(cast.head).get("/").content.decode()
    assert "/people/?no_region=1" in html
    assert 'data-testid="queues"' in html
