"""Leads (线索, about 10% of the customer count): a third converted into the customers that came
in through them (customer, contact and first opportunity linked), the rest new, contacted,
qualified or disqualified, each with its contact attempts. New leads of the last days include
some past their first-contact deadline and a few nobody was assigned yet."""

from __future__ import annotations

from salescore.customers.identity import normalize_phone
from salescore.demo.gendata import names
from salescore.demo.gendata.common import AUDIT, choose, pick
from salescore.demo.gendata.context import Context
from salescore.leads.models import Lead, LeadPolicy, LeadTouch
from salescore.org.models import Region

DAY = 86400
CAMPAIGNS = ("工博会", "智能制造直播", "老客户转介绍活动", "行业技术沙龙", "线上白皮书下载", "春季新品发布会")
INTERESTS = (
    "机器人上下料",
    "五轴加工中心",
    "产线自动化改造",
    "视觉检测",
    "AGV物流",
    "设备联网",
    "激光切割",
    "维保服务",
)
DISQUALIFY = ("无采购预算", "联系不上", "同行咨询", "需求不匹配", "已选择其他供应商")
TOUCHES = ("电话沟通，了解需求", "发送产品资料", "微信添加好友并介绍", "邮件回复询价", "约定后续拜访")
OPEN = [("new", 15), ("contacted", 30), ("qualified", 20), ("disqualified", 35)]


class Leads:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.leads = ctx.writer.table(
            Lead,
            [
                "id",
                "name",
                "company",
                "title",
                "phone",
                "phone_key",
                "email",
                "wechat",
                "channel",
                "campaign",
                "region_id",
                "industry",
                "interest",
                "status",
                "owner_id",
                "assigned_at",
                "first_contact_due",
                "first_contacted_at",
                "disqualify_reason",
                "converted_at",
                "customer_id",
                "opportunity_id",
                *AUDIT,
            ],
        )
        self.touches = ctx.writer.table(
            LeadTouch, ["id", "lead_id", "channel", "at", "by_id", "summary", "reached"]
        )
        self.hours = LeadPolicy.current().first_contact_hours
        self.regions = dict(Region.all_objects.filter(deleted_at__isnull=True).values_list("code", "id"))
        self.count = 0

    def _campaign(self, channel: str, ts: int) -> str:
        if channel not in ("campaign", "offline_event"):
            return ""
        return f"{self.ctx.clock.year_of(self.ctx.clock.local_day(ts))}{self.ctx.rng.choice(CAMPAIGNS)}"

    def _touches(self, lead_id: int, by, since: int, until: int, count: int) -> int | None:
        ctx, rng = self.ctx, self.ctx.rng
        first = None
        for _ in range(count):
            at = since + int((until - since) * rng.random())
            first = at if first is None else min(first, at)
            self.touches.add(
                (
                    ctx.take(LeadTouch),
                    lead_id,
                    rng.choice(("phone", "phone", "email", "online")),
                    ctx.clock.ts(at),
                    by.id,
                    rng.choice(TOUCHES),
                    rng.random() < 0.8,
                )
            )
        return first

    def converted(
        self, *, customer_id, created, keeper, contact, company, region_id, industry, channel, opportunity_id
    ):
        """The lead a customer came in through, converted when the customer was created."""
        ctx, rng, clock = self.ctx, self.ctx.rng, self.ctx.clock
        lead_id = ctx.take(Lead)
        opened = created - rng.randint(1, 20) * DAY - rng.randint(0, 8 * 3600)
        assigned = opened + rng.randint(60, 3600)
        contacted = assigned + int(self.hours * 3600 * rng.uniform(0.05, 0.9))
        self._touches(lead_id, keeper, contacted, created, rng.randint(1, 3))
        contact_id, name, title, mobile = contact
        self.leads.add(
            (
                lead_id,
                name,
                company,
                title,
                mobile,
                normalize_phone(mobile),
                "",
                "",
                channel,
                self._campaign(channel, opened),
                region_id,
                industry,
                rng.choice(INTERESTS),
                "converted",
                keeper.id,
                clock.ts(assigned),
                clock.ts(assigned + self.hours * 3600),
                clock.ts(contacted),
                "",
                clock.ts(created),
                customer_id,
                opportunity_id,
                clock.ts(opened),
                None,
                clock.ts(created),
                keeper.user_id,
                1,
            )
        )
        self.count += 1

    def open_leads(self) -> None:
        """The leads that did not (or not yet) become customers."""
        ctx, rng, clock = self.ctx, self.ctx.rng, self.ctx.clock
        now = clock.now
        org = ctx.org
        regions = self.regions
        industries = list(names.INDUSTRY_WEIGHTS.items())
        for serial in range(max(ctx.plan.leads - self.count, 0)):
            status = choose(rng, OPEN)
            age = {"new": 7, "contacted": 120, "qualified": 150}.get(status, 700)
            opened = clock.office_moment(rng, clock.local_day(now - int(rng.random() * age * DAY)))
            team = org.teams[pick(rng, org.team_weights)]
            owner = team.reps[pick(rng, team.rep_weights)]
            code = rng.choice(team.region_codes)
            place = rng.choice(names.places_for(code))
            industry = choose(rng, industries)
            person = names.person_name(ctx.dice)
            mobile = names.mobile(names.MOBILE_LEADS + serial, salt=ctx.seed, styled=rng.random() < 0.1)
            channel = rng.choice(
                ("phone", "email", "online", "online", "offline_event", "referral", "campaign")
            )
            unassigned = status == "new" and rng.random() < 0.1
            assigned = None if unassigned else opened + rng.randint(60, 3600)
            due = (assigned or opened) + self.hours * 3600
            contacted = None
            lead_id = ctx.take(Lead)
            if status != "new":
                end = min(now - 600, opened + rng.randint(2, max(3, age // 2)) * DAY)
                contacted = self._touches(
                    lead_id, owner, assigned + 600, max(end, assigned + 1200), rng.randint(1, 3)
                )
            self.leads.add(
                (
                    lead_id,
                    person.name,
                    names.company_name(ctx.dice, place, industry, 900_000 + serial).name,
                    rng.choice(names.CONTACT_TITLES)[0],
                    mobile,
                    normalize_phone(mobile),
                    f"{person.surname_en.lower()}{person.given_en}{serial}@example.cn"
                    if rng.random() < 0.5
                    else "",
                    f"wx{person.given_en}{rng.randint(100, 9999)}" if rng.random() < 0.4 else "",
                    channel,
                    self._campaign(channel, opened),
                    regions.get(code),
                    industry,
                    rng.choice(INTERESTS),
                    status,
                    None if unassigned else owner.id,
                    clock.ts(assigned),
                    clock.ts(due),
                    clock.ts(contacted),
                    rng.choice(DISQUALIFY) if status == "disqualified" else "",
                    None,
                    None,
                    None,
                    clock.ts(opened),
                    None,
                    clock.ts(contacted or opened),
                    owner.user_id if contacted else None,
                    1,
                )
            )
            self.count += 1
