"""Quotes, discount authority, sales orders, fulfilment and payment collection (R3.6, R3.9)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from salescore.core.models import AuditedModel
from salescore.core.money import AmountField, CurrencyField
from salescore.core.permissions import Cap, Position

ZERO = Decimal("0.00")


class Approver(models.TextChoices):
    """The positions that hold discount authority, lowest first (R3.9)."""

    REP = Position.REP.value, Position.REP.label
    TEAM_LEAD = Position.TEAM_LEAD.value, Position.TEAM_LEAD.label
    SECTION_HEAD = Position.SECTION_HEAD.value, Position.SECTION_HEAD.label
    DIRECTOR = Position.DIRECTOR.value, Position.DIRECTOR.label


# Rank of each authority level; the administrator may configure but does not approve discounts.
AUTHORITY_RANK = {Approver.REP: 0, Approver.TEAM_LEAD: 1, Approver.SECTION_HEAD: 2, Approver.DIRECTOR: 3}


class DiscountRule(AuditedModel):
    """One cell of the discount-authority matrix: the largest discount a position may grant,
    optionally only for one product category and/or one customer tier. The most specific rule
    that matches a line decides (category and tier > category > tier > any)."""

    position = models.CharField(_("position"), max_length=32, choices=Approver.choices)
    category = models.ForeignKey(
        "catalog.Category",
        verbose_name=_("product category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: every category."),
    )
    customer_tier = models.CharField(
        _("customer tier"),
        max_length=1,
        blank=True,
        choices=[("A", "A"), ("B", "B"), ("C", "C")],
        help_text=_("Empty: every tier."),
    )
    max_discount = models.DecimalField(_("maximum discount (%)"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("discount authority")
        verbose_name_plural = _("discount authority")
        ordering = ["position", "category_id", "customer_tier"]
        constraints = [
            # An empty category means "any": Coalesce makes it one value, so the rule is unique
            # on SQLite too (which has no NULLS NOT DISTINCT).
            models.UniqueConstraint(
                "position",
                Coalesce("category", 0),
                "customer_tier",
                condition=Q(deleted_at__isnull=True),
                name="discountrule_unique_cell",
            ),
            models.CheckConstraint(
                condition=Q(max_discount__gte=0, max_discount__lte=100), name="discountrule_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_position_display()} {self.max_discount}%"


class Priced(models.Model):
    """Totals of a document, computed by orders.pricing from its lines and stored."""

    currency = CurrencyField(_("currency"))
    list_total = AmountField(_("list total"), default=ZERO)
    discount_total = AmountField(_("discount"), default=ZERO)
    net_total = AmountField(_("total before tax"), default=ZERO)
    tax_total = AmountField(_("tax"), default=ZERO)
    total = AmountField(_("total"), default=ZERO)

    class Meta:
        abstract = True


class PricedLine(models.Model):
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=16, blank=True)
    list_price = AmountField(_("list price"))
    discount = models.DecimalField(_("discount (%)"), max_digits=7, decimal_places=4, default=Decimal(0))
    unit_price = AmountField(_("unit price"))
    tax_rate = models.DecimalField(_("tax rate (%)"), max_digits=5, decimal_places=2, default=Decimal("13"))
    net_amount = AmountField(_("amount before tax"), default=ZERO)
    tax_amount = AmountField(_("tax"), default=ZERO)
    total = AmountField(_("total"), default=ZERO)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        abstract = True


class Quote(Priced, AuditedModel):
    """报价单: a priced offer on an opportunity. A revision is a new Quote; the old one stays."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        SENT = "sent", _("Sent to customer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        SUPERSEDED = "superseded", _("Superseded by a revision")

    number = models.CharField(_("quote number"), max_length=32)
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    previous = models.OneToOneField(
        "self",
        verbose_name=_("revises"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_revision",
    )
    opportunity = models.ForeignKey(
        "pipeline.Opportunity", verbose_name=_("opportunity"), on_delete=models.PROTECT, related_name="quotes"
    )
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="quotes"
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner = models.ForeignKey(
        "org.Person", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="quotes"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    terms = models.TextField(_("terms"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # What the lines need (computed on submit): the largest discount and the level that may grant it.
    max_discount = models.DecimalField(
        _("largest discount (%)"), max_digits=7, decimal_places=4, default=Decimal(0)
    )
    below_floor = models.BooleanField(_("below a price floor"), default=False)
    required_level = models.CharField(
        _("approval needed from"), max_length=32, choices=Approver.choices, blank=True
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("customer decided at"), null=True, blank=True)

    scope_owner_field = "owner"
    scope_all_capability = Cap.ORDERS_PROCESS

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["number", "revision"], name="quote_unique_number_revision"),
        ]
        indexes = [
            models.Index(fields=["owner", "status"], name="quote_owner_status_idx"),
            models.Index(fields=["opportunity", "-revision"], name="quote_opportunity_idx"),
            models.Index(fields=["customer"], name="quote_customer_idx"),
            models.Index(fields=["status", "-updated_at"], name="quote_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} v{self.revision}"

    @property
    def editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.REJECTED)


class QuoteLine(PricedLine):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")

    class Meta:
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")
        ordering = ["sort_order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="quoteline_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="quoteline_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} x {self.quantity}"


class Approval(models.Model):
    """One request for a discount beyond the submitter's authority, and its decision (R3.9)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    quote = models.ForeignKey(Quote, on_delete=models.PROTECT, related_name="approvals")
    required_level = models.CharField(_("approval needed from"), max_length=32, choices=Approver.choices)
    approver = models.ForeignKey(
        "org.Person",
        verbose_name=_("approver"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="approvals_to_decide",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"))
    reason = models.TextField(_("why the discount"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    scope_via = "quote"

    class Meta:
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["approver", "status"], name="approval_queue_idx"),
            models.Index(fields=["status", "required_level"], name="approval_level_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["quote"], condition=Q(status="pending"), name="approval_one_pending_per_quote"
            )
        ]

    def __str__(self) -> str:
        return f"{self.quote} ({self.get_status_display()})"


class PaymentTerms(models.TextChoices):
    PREPAID = "prepaid", _("Payment before delivery")
    ON_DELIVERY = "on_delivery", _("Payment on delivery")
    NET_30 = "net_30", _("30 days after invoice")
    NET_60 = "net_60", _("60 days after invoice")
    NET_90 = "net_90", _("90 days after invoice")
    INSTALMENTS = "instalments", _("Instalments")


# The statuses of an order promised to the customer and not yet delivered: late once its promised
# date has passed (services.orders.delivery_flags). Values of Order.Status, written here so that
# the partial index below can name them.
UNDELIVERED = ("submitted", "confirmed", "in_fulfilment", "shipped")


class Order(Priced, AuditedModel):
    """销售订单. Numbered on submit (SO-2026-000123): sequential per year, unique, gap-free."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        CONFIRMED = "confirmed", _("Confirmed")
        IN_FULFILMENT = "in_fulfilment", _("In fulfilment")
        SHIPPED = "shipped", _("Shipped")
        DELIVERED = "delivered", _("Delivered")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    number = models.CharField(_("order number"), max_length=32, null=True, blank=True, unique=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    quote = models.ForeignKey(
        Quote, verbose_name=_("quote"), null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    opportunity = models.ForeignKey(
        "pipeline.Opportunity",
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="orders"
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner = models.ForeignKey(
        "org.Person", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="orders"
    )
    order_date = models.DateField(_("order date"), null=True, blank=True)
    delivery_address = models.CharField(_("delivery address"), max_length=300, blank=True)
    promised_date = models.DateField(_("promised delivery date"), null=True, blank=True)
    payment_terms = models.CharField(
        _("payment terms"), max_length=16, choices=PaymentTerms.choices, blank=True
    )
    customer_po = models.CharField(_("customer's PO number"), max_length=60, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    delivered_date = models.DateField(_("delivered on"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.TextField(_("cancellation reason"), blank=True)
    late_notified_on = models.DateField(null=True, blank=True, editable=False)

    scope_owner_field = "owner"
    # The order desk, the warehouse and finance work on every order.
    scope_all_capability = (Cap.ORDERS_PROCESS, Cap.ORDERS_FULFIL, Cap.PAYMENTS_RECORD)

    class Meta:
        verbose_name = _("sales order")
        verbose_name_plural = _("sales orders")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "status"], name="order_owner_status_idx"),
            # A rep's list: their own orders newest first (the owner's part of the scope,
            # core.pagination.rows); deleted_at included, so its count reads the index only, and
            # the customer, which a rep's search reads from it (customers.search).
            models.Index(
                fields=["owner", "-updated_at", "-id"],
                include=["deleted_at", "customer"],
                name="order_owner_updated_idx",
            ),
            models.Index(fields=["status", "-updated_at"], name="order_status_idx"),
            # The list's default order: its first page reads 25 index entries, not every order.
            models.Index(fields=["-updated_at", "-id"], name="order_updated_idx"),
            models.Index(fields=["customer", "-order_date"], name="order_customer_idx"),
            models.Index(fields=["order_date"], name="order_date_idx"),
            models.Index(fields=["promised_date", "status"], name="order_promised_idx"),
            # Late and at-risk deliveries (a work queue on every home page): the few open orders
            # by promised date, not every order ever promised.
            models.Index(
                fields=["promised_date"],
                include=["owner", "id"],  # a rep's count needs no table row (index-only scan)
                name="order_undelivered_idx",
                condition=Q(deleted_at__isnull=True, status__in=UNDELIVERED),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative"),
        ]

    def __str__(self) -> str:
        return self.number or str(_("Draft order #%(id)s") % {"id": self.pk})


class OrderLine(PricedLine):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    shipped_quantity = models.DecimalField(
        _("shipped quantity"), max_digits=12, decimal_places=3, default=Decimal(0)
    )

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["sort_order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="orderline_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="orderline_price_not_negative"),
            models.CheckConstraint(
                condition=Q(shipped_quantity__gte=0, shipped_quantity__lte=F("quantity")),
                name="orderline_shipped_within_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} x {self.quantity}"


class Credit(models.Model):
    """A shared deal's split: who is credited with which share of an order's sales (R2.1).
    An order without rows credits its owner in full; with rows, the shares add up to 100."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="credits")
    person = models.ForeignKey(
        "org.Person", verbose_name=_("credited to"), on_delete=models.PROTECT, related_name="order_credits"
    )
    share = models.DecimalField(_("share (%)"), max_digits=5, decimal_places=2)

    scope_via = "order"

    class Meta:
        verbose_name = _("sales credit")
        verbose_name_plural = _("sales credits")
        ordering = ["-share", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "person"], name="credit_unique_person"),
            models.CheckConstraint(condition=Q(share__gt=0, share__lte=100), name="credit_share_range"),
        ]
        indexes = [models.Index(fields=["person", "order"], name="credit_person_idx")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.person_id} {self.share}%"


class Shipment(AuditedModel):
    """One dispatch of some or all of an order's lines (partial shipments)."""

    order = models.ForeignKey(
        Order, verbose_name=_("sales order"), on_delete=models.PROTECT, related_name="shipments"
    )
    shipped_on = models.DateField(_("shipped on"))
    carrier = models.CharField(_("carrier"), max_length=60, blank=True)
    tracking_no = models.CharField(_("tracking number"), max_length=60, blank=True)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    notes = models.CharField(_("notes"), max_length=300, blank=True)

    scope_via = "order"

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["shipped_on", "id"]

    def __str__(self) -> str:
        return f"{self.order} {self.shipped_on}"


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="shipment_lines")
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="shipmentline_positive")]

    def __str__(self) -> str:
        return f"{self.order_line_id} x {self.quantity}"


class Instalment(models.Model):
    """One due amount of an order's payment plan. ``received`` is kept by the payment services."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="instalments")
    seq = models.PositiveSmallIntegerField(_("no."))
    due_date = models.DateField(_("due date"))
    amount = AmountField(_("amount"))
    currency = CurrencyField(_("currency"))
    received = AmountField(_("received"), default=ZERO)
    reminded_before_on = models.DateField(null=True, blank=True, editable=False)
    reminded_overdue_on = models.DateField(null=True, blank=True, editable=False)

    scope_via = "order"

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["order", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["order", "seq"], name="instalment_unique_seq"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="instalment_amount_positive"),
            models.CheckConstraint(
                condition=Q(received__gte=0, received__lte=F("amount")), name="instalment_received_range"
            ),
        ]
        indexes = [
            models.Index(fields=["due_date"], name="instalment_due_idx"),
            # The owed ones (receivables, reminders): a few percent of all instalments.
            models.Index(
                fields=["order", "due_date"],
                condition=Q(received__lt=F("amount")),
                name="instalment_owed_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order} #{self.seq}"

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.received


# Orders whose instalments are money owed: submitted and not cancelled, every status but these.
NOT_OWED_STATUSES = (Order.Status.DRAFT, Order.Status.CANCELLED)
OWED_STATUSES = tuple(status for status in Order.Status if status not in NOT_OWED_STATUSES)


class Receivable(models.Model):
    """What one owner's orders of one customer still owe in one currency: the receivables page's
    rows, kept so that a director's page does not add up every open instalment (decision 0016).
    ``overdue`` is the part due before ``as_of``; ``next_due`` the earliest open due date on or
    after it, so the row holds for any day up to ``next_due`` and is recomputed after (a read or
    the minute's task). Derived data, recomputed from the instalments at any time
    (orders.receivables), so neither audited nor soft-deleted; read only through
    orders.receivables, within the reader's scope."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    owner = models.ForeignKey(
        "org.Person", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    currency = models.CharField(max_length=3)
    outstanding = models.DecimalField(max_digits=24, decimal_places=2)
    overdue = models.DecimalField(max_digits=24, decimal_places=2)
    orders = models.BigIntegerField()
    as_of = models.DateField()
    next_due = models.DateField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["owner", "customer"], name="receivable_owner_idx"),
            models.Index(fields=["customer"], name="receivable_customer_idx"),
            # The page's grouping per customer and currency, read in order with its sums (no hash
            # spilled to disk): the director's capped count at L 43 -> 3 ms, the page 208 -> 162.
            models.Index(
                fields=["currency", "customer", "outstanding", "overdue", "orders"],
                name="receivable_by_customer_idx",
            ),
            models.Index(fields=["next_due"], name="receivable_next_due_idx"),
            models.Index(fields=["as_of"], name="receivable_as_of_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.owner_id} {self.currency}: {self.outstanding} / {self.overdue}"


class CustomerReceivable(models.Model):
    """A customer's ``Receivable`` rows of one currency added up over their owners: the page of a
    reader who sees every order, grouped by customer, reads it in order along its index instead
    of grouping every kept row (135,000 at a million customers). Written with the rows it adds up,
    by orders.receivables, so it is exactly as fresh; derived data like them."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    currency = models.CharField(max_length=3)
    outstanding = models.DecimalField(max_digits=24, decimal_places=2)
    overdue = models.DecimalField(max_digits=24, decimal_places=2)
    orders = models.BigIntegerField()

    class Meta:
        indexes = [
            # The page's order: largest outstanding first, ties by customer and currency.
            models.Index(
                fields=["-outstanding", "customer", "currency"], name="customer_receivable_page_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.currency}: {self.outstanding} / {self.overdue}"


class StaleReceivable(models.Model):
    """A customer whose receivables a write has changed (an instalment, a payment, an order's
    status, owner, customer or deletion), recorded by database triggers in the writer's own
    transaction; orders.receivables recomputes them before they are read. ``customer_id`` None:
    everyone's. Triggers on SQLite keep one row per customer; on PostgreSQL rows may repeat (no
    unique index, so concurrent writers never wait)."""

    customer_id = models.BigIntegerField(null=True)

    def __str__(self) -> str:
        return str(self.customer_id)


class Payment(AuditedModel):
    """Money received from the customer against an order, matched to its instalments."""

    class Method(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        ACCEPTANCE = "acceptance", _("Bank acceptance bill")
        CHEQUE = "cheque", _("Cheque")
        CASH = "cash", _("Cash")
        ONLINE = "online", _("Online payment")

    order = models.ForeignKey(
        Order, verbose_name=_("sales order"), on_delete=models.PROTECT, related_name="payments"
    )
    received_on = models.DateField(_("received on"))
    amount = AmountField(_("amount"))
    currency = CurrencyField(_("currency"))
    method = models.CharField(
        _("method"), max_length=16, choices=Method.choices, default=Method.BANK_TRANSFER
    )
    reference = models.CharField(_("bank reference"), max_length=60, blank=True)
    notes = models.CharField(_("notes"), max_length=300, blank=True)

    scope_via = "order"

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["received_on"], name="payment_received_idx")]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive")]

    def __str__(self) -> str:
        return f"{self.order} {self.amount} {self.currency}"


class Allocation(models.Model):
    """The part of a payment that settles one instalment."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations")
    instalment = models.ForeignKey(Instalment, on_delete=models.PROTECT, related_name="allocations")
    amount = AmountField(_("amount"))

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_positive")]

    def __str__(self) -> str:
        return f"{self.payment_id} -> {self.instalment_id}: {self.amount}"


class Route(AuditedModel):
    """Who hears about an order event (R3.6): a position (optionally within a unit), a person or
    a mailbox. The order's owner always hears about their own orders."""

    class Event(models.TextChoices):
        SUBMITTED = "submitted", _("Order submitted")
        CONFIRMED = "confirmed", _("Order confirmed")
        IN_FULFILMENT = "in_fulfilment", _("Order in fulfilment")
        SHIPPED = "shipped", _("Order shipped")
        DELIVERED = "delivered", _("Order delivered")
        CLOSED = "closed", _("Order closed")
        CANCELLED = "cancelled", _("Order cancelled")
        LATE = "late", _("Delivery late or at risk")
        PAYMENT = "payment", _("Payment received")

    event = models.CharField(_("event"), max_length=16, choices=Event.choices)
    position = models.CharField(_("position"), max_length=32, choices=Position.choices, blank=True)
    org_unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("within unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    person = models.ForeignKey(
        "org.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    email = models.EmailField(_("mailbox"), blank=True)
    purpose = models.CharField(_("what they do"), max_length=120, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("notification route")
        verbose_name_plural = _("notification routes")
        ordering = ["event", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(position="") | Q(person__isnull=False) | ~Q(email=""), name="route_has_target"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()}: {self.position or self.person_id or self.email}"


class OrdersPolicy(models.Model):
    """The company's settings for orders and collection (one row)."""

    quote_validity_days = models.PositiveSmallIntegerField(_("quotes valid for (days)"), default=30)
    late_risk_days = models.PositiveSmallIntegerField(
        _("flag orders not shipped this many days before the promised date"), default=3
    )
    remind_before_days = models.PositiveSmallIntegerField(
        _("remind this many days before a payment is due"), default=7
    )
    remind_after_days = models.PositiveSmallIntegerField(
        _("remind again every this many days while overdue"), default=7
    )
    default_tax_rate = models.DecimalField(
        _("default tax rate (%)"), max_digits=5, decimal_places=2, default=13
    )

    class Meta:
        verbose_name = _("orders policy")
        verbose_name_plural = _("orders policy")

    def __str__(self) -> str:
        return str(_("Orders policy"))

    @classmethod
    def current(cls) -> OrdersPolicy:
        policy = cls.objects.order_by("pk").first()
        return policy if policy is not None else cls.objects.create()
