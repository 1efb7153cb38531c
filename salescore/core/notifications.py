"""The in-app inbox and e-mail: how the system tells people something needs them.

``notify`` writes one inbox row per recipient in the language active when it is called (a task
runs in the install's LANGUAGE_CODE), and sends the e-mail only after the transaction commits,
so a change that is rolled back tells nobody.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from salescore.core.models import Notification

logger = logging.getLogger(__name__)


def notify(
    *, users, kind: str, title: str, body: str = "", url: str = "", email: bool = True
) -> list[Notification]:
    """Put a message in each user's inbox (once per user) and e-mail those with an address."""
    recipients = {user.pk: user for user in users if user is not None and user.is_active}
    rows = Notification.objects.bulk_create(
        [
            Notification(recipient_id=pk, kind=kind, title=title[:200], body=body, url=url[:300])
            for pk in recipients
        ]
    )
    if email:
        addresses = {pk: u.email for pk, u in recipients.items() if u.email}
        if addresses:

            def send() -> None:
                link = f"\n\n{settings.SITE_URL.rstrip('/')}{url}" if url else ""
                for pk, address in addresses.items():
                    try:
                        send_mail(title, body + link, settings.DEFAULT_FROM_EMAIL, [address])
                    except Exception:  # a mail server hiccup must not undo the business change
                        logger.exception("could not e-mail %s", address)
                        continue
                    Notification.objects.filter(
                        recipient_id=pk, kind=kind, emailed_at__isnull=True, title=title[:200]
                    ).update(emailed_at=timezone.now())

            transaction.on_commit(send)
    return rows


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def inbox(user):
    return Notification.objects.filter(recipient=user)


def mark_read(*, user, ids=None) -> int:
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    return rows.update(read_at=timezone.now())
