"""Lead pages (R3.2). Thin: parse the form, call a service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salescore.core.errors import ApplicationError
from salescore.core.pagination import paginate
from salescore.core.permissions import Cap, access_for, require, unmasked_ids
from salescore.core.web import form_error, is_htmx
from salescore.customers.identity import mask_value
from salescore.leads import selectors, services
from salescore.leads.forms import (
    AssignForm,
    ConvertForm,
    DisqualifyForm,
    LeadFilterForm,
    LeadForm,
    PolicyForm,
    RuleForm,
    TouchForm,
)
from salescore.leads.models import AssignmentRule, Lead, LeadPolicy
from salescore.leads.rows import for_rows, lead_rows


def opportunity_url(opportunity_id: int | None) -> str | None:
    """The opportunity's page, if the pipeline pages are installed."""
    if opportunity_id is None:
        return None
    try:
        return reverse("pipeline:opportunity_detail", args=[opportunity_id])
    except NoReverseMatch:
        return None


def _duplicate_link(exc: ApplicationError) -> str | None:
    return exc.extra.get("existing_url") if exc.code == "duplicate" else None


# -- list ----------------------------------------------------------------------------------------


@login_required
def lead_list(request):
    access = access_for(request.user)
    form = LeadFilterForm(request.GET or None, user=request.user)
    rows = selectors.lead_list(user=request.user, **form.filters())
    number, size = request.GET.get("page", 1), request.GET.get("page_size", 25)
    page = paginate(for_rows(rows), page=number, page_size=size)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": lead_rows(page.items),
        "query": query.urlencode(),
        "now": timezone.now(),
        "can_create": access.can(Cap.LEADS_CREATE),
        "can_assign": access.can(Cap.LEADS_ASSIGN),
        "can_configure": access.can(Cap.LEADS_ASSIGN) or access.can(Cap.PROCESS_CONFIGURE),
        "can_export": access.can(Cap.CUSTOMERS_EXPORT),
    }
    template = "leads/_partials/lead_table.html" if is_htmx(request) else "leads/list.html"
    return render(request, template, context)


# -- entry and editing ---------------------------------------------------------------------------------


@login_required
def lead_create(request):
    require(request.user, Cap.LEADS_CREATE)
    form = LeadForm(request.POST or None, user=request.user)
    existing_url = None
    if request.method == "POST" and form.is_valid():
        try:
            lead = services.lead_create(
                actor=request.user, owner=form.cleaned_data.get("owner"), **form.lead_fields()
            )
        except ApplicationError as exc:
            form_error(form, exc)
            existing_url = _duplicate_link(exc)
        else:
            due = timezone.localtime(lead.first_contact_due).strftime("%Y-%m-%d %H:%M")
            if lead.owner_id:
                messages.success(
                    request,
                    _("%(lead)s is registered and given to %(owner)s, who must contact them by %(due)s.")
                    % {"lead": lead, "owner": lead.owner, "due": due},
                )
            else:
                messages.warning(
                    request,
                    _("%(lead)s is registered. No assignment rule matched: it waits for an assigner.")
                    % {"lead": lead},
                )
            if selectors.visible_leads(request.user).filter(pk=lead.pk).exists():
                return redirect("leads:detail", pk=lead.pk)
            # Someone who only registers leads (customer service, market research) enters the next.
            return redirect("leads:create")
    return render(request, "leads/form.html", {"form": form, "lead": None, "existing_url": existing_url})


@login_required
def lead_edit(request, pk: int):
    lead = selectors.lead_get_for_user(user=request.user, pk=pk)
    # A manager who sees the lead masked (R3.8) edits it without seeing its phone, e-mail, WeChat.
    masked = {}
    if lead.pk not in unmasked_ids(Lead, request.user, [lead.pk]):
        masked = {name: mask_value(name, getattr(lead, name)) for name in Lead.private_fields}
    initial = {name: getattr(lead, name) for name in LeadForm.FIELDS if name not in masked}
    initial["version"] = lead.version
    form = LeadForm(
        request.POST or None, user=request.user, editing=True, initial=initial, masked_values=masked
    )
    existing_url = None
    if request.method == "POST" and form.is_valid():
        try:
            services.lead_update(
                actor=request.user, lead=lead, version=form.cleaned_data["version"], **form.lead_fields()
            )
        except ApplicationError as exc:
            form_error(form, exc)
            existing_url = _duplicate_link(exc)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": lead})
            return redirect("leads:detail", pk=lead.pk)
    return render(request, "leads/form.html", {"form": form, "lead": lead, "existing_url": existing_url})


# -- one lead ------------------------------------------------------------------------------------------


def _detail(request, lead: Lead, *, status: int = 200, existing_url: str | None = None, **forms):
    access = access_for(request.user)
    user = request.user
    context = {
        "lead": lead,
        "touches": list(selectors.touches(lead)[:100]),
        "now": timezone.now(),
        "can_delete": access.can(Cap.LEADS_ASSIGN),
        "existing_url": existing_url,
        "opportunity_url": opportunity_url(lead.opportunity_id),
        "can_view_campaigns": access.can(Cap.CAMPAIGNS_VIEW),
    }
    if lead.is_open:
        if access.person_id is not None:
            context["touch_form"] = forms.get("touch_form") or TouchForm()
        context["disqualify_form"] = forms.get("disqualify_form") or DisqualifyForm()
        if selectors.lead_can_assign(user=user, lead=lead):
            context["assign_form"] = forms.get("assign_form") or AssignForm(
                user=user, initial={"owner": lead.owner_id}
            )
        if access.can(Cap.PIPELINE_WORK) and access.can(Cap.CUSTOMERS_CREATE):
            context["convert_form"] = forms.get("convert_form") or ConvertForm(lead=lead, user=user)
            context["matches"] = selectors.matching_contacts(lead, user=user)
    return render(request, "leads/detail.html", context, status=status)


@login_required
def lead_detail(request, pk: int):
    return _detail(request, selectors.lead_get_for_user(user=request.user, pk=pk))


@login_required
@require_POST
def lead_touch(request, pk: int):
    lead = selectors.lead_get_for_user(user=request.user, pk=pk)
    form = TouchForm(request.POST)
    if form.is_valid():
        try:
            services.lead_record_touch(
                actor=request.user,
                lead=lead,
                channel=form.cleaned_data["channel"],
                summary=form.cleaned_data["summary"],
                reached=form.cleaned_data["reached"],
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The contact is recorded."))
            return redirect("leads:detail", pk=lead.pk)
    return _detail(request, lead, touch_form=form)


@login_required
@require_POST
def lead_qualify(request, pk: int):
    lead = selectors.lead_get_for_user(user=request.user, pk=pk)
    try:
        services.lead_qualify(actor=request.user, lead=lead)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(lead)s is qualified.") % {"lead": lead})
    return redirect("leads:detail", pk=lead.pk)


@login_required
@require_POST
def lead_disqualify(request, pk: int):
    lead = selectors.lead_get_for_user(user=request.user, pk=pk)
    form = DisqualifyForm(request.POST)
    if form.is_valid():
        try:
            services.lead_disqualify(actor=request.user, lead=lead, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("%(lead)s is disqualified.") % {"lead": lead})
            return redirect("leads:detail", pk=lead.pk)
    return _detail(request, lead, disqualify_form=form)


@login_required
@require_POST
def lead_assign(request, pk: int):
    lead = selectors.lead_get_for_user(user=request.user, pk=pk)
    if not selectors.lead_can_assign(user=request.user, lead=lead):
        raise PermissionDenied
    form = AssignForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.lead_assign(actor=request.user, lead=lead, owner=form.cleaned_data["owner"])
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(
                request,
                _("%(lead)s is given to %(owner)s.") % {"lead": lead, "owner": form.cleaned_data["owner"]},
            )
            if selectors.visible_leads(request.user).filter(pk=lead.pk).exists():
                return redirect("leads:detail", pk=lead.pk)
            return redirect("leads:list")
    return _detail(request, lead, assign_form=form)


@login_required
@require_POST
def lead_convert(request, pk: int):
    lead = selectors.lead_get_for_user(user=request.user, pk=pk)
    form = ConvertForm(request.POST, lead=lead, user=request.user)
    existing_url = None
    if form.is_valid():
        data = form.cleaned_data
        existing = data["customer"] if data["target"] == ConvertForm.EXISTING else None
        try:
            customer, _contact, opportunity = services.lead_convert(
                actor=request.user,
                lead=lead,
                customer=existing,
                customer_name=data["customer_name"],
                opportunity_name=data["opportunity_name"],
                create_opportunity=data["create_opportunity"],
            )
        except ApplicationError as exc:
            form_error(form, exc)
            existing_url = _duplicate_link(exc)
        else:
            messages.success(
                request,
                _("%(lead)s is converted: customer %(customer)s.")
                % {"lead": lead, "customer": customer.name},
            )
            url = opportunity_url(opportunity.pk if opportunity else None)
            return redirect(url or reverse("customers:detail", args=[customer.pk]))
    return _detail(request, lead, convert_form=form, existing_url=existing_url)


@login_required
@require_POST
def lead_delete(request, pk: int):
    lead = selectors.lead_get_for_user(user=request.user, pk=pk)
    try:
        services.lead_delete(actor=request.user, lead=lead)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("leads:detail", pk=lead.pk)
    messages.success(
        request, _("%(name)s is deleted. It can be restored from the recycle bin.") % {"name": lead}
    )
    return redirect("leads:list")


# -- assignment rules and the first-contact policy ------------------------------------------------------


def _require_configure(user):
    access = access_for(user)
    if not (access.can(Cap.LEADS_ASSIGN) or access.can(Cap.PROCESS_CONFIGURE)):
        require(user, Cap.LEADS_ASSIGN)  # raises the usual 403
    return access


def _rule_kwargs(data) -> dict:
    return {
        "name": data["name"],
        "region": data["region"],
        "channel": data["channel"] or "",
        "team": data["team"],
        "priority": data["priority"],
        "active": data["active"],
    }


def _rules_page(request, *, rule_form=None, policy_form=None, status: int = 200):
    access = access_for(request.user)
    can_rules = access.can(Cap.LEADS_ASSIGN)
    can_policy = access.can(Cap.PROCESS_CONFIGURE)
    policy = LeadPolicy.current()
    context = {
        "rules": selectors.rules_list(request.user),
        "policy": policy,
        "can_rules": can_rules,
        "can_policy": can_policy,
        "rule_form": (rule_form or RuleForm(user=request.user)) if can_rules else None,
        "policy_form": (
            policy_form or PolicyForm(initial={"first_contact_hours": policy.first_contact_hours})
        )
        if can_policy
        else None,
    }
    return render(request, "leads/rules.html", context, status=status)


@login_required
def rules(request):
    """GET: the rules and the policy. POST: a new rule (assigners)."""
    access = _require_configure(request.user)
    if request.method != "POST":
        return _rules_page(request)
    if not access.can(Cap.LEADS_ASSIGN):
        require(request.user, Cap.LEADS_ASSIGN)
    form = RuleForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            rule = services.rule_save(actor=request.user, **_rule_kwargs(form.cleaned_data))
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("%(name)s is created.") % {"name": rule})
            return redirect("leads:rules")
    return _rules_page(request, rule_form=form)


@login_required
def rule_edit(request, pk: int):
    require(request.user, Cap.LEADS_ASSIGN)
    rule = get_object_or_404(AssignmentRule.objects.select_related("team", "region"), pk=pk)
    initial = {
        "name": rule.name,
        "region": rule.region,
        "channel": rule.channel,
        "team": rule.team,
        "priority": rule.priority,
        "active": rule.active,
        "version": rule.version,
    }
    form = RuleForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.rule_save(
                actor=request.user,
                rule=rule,
                version=form.cleaned_data["version"],
                **_rule_kwargs(form.cleaned_data),
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": rule.name})
            return redirect("leads:rules")
    return render(request, "leads/rule_form.html", {"form": form, "rule": rule})


@login_required
@require_POST
def policy(request):
    require(request.user, Cap.PROCESS_CONFIGURE)
    form = PolicyForm(request.POST)
    if form.is_valid():
        try:
            services.policy_update(
                actor=request.user, first_contact_hours=form.cleaned_data["first_contact_hours"]
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The first-contact policy is saved."))
            return redirect("leads:rules")
    return _rules_page(request, policy_form=form)
