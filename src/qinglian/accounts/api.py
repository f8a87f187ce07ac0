from datetime import datetime

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from qinglian.accounts.models import ApiToken
from qinglian.accounts.services import token_create, token_revoke

router = Router(tags=["accounts"])


class MeOut(Schema):
    id: int
    username: str
    name: str
    roles: list[dict]


@router.get("/me", response=MeOut, summary="Who I am and which roles I hold")
def me(request):
    user = request.user
    assignments = user.role_assignments.active().select_related("role", "organisation")
    return {
        "id": user.pk,
        "username": user.username,
        "name": user.get_full_name(),
        "roles": [
            {
                "role": a.role.code,
                "organisation_id": a.organisation_id,
                "organisation": a.organisation.name,
                "include_subtree": a.include_subtree,
            }
            for a in assignments
        ],
    }


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenIn(Schema):
    name: str
    # The same bounds as the page's form: 0 or fewer days made a token that had already expired.
    days: int = Field(90, ge=1, le=3650)


class TokenCreatedOut(TokenOut):
    token: str


@router.get("/tokens", response=list[TokenOut], summary="My API tokens")
def tokens(request):
    return ApiToken.objects.filter(user=request.user)


@router.post("/tokens", response={201: TokenCreatedOut}, summary="Make a token (its text is shown only now)")
def token_new(request, payload: TokenIn):
    token, text = token_create(user=request.user, name=payload.name, days=payload.days)
    return Status(201, {**TokenOut.from_orm(token).dict(), "token": text})


@router.delete("/tokens/{token_id}", response={204: None}, summary="Revoke one of my tokens")
def token_delete(request, token_id: int):
    token_revoke(token=get_object_or_404(ApiToken, pk=token_id, user=request.user), actor=request.user)
    return Status(204, None)
