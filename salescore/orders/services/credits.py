"""Sales credit on shared deals (R2.1): a 60/40 split counts 60/40 toward targets, never twice."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from salescore.accounts.models import User
from salescore.core.errors import ApplicationError
from salescore.core.models import AuditAction, audit_event
from salescore.core.permissions import Cap
from salescore.orders.models import Credit, Order
from salescore.orders.services.orders import _require_any, get_order
from salescore.org.models import Person

HUNDRED = Decimal(100)


@transaction.atomic
def order_credits_set(
    *, actor: User, order: Order, shares: list[tuple[Person, Decimal | str]]
) -> list[Credit]:
    """Replace the split. An empty list gives the owner the whole order again."""
    _require_any(actor, Cap.ORDERS_PROCESS, Cap.QUOTES_WORK)
    order = get_order(actor, order, lock=True)
    if order.status == Order.Status.CANCELLED:
        raise ApplicationError(_("The order is cancelled."), code="invalid_status")
    errors: dict[str, str] = {}
    rows: list[Credit] = []
    seen: set[int] = set()
    for index, (person, raw) in enumerate(shares, start=1):
        try:
            share = Decimal(str(raw).strip())
        except Exception:  # noqa: BLE001 - any unparsable value is the same user error
            share = None
        if person is None or person.status != Person.Status.ACTIVE:
            errors[f"shares.{index}.person"] = _("Choose an active person.")
        elif person.pk in seen:
            errors[f"shares.{index}.person"] = _("%(name)s is listed twice.") % {"name": person}
        if (
            share is None
            or not share.is_finite()
            or not (0 < share <= HUNDRED)
            or share != share.quantize(Decimal("0.01"))
        ):
            errors[f"shares.{index}.share"] = _(
                "Enter a share above 0 and up to 100, with at most 2 decimals."
            )
        if person is not None:
            seen.add(person.pk)
        if not errors:
            rows.append(Credit(order=order, person=person, share=share))
    if not errors and rows and sum(row.share for row in rows) != HUNDRED:
        errors["shares"] = _("The shares add up to %(sum)s%%; they must add up to 100%%.") % {
            "sum": sum(row.share for row in rows)
        }
    if errors:
        raise ApplicationError(_("The split is not valid."), code="invalid", fields=errors)
    old = [f"{c.person} {c.share}%" for c in order.credits.select_related("person")]
    order.credits.all().delete()
    created = Credit.objects.bulk_create(rows)
    audit_event(
        obj=order,
        action=AuditAction.UPDATE,
        actor=actor,
        changes={"credits": {"old": old, "new": [f"{c.person} {c.share}%" for c in created]}},
    )
    return created
