"""The demo company's quotes, orders, shipments and payment collection (R3.6, R3.9).

Everything goes through the orders services, with the clock set to the day each step happened
(time-machine, as the sales history does), so order dates, numbers, shipments, payments, overdue
instalments, late deliveries and the audit trail agree with each other. Quotes cover every status,
including a request waiting for the East China team lead and a revised quote; orders cover every
status, one late and one at risk of being late; some money is received, some is overdue.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import time_machine
from django.contrib.auth.hashers import make_password
from django.test.utils import override_settings
from django.utils import timezone, translation

from salescore.accounts.models import User
from salescore.catalog.models import Product
from salescore.core.audit import audit_context
from salescore.core.permissions import Position
from salescore.demo.company import DEMO_PASSWORD
from salescore.orders import services
from salescore.orders.models import Approval, Order, Quote
from salescore.org import services as org
from salescore.org.models import OrgUnit, Person
from salescore.pipeline import services as pipeline
from salescore.pipeline.models import Opportunity

# The two desks outside the Sales Department the order process hands work to (R3.6).
DESKS = [
    ("warehouse", "周仓", "Zhou Cang", Position.WAREHOUSE, "XH0901"),
    ("finance", "钱会计", "Qian Kuaiji", Position.FINANCE, "XH0902"),
]


def is_loaded() -> bool:
    return Quote.all_objects.exists() or Order.all_objects.exists()


def load_into(command) -> None:
    """The load_demo command's step for orders (after the pipeline: quotes need opportunities)."""
    if is_loaded():
        command.stdout.write("Quotes and orders already present: kept as they are.")
        return
    made = load()
    command.stdout.write(
        command.style.SUCCESS(
            "Demo quotes and orders loaded: {quotes} quotes, {orders} orders.".format(**made)
        )
    )


def _desk_people() -> dict[str, User]:
    """The warehouse and finance logins, created once in the department."""
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    department = OrgUnit.objects.get(kind=OrgUnit.Kind.DEPARTMENT)
    director = Person.objects.filter(position=Position.DIRECTOR).order_by("pk").first()
    users = {}
    for username, name, name_en, position, number in DESKS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create(
                username=username, password=make_password(DEMO_PASSWORD), email=f"{username}@xinghai.example"
            )
            org.person_create(
                actor=admin,
                user=user,
                name=name,
                name_en=name_en,
                employee_no=number,
                position=position,
                org_unit=department,
                manager=director,
                hire_date=dt.date(2019, 4, 1),
                phone="13900000000",
                email=f"{username}@xinghai.example",
            )
        users[username] = user
    return users


class _Story:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.now = timezone.localtime()
        self.today = self.now.date()
        self.clerk = User.objects.get(username="clerk")
        desks = _desk_people()
        self.keeper, self.cashier = desks["warehouse"], desks["finance"]
        opportunities = (
            Opportunity.objects.filter(
                stage__is_won=False,
                stage__is_lost=False,
                products__isnull=False,
                owner__status=Person.Status.ACTIVE,
                owner__position=Position.REP,
            )
            .select_related("owner__user", "owner__manager__user", "customer")
            .distinct()
            .order_by("pk")
        )
        self.opportunities = list(opportunities)
        self.used: set[int] = set()
        self.last: dt.datetime | None = None

    def at(self, days_ago: int, hour: int = 10):
        """The clock for a step; never behind the step before, so numbers follow the calendar."""
        moment = (self.now - dt.timedelta(days=days_ago)).replace(hour=hour, minute=self.rng.randint(0, 59))
        if self.last is not None and moment <= self.last:
            moment = self.last + dt.timedelta(minutes=1)
        self.last = moment = min(moment, self.now)
        return time_machine.travel(moment, tick=False)

    def day(self, offset: int) -> dt.date:
        return self.today + dt.timedelta(days=offset)

    # -- quotes ------------------------------------------------------------------------------

    def opportunity(self, *, lead: str | None = None) -> Opportunity | None:
        """An opportunity not used yet (else any); with ``lead``, one of that team lead's reps'."""
        candidates = [
            o
            for o in self.opportunities
            if lead is None or (o.owner.manager is not None and o.owner.manager.user.username == lead)
        ]
        fresh = [o for o in candidates if o.pk not in self.used]
        pick = (fresh or candidates or [None])[0]
        if pick is not None:
            self.used.add(pick.pk)
        return pick

    def east_opportunity(self) -> Opportunity | None:
        """An open opportunity of one of lead.east's reps, so the demo team lead has a request
        to decide; given a product if it has none yet."""
        opportunity = self.opportunity(lead="lead.east")
        if opportunity is None:
            opportunity = (
                Opportunity.objects.filter(
                    stage__is_won=False, stage__is_lost=False, owner__manager__user__username="lead.east"
                )
                .select_related("owner__user")
                .order_by("pk")
                .first()
            )
            if opportunity is None:
                return None
            product = Product.objects.filter(active=True).order_by("list_price").first()
            pipeline.product_propose(
                actor=opportunity.owner.user, opportunity=opportunity, product=product, quantity=2
            )
        return opportunity

    def quote(self, opportunity: Opportunity, discount: str):
        lines = [
            {"product": line.product_id, "quantity": line.quantity, "discount": discount}
            for line in opportunity.products.filter(deleted_at__isnull=True, product__active=True)
        ]
        return services.quote_create(
            actor=opportunity.owner.user,
            opportunity=opportunity,
            lines=lines,
            terms="含运输及安装调试；质保12个月；价格含13%增值税。",
        )

    def submit(self, quote: Quote, reason: str = "") -> Quote:
        return services.quote_submit(actor=quote.owner.user, quote=quote, reason=reason)

    def decide(self, quote: Quote, *, approve: bool, comment: str = "") -> None:
        approval = Approval.objects.select_related("approver__user").get(quote=quote, status="pending")
        services.approval_decide(
            actor=approval.approver.user, approval=approval, approve=approve, comment=comment
        )

    def mark(self, quote: Quote, step: str) -> Quote:
        return services.quote_mark(actor=quote.owner.user, quote=quote, step=step)

    # -- orders ------------------------------------------------------------------------------

    def complete(self, order: Order, *, promised: dt.date, terms: str) -> Order:
        customer = order.customer
        return services.order_update(
            actor=self.clerk,
            order=order,
            contact=order.contact or customer.contacts.filter(deleted_at__isnull=True).order_by("pk").first(),
            delivery_address=order.delivery_address
            or customer.address
            or f"{customer.name}（收货地址以合同为准）",
            promised_date=promised,
            payment_terms=terms,
        )

    def direct(
        self, *, promised_in: int, terms: str = "net_30", discount: str = "3", quantity: int = 0
    ) -> Order:
        """An order the order desk enters for a rep's customer (within the rep's 5%)."""
        opportunity = self.opportunity()
        lines = [
            {"product": line.product_id, "quantity": quantity or line.quantity, "discount": discount}
            for line in opportunity.products.filter(deleted_at__isnull=True, product__active=True)
        ][:2]
        order = services.order_create(actor=self.clerk, customer=opportunity.customer, lines=lines)
        return self.complete(order, promised=self.today + dt.timedelta(days=promised_in), terms=terms)

    def plan(self, order: Order, *parts: tuple[int, int]) -> None:
        """Instalments as (percent, due in days from today); the last one takes the rounding."""
        rows, left = [], order.total
        for index, (percent, due_in) in enumerate(parts):
            amount = (
                left if index == len(parts) - 1 else (order.total * percent / 100).quantize(Decimal("0.01"))
            )
            left -= amount
            rows.append({"due_date": self.day(due_in), "amount": amount})
        services.payment_plan_set(actor=self.clerk, order=order, instalments=rows)

    def submit_order(self, order: Order) -> Order:
        return services.order_submit(actor=self.clerk, order=order)

    def confirm(self, order: Order) -> Order:
        return services.order_confirm(actor=self.clerk, order=order)

    def ship(self, order: Order, *, part: bool = False):
        lines = list(order.lines.all())
        if part:
            quantities = {lines[0].pk: lines[0].quantity - lines[0].shipped_quantity}
            if len(lines) == 1 and lines[0].quantity > 1:
                quantities = {lines[0].pk: Decimal(1)}
        else:
            quantities = {line.pk: line.quantity - line.shipped_quantity for line in lines}
        carrier = self.rng.choice(["顺丰速运", "德邦物流", "中通快运", "自有车队"])
        return services.shipment_record(
            actor=self.keeper,
            order=order,
            quantities={pk: qty for pk, qty in quantities.items() if qty > 0},
            carrier=carrier,
            tracking_no=f"{self.rng.randint(10**11, 10**12 - 1)}",
        )

    def deliver(self, shipment) -> None:
        services.shipment_deliver(actor=self.keeper, shipment=shipment)

    def pay(self, order: Order, amount: Decimal, method: str = "bank_transfer") -> None:
        services.payment_record(
            actor=self.cashier,
            order=order,
            amount=amount,
            method=method,
            reference=f"HX{self.rng.randint(10**9, 10**10 - 1)}",
        )


def load(*, seed: int = 2026) -> dict[str, int]:
    """Create the quotes, orders, shipments and payments. Returns what was created."""
    rng = random.Random(seed)
    # Demo e-mails are not sent; the inbox rows are what the demo shows.
    with (
        override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
        audit_context(origin="system"),
        translation.override("zh-hans"),
    ):
        story = _Story(rng)
        if not story.opportunities:
            return {"quotes": 0, "orders": 0}
        _play(story, [*_won_orders(story), *STORIES])
        services.deliveries_flag()
        services.payments_remind()
    return {"quotes": Quote.objects.count(), "orders": Order.objects.count()}


def _play(s: _Story, stories) -> None:
    """Run the stories' steps in the order they happened, each at its moment: every story is a
    generator that yields (days ago, hour) before each step, so numbers follow the calendar."""
    running = []
    for index, story in enumerate(stories):
        steps = story(s)
        when = next(steps, None)
        if when is not None:
            running.append([when, index, steps])
    while running:
        running.sort(key=lambda item: (-item[0][0], item[0][1], item[1]))
        item = running[0]
        with s.at(*item[0]):
            when = next(item[2], None)
        if when is None:
            running.pop(0)
        else:
            item[0] = when


# -- quotes: one in every status ---------------------------------------------------------------


def _draft_quote(s: _Story):
    yield (3, 10)
    s.quote(s.opportunity(), "0")


def _pending_for_the_east_lead(s: _Story):
    yield (2, 10)
    quote = s.quote(s.east_opportunity() or s.opportunity(), "8")
    s.submit(quote, "客户对比了两家竞品报价，8%可以锁定本季度订单。")


def _approved_quote(s: _Story):
    yield (12, 10)
    s.submit(s.quote(s.opportunity(), "5"))


def _rejected_quote(s: _Story):
    yield (20, 10)
    quote = s.submit(s.quote(s.opportunity(), "12"), "客户要求与去年同价。")
    yield (18, 15)
    s.decide(quote, approve=False, comment="折扣超出本季度政策，请与客户重新沟通付款条件。")


def _sent_quote(s: _Story):
    yield (16, 10)
    s.mark(s.submit(s.quote(s.opportunity(), "4")), "send")


def _declined_quote(s: _Story):
    yield (30, 10)
    quote = s.mark(s.submit(s.quote(s.opportunity(), "2")), "send")
    yield (22, 10)
    s.mark(quote, "decline")


def _revised_quote(s: _Story):
    """v1 approved and sent; the customer buys more and asks for 7%: v2 needs the team lead."""
    yield (28, 10)
    v1 = s.mark(s.submit(s.quote(s.opportunity(), "3")), "send")
    yield (21, 10)
    v2 = services.quote_revise(actor=v1.owner.user, quote=v1)
    lines = [
        {"product": line.product_id, "quantity": line.quantity + 1, "discount": "7"}
        for line in v2.lines.all()
    ]
    v2 = services.quote_set_lines(actor=v1.owner.user, quote=v2, lines=lines)
    s.submit(v2, "客户追加采购量，申请7%。")
    yield (20, 16)
    s.decide(v2, approve=True, comment="同意，按追加量执行。")
    yield (19, 10)
    s.mark(Quote.objects.get(pk=v2.pk), "send")


# -- orders: one in every status ---------------------------------------------------------------


def _accepted(s: _Story, days_ago: int, discount: str = "4"):
    """A quote sent five days before the customer accepts it and it becomes a draft order."""
    yield (days_ago + 5, 10)
    quote = s.mark(s.submit(s.quote(s.opportunity(), discount)), "send")
    yield (days_ago, 10)
    s.mark(quote, "accept")
    return services.order_from_quote(actor=quote.owner.user, quote=quote)


def _closed_prepaid(s: _Story):
    order = yield from _accepted(s, 75)
    s.plan(s.complete(order, promised=s.day(-60), terms="instalments"), (30, -70), (70, -40))
    order = s.submit_order(order)
    yield (74, 10)
    s.confirm(order)
    yield (70, 10)
    s.pay(order, order.instalments.get(seq=1).amount)
    yield (62, 10)
    shipment = s.ship(order)
    yield (59, 10)
    s.deliver(shipment)
    yield (41, 10)
    s.pay(order, order.instalments.get(seq=2).amount, "acceptance")


def _closed_on_delivery(s: _Story):
    yield (50, 10)
    order = s.submit_order(s.direct(promised_in=-35, terms="on_delivery", discount="0"))
    s.confirm(order)
    yield (37, 10)
    shipment = s.ship(order)
    yield (35, 10)
    s.deliver(shipment)
    s.pay(order, order.total)


def _delivered_unpaid(s: _Story):
    """Net 30 after the promised date fell due 20 days ago: an overdue receivable."""
    yield (65, 10)
    order = s.submit_order(s.direct(promised_in=-50))
    yield (64, 10)
    s.confirm(order)
    yield (53, 10)
    shipment = s.ship(order)
    yield (50, 10)
    s.deliver(shipment)


def _delivered_part_paid(s: _Story):
    """The first instalment is overdue and half paid; the second falls due in two weeks."""
    yield (45, 10)
    order = s.direct(promised_in=-30, terms="instalments", discount="5")
    s.plan(order, (50, -25), (50, 15))
    order = s.submit_order(order)
    s.confirm(order)
    yield (32, 10)
    shipment = s.ship(order)
    yield (30, 10)
    s.deliver(shipment)
    yield (20, 10)
    s.pay(order, (order.instalments.get(seq=1).amount / 2).quantize(Decimal("0.01")))


def _shipped(s: _Story):
    yield (20, 10)
    order = s.submit_order(s.direct(promised_in=5))
    s.confirm(order)
    yield (2, 10)
    s.ship(order)


def _in_fulfilment(s: _Story):
    yield (18, 10)
    order = s.submit_order(s.direct(promised_in=10, quantity=2))
    s.confirm(order)
    yield (4, 10)
    s.ship(order, part=True)


def _late(s: _Story):
    """Promised five days ago, nothing shipped."""
    yield (30, 10)
    order = s.submit_order(s.direct(promised_in=-5, terms="net_60"))
    yield (29, 10)
    s.confirm(order)


def _at_risk(s: _Story):
    """Promised in two days, nothing shipped; the 30% prepayment arrived."""
    yield (10, 10)
    order = s.direct(promised_in=2, terms="instalments")
    s.plan(order, (30, -8), (70, 32))
    order = s.submit_order(order)
    s.confirm(order)
    yield (8, 10)
    s.pay(order, order.instalments.get(seq=1).amount)


def _submitted(s: _Story):
    order = yield from _accepted(s, 1)
    s.submit_order(s.complete(order, promised=s.day(25), terms="net_30"))


def _cancelled(s: _Story):
    yield (15, 10)
    order = s.submit_order(s.direct(promised_in=20))
    yield (12, 10)
    services.order_cancel(actor=s.clerk, order=order, reason="客户项目预算冻结，取消采购。")


def _draft_from_quote(s: _Story):
    """Accepted today; the rep has not entered the delivery details yet."""
    yield from _accepted(s, 0)


def _draft_by_the_desk(s: _Story):
    yield (0, 9)
    s.direct(promised_in=30)


# -- the won deals' orders: entered the day after the win, then shipped, delivered and paid -----


def _won_order(s: _Story, opportunity: Opportunity):
    """Entered the day after the win; confirmed, shipped, delivered and paid as the days allow."""
    won = (s.now - timezone.localtime(opportunity.closed_at)).days
    yield (max(won - 1, 0), 10)
    lines = [
        {"product": line.product_id, "quantity": line.quantity, "discount": "0"}
        for line in opportunity.products.filter(deleted_at__isnull=True, product__active=True)
    ]
    if not lines:
        return
    order = services.order_create(actor=s.clerk, customer=opportunity.customer, lines=lines)
    order = s.submit_order(s.complete(order, promised=s.day(-won + 30), terms="net_30"))
    if won < 3:
        return
    yield (won - 2, 11)
    order = s.confirm(order)
    if won < 7:
        return
    yield (won - 6, 14)
    shipment = s.ship(order)
    if won < 10:
        return
    yield (won - 9, 15)
    s.deliver(shipment)
    if won < 41:
        return
    yield (won - 40, 10)
    order.refresh_from_db()
    s.pay(order, order.total)


def _won_orders(s: _Story) -> list:
    """One story per won opportunity, so won deals show up as sales."""
    won = (
        Opportunity.objects.filter(stage__is_won=True, closed_at__isnull=False, orders__isnull=True)
        .select_related("customer")
        .order_by("closed_at", "pk")
    )
    return [lambda s, o=opportunity: _won_order(s, o) for opportunity in won]


STORIES = [
    _draft_quote,
    _pending_for_the_east_lead,
    _approved_quote,
    _rejected_quote,
    _sent_quote,
    _declined_quote,
    _revised_quote,
    _closed_prepaid,
    _closed_on_delivery,
    _delivered_unpaid,
    _delivered_part_paid,
    _shipped,
    _in_fulfilment,
    _late,
    _at_risk,
    _submitted,
    _cancelled,
    _draft_from_quote,
    _draft_by_the_desk,
]
