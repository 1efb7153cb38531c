"""The organisation of the generated company: 200 reps in 20 sales teams under four sales sections,
their team leads, section heads and the director, and the other desks (customer service, sales
support, market research, warehouse, finance). Everyone has a login with the one password.

The seeded tree (company > 销售部 > the four sections of the policy) is kept; 销售管理科 runs the East
China teams and three more sales sections are added beside it. Paths follow core.tree.
"""

from __future__ import annotations

import datetime as dt

from salescore.accounts.models import User
from salescore.core.permissions import Duty, Position
from salescore.core.tree import segment
from salescore.demo.gendata import names
from salescore.demo.gendata.common import AUDIT
from salescore.demo.gendata.context import Context, Staff, Team
from salescore.org import seed
from salescore.org.models import OrgUnit, Person, Region

COMPANY = ("星海智能装备有限公司", "Xinghai Intelligent Equipment Co., Ltd.")

# Sales sections (the seeded 销售管理科 first) and their teams: name, English name, the regions they
# cover (codes of the seeded Region tree), and their share of the customers.
SALES = [
    (
        None,
        "East China",
        [
            ("上海一组", "Shanghai Team 1", ("310000",), 8),
            ("上海二组", "Shanghai Team 2", ("310000",), 8),
            ("江苏一组", "Jiangsu Team 1", ("320100", "320000"), 6),
            ("江苏二组", "Jiangsu Team 2", ("320500", "320200"), 7),
            ("浙江组", "Zhejiang Team", ("330100", "330200", "330000"), 8),
        ],
    ),
    (
        ("华南销售科", "South China Sales"),
        "South China",
        [
            ("广州组", "Guangzhou Team", ("440100", "440000"), 6),
            ("深圳组", "Shenzhen Team", ("440300",), 8),
            ("佛莞组", "Foshan-Dongguan Team", ("440600", "441900"), 5),
            ("福建组", "Fujian Team", ("350100", "350200", "350000"), 4),
            ("桂琼组", "Guangxi-Hainan Team", ("450100", "450000", "460100", "460000"), 2),
        ],
    ),
    (
        ("华北销售科", "North China Sales"),
        "North China",
        [
            ("北京一组", "Beijing Team 1", ("110000",), 7),
            ("北京二组", "Beijing Team 2", ("110000",), 7),
            ("津冀组", "Tianjin-Hebei Team", ("120000", "130100", "130000"), 4),
            ("山东组", "Shandong Team", ("370100", "370200", "370000"), 5),
            (
                "东北组",
                "Northeast Team",
                ("210100", "210200", "210000", "220100", "230100", "150100", "140100"),
                3,
            ),
        ],
    ),
    (
        ("中西部销售科", "Central and West Sales"),
        "Central and West",
        [
            ("两湖组", "Hubei-Hunan Team", ("420100", "420000", "430100", "430000"), 4),
            ("豫皖组", "Henan-Anhui Team", ("410100", "410000", "340100", "340000"), 3),
            ("川渝组", "Sichuan-Chongqing Team", ("510100", "510000", "500000"), 4),
            ("西北组", "Northwest Team", ("610100", "610000", "620100", "630100", "640100", "650100"), 2),
            ("西南赣组", "Southwest-Jiangxi Team", ("520100", "530100", "540100", "360100", "360000"), 2),
        ],
    ),
]


class _Builder:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        w = ctx.writer
        self.users = w.table(
            User,
            [
                "id",
                "password",
                "is_superuser",
                "username",
                "first_name",
                "last_name",
                "email",
                "is_staff",
                "is_active",
                "date_joined",
                "failed_logins",
            ],
        )
        self.people = w.table(
            Person,
            [
                "id",
                "user_id",
                "employee_no",
                "name",
                "name_en",
                "position",
                "org_unit_id",
                "manager_id",
                "hire_date",
                "status",
                "phone",
                "email",
                *AUDIT,
            ],
        )
        self.units = w.table(
            OrgUnit,
            [
                "id",
                "name",
                "name_en",
                "kind",
                "parent_id",
                "duty",
                "description",
                "description_en",
                "head_id",
                "path",
                "depth",
                "sort_order",
                *AUDIT,
            ],
        )
        self.person_regions = w.table(Person.regions.through, ["id", "person_id", "region_id"])
        self.region_ids = dict(Region.all_objects.filter(deleted_at__isnull=True).values_list("code", "id"))
        self.stamp = ctx.clock.ts(ctx.clock.now - 400 * 86400)
        self.used_names: set[str] = set()
        self.unit_rows: list[tuple] = []  # written at the end, when their heads are known
        self.count = 0

    def unit(self, *, name, name_en, kind, parent, duty, sort_order) -> tuple[int, str, int]:
        """A new unit under ``parent`` (id, path, depth); returns its (id, path, depth)."""
        parent_id, parent_path, parent_depth = parent
        pk = self.ctx.take(OrgUnit)
        path = parent_path + segment(pk)
        self.unit_rows.append(
            (
                pk,
                name,
                name_en,
                kind,
                parent_id,
                duty,
                "",
                "",
                None,
                path,
                parent_depth + 1,
                sort_order,
                self.stamp,
                None,
                self.stamp,
                None,
                1,
            )
        )
        return pk, path, parent_depth + 1

    def person(self, username, position, unit_id, manager: Staff | None, *, regions=(), role="") -> Staff:
        ctx = self.ctx
        rng = ctx.rng
        self.count += 1
        while True:
            name = names.person_name(ctx.dice)
            if name.name not in self.used_names:
                self.used_names.add(name.name)
                break
        user_id, person_id = ctx.take(User), ctx.take(Person)
        email = f"{username.replace('_', '.')}@xinghai.example"
        hired = dt.date(2014, 1, 1) + dt.timedelta(days=rng.randrange(0, 11 * 365))
        admin = position == Position.ADMIN
        self.users.add((user_id, ctx.password, admin, username, "", "", email, admin, True, self.stamp, 0))
        self.people.add(
            (
                person_id,
                user_id,
                f"BG{self.count:05d}",
                name.name,
                name.name_en,
                position,
                unit_id,
                manager.id if manager else None,
                hired.isoformat(),
                Person.Status.ACTIVE,
                names.mobile(names.MOBILE_STAFF + self.count, salt=ctx.seed),
                email,
                self.stamp,
                None,
                self.stamp,
                None,
                1,
            )
        )
        for code in regions:
            if code in self.region_ids:
                self.person_regions.add((ctx.take(Person.regions.through), person_id, self.region_ids[code]))
        staff = Staff(id=person_id, user_id=user_id, name=name.name, position=position, unit_id=unit_id)
        ctx.org.people[person_id] = staff
        if role:
            ctx.org.logins.append((username, name.name, role))
        return staff


def build(ctx: Context) -> dict[str, int]:
    """Create the units and people; returns counts for the report."""
    b = _Builder(ctx)
    org = ctx.org
    units = {u.pk: u for u in OrgUnit.all_objects.filter(deleted_at__isnull=True).order_by("path")}
    company = next(u for u in units.values() if u.kind == OrgUnit.Kind.COMPANY)
    department = next(u for u in units.values() if u.kind == OrgUnit.Kind.DEPARTMENT)
    sections = {}
    for unit in units.values():
        if unit.kind == OrgUnit.Kind.SECTION and unit.parent_id == department.pk:
            sections.setdefault(unit.duty, unit)
    OrgUnit.all_objects.filter(pk=company.pk).update(name=COMPANY[0], name_en=COMPANY[1])
    org.company_id, org.department_id = company.pk, department.pk
    dept = (department.pk, department.path, department.depth)
    heads: dict[int, int] = {}  # unit id -> head person id (units written before their heads)
    for order, (name, name_en, duty, _text, _text_en) in enumerate(seed.SECTIONS, start=1):
        if duty not in sections:  # someone deleted a section of the policy: put it back
            pk, path, depth = b.unit(
                name=name,
                name_en=name_en,
                kind=OrgUnit.Kind.SECTION,
                parent=dept,
                duty=duty,
                sort_order=order,
            )
            sections[duty] = OrgUnit(pk=pk, path=path, depth=depth, duty=duty)

    org.director = b.person(
        "bench_director",
        Position.DIRECTOR,
        department.pk,
        None,
        regions=("CN",),
        role="Sales director / 销售总监 (scope: everything)",
    )
    heads[department.pk] = org.director.id
    org.admin = b.person(
        "bench_admin", Position.ADMIN, department.pk, None, role="Administrator / 系统管理员"
    )
    org.warehouse = b.person(
        "warehouse", Position.WAREHOUSE, department.pk, org.director, role="Warehouse / 仓储物流"
    )
    org.finance = b.person("finance", Position.FINANCE, department.pk, org.director, role="Finance / 财务")

    team_index = 0
    rep_number = 0
    for section_index, (new_section, region_name, teams) in enumerate(SALES):
        if new_section is None:
            existing = sections[Duty.SALES_MANAGEMENT]
            section = (existing.pk, existing.path, existing.depth)
        else:
            section = b.unit(
                name=new_section[0],
                name_en=new_section[1],
                kind=OrgUnit.Kind.SECTION,
                parent=dept,
                duty=Duty.SALES_MANAGEMENT,
                sort_order=10 + section_index,
            )
        username = "bench_head" if section_index == 0 else f"head{section_index + 1}"
        head = b.person(
            username,
            Position.SECTION_HEAD,
            section[0],
            org.director,
            role=f"Section head, {region_name} / 科长" if section_index == 0 else "",
        )
        heads[section[0]] = head.id
        org.sections.append(section[0])
        org.heads[section[0]] = head
        for order, (name, name_en, codes, weight) in enumerate(teams, start=1):
            unit = b.unit(
                name=name,
                name_en=name_en,
                kind=OrgUnit.Kind.TEAM,
                parent=section,
                duty=Duty.SALES_MANAGEMENT,
                sort_order=order,
            )
            team = Team(
                index=team_index,
                unit_id=unit[0],
                section_id=section[0],
                name=name,
                region_codes=codes,
                weight=weight,
            )
            lead_name = "bench_lead" if team_index == 0 else f"lead{team_index + 1:02d}"
            team.lead = b.person(
                lead_name,
                Position.TEAM_LEAD,
                unit[0],
                head,
                regions=codes,
                role=f"Team lead, {name_en} / {name}组长" if team_index == 0 else "",
            )
            team.lead.team = team_index
            heads[unit[0]] = team.lead.id
            per_team = ctx.plan.reps // ctx.plan.teams + (
                1 if team_index < ctx.plan.reps % ctx.plan.teams else 0
            )
            cumulative = 0.0
            for _ in range(per_team):
                rep_number += 1
                username = "bench_rep" if rep_number == 1 else f"rep{rep_number:03d}"
                rep = b.person(
                    username,
                    Position.REP,
                    unit[0],
                    team.lead,
                    regions=codes,
                    role=f"Sales rep, {name_en} / {name}销售代表" if rep_number == 1 else "",
                )
                rep.team = team_index
                team.reps.append(rep)
                # Some reps carry more accounts than others; the benchmark rep is a typical one.
                cumulative += 1.0 if rep_number == 1 else ctx.rng.uniform(0.6, 1.5)
                team.rep_weights.append(cumulative)
            org.teams.append(team)
            team_index += 1

    # The other desks, each in its seeded section with a team.
    desks = [
        (Duty.CUSTOMER_SERVICE, "客户服务", "Customer Service", Position.CS_AGENT, "agent", 2, 5),
        (Duty.SALES_SUPPORT, "订单管理", "Order Desk", Position.SUPPORT_CLERK, "clerk", 1, 4),
        (Duty.MARKET_EXPANSION, "市场调研", "Market Research", Position.MARKET_ANALYST, "analyst", 1, 3),
    ]
    roles = {
        "agent": "Customer-service agent / 客服专员",
        "clerk": "Sales-support clerk / 销售支持文员",
        "analyst": "Market analyst / 市场分析员",
    }
    for duty, name, name_en, position, prefix, team_count, members in desks:
        existing = sections[duty]
        section = (existing.pk, existing.path, existing.depth)
        head = b.person(f"head_{prefix}", Position.SECTION_HEAD, section[0], org.director)
        heads[section[0]] = head.id
        number = 0
        for t in range(team_count):
            suffix = f"{t + 1}组" if team_count > 1 else "组"
            unit = b.unit(
                name=f"{name}{suffix}",
                name_en=f"{name_en} {t + 1}",
                kind=OrgUnit.Kind.TEAM,
                parent=section,
                duty=duty,
                sort_order=t + 1,
            )
            lead = b.person(f"{prefix}_lead{t + 1}", Position.TEAM_LEAD, unit[0], head)
            heads[unit[0]] = lead.id
            for _ in range(members):
                number += 1
                member = b.person(
                    f"{prefix}{number:02d}",
                    position,
                    unit[0],
                    lead,
                    role=roles[prefix] if number == 1 else "",
                )
                if position == Position.CS_AGENT:
                    ctx.org.agents.append(member)
                elif position == Position.SUPPORT_CLERK:
                    ctx.org.clerks.append(member)

    cumulative = 0.0
    for team in org.teams:
        cumulative += team.weight
        org.team_weights.append(cumulative)
    # Heads of the new units go into their rows; the seeded units get theirs by UPDATE.
    for row in b.unit_rows:
        b.units.add(row[:8] + (heads.get(row[0]),) + row[9:])
    ctx.writer.drain()  # the connection is the writer thread's until then
    for unit_id, person_id in heads.items():
        if unit_id in units:
            OrgUnit.all_objects.filter(pk=unit_id).update(head_id=person_id)
    return {"people": b.count}
