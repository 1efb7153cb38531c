"""Each customer's sales history: opportunities moving through the stages, with the stage changes
behind them (time in stage), the needs analysis and proposed products the entry criteria ask
for, and the activities (phone calls, visits, e-mails...) of the last two years.

Opportunities older than half a year are mostly won or lost; young ones spread over the open
stages. An opportunity's stage, probability, stage_entered_at and closed_at agree with its last
stage change; one that reached 产品推荐 has a needs analysis recorded before it got there, one that
reached 方案展示/报价 has its proposed products and a contact linked (pipeline.gates). The latest
activity of a customer is its last_contact_at.
"""

from __future__ import annotations

import math

from salescore.demo.gendata import catalog as catalog_part
from salescore.demo.gendata.clock import WORK_HOURS
from salescore.demo.gendata.common import AUDIT, money
from salescore.demo.gendata.context import Context
from salescore.demo.pipeline_data import CURRENT_SOLUTIONS, LOSS_REASONS, TIMELINES, WIN_REASONS
from salescore.pipeline.models import Activity, NeedsAnalysis, Opportunity, OpportunityProduct, StageChange

DAY = 86400
OPEN_PATH = ("contact", "needs_analysis", "recommendation", "presentation", "order")
MEAN_STAGE_DAYS = (12, 16, 12, 18, 10)
PROJECTS = (
    "设备更新项目",
    "产线自动化改造项目",
    "二期扩产项目",
    "智能工厂建设项目",
    "新厂房设备采购项目",
    "年度设备采购",
    "降本增效改造项目",
    "数字化车间项目",
    "检测能力提升项目",
    "备件与维保项目",
)
COMPETITORS = ("发那科", "库卡", "ABB", "安川", "海天", "大族激光", "西门子", "新松", "埃斯顿", "海克斯康")
NEEDS = (
    "提升关键工序产能约30%，减少人工依赖",
    "替换使用十年以上的老旧设备，提高加工精度",
    "新建产线，要求与现有MES系统对接",
    "降低能耗与维护成本，三年内收回投资",
    "满足新客户的质量追溯与检测要求",
    "小批量多品种生产，换型时间要短",
)
PAIN_POINTS = (
    "招工难、人工成本逐年上升",
    "设备故障多，停机影响交期",
    "产品一致性差，客户投诉增加",
    "现有设备精度不足，废品率高",
    "数据靠人工记录，管理层看不到实时产量",
)
# (channel, weight, subjects, outcomes)
CHANNELS = (
    (
        "phone",
        32,
        ("电话跟进项目进度", "电话沟通技术参数", "电话确认需求变化", "例行电话回访", "电话预约拜访"),
        ("客户表示本月内给答复", "需求明确，等待内部立项", "暂无采购计划，保持联系", "约定下周上门拜访"),
    ),
    (
        "visit",
        18,
        ("拜访客户，推进项目", "现场勘察与工艺交流", "拜访设备部了解使用情况", "陪同技术工程师现场调研"),
        (
            "客户带我们看了车间，需求比预期大",
            "确认了技术方案方向",
            "见到了决策人，态度积极",
            "客户提出价格顾虑",
        ),
    ),
    (
        "email",
        14,
        ("邮件发送产品资料与案例", "邮件发送技术方案", "邮件答复客户技术问题", "邮件发送报价说明"),
        ("客户回复已转技术部", "客户要求补充参数", "已读未回", "客户确认收到"),
    ),
    (
        "online",
        22,
        ("微信沟通设备参数", "线上视频演示设备运行", "在线答复客户疑问", "线上技术研讨会"),
        ("客户对演示效果满意", "需要再约一次详细演示", "客户询问交期与付款方式", "客户转发给了采购"),
    ),
    (
        "offline_event",
        5,
        ("工博会展台洽谈", "邀请客户参观样板工厂", "客户技术沙龙", "行业展会交流"),
        (
            "索要了样册，对机器人产品感兴趣",
            "现场演示后有采购意向",
            "留下了采购负责人联系方式",
            "了解了竞品情况",
        ),
    ),
    (
        "other",
        4,
        ("协助客户办理设备验收", "协调售后处理客户问题", "节日问候与客情维护"),
        ("客户满意", "问题已解决", "保持良好关系"),
    ),
)
NEXT_STEPS = (
    "预约拜访，了解设备规划",
    "补充收集工艺图纸和产能数据",
    "发送推荐方案并约技术交流",
    "跟进报价反馈，安排样机演示",
    "催签合同，确认首付款时间",
    "寄送样件测试结果",
    "邀请参观样板工厂",
)
INBOUND_CHANNELS = frozenset({"phone", "email", "online"})
TALLIED = {"visit": "visits", "phone": "calls"}  # planning metrics counted from activities


class Pipeline:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        w = ctx.writer
        self.opportunities = w.table(
            Opportunity,
            [
                "id",
                "name",
                "customer_id",
                "owner_id",
                "stage_id",
                "stage_entered_at",
                "probability",
                "amount",
                "currency",
                "expected_close_date",
                "source",
                "competitors",
                "win_reason",
                "loss_reason",
                "closed_at",
                "notes",
                *AUDIT,
            ],
        )
        self.contacts = w.table(Opportunity.contacts.through, ["id", "opportunity_id", "contact_id"])
        self.changes = w.table(
            StageChange,
            ["id", "opportunity_id", "from_stage_id", "to_stage_id", "at", "actor_id", "seconds_in_previous"],
        )
        self.needs = w.table(
            NeedsAnalysis,
            [
                "id",
                "opportunity_id",
                "needs",
                "pain_points",
                "budget_min",
                "budget_max",
                "decision_makers",
                "timeline",
                "current_solution",
                *AUDIT,
            ],
        )
        self.products = w.table(
            OpportunityProduct, ["id", "opportunity_id", "product_id", "quantity", "reason", "score", *AUDIT]
        )
        self.activities = w.table(
            Activity,
            [
                "id",
                "channel",
                "direction",
                "occurred_at",
                "customer_id",
                "opportunity_id",
                "contact_id",
                "owner_id",
                "customer_owner_id",
                "subject",
                "summary",
                "outcome",
                "next_step",
                "next_step_due",
                "next_step_done",
                "checked_in_at",
                "location",
                "latitude",
                "longitude",
                *AUDIT,
            ],
        )
        stages = ctx.stages
        self.open_ids = [stages[code][0] for code in OPEN_PATH]
        self.open_probability = [stages[code][1] for code in OPEN_PATH]
        self.won = stages["won"]
        self.lost = stages["lost"]
        dice = ctx.dice
        self.channel = dice.weighted([(c, c[1]) for c in CHANNELS])
        self.outcome_old = dice.weighted([("won", 35), ("lost", 47), ("open", 18)])
        self.outcome_mid = dice.weighted([("won", 18), ("lost", 24), ("open", 58)])
        self.outcome_young = dice.weighted([("won", 3), ("lost", 5), ("open", 92)])
        self.lost_at = dice.weighted([(0, 30), (1, 25), (2, 20), (3, 15), (4, 10)])
        self.open_young = dice.weighted([(0, 34), (1, 26), (2, 18), (3, 14), (4, 8)])
        self.open_old = dice.weighted([(0, 18), (1, 26), (2, 18), (3, 20), (4, 14)])
        self.opp_mean = ctx.plan.opportunities_per_customer
        self.activity_mean = ctx.plan.activities_per_customer

    # -- one customer --------------------------------------------------------------------------

    def customer(
        self,
        *,
        cid: int,
        created: int,
        tier: str,
        keeper,
        holder: int | None,
        contacts: list[tuple[int, str, str]],
        place,
        address: str,
        latest: int,
        keep_warm: int,
        lead_born: bool,
        source: str,
        short: str,
        industry: str,
        age_factor: float,
    ) -> tuple[int | None, int | None]:
        """Generate the customer's opportunities and activities. Activities happen no later than
        ``latest``; with ``keep_warm`` (seconds), one falls within that long before it (the pool
        policy's follow-up window). Returns (last activity time, id of the opportunity a
        converted lead created). ``age_factor`` scales the history to the customer's age; ``holder``
        is the customer's owner now (None: the pool), which its activities keep."""
        rng = self.ctx.rng
        opportunities = []
        first_opp = None
        count = _poisson_like(rng, self.opp_mean * {"A": 2.5, "B": 1.35}.get(tier, 0.77) * age_factor)
        if lead_born:
            count = max(count, 1)
        for index in range(count):
            start = created if (lead_born and index == 0) else None
            opp = self._opportunity(cid, created, tier, keeper, contacts, start, source, short, industry)
            opportunities.append(opp)
            if lead_born and index == 0:
                first_opp = opp[0]
        activities = _poisson_like(rng, self.activity_mean * {"A": 3.0, "B": 1.6}.get(tier, 0.7) * age_factor)
        last = self._activities(
            cid, created, keeper, holder, contacts, place, address, latest, keep_warm, opportunities,
            activities,
        )  # fmt: skip
        return last, first_opp

    def _opportunity(self, cid, created, tier, keeper, contacts, start, source, short, industry):
        ctx = self.ctx
        dice = ctx.dice
        rnd = dice.random
        clock = ctx.clock
        ts = clock.ts
        take = ctx.take
        now = clock.now
        if start is None:
            earliest = max(created, now - 900 * DAY)
            start = earliest + int((now - 3600 - earliest) * rnd()) if now - 3600 > earliest else earliest
        age_days = (now - start) / DAY
        if age_days > 180:
            outcome = self.outcome_old()
        elif age_days > 60:
            outcome = self.outcome_mid()
        else:
            outcome = self.outcome_young()
        if outcome == "won":
            reached = 4
        elif outcome == "lost":
            reached = self.lost_at()
        else:
            reached = self.open_young() if age_days < 60 else self.open_old()
        # Time in each stage passed (exponential), squeezed to fit before now.
        closing = outcome != "open"
        durations = [
            -math.log(1.0 - rnd()) * MEAN_STAGE_DAYS[i] * DAY + 3600 for i in range(reached + closing)
        ]
        room = now - 600 - start
        if not closing:
            room = int(room * (0.3 + 0.68 * rnd()))  # and some time spent in the current stage
        total = sum(durations)
        if total > room:
            scale = max(room, 0) / total
            durations = [d * scale for d in durations]
        moments = [start]
        for d in durations:
            moments.append(moments[-1] + int(d))
        oid = take(Opportunity)
        actor = keeper.user_id
        add_change = self.changes.append
        stage_ids = self.open_ids
        path = stage_ids[: reached + 1]
        if outcome == "won":
            path = [*path, self.won[0]]
        elif outcome == "lost":
            path = [*path, self.lost[0]]
        change_id = take(StageChange, len(path))
        add_change((change_id, oid, None, stage_ids[0], ts(start), actor, None))
        for step in range(1, len(path)):
            at = moments[step]
            add_change(
                (change_id + step, oid, path[step - 1], path[step], ts(at), actor, at - moments[step - 1])
            )
        entered = moments[len(path) - 1]
        closed = entered if closing else None
        if outcome == "won":
            stage_id, probability = self.won
        elif outcome == "lost":
            stage_id, probability = self.lost
        else:
            stage_id, probability = stage_ids[reached], self.open_probability[reached]
        # Products proposed from the recommendation stage on; they set the amount.
        proposed = []
        amount = 0
        with_products = reached >= 3 or (reached == 2 and rnd() < 0.6)
        if with_products or reached >= 1 or rnd() < 0.5:
            for _ in range(dice.choice((1, 1, 1, 2, 2, 3))):
                product = catalog_part.choose_product(ctx, tier)
                if any(p.id == product.id for p, _q in proposed):
                    continue
                quantity = catalog_part.quantity(dice, product, tier)
                proposed.append((product, quantity))
                amount += product.list_fen * quantity
            amount = int(amount * (0.9 + 0.1 * rnd())) // 100 * 100
        if closing:
            close_day = clock.local_day(closed) + dice.randint(-10, 5)
        else:
            close_day = max(clock.today + dice.randint(-25, 120), clock.local_day(start) + 14)
        if proposed and rnd() < 0.5:
            name = f"{short}{proposed[0][0].name}采购项目"
        else:
            name = f"{short}{dice.choice(PROJECTS)}"
        competitors = "、".join(dice.rng.sample(COMPETITORS, dice.randint(1, 2))) if rnd() < 0.4 else ""
        self.opportunities.append(
            (
                oid,
                name,
                cid,
                keeper.id,
                stage_id,
                ts(entered),
                probability,
                money(amount),
                "CNY",
                clock.date(close_day),
                source,
                competitors,
                dice.choice(WIN_REASONS) if outcome == "won" else "",
                dice.choice(LOSS_REASONS) if outcome == "lost" else "",
                ts(closed),
                "",
                ts(start),
                actor,
                ts(entered),
                actor,
                1,
            )
        )
        if contacts:
            self.contacts.append((take(Opportunity.contacts.through), oid, contacts[0][0]))
            if len(contacts) > 1 and rnd() < 0.4:
                self.contacts.append((take(Opportunity.contacts.through), oid, dice.choice(contacts[1:])[0]))
        if reached >= 2 or (reached == 1 and rnd() < 0.5):
            # Recorded while in 需求分析, before the move to 产品推荐 (its entry criterion).
            until = moments[2] if len(moments) > 2 else now
            at = ts(moments[1] + int((until - moments[1]) * (0.2 + 0.7 * rnd())))
            budget = amount or dice.randint(5, 500) * 1_000_000
            self.needs.append(
                (
                    take(NeedsAnalysis),
                    oid,
                    dice.choice(NEEDS),
                    dice.choice(PAIN_POINTS),
                    money(budget * 8 // 1000 * 100),
                    money(budget * 12 // 1000 * 100),
                    "、".join(f"{c[1]}（{c[2]}）" for c in contacts[:2]),
                    dice.choice(TIMELINES),
                    dice.choice(CURRENT_SOLUTIONS),
                    at,
                    actor,
                    at,
                    actor,
                    1,
                )
            )
        if with_products and proposed:
            # Proposed while in 产品推荐, before the move to 方案展示/报价.
            since = moments[2]
            until = moments[3] if len(moments) > 3 else now
            at = ts(since + int((until - since) * (0.1 + 0.8 * rnd())))
            for product, quantity in proposed:
                self.products.append(
                    (
                        take(OpportunityProduct),
                        oid,
                        product.id,
                        quantity,
                        f"{product.name}匹配客户的需求和预算",
                        f"{60 + 38 * rnd():.1f}",
                        at,
                        actor,
                        at,
                        actor,
                        1,
                    )
                )
        return (oid, start, closed if closed is not None else now)

    def _activities(
        self, cid, created, keeper, holder, contacts, place, address, latest, keep_warm, opps, count
    ):
        ctx = self.ctx
        dice = ctx.dice
        rnd = dice.random
        choice = dice.choice
        clock = ctx.clock
        date_text = clock.date
        start = max(created, clock.now - 730 * DAY)
        if latest <= start:
            return None
        span = latest - start
        moments = [start + int(span * rnd()) for _ in range(count)]
        if keep_warm and latest - created > keep_warm:
            # Someone followed the customer up within the pool policy's window.
            recent = latest - int(keep_warm * (0.02 + 0.88 * rnd()))
            if not moments:
                moments.append(recent)
            elif max(moments) < recent:
                moments[moments.index(max(moments))] = recent
        if not moments:
            return None
        add = self.activities.append
        first_id = ctx.take(Activity, len(moments))
        owner_id, actor = keeper.id, keeper.user_id
        draw_channel = self.channel
        today, now, offset = clock.today, clock.now, clock.offset
        days, seconds, first_day = clock.texts()
        hours, hour_count = WORK_HOURS, len(WORK_HOURS)
        contact_count = len(contacts)
        tally = ctx.tally.add
        year_of = clock.year_of
        lat, lng = place.lat, place.lng
        last = None
        for number, moment in enumerate(moments):
            # Office hours, on a weekday mostly (clock.office_moment, inlined: this loop is hot).
            day = (moment + offset) // DAY
            weekday = (day + 3) % 7
            if weekday >= 5 and rnd() < 0.85:
                day -= weekday - 4
            ts = day * DAY - offset + hours[int(rnd() * hour_count)] * 3600 + int(rnd() * 60) * 60
            ts = max(min(ts, latest, now - 60), created + 60)
            day = (ts + offset) // DAY
            channel, _weight, subjects, outcomes = draw_channel()
            opportunity_id = None
            if opps and rnd() < 0.65:
                live = [o for o in opps if o[1] <= ts <= o[2]]
                if live:
                    opportunity_id = live[int(rnd() * len(live))][0]
            contact_id = contacts[int(rnd() * contact_count)][0] if contact_count and rnd() < 0.75 else None
            next_step, due, done = "", None, False
            if today - day <= 21:
                if rnd() < 0.5:
                    next_step, due = choice(NEXT_STEPS), day + 1 + int(rnd() * 14)
                    done = due < today and rnd() < 0.8
            elif rnd() < 0.25:
                next_step, due, done = choice(NEXT_STEPS), day + 1 + int(rnd() * 14), rnd() < 0.95
            d, sec = divmod(ts, DAY)
            stamp = days[d - first_day] + seconds[sec]
            if channel == "visit":
                visit = (
                    stamp,
                    address,
                    f"{lat + 0.16 * rnd() - 0.08:.6f}",
                    f"{lng + 0.16 * rnd() - 0.08:.6f}",
                )
            else:
                visit = (None, "", None, None)
            direction = "inbound" if channel in INBOUND_CHANNELS and rnd() < 0.18 else "outbound"
            d, sec = divmod(min(ts + 60 + int(rnd() * 7200), now), DAY)
            recorded = days[d - first_day] + seconds[sec]
            add(
                (first_id + number, channel, direction, stamp, cid, opportunity_id, contact_id, owner_id,
                 holder, subjects[int(rnd() * len(subjects))], "", outcomes[int(rnd() * len(outcomes))],
                 next_step, date_text(due), done, *visit, recorded, actor, recorded, actor, 1)
            )  # fmt: skip
            if channel in TALLIED:
                tally(TALLIED[channel], year_of(day), owner_id, 1)
            if last is None or ts > last:
                last = ts
        return last


def _poisson_like(rng, mean: float) -> int:
    """A count with the given mean and a natural spread (cheaper than a true Poisson)."""
    if mean <= 0:
        return 0
    value = rng.gammavariate(2.0, mean / 2.0)
    whole = math.floor(value)
    return whole + (1 if rng.random() < value - whole else 0)
