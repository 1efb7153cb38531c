"""Write helpers every domain's services use."""

from __future__ import annotations

import functools
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, MaxLengthValidator, validate_email
from django.db import models
from django.db.models.expressions import DatabaseDefault
from django.utils.translation import gettext as _

from salescore.core.errors import ApplicationError, ConflictError


def check_version(instance: models.Model, version: int | None) -> None:
    """Refuse an edit made on a stale copy (the form or API sent the version it loaded)."""
    if version is not None and int(version) != instance.version:
        raise ConflictError(
            _(
                "Someone else changed this record after you opened it. "
                "Reload it to see their change, then make yours again."
            ),
            code="conflict",
            fields={"version": _("Expected version %(v)s.") % {"v": instance.version}},
        )


def bulk_reassign(*, queryset: models.QuerySet, field: str, to: models.Model, actor) -> int:
    """Point the foreign key ``field`` of every record in ``queryset`` at ``to``: one SELECT, one
    UPDATE (version bumped, so a form opened before the move is refused as stale) and one audit
    row per record written in bulk. The query count does not grow with the number of records.

    For AuditedModel querysets; deleted records move too (use ``all_objects``) so that a restore
    later finds them attached to the right parent. Returns how many records moved.
    """
    from django.db.models import F
    from django.utils import timezone

    from salescore.core.models import AuditAction, audit_bulk

    model = queryset.model
    model_field = model._meta.get_field(field)
    rows = list(queryset.exclude(**{model_field.attname: to.pk}).order_by("pk"))
    if not rows:
        return 0
    pks = [obj.pk for obj in rows]
    now = timezone.now()
    for start in range(0, len(pks), 900):  # SQLite's limit on variables in one statement
        model._base_manager.filter(pk__in=pks[start : start + 900]).update(
            **{
                model_field.attname: to.pk,
                "version": F("version") + 1,
                "updated_at": now,
                "updated_by": actor,
            }
        )
    # The old parent's name is read once per distinct parent, not once per record.
    old_ids = {getattr(obj, model_field.attname) for obj in rows}
    related = model_field.related_model._base_manager.filter(pk__in=old_ids)
    old_names = {obj.pk: str(obj) for obj in related}
    audit_bulk(
        model=model,
        action=AuditAction.UPDATE,
        actor=actor,
        entries=(
            (
                obj.pk,
                str(obj),
                {
                    field: {
                        "old": getattr(obj, model_field.attname),
                        "new": to.pk,
                        "old_display": old_names.get(getattr(obj, model_field.attname)),
                        "new_display": str(to),
                    }
                },
            )
            for obj in rows
        ),
    )
    return len(rows)


def from_validation_error(exc: ValidationError) -> ApplicationError:
    if hasattr(exc, "error_dict"):
        fields = {name: " ".join(str(m) for m in msgs) for name, msgs in exc.message_dict.items()}
    else:
        fields = {"__all__": " ".join(str(m) for m in exc.messages)}
    return ApplicationError(
        _("Some fields are not valid: %(fields)s.") % {"fields": ", ".join(fields)},
        code="invalid",
        fields=fields,
    )


def _plain_text_limit(field: models.Field) -> int | None | bool:
    """For a text field whose only check is its length (no choices, no other validator): its
    maximum length, or None when it has none. False for every other field."""
    if type(field) not in (models.CharField, models.TextField) or field.choices or not field.editable:
        return False
    limit = field.max_length
    if not all(isinstance(v, MaxLengthValidator) and v.limit_value == limit for v in field.validators):
        return False
    return limit


@functools.lru_cache(maxsize=512)
def _fields_to_check(model: type[models.Model], names: frozenset[str]) -> tuple:
    """(field, plain-text limit) for the named fields clean_fields would check, in the model's
    order (which orders the errors)."""
    return tuple((f, _plain_text_limit(f)) for f in model._meta.fields if f.name in names and not f.generated)


def clean_values(
    model: type[models.Model],
    values: dict[str, Any],
    names,
    *,
    instance: models.Model | None = None,
    memo: dict | None = None,
) -> dict[str, Any]:
    """The model's field validation (length, choices, formats) of the named fields, on plain values:
    exactly what ``Model.clean_fields`` does for them (a blank value of a field that may be blank
    is not checked; the same field errors, in the same order), without building an instance. An
    import checks a batch of rows this way before it builds any record.

    ``values`` maps field names to values; a relation's value is its object or its key, and a
    name it lacks is the field's default. Returns the cleaned values of the checked fields.
    Raises ApplicationError naming each invalid field.

    A text whose only check is its length is measured here; anything it fails goes through
    ``Field.clean`` for the exact error. ``memo``: a dict the caller keeps across the rows of a
    batch (of one model). A field with choices then checks each text once (a column of a few
    distinct values such as a tier or an industry): its check depends on nothing but the value.
    A batch is checked faster by clean_columns.
    """
    cleaned: dict[str, Any] = {}
    errors: dict[str, list] = {}
    for field, limit in _fields_to_check(model, frozenset(names)):
        name = field.name
        raw = values[name] if name in values else field.get_default()
        if field.is_relation and isinstance(raw, models.Model):
            raw = raw.pk
        if (field.blank and raw in field.empty_values) or isinstance(raw, DatabaseDefault):
            continue
        if limit is not False and type(raw) is str and raw and (limit is None or len(raw) <= limit):
            cleaned[name] = raw
            continue
        if memo is not None and field.choices and not field.is_relation and type(raw) is str:
            outcome = _choice_outcome(field, raw, memo)
        else:
            outcome = _outcome(field, raw, instance)
        if outcome[0]:
            cleaned[name] = outcome[1]
        else:
            errors[name] = outcome[1]
    if errors:
        raise from_validation_error(ValidationError(errors))
    return cleaned


# An address Django's EmailValidator surely accepts, as one regular expression: a dot-atom local
# part of ASCII "atext" (RFC 5322) and a domain matched by the validator's own patterns, with its
# flag. Whatever it does not match (a quoted local part, an address literal, "localhost", a local
# part outside ASCII, a wrong address) goes through the validator itself.
_SURE_EMAIL = re.compile(
    r"[-!#$%&'*+/=?^_`{}|~0-9A-Z]+(?:\.[-!#$%&'*+/=?^_`{}|~0-9A-Z]+)*@"
    + EmailValidator.hostname_re
    + EmailValidator.domain_re
    + EmailValidator.tld_no_fqdn_re
    + r"\Z",
    re.IGNORECASE,
)


def _sure_email_limit(field: models.Field) -> int | None | bool:
    """For an e-mail field checked only by Django's validate_email and its length: its maximum
    length. False for every other field."""
    if type(field) is not models.EmailField or field.choices or not field.editable:
        return False
    limit = field.max_length
    for validator in field.validators:
        if isinstance(validator, MaxLengthValidator) and validator.limit_value == limit:
            continue
        if type(validator) is EmailValidator and validator == validate_email:
            continue
        return False
    return limit


_ABSENT = object()  # a row without the field


def _unsure_rows(field: models.Field, column: list, memo: dict) -> list[int]:
    """The positions of the values in ``column`` (one per row, _ABSENT where a row lacks the
    field) that Field.clean might refuse or change; every other value passes as it is."""
    blank = field.blank
    if field.choices and not field.is_relation:
        passes = {_ABSENT: True}
        for value in {v for v in column if type(v) is str}:
            outcome = _choice_outcome(field, value, memo)
            passes[value] = outcome[0] and outcome[1] == value
        return [i for i, v in enumerate(column) if not (type(v) is str or v is _ABSENT) or not passes[v]]
    limit = _plain_text_limit(field)
    if limit is not False:
        limit = float("inf") if limit is None else limit
        return [
            i
            for i, v in enumerate(column)
            if v is not _ABSENT and (type(v) is not str or len(v) > limit or not (v or blank))
        ]
    limit = _sure_email_limit(field)
    if limit is not False:
        limit, ok = float("inf") if limit is None else limit, _SURE_EMAIL.match
        return [
            i
            for i, v in enumerate(column)
            if v is not _ABSENT and (type(v) is not str or (len(v) > limit or not ok(v) if v else not blank))
        ]
    # No check of its own here: Field.clean decides every value but a blank one.
    return [i for i, v in enumerate(column) if not (v is _ABSENT or (blank and v == ""))]


def _outcome(field: models.Field, raw, instance: models.Model | None) -> tuple[bool, Any]:
    """Field.clean: (True, the cleaned value) or (False, its errors)."""
    try:
        return True, field.clean(raw, instance)
    except ValidationError as exc:
        return False, exc.error_list


def _choice_outcome(field: models.Field, raw, memo: dict) -> tuple[bool, Any]:
    """The outcome of a field with choices, computed once per value for the batch that keeps
    ``memo``: it depends on nothing but the value."""
    key = (field.name, raw)
    if key not in memo:
        memo[key] = _outcome(field, raw, None)
    return memo[key]


def clean_columns(
    model: type[models.Model], rows: list[dict[str, Any]], names, *, memo: dict | None = None
) -> dict[int, dict[str, Any] | ApplicationError]:
    """clean_values for each of a batch's rows, checked column by column: each row's fields among
    ``names`` that it has. Lengths are measured, e-mail addresses matched by one regular
    expression and choices checked once per value, over the whole column at a time.

    Returns, by position, what clean_values gives for the rows whose values do not all pass as
    they are: their cleaned values, or the ApplicationError it raises, with the same fields and
    messages in the same order (those rows go through clean_values, so through Field.clean).
    Every other row passes with its values unchanged.
    """
    memo = {} if memo is None else memo
    unsure: set[int] = set()
    for field, _limit in _fields_to_check(model, frozenset(names)):
        name = field.name
        unsure.update(_unsure_rows(field, [row.get(name, _ABSENT) for row in rows], memo))
    answers: dict[int, dict[str, Any] | ApplicationError] = {}
    for i in sorted(unsure):
        row = rows[i]
        try:
            answers[i] = clean_values(model, row, [n for n in names if n in row], memo=memo)
        except ApplicationError as exc:
            answers[i] = exc
    return answers


def validate_fields(instance: models.Model, names) -> None:
    """Run the model's field validation (length, choices, formats) on the named fields."""
    fields = _fields_to_check(type(instance), frozenset(names))
    values = {f.name: getattr(instance, f.attname) for f, _limit in fields}
    for name, value in clean_values(type(instance), values, names, instance=instance).items():
        field = instance._meta.get_field(name)
        if value is not values[name]:
            setattr(instance, field.attname, value)


def model_update(
    *, instance: models.Model, data: dict[str, Any], actor, version: int | None = None
) -> list[str]:
    """Set the given fields, validate them, save only if something changed.

    Returns the changed field names. The save writes the audit row and re-checks the version
    under a row lock, so two people editing at once cannot overwrite each other silently.
    """
    check_version(instance, version)
    changed = []
    for name, value in data.items():
        field = instance._meta.get_field(name)
        if field.many_to_one or field.one_to_one:
            current = getattr(instance, field.attname)
            new = value.pk if isinstance(value, models.Model) else value
        else:
            current, new = getattr(instance, name), value
        if current != new:
            setattr(instance, name, value)
            changed.append(name)
    if changed:
        validate_fields(instance, changed)
        instance.save(actor=actor)
    return changed


def required(values: dict[str, Any]) -> None:
    """Raise one error naming every required field that is empty."""
    missing = {
        name: _("This field is required.") for name, value in values.items() if value in (None, "", [])
    }
    if missing:
        raise ApplicationError(
            _("Fill in the required fields: %(fields)s.") % {"fields": ", ".join(missing)},
            code="required",
            fields=missing,
        )


def record_share(*, actor, record: models.Model, person) -> bool:
    """Let ``person`` see ``record``. Only its owner or their managers (by scope) may share it;
    someone who sees it only because it was shared with them may not pass it on.

    Returns False when it was already shared. Audited on the record.
    """
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction

    from salescore.core.models import AuditAction, RecordShare, audit_event
    from salescore.core.permissions import get_to_change

    record = get_to_change(type(record).objects.all(), actor, record.pk, include_shared=False)
    if getattr(person, "status", "active") != "active" or person.is_deleted:
        raise ApplicationError(
            _("%(name)s has left and cannot be given access.") % {"name": person},
            code="invalid_person",
            fields={"person": _("Choose an active person.")},
        )
    with transaction.atomic():
        _share, created = RecordShare.objects.get_or_create(
            content_type=ContentType.objects.get_for_model(record),
            object_id=record.pk,
            person=person,
            defaults={"granted_by": actor},
        )
        if created:
            audit_event(
                obj=record,
                action=AuditAction.UPDATE,
                actor=actor,
                changes={"shared_with": {"old": None, "new": person.pk, "new_display": str(person)}},
            )
    return created


def record_unshare(*, actor, record: models.Model, person) -> bool:
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction

    from salescore.core.models import AuditAction, RecordShare, audit_event
    from salescore.core.permissions import get_to_change

    record = get_to_change(type(record).objects.all(), actor, record.pk, include_shared=False)
    with transaction.atomic():
        deleted, _rows = RecordShare.objects.filter(
            content_type=ContentType.objects.get_for_model(record), object_id=record.pk, person=person
        ).delete()
        if deleted:
            audit_event(
                obj=record,
                action=AuditAction.UPDATE,
                actor=actor,
                changes={"shared_with": {"old": person.pk, "new": None, "old_display": str(person)}},
            )
    return bool(deleted)


def record_shares_copy(*, actor, source: models.Model, target: models.Model, also=()) -> int:
    """Share ``target`` with everyone ``source`` is shared with, and with the people in ``also``
    (a merge of duplicates: whoever worked on the duplicate keeps working on the survivor).

    The caller has checked the actor may manage both records. One audit row on ``target`` per
    person added, as record_share writes. Returns how many people were added.
    """
    from django.contrib.contenttypes.models import ContentType

    from salescore.core.models import AuditAction, RecordShare, audit_bulk
    from salescore.org.models import Person

    content_type = ContentType.objects.get_for_model(type(target))
    shares = RecordShare.objects.filter(content_type=content_type)
    wanted = set(shares.filter(object_id=source.pk).values_list("person_id", flat=True))
    wanted |= {person.pk for person in also if person is not None}
    wanted -= set(shares.filter(object_id=target.pk).values_list("person_id", flat=True))
    wanted.discard(getattr(target, "owner_id", None))
    people = list(Person.objects.filter(pk__in=wanted, status="active").order_by("pk"))
    if not people:
        return 0
    RecordShare.objects.bulk_create(
        [
            RecordShare(content_type=content_type, object_id=target.pk, person=p, granted_by=actor)
            for p in people
        ]
    )
    audit_bulk(
        model=type(target),
        action=AuditAction.UPDATE,
        actor=actor,
        entries=(
            (target.pk, str(target), {"shared_with": {"old": None, "new": p.pk, "new_display": str(p)}})
            for p in people
        ),
    )
    return len(people)


def record_reveal(*, actor, queryset: models.QuerySet, pk, field: str) -> str:
    """The unmasked value of one private field of a record the actor may see (else 404), with an
    audit row saying who looked, when, at what (R3.8). Contacts and leads reveal through here."""
    from salescore.core.models import AuditAction, audit_event
    from salescore.core.permissions import get_in_scope

    if field not in getattr(queryset.model, "private_fields", ()):
        raise ApplicationError(_("This field cannot be revealed."), code="invalid", fields={"field": field})
    record = get_in_scope(queryset, actor, pk)
    audit_event(
        obj=record, action=AuditAction.REVEAL, actor=actor, changes={field: {"old": None, "new": "***"}}
    )
    return getattr(record, field)
