"""The quote as a PDF, in the language asked for (?lang=zh-hans or en; default: the page's)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from salescore.core.permissions import get_in_scope
from salescore.orders.models import Quote
from salescore.orders.pdf import LANGUAGES, quote_pdf


@login_required
@require_GET
def quote_pdf_view(request, pk: int):
    quote = get_in_scope(Quote.objects.select_related("customer", "contact", "owner"), request.user, pk)
    language = request.GET.get("lang") or (get_language() or "zh-hans").lower()
    language = language if language in LANGUAGES else "zh-hans"
    response = HttpResponse(quote_pdf(quote, language=language), content_type="application/pdf")
    suffix = "" if language == "zh-hans" else f"-{language}"
    response["Content-Disposition"] = f'inline; filename="{quote.number}-v{quote.revision}{suffix}.pdf"'
    return response
