"""leads_create_many: an import's batch of leads meets exactly the rules of lead_create, its fields
checked column by column (clean_columns), with the same errors in both languages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from salescore.campaigns.models import Campaign
from salescore.campaigns.services import campaign_check_for_leads
from salescore.campaigns.tests.factories import make_campaign
from salescore.core import services as core_services
from salescore.core.errors import ApplicationError
from salescore.core.permissions import Cap, require
from salescore.core.services import required, validate_fields
from salescore.customers.identity import normalize_phone
from salescore.imports.registry import Importer
from salescore.imports.tests.helpers import check, issues, run, upload
from salescore.leads import services
from salescore.leads.importers import LeadImporter
from salescore.leads.models import Lead, LeadPolicy
from salescore.leads.tests.factories import make_lead, make_rule, region


def _rows(cast) -> list[dict]:
    """Good rows and rows that lead_create refuses, at each of its checks, some at two at once."""
    cancelled = make_campaign(cast.director)
    Campaign.objects.filter(pk=cancelled.pk).update(status=Campaign.Status.CANCELLED)
    cancelled.refresh_from_db()
    make_lead(cast.rep_b, phone="13700000099", email="taken@example.com")
    return [
        {"name": "赵先生", "phone": "13700000001", "channel": "phone", "region": region("330000")},
        {"name": "钱", "email": "O'Neil@Example.COM", "channel": "email", "industry": "it"},
        {"name": "孙" * 101, "phone": "13700000002", "channel": "phone"},  # too long
        {"name": "李", "email": "not an email", "channel": "email", "title": "职" * 101},
        {"name": "周", "channel": "phone"},  # no way to reach them
        {"name": "", "phone": "13700000003", "channel": ""},  # required
        {"name": "吴", "wechat": "wu", "channel": "fax"},  # no such channel
        {"name": "郑", "phone": "13700000004", "channel": "phone", "colour": "red"},  # unknown field
        {"name": "王", "phone": "13700000005", "channel": "phone", "campaign": cancelled, "email": "x@"},
        {"name": "冯", "phone": "13700000099", "channel": "phone"},  # an open lead has the phone
        {"name": "陈", "email": "TAKEN@example.com", "channel": "email"},
        {"name": "褚", "phone": "13700000006", "channel": "phone", "owner": cast.rep_b.person},
        {
            "name": "卫",
            "wechat": "wei",
            "channel": "referral",
            "industry": "nonsense",
            "interest": "长" * 5000,
        },
        {"name": " 蒋 ", "phone": " 137 0000 0007 ", "channel": "online", "source_detail": "源" * 120},
    ]


def _lead_create_before(*, actor, owner=None, auto_assign=True, **fields) -> Lead:
    """lead_create as it was before the batch (session 9), to compare with: the fields checked
    row by row on the instance (validate_fields)."""
    require(actor, Cap.LEADS_CREATE)
    unknown = set(fields) - services.LEAD_FIELDS
    if unknown:
        raise ApplicationError(
            _("These fields cannot be set: %(f)s.") % {"f": ", ".join(sorted(unknown))}, code="invalid"
        )
    data = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}
    required({"name": data.get("name"), "channel": data.get("channel")})
    if not (data.get("phone") or data.get("email") or data.get("wechat")):
        raise ApplicationError(
            _("Give at least one way to reach the lead: phone, email or WeChat."),
            code="required",
            fields={"phone": _("Phone, email or WeChat is required.")},
        )
    campaign_check_for_leads(data.get("campaign"))
    now = timezone.now()
    lead = Lead(**data, first_contact_due=now + dt.timedelta(hours=LeadPolicy.current().first_contact_hours))
    lead.phone_key = normalize_phone(lead.phone)
    validate_fields(lead, list(data))
    if owner is not None:
        require(actor, Cap.LEADS_ASSIGN)
        services._check_assignee(actor, owner)
    services._check_duplicate(actor=actor, phone_key=lead.phone_key, email=lead.email)
    lead.save(actor=actor)
    if owner is not None:
        services._give(lead, owner, actor=actor, reason=_("by %(name)s") % {"name": actor.get_full_name()})
    elif auto_assign:
        services.lead_assign_auto(lead=lead, actor=actor)
    return lead


def _outcome(result) -> tuple:
    if isinstance(result, ApplicationError):
        return (type(result).__name__, result.code, result.message, list(result.fields.items()))
    return ("created", result.name, result.phone, result.phone_key, result.email, result.owner_id)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_each_row_gets_the_answer_lead_create_gives(cast, language):
    make_rule(cast.director, cast.team_a, region_code="330000")
    rows = _rows(cast)
    with translation.override(language):
        one_by_one = []
        with transaction.atomic():
            for row in rows:
                try:
                    with transaction.atomic():
                        one_by_one.append(_outcome(_lead_create_before(actor=cast.lead_a.user, **row)))
                except ApplicationError as exc:
                    one_by_one.append(_outcome(exc))
            transaction.set_rollback(True)
        with transaction.atomic():
            singly = []
            for row in rows:
                try:
                    singly.append(_outcome(services.lead_create(actor=cast.lead_a.user, **row)))
                except ApplicationError as exc:
                    singly.append(_outcome(exc))
            transaction.set_rollback(True)
        batch = [_outcome(r) for r in services.leads_create_many(actor=cast.lead_a.user, rows=rows)]
    assert batch == one_by_one == singly
    assert [o[0] if o[0] == "created" else o[1] for o in batch] == [
        "created",
        "created",
        "invalid",
        "invalid",
        "required",
        "required",
        "invalid",
        "invalid",
        "cancelled_campaign",  # the campaign is checked before the fields
        "duplicate",
        "duplicate",
        "out_of_scope",
        "invalid",
        "created",
    ]
    assert Lead.objects.count() == 4  # three new and rep_b's


def test_valid_plain_fields_pass_without_field_clean(cast, monkeypatch):
    """The column checks decide the rows whose values they can: only a row they cannot pass goes
    through clean_values (so Field.clean)."""
    seen = []
    clean_values = core_services.clean_values

    def counted(model, values, names, **kwargs):
        seen.append(values.get("name"))
        return clean_values(model, values, names, **kwargs)

    monkeypatch.setattr(core_services, "clean_values", counted)
    rows = [
        {"name": f"客{n}", "phone": f"1370000{n:04d}", "email": f"k{n}@example.com", "channel": "phone"}
        for n in range(20)
    ]
    rows[7]["email"] = "bad address"
    results = services.leads_create_many(actor=cast.rep_a.user, rows=rows)
    assert seen == ["客7"]
    assert [isinstance(r, Lead) for r in results] == [n != 7 for n in range(20)]
    assert set(results[7].fields) == {"email"}


HEADER = ["姓名", "公司", "手机", "邮箱", "渠道", "地区", "负责人", "行业", "营销活动"]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_import_reports_what_row_by_row_reports(cast, monkeypatch, language):
    """The same file through the batch (leads_create_many) and row by row (lead_create): the
    same rows created, skipped and refused, for the same reasons in the same words."""
    make_rule(cast.director, cast.team_a, region_code="330000")
    make_lead(cast.rep_b, phone="13700000099")
    campaign = make_campaign(cast.director, name="工博会")
    rows = [HEADER]
    rows += [["赵", "宁波电子", "13700000001", "", "展会", "浙江省", "", "", "工博会"]]
    rows += [["钱", "", "", "qian@example.com", "邮件", "", "", "电子", ""]]
    rows += [["孙" * 101, "", "13700000002", "", "电话", "", "", "", ""]]
    rows += [["李", "", "", "not an email", "邮件", "", "", "", ""]]
    rows += [["周", "", "", "", "电话", "", "", "", ""]]  # no way to reach them
    rows += [["冯", "", "13700000099", "", "电话", "", "", "", ""]]  # an open lead has it: skipped
    rows += [["陈", "", "", "QIAN@example.com", "邮件", "", "", "", ""]]  # repeats row 3
    rows += [["褚", "", "13700000006", "", "电话", "", cast.rep_b.person.employee_no, "", ""]]
    rows += [["卫", "", "13700000007", "", "传真", "", "", "", ""]]  # no such channel
    rows += [["蒋", "公" * 201, "13700000008", "x@", "电话", "", "", "", ""]]
    rows += [["沈", "", "13700000009", "", "电话", "浙江省", "", "", ""]]

    def outcome(member):
        with translation.override(language):
            job = check(member, upload(member, "leads", rows), error_policy="skip_bad_rows")
            checked = (job.created_count, job.skipped_count, job.error_count, job.preview)
            found = issues(job) + issues(job, level="skipped")
            job = run(member, job)
            done = issues(job) + issues(job, level="skipped")
        leads = sorted(Lead.objects.filter(campaign=campaign).values_list("name", flat=True))
        written = Lead.objects.exclude(phone="13700000099").count()
        Lead.all_objects.exclude(phone="13700000099").delete()
        return checked, found, (job.created_count, job.skipped_count, job.error_count), done, leads, written

    batch = outcome(cast.lead_a)
    assert LeadImporter().writes_many
    monkeypatch.setattr(LeadImporter, "create_many", Importer.create_many)
    assert not LeadImporter().writes_many
    assert outcome(cast.lead_a) == batch
    checked, found, counts, done, leads, written = batch
    assert counts == (3, 1, 7) and written == 3 and leads == ["赵"]
    assert sorted((row, field) for row, field, _reason in found) == [
        (4, "name"),
        (5, "email"),
        (6, "phone"),
        (7, "phone"),
        (8, "email"),
        (9, "owner"),
        (10, "channel"),
        (11, "company"),
        (11, "email"),
    ]
    assert sorted(done) == sorted(found)
