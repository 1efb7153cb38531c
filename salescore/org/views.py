"""Organisation pages. Thin: parse the form, call a service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from salescore.accounts.services import user_unlock
from salescore.core.errors import ApplicationError
from salescore.core.export import export_format, export_response
from salescore.core.pagination import paginate
from salescore.core.permissions import Cap, access_for, require
from salescore.core.web import form_error, is_htmx
from salescore.org import selectors, services
from salescore.org.forms import OrgUnitForm, PeopleFilterForm, PersonCreateForm, PersonForm, RegionForm
from salescore.org.models import OrgUnit, Person, Region

# -- organisation tree -----------------------------------------------------------------------


@login_required
def tree(request):
    require(request.user, Cap.ORG_VIEW)
    units = list(selectors.org_unit_tree())
    return render(
        request,
        "org/tree.html",
        {"units": units, "can_manage": access_for(request.user).can(Cap.ORG_MANAGE)},
    )


@login_required
def unit_detail(request, pk: int):
    require(request.user, Cap.ORG_VIEW)
    unit = selectors.org_unit_get(pk=pk)
    members = selectors.people_list(
        user=request.user, org_unit=unit, status=Person.Status.ACTIVE, order="unit"
    )
    page = paginate(members, page=request.GET.get("page", 1))
    children = selectors.org_unit_tree().filter(parent=unit)
    return render(
        request,
        "org/unit_detail.html",
        {
            "unit": unit,
            "children": children,
            "page": page,
            "can_manage": access_for(request.user).can(Cap.ORG_MANAGE),
        },
    )


def _unit_kwargs(data):
    return {
        "name": data["name"],
        "name_en": data["name_en"],
        "duty": data["duty"] or "",
        "description": data["description"],
        "description_en": data["description_en"],
        "head": data["head"],
        "sort_order": data["sort_order"] or 0,
    }


@login_required
def unit_create(request):
    require(request.user, Cap.ORG_MANAGE)
    initial = {}
    parent = OrgUnit.objects.filter(pk=request.GET.get("parent") or 0).first()
    if parent is not None:
        initial["parent"] = parent
        child_kind = {v: k for k, v in OrgUnit.ALLOWED_PARENT.items() if v}.get(parent.kind)
        initial["kind"] = child_kind
    form = OrgUnitForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            unit = services.org_unit_create(
                actor=request.user, kind=data["kind"], parent=data["parent"], **_unit_kwargs(data)
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("%(name)s is created.") % {"name": unit})
            return redirect("org:unit_detail", pk=unit.pk)
    return render(request, "org/unit_form.html", {"form": form, "unit": None})


@login_required
def unit_edit(request, pk: int):
    require(request.user, Cap.ORG_MANAGE)
    unit = selectors.org_unit_get(pk=pk)
    initial = {
        "kind": unit.kind,
        "parent": unit.parent,
        "name": unit.name,
        "name_en": unit.name_en,
        "duty": unit.duty,
        "head": unit.head,
        "description": unit.description,
        "description_en": unit.description_en,
        "sort_order": unit.sort_order,
        "version": unit.version,
    }
    form = OrgUnitForm(request.POST or None, initial=initial)
    form.fields["kind"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            version = data["version"]
            if data["parent"] is not None and data["parent"].pk != unit.parent_id:
                services.org_unit_move(
                    actor=request.user, unit=unit, new_parent=data["parent"], version=version
                )
                version = unit.version
            services.org_unit_update(actor=request.user, unit=unit, version=version, **_unit_kwargs(data))
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": unit})
            return redirect("org:unit_detail", pk=unit.pk)
    return render(request, "org/unit_form.html", {"form": form, "unit": unit})


@login_required
@require_POST
def unit_delete(request, pk: int):
    require(request.user, Cap.ORG_MANAGE)
    unit = selectors.org_unit_get(pk=pk)
    try:
        services.org_unit_delete(actor=request.user, unit=unit)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("org:unit_detail", pk=unit.pk)
    messages.success(
        request, _("%(name)s is deleted. It can be restored from the recycle bin.") % {"name": unit}
    )
    return redirect("org:tree")


# -- people ------------------------------------------------------------------------------------


def _people_queryset(request):
    form = PeopleFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    people = selectors.people_list(
        user=request.user,
        q=data.get("q"),
        org_unit=data.get("org_unit"),
        position=data.get("position") or None,
        status=data.get("status") or None,
        region=data.get("region"),
        no_region=bool(data.get("no_region")),
        leaving_within_days=data.get("leaving"),
        order=data.get("order") or "employee_no",
    )
    return form, people


@login_required
def people(request):
    require(request.user, Cap.PEOPLE_VIEW)
    form, queryset = _people_queryset(request)
    page = paginate(queryset, page=request.GET.get("page", 1), page_size=request.GET.get("page_size", 25))
    access = access_for(request.user)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "can_manage": access.can(Cap.PEOPLE_MANAGE),
        "can_export": access.can(Cap.PEOPLE_EXPORT),
    }
    template = "org/_partials/people_table.html" if is_htmx(request) else "org/people.html"
    return render(request, template, context)


@login_required
def people_export(request):
    """The filtered list as CSV or XLSX (?format=xlsx), streamed; the same scope as the page."""
    require(request.user, Cap.PEOPLE_EXPORT)
    _form, queryset = _people_queryset(request)
    header = [
        _("Employee number"),
        pgettext("person", "Name"),
        _("English name"),
        _("Username"),
        _("Position"),
        _("Unit"),
        _("Manager"),
        _("Hire date"),
        _("Status"),
        _("Leaving date"),
        _("Phone"),
        _("Email"),
        _("Regions"),
    ]
    rows = (
        [
            person.employee_no,
            person.name,
            person.name_en,
            person.user.username,
            person.get_position_display(),
            person.org_unit.display_name,
            person.manager.display_name if person.manager else "",
            person.hire_date,
            person.get_status_display(),
            person.left_date,
            person.phone,
            person.email,
            " / ".join(r.display_name for r in person.regions.all()),
        ]
        for person in queryset.iterator(chunk_size=2000)
    )
    return export_response(header=header, rows=rows, name="people", file_format=export_format(request))


@login_required
def person_detail(request, pk: int):
    require(request.user, Cap.PEOPLE_VIEW)
    person = selectors.person_get_for_user(user=request.user, pk=pk)
    access = access_for(request.user)
    return render(
        request,
        "org/person_detail.html",
        {
            "person": person,
            "reports": selectors.people_list(user=request.user, status=Person.Status.ACTIVE).filter(
                manager=person
            )[:50],
            "can_manage": access.can(Cap.PEOPLE_MANAGE),
            "can_unlock": access.can(Cap.ACCOUNTS_UNLOCK),
        },
    )


@login_required
def person_create(request):
    require(request.user, Cap.PEOPLE_MANAGE)
    form = PersonCreateForm(request.POST or None, initial={"hire_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = services.person_create(
                actor=request.user,
                username=data["username"],
                password=data["password"],
                employee_no=data["employee_no"],
                name=data["name"],
                name_en=data["name_en"],
                position=data["position"],
                org_unit=data["org_unit"],
                manager=data["manager"],
                hire_date=data["hire_date"],
                phone=data["phone"],
                email=data["email"],
                regions=list(data["regions"]),
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("%(name)s is created.") % {"name": person})
            return redirect("org:person_detail", pk=person.pk)
    return render(request, "org/person_form.html", {"form": form, "person": None})


@login_required
def person_edit(request, pk: int):
    # Scope first, like the API's PATCH: a record outside it is 404 whatever the position allows.
    person = selectors.person_get_for_user(user=request.user, pk=pk)
    require(request.user, Cap.PEOPLE_MANAGE)
    initial = {
        "employee_no": person.employee_no,
        "name": person.name,
        "name_en": person.name_en,
        "position": person.position,
        "org_unit": person.org_unit,
        "manager": person.manager,
        "hire_date": person.hire_date,
        "status": person.status,
        "left_date": person.left_date,
        "phone": person.phone,
        "email": person.email,
        "regions": list(person.regions.all()),
        "version": person.version,
    }
    form = PersonForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {
            k: data[k]
            for k in [
                "employee_no",
                "name",
                "name_en",
                "position",
                "org_unit",
                "manager",
                "hire_date",
                "status",
                "left_date",
                "phone",
                "email",
            ]
        }
        try:
            services.person_update(
                actor=request.user,
                person=person,
                version=data["version"],
                regions=list(data["regions"]),
                **fields,
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": person})
            return redirect("org:person_detail", pk=person.pk)
    return render(request, "org/person_form.html", {"form": form, "person": person})


@login_required
@require_POST
def person_delete(request, pk: int):
    person = selectors.person_get_for_user(user=request.user, pk=pk)
    require(request.user, Cap.PEOPLE_MANAGE)  # else the refusal below would read like a rule
    try:
        services.person_delete(actor=request.user, person=person)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("org:person_detail", pk=person.pk)
    messages.success(
        request, _("%(name)s is deleted. It can be restored from the recycle bin.") % {"name": person}
    )
    return redirect("org:people")


@login_required
@require_POST
def person_unlock(request, pk: int):
    person = selectors.person_get_for_user(user=request.user, pk=pk)
    user_unlock(user=person.user, actor=request.user)
    messages.success(request, _("The login of %(name)s is unlocked.") % {"name": person})
    return redirect("org:person_detail", pk=person.pk)


# -- regions -----------------------------------------------------------------------------------


@login_required
def regions(request):
    require(request.user, Cap.ORG_VIEW)
    parent = Region.objects.filter(pk=request.GET.get("parent") or 0).first()
    q = (request.GET.get("q") or "").strip()[:100]
    rows = selectors.regions_list(parent=parent if not q else None, q=q or None)
    if parent is None and not q:
        rows = rows.filter(parent__isnull=True)
    ancestors = []
    node = parent
    while node is not None:
        ancestors.insert(0, node)
        node = node.parent
    page = paginate(rows, page=request.GET.get("page", 1), page_size=50)
    return render(
        request,
        "org/regions.html",
        {
            "parent": parent,
            "ancestors": ancestors,
            "page": page,
            "q": q,
            "can_manage": access_for(request.user).can(Cap.ORG_MANAGE),
        },
    )


@login_required
def region_create(request):
    require(request.user, Cap.ORG_MANAGE)
    parent = Region.objects.filter(pk=request.GET.get("parent") or 0).first()
    initial = {}
    if parent is not None:
        initial = {
            "parent": parent,
            "level": {v: k for k, v in Region.ALLOWED_PARENT.items() if v}.get(parent.level),
        }
    form = RegionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            region = services.region_create(
                actor=request.user,
                code=data["code"],
                name=data["name"],
                name_en=data["name_en"],
                level=data["level"],
                parent=data["parent"],
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("%(name)s is created.") % {"name": region})
            return redirect(
                reverse("org:regions") + (f"?parent={region.parent_id}" if region.parent_id else "")
            )
    return render(request, "org/region_form.html", {"form": form, "region": None})


@login_required
def region_edit(request, pk: int):
    require(request.user, Cap.ORG_MANAGE)
    region = selectors.region_get(pk=pk)
    form = RegionForm(
        request.POST or None,
        initial={
            "code": region.code,
            "name": region.name,
            "name_en": region.name_en,
            "level": region.level,
            "parent": region.parent,
            "version": region.version,
        },
    )
    for name in ("code", "level", "parent"):
        form.fields[name].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.region_update(
                actor=request.user,
                region=region,
                version=data["version"],
                name=data["name"],
                name_en=data["name_en"],
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": region})
            return redirect(
                reverse("org:regions") + (f"?parent={region.parent_id}" if region.parent_id else "")
            )
    return render(request, "org/region_form.html", {"form": form, "region": region})


@login_required
@require_POST
def region_delete(request, pk: int):
    require(request.user, Cap.ORG_MANAGE)
    region = selectors.region_get(pk=pk)
    try:
        services.region_delete(actor=request.user, region=region)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("%(name)s is deleted. It can be restored from the recycle bin.") % {"name": region}
        )
    return redirect(reverse("org:regions") + (f"?parent={region.parent_id}" if region.parent_id else ""))
