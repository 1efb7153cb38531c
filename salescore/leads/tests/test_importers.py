"""Leads from a file go through lead_create: deadline, assignment rules, open-lead duplicates."""

from __future__ import annotations

import pytest
from django.utils import translation

from salescore.core.models import AuditLog
from salescore.imports.tests.helpers import check, issues, run, upload
from salescore.leads.models import Lead
from salescore.leads.tests.factories import make_lead, make_rule


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


HEADER = ["姓名", "公司", "手机", "邮箱", "渠道", "地区", "负责人"]


def test_leads_are_assigned_by_the_rules_and_audited(cast):
    make_rule(cast.director, cast.team_a, region_code="330000")
    rows = [HEADER, ["赵先生", "宁波电子", "13700000001", "", "展会", "浙江省", ""]]
    job = run(cast.rep_a, check(cast.rep_a, upload(cast.rep_a, "leads", rows)))
    assert job.created_count == 1, issues(job)
    lead = Lead.objects.get()
    assert lead.channel == "offline_event" and lead.region.code == "330000"
    assert lead.owner in (cast.rep_a.person, cast.rep_a2.person)
    assert lead.first_contact_due is not None
    assert AuditLog.objects.filter(
        content_type__model="lead", object_id=lead.pk, actor=cast.rep_a.user
    ).exists()


def test_an_owner_column_needs_the_assign_capability_and_scope(cast):
    rows = [HEADER, ["赵", "", "13700000002", "", "电话", "", cast.rep_a.person.employee_no]]
    job = check(cast.rep_a, upload(cast.rep_a, "leads", rows))
    assert [(r, reason) for r, _f, reason in issues(job)] == [
        (2, "Your position does not allow this action.")
    ]
    rows_b = [HEADER, ["钱", "", "13700000003", "", "电话", "", cast.rep_b.person.employee_no]]
    job = check(cast.lead_a, upload(cast.lead_a, "leads", rows_b))
    assert [(r, f) for r, f, _ in issues(job)] == [(2, "owner")]
    job = run(cast.head, check(cast.head, upload(cast.head, "leads", rows_b)))
    assert Lead.objects.get().owner == cast.rep_b.person


def test_open_lead_duplicates_are_skipped_and_in_file_duplicates_are_errors(cast):
    make_lead(cast.rep_a, phone="13700000010")
    rows = [
        HEADER,
        ["孙", "", "13700000010", "", "电话", "", ""],
        ["李", "", "", "li@example.com", "邮件", "", ""],
        ["李二", "", "", "LI@example.com", "邮件", "", ""],
        ["周", "", "", "", "", "", ""],
    ]
    job = check(cast.rep_a, upload(cast.rep_a, "leads", rows))
    assert (job.created_count, job.skipped_count, job.error_count) == (1, 1, 2)
    assert [(r, f) for r, f, _ in issues(job)] == [(4, "email"), (5, "channel")]
