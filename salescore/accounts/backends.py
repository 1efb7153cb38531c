from django.contrib.auth.backends import ModelBackend
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce


class LockoutModelBackend(ModelBackend):
    """The model backend, refusing accounts that are locked after repeated failures."""

    def user_can_authenticate(self, user) -> bool:
        if getattr(user, "is_locked", False):
            return False
        return super().user_can_authenticate(user)

    def get_user(self, user_id):
        """The signed-in user of a request, read with what every page needs of them in the same
        query: their person and unit (core.permissions.access_for) and their unread notifications
        (the bell in the header)."""
        from salescore.core.models import Notification

        unread = (
            Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
            .order_by()
            .values("recipient")
            .annotate(n=Count("pk"))
            .values("n")
        )
        users = self.user_model_queryset().select_related("person__org_unit")
        users = users.annotate(
            unread_notifications=Coalesce(Subquery(unread, output_field=IntegerField()), 0)
        )
        user = users.filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None

    def user_model_queryset(self):
        from django.contrib.auth import get_user_model

        return get_user_model()._default_manager.all()
