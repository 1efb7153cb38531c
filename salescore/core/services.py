"""Write helpers every domain's services use."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
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


def validate_fields(instance: models.Model, names) -> None:
    """Run the model's field validation (length, choices, formats) on the named fields."""
    names = set(names)
    try:
        instance.clean_fields(exclude=[f.name for f in instance._meta.fields if f.name not in names])
    except ValidationError as exc:
        raise from_validation_error(exc) from None


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
    from salescore.core.permissions import get_in_scope

    record = get_in_scope(type(record).objects.all(), actor, record.pk, include_shared=False)
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
    from salescore.core.permissions import get_in_scope

    record = get_in_scope(type(record).objects.all(), actor, record.pk, include_shared=False)
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
