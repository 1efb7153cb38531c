"""Quote pages (R3.6, R3.9). Thin: parse, call one service or selector, render. Every rule
(who may submit, what needs approval, which status allows what) lives in orders.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from salescore.core.errors import ApplicationError, PermissionDeniedError
from salescore.core.pagination import paginate
from salescore.core.permissions import Cap, access_for, require
from salescore.core.web import form_error, is_htmx
from salescore.orders import selectors, services
from salescore.orders.forms import NoteForm, QuoteFilterForm, QuoteHeaderForm, QuoteSubmitForm
from salescore.orders.models import Quote
from salescore.orders.services.lines import pricing_date
from salescore.orders.views_lines import editor_context, rows_from_lines, rows_from_post, save_lines
from salescore.pipeline.selectors import opportunity_get_for_user


def _query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required
def quote_list(request):
    require(request.user, Cap.QUOTES_WORK)
    form = QuoteFilterForm(request.GET or None, user=request.user)
    data = form.cleaned_data if form.is_valid() else {}
    rows = selectors.quotes_for(
        request.user,
        status=data.get("status") or None,
        q=data.get("q") or None,
        owner=data.get("owner"),
        customer=data.get("customer"),
        order=data.get("order") or "-updated",
    )
    page = paginate(rows, page=request.GET.get("page", 1), page_size=request.GET.get("page_size", 25))
    context = {"form": form, "page": page, "query": _query(request)}
    template = "orders/_partials/quote_table.html" if is_htmx(request) else "orders/quote_list.html"
    return render(request, template, context)


def _header_initial(quote: Quote) -> dict:
    return {
        "contact": quote.contact_id,
        "valid_until": quote.valid_until,
        "terms": quote.terms,
        "notes": quote.notes,
        "version": quote.version,
    }


def _quote_context(request, quote: Quote, *, header_form=None, submit_form=None, editor=None) -> dict:
    access = access_for(request.user)
    lines = list(quote.lines.select_related("product"))
    can_work = access.can(Cap.QUOTES_WORK)
    need = services.quote_requirement(quote) if quote.editable and lines else None
    context = {
        "quote": quote,
        "lines": lines,
        "approvals": list(quote.approvals.select_related("approver", "requested_by", "decided_by")),
        "revisions": selectors.quote_revisions(quote),
        "orders": list(quote.orders.all()),
        "can_work": can_work,
        "need": need,
        "needs_approval": need is not None and not need.covered_by(access.position),
        "approver": services.find_approver(quote.owner, need.level)
        if need is not None and need.level and not need.covered_by(access.position)
        else None,
        "header_form": header_form
        or QuoteHeaderForm(initial=_header_initial(quote), customer=quote.customer),
        "submit_form": submit_form or QuoteSubmitForm(initial={"version": quote.version}),
        "note_form": NoteForm(),
        "pending": next((a for a in quote.approvals.all() if a.status == "pending"), None),
    }
    if quote.editable and can_work:
        context.update(
            editor
            or editor_context(
                rows=rows_from_lines(lines) or [{"quantity": "1"}],
                currency=quote.currency,
                save_url=reverse("orders:quote_lines", args=[quote.pk]),
                preview_url=reverse("orders:quote_lines_preview", args=[quote.pk]),
                version=quote.version,
                tier=quote.customer.tier,
                customer=quote.customer,
                on=pricing_date(quote),
            )
        )
    return context


@login_required
def quote_detail(request, pk: int):
    quote = selectors.quote_get_for_user(user=request.user, pk=pk)
    return render(request, "orders/quote_detail.html", _quote_context(request, quote))


@login_required
@require_POST
def quote_create(request, opportunity_pk: int):
    """A new quote on an opportunity, priced from the products it accepted (R3.4)."""
    opportunity = opportunity_get_for_user(user=request.user, pk=opportunity_pk)
    try:
        quote = services.quote_create(actor=request.user, opportunity=opportunity)
    except PermissionDeniedError:
        raise
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("pipeline:opportunity_detail", pk=opportunity.pk)
    messages.success(request, _("Quote %(quote)s is created.") % {"quote": quote})
    return redirect("orders:quote_detail", pk=quote.pk)


@login_required
@require_POST
def quote_header(request, pk: int):
    quote = selectors.quote_get_for_user(user=request.user, pk=pk)
    form = QuoteHeaderForm(request.POST, initial=_header_initial(quote), customer=quote.customer)
    if form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.quote_update(actor=request.user, quote=quote, version=version, **data)
        except PermissionDeniedError:
            raise
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Quote %(quote)s is saved.") % {"quote": quote})
            return redirect("orders:quote_detail", pk=quote.pk)
    return render(request, "orders/quote_detail.html", _quote_context(request, quote, header_form=form))


def _quote_editor(quote, *, rows, errors=None, message="", price=True):
    return editor_context(
        rows=rows,
        currency=quote.currency,
        save_url=reverse("orders:quote_lines", args=[quote.pk]),
        preview_url=reverse("orders:quote_lines_preview", args=[quote.pk]),
        version=quote.version,
        tier=quote.customer.tier,
        customer=quote.customer,
        on=pricing_date(quote),
        errors=errors,
        message=message,
        price=price,
    )


@login_required
@require_POST
def quote_lines_preview(request, pk: int):
    quote = selectors.quote_get_for_user(user=request.user, pk=pk)
    context = _quote_editor(quote, rows=rows_from_post(request))
    return render(request, "orders/_partials/line_editor.html", context)


@login_required
@require_POST
def quote_lines(request, pk: int):
    quote = selectors.quote_get_for_user(user=request.user, pk=pk)

    def on_error(*, rows, errors, message):
        editor = _quote_editor(quote, rows=rows, errors=errors, message=message)
        return render(request, "orders/quote_detail.html", _quote_context(request, quote, editor=editor))

    return save_lines(
        request,
        service=services.quote_set_lines,
        quote=quote,
        redirect_to=reverse("orders:quote_detail", args=[quote.pk]),
        on_error=on_error,
    )


@login_required
@require_POST
def quote_submit(request, pk: int):
    quote = selectors.quote_get_for_user(user=request.user, pk=pk)
    form = QuoteSubmitForm(request.POST)
    if form.is_valid():
        try:
            quote = services.quote_submit(
                actor=request.user,
                quote=quote,
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"],
            )
        except PermissionDeniedError:
            raise
        except ApplicationError as exc:
            form_error(form, exc)
            for name, message in exc.fields.items():
                if name not in form.fields:
                    form.add_error(None, str(message))
        else:
            if quote.status == Quote.Status.PENDING:
                messages.success(request, _("Quote %(quote)s is waiting for approval.") % {"quote": quote})
            else:
                messages.success(request, _("Quote %(quote)s is approved.") % {"quote": quote})
            return redirect("orders:quote_detail", pk=quote.pk)
    return render(request, "orders/quote_detail.html", _quote_context(request, quote, submit_form=form))


def _act(request, quote, call, success: str, *, to=None):
    """Run one service for a button on the quote page; refusals come back as messages."""
    try:
        result = call()
    except PermissionDeniedError:
        raise
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("orders:quote_detail", pk=quote.pk)
    messages.success(request, success % {"quote": result if result is not None else quote})
    return redirect(to(result) if to else reverse("orders:quote_detail", args=[quote.pk]))


@login_required
@require_POST
def quote_withdraw(request, pk: int):
    quote = selectors.quote_get_for_user(user=request.user, pk=pk)
    return _act(
        request,
        quote,
        lambda: services.quote_withdraw(actor=request.user, quote=quote),
        _("Quote %(quote)s is back in draft."),
    )


MARK_MESSAGES = {
    "send": gettext_lazy("Quote %(quote)s is marked as sent."),
    "accept": gettext_lazy("Quote %(quote)s is marked as accepted."),
    "decline": gettext_lazy("Quote %(quote)s is marked as declined."),
}


@login_required
@require_POST
def quote_mark(request, pk: int, step: str):
    quote = selectors.quote_get_for_user(user=request.user, pk=pk)
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    return _act(
        request,
        quote,
        lambda: services.quote_mark(actor=request.user, quote=quote, step=step, note=note),
        str(MARK_MESSAGES.get(step, _("Quote %(quote)s is saved."))),
    )


@login_required
@require_POST
def quote_revise(request, pk: int):
    quote = selectors.quote_get_for_user(user=request.user, pk=pk)
    return _act(
        request,
        quote,
        lambda: services.quote_revise(actor=request.user, quote=quote),
        _("Revision %(quote)s is created as a draft."),
        to=lambda revision: reverse("orders:quote_detail", args=[revision.pk]),
    )


@login_required
@require_POST
def quote_duplicate(request, pk: int):
    quote = selectors.quote_get_for_user(user=request.user, pk=pk)
    return _act(
        request,
        quote,
        lambda: services.quote_duplicate(actor=request.user, quote=quote),
        _("Quote %(quote)s is created as a copy."),
        to=lambda copy: reverse("orders:quote_detail", args=[copy.pk]),
    )


@login_required
@require_POST
def quote_delete(request, pk: int):
    quote = selectors.quote_get_for_user(user=request.user, pk=pk)
    try:
        services.quote_delete(actor=request.user, quote=quote)
    except PermissionDeniedError:
        raise
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("orders:quote_detail", pk=quote.pk)
    messages.success(
        request, _("Quote %(quote)s is deleted. It can be restored from the recycle bin.") % {"quote": quote}
    )
    return redirect("orders:quotes")


@login_required
@require_POST
def quote_order(request, pk: int):
    """The customer accepted: the approved quote becomes a draft order."""
    quote = selectors.quote_get_for_user(user=request.user, pk=pk)
    return _act(
        request,
        quote,
        lambda: services.order_from_quote(actor=request.user, quote=quote),
        _("Order %(quote)s is created from the quote; complete it and submit."),
        to=lambda order: reverse("orders:order_detail", args=[order.pk]),
    )


@login_required
def opportunity_quotes(request, opportunity_pk: int):
    """The quotes of one opportunity, loaded into its page (htmx)."""
    opportunity = opportunity_get_for_user(user=request.user, pk=opportunity_pk)
    rows = list(selectors.quotes_for(request.user, opportunity=opportunity)[:20])
    return render(
        request,
        "orders/_partials/opportunity_quotes.html",
        {
            "opportunity": opportunity,
            "quotes": rows,
            "can_work": access_for(request.user).can(Cap.QUOTES_WORK),
        },
    )
