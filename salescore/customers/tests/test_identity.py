"""Who a customer is: credit-code checks, name keys, phone normalisation and masking (no database)."""

from __future__ import annotations

import pytest

from salescore.customers.identity import (
    CREDIT_CODE_ALPHABET,
    credit_code_check_char,
    credit_code_problem,
    mask_email,
    mask_phone,
    name_key,
    normalize_credit_code,
    normalize_phone,
)

# Published codes of real registrations; each is checked against the algorithm before use.
KNOWN_VALID = ["91350100M000100Y43", "91110000600037341L", "91440300708461136T", "914403001922038216"]


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_known_codes_are_valid(code):
    assert credit_code_check_char(code[:17]) == code[17]
    assert credit_code_problem(code) is None


def test_check_char_covers_the_whole_alphabet():
    # GB 32100-2015: the check character is 31 - (weighted sum mod 31), and 31 maps to 0.
    seen = {credit_code_check_char(f"9111000060003{n:04d}") for n in range(2000)}
    assert seen == set(CREDIT_CODE_ALPHABET)


@pytest.mark.parametrize("code", ["", "9135010", "91350100M000100Y4", "91350100M000100Y433"])
def test_wrong_length(code):
    assert credit_code_problem(code) == "length"


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
def test_forbidden_letters(letter):
    code = "91350100M000100Y43"
    assert credit_code_problem(code[:8] + letter + code[9:]) == "characters"


def test_lower_case_is_a_character_problem_until_normalised():
    assert credit_code_problem("91350100m000100y43") == "characters"
    assert normalize_credit_code(" 9135 0100m000100y43\t") == "91350100M000100Y43"
    assert normalize_credit_code(None) == ""


def test_wrong_check_char():
    code = "91350100M000100Y43"
    wrong = "4" if code[17] != "4" else "5"
    assert credit_code_problem(code[:17] + wrong) == "check"
    # a transposition of two body characters is caught too
    assert credit_code_problem("91350100M000100Y34") == "check"


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("厦门测试有限公司", "厦门测试"),
        ("厦门测试股份有限公司", "厦门测试"),
        ("厦门测试有限责任公司", "厦门测试"),
        ("厦门测试（集团）有限公司", "厦门测试集团"),
        ("  厦门 测试 ", "厦门测试"),
        ("Acme Trading Co., Ltd.", "acmetrading"),
        ("ACME TRADING CO.,LTD.", "acmetrading"),
        ("Acme Trading Company Limited", "acmetrading"),
        ("Acme Trading", "acmetrading"),
        ("", ""),
    ],
)
def test_name_key_strips_legal_form_and_punctuation(name, key):
    assert name_key(name) == key


def test_name_key_keeps_a_name_that_is_only_a_suffix():
    assert name_key("公司") == "公司"
    assert name_key("Ltd") == "ltd"


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("13800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("+86-13800138000", "13800138000"),
        ("0086 13800138000", "13800138000"),
        ("010-8888 6666", "01088886666"),
        ("8613800", "8613800"),  # too short to carry a country code: left alone
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_phone(raw, normal):
    assert normalize_phone(raw) == normal


def test_mask_phone():
    assert mask_phone("13800138000") == "138****8000"
    # the country code is not shown as if it were the start of the number
    assert mask_phone("+86 138 0013 8000") == "138****8000"
    assert mask_phone("010-8888 6666") == "010****6666"
    assert mask_phone("123") == "***"
    assert mask_phone("") == ""


def test_mask_email():
    assert mask_email("zhang.san@example.com") == "z***@example.com"
    assert mask_email("no-at-sign") == "**********"
    assert mask_email("") == ""
