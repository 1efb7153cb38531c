"""Quotes and discount approval (R3.9): the authority matrix decides who approves, the approval
reaches the right manager's inbox, approved prices stay fixed, revisions and duplicates start over."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import timezone

from salescore.core.errors import ApplicationError, PermissionDeniedError
from salescore.core.models import Notification
from salescore.orders import services
from salescore.orders.models import Approval, DiscountRule, Quote
from salescore.orders.tests.factories import (
    make_category,
    make_customer,
    make_opportunity,
    make_product,
    make_quote,
)
from salescore.pipeline import services as pipeline_services


def _quote(member, discount, *, product=None, customer=None, quantity=1):
    product = product or make_product()
    return make_quote(
        member,
        customer=customer,
        lines=[{"product": product.pk, "quantity": quantity, "discount": str(discount)}],
    )


def _submit(member, quote, **kwargs):
    return services.quote_submit(actor=member.user, quote=quote, **kwargs)


def _pending(quote) -> Approval:
    return Approval.objects.get(quote=quote, status=Approval.Status.PENDING)


# -- creating -----------------------------------------------------------------------------------


def test_a_quote_defaults_to_the_products_accepted_into_the_opportunity(cast):
    # given an opportunity with two accepted products
    opportunity = make_opportunity(cast.rep_a)
    drill = make_product(list_price=Decimal("12000.00"), price_floor=Decimal("9000.00"))
    arm = make_product(list_price=Decimal("50000.00"), price_floor=Decimal("40000.00"))
    pipeline_services.product_propose(
        actor=cast.rep_a.user, opportunity=opportunity, product=drill, quantity=3
    )
    pipeline_services.product_propose(actor=cast.rep_a.user, opportunity=opportunity, product=arm)

    # when a quote is made without lines
    quote = services.quote_create(actor=cast.rep_a.user, opportunity=opportunity)

    # then it lists them at list price, with the opportunity's contact, numbered and dated
    lines = {line.product_id: line for line in quote.lines.all()}
    assert set(lines) == {drill.pk, arm.pk}
    assert (lines[drill.pk].quantity, lines[drill.pk].unit_price) == (Decimal(3), Decimal("12000.00"))
    assert lines[arm.pk].discount == 0
    # 36000 + 50000 = 86000.00, 13% tax 11180.00
    assert (quote.net_total, quote.tax_total, quote.total) == (
        Decimal("86000.00"),
        Decimal("11180.00"),
        Decimal("97180.00"),
    )
    assert quote.status == Quote.Status.DRAFT and quote.revision == 1
    assert quote.number.startswith(f"QT-{timezone.localdate().year}-")
    assert quote.contact == opportunity.contacts.get()
    assert quote.owner == cast.rep_a.person
    assert quote.valid_until == timezone.localdate() + dt.timedelta(days=30)


def test_quoting_needs_the_capability_and_the_opportunity_in_scope(cast):
    opportunity = make_opportunity(cast.rep_a)
    with pytest.raises(PermissionDeniedError):
        services.quote_create(actor=cast.agent.user, opportunity=opportunity, lines=[])
    with pytest.raises(Http404):
        services.quote_create(actor=cast.rep_b.user, opportunity=opportunity, lines=[])


# -- authority ----------------------------------------------------------------------------------


def test_a_discount_within_the_reps_authority_is_approved_at_once(cast):
    quote = _submit(cast.rep_a, _quote(cast.rep_a, "5"))

    assert quote.status == Quote.Status.APPROVED
    assert quote.approved_by == cast.rep_a.user and quote.approved_at is not None
    assert quote.required_level == "rep" and quote.max_discount == Decimal("5")
    assert not Approval.objects.filter(quote=quote).exists()


def test_a_quote_without_discount_needs_nobody(cast):
    quote = _submit(cast.rep_a, _quote(cast.rep_a, "0"))
    assert (quote.status, quote.required_level) == (Quote.Status.APPROVED, "")


def test_a_larger_discount_goes_to_the_reps_team_lead(cast):
    # when the rep submits 8% (rep 5%, team lead 10%)
    quote = _submit(cast.rep_a, _quote(cast.rep_a, "8"), reason="竞品报价低")

    # then the quote waits for the team lead, who finds it in the inbox
    assert quote.status == Quote.Status.PENDING and quote.required_level == "team_lead"
    approval = _pending(quote)
    assert approval.approver == cast.lead_a.person
    assert approval.requested_by == cast.rep_a.user and approval.reason == "竞品报价低"
    message = Notification.objects.get(recipient=cast.lead_a.user, kind="quote_approval")
    assert str(quote) in message.title and "竞品报价低" in message.body
    assert not Notification.objects.filter(recipient=cast.head.user, kind="quote_approval").exists()

    # when the team lead approves
    services.approval_decide(actor=cast.lead_a.user, approval=approval, approve=True, comment="同意")

    # then the quote is approved and the rep hears about it
    quote.refresh_from_db()
    assert quote.status == Quote.Status.APPROVED and quote.approved_by == cast.lead_a.user
    approval.refresh_from_db()
    assert (approval.status, approval.decided_by, approval.comment) == ("approved", cast.lead_a.user, "同意")
    assert Notification.objects.filter(recipient=cast.rep_a.user, kind="quote_decided").exists()


def test_rejecting_needs_a_comment_and_sends_the_quote_back(cast):
    quote = _submit(cast.rep_a, _quote(cast.rep_a, "8"))
    approval = _pending(quote)

    with pytest.raises(ApplicationError) as exc:
        services.approval_decide(actor=cast.lead_a.user, approval=approval, approve=False, comment="  ")
    assert exc.value.code == "required" and "comment" in exc.value.fields

    services.approval_decide(actor=cast.lead_a.user, approval=approval, approve=False, comment="折扣过高")
    quote.refresh_from_db()
    assert quote.status == Quote.Status.REJECTED and quote.editable
    with pytest.raises(ApplicationError) as exc:
        services.approval_decide(actor=cast.lead_a.user, approval=approval, approve=True)
    assert exc.value.code == "invalid_status"

    # a rejected quote can be changed and submitted again
    quote = services.quote_set_lines(
        actor=cast.rep_a.user,
        quote=quote,
        lines=[{"product": quote.lines.get().product_id, "quantity": 1, "discount": "4"}],
    )
    assert quote.status == Quote.Status.DRAFT
    assert _submit(cast.rep_a, quote).status == Quote.Status.APPROVED


def test_the_requester_and_people_without_authority_cannot_decide(cast):
    quote = _submit(cast.rep_a, _quote(cast.rep_a, "8"))
    approval = _pending(quote)

    for member in (cast.rep_a, cast.rep_a2, cast.lead_b, cast.clerk):
        with pytest.raises(PermissionDeniedError):
            services.approval_decide(actor=member.user, approval=approval, approve=True)
    # someone above the level who sees the quote may decide in the approver's place
    services.approval_decide(actor=cast.head.user, approval=approval, approve=True)
    assert Quote.objects.get(pk=quote.pk).status == Quote.Status.APPROVED


def test_a_lead_cannot_approve_a_request_they_made(cast):
    # the team lead submits the rep's quote at 12%: beyond the lead's 10%, so the head decides
    quote = _quote(cast.rep_a, "12")
    quote = _submit(cast.lead_a, quote)
    approval = _pending(quote)
    assert approval.requested_by == cast.lead_a.user and approval.approver == cast.head.person
    assert not services.can_decide(cast.lead_a.user, approval)
    # raising the lead's ceiling afterwards does not let them approve their own request
    DiscountRule.objects.filter(position="team_lead").update(max_discount=Decimal("20"))
    with pytest.raises(PermissionDeniedError):
        services.approval_decide(actor=cast.lead_a.user, approval=approval, approve=True)


def test_twelve_percent_needs_the_section_head(cast):
    quote = _submit(cast.rep_a, _quote(cast.rep_a, "12"))
    approval = _pending(quote)

    assert approval.required_level == "section_head" and approval.approver == cast.head.person
    assert Notification.objects.filter(recipient=cast.head.user, kind="quote_approval").exists()
    with pytest.raises(PermissionDeniedError):
        services.approval_decide(actor=cast.lead_a.user, approval=approval, approve=True)
    services.approval_decide(actor=cast.head.user, approval=approval, approve=True)
    assert Quote.objects.get(pk=quote.pk).status == Quote.Status.APPROVED


def test_a_price_below_the_floor_needs_the_director(cast):
    # 6% off needs only the team lead, but the floor is 5% below list
    product = make_product(list_price=Decimal("10000.00"), price_floor=Decimal("9500.00"))
    quote = _submit(cast.rep_a, _quote(cast.rep_a, "6", product=product))

    approval = _pending(quote)
    assert quote.below_floor and approval.required_level == "director"
    assert approval.approver == cast.director.person
    for member in (cast.lead_a, cast.head):
        assert not services.can_decide(member.user, approval)
    services.approval_decide(actor=cast.director.user, approval=approval, approve=True)


def test_beyond_every_ceiling_the_director_still_decides(cast):
    product = make_product(list_price=Decimal("10000.00"), price_floor=Decimal("0.00"))
    quote = _submit(cast.rep_a, _quote(cast.rep_a, "30", product=product))
    assert _pending(quote).approver == cast.director.person


def test_the_most_specific_rule_decides(cast, admin_rule):
    # given: reps may give 8% on robots, 12% on robots to tier-A customers, 6% to any tier-A customer
    robots = make_category()
    admin_rule(position="rep", category=robots, max_discount="8")
    admin_rule(position="rep", category=robots, customer_tier="A", max_discount="12")
    admin_rule(position="rep", customer_tier="A", max_discount="6")
    robot = make_product(category=robots, price_floor=Decimal("0.00"))
    other = make_product(price_floor=Decimal("0.00"))
    a_customer = make_customer(cast.rep_a, tier="A")
    c_customer = make_customer(cast.rep_a, tier="C")

    def level(discount, product, customer):
        quote = _submit(cast.rep_a, _quote(cast.rep_a, discount, product=product, customer=customer))
        return quote.status, quote.required_level

    # category and tier > category > tier > any
    assert level("12", robot, a_customer) == ("approved", "rep")
    assert level("8", robot, c_customer) == ("approved", "rep")
    assert level("9", robot, c_customer) == ("pending", "team_lead")
    assert level("6", other, a_customer) == ("approved", "rep")
    assert level("7", other, a_customer) == ("pending", "team_lead")
    assert level("6", other, c_customer) == ("pending", "team_lead")  # the default 5%


def test_a_quote_needs_the_highest_level_any_line_needs(cast):
    quote = make_quote(
        cast.rep_a,
        lines=[
            {"product": make_product().pk, "quantity": 1, "discount": "3"},
            {"product": make_product().pk, "quantity": 1, "discount": "12"},
            {"product": make_product().pk, "quantity": 1, "discount": "8"},
        ],
    )
    quote = _submit(cast.rep_a, quote)
    assert quote.required_level == "section_head" and quote.max_discount == Decimal("12")


# -- approved prices stay fixed -----------------------------------------------------------------


def test_an_approved_quotes_lines_cannot_change(cast):
    quote = _submit(cast.rep_a, _quote(cast.rep_a, "5"))
    line = quote.lines.get()

    with pytest.raises(ApplicationError) as exc:
        services.quote_set_lines(
            actor=cast.rep_a.user,
            quote=quote,
            lines=[{"product": line.product_id, "quantity": 1, "discount": "30"}],
        )
    assert exc.value.code == "not_editable"
    with pytest.raises(ApplicationError):
        services.quote_update(actor=cast.rep_a.user, quote=quote, terms="改了")
    assert Quote.objects.get(pk=quote.pk).lines.get().discount == Decimal("5")

    # nor can a pending one (withdraw it first)
    pending = _submit(cast.rep_a, _quote(cast.rep_a, "8"))
    with pytest.raises(ApplicationError):
        services.quote_set_lines(actor=cast.rep_a.user, quote=pending, lines=[])


def test_revise_makes_a_new_draft_and_supersedes_the_old(cast):
    v1 = _submit(cast.rep_a, _quote(cast.rep_a, "5", quantity=2))

    v2 = services.quote_revise(actor=cast.rep_a.user, quote=v1)

    v1.refresh_from_db()
    assert v1.status == Quote.Status.SUPERSEDED
    assert (v2.number, v2.revision, v2.previous, v2.status) == (v1.number, 2, v1, Quote.Status.DRAFT)
    assert v2.approved_at is None and v2.approved_by is None
    assert [(line.product_id, line.quantity, line.unit_price) for line in v2.lines.all()] == [
        (line.product_id, line.quantity, line.unit_price) for line in v1.lines.all()
    ]
    assert v2.total == v1.total
    # only the latest revision can be revised
    with pytest.raises(ApplicationError):
        services.quote_revise(actor=cast.rep_a.user, quote=v1)
    # the revision is editable and must be approved again
    services.quote_set_lines(
        actor=cast.rep_a.user,
        quote=v2,
        lines=[{"product": v2.lines.get().product_id, "quantity": 2, "discount": "9"}],
    )
    assert _submit(cast.rep_a, v2).status == Quote.Status.PENDING


def test_revising_a_pending_quote_withdraws_its_request(cast):
    v1 = _submit(cast.rep_a, _quote(cast.rep_a, "8"))
    v2 = services.quote_revise(actor=cast.rep_a.user, quote=v1)
    assert Approval.objects.get(quote=v1).status == Approval.Status.WITHDRAWN
    assert v2.status == Quote.Status.DRAFT


def test_a_duplicate_carries_no_approval(cast):
    original = _submit(cast.rep_a, _quote(cast.rep_a, "8"))
    services.approval_decide(actor=cast.lead_a.user, approval=_pending(original), approve=True)
    original.refresh_from_db()

    copy = services.quote_duplicate(actor=cast.rep_a.user, quote=original)

    assert copy.number != original.number and copy.revision == 1 and copy.previous is None
    assert copy.status == Quote.Status.DRAFT and copy.approved_by is None
    assert copy.lines.get().unit_price == original.lines.get().unit_price
    # the copy's 8% is asked for again
    assert _submit(cast.rep_a, copy).status == Quote.Status.PENDING


def test_withdraw_takes_a_pending_quote_back_to_draft(cast):
    quote = _submit(cast.rep_a, _quote(cast.rep_a, "8"))

    quote = services.quote_withdraw(actor=cast.rep_a.user, quote=quote)

    assert quote.status == Quote.Status.DRAFT
    approval = Approval.objects.get(quote=quote)
    assert approval.status == Approval.Status.WITHDRAWN
    assert not services.can_decide(cast.lead_a.user, approval)
    with pytest.raises(ApplicationError):
        services.quote_withdraw(actor=cast.rep_a.user, quote=quote)


def test_customer_steps(cast):
    draft = _quote(cast.rep_a, "0")
    with pytest.raises(ApplicationError):
        services.quote_mark(actor=cast.rep_a.user, quote=draft, step="send")
    quote = _submit(cast.rep_a, draft)
    quote = services.quote_mark(actor=cast.rep_a.user, quote=quote, step="send")
    assert quote.status == Quote.Status.SENT and quote.decided_at is None
    quote = services.quote_mark(actor=cast.rep_a.user, quote=quote, step="accept", note="客户签字")
    assert quote.status == Quote.Status.ACCEPTED and quote.decided_at and "客户签字" in quote.notes
    with pytest.raises(ApplicationError):
        services.quote_mark(actor=cast.rep_a.user, quote=quote, step="decline")


def test_an_expired_quote_cannot_be_submitted_or_accepted(cast):
    quote = _quote(cast.rep_a, "0")
    Quote.objects.filter(pk=quote.pk).update(valid_until=timezone.localdate() - dt.timedelta(days=1))
    with pytest.raises(ApplicationError) as exc:
        _submit(cast.rep_a, quote)
    assert exc.value.code == "expired"


def test_delete_only_drafts(cast):
    approved = _submit(cast.rep_a, _quote(cast.rep_a, "0"))
    with pytest.raises(ApplicationError):
        services.quote_delete(actor=cast.rep_a.user, quote=approved)
    draft = _quote(cast.rep_a, "0")
    services.quote_delete(actor=cast.rep_a.user, quote=draft)
    assert not Quote.objects.filter(pk=draft.pk).exists()


@pytest.fixture
def admin_rule(cast):
    def make(*, max_discount, **fields):
        rule = DiscountRule(max_discount=Decimal(max_discount), **fields)
        rule.save(actor=cast.admin.user)
        return rule

    return make
