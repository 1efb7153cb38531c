"""The demo company's catalogue, standard scripts and six months of sales history.

星海智能装备有限公司 makes industrial automation equipment: machine tools, robots, production lines,
inspection equipment, and sells service with them. This part creates its catalogue, a standard
script (话术) for every open stage, then opportunities for the demo customers in every stage, with
contacts, needs analyses, proposed products, amounts, close dates and the activities behind them.

Everything goes through the services. History is real history: each step runs with the clock set to
the moment it happened (time-machine), so stage changes, time in stage, activities, the customer's
last contact and the audit trail agree with each other, as if the team had worked for six months.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import time_machine
from django.db import transaction
from django.utils import timezone, translation

from salescore.accounts.models import User
from salescore.catalog import services as catalog
from salescore.catalog.models import Feature, PriceList, Product
from salescore.core.audit import audit_context
from salescore.core.permissions import Position
from salescore.customers import services as customer_services
from salescore.customers.models import Channel, Contact, Customer, Tier
from salescore.demo.pipeline_data import (
    BETWEEN_TOUCHES,
    CATEGORIES,
    COORDINATES,
    CURRENT_SOLUTIONS,
    DEFAULT_PROJECTS,
    FEATURES,
    FIRST_TOUCH,
    INDUSTRY_PROJECTS,
    KEEP_WARM_TOUCH,
    LOOSE_TOUCHES,
    LOSS_REASONS,
    NEXT_STEPS,
    PRESENTATION_TOUCH,
    PRODUCT_SCRIPTS,
    PRODUCTS,
    PROJECTS,
    SCRIPTS,
    TIMELINES,
    WIN_REASONS,
    Project,
)
from salescore.org.models import Person
from salescore.pipeline import selectors
from salescore.pipeline import services as pipeline
from salescore.pipeline.models import Opportunity, Stage

HISTORY_DAYS = 182


def is_loaded() -> bool:
    return Product.all_objects.exists() or Opportunity.all_objects.exists()


# -- loading ------------------------------------------------------------------------------------


@dataclass
class Event:
    at: dt.datetime
    seq: int
    run: Callable[[], None]


@dataclass
class Timeline:
    """The events of the whole demo, run in time order with the clock set to each one's moment."""

    now: dt.datetime
    events: list[Event] = field(default_factory=list)

    def add(self, at: dt.datetime, run: Callable[[], None]) -> None:
        self.events.append(
            Event(at=min(at, self.now - dt.timedelta(minutes=5)), seq=len(self.events), run=run)
        )

    def play(self) -> None:
        self.events.sort(key=lambda event: (event.at, event.seq))
        if not self.events:
            return
        with time_machine.travel(self.events[0].at, tick=False) as traveller:
            for event in self.events:
                traveller.move_to(event.at)
                event.run()


def _office_hours(rng: random.Random, day: dt.datetime) -> dt.datetime:
    """The same day at a plausible working time (local), moved off the weekend to the Friday before."""
    local = timezone.localtime(day)
    while local.weekday() >= 5:
        local -= dt.timedelta(days=1)
    hour = rng.choice([9, 9, 10, 10, 11, 14, 14, 15, 15, 16, 17])
    return local.replace(
        hour=hour, minute=rng.choice([0, 10, 15, 20, 30, 40, 45, 50]), second=0, microsecond=0
    )


@transaction.atomic
def load(*, seed: int = 2026) -> dict[str, int]:
    """Create the catalogue, the scripts and the sales history. Returns what was created."""
    rng = random.Random(seed)
    now = timezone.now()
    director = _configurer()
    stages = {stage.code: stage for stage in Stage.objects.filter(active=True)}
    open_path = [
        stages[code]
        for code in ("contact", "needs_analysis", "recommendation", "presentation", "order")
        if code in stages
    ]
    # Texts the services write into records (the reasons of a recommendation) in the company's language.
    with audit_context(origin="system"), translation.override("zh-hans"):
        # The catalogue and the scripts were set up before the period the demo covers.
        with time_machine.travel(now - dt.timedelta(days=HISTORY_DAYS + 30), tick=False):
            products = _load_catalogue(director)
            price_lists = _load_price_lists(director, products, today=timezone.localdate(now))
            scripts = _load_scripts(director, stages, products)
        timeline = Timeline(now=now)
        features = {feature.code: feature for feature in Feature.objects.all()}
        customers = list(
            Customer.objects.filter(
                owner__status=Person.Status.ACTIVE,
                owner__deleted_at__isnull=True,
                owner__user__is_active=True,
            )
            .select_related("owner__user", "region")
            .prefetch_related("contacts")
            .order_by("pk")
        )
        counts = {"products": len(products), "scripts": scripts, "opportunities": 0, "activities": 0}
        for customer in customers:
            story = _Story(
                rng=rng,
                customer=customer,
                timeline=timeline,
                counts=counts,
                now=now,
                stages=stages,
                features=features,
                products=[p for p in products.values() if p.active],
            )
            n = rng.choices([0, 1, 2], weights=[50, 44, 6])[0]
            if n == 0 or len(open_path) < 2 or "won" not in stages or "lost" not in stages:
                story.loose_touches()
                continue
            for _ in range(n):
                story.opportunity(open_path=open_path)
        timeline.play()
        _assign_key_accounts(director, price_lists["key_accounts"])
    return counts


def _configurer() -> User:
    director = (
        Person.objects.filter(position=Position.DIRECTOR, status=Person.Status.ACTIVE)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if director is not None:
        return director.user
    return User.objects.filter(is_superuser=True).order_by("pk").first()


def _load_catalogue(actor: User) -> dict[str, Product]:
    categories = {
        code: catalog.category_create(actor=actor, code=code, name=name, name_en=name_en, sort_order=10 * n)
        for n, (code, name, name_en) in enumerate(CATEGORIES, start=1)
    }
    features = {
        code: catalog.feature_create(actor=actor, code=code, name=name, name_en=name_en)
        for code, name, name_en in FEATURES
    }
    products = {}
    for item in PRODUCTS:
        products[item.code] = catalog.product_create(
            actor=actor,
            code=item.code,
            name=item.name,
            name_en=item.name_en,
            category=categories[item.category],
            description=item.description,
            list_price=Decimal(item.list_price),
            price_floor=Decimal(item.price_floor),
            currency="CNY",
            unit=item.unit,
            industries=[str(v) for v in item.industries],
            sizes=[str(v) for v in item.sizes],
            features=[features[code] for code in item.features],
            active=item.active,
        )
    return products


# Dealers buy most of the range 8 % below list; key accounts 5 % below, for this year. Both stay
# above every floor (about 82-85 % of list), so a rep's own discount still applies on top.
DEALER_CATEGORIES = ("cnc", "robots", "inspection")
KEY_ACCOUNTS = 6  # A-tier customers on the key-account list


def _below_list(product: Product, percent: int) -> Decimal:
    """The list price less ``percent``, rounded down to whole hundreds of yuan."""
    price = product.list_price * (100 - percent) / 100
    return (price // 100) * 100


def _load_price_lists(actor: User, products: dict[str, Product], *, today: dt.date) -> dict[str, PriceList]:
    """The two price lists, made with the catalogue; ``today`` is the real today (the clock is set
    back to the catalogue's day while they are made)."""
    on_sale = [product for product in products.values() if product.active]
    dealers = catalog.price_list_create(
        actor=actor,
        name="经销商价格表",
        name_en="Dealer price list",
        valid_from=today - dt.timedelta(days=HISTORY_DAYS + 30),
        notes="授权经销商适用；整机类产品约为目录价的92%，产线与服务按目录价。",
        items=[
            {"product": product.pk, "unit_price": _below_list(product, 8)}
            for product in on_sale
            if product.category.code in DEALER_CATEGORIES
        ],
    )
    key_accounts = catalog.price_list_create(
        actor=actor,
        name="大客户协议价",
        name_en="Key-account agreement prices",
        valid_from=today.replace(month=1, day=1),
        valid_to=today.replace(month=12, day=31),
        notes="年度框架协议客户（A类）适用，全线产品约为目录价的95%，每年续签。",
        items=[{"product": product.pk, "unit_price": _below_list(product, 5)} for product in on_sale],
    )
    return {"dealers": dealers, "key_accounts": key_accounts}


def _assign_key_accounts(actor: User, price_list: PriceList) -> None:
    """A handful of A-tier customers signed this year's framework agreement."""
    for customer in Customer.objects.filter(tier=Tier.A, owner__isnull=False).order_by("pk")[:KEY_ACCOUNTS]:
        customer_services.customer_update(actor=actor, customer=customer, price_list=price_list)


def _load_scripts(actor: User, stages: dict[str, Stage], products: dict[str, Product]) -> int:
    count = 0
    for code, (title, body, checklist) in SCRIPTS.items():
        if code in stages:
            pipeline.script_save(actor=actor, stage=stages[code], title=title, body=body, checklist=checklist)
            count += 1
    for stage_code, product_code, title, body, checklist in PRODUCT_SCRIPTS:
        if stage_code in stages:
            pipeline.script_save(
                actor=actor,
                stage=stages[stage_code],
                product=products[product_code],
                title=title,
                body=body,
                checklist=checklist,
            )
            count += 1
    return count


@dataclass
class _Story:
    """One customer's dealings with the company: opportunities and the touches along the way.

    Planning only: each step is added to the timeline as a closure, run later at its moment."""

    rng: random.Random
    customer: Customer
    timeline: Timeline
    counts: dict[str, int]
    now: dt.datetime
    stages: dict[str, Stage]
    features: dict[str, Feature]
    products: list[Product]

    @property
    def actor(self) -> User:
        return self.customer.owner.user

    @property
    def contacts(self) -> list[Contact]:
        return list(self.customer.contacts.all())  # prefetched

    def _short_name(self) -> str:
        name = self.customer.name
        for suffix in ("股份有限公司", "有限公司"):
            name = name.removesuffix(suffix)
        return name

    def _location(self) -> dict:
        region = self.customer.region
        coordinates = None
        if region is not None:
            coordinates = COORDINATES.get(region.code) or COORDINATES.get(region.code[:2] + "0000")
        fields = {"location": self.customer.address or (region.name if region else "")}
        if coordinates:
            lat, lng = coordinates
            fields["latitude"] = Decimal(str(round(lat + self.rng.uniform(-0.08, 0.08), 6)))
            fields["longitude"] = Decimal(str(round(lng + self.rng.uniform(-0.08, 0.08), 6)))
        return fields

    def _touch(
        self,
        at: dt.datetime,
        *,
        channel: str,
        subject: str,
        summary: str = "",
        outcome: str = "",
        holder: dict | None = None,
        next_step: str = "",
        due_days: int = 3,
        done_after_days: float | None = None,
        direction: str = "outbound",
        not_before: dt.datetime | None = None,
    ) -> None:
        """Log an activity around ``at``, in office hours, never before ``not_before`` nor before the
        opportunity exists. A next step is promised ``due_days`` later; it is done
        ``done_after_days`` later, or left open."""
        at = _office_hours(self.rng, at)
        if holder is not None:
            at = max(at, holder["created_at"] + dt.timedelta(minutes=20))
        if not_before is not None:
            at = max(at, not_before)
        at = min(at, self.now - dt.timedelta(minutes=30))
        contacts = self.contacts
        contact = self.rng.choice(contacts) if contacts else None
        fields = {
            "channel": channel,
            "direction": direction,
            "subject": subject,
            "summary": summary,
            "outcome": outcome,
        }
        if channel == Channel.VISIT:
            fields.update(self._location())
        if next_step:
            fields["next_step"] = next_step
            fields["next_step_due"] = timezone.localtime(at).date() + dt.timedelta(days=due_days)
        made: dict = {}

        def log():
            made["activity"] = pipeline.activity_log(
                actor=self.actor,
                customer=self.customer,
                opportunity=holder["opportunity"] if holder else None,
                contact=contact,
                occurred_at=at,
                **fields,
            )

        self.timeline.add(at, log)
        self.counts["activities"] += 1
        if next_step and done_after_days is not None:
            done = _office_hours(self.rng, at + dt.timedelta(days=done_after_days))
            self.timeline.add(
                max(done, at + dt.timedelta(hours=1)),
                lambda: pipeline.activity_complete_next_step(actor=self.actor, activity=made["activity"]),
            )

    def loose_touches(self) -> None:
        """A customer without a deal still hears from us: trade fairs, calls, e-mails, webinars."""
        for _ in range(self.rng.choice([0, 1, 1])):
            at = self.now - dt.timedelta(days=self.rng.uniform(3, HISTORY_DAYS))
            channel, subject, outcome = self.rng.choice(LOOSE_TOUCHES)
            # Promises made long ago were kept or forgotten; recent ones may still be open.
            promise = at > self.now - dt.timedelta(days=30) and self.rng.random() < 0.6
            self._touch(
                at,
                channel=channel,
                subject=subject,
                outcome=outcome,
                next_step="电话跟进采购计划" if promise else "",
                due_days=self.rng.choice([7, 14, 30]),
                direction="inbound" if channel == Channel.ONLINE else "outbound",
            )

    def _milestones(self, count: int, *, is_open: bool) -> list[dt.datetime]:
        """When the opportunity entered each of ``count`` stages, and (last) when it closed or
        when the latest stage began: office hours, increasing, inside the last six months."""
        rng = self.rng
        dwell = [rng.uniform(4, 24) for _ in range(count)]
        if is_open:
            dwell[-1] = rng.uniform(1, 30)  # the time in the current stage so far
        total = sum(dwell)
        start = self.now - dt.timedelta(days=rng.uniform(total + 1, max(total + 1, HISTORY_DAYS - 2)))
        times = [start]
        for days in dwell:
            times.append(times[-1] + dt.timedelta(days=days))
        result: list[dt.datetime] = []
        for moment in times:
            moment = _office_hours(rng, moment)
            if result:
                moment = max(moment, result[-1] + dt.timedelta(hours=3))
            result.append(min(moment, self.now - dt.timedelta(hours=1)))
        return result  # count + 1 moments: the entries, then the end

    def opportunity(self, *, open_path: list[Stage]) -> None:
        rng = self.rng
        project = PROJECTS[rng.choice(INDUSTRY_PROJECTS.get(self.customer.industry, DEFAULT_PROJECTS))]
        # Where the story ends: in an open stage, won, or lost somewhere on the way.
        outcome = rng.choices(["open", "won", "lost"], weights=[52, 26, 22])[0]
        weights = {"open": [16, 15, 14, 13, 9], "lost": [3, 4, 4, 5, 2]}
        if outcome == "won":
            last = len(open_path) - 1
        else:
            last = rng.choices(range(len(open_path)), weights=weights[outcome][: len(open_path)])[0]
        path = open_path[: last + 1]
        moments = self._milestones(len(path), is_open=outcome == "open")
        entered, end = moments[:-1], moments[-1]
        start = entered[0]

        holder: dict = {"created_at": start}
        contacts = self.contacts
        first_contacts = contacts[:1] if contacts and (last > 0 or rng.random() < 0.7) else []
        name = f"{self._short_name()}{project.name}"
        close_estimate = (start + dt.timedelta(days=rng.randint(60, 150))).date()
        actor, customer = self.actor, self.customer
        self.counts["opportunities"] += 1

        def create():
            holder["opportunity"] = pipeline.opportunity_create(
                actor=actor,
                customer=customer,
                name=name,
                contacts=first_contacts,
                source=customer.source if customer.source != Channel.VISIT else Channel.OTHER,
                expected_close_date=close_estimate,
                currency="CNY",
            )

        self.timeline.add(start, create)
        channel = rng.choice([Channel.PHONE, Channel.EMAIL, Channel.ONLINE, Channel.OFFLINE_EVENT])
        self._touch(
            start,
            channel=channel,
            direction="inbound" if channel == Channel.ONLINE else "outbound",
            subject=FIRST_TOUCH[channel],
            summary=project.needs,
            outcome="客户有采购意向，同意进一步沟通",
            holder=holder,
            next_step="预约上门拜访，了解详细需求",
            due_days=rng.randint(3, 7),
            done_after_days=rng.uniform(2, 6),
        )

        plan = {
            "features": [
                self.features[code]
                for code in rng.sample(project.features, k=min(len(project.features), rng.randint(2, 3)))
                if code in self.features
            ],
            "budget": _budget(rng, project),
            "done": set(),
        }
        for index in range(1, len(path)):
            stage, at = path[index], entered[index]
            self._prepare(stage, at, entered[index - 1], holder, project, plan)
            self._advance(at, holder, stage)
            self._stage_touch(stage, at, holder, project)

        if outcome == "won":
            self._close_won(end, holder)
        elif outcome == "lost":
            self._close_lost(end, holder, project)
        else:
            self._keep_warm(entered[-1], holder, path[-1])

    # -- the steps ----------------------------------------------------------------------------

    def _advance(self, at: dt.datetime, holder: dict, stage: Stage, reason: str = "") -> None:
        self.timeline.add(
            at,
            lambda: pipeline.opportunity_advance(
                actor=self.actor, opportunity=holder["opportunity"], to_stage=stage, reason=reason
            ),
        )

    def _prepare(self, stage: Stage, at, previous_at, holder: dict, project: Project, plan: dict) -> None:
        """Meet the entry criteria of ``stage`` shortly before moving into it, each only once."""
        rng, done = self.rng, plan["done"]
        before = max(at - dt.timedelta(hours=rng.uniform(0.5, 2.5)), previous_at + dt.timedelta(minutes=30))
        todo = [gate for gate in stage.entry_gates if gate not in done]
        done.update(todo)
        if "has_contact" in todo and self.contacts:
            contacts = self.contacts[:2]

            def link():
                opportunity = holder["opportunity"]
                if not opportunity.contacts.exists():
                    pipeline.opportunity_update(actor=self.actor, opportunity=opportunity, contacts=contacts)

            self.timeline.add(before, link)
        if "needs_recorded" in todo:
            deciders = [f"{c.title}{c.name}" for c in self.contacts if c.role == Contact.Role.DECISION_MAKER]
            budget_min, budget_max = plan["budget"]
            fields = {
                "needs": project.needs,
                "pain_points": "；".join(rng.sample(project.pains, k=min(2, len(project.pains)))),
                "budget_min": budget_min,
                "budget_max": budget_max,
                "decision_makers": "、".join(deciders) or "总经理",
                "timeline": rng.choice(TIMELINES),
                "current_solution": rng.choice(CURRENT_SOLUTIONS),
            }
            self.timeline.add(
                before,
                lambda: pipeline.needs_record(
                    actor=self.actor, opportunity=holder["opportunity"], features=plan["features"], **fields
                ),
            )
        if "products_proposed" in todo:
            self.timeline.add(before + dt.timedelta(minutes=10), lambda: self._propose(holder))
        if "close_date_set" in todo or "amount_set" in todo:
            close = (at + dt.timedelta(days=rng.randint(14, 75))).date()
            self.timeline.add(
                before + dt.timedelta(minutes=20),
                lambda: pipeline.opportunity_update(
                    actor=self.actor, opportunity=holder["opportunity"], expected_close_date=close
                ),
            )

    def _propose(self, holder: dict) -> None:
        """Take the top of the recommendation (R3.4), like a rep would, and price the deal."""
        rng, opportunity = self.rng, holder["opportunity"]
        picks = selectors.recommend_products(opportunity=opportunity, limit=3)[: rng.choice([1, 1, 2])]
        if not picks:
            picks = [selectors.Recommendation(product=rng.choice(self.products), score=Decimal(0))]
        total = Decimal(0)
        for pick in picks:
            quantity = _quantity(rng, pick.product)
            pipeline.product_propose(
                actor=self.actor,
                opportunity=opportunity,
                product=pick.product,
                quantity=quantity,
                reason="；".join(pick.reasons),
                score=pick.score,
            )
            total += pick.product.list_price * quantity
        # The estimate on the deal: the list price less a usual discount, in thousands.
        discount = Decimal(rng.randint(86, 100)) / 100
        amount = (total * discount / 1000).quantize(Decimal(1)) * 1000
        pipeline.opportunity_update(actor=self.actor, opportunity=opportunity, amount=amount)

    def _stage_touch(self, stage: Stage, at: dt.datetime, holder: dict, project: Project) -> None:
        rng = self.rng
        entered, at = at, at + dt.timedelta(hours=rng.uniform(1, 30))
        if stage.code == "needs_analysis":
            channel = rng.choice([Channel.VISIT, Channel.VISIT, Channel.ONLINE])
            self._touch(
                at,
                channel=channel,
                subject="上门调研生产现场" if channel == Channel.VISIT else "视频会议需求访谈",
                summary=f"与客户技术和采购负责人沟通。{project.needs}",
                outcome="确认了主要痛点和预算范围",
                holder=holder,
                not_before=entered + dt.timedelta(minutes=10),
            )
        elif stage.code == "recommendation":
            self._touch(
                at,
                channel=Channel.EMAIL,
                subject="发送产品推荐方案及技术参数",
                summary="根据需求分析推荐设备配置，附同行业案例。",
                outcome="客户技术部正在评估",
                holder=holder,
                not_before=entered + dt.timedelta(minutes=10),
                next_step="电话确认客户对方案的意见",
                due_days=rng.randint(2, 5),
                done_after_days=rng.uniform(1, 6),
            )
        elif stage.code == "presentation":
            channel = rng.choice([Channel.VISIT, Channel.VISIT, Channel.OFFLINE_EVENT, Channel.ONLINE])
            self._touch(
                at,
                channel=channel,
                subject=PRESENTATION_TOUCH[channel],
                summary="按标准话术演示方案，讲解投资回报测算，提交正式报价。",
                outcome=rng.choice(["客户认可方案，希望价格再做优化", "客户对交付周期有疑问，需确认排产"]),
                holder=holder,
                not_before=entered + dt.timedelta(minutes=10),
            )
        elif stage.code == "order":
            self._touch(
                at,
                channel=Channel.PHONE,
                subject="确认合同条款与交付周期",
                summary="核对型号、数量、交货地点、验收标准和付款节点。",
                outcome="客户法务审核合同中",
                holder=holder,
                not_before=entered + dt.timedelta(minutes=10),
            )
        # Now and then a call or an e-mail between the milestones.
        if rng.random() < 0.25:
            self._touch(
                at + dt.timedelta(days=rng.uniform(1, 4)),
                channel=rng.choice([Channel.PHONE, Channel.EMAIL, Channel.ONLINE]),
                subject=rng.choice(BETWEEN_TOUCHES),
                holder=holder,
                direction=rng.choice(["outbound", "inbound"]),
            )

    def _close_won(self, at: dt.datetime, holder: dict) -> None:
        close_date = timezone.localtime(at).date()
        self._touch(
            at - dt.timedelta(hours=2),
            channel=Channel.VISIT,
            subject="签约拜访",
            summary="双方签署采购合同，确认交付计划。",
            outcome="合同已签，转销售支持排产",
            holder=holder,
        )
        self.timeline.add(
            at - dt.timedelta(minutes=30),
            lambda: pipeline.opportunity_update(
                actor=self.actor, opportunity=holder["opportunity"], expected_close_date=close_date
            ),
        )
        self._advance(at, holder, self.stages["won"], reason=self.rng.choice(WIN_REASONS))

    def _close_lost(self, at: dt.datetime, holder: dict, project: Project) -> None:
        rng = self.rng
        competitor = rng.choice(project.competitors)
        reason = rng.choice(LOSS_REASONS)
        if "品牌" in reason or "竞品" in reason:
            reason = f"{reason}（{competitor}）"
        self._touch(
            at - dt.timedelta(hours=2),
            channel=Channel.PHONE,
            subject="客户告知项目结果",
            summary=reason,
            outcome="项目丢单，保持联系",
            holder=holder,
            direction="inbound",
        )
        self.timeline.add(
            at - dt.timedelta(minutes=30),
            lambda: pipeline.opportunity_update(
                actor=self.actor, opportunity=holder["opportunity"], competitors=competitor
            ),
        )
        self._advance(at, holder, self.stages["lost"], reason=reason)

    def _keep_warm(self, entered: dt.datetime, holder: dict, stage: Stage) -> None:
        """The latest touch of an open deal, with its next step promised: some are overdue."""
        rng = self.rng
        at = max(entered + dt.timedelta(hours=4), self.now - dt.timedelta(days=rng.uniform(0.3, 8)))
        channel = rng.choice([Channel.PHONE, Channel.PHONE, Channel.EMAIL, Channel.ONLINE, Channel.VISIT])
        self._touch(
            at,
            channel=channel,
            subject=KEEP_WARM_TOUCH[channel],
            outcome="客户仍在内部评估",
            holder=holder,
            next_step=NEXT_STEPS.get(stage.code, "电话跟进"),
            due_days=rng.randint(2, 10),
        )
        # A deal still open keeps a close date ahead of it (most of the time: some reps forget).
        if rng.random() < 0.8:
            close = (self.now + dt.timedelta(days=rng.randint(10, 100))).date()
            self.timeline.add(
                at + dt.timedelta(minutes=10),
                lambda: pipeline.opportunity_update(
                    actor=self.actor, opportunity=holder["opportunity"], expected_close_date=close
                ),
            )


def _budget(rng: random.Random, project: Project) -> tuple[Decimal, Decimal]:
    low, high = project.budget
    budget_min = rng.randrange(low, (low + high) // 2, 10_000)
    budget_max = budget_min + rng.randrange(50_000, max(60_000, high - budget_min), 10_000)
    return Decimal(budget_min), Decimal(budget_max)


def _quantity(rng: random.Random, product: Product) -> int:
    category = product.category.code
    if category == "lines":
        return 1
    if category == "robots":
        return rng.randint(1, 6)
    if category == "cnc":
        return rng.randint(1, 4)
    return rng.randint(1, 2)
