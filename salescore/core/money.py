"""Money: a Decimal amount with an ISO-4217 currency. Never a float, never a bare number."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale
from babel.numbers import format_currency, get_currency_precision
from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from salescore.core.errors import ApplicationError

MONEY_MAX_DIGITS = 18
MONEY_DECIMAL_PLACES = 2


@lru_cache(maxsize=4)
def _parsed_locale(name: str) -> Locale:
    return Locale.parse(name)


def _locale_name() -> str:
    language = (get_language() or settings.LANGUAGE_CODE).lower()
    return "zh_Hans_CN" if language.startswith("zh") else "en_US"


def _babel_locale() -> Locale:
    """The babel locale of the active language, parsed once (babel parses a name on every call:
    a third of formatting one amount, which a board does 200 times)."""
    return _parsed_locale(_locale_name())


# Amounts whose babel formatting the quick path must reproduce exactly before it is trusted:
# grouping, the sign, rounding half to even at the currency's precision, negative zero.
_PROBES = ("1234567.89", "-1234567.89", "2.675", "2.665", "0", "0.005", "-0.001", "999.995", "12")


@lru_cache(maxsize=64)
def _quick_format(locale_name: str, currency: str) -> tuple[str, str, int] | None:
    """(text before the number, text after it, decimal places) when babel's format of this
    currency in this locale is Python's ``{:,.Nf}`` between two fixed texts (checked on
    ``_PROBES``), else None. Babel takes about 20 us per amount, Python's format under 1 us: a
    board or a list formats a few hundred."""
    locale = _parsed_locale(locale_name)
    places = get_currency_precision(currency)
    sample = format_currency(Decimal(_PROBES[0]), currency, locale=locale)
    number = f"{Decimal(_PROBES[0]):,.{places}f}"
    if sample.count(number) != 1:
        return None
    prefix, suffix = sample.split(number)
    quick = (prefix, suffix, places)
    for probe in _PROBES:
        if _format_quick(Decimal(probe), quick) != format_currency(Decimal(probe), currency, locale=locale):
            return None
    return quick


def _format_quick(amount: Decimal, quick: tuple[str, str, int]) -> str:
    prefix, suffix, places = quick
    number = f"{amount:,.{places}f}"
    if number.startswith("-"):
        return f"-{prefix}{number[1:]}{suffix}"
    return f"{prefix}{number}{suffix}"


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str = "CNY"

    def __post_init__(self) -> None:
        if isinstance(self.amount, float):
            raise TypeError("Money never takes a float; pass a Decimal or a string.")
        if not isinstance(self.amount, Decimal):
            object.__setattr__(self, "amount", to_decimal(self.amount, field="amount"))
        if not (len(self.currency) == 3 and self.currency.isalpha() and self.currency.isupper()):
            raise ApplicationError(
                _("%(code)s is not an ISO-4217 currency code.") % {"code": self.currency},
                code="invalid_currency",
                fields={"currency": _("Use a three-letter code such as CNY.")},
            )

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise ApplicationError(
                _("Amounts in %(a)s and %(b)s cannot be combined.")
                % {"a": self.currency, "b": other.currency},
                code="currency_mismatch",
            )

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, float):
            raise TypeError("Money never takes a float; pass a Decimal.")
        return Money(self.amount * Decimal(factor), self.currency)

    def quantize(self) -> Money:
        """Round half up to the currency's minor unit (fen for CNY)."""
        places = get_currency_precision(self.currency)
        return Money(self.amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP), self.currency)

    def format(self) -> str:
        """The amount in the active language's format (babel's, for every currency)."""
        quick = _quick_format(_locale_name(), self.currency)
        if quick is not None and self.amount.is_finite():
            return _format_quick(self.amount, quick)
        return format_currency(self.amount, self.currency, locale=_babel_locale())

    def __str__(self) -> str:
        return self.format()


def to_decimal(value, *, field: str = "amount") -> Decimal:
    if isinstance(value, float):
        raise TypeError("Money never takes a float; pass a Decimal or a string.")
    try:
        result = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ApplicationError(
            _("%(value)s is not a number.") % {"value": value},
            code="invalid_number",
            fields={field: _("Enter an amount such as 1234.50.")},
        ) from None
    if not result.is_finite():
        raise ApplicationError(
            _("%(value)s is not a number.") % {"value": value},
            code="invalid_number",
            fields={field: _("Enter an amount such as 1234.50.")},
        )
    return result


def _validate_currency(value: str) -> None:
    from django.core.exceptions import ValidationError

    if not (len(value) == 3 and value.isalpha() and value.isupper()):
        raise ValidationError(_("Use a three-letter ISO-4217 code such as CNY."), code="invalid_currency")


class AmountField(models.DecimalField):
    """The amount half of a money pair; declare a ``CurrencyField`` beside it."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", MONEY_MAX_DIGITS)
        kwargs.setdefault("decimal_places", MONEY_DECIMAL_PLACES)
        super().__init__(*args, **kwargs)


class CurrencyField(models.CharField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("default", "CNY")
        kwargs.setdefault("validators", [_validate_currency])
        super().__init__(*args, **kwargs)
