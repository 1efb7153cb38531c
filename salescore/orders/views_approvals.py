"""The approver's queue of discount requests (R3.9): decide here, the service checks who may."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salescore.core.errors import ApplicationError, PermissionDeniedError
from salescore.core.pagination import paginate
from salescore.core.web import form_error
from salescore.orders import selectors, services
from salescore.orders.forms import DecideForm
from salescore.orders.models import Approval


@login_required
def approval_queue(request, *, failed=None, failed_form=None):
    tab = "decided" if request.GET.get("tab") == "decided" else "pending"
    rows = (
        selectors.approvals_decided(request.user)
        if tab == "decided"
        else selectors.approvals_for(request.user)
    )
    page = paginate(rows, page=request.GET.get("page", 1), page_size=request.GET.get("page_size", 25))
    items = [
        {
            "approval": approval,
            "form": failed_form if failed == approval.pk else DecideForm(prefix=f"a{approval.pk}"),
        }
        for approval in page.items
    ]
    return render(
        request,
        "orders/approval_queue.html",
        {"page": page, "items": items, "tab": tab, "query": f"tab={tab}"},
    )


@login_required
@require_POST
def approval_decide(request, pk: int):
    approval = selectors.approvals_for(request.user).filter(pk=pk).first()
    if approval is None:
        # Decided meanwhile, or not this user's to decide: the service says which.
        approval = Approval.objects.filter(pk=pk).first()
        if approval is None:
            raise Http404
    form = DecideForm(request.POST, prefix=f"a{pk}")
    form.is_valid()
    approve = request.POST.get("decision") == "approve"
    try:
        services.approval_decide(
            actor=request.user,
            approval=approval,
            approve=approve,
            comment=form.cleaned_data.get("comment", ""),
        )
    except PermissionDeniedError:
        raise Http404 from None
    except ApplicationError as exc:
        form_error(form, exc)
        if exc.code == "invalid_status":
            messages.error(request, exc.message)
            return redirect("orders:approval_queue")
        return approval_queue(request, failed=pk, failed_form=form)
    if approve:
        messages.success(request, _("The discount on %(quote)s is approved.") % {"quote": approval.quote})
    else:
        messages.success(request, _("The discount on %(quote)s is rejected.") % {"quote": approval.quote})
    return redirect("orders:approval_queue")
