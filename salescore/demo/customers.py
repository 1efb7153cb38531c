"""The demo company's customer book: companies in the sales teams' provinces, with contacts.

Written through the customers services, so every record has its owner, scope and history.
"""

from __future__ import annotations

import random

from django.db import transaction

from salescore.core.audit import audit_context
from salescore.core.permissions import Position
from salescore.customers import services
from salescore.customers.identity import CREDIT_CODE_ALPHABET, credit_code_check_char
from salescore.customers.models import Channel, Contact, Customer, Industry, Size, Tier
from salescore.demo.company import GIVEN, SURNAMES
from salescore.org.models import OrgUnit, Person, Region

CORES = [
    "恒通",
    "华瑞",
    "东方",
    "金鼎",
    "远航",
    "宏达",
    "中联",
    "天成",
    "盛隆",
    "瑞丰",
    "博远",
    "明德",
    "正泰",
    "鼎信",
    "海纳",
    "润丰",
    "嘉禾",
    "永盛",
    "凯达",
    "同创",
    "精诚",
    "启明",
    "汇众",
    "安泰",
]
TRADES = {
    Industry.MANUFACTURING: ["精密机械", "重工机械", "机电设备", "智能制造"],
    Industry.AUTOMOTIVE: ["汽车零部件", "汽车配件"],
    Industry.ELECTRONICS: ["电子科技", "半导体", "光电"],
    Industry.ENERGY: ["新能源", "电力设备"],
    Industry.CONSTRUCTION: ["建设工程", "新型建材"],
    Industry.LOGISTICS: ["物流", "供应链管理"],
    Industry.FOOD: ["食品", "饮料"],
    Industry.PHARMA: ["医药", "生物科技"],
    Industry.RETAIL: ["商贸", "日用品"],
    Industry.IT: ["信息技术", "软件"],
}
TITLES = [
    ("总经理", Contact.Role.DECISION_MAKER),
    ("采购经理", Contact.Role.INFLUENCER),
    ("设备部主管", Contact.Role.USER),
    ("技术总监", Contact.Role.INFLUENCER),
    ("生产经理", Contact.Role.USER),
    ("财务总监", Contact.Role.DECISION_MAKER),
]
ZONES = ["高新区", "经开区", "工业园区", "新区"]
TAGS = ["重点跟进", "老客户", "展会获客", "价格敏感", "有扩产计划", "国企", "外资"]
AREA_CODES = {
    "31": "021",
    "32": "0512",
    "33": "0571",
    "34": "0551",
    "35": "0592",
    "44": "020",
    "11": "010",
    "12": "022",
    "37": "0532",
    "21": "0411",
    "13": "0311",
    "45": "0771",
    "46": "0898",
}


def _credit_code(rng: random.Random, region: Region) -> str:
    body = "91" + region.code[:6] + "".join(rng.choice(CREDIT_CODE_ALPHABET) for _ in range(9))
    return body + credit_code_check_char(body)


def _person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def is_loaded() -> bool:
    return Customer.all_objects.exists()


@transaction.atomic
def load(*, seed: int = 2026, count: int = 240) -> int:
    """Give each sales team's people customers in their regions. Returns the number created."""
    rng = random.Random(seed)
    teams = OrgUnit.objects.filter(kind=OrgUnit.Kind.TEAM, duty="sales_management").order_by("path")
    sellers = list(
        Person.objects.filter(
            org_unit__in=teams, status=Person.Status.ACTIVE, position__in=[Position.REP, Position.TEAM_LEAD]
        )
        .select_related("org_unit", "user")
        .prefetch_related("regions")
    )
    if not sellers:
        return 0
    provinces = {r.code: r for r in Region.objects.filter(level=Region.Level.PROVINCE)}
    used_names: set[str] = set()
    created = 0
    with audit_context(origin="system"):
        for index in range(count):
            owner = sellers[index % len(sellers)]
            regions = list(owner.regions.all()) or [provinces["310000"]]
            region = rng.choice(regions)
            city = region.name.rstrip("市省") if region.level == Region.Level.CITY else ""
            industry = rng.choice(list(TRADES))
            while True:
                prefix = city or (region.name[:2] if region.level == Region.Level.PROVINCE else "")
                suffix = rng.choice(["有限公司", "股份有限公司", "有限公司"])
                name = f"{prefix}{rng.choice(CORES)}{rng.choice(TRADES[industry])}{suffix}"
                if name not in used_names:
                    used_names.add(name)
                    break
            area = AREA_CODES.get(region.code[:2], "0" + region.code[:3])
            tier = rng.choices([Tier.A, Tier.B, Tier.C], weights=[1, 3, 6])[0]
            customer = services.customer_create(
                actor=owner.user,
                name=name,
                credit_code=_credit_code(rng, region),
                industry=industry,
                size=rng.choices(list(Size.values), weights=[1, 4, 4, 2, 1])[0],
                tier=tier,
                region=region,
                address=f"{region.name}{rng.choice(ZONES)}{rng.randint(1, 999)}号",
                source=rng.choice([c for c in Channel.values if c != Channel.VISIT]),
                phone=f"{area}-{rng.randint(5000000, 89999999)}",
                email=f"info{index + 1}@customer{index + 1}.example.cn",
                website=f"www.customer{index + 1}.example.cn",
                tags=rng.sample(TAGS, k=rng.choice([0, 1, 1, 2])),
            )
            for number, (title, role) in enumerate(rng.sample(TITLES, k=rng.randint(1, 3))):
                services.contact_create(
                    actor=owner.user,
                    customer=customer,
                    name=_person_name(rng),
                    title=title,
                    mobile=f"1{rng.choice('3589')}{rng.randint(100000000, 999999999)}",
                    email=f"contact{number + 1}@customer{index + 1}.example.cn",
                    wechat=f"wx_{index + 1}_{number + 1}",
                    role=role,
                    is_primary=number == 0,
                )
            # A few key accounts are worked on together with a teammate (协作人).
            if tier == Tier.A:
                teammates = [p for p in sellers if p.org_unit_id == owner.org_unit_id and p.pk != owner.pk]
                if teammates:
                    services.customer_add_collaborator(
                        actor=owner.user, customer=customer, person=rng.choice(teammates)
                    )
            created += 1
    return created
