"""The demo's public pool (公海) and a few duplicate customers to try the merge on.

Through the customers services, so each pool customer has its PoolMove history (released with a
reason, or swept back for want of follow-up) and the duplicates look like real double entries.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from salescore.core.audit import audit_context
from salescore.customers import services
from salescore.customers.models import Customer, PoolMove
from salescore.org.models import Person

RELEASE_REASONS = [
    "客户已转向竞争对手，短期内无采购计划",
    "联系人离职，暂无新的对接人",
    "预算冻结到明年，先释放给其他同事跟进",
    "不在本组负责区域，放回公海",
    "多次电话未接通，需要重新开发",
    "需求太小，与我方产品不匹配",
]

# (survivor name, duplicate name, same owner?) — the second spelling is how someone else typed it.
DUPLICATES = [
    ("上海云帆智能科技有限公司", "上海云帆智能科技", True),
    ("上海恒瑞精密机械有限公司", "上海恒瑞精密机械股份有限公司", False),
    ("上海博远自动化设备有限公司", "上海博远自动化设备公司", True),
]


def is_loaded() -> bool:
    return PoolMove.objects.exists()


def _quiet_customers(limit: int) -> list[Customer]:
    """Owned customers with no opportunity and no lead: sending them to the pool loses no work."""
    return list(
        Customer.objects.filter(owner__isnull=False, opportunities__isnull=True, leads__isnull=True)
        .select_related("owner__user")
        .order_by("pk")[:limit]
    )


@transaction.atomic
def load(*, released: int = 6, swept: int = 6) -> dict[str, int]:
    """Release some customers with reasons, sweep others as the nightly job would, and enter the
    duplicate pairs. Returns how many of each."""
    made = {"released": 0, "swept": 0, "duplicates": 0}
    quiet = _quiet_customers(released + swept)
    with audit_context(origin="system"):
        for customer, reason in zip(quiet[:released], RELEASE_REASONS, strict=False):
            services.customer_release(actor=customer.owner.user, customer=customer, reason=reason)
            made["released"] += 1
        to_sweep = [c.pk for c in quiet[released:]]
        if to_sweep:
            # Make them look untouched for half a year (bookkeeping columns, no audit row), then
            # run the sweep on them as the nightly task would.
            long_ago = timezone.now() - dt.timedelta(days=200)
            Customer.all_objects.filter(pk__in=to_sweep).update(created_at=long_ago, last_contact_at=long_ago)
            made["swept"] = services.pool_sweep(customer_ids=to_sweep)
        made["duplicates"] = load_duplicates()
    return made


def load_duplicates() -> int:
    """Pairs of customers that are one company typed twice, for the merge (once; kept if present)."""
    rep = Person.objects.filter(user__username="rep.east").select_related("user").first()
    lead = Person.objects.filter(user__username="lead.east").select_related("user").first()
    if rep is None or lead is None or Customer.all_objects.filter(name=DUPLICATES[0][0]).exists():
        return 0
    made = 0
    for number, (name, duplicate_name, same_owner) in enumerate(DUPLICATES, start=1):
        region = rep.regions.first()
        first = services.customer_create(
            actor=rep.user,
            name=name,
            tier="B",
            region=region,
            source="referral",
            phone=f"021-6{number}881234",
        )
        services.contact_create(
            actor=rep.user,
            customer=first,
            name="周敏",
            title="采购经理",
            mobile=f"1377{number}001234",
            is_primary=True,
        )
        owner = rep if same_owner else lead
        second = services.customer_create(
            actor=owner.user,
            name=duplicate_name,
            tier="C",
            industry="manufacturing",
            region=region,
            source="offline_event",
            website=f"www.demo-duplicate{number}.example.cn",
        )
        services.contact_create(
            actor=owner.user, customer=second, name="吴刚", title="技术总监", mobile=f"1388{number}005678"
        )
        made += 2
    return made
