"""REST endpoints for the organisation tree, people and regions. Thin: parse, call, shape."""

import datetime as dt

from ninja import Field, Query, Router, Schema, Status

from salescore.core.api import ErrorOut, Pagination, paginate
from salescore.core.api import reference as _ref
from salescore.core.api import references as _refs
from salescore.core.api_rows import listed, related
from salescore.core.permissions import Cap, Duty, Position, require
from salescore.org import selectors, services
from salescore.org.models import OrgUnit, Person, Region

router = Router(tags=["organisation"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class OrgUnitOut(Schema):
    id: int
    kind: OrgUnit.Kind
    name: str
    name_en: str
    display_name: str
    parent_id: int | None
    duty: str
    description: str
    description_en: str
    head_id: int | None
    depth: int
    sort_order: int
    member_count: int | None = None
    version: int


class OrgUnitIn(Schema):
    kind: OrgUnit.Kind
    name: str = Field(..., min_length=1, max_length=100)
    name_en: str = Field("", max_length=100)
    parent_id: int | None = None
    duty: Duty | None = None
    description: str = Field("", max_length=5000)
    description_en: str = Field("", max_length=5000)
    head_id: int | None = None
    sort_order: int = Field(0, ge=0, le=100000)


class OrgUnitPatch(Schema):
    version: int = Field(..., ge=1, description="The version you loaded; a stale one gives 409.")
    name: str | None = Field(None, min_length=1, max_length=100)
    name_en: str | None = Field(None, max_length=100)
    duty: Duty | None = None
    description: str | None = Field(None, max_length=5000)
    description_en: str | None = Field(None, max_length=5000)
    head_id: int | None = None
    sort_order: int | None = Field(None, ge=0, le=100000)
    parent_id: int | None = Field(None, description="Move the unit (and its subtree) under this unit.")


class RegionOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    display_name: str
    level: Region.Level
    parent_id: int | None
    version: int


class RegionIn(Schema):
    code: str = Field(..., min_length=1, max_length=12)
    name: str = Field(..., min_length=1, max_length=100)
    name_en: str = Field("", max_length=100)
    level: Region.Level
    parent_id: int | None = None


class RegionPatch(Schema):
    version: int = Field(..., ge=1)
    name: str | None = Field(None, min_length=1, max_length=100)
    name_en: str | None = Field(None, max_length=100)


class PersonOut(Schema):
    id: int
    employee_no: str
    name: str
    name_en: str
    display_name: str
    username: str = Field(..., alias="user.username")
    position: Position
    org_unit_id: int
    org_unit_name: str = Field(..., alias="org_unit.display_name")
    manager_id: int | None
    hire_date: dt.date
    status: Person.Status
    left_date: dt.date | None
    phone: str
    email: str
    region_ids: list[int]
    version: int

    @staticmethod
    def resolve_region_ids(obj: Person) -> list[int]:
        return [r.pk for r in related(obj, "regions")]


class PersonIn(Schema):
    username: str = Field(..., min_length=1, max_length=150)
    password: str = Field(..., min_length=1, max_length=128)
    employee_no: str = Field(..., min_length=1, max_length=32)
    name: str = Field(..., min_length=1, max_length=100)
    name_en: str = Field("", max_length=100)
    position: Position
    org_unit_id: int
    manager_id: int | None = None
    hire_date: dt.date
    phone: str = Field("", max_length=32)
    email: str = Field("", max_length=254)
    region_ids: list[int] = []


class PersonPatch(Schema):
    version: int = Field(..., ge=1)
    employee_no: str | None = Field(None, min_length=1, max_length=32)
    name: str | None = Field(None, min_length=1, max_length=100)
    name_en: str | None = Field(None, max_length=100)
    position: Position | None = None
    org_unit_id: int | None = None
    manager_id: int | None = None
    hire_date: dt.date | None = None
    status: Person.Status | None = None
    left_date: dt.date | None = None
    phone: str | None = Field(None, max_length=32)
    email: str | None = Field(None, max_length=254)
    region_ids: list[int] | None = None


class PeopleFilter(Schema):
    q: str | None = Field(None, max_length=100, description="Search name, employee number, username, email")
    org_unit_id: int | None = None
    position: Position | None = None
    status: Person.Status | None = None
    region_id: int | None = None
    order: str = Field("employee_no", pattern="^(employee_no|name|hire_date|-hire_date|unit)$")


def _regions(ids: list[int] | None) -> list[Region] | None:
    return _refs(Region, ids, "region_ids")


# -- organisation units ---------------------------------------------------------------------


@router.get("/org/units", response=list[OrgUnitOut], summary="The organisation tree, in tree order")
@paginate(Pagination)
def list_units(request):
    require(request.auth, Cap.ORG_VIEW)
    return selectors.org_unit_tree()


@router.get("/org/units/{unit_id}", response={200: OrgUnitOut, **ERRORS})
def get_unit(request, unit_id: int):
    require(request.auth, Cap.ORG_VIEW)
    return selectors.org_unit_get(pk=unit_id)


@router.post("/org/units", response={201: OrgUnitOut, **ERRORS})
def create_unit(request, payload: OrgUnitIn):
    unit = services.org_unit_create(
        actor=request.auth,
        kind=payload.kind,
        name=payload.name,
        name_en=payload.name_en,
        parent=_ref(OrgUnit, payload.parent_id, "parent_id"),
        duty=payload.duty or "",
        description=payload.description,
        description_en=payload.description_en,
        head=_ref(Person, payload.head_id, "head_id"),
        sort_order=payload.sort_order,
    )
    return Status(201, unit)


@router.patch("/org/units/{unit_id}", response={200: OrgUnitOut, **ERRORS})
def update_unit(request, unit_id: int, payload: OrgUnitPatch):
    require(request.auth, Cap.ORG_MANAGE)
    unit = selectors.org_unit_get(pk=unit_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    if "parent_id" in data:
        parent = _ref(OrgUnit, data.pop("parent_id"), "parent_id")
        unit = services.org_unit_move(actor=request.auth, unit=unit, new_parent=parent, version=version)
        version = unit.version
    if "head_id" in data:
        data["head"] = _ref(Person, data.pop("head_id"), "head_id")
    services.org_unit_update(actor=request.auth, unit=unit, version=version, **data)
    return unit


@router.delete("/org/units/{unit_id}", response={204: None, **ERRORS})
def delete_unit(request, unit_id: int):
    services.org_unit_delete(actor=request.auth, unit=selectors.org_unit_get(pk=unit_id))
    return Status(204, None)


# -- regions -----------------------------------------------------------------------------------


@router.get("/regions", response=list[RegionOut], summary="Regions (territories), filtered")
@paginate(Pagination)
def list_regions(
    request,
    parent_id: int | None = None,
    level: Region.Level | None = None,
    q: str | None = Query(None, max_length=100),
):
    require(request.auth, Cap.ORG_VIEW)
    parent = _ref(Region, parent_id, "parent_id")
    return selectors.regions_list(parent=parent, level=level, q=q)


@router.get("/regions/{region_id}", response={200: RegionOut, **ERRORS})
def get_region(request, region_id: int):
    require(request.auth, Cap.ORG_VIEW)
    return selectors.region_get(pk=region_id)


@router.post("/regions", response={201: RegionOut, **ERRORS})
def create_region(request, payload: RegionIn):
    region = services.region_create(
        actor=request.auth,
        code=payload.code,
        name=payload.name,
        name_en=payload.name_en,
        level=payload.level,
        parent=_ref(Region, payload.parent_id, "parent_id"),
    )
    return Status(201, region)


@router.patch("/regions/{region_id}", response={200: RegionOut, **ERRORS})
def update_region(request, region_id: int, payload: RegionPatch):
    region = selectors.region_get(pk=region_id)
    data = payload.dict(exclude_unset=True)
    return services.region_update(actor=request.auth, region=region, **data)


@router.delete("/regions/{region_id}", response={204: None, **ERRORS})
def delete_region(request, region_id: int):
    services.region_delete(actor=request.auth, region=selectors.region_get(pk=region_id))
    return Status(204, None)


# -- people ------------------------------------------------------------------------------------


@router.get("/people", response=list[PersonOut], summary="People in your scope")
@paginate(Pagination)
def list_people(request, filters: Query[PeopleFilter]):
    require(request.auth, Cap.PEOPLE_VIEW)
    people = selectors.people_list(
        user=request.auth,
        q=filters.q,
        org_unit=_ref(OrgUnit, filters.org_unit_id, "org_unit_id"),
        position=filters.position,
        status=filters.status,
        region=_ref(Region, filters.region_id, "region_id"),
        order=filters.order,
    )
    return listed(people, "regions")


@router.get("/people/{person_id}", response={200: PersonOut, **ERRORS})
def get_person(request, person_id: int):
    require(request.auth, Cap.PEOPLE_VIEW)
    return selectors.person_get_for_user(user=request.auth, pk=person_id)


@router.post("/people", response={201: PersonOut, **ERRORS})
def create_person(request, payload: PersonIn):
    person = services.person_create(
        actor=request.auth,
        username=payload.username,
        password=payload.password,
        employee_no=payload.employee_no,
        name=payload.name,
        name_en=payload.name_en,
        position=payload.position,
        org_unit=_ref(OrgUnit, payload.org_unit_id, "org_unit_id"),
        manager=_ref(Person, payload.manager_id, "manager_id"),
        hire_date=payload.hire_date,
        phone=payload.phone,
        email=payload.email,
        regions=_regions(payload.region_ids),
    )
    return Status(201, selectors.person_get_for_user(user=request.auth, pk=person.pk))


@router.patch("/people/{person_id}", response={200: PersonOut, **ERRORS})
def update_person(request, person_id: int, payload: PersonPatch):
    person = selectors.person_get_for_user(user=request.auth, pk=person_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    regions = _regions(data.pop("region_ids", None))
    if "org_unit_id" in data:
        data["org_unit"] = _ref(OrgUnit, data.pop("org_unit_id"), "org_unit_id")
    if "manager_id" in data:
        data["manager"] = _ref(Person, data.pop("manager_id"), "manager_id")
    services.person_update(actor=request.auth, person=person, version=version, regions=regions, **data)
    return selectors.person_get_for_user(user=request.auth, pk=person.pk)


@router.delete("/people/{person_id}", response={204: None, **ERRORS})
def delete_person(request, person_id: int):
    person = selectors.person_get_for_user(user=request.auth, pk=person_id)
    services.person_delete(actor=request.auth, person=person)
    return Status(204, None)
