"""Order pages (R3.6): list, new order, the order page with its header, checklist, fulfilment and
payment collection. Thin: parse, call one service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from salescore.core.errors import ApplicationError, PermissionDeniedError
from salescore.core.navigation import allowed
from salescore.core.pagination import paginate
from salescore.core.permissions import Cap, access_for
from salescore.core.web import form_error, is_htmx
from salescore.orders import selectors, services
from salescore.orders.forms import (
    DeliverForm,
    OrderFilterForm,
    OrderHeaderForm,
    OrderNewForm,
    PaymentForm,
    ReasonForm,
    ShipmentForm,
    lines_from_post,
    plan_from_post,
)
from salescore.orders.models import Order, Payment, Shipment
from salescore.orders.queues import ORDER_PEOPLE
from salescore.orders.rows import for_rows, order_rows
from salescore.orders.services.lines import pricing_date
from salescore.orders.services.orders import OPEN_ORDER_FIELDS, OPEN_STATUSES, ORDER_FIELDS
from salescore.orders.views_lines import editor_context, rows_from_lines, rows_from_post, save_lines


def _query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _require_orders(request):
    if not allowed(access_for(request.user), ORDER_PEOPLE):
        raise PermissionDeniedError(_("Your position does not allow this action."), code="permission_denied")


@login_required
def order_list(request):
    _require_orders(request)
    form = OrderFilterForm(request.GET or None, user=request.user)
    data = form.cleaned_data if form.is_valid() else {}
    rows = selectors.orders_for(
        request.user,
        status=data.get("status") or None,
        q=data.get("q") or None,
        owner=data.get("owner"),
        customer=data.get("customer"),
        delivery=data.get("delivery") or None,
        team=data.get("team"),
        owing=bool(data.get("owing")),
        order=data.get("order") or "-updated",
        ordered_from=data.get("ordered_from"),
        ordered_to=data.get("ordered_to"),
        credited_to=data.get("credited_person") or data.get("credited_unit"),
        counted=bool(data.get("counted")),
    )
    number, size = request.GET.get("page", 1), request.GET.get("page_size", 25)
    page = paginate(for_rows(rows), page=number, page_size=size)
    access = access_for(request.user)
    context = {
        "form": form,
        "page": page,
        "rows": order_rows(page.items),
        "query": _query(request),
        "can_create": access.can(Cap.ORDERS_PROCESS) or access.can(Cap.QUOTES_WORK),
    }
    template = "orders/_partials/order_table.html" if is_htmx(request) else "orders/order_list.html"
    return render(request, template, context)


# -- new order -----------------------------------------------------------------------------------


def _new_editor(rows, errors=None, message="", price=True, customer=None):
    return editor_context(
        rows=rows,
        currency="CNY",
        save_url=reverse("orders:order_create"),
        preview_url=reverse("orders:order_lines_new_preview"),
        errors=errors,
        message=message,
        price=price,
        embedded=True,
        customer=customer,  # priced on their price list, as order_create will (dated today)
    )


@login_required
def order_create(request):
    """A draft order entered directly: Sales Support from a customer's PO, or a rep without a quote."""
    access = access_for(request.user)
    if not (access.can(Cap.ORDERS_PROCESS) or access.can(Cap.QUOTES_WORK)):
        raise PermissionDeniedError(_("Your position does not allow this action."), code="permission_denied")
    form = OrderNewForm(request.POST or None, user=request.user)
    editor = _new_editor([{"quantity": "1"}])
    if request.method == "POST":
        lines = lines_from_post(request.POST)
        if form.is_valid():
            try:
                order = services.order_create(
                    actor=request.user,
                    customer=form.cleaned_data["customer"],
                    owner=form.cleaned_data["owner"],
                    lines=lines,
                )
            except PermissionDeniedError:
                raise
            except ApplicationError as exc:
                form_error(form, exc)
                editor = _new_editor(
                    lines or [{"quantity": "1"}],
                    errors=exc.fields,
                    message=exc.message,
                    customer=form.cleaned_data["customer"],
                )
            else:
                messages.success(
                    request, _("%(order)s is created; complete it and submit.") % {"order": order}
                )
                return redirect("orders:order_detail", pk=order.pk)
        else:
            editor = _new_editor(lines or [{"quantity": "1"}], price=False) if lines else editor
    return render(request, "orders/order_form.html", {"form": form, **editor})


@login_required
@require_POST
def order_lines_new_preview(request):
    form = OrderNewForm(request.POST, user=request.user)
    form.is_valid()
    customer = form.cleaned_data.get("customer")
    return render(
        request, "orders/_partials/line_editor.html", _new_editor(rows_from_post(request), customer=customer)
    )


# -- the order page ------------------------------------------------------------------------------


def _editable_fields(order: Order) -> set[str]:
    if order.status == Order.Status.DRAFT:
        return set(ORDER_FIELDS)
    if order.status in OPEN_STATUSES:
        return set(OPEN_ORDER_FIELDS)
    return {"notes"}


def _header_form(order: Order, data=None) -> OrderHeaderForm:
    initial = {name: getattr(order, name) for name in ORDER_FIELDS if name != "contact"}
    initial.update(contact=order.contact_id, version=order.version)
    return OrderHeaderForm(data, initial=initial, order=order, editable=_editable_fields(order))


def _order_editor(order, *, rows, errors=None, message=""):
    return editor_context(
        rows=rows,
        currency=order.currency,
        save_url=reverse("orders:order_lines", args=[order.pk]),
        preview_url=reverse("orders:order_lines_preview", args=[order.pk]),
        version=order.version,
        customer=order.customer,
        on=pricing_date(order),
        errors=errors,
        message=message,
    )


def _order_context(request, order: Order, **forms) -> dict:
    access = access_for(request.user)
    lines = list(order.lines.select_related("product"))
    draft = order.status == Order.Status.DRAFT
    problems = {}
    if draft:
        problems = {**services.order_problems(order), **services.pricing_problems(order, actor=request.user)}
    works = access.can(Cap.ORDERS_PROCESS) or access.can(Cap.QUOTES_WORK)
    can_plan = order.status not in (Order.Status.CANCELLED, Order.Status.CLOSED) and (
        (draft and (works or access.can(Cap.PAYMENTS_RECORD))) or access.can(Cap.PAYMENTS_RECORD)
    )
    instalments, money = selectors.order_instalments(order)
    context = {
        "order": order,
        "lines": lines,
        "money": money,
        "problems": problems,
        "works": works,
        "can_confirm": access.can(Cap.ORDERS_PROCESS) and order.status == Order.Status.SUBMITTED,
        "can_ship": (access.can(Cap.ORDERS_FULFIL) or access.can(Cap.ORDERS_PROCESS))
        and order.status in (Order.Status.CONFIRMED, Order.Status.IN_FULFILMENT),
        "can_deliver": access.can(Cap.ORDERS_FULFIL) or access.can(Cap.ORDERS_PROCESS),
        "can_close": access.can(Cap.ORDERS_PROCESS) and order.status == Order.Status.DELIVERED,
        "can_cancel": works
        and order.status in (Order.Status.DRAFT, Order.Status.SUBMITTED, Order.Status.CONFIRMED),
        "can_pay": access.can(Cap.PAYMENTS_RECORD)
        and order.status not in (Order.Status.DRAFT, Order.Status.CANCELLED),
        "can_plan": can_plan,
        "header_form": forms.get("header_form") or _header_form(order),
        "cancel_form": forms.get("cancel_form") or ReasonForm(),
        "ship_form": forms.get("ship_form") or ShipmentForm(lines=lines),
        "pay_form": forms.get("pay_form") or PaymentForm(initial={"method": Payment.Method.BANK_TRANSFER}),
        "deliver_form": DeliverForm(),
        "reverse_form": forms.get("reverse_form") or ReasonForm(),
        "reverse_payment": forms.get("reverse_payment"),
        "submit_errors": forms.get("submit_errors"),
        "plan_rows": forms.get("plan_rows")
        or [{"due_date": i.due_date.isoformat(), "amount": i.amount} for i in instalments]
        or [{"due_date": "", "amount": order.total}],
        "plan_errors": forms.get("plan_errors") or {},
        "plan_message": forms.get("plan_message", ""),
        "instalments": instalments,
        "shipments": _shipments(order, lines),
        "payments": list(order.payments.all()),
    }
    if draft and works:
        context.update(
            forms.get("editor") or _order_editor(order, rows=rows_from_lines(lines) or [{"quantity": "1"}])
        )
    return context


def _shipments(order: Order, lines: list) -> list:
    """The order's shipments with their lines, each line pointing at the order line (and product)
    the page has read already: two queries, not four."""
    by_id = {line.pk: line for line in lines}
    shipments = list(order.shipments.prefetch_related("lines"))
    for shipment in shipments:
        for row in shipment.lines.all():
            if row.order_line_id in by_id:
                row.order_line = by_id[row.order_line_id]
    return shipments


def _page(request, order, **forms):
    return render(request, "orders/order_detail.html", _order_context(request, order, **forms))


@login_required
def order_detail(request, pk: int):
    order = selectors.order_get_for_user(user=request.user, pk=pk)
    return _page(request, order)


@login_required
@require_POST
def order_header(request, pk: int):
    order = selectors.order_get_for_user(user=request.user, pk=pk)
    form = _header_form(order, request.POST)
    if form.is_valid():
        try:
            services.order_update(
                actor=request.user, order=order, version=form.cleaned_data["version"], **form.service_fields()
            )
        except PermissionDeniedError:
            raise
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("%(order)s is saved.") % {"order": order})
            return redirect("orders:order_detail", pk=order.pk)
    return _page(request, order, header_form=form)


@login_required
@require_POST
def order_lines_preview(request, pk: int):
    order = selectors.order_get_for_user(user=request.user, pk=pk)
    return render(
        request, "orders/_partials/line_editor.html", _order_editor(order, rows=rows_from_post(request))
    )


@login_required
@require_POST
def order_lines(request, pk: int):
    order = selectors.order_get_for_user(user=request.user, pk=pk)

    def on_error(*, rows, errors, message):
        return _page(request, order, editor=_order_editor(order, rows=rows, errors=errors, message=message))

    return save_lines(
        request,
        service=services.order_set_lines,
        order=order,
        redirect_to=reverse("orders:order_detail", args=[order.pk]),
        on_error=on_error,
    )


def _act(request, order, call, success: str):
    try:
        call()
    except PermissionDeniedError:
        raise
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return None, exc
    messages.success(request, success % {"order": order})
    return redirect("orders:order_detail", pk=order.pk), None


@login_required
@require_POST
def order_submit(request, pk: int):
    order = selectors.order_get_for_user(user=request.user, pk=pk)
    response, error = _act(
        request,
        order,
        lambda: services.order_submit(
            actor=request.user, order=order, version=request.POST.get("version") or None
        ),
        _("The order is submitted; Sales Support will confirm it."),
    )
    if response:
        return response
    return _page(request, order, submit_errors=[str(m) for m in error.fields.values()] or [error.message])


def _button(service, success):
    """A view for a button that only needs the order: confirm, close."""

    @login_required
    @require_POST
    def view(request, pk: int):
        order = selectors.order_get_for_user(user=request.user, pk=pk)
        response, _error = _act(
            request, order, lambda: service(actor=request.user, order=order), str(success)
        )
        return response or redirect("orders:order_detail", pk=order.pk)

    return view


order_confirm = _button(
    services.order_confirm, gettext_lazy("%(order)s is confirmed and passed to the warehouse.")
)
order_close = _button(services.order_close, gettext_lazy("%(order)s is closed."))


@login_required
@require_POST
def order_cancel(request, pk: int):
    order = selectors.order_get_for_user(user=request.user, pk=pk)
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        services.order_cancel(actor=request.user, order=order, reason=form.cleaned_data.get("reason", ""))
    except PermissionDeniedError:
        raise
    except ApplicationError as exc:
        form_error(form, exc)
        return _page(request, order, cancel_form=form)
    messages.success(request, _("%(order)s is cancelled.") % {"order": order})
    return redirect("orders:order_detail", pk=order.pk)


@login_required
@require_POST
def order_delete(request, pk: int):
    order = selectors.order_get_for_user(user=request.user, pk=pk)
    try:
        services.order_delete(actor=request.user, order=order)
    except PermissionDeniedError:
        raise
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("orders:order_detail", pk=order.pk)
    messages.success(request, _("The draft order is deleted. It can be restored from the recycle bin."))
    return redirect("orders:orders")


@login_required
@require_POST
def shipment_create(request, pk: int):
    order = selectors.order_get_for_user(user=request.user, pk=pk)
    form = ShipmentForm(request.POST, lines=list(order.lines.select_related("product")))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.shipment_record(
                actor=request.user,
                order=order,
                quantities=form.quantities(),
                shipped_on=data["shipped_on"],
                carrier=data["carrier"],
                tracking_no=data["tracking_no"],
                notes=data["notes"],
            )
        except PermissionDeniedError:
            raise
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The shipment of %(order)s is recorded.") % {"order": order})
            return redirect(reverse("orders:order_detail", args=[order.pk]) + "#shipments")
    return _page(request, order, ship_form=form)


@login_required
@require_POST
def shipment_deliver(request, pk: int, shipment_pk: int):
    order = selectors.order_get_for_user(user=request.user, pk=pk)
    shipment = Shipment.objects.filter(pk=shipment_pk, order=order).first()
    if shipment is None:
        raise Http404
    form = DeliverForm(request.POST)
    form.is_valid()
    try:
        services.shipment_deliver(
            actor=request.user, shipment=shipment, delivered_on=form.cleaned_data.get("delivered_on")
        )
    except PermissionDeniedError:
        raise
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The shipment is marked as delivered."))
    return redirect(reverse("orders:order_detail", args=[order.pk]) + "#shipments")


@login_required
@require_POST
def plan_save(request, pk: int):
    order = selectors.order_get_for_user(user=request.user, pk=pk)
    rows = plan_from_post(request.POST)
    if request.POST.get("op") == "add":
        display = [{"due_date": str(r["due_date"]), "amount": r["amount"]} for r in rows]
        return _page(request, order, plan_rows=[*display, {"due_date": "", "amount": ""}])
    try:
        services.payment_plan_set(actor=request.user, order=order, instalments=rows)
    except PermissionDeniedError:
        raise
    except ApplicationError as exc:
        display = [{"due_date": str(r["due_date"]), "amount": r["amount"]} for r in rows]
        return _page(
            request,
            order,
            plan_rows=display or [{"due_date": "", "amount": ""}],
            plan_errors=exc.fields,
            plan_message=exc.message,
        )
    messages.success(request, _("The payment plan is saved."))
    return redirect(reverse("orders:order_detail", args=[order.pk]) + "#collection")


@login_required
@require_POST
def payment_create(request, pk: int):
    order = selectors.order_get_for_user(user=request.user, pk=pk)
    form = PaymentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.payment_record(
                actor=request.user,
                order=order,
                amount=data["amount"],
                received_on=data["received_on"],
                method=data["method"],
                reference=data["reference"],
                notes=data["notes"],
            )
        except PermissionDeniedError:
            raise
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The payment is recorded."))
            return redirect(reverse("orders:order_detail", args=[order.pk]) + "#collection")
    return _page(request, order, pay_form=form)


@login_required
@require_POST
def payment_reverse(request, pk: int, payment_pk: int):
    order = selectors.order_get_for_user(user=request.user, pk=pk)
    payment = Payment.objects.filter(pk=payment_pk, order=order).first()
    if payment is None:
        raise Http404
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        services.payment_reverse(
            actor=request.user, payment=payment, reason=form.cleaned_data.get("reason", "")
        )
    except PermissionDeniedError:
        raise
    except ApplicationError as exc:
        form_error(form, exc)
        return _page(request, order, reverse_form=form, reverse_payment=payment.pk)
    messages.success(request, _("The payment is reversed."))
    return redirect(reverse("orders:order_detail", args=[order.pk]) + "#collection")


# -- receivables -----------------------------------------------------------------------------------


@login_required
def receivables(request):
    access = access_for(request.user)
    if not (access.can(Cap.QUOTES_WORK) or access.can(Cap.ORDERS_PROCESS) or access.can(Cap.PAYMENTS_RECORD)):
        raise PermissionDeniedError(_("Your position does not allow this action."), code="permission_denied")
    group = request.GET.get("by", "customer")
    if group not in selectors.RECEIVABLE_GROUPS:
        group = "customer"
    page = paginate(
        selectors.receivables(request.user, group_by=group),
        page=request.GET.get("page", 1),
        page_size=request.GET.get("page_size", 25),
    )
    link = {"customer": "customer", "owner": "owner", "team": "team"}[group]
    return render(
        request,
        "orders/receivables.html",
        {
            "rows": selectors.receivables_named(page.items, group_by=group),
            "page": page,
            "query": f"by={group}",
            "totals": selectors.receivables_totals(request.user),
            "group": group,
            "link": link,
            "due": list(selectors.instalments_due(request.user, overdue_only=True)[:50]),
        },
    )
