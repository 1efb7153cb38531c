"""Customers and contacts from a file (R3.2): each row goes through customer_create /
contact_create, so an import meets exactly the rules of entry by hand (credit-code check
character, duplicates refused, owner within the importer's scope, contacts only on customers the
importer may see)."""

from __future__ import annotations

from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from salescore.core.permissions import AnyOf, Cap, scope_queryset
from salescore.customers import services
from salescore.customers.identity import normalize_credit_code, normalize_phone
from salescore.customers.models import Channel, Contact, Customer, Industry, Size, Tier
from salescore.customers.selectors import with_credit_codes
from salescore.imports.lookups import People, Regions
from salescore.imports.registry import (
    Column,
    Importer,
    RowError,
    choice_map,
    parse_bool,
    pick_choice,
    read_choices_and_lookups,
    register,
    split_list,
)

KIND_WORDS = {"企业": "company", "公司": "company", "单位": "company", "个人": "individual"}
TIER_WORDS = {"A级": "A", "B级": "B", "C级": "C", "重点客户": "A", "重点": "A"}

CUSTOMER_COLUMNS = (
    Column(
        "name", _l("Name"), ("客户名称", "客户", "名称", "公司名称", "企业名称", "company", "customer"), True
    ),
    Column("kind", _l("Kind"), ("类型", "客户类型", "type")),
    Column(
        "credit_code",
        _l("Unified social credit code"),
        ("统一社会信用代码", "信用代码", "credit code", "uscc"),
    ),
    Column("industry", _l("Industry"), ("行业", "所属行业")),
    Column("size", _l("Size"), ("规模", "企业规模", "人数", "staff")),
    Column("tier", _l("Tier"), ("等级", "客户等级", "级别", "grade", "level")),
    Column("region", _l("Region"), ("地区", "省份", "省", "城市", "区域", "province", "city")),
    Column("address", _l("Address"), ("地址", "详细地址")),
    Column("source", _l("Source channel"), ("来源", "渠道", "来源渠道", "source", "channel")),
    Column("owner", _l("Owner"), ("负责人", "归属人", "销售", "工号", "owner", "sales rep")),
    Column("phone", _l("Phone"), ("电话", "联系电话", "座机", "手机", "telephone", "tel", "mobile")),
    Column("email", _l("Email"), ("邮箱", "电子邮箱", "邮件", "e-mail", "mail")),
    Column("website", _l("Website"), ("网站", "网址", "官网", "url")),
    Column("tags", _l("Tags"), ("标签",)),
    Column("notes", _l("Notes"), ("备注", "说明", "remarks", "note")),
)

CONTACT_COLUMNS = (
    Column(
        "customer",
        _l("Customer"),
        ("客户", "客户名称", "公司", "公司名称", "统一社会信用代码", "信用代码", "company", "credit code"),
        True,
        _l("The customer's unified social credit code or its exact name."),
    ),
    Column("name", _l("Name"), ("姓名", "联系人", "联系人姓名", "contact", "contact name"), True),
    Column("title", _l("Job title"), ("职务", "职位", "title", "position")),
    Column("mobile", _l("Mobile"), ("手机", "手机号", "手机号码", "mobile phone", "cell")),
    Column("phone", _l("Office phone"), ("电话", "办公电话", "座机", "phone", "telephone", "tel")),
    Column("email", _l("Email"), ("邮箱", "电子邮箱", "邮件", "e-mail", "mail")),
    Column("wechat", _l("WeChat"), ("微信", "微信号", "wechat id")),
    Column("role", _l("Decision role"), ("角色", "决策角色", "role")),
    Column("is_primary", _l("Primary contact"), ("主要联系人", "首要联系人", "primary")),
    Column("notes", _l("Notes"), ("备注", "说明", "remarks", "note")),
)


def _text(values: dict[str, str], *names: str) -> dict[str, str]:
    return {name: text for name in names if (text := values.get(name, "").strip())}


class CustomerImporter(Importer):
    def __init__(self) -> None:
        super().__init__(
            kind="customers",
            capability=Cap.CUSTOMERS_CREATE,
            columns=CUSTOMER_COLUMNS,
            can_update=True,
            example={
                "name": "杭州示例机械有限公司",
                "kind": "企业",
                "credit_code": "91330100MA2AXXXXXX",
                "industry": "制造业",
                "tier": "B",
                "region": "浙江省",
                "source": "展会",
                "phone": "0571-88886666",
                "email": "info@example.com",
                "tags": "重点, 华东",
            },
        )

    def context(self, actor) -> dict:
        return {
            "regions": Regions(),
            "people": People(actor),
            "kind": choice_map(Customer.Kind.choices, KIND_WORDS),
            "industry": choice_map(Industry.choices, {"制造": "manufacturing", "IT": "it", "互联网": "it"}),
            "size": choice_map(Size.choices),
            "tier": choice_map(Tier.choices, TIER_WORDS),
            "source": choice_map(
                Channel.choices, {"展会": "offline_event", "转介绍": "referral", "网络": "online"}
            ),
            "read": {},  # read_choices_and_lookups' memo
        }

    def parse(self, values: dict[str, str], *, actor, context: dict) -> dict:
        data: dict = _text(values, "name", "credit_code", "address", "phone", "email", "website", "notes")
        problems: dict[str, str] = {}
        read_choices_and_lookups(
            values,
            context,
            choices=(
                ("kind", Customer.Kind),
                ("industry", Industry),
                ("size", Size),
                ("tier", Tier),
                ("source", Channel),
            ),
            lookups=(("region", "regions"), ("owner", "people")),
            data=data,
            problems=problems,
            memo=context["read"],
        )
        if values.get("tags", "").strip():
            data["tags"] = split_list(values["tags"])
        if not data.get("name"):
            problems["name"] = _("The name is required.")
        if problems:
            raise RowError(problems)
        return data

    def identity(self, data: dict) -> list[tuple[str, str]]:
        keys = []
        if data.get("credit_code"):
            keys.append(("credit_code", normalize_credit_code(data["credit_code"])))
        if phone := normalize_phone(data.get("phone", "")):
            keys.append(("phone", phone))
        if data.get("email"):
            keys.append(("email", data["email"].lower()))
        return keys

    def create(self, data: dict, *, actor):
        return services.customer_create(actor=actor, **data)

    def create_many(self, items: list[dict], *, actor, check: bool):
        return services.customers_create_many(actor=actor, rows=items, write=not check)

    def update(self, data: dict, *, actor, duplicate):
        customer = Customer(pk=duplicate.extra["existing_id"])
        fields = {k: v for k, v in data.items() if k != "owner"}
        return services.customer_update(actor=actor, customer=customer, **fields)


class _CustomerRefs:
    """The customers a batch of contact rows names, by credit code and by exact name, among those
    the importer may see. Loaded a batch at a time (two indexed queries), never the whole scope:
    a director's scope may be a million customers."""

    def __init__(self, actor) -> None:
        self.actor = actor
        self.by_code: dict[str, int] = {}
        self.by_name: dict[str, list[int]] = {}

    def load(self, texts: list[str]) -> None:
        codes = {normalize_credit_code(text) for text in texts} - {""}
        names = {text.strip() for text in texts} - {""}
        codes = {code for code in codes if len(code) <= Customer._meta.get_field("credit_code").max_length}
        names = {name for name in names if len(name) <= Customer._meta.get_field("name").max_length}
        visible = scope_queryset(Customer.objects.all(), self.actor)
        self.by_code = {}
        self.by_name = {}
        if codes:
            found = with_credit_codes(visible, codes)
            self.by_code = dict(found.order_by().values_list("credit_code", "pk"))
        if names:
            named = visible.filter(AnyOf(F("name"), names))
            for pk, name in named.values_list("pk", "name").order_by("pk"):
                self.by_name.setdefault(name, []).append(pk)


class ContactImporter(Importer):
    def __init__(self) -> None:
        super().__init__(
            kind="contacts",
            capability=Cap.CUSTOMERS_CREATE,
            columns=CONTACT_COLUMNS,
            can_update=True,
            example={
                "customer": "杭州示例机械有限公司",
                "name": "王经理",
                "title": "采购经理",
                "mobile": "13900000000",
                "email": "wang@example.com",
                "role": "决策者",
                "is_primary": "是",
            },
        )

    def context(self, actor) -> dict:
        return {
            "customers": _CustomerRefs(actor),
            "role": choice_map(
                Contact.Role.choices, {"决策者": "decision_maker", "决策人": "decision_maker"}
            ),
        }

    def prepare(self, rows: list[dict[str, str]], *, actor, context: dict) -> None:
        context["customers"].load([values.get("customer", "") for values in rows])

    def _customer(self, text: str, context: dict) -> Customer:
        text = text.strip()
        refs: _CustomerRefs = context["customers"]
        pk = refs.by_code.get(normalize_credit_code(text))
        if pk is None:
            named = refs.by_name.get(text, [])
            if len(named) > 1:
                raise RowError(
                    {
                        "customer": _("Several customers are called %(name)s: use the credit code.")
                        % {"name": text}
                    }
                )
            pk = named[0] if named else None
        if pk is None:
            raise RowError(
                {"customer": _("No customer of yours has the credit code or name %(text)s.") % {"text": text}}
            )
        return Customer(pk=pk)

    def parse(self, values: dict[str, str], *, actor, context: dict) -> dict:
        data: dict = _text(values, "name", "title", "mobile", "phone", "email", "wechat", "notes")
        problems: dict[str, str] = {}
        if not values.get("customer", "").strip():
            problems["customer"] = _("Give the customer's credit code or name.")
        else:
            try:
                data["customer"] = self._customer(values["customer"], context)
            except RowError as exc:
                problems.update(exc.problems)
        try:
            role = pick_choice(
                values.get("role", "").strip(),
                context["role"],
                field_name="role",
                choices=Contact.Role.choices,
            )
            if role:
                data["role"] = role
            if values.get("is_primary", "").strip():
                data["is_primary"] = parse_bool(values["is_primary"], field_name="is_primary")
        except RowError as exc:
            problems.update(exc.problems)
        if not data.get("name"):
            problems["name"] = _("The name is required.")
        if problems:
            raise RowError(problems)
        return data

    def identity(self, data: dict) -> list[tuple[str, str]]:
        keys = []
        if normalize_phone(data.get("mobile", "")):
            keys.append(("mobile", normalize_phone(data["mobile"])))
        if data.get("email"):
            keys.append(("email", data["email"].lower()))
        return keys

    def preview(self, data: dict) -> dict[str, str]:
        shown = super().preview({k: v for k, v in data.items() if k != "customer"})
        return shown

    def create(self, data: dict, *, actor):
        return services.contact_create(actor=actor, **data)

    def update(self, data: dict, *, actor, duplicate):
        fields = {k: v for k, v in data.items() if k != "customer"}
        mobile_key = normalize_phone(data.get("mobile", ""))
        existing = None
        if "mobile" in duplicate.fields and mobile_key:
            existing = Contact.objects.filter(mobile_key=mobile_key).first()
        elif data.get("email"):
            existing = Contact.objects.filter(email__iexact=data["email"]).first()
        if existing is None:
            raise duplicate
        return services.contact_update(actor=actor, contact=existing, **fields)


register(CustomerImporter())
register(ContactImporter())
