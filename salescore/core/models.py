"""The base every business record stands on: audit trail, soft delete and optimistic locking.

One mechanism for every business model: subclass ``AuditedModel`` and each create, update,
soft delete and restore writes an ``AuditLog`` row (actor, time, origin, field old -> new) in the
same transaction as the change. Many-to-many changes go through ``AuditedModel.set_m2m``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from salescore.core import audit
from salescore.core.bulk import insert_rows
from salescore.core.errors import ApplicationError, ConflictError


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Updated")
    DELETE = "delete", _("Deleted")
    RESTORE = "restore", _("Restored")
    LOGIN = "login", _("Signed in")
    LOGIN_FAILED = "login_failed", _("Sign-in failed")
    LOCKED = "locked", _("Account locked")
    UNLOCKED = "unlocked", _("Account unlocked")
    TOKEN_CREATED = "token_created", _("API token created")
    TOKEN_REVOKED = "token_revoked", _("API token revoked")
    REVEAL = "reveal", _("Contact data revealed")


class AuditLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ApplicationError(gettext("Audit records cannot be changed."), code="audit_immutable")

    def delete(self):
        raise ApplicationError(gettext("Audit records cannot be deleted."), code="audit_immutable")


class AuditLog(models.Model):
    """Append-only. The database also refuses UPDATE on this table (see migration 0002)."""

    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    origin = models.CharField(_("origin"), max_length=16)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.BigIntegerField()
    object_repr = models.CharField(_("record"), max_length=255)
    action = models.CharField(_("action"), max_length=16, choices=AuditAction.choices)
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "-at"], name="audit_object_idx"),
            models.Index(fields=["-at"], name="audit_at_idx"),
            models.Index(fields=["actor", "-at"], name="audit_actor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ApplicationError(gettext("Audit records cannot be changed."), code="audit_immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ApplicationError(gettext("Audit records cannot be deleted."), code="audit_immutable")


_JSON_PLAIN = frozenset({type(None), bool, int, str, float})


def _jsonable(value: Any) -> Any:
    kind = type(value)
    if kind in _JSON_PLAIN:
        return value
    if kind is dict:  # an audit diff: {field: {"old": ..., "new": ...}}, mostly plain already
        return {
            (k if type(k) is str else str(k)): (v if type(v) in _JSON_PLAIN else _jsonable(v))
            for k, v in value.items()
        }
    if value is None or isinstance(value, bool | int | str | float):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def audit_event(
    *,
    obj: models.Model,
    action: str,
    changes: dict | None = None,
    actor=None,
) -> AuditLog:
    """Write one audit row for ``obj`` stamped with the current context."""
    ctx = audit.current()
    actor = actor if actor is not None else ctx.resolve_actor()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditLog.objects.create(
        actor=actor,
        actor_name=(actor.get_full_name() or actor.get_username()) if actor else "",
        origin=ctx.origin,
        ip=ctx.ip,
        user_agent=(ctx.user_agent or "")[:300],
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=obj.pk,
        object_repr=str(obj)[:255],
        action=action,
        changes=_jsonable(changes or {}),
    )


AUDIT_COLUMNS = (
    "at",
    "actor",
    "actor_name",
    "origin",
    "ip",
    "user_agent",
    "content_type",
    "action",
    "object_id",
    "object_repr",
    "changes",
)


def audit_bulk(
    *,
    model: type[models.Model],
    entries,
    action: str,
    actor=None,
) -> int:
    """One audit row per record for a change made to many records at once (a bulk UPDATE).

    ``entries`` yields ``(pk, repr, changes)``. The rows are written in bulk (core.bulk: COPY on
    PostgreSQL), so moving 500 activities or importing 10,000 customers costs a few queries
    instead of one per record, and each record's History still shows the change. Returns how
    many rows were written.
    """
    ctx = audit.current()
    actor = actor if actor is not None else ctx.resolve_actor()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=True)
    common = (
        timezone.now(),
        actor.pk if actor else None,
        (actor.get_full_name() or actor.get_username()) if actor else "",
        ctx.origin,
        ctx.ip,
        (ctx.user_agent or "")[:300],
        content_type.pk,
        action,
    )
    return insert_rows(
        AuditLog,
        AUDIT_COLUMNS,
        ((*common, pk, str(text)[:255], _jsonable(changes or {})) for pk, text, changes in entries),
    )


def m2m_changes(field_name: str, old: dict, new: dict) -> dict:
    """The audit changes of a many-to-many set going from ``old`` to ``new`` ({pk: text})."""
    return {
        field_name: {
            "old": sorted(old),
            "new": sorted(new),
            "old_display": ", ".join(old[k] for k in sorted(old)),
            "new_display": ", ".join(new[k] for k in sorted(new)),
        }
    }


class AliveManager(models.Manager):
    """Rows that are not soft-deleted. The default manager, so forms and lists never offer the dead."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class AuditedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deleted by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = AliveManager()
    all_objects = models.Manager()

    # Bookkeeping columns are not business changes; they would only add noise to History.
    audit_ignore = frozenset({"created_at", "created_by", "updated_at", "updated_by", "version"})
    # Record scope (see core.permissions): the path to the owning Person. None means "not
    # owned": reference data everyone may read. Owned records can also be shared (RecordShare).
    scope_owner_field: str | None = None

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._audit_snapshot = dict(zip(field_names, values, strict=True))
        return instance

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        # The reloaded values are the new baseline; otherwise the next save would record someone
        # else's change as this actor's.
        names = None if fields is None else set(fields)
        snapshot = getattr(self, "_audit_snapshot", {})
        for field in self._meta.concrete_fields:
            if names is None or field.name in names or field.attname in names:
                snapshot[field.attname] = getattr(self, field.attname)
        self._audit_snapshot = snapshot

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def _audit_fields(self):
        for field in self._meta.concrete_fields:
            if field.primary_key or field.name in self.audit_ignore:
                continue
            yield field

    def _display(self, field, value):
        if value is None or not field.is_relation:
            return None
        # The object assigned to the field is usually loaded already: no query for it.
        cached = field.get_cached_value(self, default=None) if field.is_cached(self) else None
        if cached is not None and cached.pk == value:
            return str(cached)
        related = field.related_model._base_manager.filter(pk=value).first()
        return str(related) if related is not None else f"#{value}"

    def _audit_diff(self, *, creating: bool) -> dict[str, dict]:
        snapshot = {} if creating else getattr(self, "_audit_snapshot", {})
        diff: dict[str, dict] = {}
        for field in self._audit_fields():
            new = getattr(self, field.attname)
            if creating:
                if new in (None, "", False):
                    continue
                old = None
            else:
                if field.attname not in snapshot:
                    continue  # deferred on load: we cannot know the old value, so claim nothing
                old = snapshot[field.attname]
                if old == new:
                    continue
            entry = {"old": _jsonable(old), "new": _jsonable(new)}
            if field.is_relation:
                entry["old_display"] = self._display(field, old)
                entry["new_display"] = self._display(field, new)
            diff[field.name] = entry
        return diff

    def save(self, *args, actor=None, audit_action: str | None = None, **kwargs):
        ctx_actor = actor if actor is not None else audit.current().resolve_actor()
        now = timezone.now()
        creating = self._state.adding
        update_fields = kwargs.get("update_fields")
        with transaction.atomic(using=kwargs.get("using")):
            if creating:
                self.created_at = self.created_at or now
                self.created_by = self.created_by or ctx_actor
                self.updated_at = now
                self.updated_by = ctx_actor
                diff = self._audit_diff(creating=True)
                super().save(*args, **kwargs)
                action = audit_action or AuditAction.CREATE
            else:
                diff = self._audit_diff(creating=False)
                if not diff:
                    return
                # No ordering: a model ordered through a nullable relation (a target by its unit
                # or person) would join it, and PostgreSQL cannot lock the nullable side of a join.
                stored = (
                    type(self)
                    .all_objects.select_for_update()
                    .filter(pk=self.pk)
                    .order_by()
                    .values_list("version", flat=True)
                    .first()
                )
                if stored is None:
                    raise ApplicationError(
                        gettext("This record no longer exists."), code="not_found", status=404
                    )
                if stored != self.version:
                    raise ConflictError(
                        gettext(
                            "Someone else changed this record after you opened it. "
                            "Reload it to see their change, then make yours again."
                        ),
                        code="conflict",
                    )
                self.version = stored + 1
                self.updated_at = now
                self.updated_by = ctx_actor
                if update_fields is not None:
                    kwargs["update_fields"] = set(update_fields) | {
                        "version",
                        "updated_at",
                        "updated_by",
                    }
                super().save(*args, **kwargs)
                action = audit_action or AuditAction.UPDATE
            audit_event(obj=self, action=action, changes=diff, actor=ctx_actor)
        self._audit_snapshot = {f.attname: getattr(self, f.attname) for f in self._meta.concrete_fields}

    def delete(self, *args, **kwargs):
        raise TypeError(f"{type(self).__name__} is soft-deleted: call soft_delete(actor=...) in a service.")

    def soft_delete(self, *, actor=None) -> None:
        if self.deleted_at is not None:
            return
        self.deleted_at = timezone.now()
        self.deleted_by = actor if actor is not None else audit.current().resolve_actor()
        self.save(actor=actor, audit_action=AuditAction.DELETE)

    def restore(self, *, actor=None) -> None:
        if self.deleted_at is None:
            return
        self.deleted_at = None
        self.deleted_by = None
        self.save(actor=actor, audit_action=AuditAction.RESTORE)

    def set_m2m(self, field_name: str, objects, *, actor=None) -> None:
        """Replace a many-to-many set and audit the difference as one update row."""
        manager = getattr(self, field_name)
        old = {obj.pk: str(obj) for obj in manager.all()}
        new = {obj.pk: str(obj) for obj in objects}
        if set(old) == set(new):
            return
        with transaction.atomic():
            manager.set(list(objects))
            audit_event(
                obj=self, action=AuditAction.UPDATE, actor=actor, changes=m2m_changes(field_name, old, new)
            )


class RecordShare(models.Model):
    """One business record shared with one person beyond its owner's chain of command.

    One table for every kind of record, so "a rep sees their own and shared records" is one rule
    in core.permissions. Granting and revoking are audited on the record itself.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.BigIntegerField()
    person = models.ForeignKey("org.Person", on_delete=models.CASCADE, related_name="shares")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("shared record")
        verbose_name_plural = _("shared records")
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id", "person"], name="recordshare_unique")
        ]
        indexes = [models.Index(fields=["person", "content_type"], name="recordshare_person_idx")]

    def __str__(self) -> str:
        return f"{self.content_type.model}#{self.object_id} -> {self.person_id}"


class Notification(models.Model):
    """One message in a person's in-app inbox (also sent by email when asked)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40)  # e.g. lead_overdue: lets a list filter and group
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox_idx")
        ]

    def __str__(self) -> str:
        return self.title


class Sequence(models.Model):
    """A gap-free counter per key (e.g. ``SO-2026``) for document numbers.

    A number is taken inside the transaction that uses it, under a row lock: a rollback gives it
    back and two submits at once wait for each other, so numbers are unique and have no gaps.
    """

    key = models.CharField(max_length=40, unique=True)
    last_value = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")

    def __str__(self) -> str:
        return f"{self.key}: {self.last_value}"
