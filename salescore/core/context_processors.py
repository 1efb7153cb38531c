from django.conf import settings
from django.utils.functional import SimpleLazyObject

from salescore.core.navigation import menu_for
from salescore.core.notifications import unread_count
from salescore.core.permissions import access_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": [], "access": None, "default_currency": settings.DEFAULT_CURRENCY}
    return {
        "menu": menu_for(user, request.path),
        "access": access_for(user),
        "default_currency": settings.DEFAULT_CURRENCY,
        # The authentication backend reads the count with the user; other logins (tests) count here.
        "unread_notifications": SimpleLazyObject(lambda: _unread(user)),
    }


def _unread(user) -> int:
    counted = getattr(user, "unread_notifications", None)
    return unread_count(user) if counted is None else counted
