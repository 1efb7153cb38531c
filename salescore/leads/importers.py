"""Leads from a file (R3.2), e.g. the sign-up sheet of a trade fair: each row goes through
lead_create's rules (a batch at a time, leads_create_many: the fields checked column by column),
so it gets its first-contact deadline and an owner by the assignment rules, and an open lead with
the same phone or email is refused as at entry by hand.

An owner column assigns, which (as on the entry form) only assigners may, within their scope.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from salescore.campaigns.lookups import Campaigns
from salescore.core.permissions import Cap
from salescore.customers.identity import normalize_phone
from salescore.customers.models import Channel, Industry
from salescore.imports.lookups import People, Regions
from salescore.imports.registry import (
    Column,
    Importer,
    RowError,
    choice_map,
    read_choices_and_lookups,
    register,
)
from salescore.leads import services
from salescore.leads.models import Lead

CHANNEL_WORDS = {
    "电话": "phone",
    "邮件": "email",
    "网络": "online",
    "线上": "online",
    "官网": "online",
    "展会": "offline_event",
    "线下活动": "offline_event",
    "活动": "offline_event",
    "转介绍": "referral",
    "介绍": "referral",
    "市场活动": "campaign",
}

LEAD_COLUMNS = (
    Column("name", _l("Contact name"), ("姓名", "联系人", "联系人姓名", "name", "contact"), True),
    Column("company", _l("Company"), ("公司", "公司名称", "单位", "客户名称", "企业名称", "organisation")),
    Column("title", _l("Job title"), ("职务", "职位", "title", "position")),
    Column("phone", _l("Phone"), ("电话", "手机", "手机号", "联系电话", "mobile", "telephone", "tel")),
    Column("email", _l("Email"), ("邮箱", "电子邮箱", "邮件", "e-mail", "mail")),
    Column("wechat", _l("WeChat"), ("微信", "微信号")),
    Column("channel", _l("Channel"), ("来源", "渠道", "来源渠道", "source"), True),
    Column(
        "campaign",
        _l("Campaign"),
        ("营销活动", "活动", "展会", "市场活动", "活动名称", "campaign", "event"),
        help=_l("The campaign's name as on the Campaigns page."),
    ),
    Column("source_detail", _l("Source detail"), ("来源说明", "来源明细", "来源详情", "sourcedetail")),
    Column("region", _l("Region"), ("地区", "省份", "省", "城市", "区域", "province", "city")),
    Column("industry", _l("Industry"), ("行业", "所属行业")),
    Column(
        "interest", _l("What they are interested in"), ("意向", "需求", "兴趣", "备注", "interest", "notes")
    ),
    Column(
        "owner",
        _l("Owner"),
        ("负责人", "归属人", "销售", "工号", "owner"),
        help=_l("Leave empty to let the assignment rules choose."),
    ),
)


class LeadImporter(Importer):
    def __init__(self) -> None:
        super().__init__(
            kind="leads",
            capability=Cap.LEADS_CREATE,
            columns=LEAD_COLUMNS,
            can_update=True,
            example={
                "name": "赵先生",
                "company": "宁波示例电子有限公司",
                "phone": "13700000000",
                "email": "zhao@example.com",
                "channel": "展会",
                "campaign": "2026工博会",
                "source_detail": "A 馆展位登记",
                "region": "浙江省",
                "industry": "电子",
                "interest": "自动化产线",
            },
        )

    def context(self, actor) -> dict:
        return {
            "regions": Regions(),
            "campaigns": Campaigns(),
            "people": People(actor),
            "channel": choice_map(Channel.choices, CHANNEL_WORDS),
            "industry": choice_map(Industry.choices, {"电子": "electronics", "制造": "manufacturing"}),
        }

    def parse(self, values: dict[str, str], *, actor, context: dict) -> dict:
        data: dict = {
            name: values[name].strip()
            for name in ("name", "company", "title", "phone", "email", "wechat", "source_detail", "interest")
            if values.get(name, "").strip()
        }
        problems: dict[str, str] = {}
        read_choices_and_lookups(
            values,
            context,
            choices=(("channel", Channel.choices), ("industry", Industry.choices)),
            lookups=(("region", "regions"), ("campaign", "campaigns"), ("owner", "people")),
            data=data,
            problems=problems,
        )
        if not data.get("name"):
            problems["name"] = _("The name is required.")
        if not data.get("channel") and "channel" not in problems:
            problems["channel"] = _("The channel is required.")
        if problems:
            raise RowError(problems)
        return data

    def identity(self, data: dict) -> list[tuple[str, str]]:
        keys = []
        if normalize_phone(data.get("phone", "")):
            keys.append(("phone", normalize_phone(data["phone"])))
        if data.get("email"):
            keys.append(("email", data["email"].lower()))
        return keys

    def create(self, data: dict, *, actor):
        return services.lead_create(actor=actor, **data)

    def create_many(self, items: list[dict], *, actor, check: bool):
        # The dry run writes too: the engine undoes each batch. The rows' owners come from the
        # assignment rules, and the dry run shows what those give.
        return services.leads_create_many(actor=actor, rows=items)

    def update(self, data: dict, *, actor, duplicate):
        lead = Lead(pk=duplicate.extra["existing_id"])
        fields = {k: v for k, v in data.items() if k != "owner"}
        return services.lead_update(actor=actor, lead=lead, **fields)


register(LeadImporter())
