"""The public pool (公海): the sweep by tier, release, claim and its limits, assignment from the
pool, who sees the pool, the pages and the API."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salescore.core.errors import ApplicationError, PermissionDeniedError
from salescore.core.models import AuditLog, Notification
from salescore.customers import selectors, services
from salescore.customers.models import Customer, PoolMove, PoolPolicy, Tier

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
_numbers = itertools.count(1)


def make_customer(member, **fields) -> Customer:
    fields.setdefault("name", f"公海客户{next(_numbers)}有限公司")
    return services.customer_create(actor=member.user, **fields)


def pool_customer(member, **fields) -> Customer:
    """A customer nobody owns (as if brought in before owners were required)."""
    customer = make_customer(member, **fields)
    Customer.objects.filter(pk=customer.pk).update(owner=None)
    customer.refresh_from_db()
    return customer


def set_policy(**values) -> None:
    PoolPolicy.objects.filter(pk=PoolPolicy.current().pk).update(**values)


def owner_audits(customer):
    rows = AuditLog.objects.filter(
        content_type=ContentType.objects.get_for_model(Customer), object_id=customer.pk
    ).order_by("id")
    return [row for row in rows if "owner" in (row.changes or {})]


# -- the sweep ---------------------------------------------------------------------------------


def test_sweep_returns_customers_by_tier_and_last_contact_once_with_one_notice(cast):
    with time_machine.travel(T0, tick=False):
        a = make_customer(cast.rep_a, tier=Tier.A)
        b = make_customer(cast.rep_a, tier=Tier.B)
        c = make_customer(cast.rep_a, tier=Tier.C)
        c_contacted = make_customer(cast.rep_a, tier=Tier.C)
    Customer.objects.filter(pk=c_contacted.pk).update(last_contact_at=T0 + dt.timedelta(days=20))

    # Given 31 days without follow-up, only the plain C customer has run out of time
    with time_machine.travel(T0 + dt.timedelta(days=31), tick=False):
        assert services.pool_sweep() == 1
        assert services.pool_sweep() == 0  # a second run moves and tells nothing more
    assert set(Customer.objects.filter(owner__isnull=True).values_list("pk", flat=True)) == {c.pk}
    move = PoolMove.objects.get(customer=c)
    assert (move.direction, move.reason, move.previous_owner, move.new_owner) == (
        "in",
        "no_follow_up",
        cast.rep_a.person,
        None,
    )
    notices = Notification.objects.filter(recipient=cast.rep_a.user, kind="customer_pool_return")
    assert notices.count() == 1 and c.name in notices.get().body
    assert owner_audits(c)[-1].changes["owner"]["new"] is None

    # Then B after 60 days, the contacted C 30 days after its contact, and A after 90
    with time_machine.travel(T0 + dt.timedelta(days=61), tick=False):
        assert services.pool_sweep() == 2
    with time_machine.travel(T0 + dt.timedelta(days=91), tick=False):
        assert services.pool_sweep() == 1
    assert not Customer.objects.filter(pk__in=[a.pk, b.pk, c_contacted.pk], owner__isnull=False).exists()
    assert Notification.objects.filter(recipient=cast.rep_a.user, kind="customer_pool_return").count() == 3


def test_a_claimed_customer_gets_a_fresh_clock(cast):
    with time_machine.travel(T0, tick=False):
        customer = pool_customer(cast.rep_a, tier=Tier.C)
    with time_machine.travel(T0 + dt.timedelta(days=100), tick=False):
        services.customer_claim(actor=cast.rep_b.user, customer=customer)
        assert services.pool_sweep() == 0
    with time_machine.travel(T0 + dt.timedelta(days=131), tick=False):
        assert services.pool_sweep() == 1


def test_the_task_sweeps(cast):
    from salescore.customers.tasks import pool_sweep

    with time_machine.travel(T0, tick=False):
        make_customer(cast.rep_a, tier=Tier.C)
    with time_machine.travel(T0 + dt.timedelta(days=40), tick=False):
        assert pool_sweep.apply().get() == 1  # runs here, without touching broker pools


# -- release -----------------------------------------------------------------------------------


def test_the_owner_releases_with_a_reason(cast):
    customer = make_customer(cast.rep_a)

    with pytest.raises(ApplicationError) as exc:
        services.customer_release(actor=cast.rep_a.user, customer=customer, reason="  ")
    assert exc.value.code == "required" and "reason" in exc.value.fields

    services.customer_release(actor=cast.rep_a.user, customer=customer, reason="公司已搬迁")
    customer.refresh_from_db()
    assert customer.owner is None
    move = PoolMove.objects.get(customer=customer)
    assert (move.reason, move.note, move.previous_owner, move.actor) == (
        "released",
        "公司已搬迁",
        cast.rep_a.person,
        cast.rep_a.user,
    )
    assert owner_audits(customer)[-1].actor_id == cast.rep_a.user.pk


def test_a_manager_releases_but_another_team_cannot(cast):
    customer = make_customer(cast.rep_a)
    with pytest.raises(PermissionDeniedError):
        services.customer_release(actor=cast.rep_b.user, customer=customer, reason="不是我的")
    with pytest.raises(PermissionDeniedError):
        services.customer_release(actor=cast.lead_b.user, customer=customer, reason="不是我组的")
    services.customer_release(actor=cast.lead_a.user, customer=customer, reason="长期无需求")
    assert Customer.objects.get(pk=customer.pk).owner is None


def test_pool_moves_are_append_only(cast):
    customer = make_customer(cast.rep_a)
    services.customer_release(actor=cast.rep_a.user, customer=customer, reason="无需求")
    move = PoolMove.objects.get()
    move.note = "changed"
    with pytest.raises(ValueError):
        move.save()
    with pytest.raises(ValueError):
        move.delete()


# -- claim -------------------------------------------------------------------------------------


def test_claim_makes_the_customer_yours(cast):
    customer = pool_customer(cast.rep_a)
    services.customer_claim(actor=cast.rep_b.user, customer=customer)
    customer.refresh_from_db()
    assert customer.owner == cast.rep_b.person and customer.owned_since is not None
    move = PoolMove.objects.get(customer=customer)
    assert (move.direction, move.reason, move.new_owner) == ("out", "claimed", cast.rep_b.person)
    assert owner_audits(customer)[-1].changes["owner"]["new"] == cast.rep_b.person.pk


def test_claim_needs_pipeline_work(cast):
    customer = pool_customer(cast.rep_a)
    with pytest.raises(PermissionDeniedError):
        services.customer_claim(actor=cast.agent.user, customer=customer)


def test_claim_is_refused_at_the_holding_limit(cast):
    set_policy(max_held=1)
    make_customer(cast.rep_b)
    customer = pool_customer(cast.rep_a)
    with pytest.raises(ApplicationError) as exc:
        services.customer_claim(actor=cast.rep_b.user, customer=customer)
    assert exc.value.code == "holding_limit" and "1" in exc.value.message
    assert Customer.objects.get(pk=customer.pk).owner is None


def test_claim_quota_resets_at_midnight_in_shanghai(cast):
    set_policy(daily_claims=1)
    first, second = pool_customer(cast.rep_a), pool_customer(cast.rep_a)
    # 23:00 in Shanghai is 15:00 UTC; 00:10 the next day is still the same UTC day
    with time_machine.travel(dt.datetime(2026, 3, 2, 23, 0, tzinfo=SHANGHAI), tick=False):
        services.customer_claim(actor=cast.rep_b.user, customer=first)
        with pytest.raises(ApplicationError) as exc:
            services.customer_claim(actor=cast.rep_b.user, customer=second)
        assert exc.value.code == "claim_quota"
        assert selectors.pool_quota_left(user=cast.rep_b.user) == 0
    with time_machine.travel(dt.datetime(2026, 3, 3, 0, 10, tzinfo=SHANGHAI), tick=False):
        assert selectors.pool_quota_left(user=cast.rep_b.user) == 1
        services.customer_claim(actor=cast.rep_b.user, customer=second)
    assert Customer.objects.get(pk=second.pk).owner == cast.rep_b.person


def test_the_previous_owner_waits_for_the_cooldown(cast):
    with time_machine.travel(T0, tick=False):
        customer = make_customer(cast.rep_a)
        services.customer_release(actor=cast.rep_a.user, customer=customer, reason="暂不跟进")
    with time_machine.travel(T0 + dt.timedelta(days=29), tick=False):
        with pytest.raises(ApplicationError) as exc:
            services.customer_claim(actor=cast.rep_a.user, customer=customer)
        assert exc.value.code == "cooldown"
        # Someone else may take it meanwhile; the cooldown is for the previous owner only
        services.customer_claim(actor=cast.rep_a2.user, customer=customer)


def test_the_previous_owner_may_claim_after_the_cooldown(cast):
    with time_machine.travel(T0, tick=False):
        customer = make_customer(cast.rep_a)
        services.customer_release(actor=cast.rep_a.user, customer=customer, reason="暂不跟进")
    with time_machine.travel(T0 + dt.timedelta(days=31), tick=False):
        services.customer_claim(actor=cast.rep_a.user, customer=customer)
    assert Customer.objects.get(pk=customer.pk).owner == cast.rep_a.person


def test_a_customer_already_claimed_cannot_be_claimed_again(cast):
    customer = pool_customer(cast.rep_a)
    stale = Customer.objects.get(pk=customer.pk)
    services.customer_claim(actor=cast.rep_a2.user, customer=customer)
    with pytest.raises(ApplicationError) as exc:
        services.customer_claim(actor=cast.rep_b.user, customer=stale)
    assert exc.value.code == "already_claimed" and exc.value.status == 409
    assert Customer.objects.get(pk=customer.pk).owner == cast.rep_a2.person


# -- assignment from the pool ------------------------------------------------------------------


def test_a_manager_assigns_within_scope_only(cast):
    customer = pool_customer(cast.rep_a)
    with pytest.raises(PermissionDeniedError):
        services.customer_assign_from_pool(
            actor=cast.rep_a.user, customer=customer, person=cast.rep_a2.person
        )
    with pytest.raises(ApplicationError) as exc:
        services.customer_assign_from_pool(
            actor=cast.lead_a.user, customer=customer, person=cast.rep_b.person
        )
    assert exc.value.code == "out_of_scope"

    services.customer_assign_from_pool(actor=cast.lead_a.user, customer=customer, person=cast.rep_a2.person)
    assert Customer.objects.get(pk=customer.pk).owner == cast.rep_a2.person
    move = PoolMove.objects.get(customer=customer)
    assert (move.reason, move.new_owner, move.actor) == ("assigned", cast.rep_a2.person, cast.lead_a.user)
    assert Notification.objects.filter(recipient=cast.rep_a2.user, kind="customer_assigned").exists()


def test_the_owner_of_a_pool_customer_is_not_set_by_editing(cast):
    customer = pool_customer(cast.rep_a)
    with pytest.raises(PermissionDeniedError):
        services.customer_update(actor=cast.rep_b.user, customer=customer, name="改名")
    with pytest.raises(ApplicationError) as exc:
        services.customer_update(actor=cast.director.user, customer=customer, owner=cast.rep_b.person)
    assert exc.value.code == "in_pool"


# -- who sees the pool -------------------------------------------------------------------------


def test_reps_see_the_pool_on_its_page_but_not_other_teams_customers(cast, client_as):
    owned = make_customer(cast.rep_a)
    in_pool = pool_customer(cast.rep_a)
    services.contact_create(actor=cast.director.user, customer=in_pool, name="赵经理", mobile="13900139000")
    client = client_as(cast.rep_b)

    page = client.get("/customers/pool/")
    assert page.status_code == 200
    assert in_pool.name in page.content.decode() and owned.name not in page.content.decode()
    assert client.get(f"/customers/{owned.pk}/").status_code == 404
    detail = client.get(f"/customers/{in_pool.pk}/")
    assert detail.status_code == 200 and "13900139000" not in detail.content.decode()
    assert selectors.contacts_for_customer(user=cast.rep_b.user, customer=in_pool)[0].masked

    # the normal list leaves the pool out unless asked
    assert in_pool.name not in client.get("/customers/").content.decode()
    assert in_pool.name in client.get("/customers/?pool=1").content.decode()
    assert in_pool.pk not in set(selectors.customer_list(user=cast.rep_b.user).values_list("pk", flat=True))
    # people who see everything keep seeing the whole book
    assert in_pool.pk in set(selectors.customer_list(user=cast.director.user).values_list("pk", flat=True))
    assert owned.pk not in set(
        selectors.customer_list(user=cast.director.user, pool=True).values_list("pk", flat=True)
    )
    # without the capability there is no pool: Customer Service serves every customer, so the agent
    # opens this one (contacts masked), but may not browse the pool, claim from it or change it
    agent = client_as(cast.agent)
    assert agent.get("/customers/pool/").status_code == 403
    assert selectors.customer_get_for_user(user=cast.agent.user, pk=in_pool.pk) == in_pool
    detail = agent.get(f"/customers/{in_pool.pk}/").content.decode()
    assert "13900139000" not in detail and 'data-testid="claim"' not in detail
    assert selectors.contacts_for_customer(user=cast.agent.user, customer=in_pool)[0].masked
    with pytest.raises(PermissionDeniedError):
        services.customer_claim(actor=cast.agent.user, customer=in_pool)
    with pytest.raises(PermissionDeniedError):
        services.customer_update(actor=cast.agent.user, customer=in_pool, name="改名")
    assert Customer.objects.get(pk=in_pool.pk).owner is None


def test_pool_page_shows_quota_reason_and_claims(cast, client_as):
    customer = make_customer(cast.rep_a)
    services.customer_release(actor=cast.rep_a.user, customer=customer, reason="无需求")
    client = client_as(cast.rep_b)
    page = client.get("/customers/pool/").content.decode()
    assert 'data-testid="quota-left"' in page and "10" in page
    assert str(PoolMove.Reason.RELEASED.label) in page

    response = client.post(f"/customers/{customer.pk}/claim/")
    assert response.status_code == 302 and response.url == f"/customers/{customer.pk}/"
    assert Customer.objects.get(pk=customer.pk).owner == cast.rep_b.person
    detail = client.get(f"/customers/{customer.pk}/").content.decode()
    assert 'data-testid="pool-moves"' in detail and 'data-testid="release"' in detail

    # too late: it is gone from the pool, and the rep goes back to it with a message
    refused = client_as(cast.rep_a2).post(f"/customers/{customer.pk}/claim/")
    assert refused.status_code == 302 and refused.url == "/customers/pool/"
    assert Customer.objects.get(pk=customer.pk).owner == cast.rep_b.person


def test_release_and_assign_pages(cast, client_as):
    customer = make_customer(cast.rep_a)
    client = client_as(cast.rep_a)
    assert client.post(f"/customers/{customer.pk}/release/", {"reason": ""}).status_code == 400
    assert client.post(f"/customers/{customer.pk}/release/", {"reason": "客户倒闭"}).status_code == 302
    assert Customer.objects.get(pk=customer.pk).owner is None

    lead = client_as(cast.lead_a)
    assert 'data-testid="assign"' in lead.get(f"/customers/{customer.pk}/").content.decode()
    assert lead.post(f"/customers/{customer.pk}/assign/", {"person": cast.rep_b.pk}).status_code == 400
    assert lead.post(f"/customers/{customer.pk}/assign/", {"person": cast.rep_a2.pk}).status_code == 302
    assert Customer.objects.get(pk=customer.pk).owner == cast.rep_a2.person


def test_policy_form_for_those_who_configure(cast, client_as):
    assert 'data-testid="pool-policy"' not in client_as(cast.rep_a).get("/customers/pool/").content.decode()
    assert client_as(cast.rep_a).post("/customers/pool/policy/", {"policy-days_a": 10}).status_code == 403
    director = client_as(cast.director)
    assert 'data-testid="pool-policy"' in director.get("/customers/pool/").content.decode()
    data = {
        "policy-days_a": 120,
        "policy-days_b": 60,
        "policy-days_c": 45,
        "policy-max_held": 150,
        "policy-daily_claims": 5,
        "policy-cooldown_days": 14,
    }
    assert director.post("/customers/pool/policy/", data).status_code == 302
    policy = PoolPolicy.current()
    assert (policy.days_a, policy.days_c, policy.daily_claims, policy.cooldown_days) == (120, 45, 5, 14)
    assert director.post("/customers/pool/policy/", {**data, "policy-days_c": 0}).status_code == 400


def test_pool_page_query_count_does_not_grow(cast, client_as):
    client = client_as(cast.rep_b)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/customers/pool/").status_code == 200
        return len(ctx.captured_queries)

    for _ in range(3):
        customer = make_customer(cast.rep_a)
        services.customer_release(actor=cast.rep_a.user, customer=customer, reason="无需求")
    count()  # the first visit sets up the session
    few = count()
    for _ in range(20):
        customer = make_customer(cast.rep_a)
        services.customer_release(actor=cast.rep_a.user, customer=customer, reason="无需求")
    assert count() == few


# -- API ---------------------------------------------------------------------------------------


def test_api_pool_claim_release_assign_and_moves(cast, api_as):
    customer = make_customer(cast.rep_a)
    rep_a, rep_b, lead_a = api_as(cast.rep_a), api_as(cast.rep_b), api_as(cast.lead_a)

    response = rep_a.post(
        f"/api/v1/customers/{customer.pk}/release", {"reason": ""}, content_type="application/json"
    )
    assert response.status_code == 422
    response = rep_a.post(
        f"/api/v1/customers/{customer.pk}/release", {"reason": "无需求"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["owner_id"] is None

    pool = rep_b.get("/api/v1/customers/pool").json()
    assert [item["id"] for item in pool["items"]] == [customer.pk]
    assert pool["items"][0]["pool_reason"] == "released"
    assert customer.pk not in [c["id"] for c in rep_b.get("/api/v1/customers").json()["items"]]
    assert customer.pk in [c["id"] for c in rep_b.get("/api/v1/customers?pool=true").json()["items"]]
    assert api_as(cast.agent).get("/api/v1/customers/pool").status_code == 403

    response = rep_b.post(f"/api/v1/customers/{customer.pk}/claim")
    assert response.status_code == 200 and response.json()["owner_id"] == cast.rep_b.pk
    again = api_as(cast.rep_a2).post(f"/api/v1/customers/{customer.pk}/claim")
    assert again.status_code == 404  # now owned by another team's rep: out of sight

    services.customer_release(actor=cast.rep_b.user, customer=customer, reason="转交")
    response = lead_a.post(
        f"/api/v1/customers/{customer.pk}/assign",
        {"person_id": cast.rep_b.pk},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["code"] == "out_of_scope"
    response = lead_a.post(
        f"/api/v1/customers/{customer.pk}/assign",
        {"person_id": cast.rep_a2.pk},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["owner_id"] == cast.rep_a2.pk

    moves = lead_a.get(f"/api/v1/customers/{customer.pk}/pool-moves").json()["items"]
    assert [m["reason"] for m in moves] == ["assigned", "released", "claimed", "released"]
    assert rep_b.get(f"/api/v1/customers/{customer.pk}/pool-moves").status_code == 404


# -- concurrency (PostgreSQL) ------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)
def test_two_people_claiming_at_once_get_one_owner():
    from salescore.core.testing import build_cast_reseeded

    cast = build_cast_reseeded()
    customer = pool_customer(cast.rep_a)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def claim(member):
        try:
            barrier.wait()
            services.customer_claim(actor=member.user, customer=customer)
            outcomes.append("claimed")
        except ApplicationError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(m,)) for m in (cast.rep_a2, cast.rep_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["already_claimed", "claimed"]
    assert Customer.objects.get(pk=customer.pk).owner_id in {cast.rep_a2.pk, cast.rep_b.pk}
    assert PoolMove.objects.filter(customer=customer, reason="claimed").count() == 1
