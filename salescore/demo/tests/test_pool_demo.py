"""The demo's public pool and look-alike customers load through the services."""

from __future__ import annotations

from salescore.customers.merge import customer_merge, merge_candidates
from salescore.customers.models import Customer, PoolMove
from salescore.demo import company, customers, pool


def test_the_demo_pool_and_duplicates(db):
    company.load()
    customers.load(count=40)
    assert not pool.is_loaded()

    made = pool.load()

    assert made == {"released": 6, "swept": 6, "duplicates": 6}
    assert pool.is_loaded()
    in_pool = Customer.objects.filter(owner__isnull=True)
    assert in_pool.count() == 12
    reasons = set(PoolMove.objects.values_list("reason", flat=True))
    assert reasons == {PoolMove.Reason.RELEASED, PoolMove.Reason.NO_FOLLOW_UP}
    assert all(move.note for move in PoolMove.objects.all())

    # The look-alikes find each other and merge.
    survivor = Customer.objects.get(name="上海云帆智能科技有限公司")
    rep = survivor.owner.user
    candidates = merge_candidates(user=rep, customer=survivor)
    duplicate = Customer.objects.get(name="上海云帆智能科技")
    assert duplicate in candidates
    customer_merge(actor=rep, survivor=survivor, duplicate=duplicate, take_from_duplicate=["industry"])
    assert Customer.objects.get(pk=survivor.pk).contacts.count() == 2

    # Loading again adds nothing.
    assert pool.load_duplicates() == 0
