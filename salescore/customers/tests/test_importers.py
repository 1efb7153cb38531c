"""Customers and contacts from a file: the choices in Chinese or English, regions by name,
contacts found by credit code or exact name among the importer's customers."""

from __future__ import annotations

import pytest
from django.utils import translation

from salescore.core.permissions import access_for
from salescore.customers import services
from salescore.customers.models import Contact, Customer
from salescore.imports import engine, registry
from salescore.imports.models import ImportJob
from salescore.imports.tests.helpers import check, credit_code, issues, run, upload


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_customer_choices_and_region_in_either_language(cast):
    rows = [
        ["名称", "类型", "行业", "规模", "等级", "地区", "来源", "标签"],
        ["甲有限公司", "企业", "制造业", "100–499 staff", "A级", "浙江", "展会", "重点, 华东"],
        ["Beta Ltd", "company", "Information technology", "", "B", "Zhejiang", "Referral", ""],
    ]
    job = run(cast.rep_a, check(cast.rep_a, upload(cast.rep_a, "customers", rows)))
    assert job.created_count == 2, issues(job)
    first = Customer.objects.get(name="甲有限公司")
    assert (first.kind, first.industry, first.size, first.tier, first.source) == (
        "company",
        "manufacturing",
        "medium",
        "A",
        "offline_event",
    )
    assert first.region.name == "浙江省"
    assert sorted(t.name for t in first.tags.all()) == ["华东", "重点"]
    assert Customer.objects.get(name="Beta Ltd").industry == "it"


def test_unknown_choice_and_region_are_row_errors(cast):
    rows = [["名称", "行业", "地区"], ["甲", "航天", "火星"]]
    job = check(cast.rep_a, upload(cast.rep_a, "customers", rows))
    assert {f for _r, f, _reason in issues(job)} == {"industry", "region"}


def test_texts_repeated_on_many_rows_read_the_same_on_each(cast):
    """A run reads each choice, region and owner text once: the rows after the first get the same
    values, and a text that cannot be read is reported on every row that has it."""
    rows = [["名称", "行业", "地区", "负责人", "等级"]]
    rows += [[f"{n}号有限公司", "制造业", "浙江", cast.rep_a.person.employee_no, "A级"] for n in range(3)]
    rows += [[f"{n}号坏有限公司", "航天", "火星", cast.rep_a.person.employee_no, "Q"] for n in range(3, 5)]
    job = check(cast.rep_a, upload(cast.rep_a, "customers", rows))
    assert sorted((r, f) for r, f, _reason in issues(job)) == [
        (row, field) for row in (5, 6) for field in ("industry", "region", "tier")
    ]
    run(cast.rep_a, job, error_policy="skip_bad_rows")
    made = Customer.objects.filter(name__endswith="号有限公司")
    assert {(c.industry, c.region.name, c.owner, c.tier) for c in made} == {
        ("manufacturing", "浙江省", cast.rep_a.person, "A")
    }
    assert made.count() == 3


def test_contacts_by_credit_code_or_name_within_scope(cast):
    ours = services.customer_create(actor=cast.rep_a.user, name="甲有限公司", credit_code=credit_code(40))
    services.customer_create(actor=cast.rep_b.user, name="乙有限公司")
    rows = [
        ["客户", "联系人", "手机", "角色", "主要联系人"],
        [credit_code(40), "王经理", "13900000040", "决策者", "是"],
        ["甲有限公司", "李工", "13900000041", "User", "否"],
        ["乙有限公司", "陈总", "13900000042", "", ""],  # rep_b's customer: not found for rep_a
        ["甲有限公司", "赵工", "13900000040", "", ""],  # same mobile as row 2
    ]
    job = check(cast.rep_a, upload(cast.rep_a, "contacts", rows))
    assert [(r, f) for r, f, _ in issues(job)] == [(4, "customer"), (5, "mobile")]
    job = run(cast.rep_a, job, error_policy="skip_bad_rows")
    assert job.status == ImportJob.Status.DONE and job.created_count == 2
    wang = Contact.objects.get(name="王经理")
    assert (wang.customer, wang.role, wang.is_primary) == (ours, "decision_maker", True)
    assert Contact.objects.get(name="李工").role == "user"


@pytest.mark.parametrize("batch_size", [500, 1])
def test_contacts_find_their_customers_a_batch_at_a_time(cast, monkeypatch, batch_size):
    monkeypatch.setattr(engine, "BATCH_SIZE", batch_size)
    first = services.customer_create(actor=cast.rep_a.user, name="甲有限公司", credit_code=credit_code(41))
    services.customer_create(actor=cast.rep_a.user, name="同名公司")
    services.customer_create(actor=cast.rep_a.user, name="同名公司", credit_code=credit_code(42))
    rows = [
        ["客户", "联系人", "手机"],
        [credit_code(41).lower(), "王经理", "13900000061"],  # the code in lower case
        ["同名公司", "李工", "13900000062"],  # two of rep_a's customers have this name
        [credit_code(42), "陈总", "13900000063"],  # one of them, by its code
        [" 甲有限公司 ", "赵工", "13900000064"],
    ]
    job = check(cast.rep_a, upload(cast.rep_a, "contacts", rows))
    assert [(r, f) for r, f, _ in issues(job)] == [(3, "customer")]
    assert "Several customers are called 同名公司" in issues(job)[0][2]
    job = run(cast.rep_a, job, error_policy="skip_bad_rows")
    assert job.created_count == 3
    assert Contact.objects.get(name="赵工").customer == first
    assert Contact.objects.get(name="陈总").customer.credit_code == credit_code(42)


def test_contact_lookups_read_only_the_customers_a_batch_names(cast, django_assert_num_queries):
    """A director's scope may be a million customers: nothing is loaded for the run, and a batch
    reads the customers it names in two queries (by credit code, by name)."""
    for n in range(5):
        services.customer_create(actor=cast.rep_a.user, name=f"客户{n}", credit_code=credit_code(50 + n))
    importer = registry.get("contacts")
    director = cast.director.user
    access_for(director)  # who the director is: read once per request or job
    with django_assert_num_queries(0):
        context = importer.context(director)
    refs = context["customers"]
    for batch, code, name in ((1, credit_code(50), "客户3"), (2, credit_code(51), "客户4")):
        with django_assert_num_queries(2):
            rows = [{"customer": code}, {"customer": name}, {"customer": "无此客户"}, {"customer": ""}]
            importer.prepare(rows, actor=director, context=context)
        assert (set(refs.by_code), set(refs.by_name)) == ({code}, {name}), batch


def test_existing_contact_is_updated_when_asked(cast):
    customer = services.customer_create(actor=cast.rep_a.user, name="甲有限公司")
    contact = services.contact_create(
        actor=cast.rep_a.user, customer=customer, name="王", mobile="13900000050"
    )
    rows = [["客户", "联系人", "手机", "职务"], ["甲有限公司", "王经理", "13900000050", "采购经理"]]
    job = check(cast.rep_a, upload(cast.rep_a, "contacts", rows), duplicate_policy="update")
    assert job.updated_count == 1, issues(job)
    run(cast.rep_a, job)
    contact.refresh_from_db()
    assert (contact.name, contact.title) == ("王经理", "采购经理")
