"""Catalogue pages. Thin: parse the form, call a service or selector, render.

Everyone signed in reads the catalogue; only Cap.PROCESS_CONFIGURE changes it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salescore.catalog import selectors, services
from salescore.catalog.forms import CategoryForm, FeatureForm, ProductFilterForm, ProductForm
from salescore.core.errors import ApplicationError
from salescore.core.pagination import paginate
from salescore.core.permissions import Cap, access_for, require
from salescore.core.web import form_error, is_htmx
from salescore.customers.models import Industry, Size

ACTIVE_FILTER = {"active": True, "inactive": False, "all": None}

# -- products ------------------------------------------------------------------------------------


@login_required
def products(request):
    require(request.user, Cap.ORG_VIEW)
    form = ProductFilterForm(request.GET or None, initial={"active": "active"})
    data = form.cleaned_data if form.is_valid() else {}
    rows = selectors.product_list(
        q=data.get("q"),
        category=data.get("category"),
        active=ACTIVE_FILTER[data.get("active") or "active"],
    )
    page = paginate(rows, page=request.GET.get("page", 1), page_size=request.GET.get("page_size", 25))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "can_configure": access_for(request.user).can(Cap.PROCESS_CONFIGURE),
    }
    template = "catalog/_partials/product_table.html" if is_htmx(request) else "catalog/products.html"
    return render(request, template, context)


@login_required
def product_detail(request, pk: int):
    require(request.user, Cap.ORG_VIEW)
    product = selectors.product_get(pk=pk)
    return render(
        request,
        "catalog/product_detail.html",
        {
            "product": product,
            "industries": [Industry(v).label for v in product.industries if v in Industry.values],
            "sizes": [Size(v).label for v in product.sizes if v in Size.values],
            "can_configure": access_for(request.user).can(Cap.PROCESS_CONFIGURE),
        },
    )


def _product_kwargs(data) -> dict:
    return {
        key: data[key]
        for key in (
            "code",
            "name",
            "name_en",
            "category",
            "description",
            "list_price",
            "price_floor",
            "currency",
            "unit",
            "industries",
            "sizes",
            "active",
        )
    }


@login_required
def product_create(request):
    require(request.user, Cap.PROCESS_CONFIGURE)
    form = ProductForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            product = services.product_create(
                actor=request.user, features=list(data["features"]), **_product_kwargs(data)
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("%(name)s is created.") % {"name": product})
            return redirect("catalog:product_detail", pk=product.pk)
    return render(request, "catalog/product_form.html", {"form": form, "product": None})


@login_required
def product_edit(request, pk: int):
    require(request.user, Cap.PROCESS_CONFIGURE)
    product = selectors.product_get(pk=pk)
    initial = {
        "code": product.code,
        "name": product.name,
        "name_en": product.name_en,
        "category": product.category,
        "description": product.description,
        "list_price": product.list_price,
        "price_floor": product.price_floor,
        "currency": product.currency,
        "unit": product.unit,
        "features": list(product.features.all()),
        "industries": product.industries,
        "sizes": product.sizes,
        "active": product.active,
        "version": product.version,
    }
    form = ProductForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.product_update(
                actor=request.user,
                product=product,
                version=data["version"],
                features=list(data["features"]),
                **_product_kwargs(data),
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": product})
            return redirect("catalog:product_detail", pk=product.pk)
    return render(request, "catalog/product_form.html", {"form": form, "product": product})


@login_required
@require_POST
def product_delete(request, pk: int):
    require(request.user, Cap.PROCESS_CONFIGURE)
    product = selectors.product_get(pk=pk)
    try:
        services.product_delete(actor=request.user, product=product)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("catalog:product_detail", pk=product.pk)
    messages.success(
        request, _("%(name)s is deleted. It can be restored from the recycle bin.") % {"name": product}
    )
    return redirect("catalog:products")


# -- categories ----------------------------------------------------------------------------------


@login_required
def categories(request):
    require(request.user, Cap.ORG_VIEW)
    return render(
        request,
        "catalog/categories.html",
        {
            "categories": list(selectors.category_list()),
            "can_configure": access_for(request.user).can(Cap.PROCESS_CONFIGURE),
        },
    )


@login_required
def category_create(request):
    require(request.user, Cap.PROCESS_CONFIGURE)
    form = CategoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            category = services.category_create(
                actor=request.user,
                code=data["code"],
                name=data["name"],
                name_en=data["name_en"],
                sort_order=data["sort_order"] or 0,
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("%(name)s is created.") % {"name": category})
            return redirect("catalog:categories")
    return render(request, "catalog/category_form.html", {"form": form, "category": None})


@login_required
def category_edit(request, pk: int):
    require(request.user, Cap.PROCESS_CONFIGURE)
    category = selectors.category_get(pk=pk)
    initial = {
        "code": category.code,
        "name": category.name,
        "name_en": category.name_en,
        "sort_order": category.sort_order,
        "version": category.version,
    }
    form = CategoryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.category_update(
                actor=request.user,
                category=category,
                version=data["version"],
                code=data["code"],
                name=data["name"],
                name_en=data["name_en"],
                sort_order=data["sort_order"],
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": category})
            return redirect("catalog:categories")
    return render(request, "catalog/category_form.html", {"form": form, "category": category})


@login_required
@require_POST
def category_delete(request, pk: int):
    require(request.user, Cap.PROCESS_CONFIGURE)
    category = selectors.category_get(pk=pk)
    try:
        services.category_delete(actor=request.user, category=category)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("catalog:category_edit", pk=category.pk)
    messages.success(
        request, _("%(name)s is deleted. It can be restored from the recycle bin.") % {"name": category}
    )
    return redirect("catalog:categories")


# -- features ------------------------------------------------------------------------------------


@login_required
def features(request):
    require(request.user, Cap.ORG_VIEW)
    return render(
        request,
        "catalog/features.html",
        {
            "features": list(selectors.feature_list()),
            "can_configure": access_for(request.user).can(Cap.PROCESS_CONFIGURE),
        },
    )


@login_required
def feature_create(request):
    require(request.user, Cap.PROCESS_CONFIGURE)
    form = FeatureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            feature = services.feature_create(
                actor=request.user, code=data["code"], name=data["name"], name_en=data["name_en"]
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("%(name)s is created.") % {"name": feature})
            return redirect("catalog:features")
    return render(request, "catalog/feature_form.html", {"form": form, "feature": None})


@login_required
def feature_edit(request, pk: int):
    require(request.user, Cap.PROCESS_CONFIGURE)
    feature = selectors.feature_get(pk=pk)
    form = FeatureForm(
        request.POST or None, initial={"code": feature.code, "name": feature.name, "name_en": feature.name_en}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.feature_update(
                actor=request.user,
                feature=feature,
                code=data["code"],
                name=data["name"],
                name_en=data["name_en"],
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": feature})
            return redirect("catalog:features")
    return render(request, "catalog/feature_form.html", {"form": form, "feature": feature})
