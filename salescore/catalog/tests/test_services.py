"""Catalogue writes (R3.4): only the process configurers change it, and every rule names its field."""

from __future__ import annotations

from decimal import Decimal

import pytest

from salescore.catalog import services
from salescore.catalog.models import Category, Feature, Product
from salescore.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from salescore.core.models import AuditLog


@pytest.fixture
def catalogue(cast):
    actor = cast.director.user
    robots = services.category_create(actor=actor, code="robots", name="工业机器人", name_en="Robots")
    precision = services.feature_create(actor=actor, code="precision", name="高精度", name_en="Precision")
    saving = services.feature_create(actor=actor, code="saving", name="节能")
    arm = services.product_create(
        actor=actor,
        code="XH-R6-20",
        name="六轴工业机器人",
        category=robots,
        list_price="268000",
        price_floor=Decimal("225000.00"),
        features=[precision, saving.pk],
        industries=["automotive", "electronics", "automotive"],
        sizes=["large"],
    )
    return {"robots": robots, "precision": precision, "saving": saving, "arm": arm}


def _product(actor, category=None, **fields) -> Product:
    values = {
        "code": "P-1",
        "name": "产品",
        "category": category,
        "list_price": "1000.00",
        "price_floor": "800.00",
    }
    values.update(fields)
    return services.product_create(actor=actor, **values)


def _refused(call, field: str, code: str = "invalid") -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call()
    assert caught.value.code == code, caught.value.as_dict()
    assert field in caught.value.fields, caught.value.as_dict()
    return caught.value


# -- who may write ---------------------------------------------------------------------------------


def test_a_product_is_created_with_its_features_and_audited(cast, catalogue):
    arm = Product.objects.get(pk=catalogue["arm"].pk)

    assert (arm.list_price, arm.price_floor, arm.currency, arm.unit) == (
        Decimal("268000.00"),
        Decimal("225000.00"),
        "CNY",
        "台",
    )
    assert arm.industries == ["automotive", "electronics"]  # duplicates dropped, order kept
    assert {f.code for f in arm.features.all()} == {"precision", "saving"}
    rows = AuditLog.objects.filter(content_type__model="product", object_id=arm.pk)
    assert {row.action for row in rows} == {"create", "update"}  # the features as one update row
    assert rows.filter(action="create").get().actor == cast.director.user
    assert AuditLog.objects.filter(content_type__model="feature", object_id=catalogue["saving"].pk).exists()


@pytest.mark.parametrize("who", ["rep_a", "lead_a", "head", "clerk", "analyst"])
def test_only_process_configurers_change_the_catalogue(cast, catalogue, who):
    actor = getattr(cast, who).user
    robots, arm, precision = catalogue["robots"], catalogue["arm"], catalogue["precision"]
    writes = [
        lambda: services.category_create(actor=actor, code="new", name="新类别"),
        lambda: services.category_update(actor=actor, category=robots, name="改名"),
        lambda: services.category_delete(actor=actor, category=robots),
        lambda: services.feature_create(actor=actor, code="new", name="新特性"),
        lambda: services.feature_update(actor=actor, feature=precision, name="改名"),
        lambda: _product(actor, robots, code="P-9"),
        lambda: services.product_update(actor=actor, product=arm, list_price="1"),
        lambda: services.product_delete(actor=actor, product=arm),
        lambda: services.product_restore(actor=actor, record=arm),
        lambda: services.category_restore(actor=actor, record=robots),
    ]
    for write in writes:
        with pytest.raises(PermissionDeniedError):
            write()
    assert Product.objects.get(pk=arm.pk).list_price == Decimal("268000.00")
    assert (
        not Category.objects.filter(code="new").exists() and not Feature.objects.filter(code="new").exists()
    )


def test_the_administrator_configures_too(cast, catalogue):
    services.product_update(actor=cast.admin.user, product=catalogue["arm"], name="六轴机器人")
    assert Product.objects.get(pk=catalogue["arm"].pk).name == "六轴机器人"


# -- validation ------------------------------------------------------------------------------------


def test_codes_are_unique_whatever_the_case(cast, catalogue):
    actor = cast.director.user
    _refused(lambda: _product(actor, catalogue["robots"], code="xh-r6-20"), "code", "duplicate")
    _refused(lambda: services.category_create(actor=actor, code="ROBOTS", name="重复"), "code", "duplicate")
    _refused(lambda: services.feature_create(actor=actor, code="precision", name="重复"), "code", "duplicate")
    other = _product(actor, catalogue["robots"], code="P-2")
    _refused(
        lambda: services.product_update(actor=actor, product=other, code="XH-R6-20"), "code", "duplicate"
    )


def test_a_deleted_products_code_can_be_used_again_but_then_it_is_not_restored(cast, catalogue):
    actor = cast.director.user
    services.product_delete(actor=actor, product=catalogue["arm"])
    _product(actor, catalogue["robots"], code="XH-R6-20")

    error = _refused(
        lambda: services.product_restore(actor=actor, record=Product.all_objects.get(pk=catalogue["arm"].pk)),
        "code",
        "duplicate",
    )
    assert "XH-R6-20" in error.message


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"price_floor": "1200"}, "price_floor", "invalid"),  # above the list price
        ({"list_price": "-1"}, "list_price", "invalid"),
        ({"price_floor": "-0.01"}, "price_floor", "invalid"),
        ({"list_price": "1000.005"}, "list_price", "invalid"),  # never rounded silently
        ({"list_price": "1e20"}, "list_price", "invalid"),
        ({"list_price": "一千"}, "list_price", "invalid_number"),
        ({"list_price": "Infinity"}, "list_price", "invalid_number"),
        ({"list_price": ""}, "list_price", "required"),
        ({"currency": "RMB"}, "currency", "invalid_currency"),
        ({"currency": "C1Y"}, "currency", "invalid_currency"),
        ({"industries": ["automotive", "spaceflight"]}, "industries", "invalid"),
        ({"sizes": ["huge"]}, "sizes", "invalid"),
        ({"features": [999999]}, "features", "invalid"),
        ({"features": ["high"]}, "features", "invalid"),
        ({"code": "  "}, "code", "required"),
        ({"name": ""}, "name", "required"),
        ({"category": None}, "category", "required"),
    ],
)
def test_invalid_products_are_refused_naming_the_field(cast, catalogue, fields, field, code):
    fields = {"category": catalogue["robots"], **fields}
    _refused(lambda: _product(cast.director.user, **fields), field, code)
    assert not Product.objects.filter(code="P-1").exists()


def test_prices_are_stored_with_two_places_and_currency_in_capitals(cast, catalogue):
    product = _product(cast.director.user, catalogue["robots"], list_price="1,000.5", currency=" usd ")
    product.refresh_from_db()
    assert (product.list_price, product.currency) == (Decimal("1000.50"), "USD")
    assert str(product.list_price) == "1000.50"


def test_the_floor_is_checked_against_the_stored_list_price(cast, catalogue):
    actor = cast.director.user
    arm = catalogue["arm"]
    _refused(lambda: services.product_update(actor=actor, product=arm, price_floor="300000"), "price_floor")
    _refused(lambda: services.product_update(actor=actor, product=arm, list_price="200000"), "price_floor")

    services.product_update(actor=actor, product=arm, list_price="300000", price_floor="300000")
    arm.refresh_from_db()
    assert arm.price_floor == arm.list_price == Decimal("300000.00")


def test_a_stale_edit_is_refused(cast, catalogue):
    actor = cast.director.user
    arm = catalogue["arm"]
    loaded = arm.version
    services.product_update(actor=actor, product=arm, name="第一次修改")

    with pytest.raises(ConflictError):
        services.product_update(actor=actor, product=arm, version=loaded, name="第二次修改")
    with pytest.raises(ConflictError):
        services.category_update(
            actor=actor, category=catalogue["robots"], version=catalogue["robots"].version + 1, name="x"
        )


def test_update_replaces_features_and_lists(cast, catalogue):
    actor = cast.director.user
    arm = catalogue["arm"]
    services.product_update(
        actor=actor, product=arm, features=[catalogue["saving"]], industries=[], sizes=["medium", "large"]
    )
    arm = Product.objects.get(pk=arm.pk)
    assert [f.code for f in arm.features.all()] == ["saving"]
    assert (arm.industries, arm.sizes) == ([], ["medium", "large"])


def _all_refused(call):
    with pytest.raises(ApplicationError) as caught:
        call()
    return caught.value


def test_unknown_fields_are_refused(cast, catalogue):
    error = _all_refused(
        lambda: services.product_update(actor=cast.director.user, product=catalogue["arm"], stock=3)
    )
    assert "stock" in error.message


# -- categories and features -----------------------------------------------------------------------


def test_a_category_with_products_is_not_deleted(cast, catalogue):
    actor = cast.director.user
    robots = catalogue["robots"]
    error = _all_refused(lambda: services.category_delete(actor=actor, category=robots))
    assert error.code == "has_products"

    services.product_delete(actor=actor, product=catalogue["arm"])
    services.category_delete(actor=actor, category=robots)
    assert Category.all_objects.get(pk=robots.pk).is_deleted


def test_a_product_waits_for_its_category_to_be_restored(cast, catalogue):
    actor = cast.director.user
    services.product_delete(actor=actor, product=catalogue["arm"])
    services.category_delete(actor=actor, category=catalogue["robots"])
    arm = Product.all_objects.get(pk=catalogue["arm"].pk)
    assert _all_refused(lambda: services.product_restore(actor=actor, record=arm)).code == "parent_deleted"
    # and a deleted category cannot take new products
    _refused(lambda: _product(actor, Category.all_objects.get(pk=catalogue["robots"].pk)), "category")

    services.category_restore(actor=actor, record=Category.all_objects.get(pk=catalogue["robots"].pk))
    services.product_restore(actor=actor, record=Product.all_objects.get(pk=arm.pk))
    assert Product.objects.filter(pk=arm.pk).exists()


def test_a_category_code_must_be_a_slug(cast):
    _refused(
        lambda: services.category_create(actor=cast.director.user, code="数控 机床", name="数控机床"), "code"
    )


def test_a_feature_is_renamed_with_an_audit_row(cast, catalogue):
    feature = catalogue["precision"]
    services.feature_update(actor=cast.director.user, feature=feature, name="超高精度", name_en="")
    feature.refresh_from_db()
    assert (feature.name, feature.name_en) == ("超高精度", "")
    row = AuditLog.objects.filter(content_type__model="feature", object_id=feature.pk, action="update").get()
    assert row.changes == {
        "name": {"old": "高精度", "new": "超高精度"},
        "name_en": {"old": "Precision", "new": ""},
    }
    # nothing changed: no row
    services.feature_update(actor=cast.director.user, feature=feature, name="超高精度")
    assert AuditLog.objects.filter(content_type__model="feature", object_id=feature.pk).count() == 2
    _refused(
        lambda: services.feature_update(actor=cast.director.user, feature=feature, code="saving"),
        "code",
        "duplicate",
    )
