"""Who a customer is: the unified social credit code, name keys for duplicate search, masking."""

from __future__ import annotations

import operator
import re

# GB 32100-2015: 18 characters from this alphabet (no I, O, S, V, Z); the last is a check character.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


_CREDIT_CODE_VALUE = {ch: value for value, ch in enumerate(CREDIT_CODE_ALPHABET)}
# 18 characters of the alphabet: the form of a code, its check character aside.
_CREDIT_CODE_FORM = re.compile(f"[{CREDIT_CODE_ALPHABET}]{{18}}")
_SPACES = re.compile(r"\s+")


def credit_code_check_char(first17: str) -> str:
    if len(first17) != len(CREDIT_CODE_WEIGHTS):
        raise ValueError("the check character is computed from 17 characters")
    try:
        total = sum(map(operator.mul, map(_CREDIT_CODE_VALUE.__getitem__, first17), CREDIT_CODE_WEIGHTS))
    except KeyError:
        raise ValueError(f"{first17!r} has a character outside the code's alphabet") from None
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """None when ``code`` is a valid unified social credit code, else what is wrong (English key)."""
    if not _CREDIT_CODE_FORM.fullmatch(code):
        return "length" if len(code) != 18 else "characters"
    if credit_code_check_char(code[:17]) != code[17]:
        return "check"
    return None


def normalize_credit_code(code: str) -> str:
    return _SPACES.sub("", code or "").upper()


# Legal-form suffixes that make two spellings of one company look different.
_SUFFIXES = [
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "有限公司",
    "集团公司",
    "分公司",
    "集团",
    "公司",
    "co., ltd.",
    "co.,ltd.",
    "co. ltd.",
    "co ltd",
    "company limited",
    "limited",
    "ltd.",
    "ltd",
    "inc.",
    "inc",
    "corporation",
    "corp.",
    "corp",
    "group",
    "llc",
    "gmbh",
]
_ANY_SUFFIX = tuple(_SUFFIXES)
# After the i-th suffix: any of the later ones.
_LATER_SUFFIXES = [tuple(_SUFFIXES[i + 1 :]) for i in range(len(_SUFFIXES))]
_PUNCTUATION = re.compile(r"[\s\.,，。()（）\-_·&/]+")


def name_key(name: str) -> str:
    """The comparable core of a company name: lower case, no punctuation, no legal-form suffix."""
    key = (name or "").strip().lower()
    changed = True
    while changed and key.endswith(_ANY_SUFFIX):  # one call rules out a pass that changes nothing
        changed = False
        for i, suffix in enumerate(_SUFFIXES):
            if key.endswith(suffix) and len(key) > len(suffix):
                key = key[: -len(suffix)].rstrip(" ,.")
                changed = True
                if not key.endswith(_LATER_SUFFIXES[i]):  # the rest of the pass changes nothing
                    break
    return _PUNCTUATION.sub("", key)


_NOT_DIGITS = re.compile(r"\D")


def normalize_phone(phone: str) -> str:
    """Digits only, without a +86/0086 prefix, so '138 0013 8000' and '+86-13800138000' match."""
    digits = _NOT_DIGITS.sub("", phone or "")
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11:
            return digits[len(prefix) :]
    return digits


def mask_phone(phone: str) -> str:
    if not phone:
        return ""
    digits = normalize_phone(phone)  # so +86 does not stand in for the number's first digits
    if len(digits) < 7:
        return "*" * len(phone)
    return f"{digits[:3]}****{digits[-4:]}"


def mask_email(email: str) -> str:
    if not email or "@" not in email:
        return "*" * len(email or "")
    local, domain = email.split("@", 1)
    return f"{local[:1]}***@{domain}"


def mask_value(field: str, value: str) -> str:
    """What someone who may not see ``field`` in full sees of it: the one masking rule for contact
    data on contacts and leads (R3.8). Emails keep their domain, phones their first 3 and last 4
    digits, anything else (WeChat) its first character."""
    if not value:
        return ""
    if "email" in field:
        return mask_email(value)
    if "phone" in field or "mobile" in field:
        return mask_phone(value)
    return value[:1] + "***"
