"""The demo company: 星海智能装备有限公司, a maker of industrial automation equipment.

Everything is written through the domains' services, so the demo has the same audit trail and
invariants as real data. Each later domain adds its part to ``load``.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from salescore.accounts.models import User
from salescore.core.audit import audit_context
from salescore.core.permissions import Position
from salescore.org import services as org
from salescore.org.models import OrgUnit, Person, Region

DEMO_PASSWORD = "SalesCore@2026"  # noqa: S105  (the published demo password)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    name: str


def _section(duty: str) -> OrgUnit:
    return OrgUnit.objects.get(kind=OrgUnit.Kind.SECTION, duty=duty)


def _regions(*codes: str) -> list[Region]:
    return list(Region.objects.filter(code__in=codes).order_by("code"))


SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "文",
    "辉",
    "鑫",
    "宇",
    "浩",
    "婷",
    "晨",
    "欣怡",
    "子豪",
]
PINYIN = {
    "伟": "Wei",
    "芳": "Fang",
    "娜": "Na",
    "敏": "Min",
    "静": "Jing",
    "丽": "Li",
    "强": "Qiang",
    "磊": "Lei",
    "军": "Jun",
    "洋": "Yang",
    "勇": "Yong",
    "艳": "Yan",
    "杰": "Jie",
    "涛": "Tao",
    "明": "Ming",
    "超": "Chao",
    "秀英": "Xiuying",
    "霞": "Xia",
    "平": "Ping",
    "刚": "Gang",
    "桂英": "Guiying",
    "文": "Wen",
    "辉": "Hui",
    "鑫": "Xin",
    "宇": "Yu",
    "浩": "Hao",
    "婷": "Ting",
    "晨": "Chen",
    "欣怡": "Xinyi",
    "子豪": "Zihao",
}
SURNAME_PINYIN = dict(
    zip(
        SURNAMES,
        [
            "Wang",
            "Li",
            "Zhang",
            "Liu",
            "Chen",
            "Yang",
            "Huang",
            "Zhao",
            "Wu",
            "Zhou",
            "Xu",
            "Sun",
            "Ma",
            "Zhu",
            "Hu",
            "Guo",
            "He",
            "Gao",
            "Lin",
            "Luo",
            "Zheng",
            "Liang",
            "Xie",
            "Song",
            "Tang",
            "Xu",
            "Han",
            "Feng",
            "Deng",
            "Cao",
            "Peng",
            "Zeng",
            "Xiao",
            "Tian",
            "Dong",
            "Yuan",
            "Pan",
            "Yu",
            "Jiang",
            "Cai",
            "Yu",
            "Du",
            "Ye",
            "Cheng",
            "Su",
            "Wei",
            "Lyu",
            "Ding",
            "Ren",
            "Shen",
            "Yao",
            "Lu",
        ],
        strict=True,
    )
)


def is_loaded() -> bool:
    return Person.all_objects.exists()


@transaction.atomic
def load(*, seed: int = 2026) -> list[DemoLogin]:
    """Build the demo organisation. Returns the demo logins (one per role)."""
    rng = random.Random(seed)
    with audit_context(origin="system"):
        bootstrap = User.objects.create_superuser("admin", "admin@xinghai.example", DEMO_PASSWORD)
        company = OrgUnit.objects.get(kind=OrgUnit.Kind.COMPANY)
        department = OrgUnit.objects.get(kind=OrgUnit.Kind.DEPARTMENT)
        org.org_unit_update(
            actor=bootstrap,
            unit=company,
            name="星海智能装备有限公司",
            name_en="Xinghai Intelligent Equipment Co., Ltd.",
        )

        sales_mgmt = _section("sales_management")
        market = _section("market_expansion")
        service = _section("customer_service")
        support = _section("sales_support")

        def team(name, name_en, section):
            return org.org_unit_create(
                actor=bootstrap, kind=OrgUnit.Kind.TEAM, parent=section, name=name, name_en=name_en
            )

        east = team("华东销售一组", "East China Team 1", sales_mgmt)
        east2 = team("华东销售二组", "East China Team 2", sales_mgmt)
        south = team("华南销售组", "South China Team", sales_mgmt)
        north = team("华北销售组", "North China Team", sales_mgmt)
        research = team("市场调研组", "Market Research Team", market)
        care = team("客户服务一组", "Customer Care Team", service)
        orders = team("订单管理组", "Order Desk", support)

        password_hash = make_password(DEMO_PASSWORD)
        counter = {"n": 0}

        def person(
            username, name, name_en, position, unit, manager=None, *, regions=(), hired=None, email=True
        ):
            counter["n"] += 1
            user = User.objects.create(
                username=username, password=password_hash, email=f"{username}@xinghai.example"
            )
            return org.person_create(
                actor=bootstrap,
                user=user,
                name=name,
                name_en=name_en,
                employee_no=f"XH{counter['n']:04d}",
                position=position,
                org_unit=unit,
                manager=manager,
                hire_date=hired or dt.date(2018 + rng.randint(0, 6), rng.randint(1, 12), rng.randint(1, 28)),
                phone=f"1{rng.choice('3589')}{rng.randint(100000000, 999999999)}",
                email=f"{username}@xinghai.example" if email else "",
                regions=_regions(*regions),
            )

        admin = org.person_create(
            actor=bootstrap,
            user=bootstrap,
            name="系统管理员",
            name_en="System Administrator",
            employee_no="XH0000",
            position=Position.ADMIN,
            org_unit=department,
            hire_date=dt.date(2018, 3, 1),
            email="admin@xinghai.example",
        )
        director = person(
            "director",
            "王建国",
            "Wang Jianguo",
            Position.DIRECTOR,
            department,
            hired=dt.date(2016, 5, 9),
            regions=["CN"],
        )
        head = person(
            "head", "李明", "Li Ming", Position.SECTION_HEAD, sales_mgmt, director, hired=dt.date(2017, 8, 21)
        )
        market_head = person("market.head", "孙悦", "Sun Yue", Position.SECTION_HEAD, market, director)
        service_head = person("service.head", "梁红", "Liang Hong", Position.SECTION_HEAD, service, director)
        support_head = person("support.head", "唐亮", "Tang Liang", Position.SECTION_HEAD, support, director)
        lead_east = person(
            "lead.east", "张伟", "Zhang Wei", Position.TEAM_LEAD, east, head, regions=["310000", "320000"]
        )
        lead_east2 = person(
            "lead.east2", "徐静", "Xu Jing", Position.TEAM_LEAD, east2, head, regions=["330000", "340000"]
        )
        lead_south = person(
            "lead.south",
            "陈静",
            "Chen Jing",
            Position.TEAM_LEAD,
            south,
            head,
            regions=["440000", "450000", "460000"],
        )
        lead_north = person(
            "lead.north",
            "赵刚",
            "Zhao Gang",
            Position.TEAM_LEAD,
            north,
            head,
            regions=["110000", "120000", "130000"],
        )
        rep_east = person("rep.east", "刘洋", "Liu Yang", Position.REP, east, lead_east, regions=["310000"])
        rep_south = person(
            "rep.south", "黄丽", "Huang Li", Position.REP, south, lead_south, regions=["440100", "440300"]
        )
        agent = person("agent", "郑爽", "Zheng Shuang", Position.CS_AGENT, care, service_head)
        clerk = person("clerk", "何婷", "He Ting", Position.SUPPORT_CLERK, orders, support_head)
        analyst = person("analyst", "马超", "Ma Chao", Position.MARKET_ANALYST, research, market_head)

        for unit, unit_head in [
            (department, director),
            (sales_mgmt, head),
            (market, market_head),
            (service, service_head),
            (support, support_head),
            (east, lead_east),
            (east2, lead_east2),
            (south, lead_south),
            (north, lead_north),
        ]:
            org.org_unit_update(actor=bootstrap, unit=unit, head=unit_head)

        # The rest of the team: reps spread over the four sales teams, a few more in each section.
        team_regions = {
            east.pk: ["310000", "320100", "320500", "320200"],
            east2.pk: ["330100", "330200", "340100", "350200"],
            south.pk: ["440100", "440300", "440600", "441900", "350100"],
            north.pk: ["110000", "120000", "370100", "370200", "210200"],
        }
        leads = {east.pk: lead_east, east2.pk: lead_east2, south.pk: lead_south, north.pk: lead_north}
        used = {p.name for p in Person.objects.all()}
        extra = []
        for index in range(40):
            unit = [east, east2, south, north][index % 4]
            unit_name = None
            position = Position.REP
            manager = leads[unit.pk]
            if index >= 32:
                unit, manager = [(care, service_head), (orders, support_head), (research, market_head)][
                    index % 3
                ]
                position = {
                    care.pk: Position.CS_AGENT,
                    orders.pk: Position.SUPPORT_CLERK,
                    research.pk: Position.MARKET_ANALYST,
                }[unit.pk]
            while True:
                surname, given = rng.choice(SURNAMES), rng.choice(GIVEN)
                unit_name = surname + given
                if unit_name not in used:
                    used.add(unit_name)
                    break
            regions = [rng.choice(team_regions[unit.pk])] if unit.pk in team_regions else []
            extra.append(
                person(
                    f"u{index + 1:03d}",
                    unit_name,
                    f"{SURNAME_PINYIN[surname]} {PINYIN[given]}",
                    position,
                    unit,
                    manager,
                    regions=regions,
                )
            )

        # One rep has left (their login is closed); one leaves in two weeks (a departures queue item).
        today = timezone.localdate()
        org.person_update(
            actor=bootstrap,
            person=extra[5],
            status=Person.Status.LEFT,
            left_date=today - dt.timedelta(days=40),
        )
        org.person_update(actor=bootstrap, person=extra[9], left_date=today + dt.timedelta(days=14))
        # A new hire still waiting for a territory (a "people without a region" queue item).
        org.person_update(actor=bootstrap, person=extra[13], regions=[])
        del admin, analyst, agent, clerk, rep_east, rep_south

    return demo_logins()


def demo_logins() -> list[DemoLogin]:
    roles = [
        ("admin", "Administrator / 系统管理员"),
        ("director", "Sales director / 销售总监"),
        ("head", "Section head, Sales Management / 销售管理科科长"),
        ("lead.east", "Team lead, East China 1 / 华东一组组长"),
        ("lead.south", "Team lead, South China / 华南组组长"),
        ("rep.east", "Sales rep, East China 1 / 华东一组销售代表"),
        ("rep.south", "Sales rep, South China / 华南组销售代表"),
        ("agent", "Customer-service agent / 客服专员"),
        ("clerk", "Sales-support clerk / 销售支持文员"),
        ("analyst", "Market analyst / 市场分析员"),
        ("warehouse", "Warehouse and shipping / 仓储物流"),
        ("finance", "Finance / 财务"),
    ]
    names = dict(
        Person.objects.filter(user__username__in=[r[0] for r in roles]).values_list("user__username", "name")
    )
    return [DemoLogin(username=u, role=r, name=names.get(u, "")) for u, r in roles]
