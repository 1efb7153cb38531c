"""clean_values: the model's field validation on plain values gives exactly what clean_fields gives
on an instance (the same fields refused, the same messages, the same cleaned values), with or
without the batch memo."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from salescore.core.errors import ApplicationError
from salescore.core.services import clean_values, from_validation_error, validate_fields
from salescore.customers.models import Customer
from salescore.orders.models import OrderLine

CASES = [
    {"name": "杭州甲有限公司", "tier": "A", "kind": "company", "email": "a@example.com"},
    {"name": "", "tier": "Z"},  # required name, unknown tier
    {"name": "乙" * 201, "email": "not an email", "industry": "nonsense"},
    {"name": "丙有限公司", "credit_code": "X" * 19, "website": "w" * 201, "size": ""},
    {"name": "丁有限公司", "kind": "", "tier": ""},  # not blank-able: refused
    {"name": "戊有限公司", "phone": "1" * 33, "address": "地" * 301, "notes": "备注"},
    {"name": "甲" * 200, "address": "地" * 300, "phone": "1" * 32, "notes": "长" * 5000},  # at the limits
    {"name": 12345, "credit_code": None, "email": "  "},  # not text: Field.clean decides
]


def _by_clean_fields(values: dict, names: set[str]) -> dict[str, list[str]] | dict:
    customer = Customer(**values)
    exclude = [f.name for f in Customer._meta.fields if f.name not in names]
    try:
        customer.clean_fields(exclude=exclude)
    except ValidationError as exc:
        return from_validation_error(exc).fields
    return {}


def _by_clean_values(values: dict, names: set[str], memo=None) -> dict:
    try:
        clean_values(Customer, values, names, memo=memo)
    except ApplicationError as exc:
        return exc.fields
    return {}


@pytest.mark.parametrize("values", CASES)
def test_the_same_fields_are_refused_with_the_same_messages(values):
    names = set(values) | {"name"}
    expected = _by_clean_fields(values, names)
    assert _by_clean_values(values, names) == expected
    memo: dict = {}
    # Twice through one memo: a remembered answer is the answer.
    assert _by_clean_values(values, names, memo) == expected
    assert _by_clean_values(values, names, memo) == expected


def test_a_refused_choice_is_refused_on_every_row_of_a_batch():
    memo: dict = {}
    for _row in range(3):
        with pytest.raises(ApplicationError) as caught:
            clean_values(Customer, {"name": "甲", "tier": "Z"}, {"name", "tier"}, memo=memo)
        assert set(caught.value.fields) == {"tier"}
    assert clean_values(Customer, {"name": "甲", "tier": "A"}, {"name", "tier"}, memo=memo)["tier"] == "A"


@pytest.mark.django_db
def test_values_are_cleaned_like_clean_fields_and_validate_fields_sets_them():
    # A decimal typed as text comes back a Decimal, as clean_fields would set it.
    assert clean_values(OrderLine, {"quantity": "12.50"}, {"quantity"}) == {"quantity": Decimal("12.50")}
    line = OrderLine(quantity="3.2")
    validate_fields(line, ["quantity"])
    assert line.quantity == Decimal("3.2")
    with pytest.raises(ApplicationError) as caught:
        validate_fields(OrderLine(quantity="many"), ["quantity"])
    assert set(caught.value.fields) == {"quantity"}
