"""clean_values: the model's field validation on plain values gives exactly what clean_fields gives
on an instance (the same fields refused, the same messages, the same cleaned values), with or
without the batch memo."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from salescore.core.errors import ApplicationError
from salescore.core.services import clean_columns, clean_values, from_validation_error, validate_fields
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


# -- clean_columns: a batch checked column by column gives what clean_values gives row by row ---

EMAILS = [
    "a@example.com",
    "First.Last+tag@sub.example.co",
    "o'brien_x{y}|z~!#$%&*=?^`@example.cn",
    "用户@example.com",  # a local part outside ASCII: refused
    "ſ@example.com",  # matches [A-Z] ignoring case, as in Django's own pattern
    "\u212a@example.com",  # the Kelvin sign, likewise
    "user@例子.中国",  # IDN domain
    "user@bücher.de",
    "user@xn--fsqu00a.xn--fiqs8s",
    '"john doe"@example.com',  # quoted local part: Django accepts it
    '"a@b"@example.com',
    "user@[127.0.0.1]",  # address literal
    "user@[999.0.0.1]",
    "user@localhost",
    "a@b",
    "a..b@example.com",
    ".a@example.com",
    "a.@example.com",
    "a@-example.com",
    "a@example-.com",
    "a@example.c",
    "a@example.com.",
    "a@example..com",
    "a@@example.com",
    "a@example.com\n",
    " a@example.com",
    "a@example.com ",
    "a b@example.com",
    "@example.com",
    "a@",
    "plainaddress",
    "a@" + "l" * 63 + ".com",  # the longest label
    "a@" + "l" * 64 + ".com",
    "x" * 242 + "@example.com",  # 254 characters: the field's limit
    "x" * 243 + "@example.com",  # 255
    "x" * 309 + "@example.com",  # 321: over the validator's own limit too
    "",
    "   ",
]
TEXTS = [
    {"name": "甲" * 200, "address": "地" * 300, "phone": "1" * 32, "website": "w" * 200},
    {"name": "甲" * 201, "address": "地" * 301, "phone": "1" * 33, "website": "w" * 201},
    {"name": "", "address": "", "phone": "", "website": "", "notes": ""},
    {"name": "乙", "credit_code": "9" * 18, "notes": "长" * 10000},
    {"name": "乙", "credit_code": "9" * 19},
    {"name": " 前后空格 ", "address": "\t"},
    {"name": None, "phone": None},
    {"name": 12345, "phone": 13800138000},
]
CHOICES = [
    {"name": "丙", "kind": "company", "tier": "A", "industry": "it", "size": "", "source": "referral"},
    {"name": "丙", "kind": "", "tier": "", "industry": "", "size": "", "source": ""},
    {"name": "丙", "kind": "Company", "tier": "a", "industry": "IT", "size": "huge", "source": "展会"},
    {"name": "丙", "kind": None, "tier": "Z", "industry": None, "size": None},
    {"name": "丙", "tier": ["A"]},
]


def _batch() -> list[dict]:
    rows = [{"name": f"邮箱{i}有限公司", "email": email} for i, email in enumerate(EMAILS)]
    rows += TEXTS + CHOICES
    # Everything at once in one row, and the rows again in another order.
    rows.append({**TEXTS[1], **CHOICES[2], "email": "用户@example.com"})
    return rows + rows[::-1]


NAMES = {"name", "kind", "credit_code", "industry", "size", "tier", "address", "source"}
NAMES |= {"phone", "email", "website", "notes"}


def _row_by_row(rows: list[dict], memo=None) -> list:
    answers = []
    for row in rows:
        try:
            answers.append(clean_values(Customer, row, [n for n in NAMES if n in row], memo=memo))
        except ApplicationError as exc:
            answers.append(exc)
    return answers


def _same(answer, expected) -> None:
    if isinstance(expected, ApplicationError):
        assert isinstance(answer, ApplicationError)
        assert (answer.code, answer.message) == (expected.code, expected.message)
        assert list(answer.fields.items()) == list(expected.fields.items())  # in the same order
    else:
        assert answer == expected


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("with_memo", [False, True])
def test_columns_give_what_row_by_row_gives(language, with_memo):
    rows = _batch()
    with translation.override(language):
        expected = _row_by_row(rows, {} if with_memo else None)
        answers = clean_columns(Customer, rows, NAMES, memo={} if with_memo else None)
        for i, (row, outcome) in enumerate(zip(rows, expected, strict=True)):
            if i in answers:
                _same(answers[i], outcome)
            else:
                # Not answered: every value passes as it is.
                assert not isinstance(outcome, ApplicationError), row
                assert all(row[name] == value for name, value in outcome.items()), row
    refused = sum(isinstance(outcome, ApplicationError) for outcome in expected)
    assert 30 < refused < len(rows) - 20  # the batch really mixes good and bad rows


def test_the_plain_rows_are_not_cleaned_one_by_one(monkeypatch):
    """Only the rows a column check cannot pass go through clean_values (so Field.clean)."""
    from salescore.core import services

    cleaned_rows = []
    real = services.clean_values
    monkeypatch.setattr(
        services,
        "clean_values",
        lambda model, row, *a, **k: cleaned_rows.append(row) or real(model, row, *a, **k),
    )
    good = {"name": "丁有限公司", "tier": "A", "email": "buyer@example.cn", "phone": "0571-88886666"}
    bad = {"name": "戊有限公司", "tier": "A", "email": "not an email"}
    answers = clean_columns(Customer, [good, bad, dict(good)], NAMES, memo={})
    assert list(answers) == [1] and isinstance(answers[1], ApplicationError)
    assert cleaned_rows == [bad]


def test_random_addresses_are_judged_as_django_judges_them():
    """The e-mail column's regular expression passes only what Django's validator passes."""
    rng = random.Random(20261127)
    pieces = ["a", "Z", "0", ".", "-", "_", "+", "@", '"', " ", "例", "ü", "ſ", "[", "]", "1.2.3.4", "com"]
    pieces += ["xn--", "example", "localhost", "\n", "'", "~", "é", "ı", "\u212a"]
    rows = [
        {"name": "己", "email": "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 12)))}
        for _ in range(3000)
    ]
    rows += [{"name": "己", "email": f"{row['email']}@example.com"} for row in rows[:1000]]
    rows += [{"name": "己", "email": f"user@{row['email']}.cn"} for row in rows[:1000]]
    expected = _row_by_row(rows)
    answers = clean_columns(Customer, rows, NAMES)
    for i, outcome in enumerate(expected):
        if i in answers:
            _same(answers[i], outcome)
        else:
            assert not isinstance(outcome, ApplicationError), rows[i]
    assert sum(not isinstance(outcome, ApplicationError) for outcome in expected) > 200
