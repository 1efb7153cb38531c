import contextlib
import json

from django.http import JsonResponse
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import gettext

from salescore.core.audit import audit_context

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # htmx and ECharts set element styles at run time.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)


class SecurityHeadersMiddleware(MiddlewareMixin):
    """Headers Django's SecurityMiddleware does not set."""

    def process_response(self, request, response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


class AuditContextMiddleware:
    """Stamps every audit row written during a request with its origin, IP and user agent."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        origin = "api" if request.path.startswith("/api/") else "web"
        with audit_context(
            origin=origin,
            request=request,
            ip=request.META.get("REMOTE_ADDR"),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        ):
            return self.get_response(request)


# Marks an htmx answer that carries a refusal to show (htmx_error.html): app.js swaps it in,
# where htmx by itself leaves a 4xx answer out and the user would see nothing happen.
HTMX_ERROR_HEADER = "X-SalesCore-Error"


class ApplicationErrorMiddleware(MiddlewareMixin):
    """A refused action on a page shows the translated reason instead of a bare error page."""

    def process_exception(self, request, exception):
        from django.shortcuts import render

        from salescore.core.errors import ApplicationError

        if request.path.startswith("/api/") or not isinstance(exception, ApplicationError):
            return None
        if request.headers.get("HX-Request"):
            response = render(request, "htmx_error.html", {"error": exception}, status=exception.status)
            response[HTMX_ERROR_HEADER] = exception.code
            return response
        return render(request, "error.html", {"error": exception}, status=exception.status)


class HtmxLoginRedirectMiddleware(MiddlewareMixin):
    """An htmx request whose session has ended is sent to the sign-in page as a whole page, back to
    the page the user was on afterwards. The browser would follow the redirect itself and htmx
    would put the sign-in page inside the fragment it asked for (a board column, a table)."""

    def process_response(self, request, response):
        from urllib.parse import urlencode, urlsplit

        from django.conf import settings
        from django.http import HttpResponse
        from django.shortcuts import resolve_url

        if not request.headers.get("HX-Request") or response.status_code not in (301, 302):
            return response
        login = resolve_url(settings.LOGIN_URL)
        if urlsplit(response["Location"]).path != login:
            return response
        # Back to the page itself (its path and query only), not to the fragment's URL.
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        back = (current.path or "/") + (f"?{current.query}" if current.query else "")
        redirected = HttpResponse(status=204)
        redirected["HX-Redirect"] = f"{login}?{urlencode({'next': back})}"
        return redirected


class ApiErrorShapeMiddleware(MiddlewareMixin):
    """API errors that Django or ninja answer by themselves (an unknown URL, a method the endpoint
    does not take) leave in the same JSON shape as every other API error."""

    def process_response(self, request, response):
        if not request.path.startswith("/api/") or response.status_code not in (404, 405):
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        if response.status_code == 404:
            code, message = "not_found", gettext("Not found.")
        else:
            code = "method_not_allowed"
            message = gettext("This endpoint does not accept %(method)s.") % {"method": request.method}
        shaped = JsonResponse({"code": code, "message": message, "fields": {}}, status=response.status_code)
        if response.has_header("Allow"):
            shaped["Allow"] = response["Allow"]
        return shaped


def _nul_paths(value, path: tuple = ()):
    """The dotted names of the strings (keys or values) in parsed JSON that hold a NUL character."""
    if isinstance(value, str):
        if "\x00" in value:
            yield ".".join(map(str, path)) or "__all__"
    elif isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in str(key):
                yield ".".join(map(str, (*path, key))) or "__all__"
            else:
                yield from _nul_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_paths(item, (*path, index))


class ApiNulCharacterMiddleware(MiddlewareMixin):
    """An API request whose path, query or JSON body holds a NUL character is a 422 naming the
    field. PostgreSQL cannot store or even compare such text, so it would otherwise reach the
    database and fail there (a 500) wherever the value is filtered on or saved."""

    def process_request(self, request):
        if not request.path.startswith("/api/"):
            return None
        fields = []
        if "\x00" in request.path:
            fields.append("path")
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in v for v in values):
                fields.append(name.replace("\x00", "") or "__all__")
        if request.content_type == "application/json":
            body = request.body
            if b"\x00" in body or b"\\u0000" in body:
                with contextlib.suppress(ValueError):  # not JSON: the API answers that itself
                    fields.extend(_nul_paths(json.loads(body)))
        if not fields:
            return None
        fields = list(dict.fromkeys(fields))
        why = gettext("Text cannot contain the NUL character (code 0).")
        return JsonResponse(
            {
                "code": "validation_error",
                "message": gettext("Some fields are not valid: %(fields)s.") % {"fields": ", ".join(fields)},
                "fields": dict.fromkeys(fields, why),
            },
            status=422,
        )
