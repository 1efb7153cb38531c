"""Who am I, and my personal API tokens."""

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from salescore.accounts.models import ApiToken
from salescore.accounts.services import api_token_create, api_token_revoke
from salescore.core.api import ErrorOut, Pagination, paginate
from salescore.core.permissions import Cap, access_for, require

router = Router(tags=["accounts"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class MeOut(Schema):
    id: int
    username: str
    name: str
    person_id: int | None
    position: str | None
    duty: str | None
    scope: str
    capabilities: list[str]


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    is_active: bool


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    expires_in_days: int | None = Field(None, ge=1, le=3650)


class TokenCreatedOut(TokenOut):
    token: str = Field(..., description="Shown once. Store it now: only its hash is kept.")


@router.get("/me", response=MeOut)
def me(request):
    access = access_for(request.auth)
    return {
        "id": request.auth.pk,
        "username": request.auth.username,
        "name": request.auth.get_full_name(),
        "person_id": access.person_id,
        "position": access.position,
        "duty": access.duty,
        "scope": access.scope,
        "capabilities": sorted(access.capabilities),
    }


@router.get("/tokens", response=list[TokenOut])
@paginate(Pagination)
def list_tokens(request):
    require(request.auth, Cap.API_TOKENS)
    return ApiToken.objects.filter(user=request.auth)


@router.post("/tokens", response={201: TokenCreatedOut, **ERRORS})
def create_token(request, payload: TokenIn):
    require(request.auth, Cap.API_TOKENS)
    token, plain = api_token_create(
        user=request.auth, name=payload.name, expires_in_days=payload.expires_in_days
    )
    data = TokenOut.from_orm(token).dict()
    return Status(201, {**data, "token": plain})


@router.delete("/tokens/{token_id}", response={204: None, **ERRORS})
def revoke_token(request, token_id: int):
    token = get_object_or_404(ApiToken, pk=token_id, user=request.auth)
    api_token_revoke(token=token, actor=request.auth)
    return Status(204, None)
