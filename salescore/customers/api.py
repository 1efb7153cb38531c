"""REST endpoints for customers, their collaborators and contacts. Thin: parse, call, shape.

Contact data (mobile, phone, email, WeChat) leaves masked for anyone who sees the customer but
neither owns it nor collaborates on it; they may reveal one field, which the service logs (R3.8).
"""

import datetime as dt
import enum
from contextlib import contextmanager
from typing import Annotated, Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import StringConstraints

from salescore.catalog.models import PriceList
from salescore.core.api import ErrorOut, Pagination, date_range, paginate
from salescore.core.api import reference as _ref
from salescore.core.api_rows import listed, only_related, related
from salescore.core.errors import ApplicationError
from salescore.core.permissions import Cap, Position, require, scope_queryset
from salescore.customers import selectors, services
from salescore.customers.merge import MERGE_FIELDS, customer_merge
from salescore.customers.models import Channel, Contact, Customer, Industry, PoolMove, Size, Tier
from salescore.org.models import OrgUnit, Person, Region

router = Router(tags=["customers"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}

TagName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
ORDER_PATTERN = "^(" + "|".join(selectors.ORDERINGS) + ")$"


# The contact fields that are masked and may be revealed: mobile, phone, email, wechat.
PrivateField = enum.StrEnum("PrivateField", {name.upper(): name for name in Contact.private_fields})
# The fields a merge may take from the duplicate instead of keeping the survivor's.
MergeField = enum.StrEnum("MergeField", {name.upper(): name for name in MERGE_FIELDS})


# -- schemas -----------------------------------------------------------------------------------


class CustomerOut(Schema):
    id: int
    kind: Customer.Kind
    name: str
    credit_code: str
    industry: Industry | Literal[""]
    size: Size | Literal[""]
    tier: Tier
    region_id: int | None
    region_name: str | None
    address: str
    source: Channel
    owner_id: int | None
    owner_name: str | None
    phone: str
    email: str
    website: str
    tags: list[str]
    notes: str
    price_list_id: int | None = Field(None, description="The customer's price list (catalogue); null: none")
    price_list_name: str | None = None
    last_contact_at: dt.datetime | None
    contact_count: int | None = Field(None, description="Live contacts; given in lists only")
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int

    @staticmethod
    def resolve_region_name(obj: Customer) -> str | None:
        return obj.region.display_name if obj.region_id else None

    @staticmethod
    def resolve_owner_name(obj: Customer) -> str | None:
        return obj.owner.display_name if obj.owner_id else None

    @staticmethod
    def resolve_tags(obj: Customer) -> list[str]:
        return sorted(t.name for t in related(obj, "tags"))

    @staticmethod
    def resolve_price_list_name(obj: Customer) -> str | None:
        return obj.price_list.display_name if obj.price_list_id else None


class CustomerIn(Schema):
    kind: Customer.Kind = Customer.Kind.COMPANY
    name: str = Field(..., min_length=1, max_length=200)
    # Spaces are allowed (they are removed); the service explains a wrong length or check character.
    credit_code: str = Field("", max_length=32)
    industry: Industry | None = None
    size: Size | None = None
    tier: Tier = Tier.C
    region_id: int | None = None
    address: str = Field("", max_length=300)
    source: Channel = Channel.OTHER
    owner_id: int | None = Field(None, description="Defaults to you")
    phone: str = Field("", max_length=32)
    email: str = Field("", max_length=254)
    website: str = Field("", max_length=200)
    tags: list[TagName] = Field([], max_length=30)
    notes: str = Field("", max_length=5000)
    price_list_id: int | None = Field(None, description="Quotes and orders take their list prices from it")


class CustomerPatch(Schema):
    """Send only what changes. Fields typed without ``None`` cannot be emptied (null is refused)."""

    version: int = Field(..., ge=1, description="The version you loaded; a stale one gives 409.")
    kind: Customer.Kind = None
    name: str = Field(None, min_length=1, max_length=200)
    credit_code: str | None = Field(None, max_length=32)
    industry: Industry | None = None
    size: Size | None = None
    tier: Tier = None
    region_id: int | None = None
    address: str | None = Field(None, max_length=300)
    source: Channel = None
    owner_id: int = Field(None, description="Hand the customer to this person")
    phone: str | None = Field(None, max_length=32)
    email: str | None = Field(None, max_length=254)
    website: str | None = Field(None, max_length=200)
    tags: list[TagName] | None = Field(None, max_length=30, description="Replaces the tags")
    notes: str | None = Field(None, max_length=5000)
    price_list_id: int | None = Field(None, description="null: no price list, the catalogue's list prices")


class CustomerFilter(Schema):
    q: str | None = Field(None, max_length=100, description="Name, credit code, phone or email")
    tier: Tier | None = None
    industry: Industry | None = None
    region_id: int | None = Field(None, description="This region and the regions inside it")
    owner_id: int | None = None
    source: Channel | None = None
    tag: str | None = Field(None, max_length=40)
    mine: bool = Field(False, description="Only the customers you own")
    pool: bool | None = Field(
        None,
        description="true: only the public pool; false: only owned customers. Left out, the pool is "
        "left out except for people who see everything.",
    )
    unit_id: int | None = Field(None, description="Owned by people in this org unit or below it")
    created_from: dt.date | None = Field(None, description="Created on or after this local date")
    created_to: dt.date | None = Field(None, description="Created on or before this local date")
    price_list_id: int | None = Field(None, description="Only the customers on this price list")
    order: str = Field("-updated", pattern=ORDER_PATTERN)


class CollaboratorOut(Schema):
    id: int
    name: str
    display_name: str
    position: Position
    org_unit_id: int


class CollaboratorIn(Schema):
    person_id: int


class ContactOut(Schema):
    id: int
    customer_id: int
    customer_name: str
    name: str
    title: str
    mobile: str
    phone: str
    email: str
    wechat: str
    masked: bool = Field(..., description="True when mobile, phone, email and WeChat are masked for you")
    role: Contact.Role
    is_primary: bool
    notes: str
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int

    # ``obj`` is a selectors.ContactView: the *_shown values are masked when ``masked`` is true.
    @staticmethod
    def resolve_customer_name(obj) -> str:
        return obj.customer.name

    @staticmethod
    def resolve_mobile(obj) -> str:
        return obj.mobile_shown

    @staticmethod
    def resolve_phone(obj) -> str:
        return obj.phone_shown

    @staticmethod
    def resolve_email(obj) -> str:
        return obj.email_shown

    @staticmethod
    def resolve_wechat(obj) -> str:
        return obj.wechat_shown


class ContactIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    title: str = Field("", max_length=100)
    mobile: str = Field("", max_length=32)
    phone: str = Field("", max_length=32)
    email: str = Field("", max_length=254)
    wechat: str = Field("", max_length=64)
    role: Contact.Role = Contact.Role.OTHER
    is_primary: bool = False
    notes: str = Field("", max_length=5000)


class ContactPatch(Schema):
    version: int = Field(..., ge=1, description="The version you loaded; a stale one gives 409.")
    name: str = Field(None, min_length=1, max_length=100)
    title: str | None = Field(None, max_length=100)
    mobile: str | None = Field(None, max_length=32)
    phone: str | None = Field(None, max_length=32)
    email: str | None = Field(None, max_length=254)
    wechat: str | None = Field(None, max_length=64)
    role: Contact.Role = None
    is_primary: bool = None
    notes: str | None = Field(None, max_length=5000)


class ContactFilter(Schema):
    q: str | None = Field(None, max_length=100, description="Contact or customer name, mobile, email")
    customer_id: int | None = None


class RevealIn(Schema):
    field: PrivateField


class RevealOut(Schema):
    field: PrivateField
    value: str


# -- helpers -----------------------------------------------------------------------------------

# Services name model fields; the API answers with the names the caller sent.
_API_FIELD_NAMES = {
    "owner": "owner_id",
    "region": "region_id",
    "person": "person_id",
    "price_list": "price_list_id",
}
# Text fields a caller may empty by sending null.
_BLANKABLE = {"credit_code", "industry", "size", "address", "phone", "email", "website", "notes"}
_BLANKABLE_CONTACT = {"title", "mobile", "phone", "email", "wechat", "notes"}


@contextmanager
def _api_field_names():
    try:
        yield
    except ApplicationError as exc:
        exc.fields = {_API_FIELD_NAMES.get(k, k): v for k, v in exc.fields.items()}
        raise


def _blank_nulls(data: dict, names: set[str]) -> dict:
    return {k: ("" if v is None and k in names else v) for k, v in data.items()}


class ContactPagination(Pagination):
    """Limit/offset, then masks the page: one look-up of what the user may see in full per page."""

    def paginate_queryset(self, queryset, pagination, request, **params):
        page = super().paginate_queryset(queryset, pagination, request, **params)
        page[self.items_attribute] = _contact_views(request.auth, list(page[self.items_attribute]))
        return page


def _contact_views(user, contacts: list[Contact]) -> list[selectors.ContactView]:
    unmasked = selectors.unmasked_customer_ids(user=user, customer_ids={c.customer_id for c in contacts})
    return [selectors.ContactView(c, masked=c.customer_id not in unmasked) for c in contacts]


def _contact_out(user, pk: int) -> selectors.ContactView:
    return _contact_views(user, [selectors.contact_get_for_user(user=user, pk=pk)])[0]


# -- customers ---------------------------------------------------------------------------------


@router.get("/customers", response={200: list[CustomerOut], **ERRORS}, summary="Customers in your scope")
@paginate(Pagination)
def list_customers(request, filters: Query[CustomerFilter]):
    created_from, created_to = date_range(
        filters.created_from, filters.created_to, start_field="created_from", end_field="created_to"
    )
    customers = selectors.customer_list(
        user=request.auth,
        q=filters.q,
        tier=filters.tier,
        industry=filters.industry,
        region=_ref(Region, filters.region_id, "region_id"),
        owner=_ref(Person, filters.owner_id, "owner_id"),
        source=filters.source,
        tag=filters.tag,
        mine=filters.mine,
        pool=filters.pool,
        unit=_ref(OrgUnit, filters.unit_id, "unit_id"),
        created_from=created_from,
        created_to=created_to,
        price_list=_ref(PriceList, filters.price_list_id, "price_list_id"),
        order=filters.order,
    )
    # an item names its owner, region and price list: their other columns are not read
    bilingual = ["name", "name_en"]
    customers = only_related(customers, owner=bilingual, region=bilingual, price_list=bilingual)
    return listed(customers, "tags")


# -- the public pool (these paths come before /customers/{customer_id}) -------------------------


class PoolCustomerOut(Schema):
    id: int
    name: str
    tier: Tier
    industry: Industry | Literal[""]
    region_id: int | None
    region_name: str | None
    last_contact_at: dt.datetime | None
    days_since_contact: int
    pool_reason: PoolMove.Reason | None
    pool_entered_at: dt.datetime | None

    @staticmethod
    def resolve_region_name(obj: Customer) -> str | None:
        return obj.region.display_name if obj.region_id else None

    @staticmethod
    def resolve_days_since_contact(obj: Customer) -> int:
        return (timezone.now() - obj.last_touch).days


class PoolFilter(Schema):
    q: str | None = Field(None, max_length=100, description="Name")
    tier: Tier | None = None


class PoolMoveOut(Schema):
    id: int
    customer_id: int
    direction: PoolMove.Direction
    reason: PoolMove.Reason
    previous_owner_id: int | None
    new_owner_id: int | None
    actor_id: int | None
    at: dt.datetime
    note: str


class ReleaseIn(Schema):
    reason: str = Field(..., min_length=1, max_length=1000)


class AssignIn(Schema):
    person_id: int


class MergeIn(Schema):
    duplicate_id: int = Field(..., description="The customer merged into this one, then deleted.")
    take_from_duplicate: list[MergeField] = Field(
        default_factory=list, description="Fields whose value is taken from the duplicate."
    )
    version: int = Field(..., ge=1, description="This customer's version you loaded; a stale one gives 409.")
    duplicate_version: int | None = Field(
        None, ge=1, description="The duplicate's version you loaded; a stale one gives 409."
    )


class MergeOut(Schema):
    customer: CustomerOut
    merged_id: int
    moved: dict[str, int]


@router.get(
    "/customers/pool",
    response={200: list[PoolCustomerOut], **ERRORS},
    summary="The public pool (公海): customers nobody owns, to claim",
)
@paginate(Pagination)
def list_pool(request, filters: Query[PoolFilter]):
    require(request.auth, Cap.PIPELINE_WORK)
    return selectors.pool_list(user=request.auth, q=filters.q, tier=filters.tier)


@router.post("/customers/{customer_id}/claim", response={200: CustomerOut, **ERRORS})
def claim_customer(request, customer_id: int):
    customer = selectors.customer_get_for_user(user=request.auth, pk=customer_id)
    services.customer_claim(actor=request.auth, customer=customer)
    return selectors.customer_get_for_user(user=request.auth, pk=customer.pk)


@router.post(
    "/customers/{customer_id}/release",
    response={200: CustomerOut, **ERRORS},
    summary="Put the customer back in the public pool, saying why",
)
def release_customer(request, customer_id: int, payload: ReleaseIn):
    customer = selectors.customer_get_for_user(user=request.auth, pk=customer_id)
    # Answered as it now is: the releaser may no longer see it once it is in the pool.
    return services.customer_release(actor=request.auth, customer=customer, reason=payload.reason)


@router.post(
    "/customers/{customer_id}/assign",
    response={200: CustomerOut, **ERRORS},
    summary="Give a pool customer to someone you manage",
)
def assign_customer(request, customer_id: int, payload: AssignIn):
    customer = selectors.customer_get_for_user(user=request.auth, pk=customer_id)
    person = _ref(Person, payload.person_id, "person_id")
    with _api_field_names():
        services.customer_assign_from_pool(actor=request.auth, customer=customer, person=person)
    return selectors.customer_get_for_user(user=request.auth, pk=customer.pk)


@router.get(
    "/customers/{customer_id}/pool-moves",
    response={200: list[PoolMoveOut], **ERRORS},
    summary="The customer's moves into and out of the public pool",
)
@paginate(Pagination)
def list_pool_moves(request, customer_id: int):
    customer = selectors.customer_get_for_user(user=request.auth, pk=customer_id)
    return selectors.pool_moves(customer=customer)


@router.post(
    "/customers/{customer_id}/merge",
    response={200: MergeOut, **ERRORS},
    summary="Merge a duplicate into this customer",
    description=(
        "Contacts, activities, opportunities, converted leads, collaborators, tags and pool history of "
        "the duplicate move to this customer; the duplicate is deleted and cannot be restored. Needs "
        "customers.create and managing both customers (owner or their manager)."
    ),
)
def merge_customer(request, customer_id: int, payload: MergeIn):
    survivor = selectors.customer_get_for_user(user=request.auth, pk=customer_id)
    # A duplicate the caller may not see points nowhere, like one that does not exist (400, no leak).
    duplicate = _ref(
        scope_queryset(Customer.objects.all(), request.auth), payload.duplicate_id, "duplicate_id"
    )
    result = customer_merge(
        actor=request.auth,
        survivor=survivor,
        duplicate=duplicate,
        take_from_duplicate=[str(name) for name in payload.take_from_duplicate],
        survivor_version=payload.version,
        duplicate_version=payload.duplicate_version,
    )
    return {
        "customer": selectors.customer_get_for_user(user=request.auth, pk=survivor.pk),
        "merged_id": result.duplicate.pk,
        "moved": result.moved,
    }


@router.get("/customers/{customer_id}", response={200: CustomerOut, **ERRORS})
def get_customer(request, customer_id: int):
    return selectors.customer_get_for_user(user=request.auth, pk=customer_id)


@router.post("/customers", response={201: CustomerOut, **ERRORS})
def create_customer(request, payload: CustomerIn):
    data = payload.dict()
    region = _ref(Region, data.pop("region_id"), "region_id")
    owner = _ref(Person, data.pop("owner_id"), "owner_id")
    data["price_list"] = _ref(PriceList, data.pop("price_list_id"), "price_list_id")
    tags = data.pop("tags")
    data["industry"] = data["industry"] or ""
    data["size"] = data["size"] or ""
    with _api_field_names():
        customer = services.customer_create(actor=request.auth, region=region, owner=owner, tags=tags, **data)
    return Status(201, selectors.customer_get_for_user(user=request.auth, pk=customer.pk))


@router.patch("/customers/{customer_id}", response={200: CustomerOut, **ERRORS})
def update_customer(request, customer_id: int, payload: CustomerPatch):
    customer = selectors.customer_get_for_user(user=request.auth, pk=customer_id)
    data = _blank_nulls(payload.dict(exclude_unset=True), _BLANKABLE)
    version = data.pop("version")
    tags = data.pop("tags", None)
    if "region_id" in data:
        data["region"] = _ref(Region, data.pop("region_id"), "region_id")
    if "owner_id" in data:
        data["owner"] = _ref(Person, data.pop("owner_id"), "owner_id")
    if "price_list_id" in data:
        data["price_list"] = _ref(PriceList, data.pop("price_list_id"), "price_list_id")
    with _api_field_names():
        services.customer_update(actor=request.auth, customer=customer, version=version, tags=tags, **data)
    return selectors.customer_get_for_user(user=request.auth, pk=customer.pk)


@router.delete("/customers/{customer_id}", response={204: None, **ERRORS}, summary="Move to the recycle bin")
def delete_customer(request, customer_id: int):
    customer = selectors.customer_get_for_user(user=request.auth, pk=customer_id)
    services.customer_delete(actor=request.auth, customer=customer)
    return Status(204, None)


# -- collaborators -----------------------------------------------------------------------------


@router.get(
    "/customers/{customer_id}/collaborators",
    response={200: list[CollaboratorOut], **ERRORS},
    summary="Colleagues the customer is shared with",
)
@paginate(Pagination)
def list_collaborators(request, customer_id: int):
    customer = selectors.customer_get_for_user(user=request.auth, pk=customer_id)
    return selectors.collaborators(customer)


@router.post(
    "/customers/{customer_id}/collaborators",
    response={200: CollaboratorOut, 201: CollaboratorOut, **ERRORS},
    summary="Share the customer and its contacts with a colleague (201; 200 if already shared)",
)
def add_collaborator(request, customer_id: int, payload: CollaboratorIn):
    customer = selectors.customer_get_for_user(user=request.auth, pk=customer_id)
    person = _ref(Person, payload.person_id, "person_id")
    with _api_field_names():
        created = services.customer_add_collaborator(actor=request.auth, customer=customer, person=person)
    return Status(201 if created else 200, person)


@router.delete("/customers/{customer_id}/collaborators/{person_id}", response={204: None, **ERRORS})
def remove_collaborator(request, customer_id: int, person_id: int):
    customer = selectors.customer_get_for_user(user=request.auth, pk=customer_id)
    person = Person.all_objects.filter(pk=person_id).first()
    if person is None or not services.customer_remove_collaborator(
        actor=request.auth, customer=customer, person=person
    ):
        raise ApplicationError(
            _("This person is not a collaborator on this customer."), code="not_found", status=404
        )
    return Status(204, None)


# -- contacts ----------------------------------------------------------------------------------


@router.get(
    "/customers/{customer_id}/contacts",
    response={200: list[ContactOut], **ERRORS},
    summary="A customer's contacts (masked unless you own or collaborate on the customer)",
)
@paginate(ContactPagination)
def list_customer_contacts(request, customer_id: int):
    customer = selectors.customer_get_for_user(user=request.auth, pk=customer_id)
    return selectors.contact_list(user=request.auth, customer=customer)


@router.post("/customers/{customer_id}/contacts", response={201: ContactOut, **ERRORS})
def create_contact(request, customer_id: int, payload: ContactIn):
    customer = selectors.customer_get_for_user(user=request.auth, pk=customer_id)
    contact = services.contact_create(actor=request.auth, customer=customer, **payload.dict())
    return Status(201, _contact_out(request.auth, contact.pk))


@router.get(
    "/contacts",
    response={200: list[ContactOut], **ERRORS},
    summary="Contacts of the customers in your scope",
)
@paginate(ContactPagination)
def list_contacts(request, filters: Query[ContactFilter]):
    customer = None
    if filters.customer_id is not None:
        _ref(Customer, filters.customer_id, "customer_id")
        customer = selectors.customer_get_for_user(user=request.auth, pk=filters.customer_id)
    return selectors.contact_list(user=request.auth, q=filters.q, customer=customer)


@router.get("/contacts/{contact_id}", response={200: ContactOut, **ERRORS})
def get_contact(request, contact_id: int):
    return _contact_out(request.auth, contact_id)


@router.patch("/contacts/{contact_id}", response={200: ContactOut, **ERRORS})
def update_contact(request, contact_id: int, payload: ContactPatch):
    contact = selectors.contact_get_for_user(user=request.auth, pk=contact_id)
    data = _blank_nulls(payload.dict(exclude_unset=True), _BLANKABLE_CONTACT)
    version = data.pop("version")
    services.contact_update(actor=request.auth, contact=contact, version=version, **data)
    return _contact_out(request.auth, contact.pk)


@router.delete("/contacts/{contact_id}", response={204: None, **ERRORS}, summary="Move to the recycle bin")
def delete_contact(request, contact_id: int):
    contact = selectors.contact_get_for_user(user=request.auth, pk=contact_id)
    services.contact_delete(actor=request.auth, contact=contact)
    return Status(204, None)


@router.post(
    "/contacts/{contact_id}/reveal",
    response={200: RevealOut, **ERRORS},
    summary="The full value of one masked field; the look-up is recorded in the audit trail",
)
def reveal_contact_field(request, contact_id: int, payload: RevealIn):
    contact = selectors.contact_get_for_user(user=request.auth, pk=contact_id)
    value = services.contact_reveal(actor=request.auth, contact=contact, field=payload.field.value)
    return {"field": payload.field, "value": value}
