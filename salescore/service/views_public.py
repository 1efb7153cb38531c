"""The customer's public pages (no login, no navigation): report a problem through their service
link, rate the service through a rating link. Bilingual: ``?lang=en`` / ``?lang=zh-hans``, else
the browser's Accept-Language (LocaleMiddleware).

A link that does not exist or was revoked answers 404 with a page of its own: the customer sees
no part of the staff site.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone, translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from salescore.core.errors import ApplicationError
from salescore.core.web import form_error
from salescore.service import services
from salescore.service.forms import PublicReportForm, RatingForm
from salescore.service.models import Rating

LANGUAGES = {code for code, _name in settings.LANGUAGES}


def _language(view):
    """Serve the page in the language of ?lang= when it names one we have."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        lang = request.GET.get("lang") or request.POST.get("lang")
        if lang in LANGUAGES:
            with translation.override(lang):
                request.LANGUAGE_CODE = lang
                response = view(request, *args, **kwargs)
                if hasattr(response, "render"):
                    response.render()
                return response
        return view(request, *args, **kwargs)

    return wrapper


def _lang(request) -> str:
    lang = request.GET.get("lang") or request.POST.get("lang")
    return lang if lang in LANGUAGES else ""


def _gone(request, message: str = ""):
    return render(
        request, "service/public/invalid.html", {"message": message, "lang": _lang(request)}, status=404
    )


@never_cache
@csrf_protect
@_language
def report(request, token: str):
    customer = services.customer_for_link(token)
    if customer is None:
        return _gone(request)
    form = PublicReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = services.ticket_open_public(token=token, **form.cleaned_data)
        except ApplicationError as exc:
            if exc.status == 404:
                return _gone(request)
            form_error(form, exc)
        else:
            return render(
                request,
                "service/public/report_done.html",
                {"customer": customer, "ticket": ticket, "lang": _lang(request), "token": token},
            )
    return render(
        request,
        "service/public/report.html",
        {"customer": customer, "form": form, "lang": _lang(request), "token": token},
    )


@never_cache
@csrf_protect
@_language
def rate(request, token: str):
    rating = Rating.objects.filter(token=token).select_related("customer", "ticket").first()
    if rating is None:
        return _gone(request)
    form = RatingForm(request.POST or None)
    state = None
    if rating.answered_at is not None:
        state = "answered"
    elif rating.expires_at < timezone.now():
        state = "expired"
    elif request.method == "POST" and form.is_valid():
        try:
            services.rating_answer(token=token, **form.cleaned_data)
        except ApplicationError as exc:
            if exc.code in ("answered", "expired"):
                state = exc.code
            else:
                form_error(form, exc)
        else:
            state = "thanks"
    return render(
        request,
        "service/public/rate.html",
        {"rating": rating, "form": form, "state": state, "lang": _lang(request), "token": token},
    )
