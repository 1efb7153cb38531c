"""Every write to customers and contacts. Duplicates are refused at entry (R3.2), contact data is
revealed only with a trace (R3.8), collaborators are shares of the record (core.RecordShare)."""

from __future__ import annotations

import datetime as dt
import functools
import operator

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce, Greatest, Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from salescore.accounts.models import User
from salescore.catalog.models import PriceList
from salescore.core import audit
from salescore.core.errors import ApplicationError, PermissionDeniedError
from salescore.core.i18n import join_items
from salescore.core.models import AuditAction, AuditLog, audit_bulk, audit_event, m2m_changes
from salescore.core.notifications import notify
from salescore.core.permissions import (
    AnyOf,
    Cap,
    Scope,
    access_for,
    get_to_change,
    require,
    scope_queryset,
)
from salescore.core.services import (
    check_version,
    clean_columns,
    model_update,
    record_reveal,
    record_share,
    record_unshare,
    required,
    validate_fields,
)
from salescore.customers.identity import (
    credit_code_problem,
    name_key,
    normalize_credit_code,
    normalize_phone,
)
from salescore.customers.models import Contact, Customer, PoolMove, PoolPolicy, Tag, Tier
from salescore.customers.selectors import pool_claims_today, with_credit_codes
from salescore.org.models import Person, Region

CUSTOMER_FIELDS = {
    "kind",
    "name",
    "credit_code",
    "industry",
    "size",
    "tier",
    "region",
    "address",
    "source",
    "owner",
    "phone",
    "email",
    "website",
    "notes",
    "price_list",
}
CONTACT_FIELDS = {"name", "title", "mobile", "phone", "email", "wechat", "role", "is_primary", "notes"}


def _clean_credit_code(raw: str) -> str:
    code = normalize_credit_code(raw)
    if not code:
        return ""
    problem = credit_code_problem(code)
    if problem:
        reason = {
            "length": _("A unified social credit code has 18 characters."),
            "characters": _("It may use digits and capital letters except I, O, S, V and Z."),
            "check": _("The last character does not match the check character: a typing mistake?"),
        }[problem]
        raise ApplicationError(
            _("%(code)s is not a valid unified social credit code.") % {"code": code},
            code="invalid_credit_code",
            fields={"credit_code": reason},
        )
    return code


def _clash(existing: Customer, field: str, label: str, *, visible: bool) -> ApplicationError:
    """A duplicate: name the existing customer, and link to it if the user may open it."""
    owner = existing.owner.display_name if existing.owner else _("the public pool")
    return ApplicationError(
        _("%(field)s is already used by %(name)s (owner: %(owner)s).")
        % {"field": label, "name": existing.name, "owner": owner},
        code="duplicate",
        fields={field: _("Already used by customer #%(id)s.") % {"id": existing.pk}},
        extra={
            "existing_id": existing.pk,
            "existing_url": reverse("customers:detail", args=[existing.pk]) if visible else None,
        },
    )


def _existing_keys(
    others: QuerySet[Customer], codes: set[str], phones: set[str], emails: set[str]
) -> tuple[dict, dict, dict]:
    """The customers of ``others`` holding one of the credit codes, phone keys or upper-case
    e-mails, each by that key: one query, whatever the number of keys.

    Each lookup is a subquery of its own, ORed by id (``id = ANY(ARRAY(SELECT ...))`` on
    PostgreSQL, ``id IN (SELECT ...)`` on SQLite), so the database plans each one as it planned
    the three separate lookups before: the credit code's partial unique index, phone_key,
    UPPER(email). Two shapes that looked simpler plan worse on PostgreSQL. The three conditions
    ORed in one WHERE are costed as one scan: at 100,000 customers and 1,000 keys it read the
    whole table in parallel (73 ms a batch, against about 1 ms). A UNION ALL of three SELECTs
    ran as a parallel append, whose workers took about 25 ms to start.

    Which lookup a row answers is decided again here, with the comparisons the database made,
    so each key finds what its own query found. When several customers hold one key, the one
    with the highest id is named: the lookups named the last one they read, which was mostly
    that one, but depended on the order the database read them in.
    """
    live = Customer.objects.order_by()
    matches = []
    if codes:
        matches.append(AnyOf(F("pk"), with_credit_codes(live, codes).values("pk")))
    if phones:
        matches.append(AnyOf(F("pk"), live.filter(AnyOf(F("phone_key"), phones)).values("pk")))
    if emails:
        emails_upper = live.annotate(email_upper=Upper("email"))
        matches.append(AnyOf(F("pk"), emails_upper.filter(AnyOf(F("email_upper"), emails)).values("pk")))
    by_code: dict[str, Customer] = {}
    by_phone: dict[str, Customer] = {}
    by_email: dict[str, Customer] = {}
    if not matches:
        return by_code, by_phone, by_email
    rows = (
        others.annotate(email_upper=Upper("email"))
        .filter(functools.reduce(operator.or_, [Q(match) for match in matches]))
        .values_list(
            "pk",
            "name",
            "credit_code",
            "phone_key",
            "email",
            "email_upper",
            "owner_id",
            "owner__name",
            "owner__name_en",
        )
    )
    for pk, name, code, phone_key, email, email_upper, owner_id, owner_name, owner_name_en in sorted(rows):
        owner = Person(pk=owner_id, name=owner_name, name_en=owner_name_en) if owner_id else None
        existing = Customer(pk=pk, name=name, owner=owner)
        if code in codes:
            by_code[code] = existing
        if phone_key in phones:
            by_phone[phone_key] = existing
        if email_upper in emails:
            # Keyed as the three lookups keyed it: Python's upper case of the address.
            by_email[email.upper()] = existing
    return by_code, by_phone, by_email


def _duplicates(user, keys: list[tuple[str, str, str]], *, exclude_pk=None) -> list[ApplicationError | None]:
    """Exact duplicates are refused at entry: same credit code, phone or email, among live
    customers (a deleted one frees its keys), whoever owns them. ``keys`` holds (credit code,
    phone key, email) per record to check; the answer is one clash or None for each.

    One query whatever the number of records (an import checks 500 rows at once), unordered so
    that it reads the keys' own indexes: an ORDER BY would let the database walk the list's
    sort index instead, row by row. One more only when something clashes: which of the clashing
    customers the user may open.
    """
    others = Customer.objects.exclude(pk=exclude_pk).order_by()
    by_code, by_phone, by_email = _existing_keys(
        others,
        {code for code, _phone, _email in keys if code},
        {phone for _code, phone, _email in keys if phone},
        {email.upper() for _code, _phone, email in keys if email},
    )
    found: list[tuple[Customer, str, str] | None] = []
    for code, phone, email in keys:
        if code and code in by_code:
            found.append((by_code[code], "credit_code", _("The credit code")))
        elif phone and phone in by_phone:
            found.append((by_phone[phone], "phone", _("The phone number")))
        elif email and email.upper() in by_email:
            found.append((by_email[email.upper()], "email", _("The email address")))
        else:
            found.append(None)
    clashing = {hit[0].pk for hit in found if hit}
    visible = (
        set(scope_queryset(Customer.objects.filter(pk__in=clashing), user).values_list("pk", flat=True))
        if clashing
        else set()
    )
    return [_clash(*hit, visible=hit[0].pk in visible) if hit else None for hit in found]


def _check_duplicates(user, *, credit_code: str, phone_key: str, email: str, exclude_pk=None) -> None:
    (clash,) = _duplicates(user, [(credit_code, phone_key, email)], exclude_pk=exclude_pk)
    if clash is not None:
        raise clash


def _owner_problems(actor, owners) -> dict[int, ApplicationError]:
    """Who of ``owners`` the actor may not give customers to, with the reason: one query."""
    people = {owner.pk: owner for owner in owners if owner is not None}
    problems: dict[int, ApplicationError] = {}
    for pk, owner in people.items():
        if owner.is_deleted or owner.status != Person.Status.ACTIVE:
            problems[pk] = ApplicationError(
                _("%(name)s has left and cannot own customers.") % {"name": owner},
                code="invalid_owner",
                fields={"owner": _("Choose an active person.")},
            )
    rest = [pk for pk in people if pk not in problems]
    if rest:
        # Managers hand customers to people they lead; a rep can only own customers themselves.
        allowed = set(
            scope_queryset(Person.objects.filter(pk__in=rest), actor, include_shared=False).values_list(
                "pk", flat=True
            )
        )
        for pk in rest:
            if pk not in allowed:
                problems[pk] = ApplicationError(
                    _("You can only give customers to people you manage."),
                    code="out_of_scope",
                    fields={"owner": _("Choose yourself or someone you manage.")},
                )
    return problems


def _check_owner(actor, owner: Person | None) -> None:
    problem = _owner_problems(actor, [owner]).get(getattr(owner, "pk", None))
    if problem is not None:
        raise problem


def _check_not_pool(actor, customer: Customer) -> None:
    """A pool customer is browsed and claimed, not edited: only those who see everything change it."""
    if customer.owner_id is None and access_for(actor).scope != Scope.ALL:
        raise PermissionDeniedError(
            _("This customer is in the public pool: claim it before you change it."),
            code="in_pool",
        )


def _check_price_list(actor, price_list) -> None:
    """A customer goes on a live price list (catalog.PriceList) or on none. A list prices below the
    catalogue without an approval, so only those who keep the price lists (Cap.PROCESS_CONFIGURE)
    put a customer on one or take it off; whether it prices a line is decided when it is priced."""
    _check_may_price(actor)
    if price_list is None:
        return
    if PriceList.objects.filter(pk=price_list.pk).exists():
        return
    raise ApplicationError(
        _("The price list %(name)s was deleted.") % {"name": price_list},
        code="invalid",
        fields={"price_list": _("Choose a price list that exists.")},
    )


def _check_may_price(actor) -> None:
    if not access_for(actor).can(Cap.PROCESS_CONFIGURE):
        raise PermissionDeniedError(
            _("Only those who keep the price lists choose a customer's price list."),
            code="permission_denied",
            fields={"price_list": _("Ask the sales director to change it.")},
        )


def _normalize(data: dict) -> dict:
    data = dict(data)
    for key in ("name", "address", "phone", "email", "website"):
        if key in data and isinstance(data[key], str):
            data[key] = data[key].strip()
    if "credit_code" in data:
        data["credit_code"] = _clean_credit_code(data["credit_code"] or "")
    return data


# The fields checked with each row (relations are checked together: one query each, below).
_CHECKED_FIELDS = frozenset(CUSTOMER_FIELDS - {"owner", "region", "price_list"})


def _staged_customer(fields: dict, *, default_owner) -> tuple[dict, list[str]]:
    """One row's checks before its fields' own: known fields, credit code, name, owner."""
    unknown = fields.keys() - CUSTOMER_FIELDS - {"tags"}
    if unknown:
        raise ApplicationError(
            _("These fields cannot be set: %(f)s.") % {"f": ", ".join(sorted(unknown))}, code="invalid"
        )
    data = _normalize(fields)
    tags = data.pop("tags", None) or []
    required({"name": data.get("name")})
    if data.get("owner") is None:
        if default_owner is None:
            raise ApplicationError(
                _("Choose the owner of this customer."),
                code="required",
                fields={"owner": _("This field is required.")},
            )
        data["owner"] = default_owner
    return data, tags


def _new_customers(
    rows: list[dict], *, default_owner, memo: dict
) -> list[tuple[dict, list[str]] | ApplicationError]:
    """Each row of customer_create's input as the new customer's field values and its tags, or
    why it is refused: the checks that need no query (known fields, credit code, formats,
    lengths, choices). The fields' own checks run over the batch column by column (clean_columns),
    with the same errors as row by row. No record is built: a dry run checks rows and never needs
    one. ``memo``: kept across a batch's rows (clean_values)."""
    results: list = []
    for fields in rows:
        try:
            results.append(_staged_customer(fields, default_owner=default_owner))
        except ApplicationError as exc:
            results.append(exc)
    staged = [(index, result[0]) for index, result in enumerate(results) if isinstance(result, tuple)]
    answers = clean_columns(Customer, [data for _index, data in staged], _CHECKED_FIELDS, memo=memo)
    for position, (index, data) in enumerate(staged):
        answer = answers.get(position)
        if isinstance(answer, ApplicationError):
            results[index] = answer
            continue
        if answer:
            data.update(answer)
        data["name_key"] = name_key(data["name"])
        data["phone_key"] = normalize_phone(data.get("phone") or "")
    return results


def _reference_problems(rows: list[dict]) -> dict[int, ApplicationError]:
    """The rows (by position) whose region or price list no longer exists."""
    problems: dict[int, ApplicationError] = {}
    regions = {row["region"].pk for row in rows if row.get("region")}
    if regions:
        known = set(Region.objects.filter(pk__in=regions).values_list("pk", flat=True))
        for index, row in enumerate(rows) if known != regions else ():
            if row.get("region") and row["region"].pk not in known:
                problems[index] = ApplicationError(
                    _("The region was deleted."),
                    code="invalid",
                    fields={"region": _("Choose a region that exists.")},
                )
    price_lists = {row["price_list"].pk for row in rows if row.get("price_list")}
    if price_lists:
        live = set(PriceList.objects.filter(pk__in=price_lists).values_list("pk", flat=True))
        for index, row in enumerate(rows):
            if row.get("price_list") and row["price_list"].pk not in live:
                problems.setdefault(
                    index,
                    ApplicationError(
                        _("The price list %(name)s was deleted.") % {"name": row["price_list"]},
                        code="invalid",
                        fields={"price_list": _("Choose a price list that exists.")},
                    ),
                )
    return problems


@transaction.atomic
def customer_create(*, actor: User, tags: list[str] | None = None, **fields) -> Customer:
    (result,) = customers_create_many(actor=actor, rows=[{**fields, "tags": tags}])
    if isinstance(result, ApplicationError):
        raise result
    return result


def customers_create_many(
    *, actor: User, rows: list[dict], write: bool = True
) -> list[Customer | ApplicationError | None]:
    """customer_create for many rows at once (an import's batch): the same rules, checked for the
    whole batch with a fixed number of queries, and the valid rows written with one INSERT per
    500, their audit rows likewise. Returns, per row, the new customer or why it was refused.

    Two rows of one batch with the same credit code, phone or email: the later one is refused.
    ``write=False`` (an import's dry run): every check, nothing written; a row that passes gets
    None (no record is built). It reads only, so it opens no transaction (a savepoint and its
    release were two of a dry-run batch's round trips).
    """
    if not write:
        return _create_many(actor=actor, rows=rows, write=False)
    with transaction.atomic():
        return _create_many(actor=actor, rows=rows, write=True)


def _create_many(*, actor: User, rows: list[dict], write: bool) -> list[Customer | ApplicationError | None]:
    access = require(actor, Cap.CUSTOMERS_CREATE)
    default_owner = None
    if access.person_id is not None and any(row.get("owner") is None for row in rows):
        default_owner = Person.objects.get(pk=access.person_id)
    # Per row: the new customer's field values while it passes, else why it was refused.
    results: list[dict | Customer | ApplicationError | None] = []
    tags: dict[int, list[str]] = {}
    for outcome in _new_customers(rows, default_owner=default_owner, memo={}):
        if isinstance(outcome, ApplicationError):
            results.append(outcome)
            continue
        data, names = outcome
        if data.get("price_list") is not None:
            try:
                _check_may_price(actor)
            except ApplicationError as exc:
                results.append(exc)
                continue
        tags[len(results)] = names
        results.append(data)

    def pending() -> list[tuple[int, dict]]:
        return [(i, d) for i, d in enumerate(results) if isinstance(d, dict)]

    owner_problems = _owner_problems(actor, {d["owner"] for _i, d in pending()})
    for index, data in pending() if owner_problems else ():
        if data["owner"].pk in owner_problems:
            results[index] = owner_problems[data["owner"].pk]
    batch = pending()
    for position, problem in _reference_problems([d for _i, d in batch]).items():
        results[batch[position][0]] = problem
    batch = pending()
    clashes = _duplicates(
        actor, [(d.get("credit_code", ""), d["phone_key"], d.get("email", "")) for _i, d in batch]
    )
    claimed: dict[tuple[str, str], int] = {}
    labels = {"credit_code": _("credit code"), "phone": _("phone number"), "email": _("email address")}
    for (index, data), clash in zip(batch, clashes, strict=True):
        if clash is not None:
            results[index] = clash
            continue
        keys = [
            ("credit_code", data.get("credit_code", "")),
            ("phone", data["phone_key"]),
            ("email", data.get("email", "").upper()),
        ]
        same = next(
            ((name, claimed[(name, key)]) for name, key in keys if key and (name, key) in claimed), None
        )
        if same is not None:
            results[index] = ApplicationError(
                _("Row %(row)s of the same batch has the same %(field)s.")
                % {"row": same[1] + 1, "field": labels[same[0]]},
                code="invalid",
                fields={same[0]: _("Entered twice.")},
            )
            continue
        for name, key in keys:
            if key:
                claimed[(name, key)] = index
    batch = pending()
    if not write:
        return [None if isinstance(r, dict) else r for r in results]
    if not batch:
        return results
    batch = [(index, Customer(**data)) for index, data in batch]
    for index, customer in batch:
        results[index] = customer
    new = [customer for _i, customer in batch]
    now = timezone.now()
    for customer in new:
        customer.created_at = customer.updated_at = now
        customer.created_by = customer.updated_by = actor
    try:
        with transaction.atomic():
            Customer.objects.bulk_create(new, batch_size=500)
    except IntegrityError:
        # Someone entered the same credit code a moment ago. One row: report it like the check
        # above; several: each row on its own, so only the clashing one is refused.
        if len(rows) == 1:
            _check_duplicates(actor, credit_code=new[0].credit_code, phone_key="", email="")
            raise
        for index, _customer in batch:
            try:
                with transaction.atomic():
                    (results[index],) = customers_create_many(
                        actor=actor, rows=[{**rows[index], "tags": tags.get(index)}]
                    )
            except ApplicationError as exc:
                results[index] = exc
            except IntegrityError:
                results[index] = ApplicationError(
                    _("Someone saved the same customer at the same moment: try again."), code="conflict"
                )
        return results
    audit_bulk(
        model=Customer,
        entries=((c.pk, str(c), c._audit_diff(creating=True)) for c in new),
        action=AuditAction.CREATE,
        actor=actor,
    )
    for customer in new:
        customer._audit_snapshot = {
            f.attname: getattr(customer, f.attname) for f in Customer._meta.concrete_fields
        }
    _add_tags([(customer, tags[index]) for index, customer in batch if tags.get(index)], actor=actor)
    return results


def _add_tags(pairs: list[tuple[Customer, list[str]]], *, actor) -> None:
    """Tag new customers: the tags made once, the links in one INSERT, one audit row each."""
    wanted = {c.pk: sorted({n.strip()[:40] for n in names if n and n.strip()}) for c, names in pairs}
    names = {name for chosen in wanted.values() for name in chosen}
    if not names:
        return
    existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    if names - set(existing):
        Tag.objects.bulk_create([Tag(name=n) for n in sorted(names - set(existing))], ignore_conflicts=True)
        existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    link = Customer.tags.through
    link.objects.bulk_create(
        [link(customer_id=pk, tag_id=existing[name].pk) for pk, chosen in wanted.items() for name in chosen],
        batch_size=1000,
    )
    audit_bulk(
        model=Customer,
        entries=(
            (c.pk, str(c), m2m_changes("tags", {}, {existing[n].pk: n for n in wanted[c.pk]}))
            for c, _names in pairs
            if wanted[c.pk]
        ),
        action=AuditAction.UPDATE,
        actor=actor,
    )


@transaction.atomic
def customer_update(
    *, actor: User, customer: Customer, version: int | None = None, tags: list[str] | None = None, **fields
) -> Customer:
    customer = get_to_change(Customer.objects.all(), actor, customer.pk)
    _check_not_pool(actor, customer)
    check_version(customer, version)
    unknown = set(fields) - CUSTOMER_FIELDS
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed here: %(f)s.") % {"f": ", ".join(sorted(unknown))},
            code="invalid",
        )
    data = _normalize(fields)
    if "name" in data:
        required({"name": data["name"]})
    if "owner" in data and data["owner"] != customer.owner:
        if customer.owner_id is None:
            # Leaving the pool is logged as a pool move: claim or assign it from the pool.
            raise ApplicationError(
                _("This customer is in the public pool: assign it from the pool."),
                code="in_pool",
                fields={"owner": _("Use Assign from the pool.")},
            )
        if data["owner"] is None:
            raise ApplicationError(
                _("Choose the owner of this customer."),
                code="required",
                fields={"owner": _("This field is required.")},
            )
        # A collaborator may edit the customer but not make it theirs: the owner's managers would lose it.
        if not scope_queryset(
            Customer.objects.filter(pk=customer.pk), actor, include_shared=False, to_change=True
        ).exists():
            raise PermissionDeniedError(
                _("Only the owner and their managers can give this customer to someone else."),
                code="permission_denied",
                fields={"owner": _("You work on this customer as a collaborator.")},
            )
        _check_owner(actor, data["owner"])
    if "price_list" in data and getattr(data["price_list"], "pk", None) != customer.price_list_id:
        _check_price_list(actor, data["price_list"])
    credit_code = data.get("credit_code", customer.credit_code)
    phone_key = normalize_phone(data.get("phone", customer.phone))
    email = data.get("email", customer.email)
    _check_duplicates(
        actor,
        credit_code=credit_code if credit_code != customer.credit_code else "",
        phone_key=phone_key if phone_key != customer.phone_key else "",
        email=email if email.lower() != customer.email.lower() else "",
        exclude_pk=customer.pk,
    )
    if "name" in data:
        customer.name_key = name_key(data["name"])
    if "phone" in data:
        customer.phone_key = phone_key
    model_update(instance=customer, data=data, actor=actor)
    if tags is not None:
        customer_set_tags(actor=actor, customer=customer, names=tags)
    return customer


def customer_set_tags(*, actor: User, customer: Customer, names: list[str]) -> None:
    cleaned = sorted({n.strip()[:40] for n in names if n and n.strip()})
    existing = {t.name: t for t in Tag.objects.filter(name__in=cleaned)}
    for name in cleaned:
        if name not in existing:
            existing[name], _created = Tag.objects.get_or_create(name=name)
    customer.set_m2m("tags", [existing[n] for n in cleaned], actor=actor)


@transaction.atomic
def customer_delete(*, actor: User, customer: Customer) -> None:
    customer = get_to_change(Customer.objects.all(), actor, customer.pk, include_shared=False)
    _check_not_pool(actor, customer)
    customer.soft_delete(actor=actor)


@transaction.atomic
def customer_restore(*, actor: User, record: Customer) -> None:
    require(actor, Cap.RECORDS_RESTORE)
    if record.merged_into_id is not None:
        # Its contacts, activities and opportunities now live on the survivor; un-merge is not offered.
        raise ApplicationError(
            _("%(name)s was merged into %(survivor)s and cannot be restored: a merge cannot be undone.")
            % {"name": record.name, "survivor": record.merged_into.name},
            code="merged",
        )
    if record.credit_code and Customer.objects.filter(credit_code=record.credit_code).exists():
        raise ApplicationError(
            _("Another customer now has the credit code %(code)s.") % {"code": record.credit_code},
            code="duplicate",
        )
    record.restore(actor=actor)


def customer_add_collaborator(*, actor: User, customer: Customer, person: Person) -> bool:
    """Share the customer with a colleague (协作人): they see it and its contacts unmasked."""
    return record_share(actor=actor, record=customer, person=person)


def customer_remove_collaborator(*, actor: User, customer: Customer, person: Person) -> bool:
    return record_unshare(actor=actor, record=customer, person=person)


# -- contacts --------------------------------------------------------------------------------


def _contact_data(fields: dict) -> dict:
    unknown = set(fields) - CONTACT_FIELDS
    if unknown:
        raise ApplicationError(
            _("These fields cannot be set: %(f)s.") % {"f": ", ".join(sorted(unknown))}, code="invalid"
        )
    data = dict(fields)
    for key in ("name", "title", "mobile", "phone", "email", "wechat"):
        if key in data and isinstance(data[key], str):
            data[key] = data[key].strip()
    return data


def _check_contact_duplicates(*, mobile_key: str, email: str, exclude_pk=None) -> None:
    # Unordered one-row lookups, each read from its own index (see _duplicates).
    others = Contact.objects.exclude(pk=exclude_pk).select_related("customer").order_by()
    for field, value, lookup in (("mobile", mobile_key, "mobile_key"), ("email", email, "email__iexact")):
        if value:
            existing = next(iter(others.filter(**{lookup: value})[:1]), None)
            if existing:
                raise ApplicationError(
                    _("This %(field)s already belongs to %(name)s of %(customer)s.")
                    % {
                        "field": Contact._meta.get_field(field).verbose_name,
                        "name": existing.name,
                        "customer": existing.customer.name,
                    },
                    code="duplicate",
                    fields={field: _("Already used by contact #%(id)s.") % {"id": existing.pk}},
                    extra={"existing_id": existing.customer_id},
                )


@transaction.atomic
def contact_create(*, actor: User, customer: Customer, **fields) -> Contact:
    customer = get_to_change(Customer.objects.all(), actor, customer.pk)
    _check_not_pool(actor, customer)
    data = _contact_data(fields)
    required({"name": data.get("name")})
    contact = Contact(customer=customer, **data)
    contact.mobile_key = normalize_phone(contact.mobile)
    validate_fields(contact, list(data))
    _check_contact_duplicates(mobile_key=contact.mobile_key, email=contact.email)
    if contact.is_primary:
        _clear_primary(actor, customer, keep=None)
    contact.save(actor=actor)
    return contact


def _clear_primary(actor, customer: Customer, keep) -> None:
    for other in Contact.objects.filter(customer=customer, is_primary=True).exclude(pk=keep):
        other.is_primary = False
        other.save(actor=actor)


@transaction.atomic
def contact_update(*, actor: User, contact: Contact, version: int | None = None, **fields) -> Contact:
    contact = get_to_change(Contact.objects.select_related("customer"), actor, contact.pk)
    _check_not_pool(actor, contact.customer)
    check_version(contact, version)
    data = _contact_data(fields)
    if "name" in data:
        required({"name": data["name"]})
    mobile_key = normalize_phone(data.get("mobile", contact.mobile))
    email = data.get("email", contact.email)
    _check_contact_duplicates(
        mobile_key=mobile_key if mobile_key != contact.mobile_key else "",
        email=email if email.lower() != contact.email.lower() else "",
        exclude_pk=contact.pk,
    )
    if "mobile" in data:
        contact.mobile_key = mobile_key
    if data.get("is_primary") and not contact.is_primary:
        _clear_primary(actor, contact.customer, keep=contact.pk)
    model_update(instance=contact, data=data, actor=actor)
    return contact


@transaction.atomic
def contact_delete(*, actor: User, contact: Contact) -> None:
    contact = get_to_change(Contact.objects.select_related("customer"), actor, contact.pk)
    _check_not_pool(actor, contact.customer)
    contact.soft_delete(actor=actor)


@transaction.atomic
def contact_restore(*, actor: User, record: Contact) -> None:
    require(actor, Cap.RECORDS_RESTORE)
    if record.customer.is_deleted:
        raise ApplicationError(
            _("Restore the customer %(name)s first.") % {"name": record.customer.name}, code="parent_deleted"
        )
    record.restore(actor=actor)


def contact_reveal(*, actor: User, contact: Contact, field: str) -> str:
    """The unmasked value of one private field, with an audit row saying who looked, when, at what."""
    return record_reveal(
        actor=actor, queryset=Contact.objects.select_related("customer"), pk=contact.pk, field=field
    )


EXPORT_LOG_BATCH = 1000


@transaction.atomic
def contacts_export(*, actor: User, contacts: QuerySet[Contact]) -> set[int]:
    """Bulk export of contact data (R3.8): a capability of its own, and a reveal row on every
    contact whose phone, email or WeChat leaves, so its History says who took them, when, from where.

    Returns the ids of the contacts logged; the caller exports those and no others (a contact
    added while the file streams is left out rather than exported unlogged).
    """
    require(actor, Cap.CONTACTS_EXPORT)
    ctx = audit.current()
    content_type = ContentType.objects.get_for_model(Contact)
    actor_name = actor.get_full_name() or actor.get_username()
    ids: set[int] = set()
    rows: list[AuditLog] = []
    for pk, name, *values in (
        contacts.order_by().values_list("pk", "name", *Contact.private_fields).iterator(chunk_size=2000)
    ):
        ids.add(pk)
        changes = {
            field: {"old": None, "new": "CSV"}
            for field, value in zip(Contact.private_fields, values, strict=True)
            if value
        }
        if not changes:
            continue
        rows.append(
            AuditLog(
                actor=actor,
                actor_name=actor_name,
                origin=ctx.origin,
                ip=ctx.ip,
                user_agent=(ctx.user_agent or "")[:300],
                content_type=content_type,
                object_id=pk,
                object_repr=name[:255],
                action=AuditAction.REVEAL,
                changes=changes,
            )
        )
        if len(rows) >= EXPORT_LOG_BATCH:
            AuditLog.objects.bulk_create(rows)
            rows = []
    if rows:
        AuditLog.objects.bulk_create(rows)
    return ids


# -- the public pool (公海) ---------------------------------------------------------------------

POLICY_LIMITS = {
    "days_a": (1, 3650),
    "days_b": (1, 3650),
    "days_c": (1, 3650),
    "max_held": (1, 100000),
    "daily_claims": (1, 1000),
    "cooldown_days": (0, 3650),
}


def _pool_move(
    *, customer: Customer, direction: str, reason: str, previous_owner, new_owner, actor, at, note=""
):
    return PoolMove.objects.create(
        customer=customer,
        direction=direction,
        reason=reason,
        previous_owner=previous_owner,
        new_owner=new_owner,
        actor=actor,
        at=at,
        note=note,
    )


def _lock_pool_customer(pk: int) -> Customer:
    """The customer row, locked until the transaction ends, and still in the pool; so of two people
    claiming at once, the second waits and then finds it taken."""
    customer = Customer.objects.select_for_update().filter(pk=pk).first()
    if customer is None:
        raise ApplicationError(_("This customer no longer exists."), code="not_found", status=404)
    if customer.owner_id is not None:
        raise ApplicationError(
            _("This customer has already been taken from the public pool."),
            code="already_claimed",
            status=409,
        )
    return customer


def _check_holding_limit(person: Person, policy: PoolPolicy) -> None:
    held = Customer.objects.filter(owner=person).count()
    if held >= policy.max_held:
        raise ApplicationError(
            _("%(person)s already holds %(held)s customers, the maximum one person may hold (%(max)s).")
            % {"person": person, "held": held, "max": policy.max_held},
            code="holding_limit",
        )


def pool_sweep(*, now: dt.datetime | None = None, customer_ids: list[int] | None = None) -> int:
    """Customers without follow-up for longer than their tier allows go back to the pool; each
    previous owner hears once which of theirs went. Returns how many moved. ``customer_ids``
    limits the sweep to those customers (the demo sweeps a chosen few)."""
    now = now or timezone.now()
    policy = PoolPolicy.current()
    stale = Q()
    for tier in Tier.values:
        stale |= Q(tier=tier, last_touch__lt=now - dt.timedelta(days=policy.days_for(tier)))
    owned = Customer.objects.filter(owner__isnull=False)
    if customer_ids is not None:
        owned = owned.filter(pk__in=customer_ids)
    # The clock runs from the last contact, or from creation or claim when that is later.
    candidates = list(
        owned.annotate(
            last_touch=Greatest(
                Coalesce("last_contact_at", "created_at"), Coalesce("owned_since", "created_at")
            )
        )
        .filter(stale)
        .values_list("pk", flat=True)
    )
    moved: dict[int, list[Customer]] = {}
    for pk in candidates:
        with transaction.atomic():
            customer = Customer.objects.select_for_update().filter(pk=pk, owner__isnull=False).first()
            if customer is None:
                continue
            last_touch = max(
                customer.last_contact_at or customer.created_at, customer.owned_since or customer.created_at
            )
            if last_touch >= now - dt.timedelta(days=policy.days_for(customer.tier)):
                continue  # contacted since the list was read
            previous = _into_pool(
                customer,
                reason=PoolMove.Reason.NO_FOLLOW_UP,
                actor=None,
                at=now,
                note=_("No follow-up for %(days)s days.") % {"days": policy.days_for(customer.tier)},
            )
            moved.setdefault(previous.pk, []).append(customer)
    owners = Person.objects.filter(pk__in=moved).select_related("user")
    for owner in owners:
        customers = moved[owner.pk]
        notify(
            users=[owner.user],
            kind="customer_pool_return",
            title=_("%(count)s of your customers went back to the public pool") % {"count": len(customers)},
            body=_("Not followed up in time: %(names)s.") % {"names": join_items(c.name for c in customers)},
            url=reverse("customers:pool"),
        )
    return sum(len(c) for c in moved.values())


def _into_pool(customer: Customer, *, reason: str, actor, at, note: str) -> Person:
    """Take the customer from its owner into the pool, with its PoolMove row. Returns the owner."""
    previous = customer.owner
    customer.owner = None
    customer.owned_since = None
    customer.save(actor=actor)
    _pool_move(
        customer=customer,
        direction=PoolMove.Direction.IN,
        reason=reason,
        previous_owner=previous,
        new_owner=None,
        actor=actor,
        at=at,
        note=note,
    )
    return previous


@transaction.atomic
def customer_release(*, actor: User, customer: Customer, reason: str) -> Customer:
    """The owner, or their manager, puts the customer back in the pool, saying why."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            _("Say why the customer goes back to the pool."),
            code="required",
            fields={"reason": _("This field is required.")},
        )
    customer = Customer.objects.select_for_update().filter(pk=customer.pk).first()
    if customer is None or customer.owner_id is None:
        raise ApplicationError(_("This customer is already in the public pool."), code="already_in_pool")
    if not scope_queryset(
        Customer.objects.filter(pk=customer.pk), actor, include_shared=False, to_change=True
    ).exists():
        raise PermissionDeniedError(
            _("Only the owner and their managers can put this customer back in the pool."),
            code="permission_denied",
        )
    _into_pool(customer, reason=PoolMove.Reason.RELEASED, actor=actor, at=timezone.now(), note=reason[:1000])
    return customer


@transaction.atomic
def customer_claim(*, actor: User, customer: Customer) -> Customer:
    """Take a customer from the pool, within the holding limit, the daily quota and the cooldown."""
    access = require(actor, Cap.PIPELINE_WORK)
    if access.person_id is None:
        raise PermissionDeniedError(_("Only people in the organisation can claim customers."))
    # Lock the person first: two claims by the same person at once cannot both pass the quota.
    person = Person.objects.select_for_update().get(pk=access.person_id)
    customer = _lock_pool_customer(customer.pk)
    policy = PoolPolicy.current()
    now = timezone.now()
    _check_holding_limit(person, policy)
    used = pool_claims_today(person_id=person.pk, now=now)
    if used >= policy.daily_claims:
        raise ApplicationError(
            _("You have used today's claim quota (%(quota)s customers a day). Try again tomorrow.")
            % {"quota": policy.daily_claims},
            code="claim_quota",
        )
    entered = (
        PoolMove.objects.filter(customer=customer, direction=PoolMove.Direction.IN)
        .order_by("-at", "-id")
        .first()
    )
    if (
        entered is not None
        and entered.previous_owner_id == person.pk
        and entered.at > now - dt.timedelta(days=policy.cooldown_days)
    ):
        until = timezone.localtime(entered.at + dt.timedelta(days=policy.cooldown_days))
        raise ApplicationError(
            _(
                "You owned this customer until it went back to the pool; the cooldown of %(days)s days "
                "lets you claim it again from %(date)s."
            )
            % {"days": policy.cooldown_days, "date": until.strftime("%Y-%m-%d %H:%M")},
            code="cooldown",
        )
    customer.owner = person
    customer.owned_since = now
    customer.save(actor=actor)
    _pool_move(
        customer=customer,
        direction=PoolMove.Direction.OUT,
        reason=PoolMove.Reason.CLAIMED,
        previous_owner=None,
        new_owner=person,
        actor=actor,
        at=now,
    )
    return customer


@transaction.atomic
def customer_assign_from_pool(*, actor: User, customer: Customer, person: Person) -> Customer:
    """A manager hands a pool customer to someone they lead (the daily quota is for claims only)."""
    require(actor, Cap.LEADS_ASSIGN)
    _check_owner(actor, person)
    customer = _lock_pool_customer(customer.pk)
    policy = PoolPolicy.current()
    _check_holding_limit(person, policy)
    now = timezone.now()
    customer.owner = person
    customer.owned_since = now
    customer.save(actor=actor)
    _pool_move(
        customer=customer,
        direction=PoolMove.Direction.OUT,
        reason=PoolMove.Reason.ASSIGNED,
        previous_owner=None,
        new_owner=person,
        actor=actor,
        at=now,
    )
    if person.user_id and person.user_id != actor.pk:
        notify(
            users=[person.user],
            kind="customer_assigned",
            title=_("A customer from the public pool is now yours: %(name)s") % {"name": customer.name},
            url=reverse("customers:detail", args=[customer.pk]),
        )
    return customer


@transaction.atomic
def pool_policy_update(*, actor: User, **values) -> PoolPolicy:
    """The pool's rules; the change is kept in the audit trail."""
    require(actor, Cap.PROCESS_CONFIGURE)
    unknown = set(values) - set(POLICY_LIMITS)
    if unknown:
        raise ApplicationError(
            _("These fields cannot be set: %(f)s.") % {"f": ", ".join(sorted(unknown))}, code="invalid"
        )
    errors = {}
    for name, value in values.items():
        low, high = POLICY_LIMITS[name]
        if not isinstance(value, int) or not low <= value <= high:
            errors[name] = _("Use %(low)s to %(high)s.") % {"low": low, "high": high}
    if errors:
        raise ApplicationError(_("Correct the pool policy."), code="invalid", fields=errors)
    policy = PoolPolicy.current()
    changes = {
        name: {"old": getattr(policy, name), "new": value}
        for name, value in values.items()
        if getattr(policy, name) != value
    }
    if not changes:
        return policy
    for name, change in changes.items():
        setattr(policy, name, change["new"])
    policy.save(update_fields=[*changes, "updated_at"])
    audit_event(obj=policy, action=AuditAction.UPDATE, actor=actor, changes=changes)
    return policy
