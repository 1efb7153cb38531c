"""The named cast every permission test uses.

company > 销售部 > 销售管理科 > 华东一组 (team A) / 华南组 (team B)
                > 客户服务科 > 客服组,  销售支持科 > 订单组,  市场拓展科 > 调研组

admin      administrator                         sees everything, edits the organisation
director   sales director, in the department      sees everything
head       section head of Sales Management      sees the section (both teams)
lead_a     team lead of team A                   sees team A
lead_b     team lead of team B                   sees team B
rep_a      rep in team A                         sees only themselves
rep_a2     a second rep in team A
rep_b      rep in team B
agent      customer-service agent
clerk      sales-support clerk
analyst    market analyst
keeper     warehouse and shipping (outside the sales department; ships every order)
cashier    finance (outside the sales department; records payments on every order)
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from salescore.accounts.models import User
from salescore.core.permissions import Position
from salescore.org import services
from salescore.org.models import OrgUnit, Person

PASSWORD = "Test-Password-2026"  # noqa: S105


@dataclass
class Member:
    user: User
    person: Person

    @property
    def pk(self) -> int:
        return self.person.pk


@dataclass
class Cast:
    admin: Member
    director: Member
    head: Member
    lead_a: Member
    lead_b: Member
    rep_a: Member
    rep_a2: Member
    rep_b: Member
    agent: Member
    clerk: Member
    analyst: Member
    keeper: Member
    cashier: Member
    department: OrgUnit
    sales_management: OrgUnit
    team_a: OrgUnit
    team_b: OrgUnit
    care_team: OrgUnit
    order_desk: OrgUnit
    research_team: OrgUnit

    def all(self) -> dict[str, Member]:
        return {name: value for name, value in vars(self).items() if isinstance(value, Member)}


def build_cast() -> Cast:
    root = User.objects.create_superuser("root", "root@example.com", PASSWORD)
    department = OrgUnit.objects.get(kind=OrgUnit.Kind.DEPARTMENT)
    sections = {u.duty: u for u in OrgUnit.objects.filter(kind=OrgUnit.Kind.SECTION)}

    def team(name, duty):
        return services.org_unit_create(actor=root, kind=OrgUnit.Kind.TEAM, parent=sections[duty], name=name)

    team_a = team("华东一组", "sales_management")
    team_b = team("华南组", "sales_management")
    care = team("客服组", "customer_service")
    desk = team("订单组", "sales_support")
    research = team("调研组", "market_expansion")
    number = iter(range(1, 100))

    def member(username, name, position, unit, manager=None, user=None):
        person = services.person_create(
            actor=root,
            user=user,
            username=username,
            password=PASSWORD,
            name=name,
            employee_no=f"T{next(number):03d}",
            position=position,
            org_unit=unit,
            manager=manager.person if manager else None,
            hire_date=dt.date(2024, 1, 15),
            email=f"{username}@example.com",
            phone="13800000000",
        )
        return Member(user=person.user, person=person)

    admin = member("admin", "管理员", Position.ADMIN, department, user=root)
    director = member("director", "王总监", Position.DIRECTOR, department)
    head = member("head", "李科长", Position.SECTION_HEAD, sections["sales_management"], director)
    lead_a = member("lead_a", "张组长", Position.TEAM_LEAD, team_a, head)
    lead_b = member("lead_b", "陈组长", Position.TEAM_LEAD, team_b, head)
    rep_a = member("rep_a", "刘代表", Position.REP, team_a, lead_a)
    rep_a2 = member("rep_a2", "吴代表", Position.REP, team_a, lead_a)
    rep_b = member("rep_b", "黄代表", Position.REP, team_b, lead_b)
    agent = member("agent", "郑客服", Position.CS_AGENT, care)
    clerk = member("clerk", "何文员", Position.SUPPORT_CLERK, desk)
    analyst = member("analyst", "马分析", Position.MARKET_ANALYST, research)
    keeper = member("keeper", "孙仓管", Position.WAREHOUSE, department)
    cashier = member("cashier", "钱会计", Position.FINANCE, department)
    everyone = (
        admin,
        director,
        head,
        lead_a,
        lead_b,
        rep_a,
        rep_a2,
        rep_b,
        agent,
        clerk,
        analyst,
        keeper,
        cashier,
    )
    for m in everyone:
        m.user.refresh_from_db()
        m.user.__dict__.pop("_salescore_access", None)
    return Cast(
        admin=admin,
        director=director,
        head=head,
        lead_a=lead_a,
        lead_b=lead_b,
        rep_a=rep_a,
        rep_a2=rep_a2,
        rep_b=rep_b,
        agent=agent,
        clerk=clerk,
        analyst=analyst,
        keeper=keeper,
        cashier=cashier,
        department=department,
        sales_management=sections["sales_management"],
        team_a=team_a,
        team_b=team_b,
        care_team=care,
        order_desk=desk,
        research_team=research,
    )


# The seeding migrations whose rows other tests rely on. A transactional test (PostgreSQL
# concurrency) empties every table when it ends, so the next one puts these back first; each
# seeding function skips what is already there.
SEEDS = (
    "salescore.org.migrations.0002_seed_regions_and_default_tree",
    "salescore.pipeline.migrations.0002_default_stages",
)


def build_cast_reseeded() -> Cast:
    """The cast for a transactional test: the seeded rows put back, then ``build_cast``."""
    from importlib import import_module

    from django.apps import apps

    for module in SEEDS:
        import_module(module).forwards(apps, None)
    return build_cast()


def in_thread(work, errors: list) -> threading.Thread:
    """Start ``work`` in a thread with its own database connection (closed when it ends); what it
    raises is appended to ``errors`` for the test's own thread to assert on."""
    from django.db import connections

    def run():
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread
