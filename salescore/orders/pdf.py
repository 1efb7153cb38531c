"""The quote as a PDF in Chinese or English (WeasyPrint; CJK text needs a CJK font on the
machine: `make setup` installs Noto CJK where it is missing)."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal
from django.template.loader import render_to_string
from django.utils import timezone, translation

from salescore.orders.models import Quote

LANGUAGES = ("zh-hans", "en")


def _amount(value: Decimal, language: str) -> str:
    locale = "zh_Hans_CN" if language.startswith("zh") else "en_US"
    return format_decimal(value, format="#,##0.00", locale=locale)


def quote_pdf(quote: Quote, *, language: str = "zh-hans") -> bytes:
    """Render ``quote`` (with its lines, customer, owner loaded) as PDF bytes."""
    from weasyprint import HTML  # imported here: loading Pango is slow and only PDFs need it

    from salescore.org.models import OrgUnit

    language = language if language in LANGUAGES else "zh-hans"
    with translation.override(language):
        company = OrgUnit.objects.filter(kind=OrgUnit.Kind.COMPANY).order_by("pk").first()
        lines = list(quote.lines.select_related("product"))
        html = render_to_string(
            "orders/pdf/quote.html",
            {
                "quote": quote,
                "company": company,
                "lines": [
                    {
                        "line": line,
                        "list_price": _amount(line.list_price, language),
                        "unit_price": _amount(line.unit_price, language),
                        "net_amount": _amount(line.net_amount, language),
                        "discount": f"{line.discount.normalize():f}",
                        "tax_rate": f"{line.tax_rate.normalize():f}",
                        "quantity": f"{line.quantity.normalize():f}",
                    }
                    for line in lines
                ],
                "totals": {
                    name: _amount(getattr(quote, name), language)
                    for name in ("list_total", "discount_total", "net_total", "tax_total", "total")
                },
                "issued": timezone.localdate(),
                "language": language,
            },
        )
    return HTML(string=html).write_pdf()
