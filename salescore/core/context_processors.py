from django.conf import settings
from django.utils.functional import SimpleLazyObject

from salescore.core.navigation import menu_for, menu_html
from salescore.core.notifications import unread_count
from salescore.core.permissions import access_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": [], "nav": {}, "access": None, "default_currency": settings.DEFAULT_CURRENCY}
    match = getattr(request, "resolver_match", None)
    return {
        # The layout shows ``nav`` (its menus as HTML, kept per capability set and language); the
        # entries themselves are read only by the few pages that look one up.
        "menu": SimpleLazyObject(lambda: menu_for(user, request.path)),
        "nav": menu_html(user, request.path, home_active=match is not None and match.url_name == "home"),
        "access": access_for(user),
        "default_currency": settings.DEFAULT_CURRENCY,
        # The authentication backend reads the count with the user; other logins (tests) count here.
        "unread_notifications": SimpleLazyObject(lambda: _unread(user)),
    }


def _unread(user) -> int:
    counted = getattr(user, "unread_notifications", None)
    return unread_count(user) if counted is None else counted
