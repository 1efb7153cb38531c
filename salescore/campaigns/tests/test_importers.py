"""A lead file with a campaign column: each row's campaign found by its name (as people write it),
an unknown or cancelled campaign reported on its row and column, nothing half imported."""

from __future__ import annotations

import pytest
from django.utils import translation

from salescore.campaigns.tests.factories import make_campaign
from salescore.imports import engine, registry
from salescore.imports.tests.helpers import check, issues, run, upload
from salescore.leads.models import Lead

HEADER = ["姓名", "公司", "手机", "渠道", "营销活动", "来源说明", "负责人"]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_the_campaign_column_is_guessed_from_its_header():
    mapping = engine.guess_mapping(HEADER, registry.get("leads"))
    assert mapping["4"] == "campaign" and mapping["5"] == "source_detail"
    assert (
        engine.guess_mapping(["Name", "Phone", "Channel", "Campaign"], registry.get("leads"))["3"]
        == "campaign"
    )


def test_rows_name_their_campaign(cast):
    fair = make_campaign(cast.analyst, name="2026工博会")
    online = make_campaign(cast.analyst, name="线上推广（百度/微信）", channel="online")
    owner = cast.rep_a.person.employee_no
    rows = [
        HEADER,
        ["赵先生", "宁波电子", "13700000101", "展会", "2026工博会", "A 馆展位登记", owner],
        ["钱女士", "", "13700000102", "线上", " 线上推广(百度/微信) ", "", owner],  # spaces, brackets
        ["孙先生", "", "13700000103", "电话", "", "400 热线", owner],
    ]
    job = run(cast.head, check(cast.head, upload(cast.head, "leads", rows)))
    assert job.created_count == 3, issues(job)
    leads = {lead.name: lead for lead in Lead.objects.select_related("campaign")}
    assert (leads["赵先生"].campaign, leads["赵先生"].source_detail) == (fair, "A 馆展位登记")
    assert leads["钱女士"].campaign == online
    assert (leads["孙先生"].campaign, leads["孙先生"].source_detail) == (None, "400 热线")


def test_an_unknown_or_cancelled_campaign_is_reported_on_its_row(cast):
    make_campaign(cast.analyst, name="已取消的沙龙", status="cancelled")
    rows = [
        HEADER,
        ["赵先生", "", "13700000201", "展会", "2025工博会", "", ""],
        ["钱女士", "", "13700000202", "展会", "已取消的沙龙", "", ""],
    ]
    job = check(cast.analyst, upload(cast.analyst, "leads", rows))
    assert [(row, field) for row, field, _reason in issues(job)] == [(2, "campaign"), (3, "campaign")]
    reasons = [reason for _row, _field, reason in issues(job)]
    assert "There is no campaign called 2025工博会." in reasons[0]
    assert "cancelled" in reasons[1]
    assert job.created_count == 0 and not Lead.objects.exists()
