"""Sales orders of the last three years with their lines, payment plans, payments, shipments and
the occasional shared-credit split.

Orders arrive day by day with the seasons (busy Q4, near silence at the Spring Festival, quiet
weekends, a company growing ~15% a year), from customers picked by their Pareto weight (a few big
accounts order often and big). Each order follows its natural course - confirmed, shipped,
delivered, paid by its terms - and its status is wherever that course stands today: old orders are
mostly closed, some are still unpaid or late, recent ones are open. Numbers are SO-<year>-<n> in
submission order, and core.Sequence continues after them.

Amounts are what the services compute: each line priced by orders.pricing.price_line (memoised,
the combinations are few), the order's totals the sums of its rounded lines, the instalments
adding up to the total, payments allocated to instalments, shipped quantities equal to the
shipment lines, and an order closed only when delivered and fully paid.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from decimal import Decimal
from functools import lru_cache

from salescore.core.models import Sequence
from salescore.demo.gendata import catalog as catalog_part
from salescore.demo.gendata.clock import spread
from salescore.demo.gendata.common import AUDIT, money, pick
from salescore.demo.gendata.context import Context
from salescore.orders.models import (
    Allocation,
    Credit,
    Instalment,
    Order,
    OrderLine,
    OrdersPolicy,
    Payment,
    Shipment,
    ShipmentLine,
)
from salescore.orders.pricing import price_line

DAY = 86400
CARRIERS = ("顺丰速运", "德邦物流", "京东物流", "中通快运", "安能物流", "自有车辆配送")
TERMS = {
    "A": [
        ("prepaid", 5),
        ("on_delivery", 15),
        ("net_30", 25),
        ("net_60", 22),
        ("net_90", 13),
        ("instalments", 20),
    ],
    "B": [
        ("prepaid", 12),
        ("on_delivery", 20),
        ("net_30", 33),
        ("net_60", 15),
        ("net_90", 7),
        ("instalments", 13),
    ],
    "C": [
        ("prepaid", 25),
        ("on_delivery", 25),
        ("net_30", 33),
        ("net_60", 8),
        ("net_90", 2),
        ("instalments", 7),
    ],
}
TERM_DAYS = {"net_30": 30, "net_60": 60, "net_90": 90}
DISCOUNTS = {
    "A": [("0", 30), ("2", 20), ("3", 20), ("5", 30)],
    "B": [("0", 50), ("1", 10), ("2", 15), ("3", 15), ("5", 10)],
    "C": [("0", 75), ("1", 8), ("2", 10), ("5", 7)],
}
SERVICE_TAX = "6"  # VAT on services in China; goods use the orders policy's default rate
CANCEL_REASONS = ("客户项目取消", "客户改选其他型号，重新下单", "客户预算未批", "交期无法满足客户要求")
SPLITS = (("60", "40"), ("50", "50"), ("70", "30"))
METHODS = [("bank_transfer", 70), ("acceptance", 20), ("online", 6), ("cheque", 3), ("cash", 1)]


@lru_cache(maxsize=200_000)
def _priced(
    list_fen: int, quantity: int, discount: str, tax_rate: str
) -> tuple[int, int, int, int, str, str]:
    """orders.pricing.price_line for a line, as fen: (list amount, unit price, net, tax) and the
    stored discount and unit price text."""
    line = price_line(
        list_price=Decimal(list_fen) / 100,
        quantity=Decimal(quantity),
        tax_rate=Decimal(tax_rate),
        discount=Decimal(discount),
    )
    return (
        int(line.list_amount * 100),
        int(line.unit_price * 100),
        int(line.net_amount * 100),
        int(line.tax_amount * 100),
        str(line.discount),
        str(line.unit_price),
    )


class _Orders:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        w = ctx.writer
        self.orders = w.table(
            Order,
            [
                "id",
                "number",
                "status",
                "customer_id",
                "contact_id",
                "owner_id",
                "order_date",
                "delivery_address",
                "promised_date",
                "payment_terms",
                "customer_po",
                "notes",
                "submitted_at",
                "confirmed_at",
                "shipped_at",
                "delivered_date",
                "closed_at",
                "cancelled_at",
                "cancel_reason",
                "currency",
                "list_total",
                "discount_total",
                "net_total",
                "tax_total",
                "total",
                *AUDIT,
            ],
        )
        self.lines = w.table(
            OrderLine,
            [
                "id",
                "order_id",
                "product_id",
                "description",
                "quantity",
                "unit",
                "list_price",
                "discount",
                "unit_price",
                "tax_rate",
                "net_amount",
                "tax_amount",
                "total",
                "sort_order",
                "shipped_quantity",
            ],
        )
        self.instalments = w.table(
            Instalment, ["id", "order_id", "seq", "due_date", "amount", "currency", "received"]
        )
        self.payments = w.table(
            Payment,
            ["id", "order_id", "received_on", "amount", "currency", "method", "reference", "notes", *AUDIT],
        )
        self.allocations = w.table(Allocation, ["id", "payment_id", "instalment_id", "amount"])
        self.shipments = w.table(
            Shipment,
            ["id", "order_id", "shipped_on", "carrier", "tracking_no", "delivered_on", "notes", *AUDIT],
        )
        self.shipment_lines = w.table(ShipmentLine, ["id", "shipment_id", "order_line_id", "quantity"])
        self.credits = w.table(Credit, ["id", "order_id", "person_id", "share"])
        self.tax = str(Decimal(str(OrdersPolicy.current().default_tax_rate)).normalize())
        self.service_category = self._service_category()
        self.numbers: dict[int, int] = defaultdict(int)
        dice = ctx.dice
        self.line_count = dice.weighted([(1, 30), (2, 30), (3, 22), (4, 18)])
        self.discounts = {tier: dice.weighted(options) for tier, options in DISCOUNTS.items()}
        self.terms = {tier: dice.weighted(options) for tier, options in TERMS.items()}
        self.method = dice.weighted(METHODS)
        self.made = defaultdict(int)
        self._paid_by_year: dict[int, int] = {}  # of the order being generated
        self.day = 0  # its order date

    def _service_category(self) -> int | None:
        from salescore.catalog.models import Category

        return Category.all_objects.filter(code="service").values_list("pk", flat=True).first()

    # -- one order -----------------------------------------------------------------------------

    def order(self, position: int, submitted: int, draft: bool) -> None:
        ctx, rng, clock, book = self.ctx, self.ctx.rng, self.ctx.clock, self.ctx.book
        dice = ctx.dice
        rnd = dice.random
        now, today = clock.now, clock.today
        take = ctx.take
        cid = book.first_id + position
        tier = chr(book.tier[position])
        owner = ctx.org.people[book.keeper[position]]
        actor = owner.user_id
        day = self.day = clock.local_day(submitted)
        oid = take(Order)
        # Lines, priced as the services price them.
        lines, seen = [], set()
        for _ in range(self.line_count()):
            product = catalog_part.choose_product(ctx, tier)
            if product.id in seen:
                continue
            seen.add(product.id)
            quantity = catalog_part.quantity(dice, product, tier)
            tax = SERVICE_TAX if product.category_id == self.service_category else self.tax
            discount = self.discounts[tier]()
            priced = _priced(product.list_fen, quantity, discount, tax)
            lines.append((take(OrderLine), product, quantity, tax, priced))
        list_total = sum(p[0] for *_rest, p in lines)
        net = sum(p[2] for *_rest, p in lines)
        tax_total = sum(p[3] for *_rest, p in lines)
        total = net + tax_total
        terms = self.terms[tier]()
        # The course the order takes from submission on.
        lead_days = dice.randint(3, 28)
        promised = day + lead_days + dice.randint(3, 12)
        confirmed = submitted + dice.randint(1800, 2 * DAY)
        ship_day = day + lead_days
        if rnd() < 0.03:
            ship_day += dice.randint(20, 200)  # stuck: the goods are late
        deliver_day = ship_day + dice.randint(1, 5)
        partial = len(lines) > 1 and rnd() < 0.3
        first_ship_day = ship_day - dice.randint(2, max(2, lead_days - 1)) if partial else ship_day
        cancelled = None
        if draft:
            status = "draft"
        elif rnd() < 0.04:
            cancelled = min(submitted + dice.randint(3600, 6 * DAY), now - 60)
            status = "cancelled"
        elif confirmed > now:
            status = "submitted"
        elif first_ship_day > today:
            status = "confirmed"
        elif ship_day > today:
            status = "in_fulfilment"
        elif deliver_day > today:
            status = "shipped"
        else:
            status = "delivered"  # closed below if fully paid
        numbered = not draft and not (status == "cancelled" and rnd() < 0.2)
        if status == "cancelled" and not numbered:
            draft = True  # a draft cancelled before it was submitted
        number = None
        if numbered:
            year = clock.year_of(day)
            self.numbers[year] += 1
            number = f"SO-{year}-{self.numbers[year]:06d}"
        # Payment plan (order_submit's default, or instalments) and the money received.
        instalments = []
        paid_at = None
        received_total = 0
        if numbered:
            if terms == "instalments":
                parts = [total * 3 // 10, total * 6 // 10]
                parts.append(total - sum(parts))
                dues = [day, promised, promised + 90]
            else:
                parts = [total]
                dues = [day if terms == "prepaid" else promised + TERM_DAYS.get(terms, 0)]
            for seq, (amount, due) in enumerate(zip(parts, dues, strict=True), start=1):
                if amount <= 0:
                    continue
                instalments.append([take(Instalment), seq, due, amount, 0])
            if status != "cancelled":
                for inst in instalments:
                    received, last = self._pay(oid, inst, tier, terms, ship_day, owner)
                    received_total += received
                    if last is not None:
                        paid_at = last if paid_at is None else max(paid_at, last)
        # Shipments and deliveries that happened by today.
        shipped_at = delivered_date = closed_at = None
        shipped = {line[0]: 0 for line in lines}
        if status in ("in_fulfilment", "shipped", "delivered"):
            batches = [(first_ship_day, lines[:1]), (ship_day, lines[1:])] if partial else [(ship_day, lines)]
            for ship_on, batch in batches:
                if ship_on > today or not batch:
                    continue
                on = deliver_day if status == "delivered" else None
                if partial and ship_on == first_ship_day and status != "in_fulfilment":
                    on = min(deliver_day, ship_on + dice.randint(1, 5)) if status == "delivered" else None
                self._ship(oid, ship_on, on, batch, shipped)
                shipped_at = clock.office_moment(rng, ship_on)
            if status != "in_fulfilment":
                shipped_at = min(clock.at(ship_day, dice.randint(9, 17) * 3600), now - 60)
            if status == "delivered":
                delivered_date = deliver_day
                if received_total >= total:
                    status = "closed"
                    closed_at = max(clock.at(deliver_day, 17 * 3600), paid_at or 0)
                    closed_at = min(closed_at, now - 60)
        if status == "in_fulfilment":
            shipped_at = None
        # The order row.
        # Entered as a draft a little before it was submitted (not before the customer existed).
        created = (
            submitted if draft else max(submitted - dice.randint(600, 3 * DAY), book.created[position] + 60)
        )
        updated = max(
            t
            for t in (
                created,
                submitted if numbered else 0,
                confirmed if status not in ("draft", "submitted", "cancelled") else 0,
                shipped_at or 0,
                closed_at or 0,
                cancelled or 0,
                paid_at or 0,
            )
        )
        updated = min(updated, now - 30)
        self.orders.add(
            (
                oid,
                number,
                status,
                cid,
                book.contact[position],
                owner.id,
                clock.date(day) if numbered or rnd() < 0.5 else None,
                book.address[position],
                clock.date(promised) if numbered or rnd() < 0.7 else None,
                terms if numbered or rnd() < 0.6 else "",
                f"PO{clock.year_of(day)}{dice.randint(10000, 99999)}" if rnd() < 0.35 else "",
                "",
                clock.ts(submitted) if numbered else None,
                clock.ts(confirmed) if status not in ("draft", "submitted", "cancelled") else None,
                clock.ts(shipped_at),
                clock.date(delivered_date),
                clock.ts(closed_at),
                clock.ts(cancelled),
                dice.choice(CANCEL_REASONS) if status == "cancelled" else "",
                "CNY",
                money(list_total),
                money(max(list_total - net, 0)),
                money(net),
                money(tax_total),
                money(total),
                clock.ts(min(created, now - 60)),
                actor,
                clock.ts(updated),
                actor,
                1,
            )
        )
        for sort_order, (line_id, product, quantity, tax, priced) in enumerate(lines):
            _list_amount, _unit, line_net, line_tax, discount, unit_price = priced
            self.lines.add(
                (
                    line_id,
                    oid,
                    product.id,
                    "",
                    str(quantity),
                    product.unit,
                    money(product.list_fen),
                    discount,
                    unit_price,
                    tax,
                    money(line_net),
                    money(line_tax),
                    money(line_net + line_tax),
                    sort_order,
                    str(shipped[line_id]),
                )
            )
        for instalment_id, seq, due, amount, received in instalments:
            self.instalments.add(
                (instalment_id, oid, seq, clock.date(due), money(amount), "CNY", money(received))
            )
        # Sales credit: the owner in full, or a split with a teammate on a few shared deals.
        credited = [(owner.id, 1.0)]
        if numbered and status != "cancelled" and rnd() < 0.03:
            team = ctx.org.teams[owner.team] if owner.team >= 0 else None
            mates = [r for r in team.reps if r.id != owner.id] if team else []
            if mates:
                mine, theirs = dice.choice(SPLITS)
                mate = dice.choice(mates)
                self.credits.add((take(Credit), oid, owner.id, mine))
                self.credits.add((take(Credit), oid, mate.id, theirs))
                credited = [(owner.id, int(mine) / 100), (mate.id, int(theirs) / 100)]
        self.made["credits"] += len(credited) > 1
        if numbered and status != "cancelled":
            year = clock.year_of(day)
            for person_id, share in credited:
                ctx.tally.add("sales_amount", year, person_id, net / 100 * share)
            for pay_year, amount in self._paid_by_year.items():
                for person_id, share in credited:
                    ctx.tally.add("collected_amount", pay_year, person_id, amount / 100 * share)
        self._paid_by_year.clear()
        if delivered_date is not None and delivered_date >= book.last_order_day[position]:
            book.last_order[position] = oid
            book.last_order_day[position] = delivered_date
            book.last_product[position] = lines[0][1].id
        self.made[status] += 1

    def _pay(self, oid, inst, tier, terms, ship_day, owner) -> tuple[int, int | None]:
        """Payments against one instalment up to today: on time, late, very late or not yet."""
        ctx, rng, clock = self.ctx, self.ctx.rng, self.ctx.clock
        dice = ctx.dice
        rnd = dice.random
        instalment_id, _seq, due, amount, _received = inst
        roll = rnd()
        if terms == "prepaid":
            delay = dice.randint(-3, 2)
        elif roll < 0.04:
            return 0, None  # not paid (yet): overdue
        elif roll < 0.12:
            delay = dice.randint(30, 150)
        else:
            delay = int(rng.gauss(4, 10))
        pay_day = max(due + delay, self.day)
        if terms == "on_delivery":
            pay_day = max(pay_day, ship_day)
        parts = [amount]
        if amount >= 200_000 and rnd() < 0.1:  # paid in two transfers
            first = amount * dice.randint(5, 8) // 10
            parts = [first, amount - first]
        received, last = 0, None
        for index, part in enumerate(parts):
            day = pay_day + index * dice.randint(7, 30)
            if day > clock.today:
                break
            at = clock.office_moment(rng, day)
            payment_id = ctx.take(Payment)
            stamp = clock.ts(at)
            cashier = ctx.org.finance.user_id
            self.payments.add(
                (
                    payment_id,
                    oid,
                    clock.date(day),
                    money(part),
                    "CNY",
                    self.method(),
                    f"{clock.date(day).replace('-', '')}{dice.randint(100000, 999999)}",
                    "",
                    stamp,
                    cashier,
                    stamp,
                    cashier,
                    1,
                )
            )
            self.allocations.add((ctx.take(Allocation), payment_id, instalment_id, money(part)))
            received += part
            last = at
            year = clock.year_of(day)
            self._paid_by_year[year] = self._paid_by_year.get(year, 0) + part
        inst[4] = received
        return received, last

    def _ship(self, oid, ship_on, delivered_on, batch, shipped) -> None:
        ctx, rng, clock = self.ctx, self.ctx.rng, self.ctx.clock
        dice = ctx.dice
        shipment_id = ctx.take(Shipment)
        stamp = clock.ts(min(clock.office_moment(rng, ship_on), clock.now - 60))
        keeper = ctx.org.warehouse.user_id
        updated = (
            stamp
            if delivered_on is None
            else clock.ts(min(clock.at(delivered_on, 16 * 3600), clock.now - 60))
        )
        self.shipments.add(
            (
                shipment_id,
                oid,
                clock.date(ship_on),
                dice.choice(CARRIERS),
                f"SF{dice.randint(10**11, 10**12 - 1)}",
                clock.date(delivered_on),
                "",
                stamp,
                keeper,
                updated,
                keeper,
                1,
            )
        )
        for line_id, _product, quantity, _tax, _priced in batch:
            self.shipment_lines.add((ctx.take(ShipmentLine), shipment_id, line_id, str(quantity)))
            shipped[line_id] = quantity


def build(ctx: Context, stdout=None) -> dict[str, int]:
    rng, clock, book = ctx.rng, ctx.clock, ctx.book
    orders = _Orders(ctx)
    first_day = clock.day_of(clock.today_date.replace(year=clock.year - 2, month=1, day=1))
    last_day = clock.today
    per_day = spread(ctx.plan.orders, clock.order_day_weights(first_day, last_day))
    weights, created, pooled = book.weight, book.created, book.pooled
    total_weight = weights[-1]
    done = 0
    for day, count in zip(range(first_day, last_day + 1), per_day, strict=True):
        if not count:
            continue
        # The day's weight already has the weekends quiet: the moments stay on the day, so the
        # numbers follow the submission order.
        moments = sorted(clock.office_moment(rng, day, weekend=True) for _ in range(count))
        for moment in moments:
            for _attempt in range(40):
                position = pick(rng, weights, total_weight)
                if created[position] < moment - DAY and not 0 < pooled[position] < moment:
                    break
            else:  # rare: the first one that qualifies after the last pick
                start = position
                for position in itertools.chain(range(start, book.count), range(start)):
                    if created[position] < moment - DAY and not 0 < pooled[position] < moment:
                        break
            # Drafts are recent: orders being entered now.
            draft = last_day - day <= 20 and rng.random() < 0.06
            orders.order(position, moment, draft)
            done += 1
            if stdout is not None and done % 200_000 == 0:
                stdout(f"  orders: {done:,} / {ctx.plan.orders:,}")
    ctx.writer.drain()  # the connection is the writer thread's until then
    for year, last in orders.numbers.items():
        Sequence.objects.update_or_create(key=f"SO-{year}", defaults={"last_value": last})
    return dict(orders.made)
