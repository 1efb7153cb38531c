"""Merging duplicate customers (R3.2): one survivor keeps everything the duplicate had.

Who may merge: someone who may enter customers (Cap.CUSTOMERS_CREATE) and *manages* both
customers, i.e. owns them or sees them through their chain of command (customer_can_manage). A
collaborator, who sees a customer only because it was shared with them, may not; a customer
outside the actor's scope answers 404, as everywhere else.

What moves to the survivor, each record with an audit row of its own: contacts (a contact that is
the same person as one of the survivor's, by mobile or email, is folded into it), activities,
opportunities, leads converted into the duplicate, pool history, collaborators (the duplicate's
owner becomes one, so they keep seeing their work) and tags. The survivor keeps its own field
values except those the user takes from the duplicate. The duplicate is then deleted with
``merged_into`` set: its page answers 404, its history shows on the survivor's History page, and
it cannot be restored from the recycle bin (a merge is not undone; un-merge is out of scope).

Everything happens in one transaction, with both customer rows locked and their versions checked.
Another app that points at customers registers how its records move (``register_merge_mover``);
until it does, a duplicate that still has such records is refused rather than merged half-way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from salescore.accounts.models import User
from salescore.core.errors import ApplicationError, PermissionDeniedError
from salescore.core.models import AuditAction, audit_event
from salescore.core.permissions import Cap, get_in_scope, require
from salescore.core.services import bulk_reassign, check_version, record_shares_copy
from salescore.customers import services
from salescore.customers.models import Contact, Customer, PoolMove
from salescore.customers.selectors import customer_can_manage

# The fields a user may take from the duplicate; everything else is the survivor's (the owner
# too: the survivor's owner keeps the customer, the duplicate's owner becomes a collaborator).
MERGE_FIELDS = (
    "name",
    "kind",
    "credit_code",
    "industry",
    "size",
    "tier",
    "region",
    "address",
    "source",
    "phone",
    "email",
    "website",
    "notes",
)

Mover = Callable[..., int]  # mover(*, actor, source, target) -> how many records moved
_MOVERS: dict[tuple[str, str], Mover] = {}


def register_merge_mover(model_label: str, field_name: str, mover: Mover) -> None:
    """Tell the merge how ``model_label.field_name`` (a foreign key to Customer) follows a merge."""
    _MOVERS[(model_label.lower(), field_name)] = mover


@dataclass
class MergeResult:
    survivor: Customer
    duplicate: Customer
    moved: dict[str, int] = field(default_factory=dict)
    changed_fields: list[str] = field(default_factory=list)


def _pipeline_opportunities(**kwargs) -> int:
    from salescore.pipeline.services import opportunities_move_customer

    return opportunities_move_customer(**kwargs)


def _pipeline_activities(**kwargs) -> int:
    from salescore.pipeline.services import activities_move_customer

    return activities_move_customer(**kwargs)


def _leads(*, contact_map=None, **kwargs) -> int:
    from salescore.leads.services import leads_move_customer

    return leads_move_customer(**kwargs)


# Relations the merge moves itself (its own app's records and the pipeline's and leads' services).
_BUILT_IN = {
    ("customers.contact", "customer"),
    ("customers.poolmove", "customer"),
    ("customers.customer", "merged_into"),
    ("pipeline.opportunity", "customer"),
    ("pipeline.activity", "customer"),
    ("leads.lead", "customer"),
}


def _check_nothing_left_behind(duplicate: Customer) -> None:
    """Refuse when some other app's records point at the duplicate and nobody said how they move."""
    for relation in Customer._meta.related_objects:
        if relation.many_to_many or not relation.field.concrete:
            continue
        key = (relation.related_model._meta.label_lower, relation.field.name)
        if key in _BUILT_IN or key in _MOVERS:
            continue
        if relation.related_model._base_manager.filter(**{relation.field.name: duplicate.pk}).exists():
            raise ApplicationError(
                _("%(name)s has %(records)s, which a merge cannot move yet. Nothing was changed.")
                % {"name": duplicate.name, "records": relation.related_model._meta.verbose_name_plural},
                code="merge_unsupported",
            )


def merge_check_fields(take_from_duplicate: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(take_from_duplicate or ()))
    unknown = sorted(set(chosen) - set(MERGE_FIELDS))
    if unknown:
        raise ApplicationError(
            _("These fields cannot be taken from the duplicate: %(f)s.") % {"f": ", ".join(unknown)},
            code="invalid",
            fields={"take_from_duplicate": _("Choose from: %(f)s.") % {"f": ", ".join(MERGE_FIELDS)}},
        )
    return chosen


def _lock(actor: User, pk: int) -> Customer:
    customer = get_in_scope(Customer.objects.select_for_update(), actor, pk)
    if not customer_can_manage(user=actor, customer=customer):
        raise PermissionDeniedError(
            _(
                "Only the owner of both customers, or a manager who sees both, can merge them: "
                "%(name)s is shared with you to work on."
            )
            % {"name": customer.name},
            code="permission_denied",
        )
    return customer


def _same_person(contact: Contact, by_mobile: dict, by_email: dict) -> Contact | None:
    if contact.mobile_key and contact.mobile_key in by_mobile:
        return by_mobile[contact.mobile_key]
    if contact.email and contact.email.lower() in by_email:
        return by_email[contact.email.lower()]
    return None


def _move_contacts(actor: User, duplicate: Customer, survivor: Customer) -> tuple[int, dict[int, Contact]]:
    """Move the duplicate's contacts; fold those that are one of the survivor's people into them.

    Returns (how many moved, {folded contact id: the survivor's contact}).
    """
    kept = list(Contact.objects.filter(customer=survivor))
    by_mobile = {c.mobile_key: c for c in kept if c.mobile_key}
    by_email = {c.email.lower(): c for c in kept if c.email}
    folded = {}
    for contact in Contact.objects.filter(customer=duplicate):
        match = _same_person(contact, by_mobile, by_email)
        if match is not None:
            folded[contact.pk] = match
    # Deleted contacts move too: restoring one later must find it under a live customer.
    moved = bulk_reassign(
        queryset=Contact.all_objects.filter(customer=duplicate), field="customer", to=survivor, actor=actor
    )
    # Re-read after the bulk update (it bumped their versions); few rows: the folded and the primaries.
    touched = Contact.objects.filter(customer=survivor).filter(Q(pk__in=list(folded)) | Q(is_primary=True))
    survivor_has_primary = any(c.is_primary for c in kept)
    for contact in touched:
        if contact.pk in folded:
            contact.soft_delete(actor=actor)
        elif contact.is_primary and survivor_has_primary and contact.pk not in {c.pk for c in kept}:
            contact.is_primary = False
            contact.save(actor=actor)
    return moved, folded


def _moved_display(moved: dict[str, int]) -> str:
    labels = {
        "contacts": _("contacts"),
        "same_people": _("contacts folded into the same person"),
        "activities": _("activities"),
        "opportunities": _("opportunities"),
        "leads": _("leads"),
        "pool_moves": _("pool moves"),
        "collaborators": _("collaborators"),
    }
    return ", ".join(f"{labels.get(k, k)} {n}" for k, n in moved.items() if n) or "—"


@transaction.atomic
def customer_merge(
    *,
    actor: User,
    survivor: Customer,
    duplicate: Customer,
    take_from_duplicate: Iterable[str] = (),
    survivor_version: int | None = None,
    duplicate_version: int | None = None,
) -> MergeResult:
    """Merge ``duplicate`` into ``survivor`` (see the module docstring for the rules)."""
    require(actor, Cap.CUSTOMERS_CREATE)
    chosen = merge_check_fields(take_from_duplicate)
    if survivor.pk == duplicate.pk:
        raise ApplicationError(
            _("A customer cannot be merged with itself."),
            code="invalid",
            fields={"duplicate_id": _("Choose another customer.")},
        )
    # Lock both rows in id order, so two merges of the same pair wait for each other.
    locked = {pk: _lock(actor, pk) for pk in sorted((survivor.pk, duplicate.pk))}
    survivor, duplicate = locked[survivor.pk], locked[duplicate.pk]
    check_version(survivor, survivor_version)
    check_version(duplicate, duplicate_version)
    _check_nothing_left_behind(duplicate)

    moved: dict[str, int] = {}
    contacts, folded = _move_contacts(actor, duplicate, survivor)
    moved["contacts"] = contacts
    moved["same_people"] = len(folded)
    kwargs = {"actor": actor, "source": duplicate, "target": survivor, "contact_map": folded}
    moved["opportunities"] = _pipeline_opportunities(**kwargs)
    moved["activities"] = _pipeline_activities(**kwargs)
    moved["leads"] = _leads(**kwargs)
    for (label, _field_name), mover in _MOVERS.items():
        moved[label] = mover(actor=actor, source=duplicate, target=survivor)
    # Pool history is append-only and not audited per row; the survivor's merge row counts it.
    moved["pool_moves"] = PoolMove.objects.filter(customer=duplicate).update(customer=survivor)
    moved["collaborators"] = record_shares_copy(
        actor=actor, source=duplicate, target=survivor, also=[duplicate.owner] if duplicate.owner_id else []
    )

    values = {name: getattr(duplicate, name) for name in chosen}
    values = {
        name: value
        for name, value in values.items()
        if getattr(survivor, Customer._meta.get_field(name).attname)
        != getattr(duplicate, Customer._meta.get_field(name).attname)
    }
    # The duplicate goes first, so the credit code, phone or email it hands over is free.
    duplicate.merged_into = survivor
    duplicate.deleted_at = timezone.now()
    duplicate.deleted_by = actor
    duplicate.save(actor=actor, audit_action=AuditAction.DELETE)

    tags = sorted({t.name for t in survivor.tags.all()} | {t.name for t in duplicate.tags.all()})
    survivor = services.customer_update(actor=actor, customer=survivor, tags=tags, **values)
    last = max(
        (t for t in (survivor.last_contact_at, duplicate.last_contact_at) if t is not None), default=None
    )
    if last is not None and last != survivor.last_contact_at:
        # Bookkeeping, like activity_log: no audit row, no version bump.
        Customer.all_objects.filter(pk=survivor.pk).update(last_contact_at=last)
        survivor.last_contact_at = last
    audit_event(
        obj=survivor,
        action=AuditAction.UPDATE,
        actor=actor,
        changes={
            "merged_from": {"old": None, "new": duplicate.pk, "new_display": duplicate.name},
            "merge_moved": {"old": None, "new": moved, "new_display": _moved_display(moved)},
        },
    )
    return MergeResult(survivor=survivor, duplicate=duplicate, moved=moved, changed_fields=list(values))


# -- reads for the merge page ---------------------------------------------------------------------


def merge_candidates(*, user, customer: Customer, q: str | None = None, limit: int = 20) -> list[Customer]:
    """Customers this user could merge into ``customer``: ones they manage (as customer_merge
    checks), with a similar name, or matching the search ``q`` (name, credit code, phone, email)."""
    from salescore.core.permissions import Scope, access_for, scope_queryset
    from salescore.customers import search
    from salescore.customers.identity import name_key
    from salescore.customers.selectors import customer_list

    manageable = scope_queryset(Customer.objects.exclude(pk=customer.pk), user, include_shared=False)
    if access_for(user).scope != Scope.ALL:
        manageable = manageable.filter(owner__isnull=False)
    if q and q.strip():
        rows = customer_list(user=user, q=q.strip()[:100], pool=None)
    else:
        key = name_key(customer.name)
        if len(key) < 2:
            return []
        # Either name may be the longer form: 杭州某某科技 and 杭州某某科技发展 find each other.
        prefixes = [key[:n] for n in range(min(4, len(key)), len(key) + 1)]
        rows = Customer.objects.filter(search.key_starts(key) | Q(name_key__in=prefixes))
    return list(
        rows.filter(pk__in=manageable.values("pk"))
        .select_related("owner", "region")
        .order_by("name", "pk")[:limit]
    )


def _display(customer: Customer, name: str) -> str:
    value = getattr(customer, name)
    if value in (None, ""):
        return ""
    if Customer._meta.get_field(name).choices:
        return str(getattr(customer, f"get_{name}_display")())
    return str(value)


def merge_preview(*, survivor: Customer, duplicate: Customer) -> dict:
    """The side-by-side comparison: each field with both values, whether they differ and which
    the page offers by default (the duplicate's only where the survivor has none), and how many
    records of each kind would move."""
    rows = []
    for name in MERGE_FIELDS:
        attname = Customer._meta.get_field(name).attname
        mine, theirs = getattr(survivor, attname), getattr(duplicate, attname)
        rows.append(
            {
                "name": name,
                "label": Customer._meta.get_field(name).verbose_name,
                "survivor": _display(survivor, name),
                "duplicate": _display(duplicate, name),
                "differs": mine != theirs,
                "take_duplicate": mine in (None, "") and theirs not in (None, ""),
            }
        )
    from salescore.core.selectors import record_share_count

    counts = {
        "contacts": Contact.objects.filter(customer=duplicate).count(),
        "activities": duplicate.activities.count(),
        "opportunities": duplicate.opportunities.count(),
        "leads": duplicate.leads.count(),
        "pool_moves": duplicate.pool_moves.count(),
        "collaborators": record_share_count(duplicate),
    }
    return {"rows": rows, "counts": counts}
