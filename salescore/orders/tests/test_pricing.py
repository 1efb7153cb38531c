"""Line and document arithmetic (orders.pricing): half-up at the fen, once per amount, at the line.
Every expected value below is worked out by hand in the comment beside it."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from salescore.orders.pricing import document_totals, effective_discount, money, price_line


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10.005", "10.01"),  # exactly half a fen: up (banker's rounding would keep 10.00)
        ("10.0049", "10.00"),
        ("10.015", "10.02"),
        ("87.645", "87.65"),  # half-even would give 87.64
        ("0.005", "0.01"),
        ("0.004999", "0.00"),
        ("-0.005", "-0.01"),  # half away from zero
    ],
)
def test_money_rounds_half_up_at_the_fen(value, expected):
    assert money(D(value)) == D(expected)


def test_unit_price_from_a_discount():
    # 10000.00 less 7.5% = 9250.00; 3 units = 27750.00; 13% tax = 3607.50
    line = price_line(list_price=D("10000"), quantity=D("3"), tax_rate=D("13"), discount=D("7.5"))
    assert (line.unit_price, line.discount) == (D("9250.00"), D("7.5"))
    assert (line.list_amount, line.net_amount, line.tax_amount, line.total) == (
        D("30000.00"),
        D("27750.00"),
        D("3607.50"),
        D("31357.50"),
    )


def test_unit_price_from_a_discount_rounds_half_up():
    # 100.00 x (100 - 12.355)% = 87.645 -> 87.65
    line = price_line(list_price=D("100"), quantity=D("1"), tax_rate=D("0"), discount=D("12.355"))
    assert line.unit_price == D("87.65")


def test_discount_from_a_unit_price():
    # (3.00 - 2.00) / 3.00 = 33.3333...% -> 33.3333 (4 places)
    line = price_line(list_price=D("3"), quantity=D("1"), tax_rate=D("13"), unit_price=D("2"))
    assert (line.unit_price, line.discount) == (D("2.00"), D("33.3333"))
    # (3.00 - 1.00) / 3.00 = 66.6666...% -> 66.6667 (half-up at the 4th place)
    line = price_line(list_price=D("3"), quantity=D("1"), tax_rate=D("13"), unit_price=D("1"))
    assert line.discount == D("66.6667")


def test_a_given_unit_price_wins_over_a_discount():
    line = price_line(
        list_price=D("100"), quantity=D("1"), tax_rate=D("13"), discount=D("50"), unit_price=D("90")
    )
    assert (line.unit_price, line.discount) == (D("90.00"), D("10.0000"))


def test_the_unit_price_is_rounded_to_the_fen_before_multiplying():
    # 33.333 -> 33.33; 3 x 33.33 = 99.99 (not 99.999 -> 100.00); 13% of 99.99 = 12.9987 -> 13.00
    line = price_line(list_price=D("40"), quantity=D("3"), tax_rate=D("13"), unit_price=D("33.333"))
    assert (line.unit_price, line.net_amount, line.tax_amount, line.total) == (
        D("33.33"),
        D("99.99"),
        D("13.00"),
        D("112.99"),
    )


def test_tax_is_rounded_per_line_half_up():
    # 0.50 x 13% = 0.065 -> 0.07 (half-even would give 0.06)
    line = price_line(list_price=D("0.50"), quantity=D("1"), tax_rate=D("13"))
    assert (line.net_amount, line.tax_amount, line.total) == (D("0.50"), D("0.07"), D("0.57"))
    # 1.5 x 33.33 = 49.995 -> 50.00; 6% of 50.00 = 3.00
    line = price_line(list_price=D("33.33"), quantity=D("1.5"), tax_rate=D("6"))
    assert (line.net_amount, line.tax_amount) == (D("50.00"), D("3.00"))
    # no tax
    line = price_line(list_price=D("99.99"), quantity=D("2"), tax_rate=D("0"))
    assert (line.tax_amount, line.total) == (D("0.00"), D("199.98"))


def test_a_free_product_has_no_discount():
    line = price_line(list_price=D("0"), quantity=D("2"), tax_rate=D("13"), unit_price=D("0"))
    assert (line.discount, line.total) == (D("0"), D("0.00"))


def test_document_totals_are_the_sums_of_the_rounded_lines():
    # Three lines of 1 x 33.33 at 13%: each tax 4.3329 -> 4.33, so the tax is 12.99 and the total
    # 112.98, one fen less than one line of 3 x 33.33 (tax 13.00): the printed lines add up.
    lines = [
        price_line(list_price=D("40"), quantity=D("1"), tax_rate=D("13"), unit_price=D("33.333"))
        for _ in range(3)
    ]
    totals = document_totals(lines)
    assert (totals.list_total, totals.discount_total, totals.net_total, totals.tax_total, totals.total) == (
        D("120.00"),
        D("20.01"),
        D("99.99"),
        D("12.99"),
        D("112.98"),
    )
    assert totals.total == sum(line.total for line in lines)
    single = price_line(list_price=D("40"), quantity=D("3"), tax_rate=D("13"), unit_price=D("33.333"))
    assert document_totals([single]).total == D("112.99")


def test_document_totals_of_mixed_lines():
    lines = [
        # 2 x 10000.00 less 5% = 19000.00, tax 13% = 2470.00
        price_line(list_price=D("10000"), quantity=D("2"), tax_rate=D("13"), discount=D("5")),
        # 0.005 boundary: 1 x 0.05 at 10% tax = 0.005 -> 0.01
        price_line(list_price=D("0.05"), quantity=D("1"), tax_rate=D("10")),
        # priced above list: no negative discount in the totals
        price_line(list_price=D("10"), quantity=D("1"), tax_rate=D("0"), unit_price=D("12")),
    ]
    totals = document_totals(lines)
    assert totals.list_total == D("20010.05")  # 20000.00 + 0.05 + 10.00
    assert totals.net_total == D("19012.05")  # 19000.00 + 0.05 + 12.00
    assert totals.tax_total == D("2470.01")
    assert totals.total == D("21482.06")
    assert totals.discount_total == D("998.00")  # 20010.05 - 19012.05
    assert document_totals([]).total == D("0.00")


def test_effective_discount_is_exact():
    assert effective_discount(list_price=D("3.00"), unit_price=D("2.00")) == D(100) / D(3)
    assert effective_discount(list_price=D("100"), unit_price=D("95")) == D("5")
    assert effective_discount(list_price=D("100"), unit_price=D("120")) == D("0")
    assert effective_discount(list_price=D("0"), unit_price=D("0")) == D("0")
