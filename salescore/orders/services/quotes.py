"""Quotes and discount approval (R3.9). Every path that fixes a price goes through here:
submitting a quote checks its discounts against the authority matrix, an approved quote's
prices cannot be edited (a revision starts over as a draft), and a duplicate carries no approval."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from salescore.accounts.models import User
from salescore.core.errors import ApplicationError, PermissionDeniedError
from salescore.core.models import AuditAction, audit_event
from salescore.core.notifications import notify
from salescore.core.permissions import Cap, access_for, get_in_scope, require, scope_queryset
from salescore.core.sequences import next_number
from salescore.core.services import check_version, model_update, validate_fields
from salescore.customers.models import Contact
from salescore.orders.authority import Requirement, rank, requirement
from salescore.orders.models import Approval, Approver, OrdersPolicy, Quote, QuoteLine
from salescore.orders.services.lines import (
    apply_totals,
    build_rows,
    copy_rows,
    lines_summary,
    parse_lines,
    pricing_date,
)
from salescore.org.models import Person
from salescore.pipeline.models import Opportunity

QUOTE_FIELDS = {"contact", "valid_until", "terms", "notes"}


def local_today() -> dt.date:
    return timezone.localdate()


def _get_quote(actor, quote, *, lock: bool = False) -> Quote:
    queryset = Quote.objects.select_related("customer", "owner", "opportunity")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    return get_in_scope(queryset, actor, quote.pk)


def _check_contact(customer, contact) -> None:
    if contact is not None and (contact.customer_id != customer.pk or contact.is_deleted):
        raise ApplicationError(
            _("%(name)s is not a contact of %(customer)s.") % {"name": contact, "customer": customer},
            code="invalid",
            fields={"contact": _("Choose one of the customer's contacts.")},
        )


def _refuse_unless_editable(quote: Quote) -> None:
    if not quote.editable:
        raise ApplicationError(
            _("Quote %(quote)s is %(status)s and cannot be changed. Make a revision instead.")
            % {"quote": quote, "status": quote.get_status_display()},
            code="not_editable",
        )


def _write_lines(*, quote: Quote, parsed: list[dict], actor) -> None:
    old = lines_summary(quote.lines.select_related("product"))
    QuoteLine.objects.filter(quote=quote).delete()
    rows = QuoteLine.objects.bulk_create(build_rows(QuoteLine, parsed, quote=quote))
    apply_totals(quote, rows)
    quote.save(actor=actor)
    audit_event(
        obj=quote,
        action=AuditAction.UPDATE,
        actor=actor,
        changes={"lines": {"old": old, "new": lines_summary(rows)}},
    )


def default_lines(opportunity: Opportunity) -> list[dict]:
    """The products accepted into the opportunity (R3.4), at list price."""
    return [
        {"product": line.product_id, "quantity": line.quantity}
        for line in opportunity.products.filter(deleted_at__isnull=True, product__active=True)
    ]


@transaction.atomic
def quote_create(
    *,
    actor: User,
    opportunity: Opportunity,
    lines: list[dict] | None = None,
    contact: Contact | None = None,
    valid_until: dt.date | None = None,
    terms: str = "",
    notes: str = "",
) -> Quote:
    require(actor, Cap.QUOTES_WORK)
    opportunity = get_in_scope(Opportunity.objects.select_related("customer", "stage"), actor, opportunity.pk)
    if opportunity.stage.is_closed:
        raise ApplicationError(
            _("%(name)s is closed; reopen it to quote.") % {"name": opportunity}, code="closed"
        )
    _check_contact(opportunity.customer, contact)
    if contact is None:
        contact = opportunity.contacts.filter(deleted_at__isnull=True).order_by("pk").first()
    if lines is None:
        lines = default_lines(opportunity)
    today = local_today()
    quote = Quote(
        number=next_number("QT", today.year),
        opportunity=opportunity,
        customer=opportunity.customer,
        contact=contact,
        owner=opportunity.owner,
        currency=opportunity.currency,
        valid_until=valid_until or today + dt.timedelta(days=OrdersPolicy.current().quote_validity_days),
        terms=terms,
        notes=notes,
    )
    validate_fields(quote, ["terms", "notes"])
    parsed = (
        parse_lines(lines, currency=quote.currency, customer=quote.customer, on=pricing_date(quote))
        if lines
        else []
    )
    quote.save(actor=actor)
    if parsed:
        _write_lines(quote=quote, parsed=parsed, actor=actor)
    return quote


@transaction.atomic
def quote_update(*, actor: User, quote: Quote, version: int | None = None, **fields) -> Quote:
    require(actor, Cap.QUOTES_WORK)
    quote = _get_quote(actor, quote, lock=True)
    check_version(quote, version)
    unknown = set(fields) - QUOTE_FIELDS
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed here: %(f)s.") % {"f": ", ".join(sorted(unknown))},
            code="invalid",
        )
    _refuse_unless_editable(quote)
    if "contact" in fields:
        _check_contact(quote.customer, fields["contact"])
    model_update(instance=quote, data=fields, actor=actor)
    return quote


@transaction.atomic
def quote_set_lines(*, actor: User, quote: Quote, lines: list[dict], version: int | None = None) -> Quote:
    """Replace the lines of a draft (or rejected) quote; an approved quote's prices stay fixed."""
    require(actor, Cap.QUOTES_WORK)
    quote = _get_quote(actor, quote, lock=True)
    check_version(quote, version)
    _refuse_unless_editable(quote)
    parsed = parse_lines(lines, currency=quote.currency, customer=quote.customer, on=pricing_date(quote))
    if quote.status == Quote.Status.REJECTED:
        quote.status = Quote.Status.DRAFT
    _write_lines(quote=quote, parsed=parsed, actor=actor)
    return quote


def quote_requirement(quote: Quote) -> Requirement:
    return requirement(list(quote.lines.select_related("product")), tier=quote.customer.tier)


def find_approver(owner: Person, level: str) -> Person | None:
    """The first person up the owner's chain of managers who holds ``level`` or above;
    failing that, any active director."""
    seen = set()
    person = owner
    while person is not None and person.pk not in seen:
        seen.add(person.pk)
        if (
            person.pk != owner.pk
            and person.status == Person.Status.ACTIVE
            and rank(person.position) >= rank(level)
        ):
            return person
        person = person.manager
    return (
        Person.objects.filter(position=Approver.DIRECTOR, status=Person.Status.ACTIVE).order_by("pk").first()
    )


@transaction.atomic
def quote_submit(*, actor: User, quote: Quote, reason: str = "", version: int | None = None) -> Quote:
    """Issue the quote if the submitter's authority covers its discounts; otherwise ask the
    first manager up the chain who holds enough authority (R3.9)."""
    access = require(actor, Cap.QUOTES_WORK)
    quote = _get_quote(actor, quote, lock=True)
    check_version(quote, version)
    if quote.status not in (Quote.Status.DRAFT, Quote.Status.REJECTED):
        raise ApplicationError(
            _("Quote %(quote)s is %(status)s; only a draft can be submitted.")
            % {"quote": quote, "status": quote.get_status_display()},
            code="invalid_status",
        )
    if not quote.lines.exists():
        raise ApplicationError(
            _("Add at least one line."), code="required", fields={"lines": _("Add at least one product.")}
        )
    if quote.valid_until and quote.valid_until < local_today():
        raise ApplicationError(
            _("The validity date has passed."),
            code="expired",
            fields={"valid_until": _("Choose a date from today on.")},
        )
    need = quote_requirement(quote)
    quote.max_discount = round(need.max_discount, 4)
    quote.below_floor = need.below_floor
    quote.required_level = need.level or ""
    now = timezone.now()
    if need.covered_by(access.position):
        quote.status = Quote.Status.APPROVED
        quote.approved_at, quote.approved_by = now, actor
        quote.save(actor=actor)
        return quote
    approver = find_approver(quote.owner, need.level)
    quote.status = Quote.Status.PENDING
    quote.save(actor=actor)
    approval = Approval.objects.create(
        quote=quote,
        required_level=need.level,
        approver=approver,
        requested_by=actor,
        requested_at=now,
        reason=(reason or "").strip()[:2000],
    )
    audit_event(
        obj=quote,
        action=AuditAction.UPDATE,
        actor=actor,
        changes={"approval": {"old": None, "new": need.explain(), "new_display": str(approver or "")}},
    )
    if approver is not None:
        notify(
            users=[approver.user],
            kind="quote_approval",
            title=_("Approve quote %(quote)s for %(customer)s")
            % {"quote": quote, "customer": quote.customer},
            body=need.explain() + ("\n" + approval.reason if approval.reason else ""),
            url=reverse("orders:approval_queue"),
        )
    return quote


def can_decide(user, approval: Approval) -> bool:
    """The named approver, or anyone at or above the level who sees the quote; never the requester."""
    access = access_for(user)
    if approval.status != Approval.Status.PENDING or approval.requested_by_id == user.pk:
        return False
    if access.person_id is not None and approval.approver_id == access.person_id:
        return True
    if rank(access.position) < rank(approval.required_level):
        return False
    return scope_queryset(Quote.objects.filter(pk=approval.quote_id), user, include_shared=False).exists()


@transaction.atomic
def approval_decide(*, actor: User, approval: Approval, approve: bool, comment: str = "") -> Approval:
    approval = (
        Approval.objects.select_for_update(of=("self",))
        .select_related("quote", "quote__customer", "requested_by")
        .get(pk=approval.pk)
    )
    if approval.status != Approval.Status.PENDING:
        raise ApplicationError(
            _("This request was already decided (%(status)s).") % {"status": approval.get_status_display()},
            code="invalid_status",
        )
    if not can_decide(actor, approval):
        raise PermissionDeniedError(
            _("Only the approver or someone with %(level)s authority over this quote may decide.")
            % {"level": Approver(approval.required_level).label},
            code="permission_denied",
        )
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ApplicationError(
            _("Say why the discount is rejected."),
            code="required",
            fields={"comment": _("A comment is required to reject.")},
        )
    now = timezone.now()
    approval.status = Approval.Status.APPROVED if approve else Approval.Status.REJECTED
    approval.decided_by, approval.decided_at, approval.comment = actor, now, comment[:2000]
    approval.save(update_fields=["status", "decided_by", "decided_at", "comment"])
    quote = approval.quote
    # The quote is locked too: its lines cannot change between the check and the decision.
    Quote.objects.select_for_update().filter(pk=quote.pk).first()
    if approve:
        quote.status = Quote.Status.APPROVED
        quote.approved_at, quote.approved_by = now, actor
    else:
        quote.status = Quote.Status.REJECTED
    quote.save(actor=actor)
    audit_event(
        obj=quote,
        action=AuditAction.UPDATE,
        actor=actor,
        changes={"approval": {"old": "pending", "new": approval.status, "new_display": comment}},
    )
    notify(
        users=[approval.requested_by],
        kind="quote_decided",
        title=(_("Quote %(quote)s approved") if approve else _("Quote %(quote)s rejected"))
        % {"quote": quote},
        body=comment,
        url=reverse("orders:quote_detail", args=[quote.pk]),
    )
    return approval


@transaction.atomic
def quote_withdraw(*, actor: User, quote: Quote) -> Quote:
    """Take a pending quote back to draft (to change it before anyone decides)."""
    require(actor, Cap.QUOTES_WORK)
    quote = _get_quote(actor, quote, lock=True)
    if quote.status != Quote.Status.PENDING:
        raise ApplicationError(_("Only a quote awaiting approval can be withdrawn."), code="invalid_status")
    Approval.objects.filter(quote=quote, status=Approval.Status.PENDING).update(
        status=Approval.Status.WITHDRAWN, decided_by=actor, decided_at=timezone.now()
    )
    quote.status = Quote.Status.DRAFT
    quote.save(actor=actor)
    return quote


_CUSTOMER_STEPS = {
    "send": ({Quote.Status.APPROVED}, Quote.Status.SENT),
    "accept": ({Quote.Status.APPROVED, Quote.Status.SENT}, Quote.Status.ACCEPTED),
    "decline": ({Quote.Status.APPROVED, Quote.Status.SENT}, Quote.Status.DECLINED),
}


@transaction.atomic
def quote_mark(*, actor: User, quote: Quote, step: str, note: str = "") -> Quote:
    """Record that the quote went to the customer, or their answer (accepted or declined)."""
    require(actor, Cap.QUOTES_WORK)
    quote = _get_quote(actor, quote, lock=True)
    if step not in _CUSTOMER_STEPS:
        raise ApplicationError(_("Unknown step."), code="invalid")
    allowed, target = _CUSTOMER_STEPS[step]
    if quote.status not in allowed:
        raise ApplicationError(
            _("Quote %(quote)s is %(status)s; it must be approved first.")
            % {"quote": quote, "status": quote.get_status_display()},
            code="invalid_status",
        )
    if step == "accept" and quote.valid_until and quote.valid_until < local_today():
        raise ApplicationError(
            _("The quote expired on %(date)s. Make a revision with a new validity date.")
            % {"date": quote.valid_until},
            code="expired",
        )
    quote.status = target
    if step != "send":
        quote.decided_at = timezone.now()
    if note:
        quote.notes = (quote.notes + "\n" if quote.notes else "") + note.strip()[:1000]
    quote.save(actor=actor)
    return quote


def _latest_revision(quote: Quote) -> int:
    return Quote.all_objects.filter(number=quote.number).aggregate(m=Max("revision"))["m"] or 0


@transaction.atomic
def quote_revise(*, actor: User, quote: Quote) -> Quote:
    """A new revision in draft with the same lines; the old one stays visible as superseded."""
    require(actor, Cap.QUOTES_WORK)
    quote = _get_quote(actor, quote, lock=True)
    if _latest_revision(quote) != quote.revision:
        raise ApplicationError(_("Only the latest revision can be revised."), code="invalid_status")
    if quote.status in (Quote.Status.ACCEPTED,) and quote.orders.exists():
        raise ApplicationError(_("This quote became an order and cannot be revised."), code="invalid_status")
    if quote.status == Quote.Status.PENDING:
        quote_withdraw(actor=actor, quote=quote)
        quote.refresh_from_db()
    revision = Quote(
        number=quote.number,
        revision=quote.revision + 1,
        previous=quote,
        opportunity=quote.opportunity,
        customer=quote.customer,
        contact=quote.contact,
        owner=quote.owner,
        currency=quote.currency,
        valid_until=max(
            quote.valid_until or local_today(),
            local_today() + dt.timedelta(days=OrdersPolicy.current().quote_validity_days),
        ),
        terms=quote.terms,
        notes=quote.notes,
    )
    revision.save(actor=actor)
    rows = QuoteLine.objects.bulk_create(copy_rows(QuoteLine, quote.lines.all(), quote=revision))
    apply_totals(revision, rows)
    revision.save(actor=actor)
    quote.status = Quote.Status.SUPERSEDED
    quote.save(actor=actor)
    return revision


@transaction.atomic
def quote_duplicate(*, actor: User, quote: Quote, opportunity: Opportunity | None = None) -> Quote:
    """A new quote (new number, draft) with the same lines; approval is never copied."""
    require(actor, Cap.QUOTES_WORK)
    quote = _get_quote(actor, quote)
    target = opportunity or quote.opportunity
    lines = [
        {
            "product": row.product_id,
            "quantity": row.quantity,
            "unit_price": row.unit_price,
            "tax_rate": row.tax_rate,
            "description": row.description,
        }
        for row in quote.lines.all()
    ]
    return quote_create(actor=actor, opportunity=target, lines=lines, terms=quote.terms, notes=quote.notes)


@transaction.atomic
def quote_delete(*, actor: User, quote: Quote) -> None:
    require(actor, Cap.QUOTES_WORK)
    quote = _get_quote(actor, quote, lock=True)
    if quote.status not in (Quote.Status.DRAFT, Quote.Status.REJECTED, Quote.Status.DECLINED):
        raise ApplicationError(
            _("Only a draft, rejected or declined quote can be deleted."), code="invalid_status"
        )
    quote.soft_delete(actor=actor)


@transaction.atomic
def quote_restore(*, actor: User, record: Quote) -> None:
    require(actor, Cap.RECORDS_RESTORE)
    record.restore(actor=actor)
