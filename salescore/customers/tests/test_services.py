"""Customer and contact services: ownership, duplicates, versions, tags, collaborators, scope,
masking and logged reveals, as the cast (owner, teammate, outsider, managers)."""

from __future__ import annotations

import itertools

import pytest
from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.utils import translation

from salescore.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from salescore.core.models import AuditAction, AuditLog
from salescore.customers import selectors, services
from salescore.customers.identity import credit_code_check_char
from salescore.customers.models import Contact, Customer, Tag
from salescore.org.models import Person

_numbers = itertools.count(1)


def credit_code(n: int) -> str:
    body = f"91350100{n:09d}"
    return body + credit_code_check_char(body)


def make_customer(member, **fields) -> Customer:
    fields.setdefault("name", f"测试客户{next(_numbers)}有限公司")
    return services.customer_create(actor=member.user, **fields)


def make_contact(member, customer, **fields) -> Contact:
    fields.setdefault("name", f"联系人{next(_numbers)}")
    return services.contact_create(actor=member.user, customer=customer, **fields)


def audit_rows(obj):
    return AuditLog.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk
    ).order_by("id")


def visible_customers(member) -> set[int]:
    return set(selectors.customer_list(user=member.user).values_list("pk", flat=True))


def visible_contacts(member) -> set[int]:
    return set(selectors.contact_list(user=member.user).values_list("pk", flat=True))


def shown(member, customer) -> dict[int, object]:
    return {v.pk: v for v in selectors.contacts_for_customer(user=member.user, customer=customer)}


# -- creating and owners ------------------------------------------------------------------------


def test_create_makes_the_actor_the_owner_and_audits_it(cast):
    customer = make_customer(cast.rep_a, name=" 厦门示例有限公司 ", phone="+86 138 0013 8000")

    assert customer.owner == cast.rep_a.person
    assert customer.name == "厦门示例有限公司"
    assert customer.name_key == "厦门示例"
    assert customer.phone_key == "13800138000"
    row = audit_rows(customer).get()
    assert row.action == AuditAction.CREATE and row.actor_id == cast.rep_a.user.pk
    assert row.changes["owner"]["new"] == cast.rep_a.pk


def test_create_without_the_capability_is_refused(cast):
    # a customer-service agent looks after customers but does not bring new ones in
    with pytest.raises(PermissionDeniedError) as exc:
        make_customer(cast.agent)
    assert exc.value.status == 403
    assert not Customer.objects.exists()


def test_create_requires_a_name(cast):
    with pytest.raises(ApplicationError) as exc:
        make_customer(cast.rep_a, name="  ")
    assert exc.value.code == "required" and "name" in exc.value.fields


@pytest.mark.parametrize(
    ("actor", "owner", "allowed"),
    [
        ("rep_a", "rep_a", True),
        ("rep_a", "rep_a2", False),  # a rep owns only their own customers
        ("lead_a", "rep_a2", True),
        ("lead_a", "rep_b", False),  # another team
        ("head", "rep_b", True),
        ("director", "rep_b", True),
    ],
)
def test_only_people_in_scope_can_be_owners(cast, actor, owner, allowed):
    owner_person = getattr(cast, owner).person
    if allowed:
        customer = make_customer(getattr(cast, actor), owner=owner_person)
        assert customer.owner == owner_person
    else:
        with pytest.raises(ApplicationError) as exc:
            make_customer(getattr(cast, actor), owner=owner_person)
        assert exc.value.code == "out_of_scope" and "owner" in exc.value.fields


def test_someone_who_left_cannot_own_customers(cast):
    Person.objects.filter(pk=cast.rep_a2.pk).update(status=Person.Status.LEFT)
    cast.rep_a2.person.refresh_from_db()
    with pytest.raises(ApplicationError) as exc:
        make_customer(cast.lead_a, owner=cast.rep_a2.person)
    assert exc.value.code == "invalid_owner"


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("91350100M000100Y4", "18 characters"),
        ("91350100S000100Y43", "except I, O, S"),
        ("91350100M000100Y44", "check"),
    ],
)
def test_invalid_credit_code_is_refused_with_the_reason(cast, raw, problem):
    with translation.override("en"), pytest.raises(ApplicationError) as exc:
        make_customer(cast.rep_a, credit_code=raw)
    assert exc.value.code == "invalid_credit_code"
    assert problem in exc.value.fields["credit_code"]


def test_credit_code_is_normalised(cast):
    customer = make_customer(cast.rep_a, credit_code=" 91350100m000100y43 ")
    assert customer.credit_code == "91350100M000100Y43"


# -- duplicates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "first", "second"),
    [
        ("credit_code", "91350100M000100Y43", "9135 0100 m000 100y43"),
        ("phone", "13800138000", "+86 138-0013-8000"),
        ("email", "sales@acme.example", " Sales@ACME.example "),
    ],
)
def test_exact_duplicates_are_refused_naming_the_field(cast, field, first, second):
    existing = make_customer(cast.rep_a, **{field: first})

    # the same value, spelled differently, by someone on another team
    with pytest.raises(ApplicationError) as exc:
        make_customer(cast.rep_b, **{field: second})

    assert exc.value.code == "duplicate"
    assert set(exc.value.fields) == {field}
    assert exc.value.extra["existing_id"] == existing.pk
    assert exc.value.extra["existing_url"] is None  # rep_b may not open rep_a's customer
    assert existing.name in exc.value.message
    assert Customer.objects.count() == 1


def test_a_duplicate_the_user_may_see_links_to_it(cast):
    existing = make_customer(cast.rep_a, credit_code="91350100M000100Y43")
    with pytest.raises(ApplicationError) as exc:
        make_customer(cast.lead_a, credit_code="91350100M000100Y43")
    assert exc.value.extra["existing_url"].endswith(f"/{existing.pk}/")


def test_similar_names_are_not_duplicates(cast):
    make_customer(cast.rep_a, name="厦门示例有限公司")
    make_customer(cast.rep_b, name="厦门示例股份有限公司")  # offered as similar, not refused
    assert [c.name for c in selectors.similar_customers(user=cast.rep_b.user, name="厦门示例")] == [
        "厦门示例有限公司",
        "厦门示例股份有限公司",
    ]


def test_soft_delete_frees_the_credit_code_and_restore_refuses_when_taken(cast):
    first = make_customer(cast.rep_a, credit_code="91350100M000100Y43")
    services.customer_delete(actor=cast.rep_a.user, customer=first)

    # the code is free again
    second = make_customer(cast.rep_b, credit_code="91350100M000100Y43")

    # so the first cannot come back with it
    first = Customer.all_objects.get(pk=first.pk)
    with pytest.raises(ApplicationError) as exc:
        services.customer_restore(actor=cast.director.user, record=first)
    assert exc.value.code == "duplicate"
    assert Customer.all_objects.get(pk=first.pk).is_deleted

    # once the second is gone, it can
    services.customer_delete(actor=cast.rep_b.user, customer=second)
    services.customer_restore(actor=cast.director.user, record=first)
    assert not Customer.all_objects.get(pk=first.pk).is_deleted


def test_delete_is_soft_and_audited(cast):
    customer = make_customer(cast.rep_a)
    services.customer_delete(actor=cast.rep_a.user, customer=customer)
    assert Customer.all_objects.get(pk=customer.pk).is_deleted
    assert not Customer.objects.filter(pk=customer.pk).exists()
    assert audit_rows(customer).last().action == AuditAction.DELETE


def test_outsiders_cannot_delete(cast):
    customer = make_customer(cast.rep_a)
    with pytest.raises(Http404):
        services.customer_delete(actor=cast.rep_b.user, customer=customer)


# -- updates ------------------------------------------------------------------------------------


def test_update_checks_the_version(cast):
    customer = make_customer(cast.rep_a)
    services.customer_update(actor=cast.rep_a.user, customer=customer, version=1, tier="A")

    with pytest.raises(ConflictError) as exc:
        services.customer_update(actor=cast.lead_a.user, customer=customer, version=1, tier="B")
    assert exc.value.status == 409 and exc.value.code == "conflict"
    assert Customer.objects.get(pk=customer.pk).tier == "A"


def test_update_refuses_duplicates_but_keeps_its_own_values(cast):
    make_customer(cast.rep_a, credit_code="91350100M000100Y43", email="a@acme.example")
    customer = make_customer(cast.rep_a, credit_code=credit_code(1), email="b@acme.example")

    with pytest.raises(ApplicationError) as exc:
        services.customer_update(
            actor=cast.rep_a.user, customer=customer, version=1, credit_code="91350100m000100y43"
        )
    assert exc.value.code == "duplicate" and "credit_code" in exc.value.fields
    with pytest.raises(ApplicationError) as exc:
        services.customer_update(actor=cast.rep_a.user, customer=customer, version=1, email="A@ACME.example")
    assert exc.value.code == "duplicate" and "email" in exc.value.fields

    # re-saving its own code, or its own email in another case, is not a clash with itself
    services.customer_update(
        actor=cast.rep_a.user,
        customer=customer,
        version=1,
        credit_code=credit_code(1).lower(),
        email="B@acme.example",
        phone="0592 1234567",
    )
    customer.refresh_from_db()
    assert (customer.credit_code, customer.email, customer.phone_key) == (
        credit_code(1),
        "B@acme.example",
        "05921234567",
    )


def test_update_of_the_name_refreshes_the_name_key(cast):
    customer = make_customer(cast.rep_a)
    services.customer_update(actor=cast.rep_a.user, customer=customer, version=1, name="新名字股份有限公司")
    assert Customer.objects.get(pk=customer.pk).name_key == "新名字"


def test_tags_are_set_and_audited(cast):
    customer = make_customer(cast.rep_a, tags=["重点", " 华东 ", "重点", ""])
    assert sorted(customer.tags.values_list("name", flat=True)) == ["华东", "重点"]

    services.customer_update(actor=cast.rep_a.user, customer=customer, version=1, tags=["华东", "新能源"])
    assert sorted(customer.tags.values_list("name", flat=True)) == ["华东", "新能源"]
    assert Tag.objects.filter(name="重点").exists()  # tags stay for other customers

    row = audit_rows(customer).last()
    assert row.action == AuditAction.UPDATE
    assert row.changes["tags"]["new_display"] == "华东, 新能源"
    assert row.changes["tags"]["old_display"] == "华东, 重点"

    # the same set again writes no row
    before = audit_rows(customer).count()
    services.customer_update(actor=cast.rep_a.user, customer=customer, tags=["新能源", "华东"])
    assert audit_rows(customer).count() == before


def test_a_manager_hands_a_customer_to_a_team_member(cast):
    customer = make_customer(cast.rep_a)
    services.customer_update(actor=cast.lead_a.user, customer=customer, version=1, owner=cast.rep_a2.person)
    assert Customer.objects.get(pk=customer.pk).owner == cast.rep_a2.person
    assert customer.pk not in visible_customers(cast.rep_a)
    with pytest.raises(ApplicationError) as exc:
        services.customer_update(actor=cast.lead_a.user, customer=customer, owner=cast.rep_b.person)
    assert exc.value.code == "out_of_scope"


def test_a_collaborator_cannot_take_the_customer_over(cast):
    customer = make_customer(cast.rep_a)
    services.customer_add_collaborator(actor=cast.rep_a.user, customer=customer, person=cast.rep_b.person)

    # rep_b may edit the customer they work on...
    services.customer_update(actor=cast.rep_b.user, customer=customer, version=1, notes="拜访过")
    # ...but not make it theirs: rep_a and lead_a would lose it
    with pytest.raises(PermissionDeniedError):
        services.customer_update(actor=cast.rep_b.user, customer=customer, owner=cast.rep_b.person)
    assert Customer.objects.get(pk=customer.pk).owner == cast.rep_a.person


def test_unknown_fields_are_refused(cast):
    with pytest.raises(ApplicationError):
        make_customer(cast.rep_a, name_key="x")
    customer = make_customer(cast.rep_a)
    with pytest.raises(ApplicationError):
        services.customer_update(actor=cast.rep_a.user, customer=customer, last_contact_at=None)


# -- scope and collaborators --------------------------------------------------------------------


def test_customers_are_scoped_by_owner(cast):
    a = make_customer(cast.rep_a)
    a2 = make_customer(cast.rep_a2)
    b = make_customer(cast.rep_b)

    assert visible_customers(cast.rep_a) == {a.pk}
    assert visible_customers(cast.lead_a) == {a.pk, a2.pk}
    assert visible_customers(cast.lead_b) == {b.pk}
    assert visible_customers(cast.head) == {a.pk, a2.pk, b.pk}
    assert visible_customers(cast.director) == {a.pk, a2.pk, b.pk}
    # Customer Service and the order desk serve every customer, owning none: contact data stays masked
    contact = make_contact(cast.rep_a, a, mobile="13912345678")
    for member in (cast.agent, cast.clerk):
        assert visible_customers(member) == {a.pk, a2.pk, b.pk}, member.user.username
        assert visible_contacts(member) == {contact.pk}, member.user.username
        view = shown(member, a)[contact.pk]
        assert view.masked and view.mobile_shown != "13912345678", member.user.username
    with pytest.raises(Http404):
        selectors.customer_get_for_user(user=cast.rep_b.user, pk=a.pk)


def test_mine_lists_only_own_customers(cast):
    a = make_customer(cast.rep_a)
    make_customer(cast.lead_a)
    assert set(selectors.customer_list(user=cast.lead_a.user, mine=True).values_list("pk", flat=True)) == {
        c.pk for c in Customer.objects.filter(owner=cast.lead_a.person)
    }
    assert a.pk not in set(
        selectors.customer_list(user=cast.lead_a.user, mine=True).values_list("pk", flat=True)
    )


def test_mine_for_a_login_without_a_person_is_empty(cast):
    # the superuser made by createsuperuser has no person; "mine" must not mean "owned by nobody"
    from salescore.accounts.models import User

    root = User.objects.create_superuser("root2", "root2@example.com", "x-Password-2026")
    make_customer(cast.rep_a)
    Customer.objects.update(owner=None)
    assert not selectors.customer_list(user=root, mine=True).exists()
    assert selectors.customer_list(user=root).count() == 1


def test_collaborator_sees_the_customer_and_its_contacts_unmasked(cast):
    customer = make_customer(cast.rep_a)
    contact = make_contact(cast.rep_a, customer, mobile="13900001111", email="li@acme.example")
    assert customer.pk not in visible_customers(cast.rep_b)
    assert contact.pk not in visible_contacts(cast.rep_b)

    # when rep_a adds rep_b as a collaborator
    assert services.customer_add_collaborator(
        actor=cast.rep_a.user, customer=customer, person=cast.rep_b.person
    )

    # then rep_b sees the customer and its contacts, in full
    assert customer.pk in visible_customers(cast.rep_b)
    assert contact.pk in visible_contacts(cast.rep_b)
    view = shown(cast.rep_b, customer)[contact.pk]
    assert not view.masked and view.mobile_shown == "13900001111"
    assert list(selectors.collaborators(customer)) == [cast.rep_b.person]
    assert audit_rows(customer).last().changes["shared_with"]["new"] == cast.rep_b.pk

    # rep_a2 (rep_a's teammate, not a collaborator) still does not
    assert customer.pk not in visible_customers(cast.rep_a2)

    # and a collaborator cannot pass it on
    with pytest.raises(Http404):
        services.customer_add_collaborator(
            actor=cast.rep_b.user, customer=customer, person=cast.rep_a2.person
        )

    # removing the collaborator hides it again
    assert services.customer_remove_collaborator(
        actor=cast.rep_a.user, customer=customer, person=cast.rep_b.person
    )
    assert customer.pk not in visible_customers(cast.rep_b)
    assert contact.pk not in visible_contacts(cast.rep_b)


# -- contacts -----------------------------------------------------------------------------------


def test_contacts_are_scoped_through_their_customer(cast):
    a = make_customer(cast.rep_a)
    b = make_customer(cast.rep_b)
    ca = make_contact(cast.rep_a, a)
    cb = make_contact(cast.rep_b, b)

    assert visible_contacts(cast.rep_a) == {ca.pk}
    assert visible_contacts(cast.rep_b) == {cb.pk}
    assert visible_contacts(cast.lead_a) == {ca.pk}
    assert visible_contacts(cast.head) == {ca.pk, cb.pk}
    assert visible_contacts(cast.director) == {ca.pk, cb.pk}
    with pytest.raises(Http404):
        selectors.contact_get_for_user(user=cast.rep_b.user, pk=ca.pk)
    # rep_b can neither add contacts to rep_a's customer nor change rep_a's contacts
    with pytest.raises(Http404):
        make_contact(cast.rep_b, a)
    with pytest.raises(Http404):
        services.contact_update(actor=cast.rep_b.user, contact=ca, name="x")
    with pytest.raises(Http404):
        services.contact_delete(actor=cast.rep_b.user, contact=ca)


def test_contacts_of_a_deleted_customer_are_hidden(cast):
    customer = make_customer(cast.rep_a)
    contact = make_contact(cast.rep_a, customer)
    services.customer_delete(actor=cast.rep_a.user, customer=customer)

    for member in (cast.rep_a, cast.director):
        assert contact.pk not in visible_contacts(member)
        with pytest.raises(Http404):
            selectors.contact_get_for_user(user=member.user, pk=contact.pk)


@pytest.mark.parametrize(
    ("viewer", "masked"),
    [("rep_a", False), ("lead_a", True), ("head", True), ("director", True), ("admin", True)],
)
def test_masking_rules(cast, viewer, masked):
    customer = make_customer(cast.rep_a)
    contact = make_contact(
        cast.rep_a,
        customer,
        mobile="13900001111",
        phone="0592-5556666",
        email="li@acme.example",
        wechat="liwx",
    )

    view = shown(getattr(cast, viewer), customer)[contact.pk]

    assert view.masked is masked
    if masked:
        assert (view.mobile_shown, view.phone_shown, view.email_shown, view.wechat_shown) == (
            "139****1111",
            "059****6666",
            "l***@acme.example",
            "l***",
        )
    else:
        assert (view.mobile_shown, view.email_shown, view.wechat_shown) == (
            "13900001111",
            "li@acme.example",
            "liwx",
        )
    assert view.name == contact.name  # other fields pass through


def test_reveal_is_logged(cast):
    customer = make_customer(cast.rep_a)
    contact = make_contact(cast.rep_a, customer, mobile="13900001111")

    value = services.contact_reveal(actor=cast.lead_a.user, contact=contact, field="mobile")

    assert value == "13900001111"
    row = audit_rows(contact).last()
    assert row.action == AuditAction.REVEAL == "reveal"
    assert row.actor_id == cast.lead_a.user.pk
    assert set(row.changes) == {"mobile"}
    assert "13900001111" not in str(row.changes)  # the trail says what was looked at, not the value


def test_reveal_out_of_scope_is_404_and_not_logged(cast):
    customer = make_customer(cast.rep_a)
    contact = make_contact(cast.rep_a, customer, mobile="13900001111")
    before = AuditLog.objects.count()
    with pytest.raises(Http404):
        services.contact_reveal(actor=cast.rep_b.user, contact=contact, field="mobile")
    with pytest.raises(ApplicationError):
        services.contact_reveal(actor=cast.rep_a.user, contact=contact, field="notes")
    assert AuditLog.objects.count() == before


def test_one_primary_contact_per_customer(cast):
    customer = make_customer(cast.rep_a)
    other = make_customer(cast.rep_a)
    first = make_contact(cast.rep_a, customer, is_primary=True)
    elsewhere = make_contact(cast.rep_a, other, is_primary=True)

    second = make_contact(cast.rep_a, customer, is_primary=True)
    assert list(Contact.objects.filter(customer=customer, is_primary=True)) == [second]

    first.refresh_from_db()
    services.contact_update(actor=cast.rep_a.user, contact=first, version=first.version, is_primary=True)
    assert list(Contact.objects.filter(customer=customer, is_primary=True)) == [first]
    assert Contact.objects.get(pk=elsewhere.pk).is_primary  # other customers are untouched


def test_contact_duplicates_are_refused(cast):
    customer = make_customer(cast.rep_a)
    make_contact(cast.rep_a, customer, mobile="13900001111", email="li@acme.example")
    with pytest.raises(ApplicationError) as exc:
        make_contact(cast.rep_a, customer, mobile="+86 139 0000 1111")
    assert exc.value.code == "duplicate" and "mobile" in exc.value.fields
    with pytest.raises(ApplicationError) as exc:
        make_contact(cast.rep_a, customer, email="LI@acme.example")
    assert exc.value.code == "duplicate" and "email" in exc.value.fields


def test_contact_update_checks_the_version(cast):
    contact = make_contact(cast.rep_a, make_customer(cast.rep_a))
    services.contact_update(actor=cast.rep_a.user, contact=contact, version=1, title="经理")
    with pytest.raises(ConflictError):
        services.contact_update(actor=cast.rep_a.user, contact=contact, version=1, title="总监")


def test_contact_soft_delete_and_restore(cast):
    customer = make_customer(cast.rep_a)
    contact = make_contact(cast.rep_a, customer)

    services.contact_delete(actor=cast.rep_a.user, contact=contact)
    assert contact.pk not in visible_contacts(cast.rep_a)
    assert Contact.all_objects.get(pk=contact.pk).is_deleted

    # a rep cannot restore from the recycle bin; a director can
    record = Contact.all_objects.get(pk=contact.pk)
    with pytest.raises(PermissionDeniedError):
        services.contact_restore(actor=cast.rep_a.user, record=record)
    services.contact_restore(actor=cast.director.user, record=record)
    assert contact.pk in visible_contacts(cast.rep_a)
    assert [r.action for r in audit_rows(contact)] == ["create", "delete", "restore"]


def test_a_contact_waits_for_its_customer_to_be_restored(cast):
    customer = make_customer(cast.rep_a)
    contact = make_contact(cast.rep_a, customer)
    services.contact_delete(actor=cast.rep_a.user, contact=contact)
    services.customer_delete(actor=cast.rep_a.user, customer=customer)

    with pytest.raises(ApplicationError) as exc:
        services.contact_restore(actor=cast.director.user, record=Contact.all_objects.get(pk=contact.pk))
    assert exc.value.code == "parent_deleted"


@pytest.mark.parametrize("desk", ["agent", "clerk"])
def test_desks_look_at_every_customer_but_change_none_of_theirs(cast, desk):
    # Given rep_a's customer with a contact, seen by Customer Service or the order desk
    member = getattr(cast, desk)
    customer = make_customer(cast.rep_a)
    contact = make_contact(cast.rep_a, customer, mobile="13912345678")
    assert selectors.customer_get_for_user(user=member.user, pk=customer.pk) == customer

    # then every change is refused with 403 (they may see it, so no 404), and nothing changes
    attempts = [
        lambda: services.customer_update(actor=member.user, customer=customer, notes="改"),
        lambda: services.customer_delete(actor=member.user, customer=customer),
        lambda: services.customer_release(actor=member.user, customer=customer, reason="测试"),
        lambda: services.customer_add_collaborator(
            actor=member.user, customer=customer, person=member.person
        ),
        lambda: services.contact_create(actor=member.user, customer=customer, name="新联系人"),
        lambda: services.contact_update(actor=member.user, contact=contact, title="经理"),
        lambda: services.contact_delete(actor=member.user, contact=contact),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDeniedError):
            attempt()
    assert not selectors.customer_can_manage(user=member.user, customer=customer)
    customer.refresh_from_db()
    assert customer.owner_id == cast.rep_a.pk and customer.deleted_at is None and customer.notes == ""
    # and the contact data stays masked for them (R3.8)
    assert selectors.contacts_for_customer(user=member.user, customer=customer)[0].masked
