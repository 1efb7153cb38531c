"""The quote PDF: both languages, CJK glyphs embedded, figures as on the quote."""

from __future__ import annotations

import re
import zlib

import pytest

from salescore.orders.pdf import quote_pdf
from salescore.orders.tests.factories import make_product, make_quote


def _text_streams(pdf: bytes) -> bytes:
    """The decompressed content streams (where the page text and font names are)."""
    chunks = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            chunks.append(zlib.decompress(match.group(1)))
        except zlib.error:
            chunks.append(match.group(1))
    return b"\n".join(chunks)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_quote_pdf_renders_with_an_embedded_cjk_font(cast, language):
    product = make_product(name="高精度数控机床", name_en="Precision CNC lathe")
    quote = make_quote(cast.rep_a, lines=[{"product": product.pk, "quantity": 3, "discount": "5"}])

    pdf = quote_pdf(quote, language=language)

    assert pdf.startswith(b"%PDF-")
    # The customer and product names are Chinese in both languages: a CJK font must be embedded.
    fonts = re.findall(rb"/BaseFont\s*/[A-Z]{6}\+([\w-]+)", _text_streams(pdf))
    assert any(b"CJK" in font for font in fonts), f"no CJK font embedded: {fonts}"
    assert len(pdf) > 5_000


def test_quote_pdf_unknown_language_falls_back_to_chinese(cast):
    quote = make_quote(cast.rep_a)
    assert quote_pdf(quote, language="xx").startswith(b"%PDF-")


def test_quote_pdf_page_is_scoped(cast, client_as):
    quote = make_quote(cast.rep_a)

    response = client_as(cast.rep_a).get(f"/quotes/{quote.pk}/pdf/?lang=en")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"{quote.number}-v1-en.pdf" in response["Content-Disposition"]

    assert client_as(cast.rep_b).get(f"/quotes/{quote.pk}/pdf/").status_code == 404
    assert client_as(cast.lead_a).get(f"/quotes/{quote.pk}/pdf/").status_code == 200
