"""Customer pages. Thin: parse the form, call a service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from salescore.catalog.services import PRICE_LIST_READERS
from salescore.core.errors import ApplicationError
from salescore.core.export import chunked, export_format, export_response, labels
from salescore.core.navigation import allowed
from salescore.core.pagination import paginate
from salescore.core.permissions import Cap, access_for, require
from salescore.core.web import filter_values, form_error, is_htmx
from salescore.customers import selectors, services
from salescore.customers.forms import (
    AssignFromPoolForm,
    CollaboratorForm,
    ContactForm,
    CustomerFilterForm,
    CustomerForm,
    PoolPolicyForm,
    ReleaseForm,
)
from salescore.customers.models import Channel, Contact, Customer, Industry, PoolMove, PoolPolicy, Size, Tier
from salescore.customers.rows import customer_rows, for_rows

# -- the list and its exports ------------------------------------------------------------------


def _customer_queryset(request):
    form = CustomerFilterForm(request.GET or None, user=request.user)
    data = filter_values(form)
    tag = data.get("tag")
    customers = selectors.customer_list(
        user=request.user,
        q=data.get("q") or None,
        tier=data.get("tier") or None,
        industry=data.get("industry") or None,
        region=data.get("region"),
        owner=data.get("owner"),
        source=data.get("source") or None,
        tag=tag.name if tag else None,
        mine=bool(data.get("mine")),
        pool=data.get("pool"),
        unit=data.get("unit"),
        created_from=data.get("created_from"),
        created_to=data.get("created_to"),
        price_list=data.get("price_list"),
        order=data.get("order") or "-updated",
    )
    return form, customers


@login_required
def customer_list(request):
    form, queryset = _customer_queryset(request)
    number, size = request.GET.get("page", 1), request.GET.get("page_size", 25)
    page = paginate(for_rows(queryset), page=number, page_size=size)
    access = access_for(request.user)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": customer_rows(page.items),
        "query": query.urlencode(),
        "unit": filter_values(form).get("unit"),
        "price_list": getattr(form, "cleaned_data", {}).get("price_list"),
        "can_create": access.can(Cap.CUSTOMERS_CREATE),
        "can_export": access.can(Cap.CUSTOMERS_EXPORT),
        "can_export_contacts": access.can(Cap.CONTACTS_EXPORT),
    }
    template = "customers/_partials/customer_table.html" if is_htmx(request) else "customers/list.html"
    return render(request, template, context)


@login_required
def customer_export(request):
    """The filtered list as CSV or XLSX (?format=xlsx), streamed. No phone or email: those leave
    only through the contacts export, which needs its own capability and is logged (R3.8)."""
    require(request.user, Cap.CUSTOMERS_EXPORT)
    _form, queryset = _customer_queryset(request)
    header = [
        _("ID"),
        _("Name"),
        _("Kind"),
        _("Unified social credit code"),
        _("Tier"),
        _("Industry"),
        _("Size"),
        _("Region"),
        _("Address"),
        _("Source channel"),
        _("Owner"),
        _("Website"),
        _("Tags"),
        _("Contacts"),
        _("Created"),
        _("Last update"),
    ]
    return export_response(
        header=header, rows=_export_rows(queryset), name="customers", file_format=export_format(request)
    )


def _export_rows(queryset, chunk: int = 2000):
    """The export's rows from plain values, not model instances: the choice labels translated once
    (here, in the request's language), names in that language, each chunk's tags in one query."""
    kinds = labels(Customer.Kind.choices)
    industries, sizes, sources = labels(Industry.choices), labels(Size.choices), labels(Channel.choices)
    english = (get_language() or "").lower().startswith("en")

    def name(zh: str | None, en: str | None) -> str:
        return (en if english and en else zh) or ""

    values = queryset.prefetch_related(None).values_list(
        "pk", "name", "kind", "credit_code", "tier", "industry", "size", "region__name",
        "region__name_en", "address", "source", "owner__name", "owner__name_en", "website",
        "contact_count", "created_at", "updated_at",
    )  # fmt: skip
    return _export_chunks(values, chunk, kinds, industries, sizes, sources, name)


def _export_chunks(values, chunk, kinds, industries, sizes, sources, name):
    for rows in chunked(values.iterator(chunk_size=chunk), chunk):
        tags = selectors.tag_names([row[0] for row in rows])
        for (
            pk,
            nm,
            kind,
            code,
            tier,
            ind,
            size,
            reg,
            reg_en,
            addr,
            src,
            own,
            own_en,
            web,
            contacts,
            c,
            u,
        ) in rows:
            yield [
                pk, nm, kinds.get(kind, kind), code, tier, industries.get(ind, ind),
                sizes.get(size, size), name(reg, reg_en), addr, sources.get(src, src), name(own, own_en),
                web, ", ".join(tags.get(pk, ())), contacts, c, u,
            ]  # fmt: skip


@login_required
def contact_export(request):
    """The contacts of the filtered customers with their full phones and emails: the bulk export
    of personal data, a capability of its own; every exported contact gets a reveal row."""
    require(request.user, Cap.CONTACTS_EXPORT)
    _form, customers = _customer_queryset(request)
    contacts = selectors.contacts_for_export(user=request.user, customers=customers)
    logged = services.contacts_export(actor=request.user, contacts=contacts)
    header = [
        _("Customer ID"),
        _("Customer"),
        _("Unified social credit code"),
        _("Owner"),
        _("Name"),
        _("Job title"),
        _("Decision role"),
        _("Primary contact"),
        _("Mobile"),
        _("Office phone"),
        _("Email"),
        _("WeChat"),
    ]
    yes, no = _("Yes"), _("No")
    rows = (
        [
            contact.customer.pk,
            contact.customer.name,
            contact.customer.credit_code,
            contact.customer.owner.display_name if contact.customer.owner else "",
            contact.name,
            contact.title,
            contact.get_role_display(),
            yes if contact.is_primary else no,
            contact.mobile,
            contact.phone,
            contact.email,
            contact.wechat,
        ]
        for contact in contacts.iterator(chunk_size=2000)
        if contact.pk in logged
    )
    return export_response(header=header, rows=rows, name="contacts", file_format=export_format(request))


@login_required
@require_GET
def similar(request):
    """An htmx fragment under the name field: customers with a similar name. Offered, not blocking."""
    name = (request.GET.get("name") or "").strip()[:200]
    exclude = request.GET.get("exclude") or ""
    exclude_pk = int(exclude) if exclude.isdigit() else None
    # Names across scope are shown only to people entering or editing a customer, who would meet
    # them as duplicate errors anyway; nobody else gets a way to list other teams' customers.
    entering = access_for(request.user).can(Cap.CUSTOMERS_CREATE) or bool(
        exclude_pk and selectors.customer_can_change(user=request.user, pk=exclude_pk)
    )
    matches = (
        selectors.similar_customers(user=request.user, name=name, exclude_pk=exclude_pk) if entering else []
    )
    visible = selectors.visible_customer_ids(user=request.user, ids=[c.pk for c in matches])
    return render(request, "customers/_partials/similar.html", {"matches": matches, "visible": visible})


# -- one customer ------------------------------------------------------------------------------


def _duplicate_link(exc: ApplicationError) -> str | None:
    return exc.extra.get("existing_url") if exc.code == "duplicate" else None


def _form_context(request, form, customer):
    name = form["name"].value() if form.is_bound else None
    similar_matches = []
    if name:
        similar_matches = selectors.similar_customers(
            user=request.user, name=name, exclude_pk=customer.pk if customer else None
        )
    return {
        "form": form,
        "customer": customer,
        "matches": similar_matches,
        "visible": selectors.visible_customer_ids(user=request.user, ids=[c.pk for c in similar_matches]),
    }


@login_required
def customer_create(request):
    require(request.user, Cap.CUSTOMERS_CREATE)
    access = access_for(request.user)
    form = CustomerForm(request.POST or None, user=request.user, initial={"owner": access.person_id})
    existing_url = None
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_create(actor=request.user, **form.service_fields())
        except ApplicationError as exc:
            form_error(form, exc)
            existing_url = _duplicate_link(exc)
        else:
            messages.success(request, _("%(name)s is created.") % {"name": customer})
            return redirect("customers:detail", pk=customer.pk)
    context = _form_context(request, form, None)
    context["existing_url"] = existing_url
    return render(request, "customers/customer_form.html", context)


@login_required
def customer_edit(request, pk: int):
    customer = selectors.customer_get_for_user(user=request.user, pk=pk, to_change=True)
    initial = {
        "kind": customer.kind,
        "name": customer.name,
        "credit_code": customer.credit_code,
        "industry": customer.industry,
        "size": customer.size,
        "tier": customer.tier,
        "region": customer.region_id,
        "address": customer.address,
        "source": customer.source,
        "owner": customer.owner_id,
        "phone": customer.phone,
        "email": customer.email,
        "website": customer.website,
        "tags": ", ".join(tag.name for tag in customer.tags.all()),
        "notes": customer.notes,
        "price_list": customer.price_list_id,
        "version": customer.version,
    }
    form = CustomerForm(request.POST or None, user=request.user, customer=customer, initial=initial)
    existing_url = None
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_update(
                actor=request.user,
                customer=customer,
                version=form.cleaned_data["version"],
                **form.service_fields(),
            )
        except ApplicationError as exc:
            form_error(form, exc)
            existing_url = _duplicate_link(exc)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": customer.name})
            return redirect("customers:detail", pk=customer.pk)
    context = _form_context(request, form, customer)
    context["existing_url"] = existing_url
    return render(request, "customers/customer_form.html", context)


def _detail_context(request, customer, *, collaborator_form=None, release_form=None, assign_form=None):
    team = list(selectors.collaborators(customer).select_related("org_unit"))
    can_manage = selectors.customer_can_manage(user=request.user, customer=customer)
    if collaborator_form is None and can_manage:
        collaborator_form = CollaboratorForm(customer=customer, exclude_ids=[p.pk for p in team])
    access = access_for(request.user)
    in_pool = customer.owner_id is None
    # The owner and their managers may release; a collaborator may not.
    can_release = not in_pool and can_manage
    can_assign = in_pool and access.can(Cap.LEADS_ASSIGN)
    return {
        "in_pool": in_pool,
        "can_claim": in_pool and access.can(Cap.PIPELINE_WORK) and access.person_id is not None,
        "release_form": (release_form or ReleaseForm()) if can_release else None,
        "assign_form": (assign_form or AssignFromPoolForm(user=request.user)) if can_assign else None,
        "pool_moves": list(selectors.pool_moves(customer=customer)),
        "customer": customer,
        "tags": list(customer.tags.all()),
        "collaborators": team,
        "contacts": selectors.contacts_for_customer(user=request.user, customer=customer),
        "can_manage": can_manage,
        # Customer Service and the order desk look at every customer but change only their own.
        "can_change": can_manage or selectors.customer_can_change(user=request.user, pk=customer.pk),
        "collaborator_form": collaborator_form if can_manage else None,
        "price_list_status": (
            customer.price_list.status_on(timezone.localdate()) if customer.price_list_id else None
        ),
        "can_read_price_lists": allowed(access, PRICE_LIST_READERS),
    }


@login_required
def customer_detail(request, pk: int):
    customer = selectors.customer_get_for_user(user=request.user, pk=pk)
    return render(request, "customers/detail.html", _detail_context(request, customer))


@login_required
@require_POST
def customer_delete(request, pk: int):
    customer = selectors.customer_get_for_user(user=request.user, pk=pk)
    try:
        services.customer_delete(actor=request.user, customer=customer)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("customers:detail", pk=customer.pk)
    messages.success(
        request, _("%(name)s is deleted. It can be restored from the recycle bin.") % {"name": customer.name}
    )
    return redirect("customers:list")


@login_required
@require_POST
def collaborator_add(request, pk: int):
    customer = selectors.customer_get_for_user(user=request.user, pk=pk)
    team = selectors.collaborators(customer)
    form = CollaboratorForm(
        request.POST, customer=customer, exclude_ids=list(team.values_list("pk", flat=True))
    )
    if form.is_valid():
        person = form.cleaned_data["person"]
        try:
            services.customer_add_collaborator(actor=request.user, customer=customer, person=person)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(
                request, _("%(person)s now works on %(name)s.") % {"person": person, "name": customer.name}
            )
            return redirect("customers:detail", pk=customer.pk)
    context = _detail_context(request, customer, collaborator_form=form)
    return render(request, "customers/detail.html", context, status=400)


@login_required
@require_POST
def collaborator_remove(request, pk: int, person_pk: int):
    customer = selectors.customer_get_for_user(user=request.user, pk=pk)
    person = get_object_or_404(selectors.collaborators(customer), pk=person_pk)
    services.customer_remove_collaborator(actor=request.user, customer=customer, person=person)
    messages.success(
        request,
        _("%(person)s no longer works on %(name)s.") % {"person": person, "name": customer.name},
    )
    return redirect("customers:detail", pk=customer.pk)


# -- contacts ----------------------------------------------------------------------------------


def _masked_values(request, contact: Contact) -> dict[str, str]:
    """The private fields of ``contact`` this user sees masked, with what they see instead."""
    view = selectors.contact_view(user=request.user, contact=contact)
    if not view.masked:
        return {}
    return {name: getattr(view, f"{name}_shown") for name in Contact.private_fields}


@login_required
def contact_create(request, pk: int):
    customer = selectors.customer_get_for_user(user=request.user, pk=pk, to_change=True)
    form = ContactForm(request.POST or None, initial={"is_primary": not customer.contacts.exists()})
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.contact_create(actor=request.user, customer=customer, **form.service_fields())
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("%(name)s is added.") % {"name": contact.name})
            return redirect("customers:detail", pk=customer.pk)
    return render(
        request, "customers/contact_form.html", {"form": form, "customer": customer, "contact": None}
    )


@login_required
def contact_edit(request, pk: int):
    contact = selectors.contact_get_for_user(user=request.user, pk=pk, to_change=True)
    masked = _masked_values(request, contact)
    initial = {
        "name": contact.name,
        "title": contact.title,
        "role": contact.role,
        "is_primary": contact.is_primary,
        "notes": contact.notes,
        "version": contact.version,
    }
    for name in Contact.private_fields:
        if name not in masked:
            initial[name] = getattr(contact, name)
    form = ContactForm(request.POST or None, initial=initial, masked_values=masked)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_update(
                actor=request.user,
                contact=contact,
                version=form.cleaned_data["version"],
                **form.service_fields(),
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": contact.name})
            return redirect("customers:detail", pk=contact.customer_id)
    return render(
        request,
        "customers/contact_form.html",
        {"form": form, "customer": contact.customer, "contact": contact},
    )


@login_required
@require_POST
def contact_delete(request, pk: int):
    contact = selectors.contact_get_for_user(user=request.user, pk=pk, to_change=True)
    try:
        services.contact_delete(actor=request.user, contact=contact)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(name)s is deleted. It can be restored from the recycle bin.") % {"name": contact.name},
        )
    return redirect("customers:detail", pk=contact.customer_id)


@login_required
@require_POST
def contact_reveal(request, pk: int, field: str):
    """The full value of one masked field; the service logs who looked (R3.8)."""
    contact = selectors.contact_get_for_user(user=request.user, pk=pk)
    value = services.contact_reveal(actor=request.user, contact=contact, field=field)
    if is_htmx(request):
        return render(
            request,
            "customers/_partials/revealed.html",
            {"contact": contact, "field": field, "value": value},
        )
    label = Contact._meta.get_field(field).verbose_name
    messages.info(
        request,
        _("%(field)s of %(name)s: %(value)s") % {"field": label, "name": contact.name, "value": value or "—"},
    )
    return redirect("customers:detail", pk=contact.customer_id)


# -- the public pool ---------------------------------------------------------------------------


def _pool_page(request, *, policy_form=None, status=200):
    access = require(request.user, Cap.PIPELINE_WORK)
    q = (request.GET.get("q") or "").strip()[:100]
    tier = request.GET.get("tier") if request.GET.get("tier") in Tier.values else ""
    page = paginate(
        selectors.pool_list(user=request.user, q=q or None, tier=tier or None),
        page=request.GET.get("page", 1),
        page_size=request.GET.get("page_size", 25),
    )
    now = timezone.now()
    for customer in page.items:
        customer.days_idle = (now - customer.last_touch).days
        customer.pool_reason_label = (
            PoolMove.Reason(customer.pool_reason).label if customer.pool_reason else ""
        )
    policy = PoolPolicy.current()
    can_configure = access.can(Cap.PROCESS_CONFIGURE)
    if can_configure and policy_form is None:
        policy_form = PoolPolicyForm(instance=policy)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "query": query.urlencode(),
        "q": q,
        "tier": tier,
        "tiers": Tier.choices,
        "policy": policy,
        "quota_left": selectors.pool_quota_left(user=request.user, now=now),
        "policy_form": policy_form if can_configure else None,
    }
    return render(request, "customers/pool.html", context, status=status)


@login_required
def pool(request):
    return _pool_page(request)


@login_required
@require_POST
def pool_policy(request):
    require(request.user, Cap.PROCESS_CONFIGURE)
    form = PoolPolicyForm(request.POST, instance=PoolPolicy.current())
    if form.is_valid():
        values = {name: form.cleaned_data[name] for name in PoolPolicyForm.Meta.fields}
        try:
            services.pool_policy_update(actor=request.user, **values)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The public pool policy is saved."))
            return redirect("customers:pool")
    return _pool_page(request, policy_form=form, status=400)


@login_required
@require_POST
def claim(request, pk: int):
    try:
        customer = selectors.customer_get_for_user(user=request.user, pk=pk)
    except Http404:
        # Someone claimed it since the pool page was loaded, and it is now out of sight.
        messages.error(request, _("This customer has already been taken from the public pool."))
        return redirect("customers:pool")
    try:
        services.customer_claim(actor=request.user, customer=customer)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("customers:pool")
    messages.success(request, _("%(name)s is now yours.") % {"name": customer.name})
    return redirect("customers:detail", pk=customer.pk)


@login_required
@require_POST
def release(request, pk: int):
    customer = selectors.customer_get_for_user(user=request.user, pk=pk)
    form = ReleaseForm(request.POST)
    if form.is_valid():
        try:
            services.customer_release(
                actor=request.user, customer=customer, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("%(name)s is back in the public pool.") % {"name": customer.name})
            return redirect("customers:list")
    context = _detail_context(request, customer, release_form=form)
    return render(request, "customers/detail.html", context, status=400)


@login_required
@require_POST
def assign(request, pk: int):
    customer = selectors.customer_get_for_user(user=request.user, pk=pk)
    require(request.user, Cap.LEADS_ASSIGN)
    form = AssignFromPoolForm(request.POST, user=request.user)
    if form.is_valid():
        person = form.cleaned_data["person"]
        try:
            services.customer_assign_from_pool(actor=request.user, customer=customer, person=person)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(
                request, _("%(name)s is given to %(person)s.") % {"name": customer.name, "person": person}
            )
            return redirect("customers:detail", pk=customer.pk)
    context = _detail_context(request, customer, assign_form=form)
    return render(request, "customers/detail.html", context, status=400)
