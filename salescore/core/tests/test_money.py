from decimal import Decimal

import pytest
from django.utils import translation

from salescore.core.errors import ApplicationError
from salescore.core.money import Money, to_decimal
from salescore.core.templatetags.salescore import money as money_filter


def test_money_refuses_floats():
    with pytest.raises(TypeError):
        Money(0.1)
    with pytest.raises(TypeError):
        Money(Decimal("1.00")) * 1.5


def test_money_adds_in_decimal_without_float_error():
    total = Money("0.10") + Money("0.20")
    assert total.amount == Decimal("0.30")
    assert total.currency == "CNY"


def test_money_refuses_mixing_currencies():
    with pytest.raises(ApplicationError) as exc:
        Money("1", "CNY") + Money("1", "USD")
    assert exc.value.code == "currency_mismatch"


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("2.345", "2.35"), ("2.344", "2.34"), ("-2.345", "-2.35"), ("0.005", "0.01")],
)
def test_quantize_rounds_half_up_to_the_fen(amount, expected):
    assert Money(amount).quantize().amount == Decimal(expected)


def test_yen_has_no_minor_unit():
    assert Money("100.5", "JPY").quantize().amount == Decimal("101")


def test_bad_currency_code_names_the_field():
    with pytest.raises(ApplicationError) as exc:
        Money("1", "yuan")
    assert exc.value.fields == {"currency": exc.value.fields["currency"]}
    assert exc.value.code == "invalid_currency"


@pytest.mark.parametrize("raw", ["abc", "NaN", "Infinity", ""])
def test_to_decimal_rejects_non_numbers(raw):
    with pytest.raises(ApplicationError) as exc:
        to_decimal(raw, field="amount")
    assert "amount" in exc.value.fields


def test_to_decimal_accepts_thousands_separators():
    assert to_decimal("1,234.50") == Decimal("1234.50")


def test_money_is_formatted_for_the_active_language():
    amount = Money("1234567.8")
    with translation.override("zh-hans"):
        assert amount.format() == "¥1,234,567.80"
    with translation.override("en"):
        assert amount.format() == "CN¥1,234,567.80"
    with translation.override("en"):
        assert money_filter("12.5", "USD") == "$12.50"
    assert money_filter(None) == "—"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("currency", ["CNY", "USD", "EUR", "HKD", "JPY", "KWD", "GBP", "TWD"])
def test_the_quick_format_is_babels_to_the_character(language, currency):
    """Amounts are formatted by Python's number format between the currency's texts once that
    reproduces babel for the pair; every amount here must come out exactly as babel has it."""
    import random

    from babel.numbers import format_currency

    from salescore.core.money import _babel_locale

    rng = random.Random(2026)
    amounts = [Decimal("0"), Decimal("-0.004"), Decimal("0.125"), Decimal("0.135"), Decimal("-999999.995")]
    amounts += [Decimal(rng.randint(-(10**12), 10**12)).scaleb(-rng.randint(0, 4)) for _ in range(400)]
    with translation.override(language):
        for amount in amounts:
            expected = format_currency(amount, currency, locale=_babel_locale())
            assert Money(amount, currency).format() == expected, amount


def test_a_currency_babel_writes_otherwise_keeps_babels_format(monkeypatch):
    """When the quick format would differ from babel on its probes, babel formats the amounts."""
    from salescore.core import money

    money._quick_format.cache_clear()
    monkeypatch.setattr(money, "_PROBES", ("1234.5", "-1234.5"))
    monkeypatch.setattr(money, "_format_quick", lambda amount, quick: "wrong")
    try:
        with translation.override("en"):
            assert Money("1234.5", "USD").format() == "$1,234.50"
    finally:
        money._quick_format.cache_clear()
