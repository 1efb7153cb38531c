"""The duplicate check of customers_create_many (and customer_create, customer_update) reads the
database once for a batch's credit codes, phones and e-mails. It must find exactly what the three
separate lookups it replaced found: live customers only, whoever owns them, the pool's too, e-mails
in any case. ``_three_lookups`` below is that earlier code, kept to compare with."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import F
from django.db.models.functions import Upper
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from salescore.core.errors import ApplicationError
from salescore.core.permissions import AnyOf
from salescore.customers import services
from salescore.customers.identity import normalize_phone
from salescore.customers.models import Customer
from salescore.customers.selectors import with_credit_codes
from salescore.imports.tests.helpers import check, credit_code, issues, run, upload
from salescore.pipeline.tests.factories import make_customer


def _three_lookups(others, codes, phones, emails):
    """The lookups as they were before one query did them (session 9's _duplicates)."""
    others = others.select_related("owner")
    by_code = {c.credit_code: c for c in with_credit_codes(others, codes)} if codes else {}
    by_phone = {c.phone_key: c for c in others.filter(AnyOf(F("phone_key"), phones))} if phones else {}
    by_email = (
        {
            c.email.upper(): c
            for c in others.annotate(email_upper=Upper("email")).filter(AnyOf(F("email_upper"), emails))
        }
        if emails
        else {}
    )
    return by_code, by_phone, by_email


def _answers(results) -> list:
    return [
        (r.code, r.message, dict(r.fields), dict(r.extra)) if isinstance(r, ApplicationError) else r
        for r in results
    ]


@pytest.fixture
def book(cast):
    """Customers of every kind a duplicate may be: in the importer's scope or not, in the pool,
    deleted, without a credit code, sharing a phone."""
    made = {
        "own": make_customer(
            cast.rep_a, credit_code=credit_code(1), phone="0571-8000 0001", email="Buyer@Example.cn"
        ),
        "other_team": make_customer(
            cast.rep_b, credit_code=credit_code(2), phone="0571-80000002", email="sales@other.cn"
        ),
        "pool": make_customer(cast.rep_b, credit_code=credit_code(3), phone="0571-80000003"),
        "deleted": make_customer(
            cast.rep_a, credit_code=credit_code(4), phone="0571-80000004", email="gone@example.cn"
        ),
        "no_code": make_customer(cast.rep_a, phone="+86 139 0000 0005"),
        "idn": make_customer(cast.rep_b, email="user@例子.中国"),
        "shared_1": make_customer(cast.rep_a, phone="0571-80000006"),
        "shared_2": make_customer(cast.rep_b),
    }
    # Entered before duplicates were refused (or at the same moment): two customers, one phone.
    Customer.objects.filter(pk=made["shared_2"].pk).update(phone="0571 8000 0006", phone_key="057180000006")
    Customer.objects.filter(pk=made["pool"].pk).update(owner=None)
    services.customer_delete(actor=cast.rep_a.user, customer=made["deleted"])
    return made


def _keys() -> list[tuple[str, str, str]]:
    """(credit code, phone key, e-mail) as customers_create_many hands them to _duplicates."""
    raw = [
        (credit_code(1), "", ""),  # own customer's code
        ("", "0571-80000002", ""),  # the other team's phone
        ("", "", "SALES@OTHER.CN"),  # the other team's e-mail, in another case
        ("", "", "buyer@example.CN"),
        (credit_code(3), "", ""),  # the pool's
        (credit_code(4), "0571-80000004", "gone@example.cn"),  # deleted: free again
        ("", "", ""),
        (credit_code(50), "0571 8000 0001", "new@example.cn"),  # a new code, the own customer's phone
        (credit_code(2), "0571-80000001", "buyer@example.cn"),  # the code is named first
        ("", "13900000005", ""),  # +86 and spaces are not part of the key
        ("", "", "USER@例子.中国"),
        ("", "0571-80000006", ""),  # two customers: the later one is named
        (credit_code(60), "0571-80000060", "nobody@example.cn"),
    ]
    return [(code, normalize_phone(phone), email) for code, phone, email in raw]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_one_query_finds_what_the_three_lookups_found(cast, book, monkeypatch, language):
    with translation.override(language):
        found = services._duplicates(cast.rep_a.user, _keys())
        monkeypatch.setattr(services, "_existing_keys", _three_lookups)
        before = services._duplicates(cast.rep_a.user, _keys())
    assert _answers(found) == _answers(before)
    named = [r.extra["existing_id"] if r else None for r in found]
    assert named == [
        book["own"].pk,
        book["other_team"].pk,
        book["other_team"].pk,
        book["own"].pk,
        book["pool"].pk,
        None,
        None,
        book["own"].pk,
        book["other_team"].pk,
        book["no_code"].pk,
        book["idn"].pk,
        book["shared_2"].pk,
        None,
    ]
    assert [next(iter(r.fields)) if r else None for r in found][7:9] == ["phone", "credit_code"]
    # Only customers rep_a may open are linked; the pool's is not theirs either.
    assert found[0].extra["existing_url"] and not found[1].extra["existing_url"]


def test_a_customer_is_not_its_own_duplicate(cast, book):
    own = book["own"]
    keys = [(own.credit_code, own.phone_key, own.email)]
    assert services._duplicates(cast.rep_a.user, keys, exclude_pk=own.pk) == [None]
    (clash,) = services._duplicates(cast.rep_a.user, keys)
    assert clash.extra["existing_id"] == own.pk


def test_the_lookup_is_one_query_whatever_the_number_of_keys(cast, book):
    def queries(keys) -> int:
        with CaptureQueriesContext(connection) as captured:
            services._duplicates(cast.rep_a.user, keys)
        return len(captured)

    queries(_keys())  # warm the actor's access
    new = [(credit_code(100 + n), f"0571{n:08d}", f"n{n}@example.cn") for n in range(300)]
    assert queries(new[:1]) == queries(new) == 1
    # A clash costs one more: which of the clashing customers the user may open.
    assert queries(new + _keys()) == 2
    assert queries([("", "", "")]) == 0


@pytest.mark.parametrize("dry_run", [True, False])
def test_an_import_skips_the_rows_the_three_lookups_skipped(cast, book, monkeypatch, dry_run):
    """A file repeating customers of the database (in and out of the importer's scope, the pool's,
    a deleted one's) and its own rows: the same rows are skipped or refused, for the same reasons,
    as with the three lookups."""
    rows = [["客户名称", "统一社会信用代码", "电话", "邮箱"]]
    rows += [["甲有限公司", credit_code(1), "", ""]]
    rows += [["乙有限公司", "", "0571-80000002", ""]]
    rows += [["丙有限公司", "", "", "BUYER@example.cn"]]
    rows += [["丁有限公司", credit_code(3), "", ""]]
    rows += [["戊有限公司", credit_code(4), "0571-80000004", "gone@example.cn"]]  # deleted: written
    rows += [["己有限公司", credit_code(70), "", "gone@example.CN"]]  # repeats row 6 of the file
    rows += [["庚有限公司", credit_code(71), "0571 8000 0006", ""]]
    rows += [["辛有限公司", credit_code(72), "", "user@例子.中国"]]
    rows += [["壬有限公司", credit_code(73), "0571-80000073", "new@example.cn"]]

    def outcome():
        job = upload(cast.rep_a, "customers", rows)
        job = check(cast.rep_a, job, duplicate_policy="skip", error_policy="skip_bad_rows")
        if not dry_run:
            job = run(cast.rep_a, job)
        found = (
            job.created_count,
            job.skipped_count,
            job.error_count,
            issues(job),
            issues(job, level="skipped"),
        )
        Customer.objects.filter(name__in=[row[0] for row in rows[1:]]).delete()
        return found

    now = outcome()
    monkeypatch.setattr(services, "_existing_keys", _three_lookups)
    assert outcome() == now
    created, skipped, errors, refused, duplicates = now
    assert (created, skipped, errors) == (2, 6, 1)
    assert [(row, field) for row, field, _reason in duplicates] == [
        (2, "credit_code"),
        (3, "phone"),
        (4, "email"),
        (5, "credit_code"),
        (8, "phone"),
        (9, "email"),
    ]
    assert [(row, field) for row, field, _reason in refused] == [(7, "email")]
