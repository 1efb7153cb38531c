"""Signing in, lockout and personal API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from salescore.accounts.models import ApiToken, User
from salescore.core.errors import ApplicationError
from salescore.core.models import AuditAction, audit_event

TOKEN_PREFIX = "sc_"  # noqa: S105  (a label, not a secret)


def login_authenticate(*, request, username: str, password: str) -> User:
    """Check a sign-in, counting failures and locking the account after too many in a row."""
    username = (username or "").strip()
    user = User.objects.filter(username__iexact=username).first() if username else None
    if user is not None and user.is_locked:
        raise ApplicationError(
            _("This account is locked after repeated failed sign-ins. Try again after %(time)s.")
            % {"time": formats.time_format(timezone.localtime(user.locked_until), "H:i")},
            code="account_locked",
        )
    authenticated = authenticate(request, username=user.username if user else username, password=password)
    if authenticated is None:
        if user is not None:
            _record_failure(user)
        raise ApplicationError(_("The username or password is not correct."), code="invalid_credentials")
    if authenticated.failed_logins:
        User.objects.filter(pk=authenticated.pk).update(failed_logins=0, locked_until=None)
    audit_event(obj=authenticated, action=AuditAction.LOGIN, actor=authenticated)
    return authenticated


@transaction.atomic
def _record_failure(user: User) -> None:
    User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
    user.refresh_from_db(fields=["failed_logins"])
    audit_event(
        obj=user,
        action=AuditAction.LOGIN_FAILED,
        actor=None,
        changes={"failed_logins": {"old": user.failed_logins - 1, "new": user.failed_logins}},
    )
    if user.failed_logins >= settings.LOGIN_MAX_FAILURES:
        until = timezone.now() + dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
        User.objects.filter(pk=user.pk).update(locked_until=until, failed_logins=0)
        audit_event(
            obj=user,
            action=AuditAction.LOCKED,
            actor=None,
            changes={"locked_until": {"old": None, "new": until.isoformat()}},
        )


@transaction.atomic
def user_unlock(*, user: User, actor: User) -> None:
    from salescore.core.permissions import Cap, require

    require(actor, Cap.ACCOUNTS_UNLOCK)
    if not user.is_locked and not user.failed_logins:
        return
    old = user.locked_until
    User.objects.filter(pk=user.pk).update(locked_until=None, failed_logins=0)
    user.locked_until, user.failed_logins = None, 0
    audit_event(
        obj=user,
        action=AuditAction.UNLOCKED,
        actor=actor,
        changes={"locked_until": {"old": old.isoformat() if old else None, "new": None}},
    )


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str, expires_in_days: int | None = None) -> tuple[ApiToken, str]:
    """Create a token and return it with its plain text, which is never stored or shown again."""
    name = (name or "").strip()
    if not name:
        raise ApplicationError(
            _("Give the token a name so you can recognise it later."),
            code="required",
            fields={"name": _("This field is required.")},
        )
    if len(name) > 100:
        raise ApplicationError(
            _("The name is too long."),
            code="too_long",
            fields={"name": _("Use at most 100 characters.")},
        )
    if expires_in_days is not None and not 1 <= expires_in_days <= 3650:
        raise ApplicationError(
            _("A token expires after 1 to 3650 days."),
            code="out_of_range",
            fields={"expires_in_days": _("Use a number from 1 to 3650.")},
        )
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    plain = f"{TOKEN_PREFIX}{prefix}_{secret}"
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=prefix,
        token_hash=_hash(plain),
        expires_at=timezone.now() + dt.timedelta(days=expires_in_days) if expires_in_days else None,
    )
    audit_event(
        obj=user,
        action=AuditAction.TOKEN_CREATED,
        actor=user,
        changes={"token": {"old": None, "new": str(token)}},
    )
    return token, plain


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User) -> None:
    if token.revoked_at is not None:
        return
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_event(
        obj=token.user,
        action=AuditAction.TOKEN_REVOKED,
        actor=actor,
        changes={"token": {"old": str(token), "new": None}},
    )


def api_token_authenticate(plain: str) -> User | None:
    """The user behind a bearer token, or None. Compares hashes in constant time."""
    if not plain or not plain.startswith(TOKEN_PREFIX):
        return None
    prefix = plain[len(TOKEN_PREFIX) :].split("_", 1)[0]
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None or not token.is_active or not token.user.is_active:
        return None
    if not hmac.compare_digest(token.token_hash, _hash(plain)):
        return None
    now = timezone.now()
    # Touch last-used at most once a minute: a busy script should not write on every call.
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
