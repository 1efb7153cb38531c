"""Pipeline pages. Thin: parse, call a service or selector, render.

The board, the opportunity page and the API move stages through the one gated service,
``services.opportunity_advance``; a refusal names the entry criteria still missing (R3.1).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from salescore.catalog.models import Product
from salescore.core.errors import ApplicationError
from salescore.core.pagination import paginate
from salescore.core.permissions import Cap, access_for, require
from salescore.core.web import filter_values, form_error, is_htmx, safe_next
from salescore.customers.selectors import customer_get_for_user
from salescore.pipeline import selectors, services
from salescore.pipeline.forms import (
    ActivityFilterForm,
    ActivityForm,
    BoardFilterForm,
    MoveForm,
    NeedsForm,
    OpportunityFilterForm,
    OpportunityForm,
    ReopenForm,
)
from salescore.pipeline.gates import GATES
from salescore.pipeline.models import Activity, OpportunityProduct, Stage
from salescore.pipeline.rows import (
    activities_for_rows,
    activity_rows,
    board_cards,
    opportunities_for_rows,
    opportunity_rows,
    parse_board_cursor,
)

# -- the board ---------------------------------------------------------------------------------


def _query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _more_url(form: BoardFilterForm, stage_pk: int, cards: list[dict]) -> str:
    """Where a column loads its next cards: after its last card, with the board's filter."""
    data = form.cleaned_data if form.is_valid() else {}
    query = {"before": cards[-1]["cursor"]}
    if data.get("owner") is not None:
        query["owner"] = data["owner"].pk
    if data.get("mine"):
        query["mine"] = "on"
    return f"{reverse('pipeline:board_more', args=[stage_pk])}?{urlencode(query)}"


def _board_context(request, form: BoardFilterForm, *, refused: int | None = None) -> dict:
    """The board's columns with their cards; ``refused``: the card whose move was refused."""
    owner = form.owner_for(request.user)
    columns = selectors.board(user=request.user, owner=owner)
    can_work = access_for(request.user).can(Cap.PIPELINE_WORK)
    # "All n in the list": the opportunity list of the stage, for the board's owner.
    listed = reverse("pipeline:opportunities")
    owned = {"owner": owner.pk} if owner is not None and owner.pk else {}
    for column in columns:
        column.cards = board_cards(column.cards, can_work=can_work, refused=refused)
        column.more_url = _more_url(form, column.stage.pk, column.cards) if column.more else ""
        column.list_url = f"{listed}?{urlencode({'stage': column.stage.pk, **owned})}"
    return {"form": form, "columns": columns, "can_work": can_work}


@login_required
def board(request):
    form = BoardFilterForm(request.GET or None, user=request.user)
    context = _board_context(request, form)
    template = "pipeline/_partials/board_columns.html" if is_htmx(request) else "pipeline/board.html"
    return render(request, template, context)


@login_required
@require_GET
def board_more(request, stage: int):
    """A board column's next cards (htmx): the cards after ``before``, with the board's filter,
    and the button for the ones after them."""
    stage = get_object_or_404(Stage, pk=stage, active=True)
    before = parse_board_cursor(request.GET.get("before", ""))
    if before is None:
        raise ApplicationError(
            _("The column's position is not valid; reload the board."),
            code="invalid",
            fields={"before": _("Not a position on the board.")},
        )
    form = BoardFilterForm(request.GET, user=request.user)
    cards, more = selectors.board_more(
        user=request.user, stage=stage, before=before, owner=form.owner_for(request.user)
    )
    can_work = access_for(request.user).can(Cap.PIPELINE_WORK)
    cards = board_cards(cards, can_work=can_work)
    more_url = _more_url(form, stage.pk, cards) if more else ""
    context = {"cards": cards, "more_url": more_url, "can_work": can_work}
    return render(request, "pipeline/_partials/board_cards.html", context)


def _missing(exc: ApplicationError) -> list[str]:
    """The entry criteria a refusal names, as people read them."""
    return [str(message) for key, message in exc.fields.items() if key in GATES]


@login_required
@require_POST
def opportunity_move(request, pk: int):
    """Move to another stage: the board drops a card here (htmx), the opportunity page posts its form."""
    opportunity = selectors.opportunity_get_for_user(user=request.user, pk=pk)
    form = MoveForm(request.POST, opportunity=opportunity)
    error = None
    if form.is_valid():
        try:
            require(request.user, Cap.PIPELINE_WORK)
            moved = services.opportunity_advance(
                actor=request.user,
                opportunity=opportunity,
                to_stage=form.cleaned_data["stage"],
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data.get("version"),
            )
        except ApplicationError as exc:
            error = exc
    if request.POST.get("board"):
        # The board re-renders its columns with the same filter; a refusal shows above them and
        # the card stays where it was.
        refused = opportunity.pk if error is not None or not form.is_valid() else None
        context = _board_context(request, BoardFilterForm(request.POST, user=request.user), refused=refused)
        if error is not None:
            context.update(move_error=error.message, move_missing=_missing(error), move_failed=opportunity)
        elif not form.is_valid():
            context.update(move_error=_("Choose a stage."), move_failed=opportunity)
        else:
            context.update(moved=moved)
        return render(request, "pipeline/_partials/board_columns.html", context)
    if error is None and form.is_valid():
        messages.success(request, _("%(name)s is now in %(stage)s.") % {"name": moved, "stage": moved.stage})
        return redirect("pipeline:opportunity_detail", pk=opportunity.pk)
    if error is not None:
        form_error(form, error)
        if "loss_reason" in error.fields:
            form.add_error("reason", str(error.fields["loss_reason"]))
    context = _detail_context(request, opportunity, move_form=form)
    context["move_missing"] = _missing(error) if error is not None else []
    return render(request, "pipeline/opportunity_detail.html", context)


# -- opportunities -----------------------------------------------------------------------------


def _opportunity_rows(request):
    """The list's filter, shared by the page and its export."""
    form = OpportunityFilterForm(request.GET or None, user=request.user)
    data = form.cleaned_data if form.is_valid() else {}
    rows = selectors.opportunity_list(
        user=request.user,
        q=data.get("q") or None,
        stage=data.get("stage"),
        owner=data.get("owner"),
        customer=data.get("customer"),
        open_only=bool(data.get("open")),
        closing_before=data.get("closing_before"),
        order=data.get("order") or "-updated",
    )
    return form, data, rows


@login_required
def opportunity_list(request):
    form, data, rows = _opportunity_rows(request)
    number, size = request.GET.get("page", 1), request.GET.get("page_size", 25)
    page = paginate(opportunities_for_rows(rows), page=number, page_size=size)
    context = {
        "form": form,
        "page": page,
        "rows": opportunity_rows(page.items),
        "query": _query(request),
        "customer": data.get("customer"),
        "can_work": access_for(request.user).can(Cap.PIPELINE_WORK),
        "can_export": access_for(request.user).can(Cap.CUSTOMERS_EXPORT),
    }
    template = (
        "pipeline/_partials/opportunity_table.html" if is_htmx(request) else "pipeline/opportunity_list.html"
    )
    return render(request, template, context)


@login_required
def opportunity_create(request):
    access = require(request.user, Cap.PIPELINE_WORK)
    initial = {"owner": access.person_id}
    customer_id = request.GET.get("customer")
    if customer_id:
        initial["customer"] = customer_get_for_user(user=request.user, pk=customer_id).pk
    form = OpportunityForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            opportunity = services.opportunity_create(
                actor=request.user,
                customer=form.cleaned_data["customer"],
                contacts=list(form.cleaned_data["contacts"]),
                **form.service_fields(),
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("%(name)s is created.") % {"name": opportunity})
            return redirect("pipeline:opportunity_detail", pk=opportunity.pk)
    return render(request, "pipeline/opportunity_form.html", {"form": form, "opportunity": None})


@login_required
def opportunity_edit(request, pk: int):
    opportunity = selectors.opportunity_get_for_user(user=request.user, pk=pk)
    require(request.user, Cap.PIPELINE_WORK)
    initial = {
        "customer": opportunity.customer_id,
        "name": opportunity.name,
        "contacts": [c.pk for c in opportunity.contacts.all()],
        "amount": opportunity.amount,
        "currency": opportunity.currency,
        "expected_close_date": opportunity.expected_close_date,
        "source": opportunity.source,
        "competitors": opportunity.competitors,
        "owner": opportunity.owner_id,
        "notes": opportunity.notes,
        "version": opportunity.version,
    }
    form = OpportunityForm(request.POST or None, user=request.user, opportunity=opportunity, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.opportunity_update(
                actor=request.user,
                opportunity=opportunity,
                version=form.cleaned_data["version"],
                contacts=list(form.cleaned_data["contacts"]),
                **form.service_fields(),
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": form.cleaned_data["name"]})
            return redirect("pipeline:opportunity_detail", pk=opportunity.pk)
    return render(request, "pipeline/opportunity_form.html", {"form": form, "opportunity": opportunity})


@login_required
@require_GET
def customer_choices(request):
    """The form fields that depend on the chosen customer (htmx): its contacts, its opportunities."""
    customer_id = request.GET.get("customer")
    customer = customer_get_for_user(user=request.user, pk=customer_id) if customer_id else None
    initial = {"customer": customer.pk if customer else None}
    if request.GET.get("form") == "activity":
        form = ActivityForm(user=request.user, initial=initial)
        fields = [form["opportunity"], form["contact"]]
    else:
        form = OpportunityForm(user=request.user, initial=initial)
        fields = [form["contacts"]]
    return render(request, "pipeline/_partials/fields.html", {"fields": fields})


def _needs_initial(needs) -> dict:
    if needs is None:
        return {}
    initial = {name: getattr(needs, name) for name in NeedsForm.SERVICE_FIELDS}
    initial["features"] = [f.pk for f in needs.features.all()]
    initial["version"] = needs.version
    return initial


def _detail_context(request, opportunity, *, move_form=None, reopen_form=None, needs_form=None) -> dict:
    """The opportunity page. Its contacts, needs analysis and proposed products are loaded with the
    opportunity and answer the page and the entry criteria; the recommendations and the timeline
    (with the quick log) are panels the page loads with htmx (``_panel_context``)."""
    selectors.opportunity_page_load(opportunity)
    access = access_for(request.user)
    needs = selectors.needs_for(opportunity)
    closed = opportunity.stage.is_closed
    # One read of the active stages for both the criteria of the later stages and the move form.
    active_stages = None if closed or move_form is not None else selectors.stages()
    return {
        "opportunity": opportunity,
        "contacts": list(opportunity.contacts.all()),
        "can_work": access.can(Cap.PIPELINE_WORK),
        "closed": closed,
        "gates": [] if closed else selectors.gate_status(opportunity, active_stages=active_stages),
        "move_form": move_form
        or (None if closed else MoveForm(opportunity=opportunity, active_stages=active_stages)),
        "reopen_form": reopen_form or (ReopenForm() if closed else None),
        "needs": needs,
        "needs_form": needs_form or NeedsForm(initial=_needs_initial(needs)),
        "proposed": list(opportunity.products.all()),
        "scripts": selectors.scripts_for(opportunity),
        "move_missing": [],
    }


def _panel_context(request, opportunity, panel: str) -> dict:
    """A panel of the opportunity page, loaded into it with htmx so the page itself pays nothing
    for it: the ranked products (R3.4), or the timeline with the quick log (R3.2)."""
    context = {
        "opportunity": opportunity,
        "can_work": access_for(request.user).can(Cap.PIPELINE_WORK),
        "closed": opportunity.stage.is_closed,
    }
    if panel == "recommendations":
        recommendations = selectors.recommend_products(opportunity=opportunity)
        for recommendation in recommendations:
            recommendation.reason = "; ".join(str(r) for r in recommendation.reasons)
        context["recommendations"] = recommendations
    else:
        context.update(
            timeline=selectors.timeline(user=request.user, opportunity=opportunity),
            activity_form=ActivityForm(
                user=request.user, customer=opportunity.customer, initial={"opportunity": opportunity.pk}
            ),
            # The quick log comes back to the page, not to the panel it was loaded in.
            next_url=reverse("pipeline:opportunity_detail", args=[opportunity.pk]),
        )
    return context


@login_required
def opportunity_detail(request, pk: int):
    panel = request.GET.get("panel")
    panel = panel if panel in selectors.PAGE_PANELS else None
    opportunity = selectors.opportunity_page_get_for_user(user=request.user, pk=pk, panel=panel)
    if panel is not None:
        return render(
            request,
            f"pipeline/_partials/opportunity_{panel}.html",
            _panel_context(request, opportunity, panel),
        )
    return render(request, "pipeline/opportunity_detail.html", _detail_context(request, opportunity))


@login_required
@require_POST
def opportunity_reopen(request, pk: int):
    opportunity = selectors.opportunity_get_for_user(user=request.user, pk=pk)
    require(request.user, Cap.PIPELINE_WORK)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            reopened = services.opportunity_reopen(
                actor=request.user, opportunity=opportunity, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s is open again, in %(stage)s.") % {"name": reopened, "stage": reopened.stage},
            )
            return redirect("pipeline:opportunity_detail", pk=opportunity.pk)
    return render(
        request, "pipeline/opportunity_detail.html", _detail_context(request, opportunity, reopen_form=form)
    )


@login_required
@require_POST
def opportunity_delete(request, pk: int):
    opportunity = selectors.opportunity_get_for_user(user=request.user, pk=pk)
    require(request.user, Cap.PIPELINE_WORK)
    try:
        services.opportunity_delete(actor=request.user, opportunity=opportunity)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("pipeline:opportunity_detail", pk=opportunity.pk)
    messages.success(
        request, _("%(name)s is deleted. It can be restored from the recycle bin.") % {"name": opportunity}
    )
    return redirect("pipeline:opportunities")


@login_required
@require_POST
def needs_save(request, pk: int):
    opportunity = selectors.opportunity_get_for_user(user=request.user, pk=pk)
    require(request.user, Cap.PIPELINE_WORK)
    form = NeedsForm(request.POST)
    if form.is_valid():
        try:
            services.needs_record(
                actor=request.user,
                opportunity=opportunity,
                features=list(form.cleaned_data["features"]),
                version=form.cleaned_data["version"],
                **form.service_fields(),
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The needs analysis is saved."))
            return redirect(
                reverse("pipeline:opportunity_detail", args=[opportunity.pk]) + "#recommendations"
            )
    return render(
        request, "pipeline/opportunity_detail.html", _detail_context(request, opportunity, needs_form=form)
    )


@login_required
@require_POST
def product_propose(request, pk: int):
    opportunity = selectors.opportunity_get_for_user(user=request.user, pk=pk)
    require(request.user, Cap.PIPELINE_WORK)
    product = get_object_or_404(Product.objects.all(), pk=request.POST.get("product") or 0)
    try:
        services.product_propose(
            actor=request.user,
            opportunity=opportunity,
            product=product,
            reason=request.POST.get("reason", ""),
            score=_score(request.POST.get("score")),
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(product)s is proposed.") % {"product": product})
    return redirect(reverse("pipeline:opportunity_detail", args=[opportunity.pk]) + "#proposed")


def _score(value) -> Decimal | None:
    try:
        score = Decimal(value)
    except (TypeError, InvalidOperation):
        return None
    return score.quantize(Decimal("0.1")) if score.is_finite() and 0 <= score <= 100 else None


@login_required
@require_POST
def product_withdraw(request, pk: int, line_pk: int):
    opportunity = selectors.opportunity_get_for_user(user=request.user, pk=pk)
    require(request.user, Cap.PIPELINE_WORK)
    line = get_object_or_404(
        OpportunityProduct.objects.select_related("product"), pk=line_pk, opportunity=opportunity
    )
    services.product_withdraw(actor=request.user, line=line)
    messages.success(request, _("%(product)s is withdrawn.") % {"product": line.product})
    return redirect(reverse("pipeline:opportunity_detail", args=[opportunity.pk]) + "#proposed")


# -- the customer's page -----------------------------------------------------------------------


def customer_section_context(*, request, customer) -> dict:
    """What the customer page shows of the sales process: opportunities, timeline, quick log."""
    opportunities = selectors.opportunity_list(user=request.user, customer=customer, order="stage")
    return {
        "customer": customer,
        "opportunities": list(opportunities[:20]),
        "opportunity_count": opportunities.count(),
        "timeline": selectors.timeline(user=request.user, customer=customer, limit=20),
        "activity_form": ActivityForm(user=request.user, customer=customer),
        "next_url": reverse("customers:detail", args=[customer.pk]),
        "can_work": access_for(request.user).can(Cap.PIPELINE_WORK),
    }


@login_required
@require_GET
def customer_section(request, pk: int):
    """Loaded into the customer page (htmx), so that page pays nothing for it when it renders."""
    customer = customer_get_for_user(user=request.user, pk=pk)
    return render(
        request,
        "pipeline/_partials/customer_section.html",
        customer_section_context(request=request, customer=customer),
    )


# -- activities --------------------------------------------------------------------------------


def _activity_rows(request):
    """The list's filter, shared by the page and its export."""
    form = ActivityFilterForm(request.GET or None, user=request.user)
    data = filter_values(form)
    rows = selectors.activity_list(
        user=request.user,
        owner=data.get("owner"),
        channel=data.get("channel") or None,
        customer=data.get("customer"),
        q=data.get("q") or None,
        followups_only=bool(data.get("followups")),
        due_only=bool(data.get("due")),
        mine=bool(data.get("mine")),
        unit=data.get("unit"),
        occurred_from=data.get("occurred_from"),
        occurred_to=data.get("occurred_to"),
    )
    return form, data, rows


@login_required
def activities(request):
    form, data, rows = _activity_rows(request)
    followups = bool(data.get("followups"))
    number, size = request.GET.get("page", 1), request.GET.get("page_size", 25)
    page = paginate(activities_for_rows(rows), page=number, page_size=size)
    person_id = access_for(request.user).person_id
    context = {
        "form": form,
        "page": page,
        "rows": activity_rows(page.items, person_id=person_id),
        "query": _query(request),
        "followups": followups,
        "customer": data.get("customer"),
        "unit": data.get("unit"),
        "person_id": person_id,
        "next": request.get_full_path(),
        "can_export": access_for(request.user).can(Cap.CUSTOMERS_EXPORT),
    }
    template = "pipeline/_partials/activity_table.html" if is_htmx(request) else "pipeline/activities.html"
    return render(request, template, context)


@login_required
def activity_create(request):
    initial = {}
    if request.method != "POST":
        # ?customer= and ?opportunity= preselect; out of scope is 404, like their own pages.
        if request.GET.get("customer"):
            initial["customer"] = customer_get_for_user(user=request.user, pk=request.GET["customer"]).pk
        if request.GET.get("opportunity"):
            opportunity = selectors.opportunity_get_for_user(user=request.user, pk=request.GET["opportunity"])
            initial.update(opportunity=opportunity.pk, customer=opportunity.customer_id)
    form = ActivityForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            activity = services.activity_log(
                actor=request.user,
                customer=data["customer"],
                opportunity=data["opportunity"],
                contact=data["contact"],
                **form.service_fields(),
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The activity “%(subject)s” is recorded.") % {"subject": activity})
            default = (
                reverse("pipeline:opportunity_detail", args=[activity.opportunity_id])
                if activity.opportunity_id
                else reverse("pipeline:activities") + f"?customer={activity.customer_id}"
            )
            return redirect(safe_next(request, default))
    context = {
        "form": form,
        "dependent": [form["opportunity"], form["contact"]],
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    return render(request, "pipeline/activity_form.html", context)


def _activity(request, pk: int) -> Activity:
    return get_object_or_404(selectors.activity_list(user=request.user), pk=pk)


@login_required
@require_POST
def activity_done(request, pk: int):
    activity = _activity(request, pk)
    services.activity_complete_next_step(actor=request.user, activity=activity)
    messages.success(request, _("The follow-up “%(step)s” is done.") % {"step": activity.next_step})
    return redirect(safe_next(request, "pipeline:activities"))


@login_required
@require_POST
def activity_delete(request, pk: int):
    activity = _activity(request, pk)
    try:
        services.activity_delete(actor=request.user, activity=activity)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The activity is deleted. It can be restored from the recycle bin."))
    return redirect(safe_next(request, "pipeline:activities"))
